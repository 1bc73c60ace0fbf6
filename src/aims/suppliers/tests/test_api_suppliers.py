"""The supplier API: filters, sorts, the onboarding gate, contacts, certifications, supplied items, assessments."""

import json

import pytest

from aims.core.testing import person_with_role
from aims.inventory import services as inventory
from aims.suppliers import services
from aims.suppliers.models import Supplier

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_list_filters_sorts_and_searches(client, make_supplier, procurement, django_assert_max_num_queries):
    make_supplier(legal_name="Zeta Data", country="US")
    make_supplier(legal_name="Alpha Models", country="FR", services="Hosted LLM")
    make_supplier(legal_name="Beta SaaS", country="FR")
    client.force_login(procurement)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/suppliers?sort=-name").json()
    assert [s["legal_name"] for s in body["items"]] == ["Zeta Data", "Beta SaaS", "Alpha Models"]
    assert body["count"] == 3
    assert [s["legal_name"] for s in client.get("/api/v1/suppliers?country=FR").json()["items"]] == [
        "Alpha Models", "Beta SaaS"]
    assert [s["legal_name"] for s in client.get("/api/v1/suppliers?q=llm").json()["items"]] == ["Alpha Models"]
    assert client.get("/api/v1/suppliers?sort=colour").status_code == 422


def test_a_reader_outside_the_unit_sees_nothing(client, make_supplier, org):
    make_supplier()
    client.force_login(person_with_role("viewer", org["south"]))
    assert client.get("/api/v1/suppliers").json()["count"] == 0


def test_facts_are_validated_with_field_errors(client, procurement, org):
    client.force_login(procurement)
    response = post(client, "/api/v1/suppliers", {"legal_name": "X", "unit_id": org["north"].pk, "country": "fr"})
    assert response.status_code == 422 and "country" in json.dumps(response.json())
    response = post(client, "/api/v1/suppliers", {"legal_name": "X", "unit_id": org["north"].pk,
                                                  "clauses": ["audit_rights", "free_lunch"]})
    assert response.status_code == 422 and "free_lunch" in json.dumps(response.json())
    response = post(client, "/api/v1/suppliers", {
        "legal_name": "Lumen", "unit_id": org["north"].pk, "hosting_countries": ["IE"],
        "subprocessors": [{"name": "Safety filter", "country": "US", "ai": True}], "trains_on_our_data": "no",
        "prompt_retention_days": 30, "value_chain_role": "gpai_provider"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["subprocessors"] == [{"name": "Safety filter", "country": "US", "ai": True}]
    assert body["status"] == "draft" and body["criticality"] == ""
    patched = client.patch(f"/api/v1/suppliers/{body['id']}", json.dumps({"version": body["version"],
                                                                           "legal_name": None}),
                           content_type="application/json")
    assert patched.status_code == 422


def test_onboarding_through_the_api(client, ready_supplier, procurement, manager):
    client.force_login(procurement)
    gate = client.get(f"/api/v1/suppliers/{ready_supplier.pk}/onboarding").json()
    assert gate["gaps"] == [] and gate["required_score"] == 70 and gate["last_score"] == 80
    assert post(client, f"/api/v1/suppliers/{ready_supplier.pk}/submit", {}).json()["status"] == "submitted"
    assert post(client, f"/api/v1/suppliers/{ready_supplier.pk}/approve", {}).status_code == 403
    client.force_login(manager)
    assert client.get(f"/api/v1/suppliers/{ready_supplier.pk}/onboarding").json()["may_approve"] is True
    assert post(client, f"/api/v1/approvals/suppliers.onboarding/{ready_supplier.pk}/approve",
                {"comment": "OK"}).status_code == 200
    assert Supplier.objects.get(pk=ready_supplier.pk).status == "approved"


def test_a_submission_with_gaps_is_refused_with_the_gaps(client, make_supplier, procurement):
    supplier = make_supplier()
    client.force_login(procurement)
    response = post(client, f"/api/v1/suppliers/{supplier.pk}/submit", {})
    assert response.status_code == 422 and "due-diligence assessment" in response.content.decode()


def test_contacts_certifications_supplies_and_assessments(client, make_supplier, procurement, manager):
    supplier = make_supplier()
    client.force_login(procurement)
    base = f"/api/v1/suppliers/{supplier.pk}"
    contact = post(client, f"{base}/contacts", {"name": "Nora Quinn", "email": "nora@lumen.example.com"}).json()
    assert [c["email"] for c in client.get(f"{base}/contacts").json()] == ["nora@lumen.example.com"]
    certification = post(client, f"{base}/certifications", {"scheme": "iso42001", "valid_from": "2026-01-01",
                                                            "valid_until": "2025-01-01"})
    assert certification.status_code == 422
    certification = post(client, f"{base}/certifications", {"scheme": "iso42001", "valid_until": "2028-01-01"})
    assert certification.status_code == 201
    component = inventory.create_component(actor=manager, kind="external_api", name="Lumen chat")
    supply = post(client, f"{base}/supplies", {"component_id": component.pk})
    assert supply.status_code == 201 and supply.json()["name"] == "Lumen chat"
    assert post(client, f"{base}/supplies", {}).status_code == 422
    assessment = post(client, f"{base}/assessments", {}).json()
    done = post(client, f"/api/v1/supplier-assessments/{assessment['id']}/complete", {"score": 77})
    assert done.json()["state"] == "completed" and done.json()["reviewed_by_id"] == procurement.pk
    assert client.delete(f"/api/v1/supplier-contacts/{contact['id']}").status_code == 204
    assert client.delete(f"/api/v1/supplier-supplies/{supply.json()['id']}").status_code == 204
    assert services.latest_completed(supplier).score == 77
