"""The API of method versions (draft, edit, activate), heatmaps and impact assessments."""

import pytest

from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.core.tests.api_helpers import assert_error, call
from aims.risks import catalogs, services
from aims.risks.models import RiskMethod

pytestmark = pytest.mark.django_db


def test_method_draft_edit_and_activation(client, risk_manager, owner, method):
    client.force_login(owner)
    assert call(client, "GET", "/risk-methods").json()["count"] == 1
    assert_error(call(client, "POST", "/risk-methods", {}), 403, "permission_denied")
    client.force_login(risk_manager)
    draft = call(client, "POST", "/risk-methods", {"reason": "Clearer labels"})
    assert draft.status_code == 201
    draft = draft.json()
    assert (draft["status"], draft["based_on_id"], draft["number"]) == ("draft", method.pk, 2)
    scale = draft["likelihood_scale"]
    scale[2]["label_en"] = "Probable"
    edited = call(client, "PATCH", f"/risk-methods/{draft['id']}", {"version": draft["version"],
                                                                    "likelihood_scale": scale})
    assert edited.status_code == 200 and edited.json()["likelihood_scale"][2]["label_en"] == "Probable"
    bad = call(client, "PATCH", f"/risk-methods/{draft['id']}", {"version": edited.json()["version"],
                                                                 "matrix": [["low"]]})
    assert_error(bad, 422, "validation_error", {"matrix"})
    assert_error(call(client, "PATCH", f"/risk-methods/{draft['id']}", {"version": 1, "name": "x"}),
                 409, "stale_version")
    active = call(client, "POST", f"/risk-methods/{draft['id']}/activate", {}).json()
    assert active["status"] == "active" and RiskMethod.objects.get(pk=method.pk).status == "retired"
    assert_error(call(client, "PATCH", f"/risk-methods/{draft['id']}", {"version": active["version"],
                                                                        "name": "Changed"}), 422, "validation_error")
    assert LedgerEvent.objects.filter(action="risks.riskmethod.activate", object_id=str(draft["id"])).exists()


def test_heatmap_counts_inherent_and_residual(client, owner, make_risk, make_system):
    system = make_system()
    risk = make_risk(systems=[system], inherent_likelihood=3, inherent_impact=3)
    make_risk(inherent_likelihood=1, inherent_impact=1)
    services.assess_risk(actor=owner, risk=risk, inherent_likelihood=3, inherent_impact=3, residual_likelihood=2,
                         residual_impact=2)
    client.force_login(owner)

    def cells(**params) -> dict:
        body = call(client, "GET", "/heatmap", params).json()
        return {(c["likelihood"], c["impact"]): (c["count"], c["level"]) for c in body["cells"] if c["count"]}

    assert cells() == {(3, 3): (1, "high"), (1, 1): (1, "low")}
    assert cells(kind="residual") == {(2, 2): (1, "medium"), (1, 1): (1, "low")}
    assert cells(kind="residual", system=system.pk) == {(2, 2): (1, "medium")}
    assert len(call(client, "GET", "/heatmap").json()["cells"]) == 16
    assert_error(call(client, "GET", "/heatmap", {"kind": "other"}), 422, "validation_error")
    client.force_login(person_with_role("system_owner"))
    assert call(client, "GET", "/heatmap", {"system": system.pk}).status_code == 200
    client.force_login(person_with_role("viewer", system.unit.parent.children.exclude(pk=system.unit.pk).first()))
    assert_error(call(client, "GET", "/heatmap", {"system": system.pk}), 404, "not_found")


def test_impact_assessment_start_answer_submit_approve(client, owner, risk_manager, make_system):
    system = make_system()
    client.force_login(owner)
    started = call(client, "POST", "/impact-assessments", {"system_id": system.pk})
    assert started.status_code == 201
    assessment = started.json()
    incomplete = call(client, "POST", f"/impact-assessments/{assessment['id']}/submit", {})
    assert_error(incomplete, 422, "validation_error")
    answers = {q["key"]: _answer(q) for section in catalogs.impact_template()["sections"]
               for q in section["questions"]}
    saved = call(client, "PATCH", f"/impact-assessments/{assessment['id']}", {"version": assessment["version"],
                                                                              "answers": answers, "submit": True})
    assert saved.status_code == 200, saved.content
    assert saved.json()["status"] == "submitted"
    assert_error(call(client, "POST", f"/impact-assessments/{assessment['id']}/approve", {}), 403,
                 "permission_denied")
    client.force_login(risk_manager)
    approved = call(client, "POST", f"/impact-assessments/{assessment['id']}/approve", {"comment": "Fine"}).json()
    assert (approved["status"], approved["approved_by_id"]) == ("approved", risk_manager.pk)
    listed = call(client, "GET", "/impact-assessments", {"system": system.pk, "status": "approved"}).json()
    assert [a["id"] for a in listed["items"]] == [assessment["id"]]
    assert call(client, "GET", f"/impact-assessments/{assessment['id']}").json()["answers"]["purpose"] == "Answer"


def _answer(question: dict):
    kind = question["type"]
    if kind == "text":
        return "Answer"
    if kind == "boolean":
        return False
    if kind == "choice":
        return question["options"][0]["key"]
    if kind == "multichoice":
        return [question["options"][0]["key"]]
    return 1
