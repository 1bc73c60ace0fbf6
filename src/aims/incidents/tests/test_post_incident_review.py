"""After the incident: the post-incident review (root cause, what worked, lessons learned) with its actions and owners,
signed off through the "To approve" inbox by someone other than its author; once approved it asks the risk owners to
review the linked risks and the evidence owners to re-confirm the systems' evidence; closing an incident at or above
the catalogue's severity threshold needs it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from aims.core import approvals
from aims.core.models import Task
from aims.core.testing import person_with_role
from aims.evidence import services as evidence
from aims.incidents import catalog, services
from aims.incidents.models import PostIncidentReview, ReviewAction
from aims.risks import services as risks
from aims.risks.models import RiskReview

pytestmark = pytest.mark.django_db

LESSONS = {"root_cause": "Retrieval matched on the surname only.", "what_worked": "Fast report by the employee.",
           "what_did_not_work": "Nobody knew who decides a downgrade.",
           "lessons_learned": "Filter on the identifier; test homonyms."}


def json_call(client, method, path, body=None):
    response = client.generic(method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")
    return response.status_code, response.json() if response.content else None


def _resolved(handler, org, system, severity="high"):
    incident = services.create_incident(actor=handler, title="Payslip shown to a colleague", category="malfunction",
                                        severity=severity, unit=org["north"], systems=[system],
                                        aware_at=timezone.now() - timedelta(days=2))
    services.change_status(actor=handler, incident=incident, status="resolved")
    return incident


@pytest.fixture
def risk_on(handler):
    risks.load_default_method(actor=None)

    def make(system):
        return risks.create_risk(actor=handler, title="Personal data leaks through answers", category="security",
                                 owner=handler,
                                 unit=system.unit, systems=[system])
    return make


def test_the_catalogue_threshold_decides_which_closures_need_a_review(org, handler, manager, chatbot):
    assert catalog.review_required("high") and catalog.review_required("critical")
    assert not catalog.review_required("medium") and not catalog.review_required("nonsense")
    minor = _resolved(handler, org, chatbot, severity="low")
    services.change_status(actor=handler, incident=minor, status="closed", reason="Checked with the team")
    serious = _resolved(handler, org, chatbot)
    with pytest.raises(ValidationError) as refused:
        services.change_status(actor=handler, incident=serious, status="closed", reason="Checked")
    assert "post-incident review" in str(refused.value)


def test_a_review_is_written_submitted_and_approved_by_another_person(org, handler, manager, chatbot, risk_on):
    risk = risk_on(chatbot)
    item = evidence.create_evidence(actor=handler, title="Chatbot test report", unit=chatbot.unit, link_to=[chatbot],
                                    file=SimpleUploadedFile("report.pdf", b"%PDF-1.7\n% test report\n"))
    incident = _resolved(handler, org, chatbot)
    review = services.save_review(actor=handler, incident=incident, changes={"root_cause": LESSONS["root_cause"]})
    assert review.status == "draft" and review.author == handler
    with pytest.raises(ValidationError) as refused:
        services.submit_review(actor=handler, review=review)
    assert "lessons_learned" in refused.value.message_dict
    review = services.save_review(actor=handler, incident=incident, changes=LESSONS, expected_version=review.version)
    services.submit_review(actor=handler, review=review)
    review.refresh_from_db()
    assert review.status == "submitted"
    # In the manager's inbox, not in the author's; the author cannot approve her own review.
    assert any(w.obj.pk == review.pk for w in approvals.waiting_for(manager) if w.kind.key == "incidents.review")
    assert not any(w.kind.key == "incidents.review" for w in approvals.waiting_for(handler))
    with pytest.raises(PermissionDenied):
        services.approve_review(actor=handler, review=review)
    with pytest.raises(ValidationError):
        services.save_review(actor=handler, incident=incident, changes={"root_cause": "Changed after submission"})
    services.approve_review(actor=manager, review=review, comment="Good")
    review.refresh_from_db()
    assert review.status == "approved" and review.decided_by == manager
    assert review.risk_reviews_requested == 1 and review.evidence_to_reconfirm == 1
    pending = RiskReview.objects.get(risk=risk)
    assert pending.source == "incident" and incident.reference in pending.reason_text
    with translation.override("fr"):  # a fact: the owner reads it in French
        assert "Post-incident review of" not in pending.reason_text and incident.reference in pending.reason_text
    item.refresh_from_db()
    assert item.reconfirm_required
    assert not Task.objects.filter(source=approvals.task_source("incidents.review", review), done_at=None).exists()
    assert incident.timeline.filter(kind="reviewed").exists()
    services.change_status(actor=handler, incident=incident, status="closed", reason="Review approved")


def test_a_returned_review_goes_back_to_its_author(org, handler, manager, chatbot):
    incident = _resolved(handler, org, chatbot)
    review = services.save_review(actor=handler, incident=incident, changes=LESSONS)
    services.submit_review(actor=handler, review=review)
    with pytest.raises(ValidationError):
        services.return_review(actor=manager, review=review, comment=" ")
    services.return_review(actor=manager, review=review, comment="Say who decides a downgrade next time")
    review.refresh_from_db()
    assert review.status == "returned"
    services.save_review(actor=handler, incident=incident, changes={"lessons_learned": "Name who decides."})
    services.submit_review(actor=handler, review=PostIncidentReview.objects.get(pk=review.pk))


def test_actions_have_owners_who_can_see_the_incident_and_a_task(org, handler, manager, viewer, chatbot):
    incident = _resolved(handler, org, chatbot)
    review = services.save_review(actor=handler, incident=incident, changes=LESSONS)
    stranger = person_with_role("system_owner", org["south"])
    with pytest.raises(ValidationError) as refused:
        services.add_action(actor=handler, review=review, title="Test homonyms", owner=stranger)
    assert "owner" in refused.value.message_dict
    action = services.add_action(actor=handler, review=review, title="Test homonyms", owner=viewer,
                                 due_date=timezone.now().date() + timedelta(days=14))
    task = Task.objects.get(source=f"incidents.action.{action.pk}", done_at=None)
    assert task.assignee == viewer
    services.complete_action(actor=viewer, action=action, note="Regression test added")
    action.refresh_from_db()
    assert action.status == "done"
    assert not Task.objects.filter(source=f"incidents.action.{action.pk}", done_at=None).exists()


def test_the_pages_write_submit_approve_and_add_actions(client, org, handler, manager, viewer, chatbot):
    incident = _resolved(handler, org, chatbot)
    client.force_login(handler)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'id="review-form"' in page and "Save and submit for sign-off" in page
    response = client.post(reverse("incidents:review_save", args=[incident.pk]),
                           {**LESSONS, "lessons_learned": "", "submit": "1"})
    assert response.status_code == 400 and "Write the lessons learned" in response.content.decode()
    review = PostIncidentReview.objects.get(incident=incident)
    response = client.post(reverse("incidents:review_save", args=[incident.pk]),
                           {**LESSONS, "version": review.version, "submit": "1"})
    assert response.status_code == 302
    response = client.post(reverse("incidents:review_action_add", args=[incident.pk]),
                           {"title": "Name who decides a downgrade", "owner": viewer.pk})
    assert response.status_code == 302
    assert client.post(reverse("incidents:review_decide", args=[incident.pk, "approve"]), {}).status_code == 403
    client.force_login(manager)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Approve the review" in page
    response = client.post(reverse("incidents:review_decide", args=[incident.pk, "approve"]), {"comment": "OK"})
    assert response.status_code == 302
    assert PostIncidentReview.objects.get(incident=incident).status == "approved"
    action = ReviewAction.objects.get()
    client.force_login(viewer)
    response = client.post(reverse("incidents:review_action_done", args=[action.pk]),
                           {f"d{action.pk}-note": "Written on the system"})
    assert response.status_code == 302


def test_the_api_writes_submits_approves_through_the_inbox_and_closes(org, handler, manager, viewer, chatbot):
    incident = _resolved(handler, org, chatbot)
    api = Client()
    api.force_login(handler)
    status, body = json_call(api, "GET", f"/incidents/{incident.pk}/review")
    assert status == 404
    status, body = json_call(api, "PUT", f"/incidents/{incident.pk}/review", LESSONS)
    assert status == 200 and body["status"] == "draft"
    status, body = json_call(api, "PUT", f"/incidents/{incident.pk}/review",
                             {"version": body["version"], "root_cause": None})
    assert status == 422
    status, action = json_call(api, "POST", f"/incidents/{incident.pk}/review/actions",
                               {"title": "Test homonyms", "owner_id": viewer.pk})
    assert status == 201 and action["status"] == "open"
    status, body = json_call(api, "POST", f"/incidents/{incident.pk}/review/submit", {})
    assert status == 200 and body["status"] == "submitted"
    api.force_login(manager)
    status, body = json_call(api, "POST", f"/approvals/incidents.review/{body['id']}/approve", {"comment": "OK"})
    assert status == 200, body
    status, body = json_call(api, "GET", f"/incidents/{incident.pk}/review")
    assert body["status"] == "approved" and [a["title"] for a in body["actions"]] == ["Test homonyms"]
    api.force_login(viewer)
    status, done = json_call(api, "POST", f"/incident-review-actions/{action['id']}/done", {"note": "Added"})
    assert status == 200 and done["status"] == "done"
    api.force_login(handler)
    status, closed = json_call(api, "POST", f"/incidents/{incident.pk}/status",
                               {"status": "closed", "reason": "Reviewed"})
    assert status == 200 and closed["status"] == "closed"
