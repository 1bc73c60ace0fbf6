"""The incident register: the shared entity contract (service, page, API x roles, one ledger event per change), the
handler picker offering only people who can act, the list's filters, sort and pages with pinned query counts, the
timeline, and the API of regimes, clocks and submissions."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.core.testing_entity import EntityContract
from aims.incidents import services
from aims.incidents.forms import IncidentForm
from aims.incidents.models import Incident

pytestmark = pytest.mark.django_db
_titles = itertools.count(1)


class TestIncidentContract(EntityContract):
    model = Incident
    writers = ("administrator", "aims_manager", "system_owner", "contributor")
    refused = ("risk_manager", "auditor", "viewer")
    detail_page = "incidents:detail"
    api_path = "/api/v1/incidents"

    def create(self, actor, unit):
        return services.create_incident(actor=actor, title=f"Model outage {next(_titles)}", category="malfunction",
                                        severity="medium", unit=unit)

    def update(self, actor, obj):
        return services.update_incident(actor=actor, incident=obj, changes={"severity": "high"})

    def api_payload(self, unit):
        return {"title": f"Model outage {next(_titles)}", "category": "malfunction", "severity": "medium",
                "unit_id": unit.pk}

    def api_change(self):
        return {"severity": "high"}


def json_call(client, method, path, body=None):
    response = client.generic(method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")
    return response.status_code, response.json() if response.content else None


@pytest.fixture
def api(handler):
    client = Client()
    client.force_login(handler)
    return client


def test_the_handler_picker_offers_only_people_who_can_act(org, handler, viewer, manager):
    outsider = person_with_role("system_owner", org["south"])
    risk_manager = person_with_role("risk_manager", None)
    offered = set(IncidentForm(user=handler, creating=True).fields["handler"].queryset)
    assert handler in offered
    assert not offered & {viewer, outsider, risk_manager}
    with pytest.raises(ValidationError) as refused:
        services.create_incident(actor=handler, title="X", category="malfunction", severity="low", unit=org["north"],
                                 handler=viewer)
    assert "handler" in refused.value.message_dict


def test_bad_facts_are_refused_with_field_errors(org, handler):
    cases = [({"severity": "apocalyptic"}, "severity"),
             ({"aware_at": timezone.now() + timedelta(days=1)}, "aware_at"),
             ({"aware_at": timezone.now() - timedelta(days=2), "detected_at": timezone.now() - timedelta(days=1)},
              "aware_at"),
             ({"death": True}, "serious_incident")]
    for fields, field in cases:
        fields.setdefault("severity", "low")
        with pytest.raises(ValidationError) as refused:
            services.create_incident(actor=handler, title="X", category="safety", unit=org["north"], **fields)
        assert field in refused.value.message_dict, fields
    assert not Incident.objects.exists()


def test_the_list_filters_sorts_and_pages_in_a_fixed_number_of_queries(client, org, handler, chatbot,
                                                                     django_assert_max_num_queries):
    for n in range(12):
        incident = services.create_incident(
            actor=handler, title=f"Incident {n:02d}", category="malfunction" if n % 2 else "privacy_breach",
            severity=["low", "medium", "high", "critical"][n % 4], unit=org["north"], systems=[chatbot],
            aware_at=timezone.now() - timedelta(hours=n + 1))
        if n % 2 == 0:
            services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    client.force_login(handler)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("incidents:list"))
    body = page.content.decode()
    assert body.index("Incident 00") < body.index("Incident 11")  # most recent awareness first
    with django_assert_max_num_queries(14):
        page = client.get(reverse("incidents:list"), {"sort": "-severity", "category": "privacy_breach"})
    rows = [line for line in page.content.decode().splitlines() if "data-severity=" in line and "<td" in line]
    assert [r.split('data-severity="')[1].split('"')[0] for r in rows] == ["high", "high", "high", "low", "low", "low"]
    assert "Incident 01" not in page.content.decode()
    page = client.get(reverse("incidents:list"), {"q": "Incident 07"})
    assert "Incident 07" in page.content.decode() and "Incident 08" not in page.content.decode()


def test_the_api_lists_in_scope_documents_sorts_and_refuses_unknown_ones(org, handler, chatbot, api):
    services.create_incident(actor=handler, title="North incident", category="safety", severity="low",
                             unit=org["north"])
    south_owner = person_with_role("system_owner", org["south"])
    services.create_incident(actor=south_owner, title="South incident", category="safety", severity="low",
                             unit=org["south"])
    status, body = json_call(api, "GET", "/incidents?sort=-aware")
    assert status == 200 and [i["title"] for i in body["items"]] == ["North incident"]
    status, body = json_call(api, "GET", "/incidents?sort=nonsense")
    assert status == 422
    schema = api.get("/api/v1/openapi.json").json()
    sort = next(p for p in schema["paths"]["/api/v1/incidents"]["get"]["parameters"] if p["name"] == "sort")
    assert "-aware" in json.dumps(sort)


def test_the_api_reports_proposes_applies_and_submits(org, handler, chatbot, api):
    status, incident = json_call(api, "POST", "/incidents", {
        "title": "Prompt injection", "category": "security_attack", "severity": "high",
        "system_ids": [chatbot.pk], "personal_data_breach": True,
        "aware_at": (timezone.now() - timedelta(hours=2)).isoformat()})
    assert status == 201, incident
    assert incident["unit_id"] == org["north"].pk and incident["handler_id"] == handler.pk
    status, regimes = json_call(api, "GET", f"/incidents/{incident['id']}/regimes")
    assert [(r["regime"], r["state"], r["clocks"]) for r in regimes] == [("gdpr_art33", "proposed", [])]
    status, applied = json_call(api, "POST", f"/incidents/{incident['id']}/regimes/gdpr_art33/apply", {})
    assert status == 200 and applied["state"] == "applied"
    clock = applied["clocks"][0]
    assert clock["state"] == "running" and 69 * 3600 < clock["seconds_left"] <= 70 * 3600
    status, page = json_call(api, "GET", "/incident-clocks")
    assert [c["id"] for c in page["items"]] == [clock["id"]]
    status, submitted = json_call(api, "POST", f"/incident-clocks/{clock['id']}/submissions",
                                  {"authority": "CNIL", "reference": "R-9"})
    assert status == 201 and submitted["state"] == "submitted"
    assert submitted["submissions"][0]["reference"] == "R-9"
    status, timeline = json_call(api, "GET", f"/incidents/{incident['id']}/timeline")
    assert [e["kind"] for e in timeline] == ["detected", "aware", "notified"]
    status, error = json_call(api, "PATCH", f"/incidents/{incident['id']}", {"version": 1, "title": None})
    assert status == 422


def test_a_viewer_reads_but_the_api_refuses_their_changes(org, handler, viewer, chatbot):
    incident = services.create_incident(actor=handler, title="Outage", category="malfunction", severity="low",
                                        unit=org["north"], personal_data_breach=True)
    client = Client()
    client.force_login(viewer)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 200
    start = LedgerEvent.objects.count()
    status, _body = json_call(client, "POST", f"/incidents/{incident.pk}/regimes/gdpr_art33/apply", {})
    assert status == 403
    status, _body = json_call(client, "POST", f"/incidents/{incident.pk}/status", {"status": "triaged"})
    assert status == 403
    assert LedgerEvent.objects.count() == start


def test_the_detail_page_shows_the_clock_countdown_timeline_and_forms(client, org, handler, chatbot,
                                                                    django_assert_max_num_queries):
    incident = services.create_incident(actor=handler, title="Leak", category="privacy_breach", severity="high",
                                        unit=org["north"], systems=[chatbot],
                                        aware_at=timezone.now() - timedelta(hours=10))
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    client.force_login(handler)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("incidents:detail", args=[incident.pk]))
    body = page.content.decode()
    assert "GDPR Art. 33" in body and "left" in body and "Record the submission" in body
    assert 'data-kind="aware"' in body and chatbot.name in body
    response = client.post(reverse("incidents:timeline_add", args=[incident.pk]),
                           {"kind": "contained", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                            "source": "SOC"})
    assert response.status_code == 302
    clock = incident.clocks.get()
    response = client.post(reverse("incidents:clock_submit", args=[clock.pk]),
                           {f"c{clock.pk}-authority": "CNIL", f"c{clock.pk}-reference": "CNIL-77",
                            f"c{clock.pk}-complete": "on"})
    assert response.status_code == 302
    assert "CNIL-77" in client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()


def test_the_open_clocks_page_lists_nearest_deadline_first(client, org, handler, chatbot, credit):
    later = services.create_incident(actor=handler, title="Later", category="privacy_breach", severity="high",
                                     unit=org["north"], aware_at=timezone.now() - timedelta(hours=1))
    sooner = services.create_incident(actor=handler, title="Sooner", category="privacy_breach", severity="high",
                                      unit=org["north"], aware_at=timezone.now() - timedelta(hours=60))
    for incident in (later, sooner):
        services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    client.force_login(handler)
    body = client.get(reverse("incidents:clocks")).content.decode()
    assert body.index(sooner.reference) < body.index(later.reference)
    home = client.get(reverse("home")).content.decode()
    assert "notification deadlines running" in home


def test_the_edit_page_saves_what_was_changed(client, org, handler, chatbot):
    incident = services.create_incident(actor=handler, title="Model outage", category="malfunction",
                                        severity="medium", unit=chatbot.unit, systems=[chatbot])
    client.force_login(handler)
    form = client.get(reverse("incidents:edit", args=[incident.pk])).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = field.widget.format_value(value) or ""
    data.update(title="Model outage in the scoring API", severity="high")
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    incident.refresh_from_db()
    assert (incident.title, incident.severity) == ("Model outage in the scoring API", "high")
    event = LedgerEvent.objects.filter(action="incidents.incident.update", object_id=str(incident.pk)).last()
    assert event is not None and event.after_data["severity"] == "high"
