"""Containment decisions (who decided, when, why, the effect on the system; in the timeline, the ledger and on the
system's page) and the evidence hold of the EU AI Act Art. 73(6): while the serious-incident report is not submitted,
the affected system neither moves along its lifecycle nor changes, with a message naming the incident, until the
report is submitted or an AIMS manager releases the hold with a justification."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aims.core.models import LedgerEvent
from aims.incidents import services
from aims.incidents.models import ContainmentDecision, EvidenceHold
from aims.inventory import services as inventory
from aims.inventory.models import Component, Stage
from aims.inventory.services.systems import GateRefused

pytestmark = pytest.mark.django_db


def json_call(client, method, path, body=None):
    response = client.generic(method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")
    return response.status_code, response.json() if response.content else None


def _serious(handler, org, system, **extra):
    incident = services.create_incident(actor=handler, title="Credit model poisoned", category="security_attack",
                                        severity="critical", unit=org["north"], systems=[system],
                                        serious_incident=True, aware_at=timezone.now() - timedelta(hours=3), **extra)
    services.apply_regime(actor=handler, incident=incident, regime="ai_act_art73")
    return incident


@pytest.fixture
def model_versions(handler, credit):
    """The credit system runs v2 of its model; v1 is the version it may go back to."""
    v1 = inventory.create_component(actor=handler, kind="model", name="Scorer", version_label="1",
                                    owner_unit=credit.unit)
    v2 = inventory.create_component_version(actor=handler, component=v1, version_label="2")
    inventory.link_component(actor=handler, system=credit, component=v2, role="main model")
    return v1, v2


def test_a_decision_records_who_when_why_and_its_effect_in_the_timeline_and_the_ledger(org, handler, chatbot):
    incident = services.create_incident(actor=handler, title="Prompt injection", category="security_attack",
                                        severity="high", unit=org["north"], systems=[chatbot])
    start = LedgerEvent.objects.count()
    decision = services.record_decision(actor=handler, incident=incident, kind="degraded_mode", system=chatbot,
                                        reason="The injection goes through the tools; keep answers only.")
    assert decision.decided_by == handler and decision.in_force
    assert decision.effect == "Running in degraded mode."  # the catalogue's effect when none is typed
    assert LedgerEvent.objects.filter(action="incidents.containmentdecision.create", object_id=str(decision.pk)).count() == 1
    assert LedgerEvent.objects.count() == start + 1
    entry = incident.timeline.get(kind="decision")
    assert "Controlled downgrade" in entry.source and "keep answers only" in entry.note
    services.lift_decision(actor=handler, decision=decision, reason="Tools patched")
    decision.refresh_from_db()
    assert not decision.in_force and decision.lifted_by == handler
    assert incident.timeline.filter(kind="decision").count() == 2


@pytest.mark.parametrize("kind, fields, field", [
    ("teleport", {}, "kind"),
    ("isolate", {"reason": " "}, "reason"),
    ("isolate", {"system": None}, "system"),
    ("rollback", {"component": None}, "component"),
])
def test_bad_decisions_are_refused_with_field_errors(org, handler, chatbot, kind, fields, field):
    incident = services.create_incident(actor=handler, title="Outage", category="malfunction", severity="low",
                                        unit=org["north"], systems=[chatbot])
    arguments = {"reason": "Because", "system": chatbot, **fields}
    with pytest.raises(ValidationError) as refused:
        services.record_decision(actor=handler, incident=incident, kind=kind, **arguments)
    assert field in refused.value.message_dict


def test_a_decision_on_a_system_the_incident_does_not_affect_is_refused(org, handler, chatbot, credit):
    incident = services.create_incident(actor=handler, title="Outage", category="malfunction", severity="low",
                                        unit=org["north"], systems=[chatbot])
    with pytest.raises(ValidationError) as refused:
        services.record_decision(actor=handler, incident=incident, kind="suspend", system=credit, reason="Stop")
    assert "system" in refused.value.message_dict


def test_a_rollback_goes_back_to_a_previous_version_of_a_component_the_system_uses(org, handler, manager, credit,
                                                                                  model_versions):
    v1, v2 = model_versions
    incident = _serious(handler, org, credit)
    # Under the evidence hold, a rollback would alter the system before the authority is told.
    with pytest.raises(ValidationError) as refused:
        services.record_decision(actor=handler, incident=incident, kind="rollback", system=credit, component=v1,
                                 reason="Poisoned v2")
    assert incident.reference in str(refused.value)
    hold = incident.evidence_holds.get()
    services.release_hold(actor=manager, hold=hold, justification="Customers harmed every hour; snapshot kept.")
    with pytest.raises(ValidationError) as refused:
        services.record_decision(actor=handler, incident=incident, kind="rollback", system=credit, component=v2,
                                 reason="Not a previous version")
    assert "component" in refused.value.message_dict
    decision = services.record_decision(actor=handler, incident=incident, kind="rollback", system=credit,
                                        component=v1, reason="Poisoned v2")
    assert decision.component == v1


def test_declaring_a_serious_incident_holds_the_system_until_the_authority_is_told(org, handler, credit,
                                                                                 model_versions):
    credit.stage = Stage.DEVELOPMENT
    credit.save(update_fields=["stage"])
    incident = _serious(handler, org, credit)
    hold = incident.evidence_holds.get()
    assert hold.active and hold.regime == "ai_act_art73"
    assert hold.snapshot["system"]["name"] == "Credit scoring"
    assert [c["version_label"] for c in hold.snapshot["components"]] == ["2"]
    assert incident.timeline.filter(kind="hold").exists()
    # The next lifecycle move fails its gate, naming the incident.
    with pytest.raises(GateRefused) as refused:
        inventory.move_to_stage(actor=handler, system=credit, stage=Stage.VALIDATION)
    failed = [r for r in refused.value.failures if r.key == "incidents.evidence_hold"]
    assert failed and incident.reference in failed[0].message and "Art. 73(6)" in failed[0].message
    # The inventory's change services refuse changes that alter it.
    other = inventory.create_component(actor=handler, kind="dataset", name="Extra data", owner_unit=credit.unit)
    with pytest.raises(ValidationError) as changed:
        inventory.link_component(actor=handler, system=credit, component=other)
    assert incident.reference in str(changed.value)
    # The report is submitted: the hold ends, the system may move again.
    clock = incident.clocks.get(regime="ai_act_art73")
    services.record_submission(actor=handler, clock=clock, authority="Market surveillance", reference="MSA-1",
                               complete=False)
    hold.refresh_from_db()
    assert not hold.active and hold.release == EvidenceHold.Release.SUBMITTED
    assert not [r for r in inventory.gate_status(credit, Stage.VALIDATION) if r.key == "incidents.evidence_hold"
                and not r.passed]
    inventory.link_component(actor=handler, system=credit, component=other)


def test_only_an_aims_manager_releases_a_hold_with_a_justification_and_it_is_not_placed_again(org, handler, manager,
                                                                                             credit):
    incident = _serious(handler, org, credit)
    hold = incident.evidence_holds.get()
    with pytest.raises(PermissionDenied):
        services.release_hold(actor=handler, hold=hold, justification="Please")
    with pytest.raises(ValidationError):
        services.release_hold(actor=manager, hold=hold, justification=" ")
    services.release_hold(actor=manager, hold=hold, justification="Safety patch cannot wait; snapshot kept.")
    event = LedgerEvent.objects.filter(action="incidents.evidencehold.release").get()
    after = json.loads(event.after)
    assert after["release"] == "override" and "Safety patch" in after["justification"]
    services.update_incident(actor=handler, incident=incident, changes={"severity": "high"})
    assert not incident.evidence_holds.filter(released_at=None).exists()


def test_dismissing_the_regime_or_unlinking_the_system_releases_the_hold(org, handler, credit, chatbot):
    incident = _serious(handler, org, credit)
    services.update_incident(actor=handler, incident=incident, changes={}, systems=[chatbot])
    assert incident.evidence_holds.get(system=credit).release == EvidenceHold.Release.UNLINKED
    # The regime still applies and its clock still runs: the newly affected system is held in its turn.
    assert incident.evidence_holds.get(system=chatbot).active
    services.update_incident(actor=handler, incident=incident, changes={}, systems=[credit])
    decision = incident.regimes.get(regime="ai_act_art73")
    services.dismiss_regime(actor=handler, decision=decision, reason="No serious harm after all")
    assert not incident.evidence_holds.filter(released_at=None).exists()
    assert incident.evidence_holds.filter(release=EvidenceHold.Release.DISMISSED).exists()


def test_closing_needs_the_measures_in_force_lifted(org, handler, chatbot):
    incident = services.create_incident(actor=handler, title="Outage", category="malfunction", severity="low",
                                        unit=org["north"], systems=[chatbot])
    decision = services.record_decision(actor=handler, incident=incident, kind="suspend", system=chatbot,
                                        reason="Stop the leak")
    services.change_status(actor=handler, incident=incident, status="resolved")
    with pytest.raises(ValidationError) as refused:
        services.change_status(actor=handler, incident=incident, status="closed", reason="Reviewed")
    assert "containment" in str(refused.value)
    services.lift_decision(actor=handler, decision=decision, reason="Fixed")
    services.change_status(actor=handler, incident=incident, status="closed", reason="Reviewed")


def test_pages_record_show_and_lift_decisions_and_the_system_page_shows_the_containment(client, org, handler,
                                                                                       manager, credit, viewer):
    incident = _serious(handler, org, credit)
    client.force_login(handler)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'id="containment-form"' in page and 'id="evidence-hold"' in page
    assert "Release the hold" not in page  # the handler is no AIMS manager
    response = client.post(reverse("incidents:decision_add", args=[incident.pk]),
                           {"kind": "isolate", "system": credit.pk, "reason": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = client.post(reverse("incidents:decision_add", args=[incident.pk]),
                           {"kind": "isolate", "system": credit.pk, "reason": "Cut it off the network"})
    assert response.status_code == 302
    decision = ContainmentDecision.objects.get()
    panel = client.get(reverse("incidents:system_panel", args=[credit.pk]) + "?partial=1").content.decode()
    assert "Under containment" in panel and "Isolate the system" in panel and "Evidence hold" in panel
    assert incident.reference in panel
    system_page = client.get(credit.get_absolute_url()).content.decode()
    assert reverse("incidents:system_panel", args=[credit.pk]) in system_page
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert "Isolate the system" in viewer_client.get(
        reverse("incidents:system_panel", args=[credit.pk]) + "?partial=1").content.decode()
    assert viewer_client.post(reverse("incidents:decision_lift", args=[decision.pk]),
                              {f"l{decision.pk}-reason": "x"}).status_code == 403
    response = client.post(reverse("incidents:decision_lift", args=[decision.pk]),
                           {f"l{decision.pk}-reason": "Network rules in place"})
    assert response.status_code == 302
    assert "Under containment" not in client.get(
        reverse("incidents:system_panel", args=[credit.pk]) + "?partial=1").content.decode()
    # The AIMS manager sees and uses the release form.
    hold = incident.evidence_holds.get()
    client.force_login(manager)
    assert "Release the hold" in client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    response = client.post(reverse("incidents:hold_release", args=[hold.pk]),
                           {f"h{hold.pk}-justification": "Patch needed now"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.release == EvidenceHold.Release.OVERRIDE and hold.released_by == manager


def test_the_api_records_lists_lifts_and_releases(org, handler, manager, credit):
    incident = _serious(handler, org, credit)
    api = Client()
    api.force_login(handler)
    status, kinds = json_call(api, "GET", "/incidents/containment-kinds")
    assert status == 200 and {"isolate", "quarantine_data", "degraded_mode", "human_takeover", "rollback",
                              "suspend"} <= {k["key"] for k in kinds}
    status, body = json_call(api, "POST", f"/incidents/{incident.pk}/decisions",
                             {"kind": "quarantine_data", "reason": "RAG sources poisoned", "system_id": credit.pk})
    assert status == 201 and body["in_force"] and body["label"] == "Quarantine data flows"
    status, body = json_call(api, "POST", f"/incidents/{incident.pk}/decisions", {"kind": "nope", "reason": "x"})
    assert status == 422 and "kind" in json.dumps(body)
    status, listed = json_call(api, "GET", f"/incidents/{incident.pk}/decisions")
    assert [d["kind"] for d in listed] == ["quarantine_data"]
    status, lifted = json_call(api, "POST", f"/incident-containment/{listed[0]['id']}/lift", {"reason": "Clean"})
    assert status == 200 and not lifted["in_force"] and lifted["lift_reason"] == "Clean"
    status, holds = json_call(api, "GET", f"/incidents/{incident.pk}/evidence-holds")
    assert status == 200 and holds[0]["active"] and holds[0]["snapshot"]["system"]["id"] == credit.pk
    status, _body = json_call(api, "POST", f"/incident-evidence-holds/{holds[0]['id']}/release",
                              {"justification": "Please"})
    assert status == 403
    api.force_login(manager)
    status, released = json_call(api, "POST", f"/incident-evidence-holds/{holds[0]['id']}/release",
                                 {"justification": "Regulator agreed by phone"})
    assert status == 200 and released["release"] == "override" and not released["active"]


def test_the_french_page_names_the_decisions_in_french(client, org, handler, credit):
    incident = _serious(handler, org, credit)
    services.record_decision(actor=handler, incident=incident, kind="human_takeover", system=credit,
                             reason="Les analystes décident")
    handler.language = "fr"
    handler.save(update_fields=["language"])
    client.force_login(handler)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Reprise en main humaine" in page and "Gel des preuves" in page
    assert Component.objects.count() == 0
