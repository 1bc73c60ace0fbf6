"""The demo bank's risks (issue 16, point 9): every state of the risk workflow, a full heatmap, an acceptance and an
impact assessment waiting in the risk manager's "To approve" inbox (someone else's work), assessments completed for
the high-risk systems, all spread over the past year."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from aims.core import approvals, context
from aims.core.models import LedgerEvent, User
from aims.risks import services
from aims.risks.heatmap import heatmap
from aims.risks.models import ImpactAssessment, Risk, RiskSuggestion, TreatmentAction

pytestmark = pytest.mark.django_db

KARIM = "karim.benali@example.com"


def test_the_demo_bank_has_a_living_risk_register(demo_admin):
    """One load of the demo, then each aspect in turn."""
    risk_manager = User.objects.get(email=KARIM)
    every_state_of_the_risk_workflow()
    a_full_heatmap(risk_manager)
    an_acceptance_and_an_impact_assessment_wait_for(risk_manager)
    impact_assessments_completed_for_the_high_risk_systems()
    a_history_spread_over_the_year()


def every_state_of_the_risk_workflow():
    assert set(Risk.objects.values_list("status", flat=True)) == set(Risk.Status.values)
    assert set(RiskSuggestion.objects.values_list("status", flat=True)) == set(RiskSuggestion.Status.values)
    assert set(Risk.objects.exclude(treatment="").values_list("treatment", flat=True)) == set(Risk.Treatment.values)
    assert Risk.objects.filter(above_appetite=True).exclude(status=Risk.Status.CLOSED).exists()
    assert Risk.objects.exclude(residual_level="").exists()
    # Treatment actions done, and others planned with a due date still ahead.
    assert TreatmentAction.objects.filter(status=TreatmentAction.Status.DONE, completed_at__isnull=False).exists()
    assert TreatmentAction.objects.filter(status=TreatmentAction.Status.OPEN, due_date__gt=context.today()).exists()
    # Risks come from the catalogues: suggestions with their threats, and threats picked for the owners' own risks.
    assert Risk.objects.filter(threats__catalog__key="aims-ai-risk-taxonomy").distinct().count() >= 10
    # Both risks of the credit-scoring model the brief names are there, with the systems named in the portfolio.
    credit = Risk.objects.filter(systems__reference_code="AIS-DEMO-CREDIT")
    assert set(credit.values_list("category", flat=True)) >= {"bias_discrimination", "quality_reliability"}
    assert Risk.objects.filter(systems__reference_code="AIS-DEMO-CODE", category="ip_content").exists()


def a_full_heatmap(loaded):
    cells = heatmap(loaded)
    assert cells.total >= 15 and cells.unscored >= 1
    assert len(cells.inherent) >= 5 and len(cells.residual) >= 5
    client = Client()
    client.force_login(loaded)
    assert client.get(reverse("risks:heatmap")).status_code == 200


def an_acceptance_and_an_impact_assessment_wait_for(loaded):
    waiting = approvals.waiting_for(loaded)
    acceptances = [row for row in waiting if row.kind.key == services.ACCEPTANCE_APPROVAL]
    assessments = [row for row in waiting if row.kind.key == services.IMPACT_APPROVAL]
    assert acceptances and assessments
    for row in acceptances + assessments:
        assert row.author is not None and row.author.pk != loaded.pk
    risk = acceptances[0].obj
    # The owner decided to accept it above appetite; only someone else with the authority may.
    decided = LedgerEvent.objects.filter(action="risks.risk.treatment", object_type="risks.risk",
                                         object_id=str(risk.pk)).latest("pk")
    assert decided.actor_id == risk.owner_id != loaded.pk
    assert services.may_accept(loaded, risk) and not services.may_accept(risk.owner, risk)
    assert assessments[0].obj.status == ImpactAssessment.Status.SUBMITTED
    assert not approvals.may_approve(assessments[0].author, services.IMPACT_APPROVAL, assessments[0].obj)


def impact_assessments_completed_for_the_high_risk_systems():
    approved = ImpactAssessment.objects.filter(status=ImpactAssessment.Status.APPROVED)
    assert set(approved.values_list("system__reference_code", flat=True)) >= {"AIS-DEMO-CREDIT", "AIS-DEMO-FRAUD"}
    assert all(run.approved_by_id != run.author_id for run in approved)
    assert set(ImpactAssessment.objects.values_list("status", flat=True)) == set(ImpactAssessment.Status.values)


def a_history_spread_over_the_year():
    created = LedgerEvent.objects.filter(action="risks.risk.create").values_list("created_at", flat=True)
    now = context.now()
    assert min(created) < now - timedelta(days=300) and max(created) > now - timedelta(days=60)
    assert max(created) < now
