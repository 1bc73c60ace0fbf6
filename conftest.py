"""Shared fixtures for the whole suite."""

import pytest

from aims.core.testing import OrgUnitFactory, person_with_role


@pytest.fixture
def org(db):
    """A small tree: root > (north > north-east), south."""
    root = OrgUnitFactory(name="Root", code="root")
    north = OrgUnitFactory(name="North", code="north", parent=root)
    north_east = OrgUnitFactory(name="North-East", code="north-east", parent=north)
    south = OrgUnitFactory(name="South", code="south", parent=root)
    return {"root": root, "north": north, "north_east": north_east, "south": south}


@pytest.fixture
def admin_user(db):
    return person_with_role("administrator")


@pytest.fixture
def role_user(db):
    """Factory fixture: role_user("viewer", unit)."""
    return person_with_role


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Background tasks run inline in tests, so their effects can be asserted."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous
