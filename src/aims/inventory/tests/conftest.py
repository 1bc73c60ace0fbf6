"""Fixtures for the inventory tests: people in roles over the shared `org` tree, and systems built by the services."""

import pytest

from aims.core.models import PeopleGroup
from aims.core.testing import person_with_role
from aims.inventory import gates, services
from aims.inventory.models import ComponentKind, Origin, Stage


@pytest.fixture(autouse=True)
def _only_inventory_gate_checks(request):
    """Other modules (risks, training...) register go-live checks too; these tests are about the inventory's own. The
    demo loads with every module's checks, as `aims demo` does (its copy serves tests of every module)."""
    if "demo_admin" in request.fixturenames:
        yield
        return
    with gates.only_checks("inventory."):
        yield


@pytest.fixture
def manager(org):
    """AIMS manager over the whole organisation."""
    return person_with_role("aims_manager", home_unit=org["root"])


@pytest.fixture
def contributor(org):
    """Contributor over North (and North-East): writes inventory there, nowhere else."""
    return person_with_role("contributor", org["north"])


@pytest.fixture
def owner(org):
    return person_with_role("system_owner", org["north"])


@pytest.fixture
def make_system(manager, owner, org):
    def make(**fields):
        fields.setdefault("name", "CV screening assistant")
        fields.setdefault("unit", org["north"])
        # The owner must be able to run the system where it lives: `owner` is a system owner over North only.
        in_north = fields["unit"].path.startswith(org["north"].path)
        fields.setdefault("owner", owner if in_north else person_with_role("system_owner", fields["unit"]))
        return services.create_system(actor=manager, **fields)
    return make


@pytest.fixture
def ready_system(make_system, manager, owner):
    """A system in validation that satisfies every built-in go-live check except the owner's approval."""
    system = make_system(intended_use="Rank applications for recruiters", incident_contact=owner)
    services.save_model_card(actor=manager, system=system, changes={"technical_limitations": "English CVs only"})
    services.move_to_stage(actor=manager, system=system, stage=Stage.VALIDATION)
    system.refresh_from_db()
    return system


@pytest.fixture
def supplier_model(manager):
    return services.create_component(actor=manager, kind=ComponentKind.MODEL, name="RankNet", version_label="2.1",
                                     provider="Acme AI", origin=Origin.SUPPLIER)


@pytest.fixture
def groups(db):
    """The committees named in catalogs/change_decisions.yaml, one member each."""
    members = {}
    for name in ("AI governance committee", "Data protection officer", "Executive management"):
        person = person_with_role(None)
        group = PeopleGroup.objects.create(name=name)
        group.members.add(person)
        members[name] = person
    return members
