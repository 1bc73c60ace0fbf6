"""The inventory's go-live gate checks that every supplier of the system's components and dependencies is approved."""

import pytest

from aims.core.testing import person_with_role
from aims.inventory import gates
from aims.inventory import services as inventory
from aims.inventory.models import Stage
from aims.suppliers import services
from aims.suppliers.gates import suppliers_approved

pytestmark = pytest.mark.django_db


@pytest.fixture
def chatbot(org, manager):
    owner = person_with_role("system_owner", org["north"])
    return inventory.create_system(actor=manager, name="HR chatbot", unit=org["north"], owner=owner,
                                   criticality="high")


def check(system):
    return next(r for r in gates.evaluate(system, Stage.DEPLOYMENT) if r.key == "suppliers.approved")


def test_the_check_is_part_of_the_go_live_gate(chatbot):
    result = check(chatbot)
    assert result.passed and result.label == "Suppliers approved"


def test_an_unapproved_supplier_of_a_component_blocks_go_live(chatbot, manager, ready_supplier, procurement):
    model = inventory.create_component(actor=manager, kind="external_api", name="Lumen chat", origin="supplier",
                                       provider="Lumen")
    inventory.link_component(actor=manager, system=chatbot, component=model)
    services.link_supply(actor=procurement, supplier=ready_supplier, component=model)
    passed, message, url = suppliers_approved(chatbot)
    assert not passed and "Lumen Language Models Ltd" in message and url == ready_supplier.get_absolute_url()

    services.submit_for_approval(actor=procurement, supplier=ready_supplier)
    services.approve_supplier(actor=manager, supplier=ready_supplier)
    assert check(chatbot).passed
    assert check(chatbot).message == "Every supplier is approved (1)."


def test_a_supplier_of_a_dependency_under_a_component_counts(chatbot, manager, make_supplier, procurement):
    model = inventory.create_component(actor=manager, kind="model", name="Ranker")
    runtime = inventory.create_dependency(actor=manager, kind="cloud_service", name="GPU cloud")
    inventory.link_component(actor=manager, system=chatbot, component=model)
    inventory.link_component_dependency(actor=manager, component=model, dependency=runtime)
    supplier = make_supplier(legal_name="GPU Cloud SA")
    services.link_supply(actor=procurement, supplier=supplier, dependency=runtime)
    assert not check(chatbot).passed
    assert supplier.__class__.objects.get(pk=supplier.pk).criticality == "high"
