"""Events open reviews through the trigger API; each review records who, when and the outcome; jobs remind."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from aims.core.models import LedgerEvent, Notification, Task
from aims.risks import services, tasks
from aims.risks.models import Risk, RiskReview
from aims.risks.triggers import request_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def chatbot(make_system):
    return make_system(name="Customer chatbot")


def test_incident_opens_a_review_for_each_linked_risk_only(chatbot, make_system, make_risk, owner, south_owner):
    linked = make_risk(systems=[chatbot], inherent_likelihood=3, inherent_impact=3)
    other = make_risk(systems=[make_system(name="Other")], inherent_likelihood=1, inherent_impact=1)
    reviews = request_review(actor=south_owner, reason="Incident INC-7: jailbreak", systems=[chatbot],
                             source="incident")
    assert [r.risk_id for r in reviews] == [linked.pk]
    review = reviews[0]
    assert (review.status, review.source, review.requested_by) == ("pending", "incident", south_owner)
    assert review.due_date == timezone.localdate() + timedelta(days=7)
    assert Task.objects.filter(assignee=owner, source=f"risks.review.{review.pk}", done_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=owner, title__contains=linked.title).exists()
    assert not RiskReview.objects.filter(risk=other).exists()


def test_a_component_change_reaches_risks_of_systems_using_it(chatbot, make_component, make_risk):
    model = make_component(system=chatbot, origin="supplier")
    risk = make_risk(systems=[chatbot])
    reviews = request_review(actor=None, reason="Supplier replaced the model", components=[model],
                             source="supplier_change")
    assert [r.risk_id for r in reviews] == [risk.pk]
    assert reviews[0].requested_by is None and reviews[0].requested_by_label == "system"


def test_a_second_event_joins_the_pending_review(chatbot, make_risk):
    make_risk(systems=[chatbot])
    first = request_review(actor=None, reason="Drift on feature X", systems=[chatbot], source="drift")[0]
    second = request_review(actor=None, reason="Incident INC-9", systems=[chatbot], source="incident")[0]
    assert first.pk == second.pk and RiskReview.objects.count() == 1
    assert "Incident INC-9" in second.reason and second.due_date == timezone.localdate() + timedelta(days=7)


def test_unknown_source_is_refused(chatbot):
    with pytest.raises(ValueError):
        request_review(actor=None, reason="x", systems=[chatbot], source="rumour")


def test_completing_a_review_records_who_when_and_the_outcome(chatbot, make_risk, owner):
    risk = make_risk(systems=[chatbot], inherent_likelihood=3, inherent_impact=3)
    review = request_review(actor=None, reason="Major change: new model", systems=[chatbot],
                            source="major_change")[0]
    done = services.complete_review(actor=owner, review=review, outcome="rescored", notes="Filter deployed",
                                    residual_likelihood=1, residual_impact=3)
    risk.refresh_from_db()
    assert (done.completed_by, done.outcome, done.status) == (owner, "rescored", "completed")
    assert done.completed_at is not None
    assert (done.level_before, done.level_after) == ("high", "medium")
    assert risk.residual_level == "medium" and risk.next_review_date == timezone.localdate() + timedelta(days=180)
    assert Task.objects.get(source=f"risks.review.{review.pk}").done_at is not None
    event = LedgerEvent.objects.get(action="risks.riskreview.complete")
    assert event.actor_id == owner.pk and event.after_data["outcome"] == "rescored"
    with pytest.raises(ValidationError):
        services.complete_review(actor=owner, review=done, outcome="unchanged", notes="again")


def test_closing_review_closes_the_risk_and_notes_are_required(chatbot, make_risk, owner, south_owner):
    risk = make_risk(systems=[chatbot], inherent_likelihood=2, inherent_impact=2)
    review = services.request_risk_review(actor=owner, risk=risk, reason="Use case withdrawn")
    with pytest.raises(PermissionDenied):
        services.complete_review(actor=south_owner, review=review, outcome="closed", notes="n")
    with pytest.raises(ValidationError) as caught:
        services.complete_review(actor=owner, review=review, outcome="closed", notes="")
    assert "notes" in caught.value.message_dict
    services.complete_review(actor=owner, review=review, outcome="closed", notes="Retired")
    risk.refresh_from_db()
    assert risk.status == Risk.Status.CLOSED and risk.next_review_date is None
    assert request_review(actor=None, reason="late", systems=[chatbot], source="incident") == []


def test_periodic_job_opens_due_reviews_and_reminders_are_weekly(chatbot, make_risk, owner, role_user, org):
    risk = make_risk(systems=[chatbot], inherent_likelihood=3, inherent_impact=3)  # high: every 90 days
    today = timezone.localdate()
    assert tasks.open_periodic_reviews(on=today + timedelta(days=89)) == 0
    assert tasks.open_periodic_reviews(on=today + timedelta(days=90)) == 1
    assert tasks.open_periodic_reviews(on=today + timedelta(days=91)) == 0  # already pending
    review = RiskReview.objects.get(risk=risk, source="periodic")
    engineer = role_user("contributor", org["north"])
    action = services.add_treatment_action(actor=owner, risk=risk, title="Red-team the prompts", owner=engineer,
                                           due_date=today + timedelta(days=3))
    late = review.due_date + timedelta(days=1)
    assert tasks.send_overdue_reminders(on=late) == 2
    assert tasks.send_overdue_reminders(on=late + timedelta(days=1)) == 0
    assert Notification.objects.filter(recipient=engineer, kind="reminder").count() == 1
    assert LedgerEvent.objects.filter(action="risks.treatmentaction.remind", object_id=str(action.pk)).exists()


def test_review_due_times_come_from_the_catalogue_and_an_override_wins(chatbot, make_risk, settings, tmp_path):
    from aims.risks.services.reviews import due_days

    assert all(due_days(source) >= 1 for source in RiskReview.Source.values)  # every trigger has a due time
    risk = make_risk(systems=[chatbot])
    overrides = tmp_path / "catalogs"
    overrides.mkdir()
    (overrides / "review_triggers.yaml").write_text('version: "local"\ndue_days: {incident: 2}\n', encoding="utf-8")
    settings.DATA_DIR = tmp_path
    review = request_review(actor=None, reason="INC-7", systems=[chatbot], source="incident")[0]
    assert review.risk == risk and review.due_date == timezone.localdate() + timedelta(days=2)
