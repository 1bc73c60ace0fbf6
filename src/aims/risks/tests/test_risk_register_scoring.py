"""Risks are recorded in scope, scored from the method (never typed in), treated and ledgered."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims.core.models import LedgerEvent, Task
from aims.risks import services
from aims.risks.models import Risk

pytestmark = pytest.mark.django_db


def test_levels_and_scores_are_computed_and_unit_comes_from_the_system(make_system, make_risk, org):
    risk = make_risk(systems=[make_system()], inherent_likelihood=3, inherent_impact=4)
    assert (risk.inherent_score, risk.inherent_level, risk.inherent_rank) == (12, "critical", 4)
    assert risk.status == Risk.Status.ASSESSED and risk.above_appetite
    assert risk.unit == org["north"]
    assert risk.next_review_date is not None  # critical: reviewed within 30 days


def test_scores_cannot_be_typed_in(make_risk):
    with pytest.raises(TypeError):
        make_risk(inherent_likelihood=1, inherent_impact=1, inherent_level="low")


def test_rescoring_the_residual_lowers_the_current_level(make_system, make_risk, owner):
    risk = make_risk(systems=[make_system()], inherent_likelihood=3, inherent_impact=4)
    risk = services.assess_risk(actor=owner, risk=risk, inherent_likelihood=3, inherent_impact=4,
                                residual_likelihood=1, residual_impact=3)
    assert (risk.residual_level, risk.current_level, risk.above_appetite) == ("medium", "medium", False)
    assert LedgerEvent.objects.filter(action="risks.risk.assess", object_id=str(risk.pk)).exists()


def test_per_category_appetite_applies(make_risk):
    risk = make_risk(category="privacy", inherent_likelihood=2, inherent_impact=2)
    assert risk.inherent_level == "medium" and risk.above_appetite


def test_residual_above_inherent_or_half_pairs_are_refused(make_risk, owner):
    risk = make_risk(inherent_likelihood=2, inherent_impact=2)
    with pytest.raises(ValidationError) as caught:
        services.assess_risk(actor=owner, risk=risk, inherent_likelihood=2, inherent_impact=2,
                             residual_likelihood=4, residual_impact=4)
    assert "residual_likelihood" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.assess_risk(actor=owner, risk=risk, inherent_likelihood=2, inherent_impact=9)
    assert "inherent_impact" in caught.value.message_dict


def test_out_of_scope_people_cannot_record_read_or_change_risks(make_system, make_risk, south_owner, org, role_user):
    system = make_system()
    with pytest.raises(PermissionDenied):
        services.create_risk(actor=south_owner, title="x", category="security", owner=south_owner, systems=[system])
    risk = make_risk(systems=[system])
    assert not Risk.objects.restrict(south_owner).filter(pk=risk.pk).exists()
    with pytest.raises(PermissionDenied):
        services.update_risk(actor=south_owner, risk=risk, changes={"title": "hijacked"})
    viewer = role_user("viewer", org["north"])
    assert Risk.objects.restrict(viewer).filter(pk=risk.pk).exists()
    with pytest.raises(PermissionDenied):
        services.assess_risk(actor=viewer, risk=risk, inherent_likelihood=1, inherent_impact=1)


def test_create_without_active_method_is_refused(owner, org):
    with pytest.raises(ValidationError) as caught:
        services.create_risk(actor=owner, title="x", category="security", owner=owner, unit=org["north"])
    assert "method" in caught.value.message_dict


def test_treatment_decision_and_action_open_a_task_for_the_action_owner(make_risk, owner, role_user, org):
    risk = make_risk(inherent_likelihood=3, inherent_impact=3)
    risk = services.decide_treatment(actor=owner, risk=risk, decision="reduce", target_level="medium")
    assert risk.status == Risk.Status.TREATED
    engineer = role_user("contributor", org["north"])
    action = services.add_treatment_action(actor=owner, risk=risk, title="Add an input filter", owner=engineer)
    task = Task.objects.get(assignee=engineer, source=f"risks.action.{action.pk}")
    assert task.done_at is None
    services.set_treatment_action_status(actor=engineer, action=action, status="done")
    task.refresh_from_db()
    assert task.done_at is not None
    assert set(LedgerEvent.objects.filter(object_type="risks.treatmentaction").values_list("action", flat=True)) == {
        "risks.treatmentaction.create", "risks.treatmentaction.status"}


def test_links_are_ledgered_and_category_change_recomputes_appetite(make_system, make_risk, owner, threats):
    from aims.risks.models import Threat

    risk = make_risk(category="security", inherent_likelihood=2, inherent_impact=2)
    assert not risk.above_appetite
    llm01 = Threat.objects.get(external_id="LLM01")
    services.set_risk_links(actor=owner, risk=risk, systems=[make_system()], threats=[llm01])
    event = LedgerEvent.objects.get(action="risks.risk.links")
    assert event.after_data["threats"] == [llm01.pk]
    risk = services.update_risk(actor=owner, risk=risk, changes={"category": "privacy"})
    assert risk.above_appetite
    with pytest.raises(ValidationError):
        services.update_risk(actor=owner, risk=risk, changes={"inherent_level": "low"})
