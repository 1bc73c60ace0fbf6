"""Regulatory clocks on real incidents: the product proposes the regimes the facts and the organisation's profile call
for, a person confirms or dismisses each, the clocks count from their own events, remind the handler and their
manager at the catalogue's points, and stop at a submission (a late one needs its reason); chained deadlines start when
the submission they count from is recorded."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from aims.core.models import LedgerEvent, Notification, Task
from aims.incidents import services
from aims.incidents.models import Clock, RegimeDecision, Submission, TimelineEntry

from .conftest import NOW

pytestmark = pytest.mark.django_db


def report(actor, systems, **fields):
    fields.setdefault("title", "Prompt injection leaked customer data")
    fields.setdefault("category", "security_attack")
    fields.setdefault("severity", "high")
    fields.setdefault("aware_at", NOW - timedelta(hours=1))
    return services.create_incident(actor=actor, systems=systems, **fields)


def regimes(incident) -> dict[str, str]:
    return dict(incident.regimes.values_list("regime", "state"))


def test_a_personal_data_breach_proposes_the_gdpr_clock_and_nothing_runs_until_a_person_confirms(
        clock, handler, chatbot):
    incident = report(handler, [chatbot], personal_data_breach=True)
    assert regimes(incident) == {"gdpr_art33": "proposed"}
    assert not incident.clocks.exists()
    decision = incident.regimes.get()
    assert decision.facts == ["personal_data_breach"]
    assert Task.objects.filter(assignee=handler, source=f"incidents.regime.{decision.pk}", done_at__isnull=True).exists()

    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    gdpr = incident.clocks.get()
    assert (gdpr.state, gdpr.anchor_at, gdpr.due_at) == ("running", NOW - timedelta(hours=1), NOW + timedelta(hours=71))
    assert gdpr.basis == "aware + 72h"
    assert not Task.objects.filter(source=f"incidents.regime.{decision.pk}", done_at__isnull=True).exists()
    assert Task.objects.filter(assignee=handler, source=f"incidents.clock.{gdpr.pk}", done_at__isnull=True).exists()


def test_no_regime_is_proposed_without_the_facts_and_a_dismissal_needs_its_reason(clock, handler, chatbot):
    incident = report(handler, [chatbot], category="malfunction")
    assert regimes(incident) == {}
    incident = services.update_incident(actor=handler, incident=incident, changes={"personal_data_breach": True})
    decision = incident.regimes.get()
    with pytest.raises(ValidationError):
        services.dismiss_regime(actor=handler, decision=decision, reason=" ")
    services.dismiss_regime(actor=handler, decision=decision, reason="Only test data was exposed.")
    decision.refresh_from_db()
    assert (decision.state, decision.decided_by, decision.reason) == ("dismissed", handler,
                                                                     "Only test data was exposed.")
    services.update_incident(actor=handler, incident=incident, changes={"description": "More details"})
    assert regimes(incident) == {"gdpr_art33": "dismissed"}  # not proposed again


def test_art73_follows_the_high_risk_system_and_the_worst_fact(clock, handler, credit):
    incident = report(handler, [credit], category="bias_ethics", serious_incident=True)
    assert regimes(incident) == {"ai_act_art73": "proposed"}
    services.apply_regime(actor=handler, incident=incident, regime="ai_act_art73")
    art73 = incident.clocks.get()
    assert art73.due_at == NOW - timedelta(hours=1) + timedelta(days=15)
    incident = services.update_incident(actor=handler, incident=incident,
                                        changes={"widespread_or_critical_infrastructure": True})
    art73.refresh_from_db()
    assert art73.due_at == NOW - timedelta(hours=1) + timedelta(days=2)
    assert LedgerEvent.objects.filter(action="incidents.clock.compute", object_id=str(art73.pk)).count() == 2


def test_the_organisations_profile_brings_nis2_and_dora(clock, handler, manager, chatbot):
    incident = report(handler, [chatbot], significant_incident=True, major_ict_incident=True)
    assert regimes(incident) == {}
    with pytest.raises(PermissionDenied):
        services.update_profile(actor=handler, changes={"nis2_entity": "essential"})
    services.update_profile(actor=manager, changes={"nis2_entity": "essential", "financial_entity": True})
    assert regimes(incident) == {"nis2_art23": "proposed", "dora_major": "proposed"}


def test_dora_chain_starts_each_report_from_the_previous_submission(clock, handler, manager, chatbot):
    services.update_profile(actor=manager, changes={"financial_entity": True})
    incident = report(handler, [chatbot], major_ict_incident=True)
    services.apply_regime(actor=handler, incident=incident, regime="dora_major")
    initial, intermediate, final = (incident.clocks.get(deadline=k) for k in ("initial", "intermediate", "final"))
    assert (initial.state, initial.due_at) == ("running", NOW - timedelta(hours=1) + timedelta(hours=24))
    assert intermediate.state == final.state == "waiting" and intermediate.due_at is None

    clock.time = NOW + timedelta(hours=1)
    services.update_incident(actor=handler, incident=incident, changes={"classified_major_at": NOW})
    initial.refresh_from_db()
    assert initial.due_at == NOW + timedelta(hours=4)

    clock.time = NOW + timedelta(hours=3)
    services.record_submission(actor=handler, clock=initial, authority="ACPR", reference="ACPR-2026-17")
    intermediate.refresh_from_db()
    assert (intermediate.state, intermediate.due_at) == ("running", NOW + timedelta(hours=3 + 72))
    clock.time = NOW + timedelta(hours=50)
    services.record_submission(actor=handler, clock=intermediate, authority="ACPR", reference="ACPR-2026-18")
    final.refresh_from_db()
    assert final.due_at == (NOW + timedelta(hours=50)).replace(month=4)
    clock.time = NOW + timedelta(days=5)
    services.record_submission(actor=handler, clock=intermediate, authority="ACPR", reference="ACPR-2026-19",
                               note="Updated intermediate report")
    final.refresh_from_db()
    assert final.due_at == (NOW + timedelta(days=5)).replace(month=4)  # from the latest intermediate report
    intermediate.refresh_from_db()
    assert intermediate.submissions.count() == 2 and intermediate.submitted_at == NOW + timedelta(hours=50)


def test_reminders_reach_the_handler_and_their_manager_at_half_time_80_percent_and_the_deadline(
        clock, handler, manager, chatbot):
    incident = report(handler, [chatbot], personal_data_breach=True, aware_at=NOW)
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    gdpr = incident.clocks.get()
    assert gdpr.next_reminder_at == NOW + timedelta(hours=36)
    assert services.send_reminders(now=NOW + timedelta(hours=35)) == 0

    assert services.send_reminders(now=NOW + timedelta(hours=48)) == 1
    notes = Notification.objects.filter(kind="incidents.clock")
    assert sorted(n.recipient_id for n in notes) == sorted([handler.pk, manager.pk])
    assert all("Deadline approaching" in n.title and incident.reference in n.title for n in notes)
    gdpr.refresh_from_db()
    assert gdpr.reminders_sent == [0.5] and gdpr.next_reminder_at == NOW + timedelta(hours=72 * 0.8)
    assert services.send_reminders(now=NOW + timedelta(hours=48)) == 0  # a second sweep repeats nothing

    # A sweep that missed the 80 % point and the deadline sends one reminder, about the deadline.
    assert services.send_reminders(now=NOW + timedelta(hours=73)) == 1
    gdpr.refresh_from_db()
    assert gdpr.reminders_sent == [0.5, 0.8, 1.0] and gdpr.next_reminder_at is None
    passed = Notification.objects.filter(kind="incidents.clock", title__startswith="Deadline passed")
    assert passed.count() == 2
    # Each sweep's reminder is on the incident's ledger, naming the deadline and the points it reached.
    events = LedgerEvent.objects.filter(action="incidents.incident.remind", object_type="incidents.incident",
                                        object_id=str(incident.pk))
    assert [[(d["clock"], d["regime"], d["deadline"], d["points"]) for d in e.after_data["deadlines"]] for e in events] \
        == [[(gdpr.pk, "gdpr_art33", "notification", [0.5])], [(gdpr.pk, "gdpr_art33", "notification", [0.8, 1.0])]]


def test_a_sweep_costs_the_same_number_of_queries_for_two_due_clocks_as_for_eight(clock, handler, manager, chatbot):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def sweep_queries(count: int, hours: int) -> tuple[int, int]:
        for _ in range(count):
            incident = report(handler, [chatbot], personal_data_breach=True, aware_at=clock.time)
            services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
        with CaptureQueriesContext(connection) as captured:
            reminded = services.send_reminders(now=clock.time + timedelta(hours=hours))
        return reminded, len(captured.captured_queries)

    two = sweep_queries(2, 40)
    clock.time = NOW + timedelta(days=10)
    six = sweep_queries(6, 40)
    assert (two[0], six[0]) == (2, 8)  # the six new ones at half-time, the first two past their deadline
    assert two[1] == six[1]  # clocks, recipients' rights, notifications and ledger: per batch, not per clock
    # One reminder per person and sweep (handler and manager, twice); one ledger event per incident (one clock each).
    assert Notification.objects.filter(kind="incidents.clock").count() == 2 * 2
    assert LedgerEvent.objects.filter(action="incidents.incident.remind").count() == 2 + 8


def test_the_sweep_pauses_the_garbage_collector_and_always_turns_it_back_on(clock, handler, chatbot, monkeypatch):
    import gc

    from aims.incidents.services import regimes

    incident = report(handler, [chatbot], personal_data_breach=True, aware_at=clock.time)
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    seen = []
    real_notify = regimes.notify_many
    monkeypatch.setattr(regimes, "notify_many", lambda reminders: seen.append(gc.isenabled()) or real_notify(reminders))
    assert gc.isenabled()
    assert services.send_reminders(now=clock.time + timedelta(hours=40)) == 1
    assert seen == [False] and gc.isenabled()

    def fail(reminders):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(regimes, "notify_many", fail)
    clock.time += timedelta(hours=20)
    with pytest.raises(RuntimeError):
        services.send_reminders(now=clock.time + timedelta(hours=40))
    assert gc.isenabled()  # back on after a failed sweep
    monkeypatch.setattr(regimes, "notify_many", real_notify)
    gc.disable()  # a process that turned it off itself keeps it off
    try:
        assert services.send_reminders(now=clock.time + timedelta(hours=40)) == 1
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_deadlines_reached_together_make_one_reminder_per_person_naming_the_nearest(clock, handler, manager, chatbot,
                                                                                   client):
    first = report(handler, [chatbot], personal_data_breach=True, aware_at=NOW)
    services.apply_regime(actor=handler, incident=first, regime="gdpr_art33")
    clock.time = NOW + timedelta(hours=10)
    second = report(handler, [chatbot], personal_data_breach=True, aware_at=NOW + timedelta(hours=10))
    services.apply_regime(actor=handler, incident=second, regime="gdpr_art33")

    assert services.send_reminders(now=NOW + timedelta(hours=80)) == 2  # the first passed, the second at 80 %
    notes = Notification.objects.filter(kind="incidents.clock")
    assert sorted(n.recipient_id for n in notes) == sorted([handler.pk, manager.pk])
    note = notes.get(recipient=handler)
    assert note.title == "2 regulatory deadlines need you, 1 of them passed"
    assert f"The nearest: Notification to the supervisory authority of {first.reference}" in note.body
    assert note.url == "/incidents/clocks/"
    for person in (handler, manager):  # the deadlines page opens for each, listing both deadlines with their links
        client.force_login(person)
        page = client.get(note.url).content.decode()
        assert all(f"#clock-{incident.clocks.get().pk}" in page for incident in (first, second))
    with translation.override("fr"):
        assert note.display_title == "2 échéances réglementaires vous attendent, dont 1 hors délai"
    events = LedgerEvent.objects.filter(action="incidents.incident.remind")
    assert sorted(e.object_label.split(" · ")[0] for e in events) == sorted([first.reference, second.reference])
    assert all(sorted(e.after_data["people"]) == sorted([handler.pk, manager.pk]) for e in events)

    # Later, a single deadline reached: its reminder names it and opens it.
    clock.time = NOW + timedelta(hours=83)
    assert services.send_reminders(now=NOW + timedelta(hours=83)) == 1
    latest = Notification.objects.filter(kind="incidents.clock", recipient=handler).order_by("-id").first()
    assert latest.title.startswith(f"Deadline passed: Notification to the supervisory authority of {second.reference}")
    assert latest.url == second.clocks.get().get_absolute_url()


def test_a_submission_stops_the_clock_keeps_the_report_as_evidence_and_enters_the_timeline(
        clock, handler, chatbot):
    incident = report(handler, [chatbot], personal_data_breach=True)
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    gdpr = incident.clocks.get()
    clock.time = NOW + timedelta(hours=20)
    submission = services.record_submission(
        actor=handler, clock=gdpr, authority="CNIL", reference="CNIL-NOTIF-42",
        report=SimpleUploadedFile("notification.pdf", b"%PDF-1.7\n% the notification"))
    gdpr.refresh_from_db()
    assert (gdpr.state, gdpr.late, gdpr.submitted_at, gdpr.next_reminder_at) == ("submitted", False,
                                                                                 NOW + timedelta(hours=20), None)
    assert (submission.submitted_by, submission.authority, submission.reference) == (handler, "CNIL", "CNIL-NOTIF-42")
    assert submission.evidence is not None and submission.evidence.links.get().object_id == str(incident.pk)
    notified = incident.timeline.get(kind=TimelineEntry.Kind.NOTIFIED)
    assert notified.at == NOW + timedelta(hours=20) and "CNIL-NOTIF-42" in notified.source
    assert not Task.objects.filter(source=f"incidents.clock.{gdpr.pk}", done_at__isnull=True).exists()
    assert services.send_reminders(now=NOW + timedelta(days=5)) == 0


def test_a_late_submission_needs_its_reason(clock, handler, chatbot):
    incident = report(handler, [chatbot], personal_data_breach=True, aware_at=NOW)
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    gdpr = incident.clocks.get()
    clock.time = NOW + timedelta(hours=80)
    with pytest.raises(ValidationError) as refused:
        services.record_submission(actor=handler, clock=gdpr, authority="CNIL", reference="R-1")
    assert "late_reason" in refused.value.message_dict
    assert not Submission.objects.exists()
    services.record_submission(actor=handler, clock=gdpr, authority="CNIL", reference="R-1",
                               late_reason="The processor told us on day 3.")
    gdpr.refresh_from_db()
    assert gdpr.late and gdpr.submissions.get().late_reason == "The processor told us on day 3."


def test_only_an_incomplete_report_where_the_catalogue_allows_it(clock, handler, chatbot, credit):
    incident = report(handler, [chatbot, credit], personal_data_breach=True, serious_incident=True)
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    services.apply_regime(actor=handler, incident=incident, regime="ai_act_art73")
    with pytest.raises(ValidationError):
        services.record_submission(actor=handler, clock=incident.clocks.get(regime="gdpr_art33"), authority="CNIL",
                                   complete=False)
    art73 = incident.clocks.get(regime="ai_act_art73")
    services.record_submission(actor=handler, clock=art73, authority="Market surveillance", complete=False)
    assert art73.submissions.get().complete is False


def test_an_incidents_deadlines_reached_together_make_one_ledger_event_read_on_its_history(
        clock, handler, manager, chatbot, client):
    services.update_profile(actor=manager, changes={"nis2_entity": "important"})
    incident = report(handler, [chatbot], significant_incident=True, personal_data_breach=True, aware_at=NOW)
    services.apply_regime(actor=handler, incident=incident, regime="nis2_art23")
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    running = incident.clocks.filter(state="running")
    assert running.count() == 3  # NIS2's early warning and notification, GDPR's notification

    assert services.send_reminders(now=NOW + timedelta(hours=100)) == 3
    event = LedgerEvent.objects.get(action="incidents.incident.remind")
    assert event.object_id == str(incident.pk) and event.object_label == str(incident)
    assert sorted(d["clock"] for d in event.after_data["deadlines"]) == sorted(running.values_list("pk", flat=True))
    assert sorted(event.after_data["people"]) == sorted([handler.pk, manager.pk])

    client.force_login(handler)
    url = reverse("history", args=["incidents.incident", incident.pk])
    page = html.unescape(client.get(url).content.decode())
    assert "Deadline reminders sent" in page and "Deadlines reminded" in page
    assert "Notification to the supervisory authority: 50 %, 80 %, 100 %" in page
    assert str(manager) in page and "incidents.incident.remind" not in page and "gdpr_art33" not in page
    handler.language = "fr"
    handler.save(update_fields=["language"])
    page = html.unescape(client.get(url).content.decode())
    assert "Rappels d'échéance envoyés" in page and "Échéances rappelées" in page
    assert "Notification à l'autorité de contrôle : 50 %, 80 %, 100 %" in page


def test_a_waiting_clock_takes_no_submission_and_a_viewer_none_at_all(clock, handler, viewer, manager, chatbot):
    services.update_profile(actor=manager, changes={"nis2_entity": "important"})
    incident = report(handler, [chatbot], significant_incident=True)
    services.apply_regime(actor=handler, incident=incident, regime="nis2_art23")
    with pytest.raises(ValidationError):
        services.record_submission(actor=handler, clock=incident.clocks.get(deadline="final_report"), authority="X")
    with pytest.raises(PermissionDenied):
        services.record_submission(actor=viewer, clock=incident.clocks.get(deadline="early_warning"), authority="X")


def test_closing_waits_for_every_regime_decided_and_every_clock_stopped(clock, handler, chatbot):
    # Medium: below the catalogue's threshold for a post-incident review (test_post_incident_review.py).
    incident = report(handler, [chatbot], personal_data_breach=True, severity="medium")
    services.change_status(actor=handler, incident=incident, status="contained")
    services.change_status(actor=handler, incident=incident, status="resolved")
    with pytest.raises(ValidationError):
        services.change_status(actor=handler, incident=incident, status="closed", reason="Reviewed")
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    with pytest.raises(ValidationError):
        services.change_status(actor=handler, incident=incident, status="closed", reason="Reviewed")
    services.record_submission(actor=handler, clock=incident.clocks.get(), authority="CNIL")
    with pytest.raises(ValidationError):
        services.change_status(actor=handler, incident=incident, status="closed", reason="")
    services.change_status(actor=handler, incident=incident, status="closed", reason="Reviewed on 12 March")
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_at == NOW
    assert list(incident.timeline.values_list("kind", flat=True)) == [
        "detected", "aware", "contained", "resolved", "notified", "closed"]
    with pytest.raises(ValidationError):
        services.update_incident(actor=handler, incident=incident, changes={"title": "Renamed"})


def test_a_regime_not_proposed_can_be_applied_with_a_reason(clock, handler, chatbot):
    incident = report(handler, [chatbot])
    with pytest.raises(ValidationError):
        services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33",
                          reason="Logs with e-mail addresses were in the leaked prompt history.")
    assert regimes(incident) == {"gdpr_art33": "applied"}
    with pytest.raises(ValidationError):
        services.apply_regime(actor=handler, incident=incident, regime="no_such_regime", reason="x")


def test_dismissing_an_applied_regime_cancels_its_clocks_unless_a_report_was_sent(clock, handler, manager, chatbot):
    services.update_profile(actor=manager, changes={"nis2_entity": "important"})
    incident = report(handler, [chatbot], significant_incident=True)
    decision = services.apply_regime(actor=handler, incident=incident, regime="nis2_art23")
    services.record_submission(actor=handler, clock=incident.clocks.get(deadline="early_warning"), authority="CSIRT")
    with pytest.raises(ValidationError):
        services.dismiss_regime(actor=handler, decision=decision, reason="Not significant after all")
    other = report(handler, [chatbot], significant_incident=True)
    decision = services.apply_regime(actor=handler, incident=other, regime="nis2_art23")
    services.dismiss_regime(actor=handler, decision=decision, reason="Not significant after all")
    assert set(other.clocks.values_list("state", flat=True)) == {Clock.State.CANCELLED}
    assert RegimeDecision.objects.get(pk=decision.pk).state == "dismissed"
