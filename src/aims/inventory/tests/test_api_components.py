"""Inventory API for components, dependencies (impact both ways), links to systems and shadow-AI declarations."""

import datetime as dt

import pytest
from django.utils import timezone

from aims.core.models import LedgerEvent
from aims.core.tests.api_helpers import assert_error, call, token_for
from aims.core.testing import person_with_role
from aims.inventory import services
from aims.inventory.models import AISystem, ShadowAIDeclaration

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    tokens = {}

    def _call(user, method, path, data=None):
        if user.pk not in tokens:
            tokens[user.pk] = token_for(user)
        return call(client, method, path, data, token=tokens[user.pk])
    return _call


def test_component_create_patch_and_stale_version(api, manager, org):
    response = api(manager, "POST", "/components", {"kind": "model", "name": "RankNet", "origin": "supplier",
                                                    "provider": "Acme", "owner_unit_id": org["north"].pk})
    assert response.status_code == 201, response.content
    component_id = response.json()["id"]
    assert_error(api(manager, "POST", "/components", {"kind": "model", "name": "X", "origin": "supplier"}),
                 422, "validation_error", {"provider"})
    patched = api(manager, "PATCH", f"/components/{component_id}", {
        "version": 1, "evidence_links": [{"label": "Contract", "url": "https://docs.example.com/c"}]})
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert_error(api(manager, "PATCH", f"/components/{component_id}", {"version": 1, "licence": "MIT"}),
                 409, "stale_version")
    assert api(manager, "GET", "/components?kind=model").json()["count"] == 1
    assert LedgerEvent.objects.filter(action="inventory.component.update").count() == 1


def test_components_need_an_inventory_role(api, supplier_model):
    assert api(person_with_role(None), "GET", "/components").json()["count"] == 0


def test_dependencies_with_support_flags_and_impact_both_ways(api, manager, make_system, supplier_model):
    today = timezone.localdate()
    torch = api(manager, "POST", "/dependencies", {"kind": "library", "name": "torch", "version_label": "2.3",
                                                   "end_of_support": str(today + dt.timedelta(days=10))}).json()
    api(manager, "POST", "/dependencies", {"kind": "library", "name": "numpy",
                                           "end_of_support": str(today - dt.timedelta(days=1))})
    assert torch["support_status"] == "soon"
    assert [d["name"] for d in api(manager, "GET", "/dependencies?support=overdue").json()["items"]] == ["numpy"]
    direct, indirect = make_system(name="Direct"), make_system(name="Indirect")
    services.link_component_dependency(actor=manager, component=supplier_model,
                                       dependency=services.create_dependency(actor=manager, kind="api", name="OCR"))
    assert api(manager, "POST", f"/systems/{direct.pk}/dependencies",
               {"dependency_id": torch["id"]}).status_code == 201
    foundations = api(manager, "POST", f"/systems/{indirect.pk}/components",
                      {"component_id": supplier_model.pk, "role": "main model"}).json()
    assert [d["name"] for d in foundations["dependencies"]] == ["OCR"]
    dependents = api(manager, "GET", f"/dependencies/{torch['id']}/dependents").json()
    assert [s["name"] for s in dependents["systems"]] == ["Direct"]
    assert api(manager, "DELETE", f"/systems/{indirect.pk}/components/{supplier_model.pk}").status_code == 204
    assert api(manager, "GET", f"/systems/{indirect.pk}/foundations").json() == {"components": [], "dependencies": []}


def test_shadow_ai_declare_list_and_triage(api, manager, org, owner, contributor):
    declarant = person_with_role(None, home_unit=org["north"])
    response = api(declarant, "POST", "/shadow-ai", {"tool_name": "ChatGPT", "purpose": "Draft e-mails"})
    assert response.status_code == 201, response.content
    declaration_id = response.json()["id"]
    api(person_with_role(None, home_unit=org["north"]), "POST", "/shadow-ai", {"tool_name": "Other", "purpose": "x"})
    assert [d["tool_name"] for d in api(declarant, "GET", "/shadow-ai").json()["items"]] == ["ChatGPT"]
    assert api(manager, "GET", "/shadow-ai?status=new").json()["count"] == 2
    assert_error(api(contributor, "POST", f"/shadow-ai/{declaration_id}/reject", {"reason": "no"}),
                 403, "permission_denied")
    converted = api(manager, "POST", f"/shadow-ai/{declaration_id}/convert", {"owner_id": owner.pk})
    assert converted.status_code == 201 and converted.json()["status"] == "triaged"
    assert AISystem.objects.get().name == "ChatGPT"
    assert_error(api(manager, "POST", f"/shadow-ai/{declaration_id}/reject", {"reason": "late"}),
                 422, "validation_error")
    assert ShadowAIDeclaration.objects.get(pk=declaration_id).status == "triaged"
