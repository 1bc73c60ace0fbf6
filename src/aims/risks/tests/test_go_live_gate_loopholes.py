"""The go-live gate without loopholes: a typed-in residual score does not make a risk acceptable by itself, undecided
suggested risks block, and the gate names every risk it counted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims.inventory import gates as inventory_gates
from aims.inventory import services as inventory
from aims.inventory.models import Stage
from aims.risks import gates, services
from aims.risks.models import RiskSuggestion

pytestmark = pytest.mark.django_db


def in_days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def typed_low(make_system, make_risk, owner):
    """A "high" risk whose residual score was typed in as "low", with nothing behind it."""
    system = make_system()
    risk = make_risk(systems=[system], title="Personal data leaks", inherent_likelihood=3, inherent_impact=3)
    risk = services.assess_risk(actor=owner, risk=risk, inherent_likelihood=3, inherent_impact=3,
                                residual_likelihood=1, residual_impact=1)
    assert risk.residual_level == "low" and not risk.above_appetite  # what the register shows
    return system, risk


def test_a_typed_residual_without_a_treatment_decision_does_not_pass(typed_low):
    system, _risk = typed_low
    passed, message, url = gates.risks_within_appetite_or_handled(system)
    assert not passed
    assert "“Personal data leaks” (High)" in message and "no treatment decision lowers it" in message
    assert url == f"/risks/?system={system.pk}"


def test_a_treatment_decision_alone_is_not_enough_an_action_must_be_done_or_dated(typed_low, owner):
    system, risk = typed_low
    services.decide_treatment(actor=owner, risk=risk, decision="reduce", rationale="Mask the data")
    passed, message, _url = gates.risks_within_appetite_or_handled(system)
    assert not passed and "no action done or planned with a date" in message
    action = services.add_treatment_action(actor=owner, risk=risk, title="Mask personal data", owner=owner)
    assert not gates.risks_within_appetite_or_handled(system)[0]  # planned, but when?
    services.update_treatment_action(actor=owner, action=action, changes={"due_date": in_days(14)})
    passed, message, _url = gates.risks_within_appetite_or_handled(system)
    assert passed and "“Personal data leaks” (Low): within appetite" in message


def test_an_action_done_supports_the_residual_level_without_a_date(typed_low, owner):
    system, risk = typed_low
    services.decide_treatment(actor=owner, risk=risk, decision="transfer", rationale="Insurer")
    action = services.add_treatment_action(actor=owner, risk=risk, title="Sign the policy", owner=owner)
    services.set_treatment_action_status(actor=owner, action=action, status="done")
    assert gates.risks_within_appetite_or_handled(system)[0]


def test_accepting_is_not_a_treatment_that_lowers_the_level(typed_low, owner):
    system, risk = typed_low
    services.decide_treatment(actor=owner, risk=risk, decision="accept", rationale="Live with it")
    services.add_treatment_action(actor=owner, risk=risk, title="Watch it", owner=owner, due_date=in_days(7))
    passed, message, _url = gates.risks_within_appetite_or_handled(system)
    # Counted at its inherent "high" level, the planned action treats it: it passes, but not as "low".
    assert passed and "“Personal data leaks” (High): treated (1 action done or planned)" in message
    assert "residual level not counted: no treatment decision lowers it" in message


def test_the_gate_names_each_risk_it_counted(make_system, make_risk, risk_manager):
    system = make_system()
    make_risk(systems=[system], title="Hallucinated answers", inherent_likelihood=1, inherent_impact=2)
    accepted = make_risk(systems=[system], title="Prompt injection", inherent_likelihood=3, inherent_impact=3)
    services.accept_risk(actor=risk_manager, risk=accepted, rationale="Filter in place", expires_on=in_days(60))
    make_risk(systems=[system], title="Closed one", inherent_likelihood=3, inherent_impact=3)
    services.close_risk(actor=risk_manager, risk=system.risks.get(title="Closed one"), reason="Feature removed")
    passed, message, _url = gates.risks_within_appetite_or_handled(system)
    assert passed and message.startswith("2 risks counted:")
    assert "“Hallucinated answers” (Low): within appetite" in message
    assert "“Prompt injection” (High): accepted until" in message and "Closed one" not in message


def test_undecided_suggested_risks_block_the_gate_and_are_named(make_system, threats, method, owner):
    system = make_system(name="Public chatbot", external_exposure="public", personal_data=True)
    suggestions = services.suggest_by_rules(system=system)
    assert len(suggestions) >= 2
    passed, message, url = gates.suggestions_decided(system)
    assert not passed and url == f"/risks/suggestions/?system={system.pk}"
    assert all(f"“{s.title_en}”" in message for s in suggestions)
    first, *others = suggestions
    services.accept_suggestion(actor=owner, suggestion=first)
    assert not gates.suggestions_decided(system)[0] and first.title_en not in gates.suggestions_decided(system)[1]
    for suggestion in others:
        services.dismiss_suggestion(actor=owner, suggestion=suggestion, reason="Not applicable here")
    assert gates.suggestions_decided(system)[0]
    assert not RiskSuggestion.objects.filter(system=system, status="pending").exists()


def test_the_move_to_deployment_is_refused_while_the_typed_residual_stands(typed_low, owner, org):
    from aims.core.testing import person_with_role

    system, _risk = typed_low
    manager = person_with_role("aims_manager", org["north"])
    inventory.move_to_stage(actor=manager, system=system, stage=Stage.VALIDATION)
    system.refresh_from_db()
    with inventory_gates.only_checks("risks."), pytest.raises(inventory.GateRefused) as refused:
        inventory.move_to_stage(actor=manager, system=system, stage=Stage.DEPLOYMENT)
    failed = {f.key: f.message for f in refused.value.failures}
    assert "risks.appetite" in failed and "Personal data leaks" in failed["risks.appetite"]


def test_the_risk_page_says_a_typed_residual_does_not_count_yet(client, typed_low, owner):
    from django.urls import reverse

    _system, risk = typed_low
    client.force_login(owner)
    page = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    assert 'id="residual-not-counted"' in page and "no treatment decision lowers it" in page
    services.decide_treatment(actor=owner, risk=risk, decision="reduce", rationale="Mask")
    services.add_treatment_action(actor=owner, risk=risk, title="Mask", owner=owner, due_date=in_days(3))
    assert 'id="residual-not-counted"' not in client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
