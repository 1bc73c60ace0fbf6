"""The crisis demo: the past incident's crisis cell, stood down with its logs; one completed exercise with its measured
times, findings and actions."""

from datetime import timedelta

import pytest
from django.test import Client

from aims.incidents.demo import PAST_TITLE
from aims.incidents.demo_crisis import EXERCISE_TITLE
from aims.incidents.models import Exercise, Incident

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_stood_down_crisis_and_a_completed_exercise(demo_admin):
    admin = demo_admin
    past = Incident.objects.get(title=PAST_TITLE)
    crisis = past.crisis
    assert crisis.status == "stood_down" and crisis.stood_down_at < past.closed_at
    assert crisis.checklist.filter(done_at=None).count() == 0
    assert crisis.decisions.count() == 2 and crisis.communications.count() == 2
    assert crisis.members.filter(role="crisis_lead").exists()
    exercise = Exercise.objects.get(title=EXERCISE_TITLE)
    assert exercise.status == "completed" and exercise.scenario == "prompt_injection"
    assert exercise.time_to_detect == timedelta(minutes=18) and exercise.time_to_notify == timedelta(minutes=95)
    assert exercise.findings.count() == 2 and exercise.actions.filter(status="open").count() == 1
    client = Client()
    client.force_login(admin)
    page = client.get(past.get_absolute_url()).content.decode()
    assert crisis.get_absolute_url() in page
    assert EXERCISE_TITLE in client.get("/incidents/exercises/").content.decode()
