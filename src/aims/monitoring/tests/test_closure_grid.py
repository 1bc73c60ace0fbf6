"""The closure grid: axes filled from the live KPIs (adoption over 60 %, satisfaction over 70 % by default), judged,
submitted with a decision, and signed by someone other than its preparer; the page names who may sign."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from aims.core import approvals
from aims.core.models import LedgerEvent, Task
from aims.monitoring import services
from aims.monitoring.models import ClosureReview
from aims.monitoring.services import closure

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 6, tzinfo=UTC)


@pytest.fixture
def live_system(system, make_kpi, owner):
    kpis = {key: make_kpi(system, catalogue_key=key, target=None, warning=None, critical=None)
            for key in ("usage_rate", "satisfaction", "roi")}
    accuracy = make_kpi(system)
    services.push_measurements(actor=owner, rows=[
        {"kpi_id": kpis["usage_rate"].pk, "at": NOW, "value": 65}, {"kpi_id": kpis["satisfaction"].pk, "at": NOW,
                                                                     "value": 68},
        {"kpi_id": kpis["roi"].pk, "at": NOW, "value": 120}, {"kpi_id": accuracy.pk, "at": NOW, "value": 92}])
    return system


def test_axes_are_filled_from_the_live_kpis(live_system, owner):
    review = closure.start_closure_review(actor=owner, system=live_system)
    axes = review.axes
    assert (axes["adoption"]["value"], axes["adoption"]["threshold"], axes["adoption"]["met_by_data"]) == (65, 60, True)
    assert (axes["satisfaction"]["value"], axes["satisfaction"]["met_by_data"]) == (68, False)
    assert (axes["technical_performance"]["value"], axes["technical_performance"]["met_by_data"]) == (100.0, True)
    assert axes["business_value"]["value"] == 120 and axes["business_value"]["met_by_data"] is None  # no target
    assert axes["governance"]["threshold"] == 3 and axes["governance"]["met_by_data"] is False  # not classified
    with pytest.raises(ValidationError):
        closure.start_closure_review(actor=owner, system=live_system)  # one grid at a time


def test_submit_needs_every_axis_judged_and_a_decision(live_system, owner, committee):
    review = closure.start_closure_review(actor=owner, system=live_system)
    with pytest.raises(ValidationError):
        closure.submit_closure_review(actor=owner, review=review)
    review = closure.update_closure_review(actor=owner, review=review, assessments={k: "met" for k in review.axes},
                                           comments={"satisfaction": "Survey in April"}, decision="continue",
                                           rationale="Adoption on track; satisfaction to improve")
    review = closure.submit_closure_review(actor=owner, review=review)
    assert review.state == "submitted"
    assert Task.objects.filter(assignee=committee, source=f"approval.monitoring.closure_review.{review.pk}").exists()
    with pytest.raises(ValidationError):
        closure.update_closure_review(actor=owner, review=review, decision="close")


def _submitted(system, owner):
    review = closure.start_closure_review(actor=owner, system=system)
    review = closure.update_closure_review(actor=owner, review=review, assessments={k: "met" for k in review.axes},
                                           decision="close", rationale="Targets reached")
    return closure.submit_closure_review(actor=owner, review=review)


def test_nobody_signs_their_own_grid_and_only_named_signers_sign(live_system, owner, manager, viewer, committee):
    review = _submitted(live_system, owner)
    assert set(closure.eligible_signers(review)) == {manager, committee}
    with pytest.raises(PermissionDenied):
        closure.sign_closure_review(actor=owner, review=review)
    with pytest.raises(PermissionDenied):
        closure.sign_closure_review(actor=viewer, review=review)
    review = closure.sign_closure_review(actor=committee, review=review, comment="Agreed at the March committee")
    assert (review.state, review.signed_by) == ("signed", committee)
    event = LedgerEvent.objects.get(action="monitoring.closurereview.sign")
    assert event.actor_id == committee.pk and event.reason == "Agreed at the March committee"
    assert Task.objects.get(assignee=committee, source=f"approval.monitoring.closure_review.{review.pk}").done_at is not None


def test_a_manager_who_prepared_the_grid_cannot_sign_it(live_system, manager, committee):
    review = _submitted(live_system, manager)
    assert list(closure.eligible_signers(review)) == [committee]
    with pytest.raises(PermissionDenied):
        closure.sign_closure_review(actor=manager, review=review)


def test_a_signer_sends_it_back_with_a_comment(live_system, owner, committee):
    review = _submitted(live_system, owner)
    with pytest.raises(ValidationError):
        closure.return_closure_review(actor=committee, review=review, comment="")
    review = closure.return_closure_review(actor=committee, review=review, comment="Add the April survey")
    assert review.state == "draft"


def test_the_page_names_who_may_sign_and_signs(live_system, owner, committee):
    review = _submitted(live_system, owner)
    prepare = Client()
    prepare.force_login(owner)
    page = prepare.get(reverse("monitoring:closure_detail", args=[review.pk])).content.decode()
    assert "Who may sign:" in page and str(committee) in page and 'id="sign-form"' not in page
    sign = Client()
    sign.force_login(committee)
    assert 'id="sign-form"' in sign.get(reverse("monitoring:closure_detail", args=[review.pk])).content.decode()
    sign.post(reverse("monitoring:closure_sign", args=[review.pk]), {"comment": "OK", "sign": "1"})
    assert ClosureReview.objects.get().state == "signed"


def test_the_page_fills_and_submits_the_grid(live_system, owner, committee):
    client = Client()
    client.force_login(owner)
    client.post(reverse("monitoring:closure_start", args=[live_system.pk]))
    review = ClosureReview.objects.get()
    data = {"version": review.version, "decision": "corrective_plan", "rationale": "Satisfaction below 70 %",
            "submit": "1", **{f"assessment_{k}": "partly" for k in review.axes}}
    response = client.post(reverse("monitoring:closure_save", args=[review.pk]), data)
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.state, review.decision) == ("submitted", "corrective_plan")
    missing = client.post(reverse("monitoring:closure_save", args=[review.pk]), data)
    assert missing.status_code == 400  # no longer a draft


def test_a_submitted_grid_waits_in_the_signers_inbox_and_is_signed_from_it(live_system, owner, committee):
    review = _submitted(live_system, owner)
    assert [row.obj for row in approvals.waiting_for(committee)] == [review]
    assert approvals.waiting_for(owner) == []  # the preparer is never asked
    inbox = Client()
    inbox.force_login(committee)
    page = inbox.get(reverse("approvals")).content.decode()
    assert f"Closure grid of “{live_system}” (Close the project)" in page and review.get_absolute_url() in page
    approvals.get(closure.CLOSURE_APPROVAL).approve(actor=committee, obj=review, comment="Closed at the committee")
    review.refresh_from_db()
    assert (review.state, review.signed_by) == ("signed", committee)
    assert approvals.waiting_for(committee) == []
    assert not approvals.has_open_tasks(closure.CLOSURE_APPROVAL, review)
