"""Fixtures for the monitoring tests: a system in North owned by a system owner, KPIs made through the services."""

import itertools

import pytest

from aims.core.models import PeopleGroup
from aims.core.testing import person_with_role
from aims.inventory.models import AISystem
from aims.monitoring import services

_codes = itertools.count(1)


@pytest.fixture
def owner(org):
    """System owner over North (monitoring: write)."""
    return person_with_role("system_owner", org["north"], first_name="Olivia", last_name="Owner")


@pytest.fixture
def south_owner(org):
    return person_with_role("system_owner", org["south"])


@pytest.fixture
def viewer(org):
    return person_with_role("viewer", org["north"])


@pytest.fixture
def manager(org):
    return person_with_role("aims_manager", None, home_unit=org["root"], first_name="Max", last_name="Manager")


@pytest.fixture
def make_system(org, owner):
    def make(**fields):
        fields.setdefault("name", "Credit scoring")
        fields.setdefault("unit", org["north"])
        fields.setdefault("owner", owner)
        fields.setdefault("reference_code", f"AIS-M{next(_codes):04d}")
        return AISystem.objects.create(**fields)
    return make


@pytest.fixture
def system(make_system):
    return make_system()


@pytest.fixture
def make_kpi(owner):
    def make(system, catalogue_key="accuracy", actor=None, **fields):
        fields.setdefault("owner", owner)
        if catalogue_key == "accuracy":
            fields.setdefault("target", 90)
            fields.setdefault("warning", 85)
            fields.setdefault("critical", 80)
        return services.create_kpi(actor=actor or owner, system=system, catalogue_key=catalogue_key, **fields)
    return make


@pytest.fixture
def accuracy(system, make_kpi):
    return make_kpi(system)


@pytest.fixture
def committee(db):
    member = person_with_role(None, first_name="Cora", last_name="Committee")
    group = PeopleGroup.objects.create(name="AI governance committee")
    group.members.add(member)
    return member
