"""A risk's pages: create and edit (scores chosen from the method's labels, levels computed), stale edits, treatment
actions, acceptance refused without authority, reviews, and the History/Journal tabs."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.risks import services
from aims.risks.models import Risk, RiskAcceptance, RiskReview, TreatmentAction

pytestmark = pytest.mark.django_db


def edit_data(risk, **changes) -> dict:
    data = {"version": risk.version, "title": risk.title, "category": risk.category, "owner": risk.owner_id,
            "unit": risk.unit_id or "", "inherent_likelihood": risk.inherent_likelihood or "",
            "inherent_impact": risk.inherent_impact or "", "residual_likelihood": risk.residual_likelihood or "",
            "residual_impact": risk.residual_impact or "", "systems": list(risk.systems.values_list("pk", flat=True))}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_create_page_offers_scale_labels_and_records_a_scored_risk(client, owner, method, make_system):
    system = make_system()
    client.force_login(owner)
    form = client.get(reverse("risks:risk_create"), {"system": system.pk}).content.decode()
    assert ">3 · Likely</option>" in form and ">4 · Severe</option>" in form
    assert f'<option value="{system.pk}" selected>' in form
    response = client.post(reverse("risks:risk_create"), {
        "title": "Prompt injection", "category": "security", "owner": owner.pk, "systems": [system.pk],
        "event": "A user makes the bot ignore its instructions", "inherent_likelihood": 3, "inherent_impact": 3})
    risk = Risk.objects.get(title="Prompt injection")
    assert response.status_code == 302 and response["Location"] == reverse("risks:risk_detail", args=[risk.pk])
    assert (risk.inherent_level, risk.above_appetite, risk.unit_id) == ("high", True, system.unit_id)
    assert LedgerEvent.objects.filter(action="risks.risk.create", object_id=str(risk.pk), actor=owner).exists()
    detail = client.get(response["Location"]).content.decode()
    assert 'data-above-appetite="yes"' in detail and 'class="level-chip lvl-ef6c00" data-level="high"' in detail


def test_create_without_unit_or_system_says_so_next_to_the_unit(client, owner, method):
    client.force_login(owner)
    page = client.post(reverse("risks:risk_create"), {"title": "Orphan", "category": "security",
                                                      "owner": owner.pk}).content.decode()
    assert "Choose a unit or link an AI system in your scope." in page
    assert not Risk.objects.exists()


def test_pages_refuse_people_without_the_right(client, org, make_risk):
    risk = make_risk()
    viewer = person_with_role("viewer", org["north"])
    client.force_login(viewer)
    assert client.get(reverse("risks:risk_detail", args=[risk.pk])).status_code == 200
    assert client.get(reverse("risks:risk_create")).status_code == 403
    # A risk the viewer may read but not change: 403, which names its owner (a risk out of sight stays 404).
    assert client.get(reverse("risks:risk_edit", args=[risk.pk])).status_code == 403
    assert client.post(reverse("risks:action_add", args=[risk.pk]), {"title": "x"}).status_code == 403
    client.force_login(person_with_role("system_owner", org["south"]))
    assert client.get(reverse("risks:risk_detail", args=[risk.pk])).status_code == 404


def test_edit_rescoring_lowers_the_residual_level_and_is_ledgered(client, owner, make_risk):
    risk = make_risk(inherent_likelihood=3, inherent_impact=3)
    client.force_login(owner)
    response = client.post(reverse("risks:risk_edit", args=[risk.pk]),
                           edit_data(risk, residual_likelihood=2, residual_impact=2, reason="Filter deployed"))
    assert response.status_code == 302
    risk.refresh_from_db()
    assert (risk.inherent_level, risk.residual_level, risk.above_appetite) == ("high", "medium", False)
    event = LedgerEvent.objects.get(action="risks.risk.assess", object_id=str(risk.pk))
    assert event.reason == "Filter deployed" and event.after_data["residual_level"] == "medium"


def test_stale_edit_is_refused_with_a_message_and_changes_nothing(client, owner, make_risk):
    risk = make_risk(inherent_likelihood=2, inherent_impact=2)
    stale = edit_data(risk, title="My title")
    services.update_risk(actor=owner, risk=risk, changes={"title": "Their title"})
    client.force_login(owner)
    page = client.post(reverse("risks:risk_edit", args=[risk.pk]), stale).content.decode()
    assert "Someone else changed this record while you were editing it" in page
    assert Risk.objects.get(pk=risk.pk).title == "Their title"


def test_level_preview_computes_the_level(client, owner, method):
    client.force_login(owner)
    page = client.get(reverse("risks:level_preview"), {"method": method.pk, "prefix": "inherent", "category": "privacy",
                                                       "inherent_likelihood": 2, "inherent_impact": 3}).content.decode()
    assert 'data-level="medium"' in page and "above appetite" in page  # privacy appetite is "low"
    blank = client.get(reverse("risks:level_preview"), {"method": method.pk, "prefix": "inherent"}).content.decode()
    assert "Choose a likelihood and an impact" in blank


def test_treatment_decision_and_actions_from_the_detail_page(client, owner, make_risk):
    risk = make_risk(inherent_likelihood=3, inherent_impact=3)
    client.force_login(owner)
    client.post(reverse("risks:risk_treatment", args=[risk.pk]),
                {"version": risk.version, "treatment": "reduce", "treatment_rationale": "Filter the prompts"})
    risk.refresh_from_db()
    assert (risk.treatment, risk.status) == ("reduce", "treated")
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    client.post(reverse("risks:action_add", args=[risk.pk]),
                {"title": "Deploy an input filter", "owner": owner.pk, "due_date": due})
    action = TreatmentAction.objects.get(risk=risk)
    assert LedgerEvent.objects.filter(action="risks.treatmentaction.create", object_id=str(action.pk)).exists()
    past = client.post(reverse("risks:action_add", args=[risk.pk]),
                       {"title": "Late", "owner": owner.pk, "due_date": "2000-01-01"}).content.decode()
    assert "The due date cannot be in the past." in past
    client.post(reverse("risks:action_status", args=[risk.pk, action.pk]), {"version": action.version,
                                                                            "status": "done"})
    action.refresh_from_db()
    assert action.status == "done" and action.completed_at is not None


def test_accepting_a_high_risk_without_authority_is_refused_with_a_message(client, owner, committee, make_risk):
    # `committee` exists so the refusal message can name it as an authority.
    risk = make_risk(inherent_likelihood=3, inherent_impact=3)
    expires = (timezone.localdate() + timedelta(days=90)).isoformat()
    client.force_login(owner)
    detail = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    assert "You may not accept it yourself" in detail and "Accept the risk" not in detail
    page = client.post(reverse("risks:risk_accept", args=[risk.pk]),
                       {"rationale": "Business needs it", "expires_on": expires}).content.decode()
    assert "is above appetite: only" in page and "AI governance committee" in page
    assert not RiskAcceptance.objects.exists()
    risk_manager = person_with_role("risk_manager")
    client.force_login(risk_manager)
    client.post(reverse("risks:risk_accept", args=[risk.pk]), {"rationale": "Accepted", "expires_on": expires})
    acceptance = RiskAcceptance.objects.get(risk=risk)
    assert acceptance.authority == "role:risk_manager" and Risk.objects.get(pk=risk.pk).status == "accepted"


def test_review_request_and_completion_show_who_when_and_outcome(client, owner, make_risk):
    risk = make_risk(inherent_likelihood=3, inherent_impact=3)
    client.force_login(owner)
    client.post(reverse("risks:review_request", args=[risk.pk]), {"reason": "New jailbreak technique published"})
    review = RiskReview.objects.get(risk=risk, status="pending")
    client.post(reverse("risks:review_complete", args=[risk.pk, review.pk]), {
        "version": review.version, "outcome": "rescored", "notes": "Filter in place",
        "inherent_likelihood": 3, "inherent_impact": 3, "residual_likelihood": 1, "residual_impact": 2})
    review.refresh_from_db()
    assert (review.status, review.outcome, review.completed_by, review.level_after) == (
        "completed", "rescored", owner, "low")
    page = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    assert "Filter in place" in page and str(owner) in page and "Rescored" in page


def test_detail_has_history_and_journal_tabs(client, owner, make_risk):
    risk = make_risk()
    client.force_login(owner)
    url = reverse("risks:risk_detail", args=[risk.pk])
    assert '<span class="event-action">Created</span>' in client.get(url, {"tab": "history"}).content.decode()
    journal = client.get(url, {"tab": "journal"}).content.decode()
    assert reverse("journal", args=["risks.risk", risk.pk]) in journal


def test_a_reader_who_may_not_edit_a_risk_is_told_whose_it_is(client, org, role_user, owner, make_risk):
    risk = make_risk()
    client.force_login(role_user("viewer", org["north"]))
    response = client.get(reverse("risks:risk_edit", args=[risk.pk]))
    page = response.content.decode()
    assert response.status_code == 403
    assert risk.title in page and f"Its owner is {owner}" in page


def test_a_risk_outside_the_readers_scope_stays_unknown(client, org, role_user, make_risk):
    risk = make_risk()
    client.force_login(role_user("viewer", org["south"]))
    response = client.get(reverse("risks:risk_edit", args=[risk.pk]))
    assert response.status_code == 404 and risk.title not in response.content.decode()
