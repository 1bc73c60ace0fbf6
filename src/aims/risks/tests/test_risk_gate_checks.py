"""The go-live gate checks the risk module registers with the inventory's lifecycle gates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims.inventory.gates import checks_for
from aims.risks import gates, services

pytestmark = pytest.mark.django_db


def results(system) -> dict:
    return {check.key: check.func(system)[0] for check in checks_for("deployment") if check.key.startswith("risks.")}


def test_the_four_checks_are_registered_for_deployment():
    assert {"risks.assessed", "risks.appetite", "risks.impact_assessment", "risks.suggestions"} <= {
        c.key for c in checks_for("deployment")}


def test_assessment_check_needs_an_assessed_risk_and_no_unassessed_one(make_system, make_risk):
    system = make_system()
    assert not results(system)["risks.assessed"]
    make_risk(systems=[system], inherent_likelihood=1, inherent_impact=1)
    assert results(system)["risks.assessed"]
    unscored = make_risk(systems=[system], title="Not yet scored")
    passed, message, url = gates.risk_assessment_done(system)
    # "Fix this" opens the one risk to score, at its score.
    assert not passed and "1" in message and url == f"/risks/{unscored.pk}/edit/#id_inherent_likelihood"


def test_without_any_risk_fix_this_opens_a_new_risk_for_the_system(make_system, make_risk):
    system = make_system()
    assert gates.risk_assessment_done(system)[2] == f"/risks/new/?system={system.pk}"
    make_risk(systems=[system], title="One")
    make_risk(systems=[system], title="Two")
    assert gates.risk_assessment_done(system)[2] == f"/risks/?system={system.pk}"


def test_above_appetite_needs_actions_or_a_valid_acceptance(make_system, make_risk, owner, risk_manager):
    system = make_system()
    risk = make_risk(systems=[system], inherent_likelihood=3, inherent_impact=3)
    passed, message, _url = gates.risks_within_appetite_or_handled(system)
    assert not passed and risk.title in message
    acceptance = services.accept_risk(actor=risk_manager, risk=risk, rationale="r",
                                      expires_on=timezone.localdate() + timedelta(days=5))
    assert gates.risks_within_appetite_or_handled(system)[0]
    assert not gates.risks_within_appetite_or_handled(system, on=acceptance.expires_on + timedelta(days=1))[0]
    services.add_treatment_action(actor=owner, risk=risk, title="Guardrail", owner=owner)
    # An action with no date is a wish, not a plan.
    assert not gates.risks_within_appetite_or_handled(system, on=acceptance.expires_on + timedelta(days=1))[0]
    services.add_treatment_action(actor=owner, risk=risk, title="Filter", owner=owner,
                                  due_date=timezone.localdate() + timedelta(days=20))
    assert gates.risks_within_appetite_or_handled(system, on=acceptance.expires_on + timedelta(days=1))[0]


def test_impact_assessment_required_only_where_it_matters(make_system, owner, risk_manager):
    internal = make_system(name="Internal search", external_exposure="internal")
    assert results(internal)["risks.impact_assessment"]
    for fields in ({"ai_act_tier": "high_risk"}, {"external_exposure": "public"},
                   {"personal_data": True, "external_exposure": "customers"}):
        assert not results(make_system(name="Required", **fields))["risks.impact_assessment"], fields
    system = make_system(name="CV screening", ai_act_tier="high_risk")
    assessment = services.start_impact_assessment(actor=owner, system=system)
    from .test_impact_assessment_signoff import full_answers

    services.save_impact_answers(actor=owner, assessment=assessment, answers=full_answers())
    services.submit_impact_assessment(actor=owner, assessment=assessment)
    assert not results(system)["risks.impact_assessment"]
    services.approve_impact_assessment(actor=risk_manager, assessment=assessment)
    assert results(system)["risks.impact_assessment"]
    services.reopen_impact_assessment(actor=None, assessment=assessment, reason="Retrained on new data")
    assert not results(system)["risks.impact_assessment"]
