"""Fixtures for the risk tests: the shipped method and catalogues, people in roles, systems written directly."""

import itertools

import pytest

from aims.core.models import PeopleGroup
from aims.core.testing import person_with_role
from aims.inventory.models import AISystem, Component, SystemComponent
from aims.risks import services

_codes = itertools.count(1)


@pytest.fixture
def risk_manager(org):
    return person_with_role("risk_manager", home_unit=org["root"])


@pytest.fixture
def owner(org):
    """System owner over North (and North-East)."""
    return person_with_role("system_owner", org["north"])


@pytest.fixture
def south_owner(org):
    return person_with_role("system_owner", org["south"])


@pytest.fixture
def method(db):
    """The shipped 4x4 method, active (loaded the way `aims catalogs load` does)."""
    return services.load_default_method(actor=None)


@pytest.fixture
def threats(db):
    services.load_builtin_catalogs(actor=None)


@pytest.fixture
def committee(db):
    """The governance committee the default method names for high and critical risks, with one member."""
    member = person_with_role(None)
    group = PeopleGroup.objects.create(name="AI governance committee")
    group.members.add(member)
    return member


@pytest.fixture
def make_system(org, owner):
    def make(**fields):
        fields.setdefault("name", "Customer chatbot")
        fields.setdefault("unit", org["north"])
        fields.setdefault("owner", owner)
        fields.setdefault("reference_code", f"AIS-T{next(_codes):04d}")
        return AISystem.objects.create(**fields)
    return make


@pytest.fixture
def make_component(db):
    def make(system=None, **fields):
        fields.setdefault("kind", "model")
        fields.setdefault("name", f"Model {next(_codes)}")
        component = Component.objects.create(**fields)
        if system is not None:
            SystemComponent.objects.create(system=system, component=component)
        return component
    return make


@pytest.fixture
def make_risk(method, owner, org):
    def make(actor=None, **fields):
        if not fields.get("systems"):
            fields.setdefault("unit", org["north"])
        fields.setdefault("title", "Prompt injection on the chatbot")
        fields.setdefault("category", "security")
        fields.setdefault("owner", owner)
        return services.create_risk(actor=actor or owner, **fields)
    return make
