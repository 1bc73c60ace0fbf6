"""A whole risk journey leaves one ledger event per change, in an intact hash chain."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims.core import ledger
from aims.core.models import LedgerEvent
from aims.risks import services
from aims.risks.triggers import request_review

pytestmark = pytest.mark.django_db


def test_journey_is_fully_ledgered(make_system, make_risk, owner, risk_manager):
    system = make_system()
    start = LedgerEvent.objects.count()
    risk = make_risk(systems=[system], inherent_likelihood=3, inherent_impact=3)
    services.decide_treatment(actor=owner, risk=risk, decision="reduce")
    action = services.add_treatment_action(actor=owner, risk=risk, title="Filter", owner=owner)
    services.set_treatment_action_status(actor=owner, action=action, status="in_progress")
    risk = services.assess_risk(actor=owner, risk=risk, inherent_likelihood=3, inherent_impact=3,
                                residual_likelihood=2, residual_impact=3)
    services.accept_risk(actor=risk_manager, risk=risk, rationale="Residual tolerable",
                         expires_on=timezone.localdate() + timedelta(days=60))
    review = request_review(actor=None, reason="Go-live", systems=[system], source="go_live")[0]
    services.complete_review(actor=owner, review=review, outcome="unchanged", notes="Still valid")
    actions = list(LedgerEvent.objects.filter(id__gt=start).values_list("action", flat=True))
    assert actions == [
        "risks.risk.create", "risks.risk.links", "risks.risk.treatment", "risks.treatmentaction.create",
        "risks.treatmentaction.status", "risks.risk.assess", "risks.riskacceptance.create", "risks.risk.accept",
        # "unchanged" leaves the risk as it was (same next review date today), so only the review is written.
        "risks.riskreview.create", "risks.riskreview.complete",
    ]
    assert ledger.verify().ok
