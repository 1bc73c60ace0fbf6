"""The risk API: register list (filters, sorts, pagination, constant queries), create and patch (ledgered, 409 when
stale), treatment actions, acceptance authority, reviews, and the trigger endpoint's role restriction."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.core.tests.api_helpers import assert_error, call, token_for
from aims.risks.models import Risk, RiskReview

pytestmark = pytest.mark.django_db


def test_list_filters_sorts_and_paginates_like_the_page(client, owner, make_risk, make_system):
    bot = make_system()
    make_risk(title="Injection", systems=[bot], inherent_likelihood=3, inherent_impact=3)
    make_risk(title="Leak", category="privacy", inherent_likelihood=1, inherent_impact=1)
    make_risk(title="Drift", category="operations")
    client.force_login(owner)
    page = call(client, "GET", "/risks", {"sort": "title", "limit": 2}).json()
    assert page["count"] == 3 and [r["title"] for r in page["items"]] == ["Drift", "Injection"]
    injection = call(client, "GET", "/risks", {"above_appetite": "true"}).json()["items"]
    assert [r["title"] for r in injection] == ["Injection"] and injection[0]["system_ids"] == [bot.pk]
    assert injection[0]["inherent_level"] == "high"
    assert [r["title"] for r in call(client, "GET", "/risks", {"system": bot.reference_code}).json()["items"]] == [
        "Injection"]
    assert [r["title"] for r in call(client, "GET", "/risks", {"cell": "residual-3-3"}).json()["items"]] == [
        "Injection"]
    assert call(client, "GET", "/risks", {"q": "leak", "category": "privacy"}).json()["count"] == 1
    assert_error(call(client, "GET", "/risks", {"sort": "secret"}), 422, "validation_error", {"sort"})
    assert_error(call(client, "GET", "/risks", {"status": "nonsense"}), 422, "validation_error")


def test_list_uses_the_same_number_of_queries_for_5_and_40_risks(client, owner, make_risk, make_system, threats,
                                                                  django_assert_max_num_queries):
    from aims.risks.models import Threat

    system = make_system()
    threat = Threat.objects.first()
    client.force_login(owner)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert call(client, "GET", "/risks", {"limit": 100}).status_code == 200
        return len(queries)

    for i in range(5):
        make_risk(title=f"R{i}", systems=[system], threats=[threat], inherent_likelihood=2, inherent_impact=2)
    small = count()
    for i in range(35):
        make_risk(title=f"S{i}", systems=[system], threats=[threat], inherent_likelihood=2, inherent_impact=2)
    assert count() == small
    with django_assert_max_num_queries(10):
        call(client, "GET", "/risks", {"limit": 100})


def test_create_scores_with_the_active_method_and_is_ledgered(client, owner, method, make_system):
    system = make_system()
    client.force_login(owner)
    response = call(client, "POST", "/risks", {"title": "Prompt injection", "category": "security",
                                               "system_ids": [system.pk], "inherent_likelihood": 3,
                                               "inherent_impact": 3})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["inherent_level"], body["above_appetite"], body["owner_id"], body["method_id"]) == (
        "high", True, owner.pk, method.pk)
    assert LedgerEvent.objects.filter(action="risks.risk.create", object_id=str(body["id"])).exists()
    assert_error(call(client, "POST", "/risks", {"title": "x", "category": "security", "inherent_level": "low"}),
                 422, "validation_error", {"inherent_level"})  # levels are computed, never sent
    assert_error(call(client, "POST", "/risks", {"title": "x", "category": "security", "system_ids": [system.pk],
                                                 "inherent_likelihood": 9, "inherent_impact": 1}),
                 422, "validation_error", {"inherent_likelihood"})


def test_patch_rescoring_and_stale_version(client, owner, make_risk):
    risk = make_risk(inherent_likelihood=3, inherent_impact=3)
    client.force_login(owner)
    response = call(client, "PATCH", f"/risks/{risk.pk}", {"version": risk.version, "residual_likelihood": 2,
                                                           "residual_impact": 2, "treatment": "reduce",
                                                           "reason": "Input filter"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["residual_level"], body["above_appetite"], body["treatment"]) == ("medium", False, "reduce")
    assert LedgerEvent.objects.filter(action="risks.risk.assess", object_id=str(risk.pk)).exists()
    stale = call(client, "PATCH", f"/risks/{risk.pk}", {"version": risk.version, "title": "Too late"})
    error = assert_error(stale, 409, "stale_version")
    assert error["current_version"] == body["version"]
    assert Risk.objects.get(pk=risk.pk).title != "Too late"
    assert_error(call(client, "PATCH", f"/risks/{risk.pk}", {"version": body["version"], "status": "closed"}),
                 422, "validation_error", {"status"})


def test_people_out_of_scope_get_404_and_readers_cannot_write(client, org, make_risk):
    risk = make_risk()
    client.force_login(person_with_role("system_owner", org["south"]))
    assert_error(call(client, "GET", f"/risks/{risk.pk}"), 404, "not_found")
    client.force_login(person_with_role("viewer", org["north"]))
    assert call(client, "GET", f"/risks/{risk.pk}").status_code == 200
    assert_error(call(client, "PATCH", f"/risks/{risk.pk}", {"version": risk.version, "title": "x"}),
                 403, "permission_denied")


def test_actions_acceptance_and_reviews(client, owner, committee, make_risk):
    risk = make_risk(inherent_likelihood=3, inherent_impact=3)
    client.force_login(owner)
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    created = call(client, "POST", f"/risks/{risk.pk}/actions", {"title": "Add a filter", "due_date": due})
    assert created.status_code == 201 and created.json()["owner_id"] == owner.pk
    action = created.json()
    done = call(client, "PATCH", f"/risks/{risk.pk}/actions/{action['id']}",
                {"version": action["version"], "status": "done"}).json()
    assert done["status"] == "done" and done["completed_at"]
    assert [a["title"] for a in call(client, "GET", f"/risks/{risk.pk}/actions").json()] == ["Add a filter"]

    expires = (timezone.localdate() + timedelta(days=60)).isoformat()
    refused = assert_error(call(client, "POST", f"/risks/{risk.pk}/accept",
                                {"rationale": "Needed", "expires_on": expires}), 403, "permission_denied")
    assert "AI governance committee" in refused["message"]
    client.force_login(committee)  # a member of the committee, without any role: cannot even read the risk
    assert_error(call(client, "POST", f"/risks/{risk.pk}/accept", {"rationale": "Ok", "expires_on": expires}),
                 404, "not_found")
    client.force_login(person_with_role("risk_manager"))
    accepted = call(client, "POST", f"/risks/{risk.pk}/accept", {"rationale": "Ok", "expires_on": expires})
    assert accepted.status_code == 201 and accepted.json()["authority"] == "role:risk_manager"

    client.force_login(owner)
    review = call(client, "POST", f"/risks/{risk.pk}/reviews", {"reason": "Jailbreak published"}).json()
    done = call(client, "POST", f"/risks/{risk.pk}/reviews/{review['id']}/complete",
                {"version": review["version"], "outcome": "unchanged", "notes": "Still fine"}).json()
    assert (done["completed_by_id"], done["outcome"], done["status"]) == (owner.pk, "unchanged", "completed")
    assert done["completed_at"]
    assert [r["id"] for r in call(client, "GET", f"/risks/{risk.pk}/reviews").json()] == [review["id"]]


def test_trigger_api_opens_reviews_and_is_restricted_to_manager_roles(client, owner, risk_manager, make_risk,
                                                                      make_system):
    system = make_system()
    risk = make_risk(systems=[system], inherent_likelihood=2, inherent_impact=2)
    payload = {"source": "incident", "reason": "INC-42 prompt injection", "system_ids": [system.pk]}
    client.force_login(owner)
    assert_error(call(client, "POST", "/risks/triggers/review", payload), 403, "permission_denied")
    assert not RiskReview.objects.exists()
    token = token_for(risk_manager)
    response = call(client.__class__(), "POST", "/risks/triggers/review", payload, token=token)
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1
    review = RiskReview.objects.get(risk=risk)
    assert (review.source, review.requested_by, review.status) == ("incident", risk_manager, "pending")
    assert_error(call(client.__class__(), "POST", "/risks/triggers/review", {**payload, "source": "rumour"},
                      token=token), 422, "validation_error", {"source"})
    assert_error(call(client.__class__(), "POST", "/risks/triggers/review",
                      {"source": "incident", "reason": "x"}, token=token), 422, "validation_error", {"system_ids"})


def test_a_risks_linked_ids_are_those_the_reader_may_see_in_the_targets_order(client, owner, risk_manager, org,
                                                                             make_risk, make_system, make_component):
    zeta, alpha = make_system(name="Zeta bot"), make_system(name="Alpha scorer", unit=org["south"])
    model = make_component(name="Base model")
    make_risk(title="Shared", systems=[zeta, alpha], components=[model], unit=org["north"], actor=risk_manager)
    make_risk(title="Unlinked")
    client.force_login(owner)
    seen = {r["title"]: r for r in call(client, "GET", "/risks").json()["items"]}
    assert seen["Shared"]["system_ids"] == [zeta.pk] and seen["Unlinked"]["system_ids"] == []
    client.force_login(risk_manager)
    seen = {r["title"]: r for r in call(client, "GET", "/risks").json()["items"]}
    assert seen["Shared"]["system_ids"] == [alpha.pk, zeta.pk] and seen["Shared"]["component_ids"] == [model.pk]
    assert seen["Unlinked"]["component_ids"] == [] and seen["Unlinked"]["threat_ids"] == []
