"""Roles see what they can act on: the home page tells each person what waits for them, and never asks a viewer to
decide what he cannot; viewers read the journal, everyone else who may see an object writes in it (auditors' notes are
their working notes)."""

import pytest
from django.urls import reverse

from aims.core.testing import person_with_role
from aims.inventory import services as inventory
from aims.risks import services as risks

pytestmark = pytest.mark.django_db

TO_DECIDE = ("risks.suggestions", "risks.reviews", "inventory.reclassify")


@pytest.fixture
def world(org):
    north = org["north"]
    people = {role: person_with_role(role, None if role in ("risk_manager", "auditor") else north)
              for role in ("aims_manager", "risk_manager", "system_owner", "contributor", "auditor", "viewer")}
    risks.load_builtin_catalogs(actor=None)
    risks.load_default_method(actor=None)
    system = inventory.create_system(actor=people["aims_manager"], name="Public chatbot", unit=north,
                                     owner=people["system_owner"], external_exposure="public", personal_data=True)
    return people, system


def cards(client, person) -> dict[str, str]:
    client.force_login(person)
    response = client.get(reverse("home"))
    return {card["key"]: card["count"] for card in response.context["module_cards"]}


def test_a_viewer_reads_figures_but_is_not_asked_to_decide(client, world):
    people, _system = world
    shown = cards(client, people["viewer"])
    assert "inventory.systems" in shown and "risks.above_appetite" in shown
    assert not set(TO_DECIDE) & set(shown)
    assert not set(TO_DECIDE) & set(cards(client, people["auditor"]))


def test_the_risk_manager_sees_the_suggested_risks_waiting_for_her(client, world):
    from aims.risks.models import RiskSuggestion

    people, system = world
    waiting = RiskSuggestion.objects.filter(system=system, status="pending").count()
    assert waiting >= 2  # a public chatbot on personal data gets the rules' suggestions
    assert cards(client, people["risk_manager"])["risks.suggestions"] == waiting
    assert cards(client, people["system_owner"])["risks.suggestions"] == waiting
    page = client.get(reverse("home")).content.decode()
    assert "suggested risks to decide" in page


def test_viewers_read_the_journal_others_write_in_it(client, world):
    people, system = world
    url = reverse("journal", args=["inventory.aisystem", system.pk])
    client.force_login(people["viewer"])
    assert "Add note" not in client.get(f"{system.get_absolute_url()}?tab=journal").content.decode()
    assert client.post(url, {"body": "I think this is wrong"}).status_code == 403
    assert client.post(f"/api/v1/journal/inventory.aisystem/{system.pk}/notes", {"body": "x"},
                       content_type="application/json").status_code == 403
    for role in ("auditor", "contributor", "risk_manager"):
        client.force_login(people[role])
        assert "Add note" in client.get(f"{system.get_absolute_url()}?tab=journal").content.decode()
        assert client.post(url, {"body": f"Working note of the {role}"}).status_code == 302
