"""The OpenAPI schema states what the API does (error answers, integer ranges, sort values), and integers beyond the
64 bits the databases store are a 422, never a 500 (tests/test_api_fuzzing.py then holds every operation to it)."""

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "/api/v1/systems?owner=99999999999999999999",
    "/api/v1/ledger/events?actor=99999999999999999999",
    "/api/v1/systems?offset=9223372036854775808",
    "/api/v1/people?unit=-99999999999999999999",
])
def test_oversized_integers_in_filters_are_refused(client, admin_user, url):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_error"


def test_an_oversized_integer_in_a_body_is_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/api/v1/org-units", {"name": "X", "code": "x", "parent_id": 2**70},
                           content_type="application/json")
    assert response.status_code == 422 and "parent_id" in response.json()["error"]["fields"]


@pytest.fixture
def schema(client):
    return client.get("/api/v1/openapi.json").json()


def test_every_operation_documents_its_error_answers(client):
    raw = client.get("/api/v1/openapi.json").content.decode()
    keys = []
    schema = json.loads(raw, object_pairs_hook=lambda pairs: keys.append([k for k, _ in pairs]) or dict(pairs))
    assert all(len(set(names)) == len(names) for names in keys)  # no key twice (Swagger UI refuses the schema)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"403", "404", "422"} <= documented, (method, path)
            if method in ("post", "patch", "put"):
                assert {"400", "409", "413"} <= documented, (method, path)
    assert schema["paths"]["/api/v1/org-units"]["post"]["responses"]["422"] == {
        "$ref": "#/components/responses/Error422"}
    error = schema["components"]["responses"]["Error422"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/Error"}


def test_integers_carry_their_range_and_sorts_their_values(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/ledger/events"]["get"]["parameters"]}
    assert parameters["actor"]["schema"]["anyOf"][0]["maximum"] == 2**63 - 1
    assert parameters["sort"]["schema"]["anyOf"][0]["enum"] == ["id", "-id"]
    people = {p["name"]: p for p in schema["paths"]["/api/v1/people"]["get"]["parameters"]}
    assert "-email" in people["sort"]["schema"]["anyOf"][0]["enum"]



def test_every_list_that_sorts_documents_its_sort_values(schema):
    undocumented = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "sort" and "enum" not in parameter["schema"].get("anyOf", [{}])[0]:
                    undocumented.append(f"{method.upper()} {path}")
    assert not undocumented, undocumented
    systems = {p["name"]: p for p in schema["paths"]["/api/v1/systems"]["get"]["parameters"]}
    assert {"name", "-name", "review"} <= set(systems["sort"]["schema"]["anyOf"][0]["enum"])
