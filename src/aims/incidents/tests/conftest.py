"""Fixtures for the incidents tests: a handler in North with a manager, a chatbot that processes personal data and a
high-risk credit model, and the time of the test as the incidents' clock."""

import itertools
from datetime import UTC, datetime

import pytest

from aims.core import context
from aims.core.testing import person_with_role
from aims.inventory.models import AISystem

_codes = itertools.count(1)
# A fixed "now" for the tests that bind the clock (the awareness of their incidents is a little before).
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def manager(org):
    return person_with_role("aims_manager", None, home_unit=org["root"], first_name="Mona", last_name="Manager")


@pytest.fixture
def handler(org, manager):
    person = person_with_role("system_owner", org["north"], first_name="Hugo", last_name="Handler")
    person.manager = manager
    person.save(update_fields=["manager"])
    return person


@pytest.fixture
def viewer(org):
    return person_with_role("viewer", org["north"])


@pytest.fixture
def make_system(org, handler):
    def make(**fields):
        fields.setdefault("name", "Customer chatbot")
        fields.setdefault("unit", org["north"])
        fields.setdefault("owner", handler)
        fields.setdefault("reference_code", f"AIS-I{next(_codes):04d}")
        return AISystem.objects.create(**fields)
    return make


@pytest.fixture
def chatbot(make_system):
    return make_system(personal_data=True, external_exposure="customers")


@pytest.fixture
def credit(make_system):
    return make_system(name="Credit scoring", ai_act_tier="high_risk", ai_act_role="provider")


class Clock:
    """A clock the test moves by hand: context.now() reads it."""

    def __init__(self, start):
        self.time = start

    def __call__(self):
        return self.time


@pytest.fixture
def clock():
    moving = Clock(NOW)
    with context.bound(clock=moving):
        yield moving
