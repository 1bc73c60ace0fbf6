"""Per-system obligations follow the AI Act classification (added, retired, restored, each in the ledger), are kept
by the system's owners, and gate the go-live: every obligation in force needs evidence or a justified exception."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from aims.compliance import gates, services
from aims.compliance.models import SystemObligation
from aims.core import approvals
from aims.core.models import LedgerEvent, Notification, Task
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
    services.request_exception(actor=owner, obligation=literacy, justification="Training booked for January")
    assert gates.obligations_evidenced(system)[0] is False  # asked for is not approved
    services.approve_exception(actor=aims_manager, obligation=literacy)
    assert gates.obligations_evidenced(system)[0] is True
    services.withdraw_exception(actor=aims_manager, obligation=literacy, reason="Training done: evidence instead")
    assert gates.obligations_evidenced(system)[0] is False
    evidence.create_evidence(actor=owner, title="AI literacy training records", unit=unit, file=pdf(),
                             link_to=[literacy])
    assert gates.obligations_evidenced(system)[0] is True


def test_owners_keep_the_register_and_ask_for_exceptions_that_another_person_approves(frameworks, aims_manager,
                                                                                        system, owner, unit):
    inventory.classify_system(actor=aims_manager, system=system, answers=CV_SCREENING)
    workers = SystemObligation.objects.get(system=system, key="deployer_inform_workers")
    services.update_obligation(actor=owner, obligation=workers, changes={"status": "in_progress",
                                                                      "notes": "Template chosen"})
    with pytest.raises(PermissionDenied):
        services.update_obligation(actor=person_with_role("viewer"), obligation=workers, changes={"status": "met"})
    with pytest.raises(ValidationError, match="go live without"):
        services.request_exception(actor=owner, obligation=workers, justification=" ")
    services.request_exception(actor=owner, obligation=workers, justification="Works council informed in 2027")
    with pytest.raises(ValidationError, match="already waits"):
        services.request_exception(actor=owner, obligation=workers, justification="Again")

    # The inbox: a task for the AIMS manager over the system's unit, which opens the obligation; never for the asker.
    assert [w.obj for w in approvals.waiting_for(aims_manager)] == [workers]
    assert approvals.waiting_for(owner) == []
    task = Task.objects.get(assignee=aims_manager, source=approvals.task_source(services.EXCEPTION_APPROVAL, workers))
    assert task.url.startswith(workers.get_absolute_url())
    with pytest.raises(PermissionDenied):
        services.approve_exception(actor=owner, obligation=workers)

    # Refused with a reason: the request is cleared, the asker told, the task closed.
    with pytest.raises(ValidationError, match="why"):
        services.refuse_exception(actor=aims_manager, obligation=workers, comment="")
    services.refuse_exception(actor=aims_manager, obligation=workers, comment="Inform them before go-live")
    workers.refresh_from_db()
    assert not workers.exception_waiting and not workers.exception_justification
    assert Notification.objects.filter(recipient=owner, title__contains="refused").exists()
    assert Task.objects.get(pk=task.pk).done_at is not None

    # Asked again by an AIMS manager: another AIMS manager approves it, not the one who asked.
    services.request_exception(actor=aims_manager, obligation=workers, justification="Pilot with volunteers only")
    with pytest.raises(PermissionDenied, match="own work"):
        services.approve_exception(actor=aims_manager, obligation=workers)
    colleague = person_with_role("aims_manager", unit)
    services.approve_exception(actor=colleague, obligation=workers, comment="Pilot only")
    workers.refresh_from_db()
    assert workers.exception_justification == "Pilot with volunteers only" and workers.exception_by == colleague
    actions = list(LedgerEvent.objects.filter(object_type="compliance.systemobligation", object_id=str(workers.pk),
                                              action__contains="exception").order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["compliance.systemobligation.exception_request",
                       "compliance.systemobligation.exception_refused",
                       "compliance.systemobligation.exception_request", "compliance.systemobligation.exception"]

    # Withdrawn by compliance, with a reason; the owner may not withdraw an approved one.
    with pytest.raises(PermissionDenied):
        services.withdraw_exception(actor=owner, obligation=workers, reason="No longer needed")
    services.withdraw_exception(actor=aims_manager, obligation=workers, reason="Workers informed")
    workers.refresh_from_db()
    assert not workers.exception_justification and workers.exception_at is None


def test_the_obligation_page_names_the_approvers_and_offers_the_decision_to_them_only(
        client, frameworks, aims_manager, system, owner):
    inventory.classify_system(actor=aims_manager, system=system, answers=CV_SCREENING)
    workers = SystemObligation.objects.get(system=system, key="deployer_inform_workers")
    client.force_login(owner)
    response = client.post(reverse("compliance:obligation_exception", args=[workers.pk]),
                           {"exception_justification": "Informed at the next works council"})
    assert response.status_code == 302
    page = client.get(workers.get_absolute_url()).content.decode()
    assert 'data-exception="waiting"' in page and str(aims_manager) in page and "Approve the exception" not in page
    client.force_login(aims_manager)
    page = client.get(workers.get_absolute_url()).content.decode()
    assert "Approve the exception" in page
    approve = reverse("compliance:obligation_exception_approve", args=[workers.pk])
    assert client.post(approve, {"comment": ""}).status_code == 302
    assert 'data-exception="approved"' in client.get(workers.get_absolute_url()).content.decode()


def test_obligation_owners_are_people_who_keep_the_register(frameworks, aims_manager, system, owner, unit):
    inventory.classify_system(actor=aims_manager, system=system, answers=CV_SCREENING)
    workers = SystemObligation.objects.get(system=system, key="deployer_inform_workers")
    outsider = person_with_role("viewer", unit)  # sees the obligation, may not keep it
    with pytest.raises(ValidationError, match="may not keep the AI Act obligations"):
        services.update_obligation(actor=aims_manager, obligation=workers, changes={"owner": outsider})
    from aims.compliance.forms import ObligationForm

    offered = set(ObligationForm(instance=workers, user=aims_manager).fields["owner"].queryset)
    assert owner in offered and outsider not in offered
    contributor = person_with_role("contributor", unit)
    services.update_obligation(actor=aims_manager, obligation=workers, changes={"owner": contributor})


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
