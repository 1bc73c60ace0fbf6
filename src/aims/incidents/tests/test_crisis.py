"""Crisis mode (issue 12 point 4): an incident escalated to a crisis cell whose roles, first-hour checklist and message
templates come from catalogs/crisis.yaml; the decision and communication logs; the status summary for executives;
the stand-down. Through the services, the API and the pages (English and French)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from aims.core.models import LedgerEvent, Notification
from aims.core.testing import person_with_role
from aims.incidents import crisis_catalog, services
from aims.incidents.models import ChecklistItem, Crisis

pytestmark = pytest.mark.django_db


def json_call(client, method, path, body=None):
    response = client.generic(method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")
    return response.status_code, response.json() if response.content else None


@pytest.fixture
def incident(org, handler, chatbot):
    return services.create_incident(actor=handler, title="Chatbot shows other customers' data",
                                    category="security_attack", severity="critical", unit=org["north"],
                                    systems=[chatbot], aware_at=timezone.now() - timedelta(hours=2),
                                    detected_at=timezone.now() - timedelta(hours=3), personal_data_breach=True)


@pytest.fixture
def dpo(org):
    return person_with_role("viewer", org["north"], first_name="Dora", last_name="Dpo")


def test_the_catalogue_has_the_cell_roles_the_checklist_and_templates_in_both_languages():
    keys = crisis_catalog.role_keys()
    assert {"crisis_lead", "communications", "legal_dpo", "technical_lead", "business_owner"} <= set(keys)
    assert crisis_catalog.role_label("legal_dpo", "fr") != crisis_catalog.role_label("legal_dpo", "en")
    assert [item["key"] for item in crisis_catalog.checklist()][:3] == [
        "isolate_keep_running", "preserve_evidence", "open_investigation"]
    assert set(crisis_catalog.audience_keys()) == {"internal", "customers", "regulators", "press"}
    for template in crisis_catalog.templates("en"):
        french = crisis_catalog.template(template["key"], "fr")
        assert french["text"] and french["text"] != template["text"]
        assert template["audience"] in crisis_catalog.audience_keys()


def test_escalating_activates_a_cell_with_the_first_hour_checklist_and_is_ledgered(handler, manager, incident):
    crisis = services.escalate(actor=handler, incident=incident, reason="Customers' data exposed publicly",
                               members=[("crisis_lead", manager)])
    assert crisis.is_active and crisis.escalated_by == handler
    assert list(crisis.checklist.values_list("key", flat=True)) == [i["key"] for i in crisis_catalog.checklist()]
    assert crisis.members.get().person == manager
    assert Notification.objects.filter(recipient=manager, url=crisis.get_absolute_url()).exists()
    actions = set(LedgerEvent.objects.filter(object_id=str(crisis.pk)).values_list("action", flat=True))
    assert {"incidents.crisis.create", "incidents.crisis.member"} <= actions
    with pytest.raises(ValidationError):
        services.escalate(actor=handler, incident=incident, reason="Again")


def test_a_viewer_cannot_escalate_nor_log(viewer, handler, incident):
    with pytest.raises(PermissionDenied):
        services.escalate(actor=viewer, incident=incident, reason="Panic")
    crisis = services.escalate(actor=handler, incident=incident, reason="Real crisis")
    with pytest.raises(PermissionDenied):
        services.log_decision(actor=viewer, crisis=crisis, decision="Stop everything")
    assert not crisis.decisions.exists()


def test_members_are_people_who_can_see_the_incident(org, handler, incident):
    stranger = person_with_role("system_owner", org["south"])
    crisis = services.escalate(actor=handler, incident=incident, reason="Crisis")
    with pytest.raises(ValidationError) as error:
        services.add_member(actor=handler, crisis=crisis, role="communications", person=stranger)
    assert "person" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.add_member(actor=handler, crisis=crisis, role="astrologer", person=handler)


def test_checklist_ticks_record_who_and_when_and_logs_keep_their_facts(handler, manager, dpo, incident):
    crisis = services.escalate(actor=handler, incident=incident, reason="Crisis")
    item = crisis.checklist.get(key="isolate_keep_running")
    services.tick_item(actor=handler, item=item, note="Network cut, machine left on")
    item.refresh_from_db()
    assert item.done_by == handler and item.done_at is not None
    with pytest.raises(ValidationError):
        services.tick_item(actor=handler, item=item)
    entry = services.log_decision(actor=handler, crisis=crisis, decided_by=manager, decision="Isolate the chatbot",
                                  rationale="Stop the leak; keep the evidence")
    assert entry.decided_by == manager and entry.recorded_by == handler
    message = services.log_communication(actor=handler, crisis=crisis, audience="customers", channel="email",
                                         template="customers_first")
    assert message.facts["incident"] == incident.reference and "Customer chatbot" in message.facts["systems"]
    assert "Customer chatbot" in message.words("en") and "Nous avons détecté" in message.words("fr")
    with pytest.raises(ValidationError) as error:
        services.log_communication(actor=handler, crisis=crisis, audience="aliens", channel="email", text="Hi")
    assert "audience" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.log_communication(actor=handler, crisis=crisis, audience="press", channel="email")


def test_standing_down_needs_a_reason_freezes_the_logs_and_an_escalation_reactivates(handler, incident):
    crisis = services.escalate(actor=handler, incident=incident, reason="Crisis")
    with pytest.raises(ValidationError):
        services.stand_down(actor=handler, crisis=crisis, reason=" ")
    crisis = services.stand_down(actor=handler, crisis=crisis, reason="Contained, regulators told")
    assert crisis.status == Crisis.Status.STOOD_DOWN and crisis.stood_down_by == handler
    with pytest.raises(ValidationError):
        services.log_decision(actor=handler, crisis=crisis, decision="Too late")
    again = services.escalate(actor=handler, incident=incident, reason="It started again")
    assert again.pk == crisis.pk and again.is_active and again.stood_down_at is None
    assert ChecklistItem.objects.filter(crisis=crisis).count() == len(crisis_catalog.checklist())


def test_pages_escalate_log_and_summarise(client, handler, dpo, incident):
    client.force_login(handler)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert reverse("incidents:crisis_escalate", args=[incident.pk]) in page
    form = client.get(reverse("incidents:crisis_escalate", args=[incident.pk])).content.decode()
    assert "Isolate the system from the network without powering it off" in form
    response = client.post(reverse("incidents:crisis_escalate", args=[incident.pk]),
                           {"reason": "Customers' data exposed", "lead": dpo.pk})
    crisis = Crisis.objects.get(incident=incident)
    assert response.status_code == 302 and response["Location"] == crisis.get_absolute_url()
    item = crisis.checklist.get(key="preserve_evidence")
    assert client.post(reverse("incidents:crisis_tick", args=[item.pk]), {"done": "1", "note": "Logs copied"}
                       ).status_code == 302
    assert client.post(reverse("incidents:crisis_decision_add", args=[crisis.pk]),
                       {"decision": "Isolate the chatbot", "rationale": "Stop the leak"}).status_code == 302
    assert client.post(reverse("incidents:crisis_communication_add", args=[crisis.pk]),
                       {"audience": "internal", "channel": "intranet", "template": "internal_first"}
                       ).status_code == 302
    assert client.post(reverse("incidents:crisis_communication_add", args=[crisis.pk]),
                       {"audience": "press", "channel": "email"}).status_code == 400
    detail = client.get(crisis.get_absolute_url()).content.decode()
    assert "Logs copied" in detail and "Isolate the chatbot" in detail and "Crisis lead" in detail
    assert "A crisis cell has been active since" in detail
    summary = client.get(reverse("incidents:crisis_summary", args=[crisis.pk])).content.decode()
    assert "Isolate the chatbot" in summary and "Open the investigation" in summary
    assert "Communications" in summary  # a required role nobody holds
    incident_page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert crisis.get_absolute_url() in incident_page
    assert client.post(reverse("incidents:crisis_stand_down", args=[crisis.pk]),
                       {"reason": "Contained"}).status_code == 302
    crisis.refresh_from_db()
    assert crisis.status == "stood_down"


def test_a_viewer_sees_the_crisis_but_cannot_escalate_through_the_page(client, viewer, handler, incident):
    client.force_login(viewer)
    assert reverse("incidents:crisis_escalate", args=[incident.pk]) not in client.get(
        reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert client.post(reverse("incidents:crisis_escalate", args=[incident.pk]),
                       {"reason": "Panic"}).status_code == 403
    assert not Crisis.objects.exists()
    crisis = services.escalate(actor=handler, incident=incident, reason="Crisis")
    page = client.get(crisis.get_absolute_url()).content.decode()
    assert "decision-form" not in page and "stand-down-form" not in page


def test_the_crisis_page_reads_in_french(client, handler, manager, incident):
    crisis = services.escalate(actor=handler, incident=incident, reason="Crise", members=[("legal_dpo", manager)])
    services.log_communication(actor=handler, crisis=crisis, audience="customers", channel="email",
                               template="customers_first", language="en")
    handler.language = "fr"
    handler.save(update_fields=["language"])
    client.force_login(handler)
    page = client.get(crisis.get_absolute_url()).content.decode()
    assert "Juridique et délégué à la protection des données" in page
    assert "Isoler le système du réseau sans l'éteindre" in page or "Isoler le système du réseau sans l&#x27;éteindre" in page
    assert "Nous avons détecté un incident touchant Customer chatbot" in page
    assert "Clients et partenaires" in page and "Courriel" in page
    summary = client.get(reverse("incidents:crisis_summary", args=[crisis.pk])).content.decode()
    assert "Lancer l" in summary


def test_the_crisis_list_has_a_fixed_number_of_queries(client, org, handler, chatbot, django_assert_max_num_queries):
    for number in range(3):
        incident = services.create_incident(actor=handler, title=f"Incident {number}", category="safety",
                                            severity="high", unit=org["north"], systems=[chatbot])
        services.escalate(actor=handler, incident=incident, reason="Crisis")
    client.force_login(handler)
    with django_assert_max_num_queries(12) as captured:
        page = client.get(reverse("incidents:crisis_list")).content.decode()
    assert page.count("data-crisis=") == 3
    few = len(captured.captured_queries)
    for number in range(3, 8):
        incident = services.create_incident(actor=handler, title=f"Incident {number}", category="safety",
                                            severity="high", unit=org["north"], systems=[chatbot])
        services.escalate(actor=handler, incident=incident, reason="Crisis")
    with django_assert_max_num_queries(few):
        assert client.get(reverse("incidents:crisis_list")).content.decode().count("data-crisis=") == 8
    assert "No crisis matches this filter." in client.get(reverse("incidents:crisis_list") + "?status=stood_down"
                                                          ).content.decode()


def test_the_api_escalates_logs_and_stands_down(client, handler, dpo, viewer, incident):
    client.force_login(viewer)
    status, _body = json_call(client, "POST", f"/incidents/{incident.pk}/crisis", {"reason": "Panic"})
    assert status == 403 and not Crisis.objects.exists()
    client.force_login(handler)
    status, catalogue = json_call(client, "GET", "/crisis-catalogue")
    assert status == 200 and {r["key"] for r in catalogue["roles"]} >= {"crisis_lead", "legal_dpo"}
    assert catalogue["scenarios"] and catalogue["templates"]
    status, crisis = json_call(client, "POST", f"/incidents/{incident.pk}/crisis", {
        "reason": "Data exposed", "members": [{"role": "crisis_lead", "person_id": dpo.pk}]})
    assert status == 201 and crisis["status"] == "active" and crisis["members"][0]["person_id"] == dpo.pk
    item = crisis["checklist"][0]
    status, ticked = json_call(client, "POST", f"/crisis-checklist/{item['id']}/tick", {"note": "Done at 10:05"})
    assert status == 200 and ticked["done_by_id"] == handler.pk
    status, _entry = json_call(client, "POST", f"/crises/{crisis['id']}/decisions",
                               {"decision": "Isolate", "rationale": "Stop the leak"})
    assert status == 201
    status, message = json_call(client, "POST", f"/crises/{crisis['id']}/communications",
                                {"audience": "press", "channel": "press_release", "template": "press_holding"})
    assert status == 201 and "is handling an incident" in message["words"]
    status, error = json_call(client, "POST", f"/crises/{crisis['id']}/communications",
                              {"audience": "press", "channel": "pigeon", "text": "Hi"})
    assert status == 422
    status, member = json_call(client, "POST", f"/crises/{crisis['id']}/members",
                               {"role": "communications", "person_id": handler.pk})
    assert status == 201
    assert json_call(client, "DELETE", f"/crisis-members/{member['id']}")[0] == 204
    status, listed = json_call(client, "GET", "/crises?status=active")
    assert status == 200 and listed["count"] == 1
    status, detail = json_call(client, "GET", f"/crises/{crisis['id']}")
    assert len(detail["decisions"]) == 1 and len(detail["communications"]) == 1 and len(detail["members"]) == 1
    status, ended = json_call(client, "POST", f"/crises/{crisis['id']}/stand-down", {"reason": "Contained"})
    assert status == 200 and ended["status"] == "stood_down"
