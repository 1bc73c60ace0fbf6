"""The risk module reacts to inventory changes (risks/receivers.py): suggestions on registration, import and
reclassification, reviews on go-live and on a major change taking effect."""

import pytest
from django.core.exceptions import ValidationError

from aims.core.exports import csv_text
from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.inventory import services as inventory
from aims.inventory.exchange import tabular
from aims.inventory.models import Stage
from aims.risks.models import RiskReview, RiskSuggestion

pytestmark = pytest.mark.django_db

from aims.inventory.testing import CV_SCREENING  # noqa: E402


def test_registering_a_system_records_its_suggested_risks_even_for_a_contributor(org, owner, method, threats):
    # A contributor may register systems without holding any risk permission: the rules propose, not the person.
    contributor = person_with_role("contributor", org["north"])
    chatbot = inventory.create_system(actor=contributor, name="Help desk chatbot", unit=org["north"], owner=owner,
                                      purpose="Answers customer questions with an LLM")
    keys = set(RiskSuggestion.objects.filter(system=chatbot).values_list("key", flat=True))
    assert {"prompt_injection", "hallucination", "sensitive_information_disclosure"} <= keys
    event = LedgerEvent.objects.filter(action="risks.risksuggestion.create").latest("id")
    assert event.actor is None and event.actor_label == "rules:risk-suggestions"
    assert owner.notifications.filter(url__contains=f"system={chatbot.pk}").exists()


def test_reclassifying_as_high_risk_adds_the_tier_rules_suggestions(org, owner, method, threats):
    manager = person_with_role("aims_manager")
    system = inventory.create_system(actor=manager, name="CV screening", unit=org["north"], owner=owner)
    assert not RiskSuggestion.objects.filter(system=system, key="high_risk_obligations_unmet").exists()
    inventory.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    assert RiskSuggestion.objects.filter(system=system, key="high_risk_obligations_unmet").count() == 1


def test_going_live_opens_a_review_of_the_linked_risks(org, owner, method, make_risk):
    manager = person_with_role("aims_manager")
    system = inventory.create_system(actor=manager, name="Scoring", unit=org["north"], owner=owner)
    risk = make_risk(systems=[system])
    inventory.move_to_stage(actor=manager, system=system, stage=Stage.VALIDATION, justification="pilot")
    assert not RiskReview.objects.filter(risk=risk).exists()  # only going live asks for a review
    inventory.move_to_stage(actor=manager, system=system, stage=Stage.DEPLOYMENT, justification="urgent fix")
    review = RiskReview.objects.get(risk=risk)
    assert (review.source, review.status) == ("go_live", RiskReview.Status.PENDING)
    assert "Scoring" in review.reason_text


def test_a_major_change_taking_effect_opens_a_review_of_the_linked_risks(org, owner, method, make_risk,
                                                                           committee):
    system = inventory.create_system(actor=owner, name="Chatbot", unit=org["north"], owner=owner,
                                     technical_lead=person_with_role("viewer", org["north"]),
                                     business_referent=person_with_role("viewer", org["north"]))
    risk = make_risk(systems=[system])
    decision = inventory.request_change(actor=owner, system=system, kind="major_update",
                                        description="Switch to a larger model")
    inventory.approve_change(actor=committee, decision=decision)
    assert not RiskReview.objects.filter(risk=risk).exists()  # not before it takes effect
    inventory.make_change_effective(actor=owner, decision=decision)
    review = RiskReview.objects.get(risk=risk)
    assert review.source == "major_change" and "Switch to a larger model" in review.reason_text


def _import_csv(owner, names) -> bytes:
    rows = [["", name, "north", owner.email, "Answers customer questions with an LLM"] for name in names]
    return csv_text(["reference_code", "name", "unit_code", "owner_email", "purpose"], rows).encode()


def test_an_import_suggests_risks_in_one_background_task_after_it_commits(org, owner, method, threats,
                                                                         django_capture_on_commit_callbacks):
    manager = person_with_role("aims_manager")
    with django_capture_on_commit_callbacks() as callbacks:
        result = tabular.apply_import(actor=manager, data=_import_csv(owner, ["Bot A", "Bot B"]), filename="s.csv")
    assert result.applied and not RiskSuggestion.objects.exists()  # nothing inside the import's transaction
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (inline in tests)
    for system in result.created:
        assert RiskSuggestion.objects.filter(system=system, key="prompt_injection").count() == 1


def test_a_failed_import_queues_no_suggestions(org, owner, method, monkeypatch, django_capture_on_commit_callbacks):
    manager = person_with_role("aims_manager")
    real = inventory.create_system

    def refuse_second(**kwargs):
        if kwargs["name"] == "Bot B":
            raise ValidationError({"purpose": "refused"})
        return real(**kwargs)

    monkeypatch.setattr(inventory, "create_system", refuse_second)
    with django_capture_on_commit_callbacks() as callbacks:
        result = tabular.apply_import(actor=manager, data=_import_csv(owner, ["Bot A", "Bot B"]), filename="s.csv")
    assert not result.applied and callbacks == [] and not RiskSuggestion.objects.exists()
