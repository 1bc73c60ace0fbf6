"""Systems get suggested risks from the catalogue rules; the owner accepts (a risk is created) or dismisses them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims.core.models import LedgerEvent
from aims.risks import services
from aims.risks.models import RiskSuggestion
from aims.risks.suggest import suggest_risks

pytestmark = pytest.mark.django_db


def test_rules_read_the_system_and_its_components(make_system, make_component):
    scoring = make_system(name="Retail scoring", purpose="Credit scoring of loan applications", personal_data=True)
    make_component(system=scoring, kind="dataset", name="Loan history")
    keys = {s["key"] for s in suggest_risks(scoring)}
    assert {"discriminatory_outcome", "drift", "lack_of_explainability", "training_data_leakage",
            "data_poisoning"} <= keys


def test_refresh_records_suggestions_once_with_their_threats(make_system, method, threats, owner):
    chatbot = make_system(name="Help desk chatbot", purpose="Answers customer questions with an LLM")
    created = services.refresh_suggestions(actor=owner, system=chatbot)
    by_key = {s.key: s for s in created}
    assert {"prompt_injection", "hallucination", "sensitive_information_disclosure"} <= set(by_key)
    assert {t.external_id for t in by_key["prompt_injection"].threats.all()} == {
        "LLM01", "AML.T0051", "prompt_injection"}
    assert services.refresh_suggestions(actor=owner, system=chatbot) == []
    assert LedgerEvent.objects.filter(action="risks.risksuggestion.create").count() == len(created)


def test_accepting_creates_a_linked_risk_and_dismissing_needs_a_reason(make_system, method, threats, owner):
    chatbot = make_system(name="Help desk chatbot")
    suggestions = {s.key: s for s in services.refresh_suggestions(actor=owner, system=chatbot)}
    risk = services.accept_suggestion(actor=owner, suggestion=suggestions["prompt_injection"])
    assert list(risk.systems.all()) == [chatbot] and risk.owner == chatbot.owner and risk.category == "security"
    assert risk.threats.filter(external_id="LLM01").exists()
    with pytest.raises(ValidationError):
        services.accept_suggestion(actor=owner, suggestion=suggestions["prompt_injection"])
    with pytest.raises(ValidationError) as caught:
        services.dismiss_suggestion(actor=owner, suggestion=suggestions["hallucination"], reason="")
    assert "dismiss_reason" in caught.value.message_dict
    dismissed = services.dismiss_suggestion(actor=owner, suggestion=suggestions["hallucination"],
                                            reason="Answers only come from a fixed FAQ")
    assert dismissed.status == RiskSuggestion.Status.DISMISSED and dismissed.decided_by == owner
    assert not any(s.key == "hallucination" for s in services.refresh_suggestions(actor=owner, system=chatbot))


def test_people_outside_the_system_unit_cannot_decide(make_system, method, owner, south_owner):
    chatbot = make_system(name="Help desk chatbot")
    suggestion = services.refresh_suggestions(actor=owner, system=chatbot)[0]
    assert not RiskSuggestion.objects.restrict(south_owner).exists()
    with pytest.raises(PermissionDenied):
        services.dismiss_suggestion(actor=south_owner, suggestion=suggestion, reason="not mine")
