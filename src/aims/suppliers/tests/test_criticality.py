"""A supplier's criticality is computed from what it supplies to which systems, never typed in."""

import pytest

from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.inventory import services as inventory
from aims.suppliers import services
from aims.suppliers.models import Supplier

pytestmark = pytest.mark.django_db


def test_the_highest_criticality_of_the_dependent_systems(org, manager, make_supplier, procurement):
    owner = person_with_role("system_owner", org["north"])
    low = inventory.create_system(actor=manager, name="Intranet search", unit=org["north"], owner=owner,
                                  criticality="low")
    high = inventory.create_system(actor=manager, name="Credit scoring", unit=org["north"], owner=owner,
                                   criticality="high")
    api = inventory.create_component(actor=manager, kind="external_api", name="LLM API")
    embeddings = inventory.create_component(actor=manager, kind="external_api", name="Embeddings")
    inventory.link_component(actor=manager, system=low, component=api)
    inventory.link_component(actor=manager, system=high, component=embeddings)
    supplier = make_supplier()
    assert supplier.criticality == ""
    services.link_supply(actor=procurement, supplier=supplier, component=api)
    assert Supplier.objects.get(pk=supplier.pk).criticality == "low"
    supply = services.link_supply(actor=procurement, supplier=supplier, component=embeddings)
    assert Supplier.objects.get(pk=supplier.pk).criticality == "high"
    assert LedgerEvent.objects.filter(action="suppliers.supplier.criticality", object_id=str(supplier.pk)).count() == 2
    services.unlink_supply(actor=procurement, supply=supply)
    assert Supplier.objects.get(pk=supplier.pk).criticality == "low"


def test_a_high_risk_system_makes_its_supplier_critical(org, manager, make_supplier, procurement):
    from aims.inventory.testing import CV_SCREENING

    owner = person_with_role("system_owner", org["north"])
    system = inventory.create_system(actor=manager, name="CV screening", unit=org["north"], owner=owner,
                                     criticality="medium")
    inventory.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    model = inventory.create_component(actor=manager, kind="model", name="CV ranker")
    inventory.link_component(actor=manager, system=system, component=model)
    supplier = make_supplier()
    services.link_supply(actor=procurement, supplier=supplier, component=model)
    assert Supplier.objects.get(pk=supplier.pk).criticality == "critical"


def test_the_daily_job_follows_the_systems(org, manager, make_supplier, procurement):
    owner = person_with_role("system_owner", org["north"])
    system = inventory.create_system(actor=manager, name="Chatbot", unit=org["north"], owner=owner,
                                     criticality="low")
    model = inventory.create_component(actor=manager, kind="model", name="Chat model")
    inventory.link_component(actor=manager, system=system, component=model)
    supplier = make_supplier()
    services.link_supply(actor=procurement, supplier=supplier, component=model)
    inventory.update_system(actor=manager, system=system, changes={"criticality": "critical"})
    assert services.refresh_all_criticalities() == 1
    assert Supplier.objects.get(pk=supplier.pk).criticality == "critical"
    assert services.refresh_all_criticalities() == 0
