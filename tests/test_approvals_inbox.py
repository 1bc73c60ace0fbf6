"""One "To approve" inbox for every sign-off of the product: classification, impact assessment, change decision and
risk acceptance. Each reaches its approvers (a task and a notification opening the page where they approve), the page
names who may approve and shows the button to them only (never to the author), and the item leaves the inbox once
decided."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.core import approvals
from aims.core.models import Notification, Task
from aims.core.testing import person_with_role
from aims.inventory import services as inventory
from aims.inventory.testing import CV_SCREENING
from aims.risks import catalogs
from aims.risks import services as risks

pytestmark = pytest.mark.django_db




@pytest.fixture
def people(org):
    north = org["north"]
    return {
        "owner": person_with_role("system_owner", north, first_name="Olga", last_name="Owner"),
        "aims_manager": person_with_role("aims_manager", north, first_name="Mia", last_name="Manager"),
        "risk_manager": person_with_role("risk_manager", org["root"], first_name="Rosa", last_name="Risk"),
        "contributor": person_with_role("contributor", north),
        "viewer": person_with_role("viewer", north),
        "south_manager": person_with_role("aims_manager", org["south"]),
        "lead": person_with_role("contributor", north, first_name="Leo", last_name="Lead"),
        "referent": person_with_role("viewer", north, first_name="Remy", last_name="Referent"),
    }


@pytest.fixture
def system(org, people):
    return inventory.create_system(actor=people["aims_manager"], name="CV screener", unit=org["north"],
                                   owner=people["owner"], technical_lead=people["lead"],
                                   business_referent=people["referent"])


def inbox(client, person) -> list[tuple[str, str]]:
    client.force_login(person)
    response = client.get(reverse("approvals"))
    assert response.status_code == 200
    return [(row.kind.key, row.url) for row in response.context["page"].object_list]


def open_tasks(person) -> list[str]:
    return list(Task.objects.filter(assignee=person, done_at__isnull=True, source__startswith="approval.")
                .values_list("url", flat=True))


def test_a_system_owners_classification_reaches_its_approvers_and_leaves_the_inbox_once_signed_off(
        client, system, people):
    classification = inventory.classify_system(actor=people["owner"], system=system, answers=CV_SCREENING)
    url = f"{system.get_absolute_url()}?tab=classification#sign-off"
    for name in ("aims_manager", "risk_manager"):
        assert inbox(client, people[name]) == [("inventory.classification", url)]
        assert open_tasks(people[name]) == [url]
        assert Notification.objects.filter(recipient=people[name], kind="approval", url=url).exists()
    for name in ("owner", "contributor", "viewer", "south_manager"):
        assert inbox(client, people[name]) == [] and open_tasks(people[name]) == []
    # The author's page names the approvers and has no button; the approver's has one.
    client.force_login(people["owner"])
    page = client.get(url).content.decode()
    assert "Mia Manager" in page and "Rosa Risk" in page and "Sign off as reviewer" not in page
    client.force_login(people["risk_manager"])
    assert "Sign off as reviewer" in client.get(url).content.decode()
    response = client.post(reverse("inventory:classification_sign_off", args=[system.pk, classification.pk]),
                           {"comment": "Annex III, employment: agreed"})
    assert response.status_code == 302
    classification.refresh_from_db()
    assert classification.reviewer == people["risk_manager"]
    for name in ("aims_manager", "risk_manager"):
        assert inbox(client, people[name]) == [] and open_tasks(people[name]) == []


def test_an_impact_assessment_waits_for_its_approvers_not_its_author(client, system, people):
    risks.load_default_method(actor=None)
    assessment = risks.start_impact_assessment(actor=people["owner"], system=system)
    answers = {}
    for key, question in catalogs.template_questions(catalogs.impact_template()).items():
        options = [o["key"] for o in question.get("options", [])]
        answers[key] = {"text": "Yes.", "boolean": True, "choice": options[:1] and options[0],
                        "multichoice": options[:1], "scale": 2}[question["type"]]
    risks.save_impact_answers(actor=people["owner"], assessment=assessment, answers=answers)
    assert inbox(client, people["risk_manager"]) == []  # a draft waits for nobody
    risks.submit_impact_assessment(actor=people["owner"], assessment=assessment)
    url = f"/risks/impact-assessments/{assessment.pk}/"
    assert inbox(client, people["risk_manager"]) == [("risks.impact_assessment", url)]
    assert inbox(client, people["owner"]) == [] and inbox(client, people["contributor"]) == []
    client.force_login(people["owner"])
    page = client.get(url).content.decode()
    assert "You cannot approve your own work." in page and ">Approve</button>" not in page
    # The generic API approves through the kind's own service.
    client.force_login(people["risk_manager"])
    response = client.post(f"/api/v1/approvals/risks.impact_assessment/{assessment.pk}/approve",
                           {"comment": "Sound"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assessment.refresh_from_db()
    assert (assessment.status, assessment.approved_by) == ("approved", people["risk_manager"])
    assert inbox(client, people["risk_manager"]) == [] and open_tasks(people["aims_manager"]) == []


def test_a_change_decision_waits_for_the_people_in_its_open_slots(client, system, people):
    decision = inventory.request_change(actor=people["owner"], system=system, kind="minor_update",
                                        description="Retrain on Q3 data")
    url = reverse("inventory:change_detail", args=[decision.pk])
    for name in ("lead", "referent"):
        assert inbox(client, people[name]) == [("inventory.change_decision", url)]
    assert inbox(client, people["owner"]) == [] and inbox(client, people["aims_manager"]) == []
    inventory.approve_change(actor=people["lead"], decision=decision)
    assert inbox(client, people["lead"]) == [] and open_tasks(people["lead"]) == []
    assert inbox(client, people["referent"]) == [("inventory.change_decision", url)]
    client.force_login(people["referent"])  # a viewer, named on the system: the page opens for him
    assert client.get(url).status_code == 200
    inventory.approve_change(actor=people["referent"], decision=decision)
    assert inbox(client, people["referent"]) == [] and open_tasks(people["referent"]) == []


def test_nobody_requests_a_change_they_would_approve_themselves(system, people):
    with pytest.raises(Exception, match="yourself"):
        inventory.request_change(actor=people["lead"], system=system, kind="minor_update", description="Mine")


def test_a_risk_accepted_above_appetite_waits_for_someone_with_the_authority_never_its_owner(client, system, people):
    risks.load_default_method(actor=None)
    risk = risks.create_risk(actor=people["owner"], title="Biased ranking", category="bias_discrimination",
                             owner=people["owner"], systems=[system], inherent_likelihood=3, inherent_impact=3)
    assert risk.above_appetite
    assert inbox(client, people["risk_manager"]) == []  # nothing decided yet
    risk = risks.decide_treatment(actor=people["owner"], risk=risk, decision="accept", rationale="Business need")
    url = f"/risks/{risk.pk}/#acceptance"
    assert inbox(client, people["risk_manager"]) == [("risks.acceptance", url)]
    assert open_tasks(people["risk_manager"]) == [url]
    assert inbox(client, people["owner"]) == [] and inbox(client, people["contributor"]) == []
    client.force_login(people["owner"])
    page = client.get(url).content.decode()
    assert "Rosa Risk" in page and "Accept the risk" not in page
    client.force_login(people["risk_manager"])
    expires = (timezone.localdate() + timedelta(days=90)).isoformat()
    response = client.post(reverse("risks:risk_accept", args=[risk.pk]),
                           {"rationale": "Compensating controls", "expires_on": expires})
    assert response.status_code == 302
    assert inbox(client, people["risk_manager"]) == [] and open_tasks(people["risk_manager"]) == []


def test_the_owner_of_a_risk_above_appetite_cannot_accept_it_even_with_the_authority(system, people):
    from django.core.exceptions import PermissionDenied

    risks.load_default_method(actor=None)
    risk = risks.create_risk(actor=people["risk_manager"], title="Drift", category="quality_reliability",
                             owner=people["risk_manager"], systems=[system], inherent_likelihood=3, inherent_impact=3)
    with pytest.raises(PermissionDenied, match="You own this risk"):
        risks.accept_risk(actor=people["risk_manager"], risk=risk, rationale="Mine",
                          expires_on=timezone.localdate() + timedelta(days=30))


def test_the_inbox_page_reads_a_fixed_number_of_queries(client, org, people, django_assert_max_num_queries):
    for i in range(6):
        system = inventory.create_system(actor=people["aims_manager"], name=f"System {i}", unit=org["north"],
                                         owner=people["owner"], technical_lead=people["lead"],
                                         business_referent=people["referent"])
        inventory.classify_system(actor=people["owner"], system=system, answers=CV_SCREENING)
    client.force_login(people["risk_manager"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("approvals"))
    assert len(response.context["page"].object_list) == 6


def test_the_api_lists_what_the_caller_may_approve_and_refuses_the_author(client, system, people):
    classification = inventory.classify_system(actor=people["owner"], system=system, answers=CV_SCREENING)
    client.force_login(people["aims_manager"])
    body = client.get("/api/v1/approvals").json()
    assert body["count"] == 1 and body["items"][0]["kind"] == "inventory.classification"
    assert body["items"][0]["object_id"] == classification.pk and body["items"][0]["author_id"] == people["owner"].pk
    client.force_login(people["owner"])
    path = f"/api/v1/approvals/inventory.classification/{classification.pk}/approve"
    assert client.post(path, {}, content_type="application/json").status_code == 403
    client.force_login(people["viewer"])
    assert client.post(path, {}, content_type="application/json").status_code == 404
    client.force_login(people["aims_manager"])
    assert client.post(path, {"comment": "ok"}, content_type="application/json").status_code == 200
    assert client.get("/api/v1/approvals").json()["count"] == 0
    assert approvals.waiting_for(people["risk_manager"]) == []
