"""The incidents demo: the past incident with its controlled downgrade lifted, its GDPR notification and its closure;
the open one with its clock running and a human takeover in force, shown on the chatbot's page."""

import pytest
from django.test import Client
from django.urls import reverse

from aims.incidents.demo import OPEN_TITLE, PAST_TITLE
from aims.incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_the_demo_incidents_carry_their_containment_decisions(demo_admin):
    admin = demo_admin
    past = Incident.objects.get(title=PAST_TITLE)
    assert past.status == "closed"
    downgrade = past.containment.get()
    assert downgrade.kind == "degraded_mode" and not downgrade.in_force and downgrade.lifted_at < past.closed_at
    current = Incident.objects.get(title=OPEN_TITLE)
    takeover = current.containment.get(in_force=True)
    assert takeover.kind == "human_takeover"
    client = Client()
    client.force_login(admin)
    panel = client.get(reverse("incidents:system_panel", args=[takeover.system_id]) + "?partial=1").content.decode()
    assert "Human takeover" in panel and current.reference in panel


def test_the_demo_vulnerability_affects_several_systems_and_a_researcher_reported_it(demo_admin):
    from aims.incidents import queries
    from aims.incidents.demo import VULNERABILITY_TITLE
    from aims.incidents.demo_disclosure import SUMMARY
    from aims.incidents.models import DisclosureCase, Vulnerability

    admin = demo_admin
    vulnerability = Vulnerability.objects.get(title=VULNERABILITY_TITLE)
    assert vulnerability.is_open
    # The chat model is shared: the chatbot, the self-service assistant and the portfolio's systems built on it.
    assert len(queries.vulnerable_systems(vulnerability, admin)) >= 2
    case = DisclosureCase.objects.get(summary=SUMMARY)
    assert case.vulnerability == vulnerability and case.status == "confirmed" and case.embargo_until
    assert case.reporter_name and list(case.messages.values_list("author_kind", flat=True)) == ["reporter", "staff"]
    advisory = vulnerability.advisory
    assert advisory.status == "draft" and advisory.title_fr and advisory.credit == case.reporter_name
