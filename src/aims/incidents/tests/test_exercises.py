"""Crisis exercises (issue 12 point 8): planned from a scenario of catalogs/crisis.yaml (its injects copied onto the
exercise's timeline, their words read in the reader's language), participants in the cell's roles, measured times
computed from the moments recorded, findings and actions with owners; planned, running, completed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from aims.core.models import Task
from aims.core.testing import person_with_role
from aims.incidents import crisis_catalog, services
from aims.incidents.models import Exercise

pytestmark = pytest.mark.django_db


@pytest.fixture
def player(org):
    return person_with_role("contributor", org["north"], first_name="Paula", last_name="Player")


@pytest.fixture
def planned(org, handler, chatbot):
    return services.plan_exercise(actor=handler, title="Injection tabletop", scenario="prompt_injection",
                                  unit=org["north"], lead=handler, system=chatbot,
                                  planned_for=timezone.now() - timedelta(hours=3))


def test_every_scenario_of_the_issue_is_in_the_catalogue_in_both_languages():
    assert {"poisoning", "evasion", "extraction", "prompt_injection", "supplier_compromise"} <= set(
        crisis_catalog.scenario_keys())
    for scenario in crisis_catalog.scenarios("en"):
        french = crisis_catalog.scenario(scenario["key"], "fr")
        assert scenario["injects"] and french["label"] != scenario["label"]
        assert [i["minutes"] for i in scenario["injects"]] == sorted(i["minutes"] for i in scenario["injects"])


def test_planning_copies_the_scenarios_injects_and_words_follow_the_reader(planned, handler):
    injects = list(planned.injects.order_by("minutes", "id"))
    expected = crisis_catalog.scenario("prompt_injection", "en")["injects"]
    assert [i.minutes for i in injects] == [i["minutes"] for i in expected]
    assert injects[0].words("en") == expected[0]["text"]
    assert injects[0].words("fr") == crisis_catalog.scenario("prompt_injection", "fr")["injects"][0]["text"]
    own = services.add_inject(actor=handler, exercise=planned, minutes=5, text="The CEO calls.")
    assert own.words("fr") == "The CEO calls."
    assert planned.status == Exercise.Status.PLANNED


def test_measured_times_come_from_the_recorded_moments(planned, handler):
    start = planned.planned_for
    exercise = services.start_exercise(actor=handler, exercise=planned, at=start)
    with pytest.raises(ValidationError):
        services.record_moment(actor=handler, exercise=exercise, moment="detected", at=start - timedelta(minutes=1))
    services.record_moment(actor=handler, exercise=exercise, moment="detected", at=start + timedelta(minutes=18))
    services.record_moment(actor=handler, exercise=exercise, moment="contained", at=start + timedelta(minutes=52))
    services.record_moment(actor=handler, exercise=exercise, moment="notified", at=start + timedelta(minutes=95))
    exercise = services.complete_exercise(actor=handler, exercise=exercise, at=start + timedelta(hours=2),
                                          summary="Good")
    assert exercise.status == Exercise.Status.COMPLETED
    assert exercise.time_to_detect == timedelta(minutes=18)
    assert exercise.time_to_contain == timedelta(minutes=52)
    assert exercise.time_to_notify == timedelta(minutes=95)
    with pytest.raises(ValidationError):
        services.add_inject(actor=handler, exercise=exercise, minutes=1, text="Too late")
    with pytest.raises(ValidationError):
        services.start_exercise(actor=handler, exercise=exercise)


def test_findings_and_actions_with_owners_who_get_a_task(planned, handler, player):
    with pytest.raises(ValidationError):
        services.add_finding(actor=handler, exercise=planned, text="Before the start")
    services.start_exercise(actor=handler, exercise=planned)
    services.add_participant(actor=handler, exercise=planned, person=player, role="technical_lead")
    with pytest.raises(ValidationError):
        services.add_participant(actor=handler, exercise=planned, person=player, role="communications")
    gap = services.add_finding(actor=handler, exercise=planned, text="Nobody knew the retrieval sources")
    action = services.add_exercise_action(actor=handler, exercise=planned, finding=gap, owner=player,
                                          title="List the sources", due_date=timezone.localdate() + timedelta(days=9))
    task = Task.objects.get(assignee=player, source=f"incidents.exercise_action.{action.pk}")
    assert task.done_at is None
    services.complete_exercise_action(actor=player, action=action, note="Listed on the record")
    task.refresh_from_db()
    assert task.done_at is not None


def test_a_viewer_cannot_plan_or_change_an_exercise(org, viewer, planned):
    with pytest.raises(PermissionDenied):
        services.plan_exercise(actor=viewer, title="Mine", scenario="evasion", unit=org["north"], lead=viewer,
                               planned_for=timezone.now())
    with pytest.raises(PermissionDenied):
        services.start_exercise(actor=viewer, exercise=planned)


def test_pages_plan_run_and_complete_an_exercise(client, org, handler, player):
    client.force_login(handler)
    empty = client.get(reverse("incidents:exercise_list")).content.decode()
    assert "No crisis exercise yet." in empty
    response = client.post(reverse("incidents:exercise_create"), {
        "title": "Supplier drill", "scenario": "supplier_compromise", "unit": org["north"].pk, "lead": handler.pk,
        "planned_for": (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    exercise = Exercise.objects.get()
    assert response.status_code == 302 and response["Location"] == exercise.get_absolute_url()
    page = client.get(exercise.get_absolute_url()).content.decode()
    assert "weights served between two dates" in page
    assert client.post(reverse("incidents:exercise_start", args=[exercise.pk])).status_code == 302
    assert client.post(reverse("incidents:exercise_moment", args=[exercise.pk]), {"moment": "detected"}
                       ).status_code == 302
    assert client.post(reverse("incidents:exercise_participant_add", args=[exercise.pk]),
                       {"person": player.pk, "role": "communications"}).status_code == 302
    assert client.post(reverse("incidents:exercise_finding_add", args=[exercise.pk]),
                       {"kind": "gap", "text": "No list of systems using the model"}).status_code == 302
    assert client.post(reverse("incidents:exercise_action_add", args=[exercise.pk]),
                       {"title": "Keep the model's users listed", "owner": player.pk}).status_code == 302
    assert client.post(reverse("incidents:exercise_complete", args=[exercise.pk]), {"summary": "Slow to scope"}
                       ).status_code == 302
    exercise.refresh_from_db()
    assert exercise.status == "completed" and exercise.detected_at is not None
    page = client.get(exercise.get_absolute_url()).content.decode()
    assert "Keep the model&#x27;s users listed" in page and "Communications" in page and "Time to detect" in page
    listing = client.get(reverse("incidents:exercise_list")).content.decode()
    assert "Compromise of an AI supplier" in listing and "Completed" in listing


def test_the_exercise_list_has_a_fixed_number_of_queries(client, org, handler, django_assert_max_num_queries):
    def plan(count):
        for number in range(count):
            services.plan_exercise(actor=handler, title=f"Drill {number}", scenario="evasion", unit=org["north"],
                                   lead=handler, planned_for=timezone.now())
    plan(2)
    client.force_login(handler)
    with django_assert_max_num_queries(12) as captured:
        assert client.get(reverse("incidents:exercise_list")).content.decode().count("data-exercise=") == 2
    plan(5)
    with django_assert_max_num_queries(len(captured.captured_queries)):
        assert client.get(reverse("incidents:exercise_list")).content.decode().count("data-exercise=") == 7


def test_the_api_plans_runs_and_measures_an_exercise(client, org, handler, player, viewer):
    import json

    def call(method, path, body=None):
        response = client.generic(method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")
        return response.status_code, response.json() if response.content else None

    body = {"title": "Extraction drill", "scenario": "extraction", "unit_id": org["north"].pk, "lead_id": handler.pk,
            "planned_for": (timezone.now() - timedelta(hours=2)).isoformat(),
            "participants": [{"person_id": player.pk, "role": "technical_lead"}]}
    client.force_login(viewer)
    assert call("POST", "/exercises", body)[0] == 403
    client.force_login(handler)
    status, exercise = call("POST", "/exercises", body)
    assert status == 201 and exercise["status"] == "planned" and len(exercise["injects"]) == 3
    assert exercise["participants"][0]["person_id"] == player.pk
    start = timezone.now() - timedelta(hours=1)
    assert call("POST", f"/exercises/{exercise['id']}/start", {"at": start.isoformat()})[0] == 200
    status, measured = call("POST", f"/exercises/{exercise['id']}/moments",
                            {"moment": "contained", "at": (start + timedelta(minutes=40)).isoformat()})
    assert status == 200 and measured["minutes_to_contain"] == 40.0 and measured["minutes_to_detect"] is None
    status, finding = call("POST", f"/exercises/{exercise['id']}/findings", {"text": "No rate limit on the API"})
    assert status == 201
    status, action = call("POST", f"/exercises/{exercise['id']}/actions",
                          {"title": "Rate-limit partner accounts", "owner_id": player.pk, "finding_id": finding["id"]})
    assert status == 201 and action["finding_id"] == finding["id"]
    assert call("POST", f"/exercises/{exercise['id']}/complete", {"summary": "Done"})[1]["status"] == "completed"
    client.force_login(player)
    status, done = call("POST", f"/exercise-actions/{action['id']}/done", {"note": "Limited to 10 req/s"})
    assert status == 200 and done["status"] == "done"
    status, listed = call("GET", "/exercises?status=completed")
    assert status == 200 and listed["count"] == 1
