"""Acceptance above appetite needs the authority the method names; expired acceptances come back for review."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from aims.core.models import LedgerEvent, Notification, Task
from aims.risks import services, tasks
from aims.risks.models import Risk, RiskAcceptance, RiskReview

pytestmark = pytest.mark.django_db


def in_days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def high_risk(make_system, make_risk):
    return make_risk(systems=[make_system()], inherent_likelihood=3, inherent_impact=3)


def test_system_owner_cannot_accept_a_high_risk(high_risk, owner):
    assert high_risk.inherent_level == "high" and high_risk.above_appetite
    with pytest.raises(PermissionDenied, match="above appetite"):
        services.accept_risk(actor=owner, risk=high_risk, rationale="Business needs it", expires_on=in_days(90))
    high_risk.refresh_from_db()
    assert high_risk.status == Risk.Status.ASSESSED and not RiskAcceptance.objects.exists()


def test_risk_manager_role_may_accept_a_high_risk(high_risk, risk_manager, owner):
    acceptance = services.accept_risk(actor=risk_manager, risk=high_risk, rationale="Compensating controls",
                                      expires_on=in_days(90))
    high_risk.refresh_from_db()
    assert (acceptance.level, acceptance.authority, acceptance.above_appetite) == ("high", "role:risk_manager", True)
    assert high_risk.status == Risk.Status.ACCEPTED and high_risk.treatment == "accept"
    assert LedgerEvent.objects.filter(action="risks.riskacceptance.create").exists()
    assert Notification.objects.filter(recipient=owner).exists()


def test_governance_committee_member_may_accept_a_critical_risk(make_risk, committee, risk_manager, role_user):
    risk = make_risk(inherent_likelihood=4, inherent_impact=4)
    # The committee member still needs to be able to change the risk at all.
    from aims.core.models import RoleAssignment

    RoleAssignment.objects.create(role="contributor", user=committee, unit=risk.unit)
    with pytest.raises(PermissionDenied):  # critical: risk managers are not enough
        services.accept_risk(actor=risk_manager, risk=risk, rationale="r", expires_on=in_days(30))
    acceptance = services.accept_risk(actor=committee, risk=risk, rationale="Decided in committee",
                                      expires_on=in_days(30))
    assert acceptance.authority == "group:AI governance committee"


def test_within_appetite_the_owner_may_accept(make_risk, owner):
    risk = make_risk(inherent_likelihood=1, inherent_impact=2)
    assert services.accept_risk(actor=owner, risk=risk, rationale="Low", expires_on=in_days(365)).authority == "owner"


def test_rationale_and_future_expiry_are_required(high_risk, risk_manager):
    with pytest.raises(ValidationError) as caught:
        services.accept_risk(actor=risk_manager, risk=high_risk, rationale=" ", expires_on=None)
    assert set(caught.value.message_dict) == {"rationale", "expires_on"}
    with pytest.raises(ValidationError) as caught:
        services.accept_risk(actor=risk_manager, risk=high_risk, rationale="ok", expires_on=in_days(0))
    assert "expires_on" in caught.value.message_dict


def test_expired_acceptance_reopens_the_risk_for_review_and_notifies_the_owner(high_risk, risk_manager, owner):
    acceptance = services.accept_risk(actor=risk_manager, risk=high_risk, rationale="r", expires_on=in_days(10))
    assert tasks.expire_acceptances(on=in_days(10)) == 0  # still valid on its expiry day
    assert tasks.expire_acceptances(on=in_days(11)) == 1
    acceptance.refresh_from_db()
    high_risk.refresh_from_db()
    assert acceptance.status == RiskAcceptance.Status.EXPIRED
    assert high_risk.status == Risk.Status.ASSESSED
    review = RiskReview.objects.get(risk=high_risk)
    assert review.source == RiskReview.Source.ACCEPTANCE_EXPIRED and review.requested_by is None
    assert Task.objects.filter(assignee=owner, source=f"risks.review.{review.pk}").exists()
    event = LedgerEvent.objects.get(action="risks.riskacceptance.expire")
    assert event.actor_id is None
