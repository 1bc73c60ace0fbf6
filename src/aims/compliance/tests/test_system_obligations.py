"""Per-system obligations follow the AI Act classification (added, retired, restored, each in the ledger), are kept
by the system's owners, and gate the go-live: every obligation in force needs evidence or a justified exception."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from aims.compliance import gates, services
from aims.compliance.models import SystemObligation
from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.evidence import services as evidence
from aims.inventory import services as inventory
from aims.inventory.ai_act import propose
from aims.inventory.testing import CV_SCREENING, NOTHING_MATCHES

from .conftest import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(unit):
    return person_with_role("system_owner", unit)


@pytest.fixture
def system(aims_manager, owner, unit):
    return inventory.create_system(actor=aims_manager, name="CV screener", unit=unit, owner=owner,
                                   purpose="Ranks job applications")


def keys(system, active=True) -> set[str]:
    return set(SystemObligation.objects.filter(system=system, is_active=active).values_list("key", flat=True))


def test_classification_gives_the_system_its_obligations(frameworks, aims_manager, system, owner):
    inventory.classify_system(actor=aims_manager, system=system, answers=CV_SCREENING)
    expected = {o["key"] for o in propose(CV_SCREENING).obligations}
    assert keys(system) == expected and "deployer_inform_workers" in expected
    workers = SystemObligation.objects.get(system=system, key="deployer_inform_workers")
    assert workers.owner == owner and workers.requirement.ref == "deployer_inform_workers"
    assert workers.applies_from is not None
    event = LedgerEvent.objects.filter(action="compliance.systemobligation.create", object_id=str(workers.pk)).get()
    assert event.actor_label == "rules:ai-act-obligations"


def test_reclassification_retires_and_restores_obligations(frameworks, aims_manager, system):
    inventory.classify_system(actor=aims_manager, system=system, answers=CV_SCREENING)
    high_risk = keys(system)
    inventory.classify_system(actor=aims_manager, system=system, answers=NOTHING_MATCHES)
    minimal = {o["key"] for o in propose(NOTHING_MATCHES).obligations}
    assert keys(system) == minimal and keys(system, active=False) == high_risk - minimal
    retired = LedgerEvent.objects.filter(action="compliance.systemobligation.retire").count()
    assert retired == len(high_risk - minimal)
    inventory.classify_system(actor=aims_manager, system=system, answers=CV_SCREENING)
    assert keys(system) == high_risk
    assert LedgerEvent.objects.filter(action="compliance.systemobligation.restore").exists()


def test_go_live_needs_evidence_or_an_exception_for_obligations_in_force(frameworks, aims_manager, system, owner,
                                                                         unit):
    inventory.classify_system(actor=aims_manager, system=system, answers=CV_SCREENING)
    passed, message, url = gates.obligations_evidenced(system)
    literacy = SystemObligation.objects.get(system=system, key="ai_literacy")  # in force since February 2025
    assert not passed and "Art. 4" in message and url.endswith("?tab=classification#obligations")
    evidence.create_evidence(actor=owner, title="AI literacy training records", unit=unit, file=pdf(),
                             link_to=[literacy])
    in_force = SystemObligation.objects.filter(system=system, applies_from__lte="2026-12-04").exclude(pk=literacy.pk)
    for obligation in in_force:
        services.record_exception(actor=aims_manager, obligation=obligation, justification="Pilot, reviewed Q1")
    assert gates.obligations_evidenced(system)[0] is True


def test_owners_keep_the_register_but_only_compliance_records_exceptions(frameworks, aims_manager, system, owner):
    inventory.classify_system(actor=aims_manager, system=system, answers=CV_SCREENING)
    workers = SystemObligation.objects.get(system=system, key="deployer_inform_workers")
    services.update_obligation(actor=owner, obligation=workers, changes={"status": "in_progress",
                                                                      "notes": "Template chosen"})
    with pytest.raises(PermissionDenied):
        services.record_exception(actor=owner, obligation=workers, justification="Not needed")
    with pytest.raises(ValidationError, match="go live without"):
        services.record_exception(actor=aims_manager, obligation=workers, justification=" ")
    with pytest.raises(PermissionDenied):
        services.update_obligation(actor=person_with_role("viewer"), obligation=workers, changes={"status": "met"})


def test_the_system_tab_and_the_api(client, frameworks, aims_manager, system, owner, django_assert_max_num_queries):
    inventory.classify_system(actor=aims_manager, system=system, answers=CV_SCREENING)
    client.force_login(owner)
    url = reverse("compliance:system_obligations", args=[system.pk]) + "?partial=1"
    with django_assert_max_num_queries(10):
        fragment = client.get(url).content.decode()
    assert 'data-obligation="deployer_inform_workers"' in fragment and "data-gaps" in fragment
    page = client.get(system.get_absolute_url() + "?tab=classification#obligations").content.decode()
    assert reverse("compliance:system_obligations", args=[system.pk]) in page
    api = client.get(f"/api/v1/systems/{system.pk}/obligations").json()
    assert {o["key"] for o in api if o["is_active"]} == keys(system)
