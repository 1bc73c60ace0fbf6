"""Facts stored, words rendered: a risk review keeps why it was asked for as facts (the product's message and its
values, or what a person typed) and each reader reads it in their language (aims.risks.review_reasons)."""

import importlib
import re
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import formats, timezone, translation

from aims.core.models import Notification
from aims.core.testing import person_with_role
from aims.core.tests.api_helpers import call
from aims.inventory import services as inventory
from aims.inventory.models import Stage
from aims.risks import services, tasks
from aims.risks.models import RiskReview
from aims.risks.review_reasons import render

pytestmark = pytest.mark.django_db

migration = importlib.import_module("aims.risks.migrations.0007_review_facts")


def template_words(message: str) -> list[str]:
    """The English words of a message around its values ("Major change of", ...)."""
    return [part.strip(" .:“”()") for part in re.split(r"%\(\w+\)s", message) if len(part.strip(" .:“”()")) > 3]


def _go_live(org, owner, make_risk, committee):
    manager = person_with_role("aims_manager")
    system = inventory.create_system(actor=manager, name="Scoring", unit=org["north"], owner=owner)
    risk = make_risk(systems=[system])
    inventory.move_to_stage(actor=manager, system=system, stage=Stage.DEPLOYMENT, justification="urgent fix")
    return risk, "Scoring"


def _major_change(org, owner, make_risk, committee):
    system = inventory.create_system(actor=owner, name="Chatbot", unit=org["north"], owner=owner,
                                     technical_lead=person_with_role("viewer", org["north"]),
                                     business_referent=person_with_role("viewer", org["north"]))
    risk = make_risk(systems=[system])
    decision = inventory.request_change(actor=owner, system=system, kind="major_update",
                                        description="Switch to a larger model")
    inventory.approve_change(actor=committee, decision=decision)
    inventory.make_change_effective(actor=owner, decision=decision)
    return risk, "Switch to a larger model"


def _periodic(org, owner, make_risk, committee):
    risk = make_risk(inherent_likelihood=3, inherent_impact=3)
    assert tasks.open_periodic_reviews(on=risk.next_review_date) == 1
    return risk, ""


def _acceptance_expired(org, owner, make_risk, committee):
    risk = make_risk(inherent_likelihood=1, inherent_impact=2)
    soon = timezone.localdate() + timedelta(days=10)
    services.accept_risk(actor=owner, risk=risk, rationale="Low", expires_on=soon)
    assert tasks.expire_acceptances(on=soon + timedelta(days=1)) == 1
    return risk, ""


@pytest.mark.parametrize("trigger", [_go_live, _major_change, _periodic, _acceptance_expired],
                         ids=["go_live", "major_change", "periodic", "acceptance_expired"])
def test_a_review_from_each_trigger_reads_in_french_and_in_english(trigger, org, owner, make_risk, committee, client):
    risk, value = trigger(org, owner, make_risk, committee)
    review = RiskReview.objects.get(risk=risk)
    [fact] = review.facts
    assert fact["source"] == review.source and fact["message"] and "text" not in fact
    assert review.reason == ""  # nobody typed anything
    with translation.override("en"):
        english = review.reason_text
    with translation.override("fr"):
        french = review.reason_text
    assert value in english and value in french and english != french
    for words in template_words(fact["message"]):
        assert words in english and words not in french, words
    if review.source == "periodic":  # a date reads in each reader's date format
        day = date.fromisoformat(fact["params"]["date"]["date"])
        with translation.override("fr"):
            assert formats.date_format(day, "DATE_FORMAT") in french and day.isoformat() not in english
    # The owner's page and the reviews to do show the words in the reader's language.
    owner.language = "fr"
    owner.save(update_fields=["language"])
    client.force_login(owner)
    page = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    for words in template_words(fact["message"]):
        assert words not in page
    # The notification quotes the reason as a fact: rendered in the owner's language when shown.
    notification = Notification.objects.filter(recipient=owner, title_message__startswith="A review of").latest("id")
    assert notification.params["reason"]["message"] == fact["message"]


def test_typed_text_is_kept_as_typed_and_later_events_read_after_their_label(owner, make_risk, make_system):
    system = make_system()
    risk = make_risk(systems=[system])
    services.request_risk_review(actor=owner, risk=risk, reason="New jailbreak technique published")
    manager = person_with_role("aims_manager")
    inventory.move_to_stage(actor=manager, system=system, stage=Stage.DEPLOYMENT, justification="fix")
    review = RiskReview.objects.get(risk=risk)
    assert [f["source"] for f in review.facts] == ["manual", "go_live"]
    assert review.reason == "New jailbreak technique published"
    with translation.override("fr"):
        label = str(RiskReview.Source.GO_LIVE.label)
        first, second = review.reason_text.split("\n")
    assert first == "New jailbreak technique published" and second.startswith(f"{label}: ")
    assert "is going live" not in second


def test_the_api_returns_the_facts_the_typed_text_and_the_words(client, owner, make_risk, make_system):
    system = make_system()
    risk = make_risk(systems=[system])
    inventory.move_to_stage(actor=person_with_role("aims_manager"), system=system, stage=Stage.DEPLOYMENT,
                            justification="fix")
    client.force_login(owner)
    [row] = call(client, "GET", f"/risks/{risk.pk}/reviews").json()
    assert row["facts"] == [{"source": "go_live", "message": "%(system)s is going live.",
                             "params": {"system": str(system)}}]
    assert row["reason"] == "" and row["reason_text"] == f"{system} is going live."


def test_the_migration_turns_stored_sentences_into_facts_and_keeps_the_rest_as_typed(make_risk):
    risk = make_risk()
    stored = ("Major change of Scoring: New model\n[incident] Incident INC-42: prompt injection\n"
              "[periodic] Periodic review due on 2026-03-01\n[supplier_change] Acme: Model change (2026-02-01): v5\n"
              "[kpi_breach] Accuracy is 0.7, beyond its critical threshold of 0.8.\n"
              "[drift] Dérive sur 2 colonnes sur 5 (age, income).")
    legacy = RiskReview.objects.create(risk=risk, source="major_change", reason=stored, due_date=date(2026, 4, 1))
    typed = RiskReview.objects.create(risk=make_risk(), source="manual", reason="Use case withdrawn",
                                      due_date=date(2026, 4, 1), status="completed")
    migration.convert(apps, None)
    legacy.refresh_from_db()
    typed.refresh_from_db()
    assert [(f["source"], f.get("message")) for f in legacy.facts] == [
        ("major_change", "Major change of %(system)s: %(description)s"),
        ("incident", None),
        ("periodic", "Periodic review due on %(date)s"),
        ("supplier_change", "%(supplier)s: %(kind)s (%(date)s): %(description)s"),
        ("kpi_breach", "%(kpi)s is %(value)s, beyond its %(level)s threshold of %(threshold)s."),
        ("drift", "Drift in %(drifted)s of %(tested)s columns (%(columns)s)."),
    ]
    assert legacy.facts[3]["params"] == {"supplier": "Acme", "kind": {"message": "Model change"},
                                         "date": {"date": "2026-02-01"}, "description": "v5"}
    assert legacy.reason == "Incident INC-42: prompt injection"  # not recognised: kept as typed
    assert typed.facts == [{"source": "manual", "text": "Use case withdrawn"}] and typed.reason == "Use case withdrawn"
    with translation.override("fr"):
        french = render(legacy.facts)
    for words in ("Major change of", "Periodic review due", "Model change", "beyond its", "critical"):
        assert words not in french
    assert "Scoring" in french and "New model" in french and "1 mars 2026" in french
    with translation.override("en"):
        assert render(legacy.facts).startswith("Major change of Scoring: New model\nIncident: Incident INC-42")
    # And back: the old text again (a date in its stored form).
    migration.back(apps, None)
    legacy.refresh_from_db()
    assert legacy.reason.startswith("Major change of Scoring: New model\n[incident] Incident INC-42: prompt injection\n"
                                    "[periodic] Periodic review due on 2026-03-01\n")
