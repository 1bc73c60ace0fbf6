"""The History tab reads the inventory's JSON facts as labels in the reader's language, never as stored keys
(questionnaire answers, obligations, approver slots, failed gate checks): issue 16."""

import pytest
from django.utils import translation

from aims.core.models import LedgerEvent
from aims.core.views_ledger import describe_events
from aims.inventory import services
from aims.inventory.models import ChangeApproval, ChangeDecision, Classification, Stage
from aims.inventory.testing import CV_SCREENING

pytestmark = pytest.mark.django_db


def _diff(obj, user, language: str) -> dict:
    events = LedgerEvent.objects.filter(object_type=f"inventory.{obj._meta.model_name}", object_id=str(obj.pk))
    with translation.override(language):
        rows = describe_events(events.order_by("pk"), user)
    return {change["field"]: change["after"] for row in rows for change in row["diff"]}


def test_classification_answers_and_obligations_read_as_labels(make_system, manager):
    system = make_system()
    services.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    classification = Classification.objects.get(system=system)
    for language, word in (("en", "Recruitment"), ("fr", "Recrutement")):
        diff = _diff(classification, manager, language)
        assert word in diff["answers"] and "annex_iii_uses" not in diff["answers"]
        assert "Art. 26" in diff["obligations"] and "binds_label" not in diff["obligations"]


def test_approver_slots_and_failed_checks_read_as_labels(make_system, manager, owner, groups):
    system = make_system(technical_lead=owner)
    decision = services.request_change(actor=manager, system=system, kind="major_update", description="Retrain")
    french = _diff(decision, manager, "fr")["required_approvers"]
    assert french == "Comité de gouvernance"
    member = groups["AI governance committee"]
    services.approve_change(actor=member, decision=ChangeDecision.objects.get(pk=decision.pk))
    approval = ChangeApproval.objects.get(decision=decision)
    assert _diff(approval, manager, "fr")["slot"] == "Comité de gouvernance"
    with translation.override("fr"):
        assert "Comité de gouvernance" in str(approval) and "governance_committee" not in str(approval)
    services.move_to_stage(actor=manager, system=system, stage=Stage.DEPLOYMENT, justification="Pilot")
    shown = _diff(system.gate_overrides.get(), manager, "fr")["failed_checks"]
    assert "Le propriétaire désigné a approuvé la mise en production" in shown and "inventory." not in shown
