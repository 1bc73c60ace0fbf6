"""Inventory API for systems: list with portfolio filters, create, patch with version (409), classification,
lifecycle moves (422 gate_refused with every check), overrides, change decisions, model card."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aims.core.models import LedgerEvent
from aims.core.tests.api_helpers import assert_error, call, token_for
from aims.core.testing import person_with_role
from aims.inventory import services
from aims.inventory.models import AISystem, ChangeDecision, GateOverride, ModelCard, Stage

pytestmark = pytest.mark.django_db

from aims.inventory.testing import CV_SCREENING as CV_ANSWERS  # noqa: E402


@pytest.fixture
def api(client):
    """api(user, method, path, data): a call with a fresh token of `user`."""
    tokens = {}

    def _call(user, method, path, data=None):
        if user.pk not in tokens:
            tokens[user.pk] = token_for(user)
        return call(client, method, path, data, token=tokens[user.pk])
    return _call


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def test_list_is_scoped_filtered_sorted_and_paginated(api, make_system, org, role_user, manager):
    make_system(name="CV screening", criticality="high")
    chatbot = make_system(name="Chatbot", unit=org["south"])
    AISystem.objects.filter(pk=chatbot.pk).update(next_review_date=dt.date(2020, 1, 1))  # its review is overdue
    make_system(name="Fraud", unit=org["north_east"])
    viewer = role_user("viewer", org["north"])
    assert names(api(viewer, "GET", "/systems")) == ["CV screening", "Fraud"]
    assert names(api(manager, "GET", "/systems?overdue=true")) == ["Chatbot"]
    assert names(api(manager, "GET", "/systems?criticality=high")) == ["CV screening"]
    assert names(api(manager, "GET", f"/systems?unit={org['north'].pk}&sort=-name")) == ["Fraud", "CV screening"]
    page = api(manager, "GET", "/systems?limit=1&offset=1&sort=name").json()
    assert page["count"] == 3 and [i["name"] for i in page["items"]] == ["Chatbot"]  # binary order: "CV" < "Ch"
    assert_error(api(manager, "GET", "/systems?sort=colour"), 422, "validation_error", {"sort"})
    assert_error(api(manager, "GET", "/systems?tier=extreme"), 422, "validation_error")


def test_list_costs_the_same_queries_for_5_and_40_systems(api, client, manager, org, owner, role_user,
                                                          django_assert_max_num_queries):
    reader = role_user("viewer", org["root"])
    token = token_for(reader)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = call(client, "GET", "/systems?limit=100&sort=owner", token=token)
        assert response.status_code == 200
        return len(captured)

    for i in range(5):
        services.create_system(actor=manager, name=f"S{i:02d}", unit=org["north"], owner=owner)
    count()  # the token's first use records when it was last used
    small = count()
    for i in range(5, 40):
        services.create_system(actor=manager, name=f"S{i:02d}", unit=org["north_east"],
                               owner=role_user("system_owner", org["north"]))
    assert count() == small
    with django_assert_max_num_queries(10):
        call(client, "GET", "/systems?limit=100", token=token)


def test_a_page_of_systems_is_read_keys_first_in_every_sort(api, manager, org, owner):
    """One query asks the page's keys (filters, sort, offset inside the index) and reads those rows (aims.core.paging):
    at 20,000 systems the page at offset 10,000 went from 84-100 to 11 ms."""
    for i in range(8):
        services.create_system(actor=manager, name=f"S{i % 3}", unit=org["north"], owner=owner)
    for sort in ("name", "-review", "tier", "owner", "-unit"):
        everything = [s["id"] for s in api(manager, "GET", f"/systems?limit=100&sort={sort}").json()["items"]]
        with CaptureQueriesContext(connection) as captured:
            page = api(manager, "GET", f"/systems?limit=3&offset=2&sort={sort}").json()["items"]
        assert [s["id"] for s in page] == everything[2:5], sort
        assert any('"id" IN (SELECT' in q["sql"] and "LIMIT 3 OFFSET 2" in q["sql"] for q in captured), sort


def test_create_requires_an_owner_and_writes_a_ledger_event(api, manager, org, owner):
    error = assert_error(api(manager, "POST", "/systems", {"name": "CV", "unit_id": org["north"].pk}),
                         422, "validation_error")
    assert "owner_id" in error["fields"]
    assert_error(api(manager, "POST", "/systems", {"name": "CV", "unit_id": org["north"].pk, "owner_id": owner.pk,
                                                   "colour": "blue"}), 422, "validation_error", {"colour"})
    response = api(manager, "POST", "/systems", {
        "name": "CV", "unit_id": org["north"].pk, "owner_id": owner.pk, "criticality": "high",
        "links": [{"label": "Wiki", "url": "https://wiki.example.com"}]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference_code"].startswith("AIS-") and body["criticality"] == "high" and body["version"] == 1
    assert LedgerEvent.objects.filter(action="inventory.aisystem.create", object_id=str(body["id"])).exists()


def test_a_contributor_cannot_create_in_another_unit(api, contributor, org, owner, role_user):
    # A unit they cannot even see is, to them, a unit that does not exist.
    assert_error(api(contributor, "POST", "/systems", {"name": "X", "unit_id": org["south"].pk, "owner_id": owner.pk}),
                 422, "validation_error", {"unit_id"})
    # A unit they see (organisation-wide read) but may not write in is refused.
    reader = role_user("viewer", None)
    assert_error(api(reader, "POST", "/systems", {"name": "X", "unit_id": org["south"].pk, "owner_id": owner.pk}),
                 403, "permission_denied")
    assert not AISystem.objects.exists()


def test_patch_needs_the_current_version_or_gets_409(api, make_system, manager):
    system = make_system()
    path = f"/systems/{system.pk}"
    assert_error(api(manager, "PATCH", path, {"purpose": "x"}), 422, "validation_error", {"version"})
    response = api(manager, "PATCH", path, {"version": 1, "purpose": "Screen CVs"})
    assert response.status_code == 200 and response.json()["version"] == 2
    error = assert_error(api(manager, "PATCH", path, {"version": 1, "purpose": "Lost"}), 409, "stale_version")
    assert error["current_version"] == 2
    assert AISystem.objects.get().purpose == "Screen CVs"


def test_a_system_outside_the_scope_is_404(api, make_system, role_user, org):
    system = make_system()
    assert_error(api(role_user("viewer", org["south"]), "GET", f"/systems/{system.pk}"), 404, "not_found")


def test_classification_proposal_post_and_sign_off(api, make_system, manager, owner, org):
    system = make_system()
    preview = api(manager, "POST", "/ai-act/proposal", {"answers": CV_ANSWERS}).json()
    assert (preview["tier"], preview["annex_iii_groups"]) == ("high_risk", ["employment"])
    assert api(manager, "GET", f"/systems/{system.pk}/classification").json()["current"] is None
    response = api(manager, "POST", f"/systems/{system.pk}/classification", {"answers": CV_ANSWERS})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["final_tier"], body["final_role"], body["status"]) == ("high_risk", "deployer", "awaiting_sign_off")
    assert any(o["article"] == "Art. 26(7)" for o in body["obligations"])
    assert_error(api(manager, "POST", f"/systems/{system.pk}/classification/sign-off", {}), 403, "permission_denied")
    assert_error(api(owner, "POST", f"/systems/{system.pk}/classification/sign-off", {}), 403, "permission_denied")
    reviewer = person_with_role("risk_manager", org["north"])
    signed = api(reviewer, "POST", f"/systems/{system.pk}/classification/sign-off", {"comment": "ok"}).json()
    assert signed["status"] == "signed_off" and signed["reviewer_id"] == reviewer.pk
    error = assert_error(api(manager, "POST", f"/systems/{system.pk}/classification",
                             {"answers": {**CV_ANSWERS, "organisation_role": "nobody"}}), 422, "validation_error")
    assert "organisation_role" in error["fields"]


def test_stage_move_refused_with_every_check_then_passes(api, ready_system, owner, manager):
    path = f"/systems/{ready_system.pk}/stage"
    gate = api(manager, "GET", f"{path}?target=deployment").json()
    assert gate["passed"] is False
    response = api(manager, "POST", path, {"stage": "deployment"})
    error = assert_error(response, 422, "gate_refused", {"stage"})
    checks = {c["key"]: c for c in error["checks"]}
    assert checks["inventory.owner_approval"]["passed"] is False
    assert checks["inventory.owner_approval"]["fix_url"].endswith("#go-live")
    assert checks["inventory.documentation"]["passed"] is True
    assert api(owner, "POST", f"/systems/{ready_system.pk}/go-live-approval", {}).status_code == 201
    moved = api(manager, "POST", path, {"stage": "deployment", "version": ready_system.version})
    assert moved.status_code == 200 and moved.json()["stage"] == "deployment"


def test_override_by_an_aims_manager_only(api, ready_system, manager, contributor):
    path = f"/systems/{ready_system.pk}/stage"
    assert_error(api(contributor, "POST", path, {"stage": "deployment", "justification": "trust me"}),
                 403, "permission_denied")
    response = api(manager, "POST", path, {"stage": "deployment", "justification": "Pilot with five recruiters"})
    assert response.status_code == 200
    overrides = api(manager, "GET", f"/systems/{ready_system.pk}/gate-overrides").json()
    assert overrides[0]["justification"] == "Pilot with five recruiters"
    assert GateOverride.objects.count() == 1
    assert_error(api(manager, "POST", path, {"stage": "design", "version": 1}), 409, "stale_version")


def test_change_decisions_through_the_api(api, make_system, manager, groups):
    system = make_system()
    response = api(manager, "POST", f"/systems/{system.pk}/change-decisions",
                   {"kind": "retirement", "description": "Replaced by v2"})
    assert response.status_code == 201, response.content
    decision_id = response.json()["id"]
    assert api(manager, "GET", f"/systems/{system.pk}/change-decisions").json()["count"] == 1
    stranger = person_with_role(None)
    assert_error(api(stranger, "GET", f"/change-decisions/{decision_id}"), 404, "not_found")
    for person in groups.values():
        assert api(person, "POST", f"/change-decisions/{decision_id}/approve", {"comment": "ok"}).status_code == 200
    body = api(manager, "POST", f"/change-decisions/{decision_id}/effective", {}).json()
    assert body["status"] == "effective" and len(body["approvals"]) == 3
    system.refresh_from_db()
    assert system.is_frozen and system.stage == Stage.RETIRED
    assert_error(api(manager, "PATCH", f"/systems/{system.pk}", {"version": system.version, "purpose": "x"}),
                 422, "validation_error")


def test_reject_needs_a_comment(api, make_system, manager, groups):
    system = make_system()
    decision = services.request_change(actor=manager, system=system, kind="major_update", description="New model")
    member = groups["AI governance committee"]
    assert_error(api(member, "POST", f"/change-decisions/{decision.pk}/reject", {}), 422, "validation_error")
    assert api(member, "POST", f"/change-decisions/{decision.pk}/reject", {"comment": "No"}).json()["status"] == "rejected"
    assert ChangeDecision.objects.get().status == "rejected"


def test_model_card_put_and_get(api, make_system, manager):
    system = make_system()
    path = f"/systems/{system.pk}/model-card"
    assert_error(api(manager, "GET", path), 404, "not_found")
    response = api(manager, "PUT", path, {"approach": "supervised", "technical_limitations": "English only",
                                          "inputs": [{"format": "application/pdf"}]})
    assert response.status_code == 200, response.content
    assert_error(api(manager, "PUT", path, {"task": "ranking"}), 422, "validation_error", {"version"})
    assert api(manager, "PUT", path, {"version": 1, "task": "ranking"}).json()["version"] == 2
    assert_error(api(manager, "PUT", path, {"version": 1, "task": "lost"}), 409, "stale_version")
    card = api(manager, "GET", path).json()
    assert (card["task"], card["technical_limitations"]) == ("ranking", "English only")
    error = assert_error(api(manager, "PUT", path, {"version": 2, "datasets": [{"description": "no name"}]}),
                         422, "validation_error")
    assert "datasets" in error["fields"]
    assert ModelCard.objects.get().task == "ranking"


def test_the_questionnaire_is_listed_by_the_api_with_choices_and_conditions(api, manager):
    body = api(manager, "GET", "/ai-act/questions").json()
    questions = {q["key"]: q for q in body["questions"]}
    assert list(questions)[:3] == ["ai_system", "scope_exclusions", "eu_nexus"]
    assert questions["eu_nexus"]["show_if"] == {"question": "scope_exclusions", "in": ["none", "dont_know"]}
    uses = {c["value"]: c for c in questions["annex_iii_uses"]["choices"]}
    assert uses["fraud_detection"]["excluded"] and uses["none"]["exclusive"] and uses["dont_know"]["unknown"]
    assert uses["recruitment"]["article"] == "Annex III point 4(a)"
    assert {c["value"] for c in questions["annex_i_legislation"]["choices"]} >= {"medical_devices", "motor_vehicles"}
    assert questions["upstream_gpai_model"]["type"] == "text"
    assert {r["key"] for r in body["roles"]} >= {"authorised_representative", "product_manufacturer"}
    complete = {q["key"]: (["none"] if q["type"] == "multi" else "no") for q in body["questions"]
                if q["type"] != "text"}
    complete.update(ai_system="yes", eu_nexus="yes", organisation_role="deployer", deployer_type="other")
    proposal = api(manager, "POST", "/ai-act/proposal", {"answers": complete}).json()
    assert proposal["tier"] == "minimal" and proposal["basis"][0] == "Organisation role: Deployer."


def test_the_questionnaire_reads_in_french_for_a_french_reader(client, manager):
    manager.language = "fr"
    manager.save()
    client.force_login(manager)
    with translation.override("en"):  # the request activates French; leave English behind for the next tests
        body = client.get("/api/v1/ai-act/questions", HTTP_ACCEPT_LANGUAGE="fr").json()
    uses = next(q for q in body["questions"] if q["key"] == "annex_iii_uses")
    assert body["language"] == "fr" and uses["section"].startswith("Cas d'usage à haut risque")
    assert next(c for c in uses["choices"] if c["value"] == "recruitment")["article"] == "annexe III, point 4 a)"


def test_each_model_has_its_own_card_through_the_api(api, make_system, manager, supplier_model):
    system = make_system()
    services.link_component(actor=manager, system=system, component=supplier_model)
    url = f"/systems/{system.pk}/model-card?component_id={supplier_model.pk}"
    response = api(manager, "PUT", url, {"task": "ranking"})
    assert response.status_code == 200, response.content
    assert response.json()["component_id"] == supplier_model.pk
    assert api(manager, "GET", url).json()["task"] == "ranking"
    assert api(manager, "GET", f"/systems/{system.pk}/model-card").status_code == 404  # none for the whole system
    assert_error(api(manager, "PUT", f"/systems/{system.pk}/model-card?component_id=999999", {"task": "x"}),
                 422, "validation_error")
