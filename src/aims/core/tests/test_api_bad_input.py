"""Bad input gets a clear structured 4xx and changes nothing: malformed JSON, wrong types, unknown fields, oversized
bodies, hostile strings, stale versions, unknown routes."""

import pytest

from aims.core import services
from aims.core.models import JournalNote, OrgUnit

from .api_helpers import assert_error, call, fingerprint, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_token(admin_user):
    return token_for(admin_user)


def refused_unchanged(client, method, path, *, status, code, fields=None, **kwargs):
    before = fingerprint()
    response = call(client, method, path, **kwargs)
    error = assert_error(response, status, code, fields)
    assert fingerprint() == before
    return error


def test_malformed_json_is_400_and_says_where(client, org, admin_token):
    call(client, "GET", "/me", token=admin_token)  # the token-use event is written once, before the fingerprint
    for raw in ['{"name": "Lab", "code": ', "{'name': 'Lab'}", "not json", '{"name": "Lab",}']:
        error = refused_unchanged(client, "POST", "/org-units", raw=raw, token=admin_token, status=400,
                                  code="malformed_json")
        assert "not valid JSON" in error["message"] and "line 1" in error["message"]


def test_body_that_is_not_utf8_is_400(client, org, admin_token):
    call(client, "GET", "/me", token=admin_token)
    refused_unchanged(client, "POST", "/org-units", raw=b'{"name": "\xff\xfe"}', token=admin_token, status=400,
                      code="malformed_json")


@pytest.mark.parametrize("body, fields", [
    ({"name": "Lab", "code": "lab", "colour": "red"}, {"colour"}),                  # unknown field
    ({"name": "Lab"}, {"code"}),                                                     # missing field
    ({"name": ["Lab"], "code": "lab"}, {"name"}),                                    # wrong type
    ({"name": "Lab", "code": "lab", "parent_id": "north"}, {"parent_id"}),           # wrong type
    ({"name": "Lab", "code": "lab", "parent_id": 999999}, {"parent_id"}),            # unknown reference
    ({"name": "x" * 10_000, "code": "lab"}, {"name"}),                               # far too long
    ({"name": "Lab\x00", "code": "lab"}, {"name"}),                                  # NUL character
    ({"name": "Lab", "code": "<script>"}, {"code"}),                                 # not a slug
    ({"name": "", "code": "lab"}, {"name"}),                                         # blank
    ({"name": "Lab", "code": "north"}, {"code"}),                                    # duplicate code
    ([{"name": "Lab", "code": "lab"}], {"__all__"}),                                 # not an object
])
def test_invalid_create_is_422_with_field_names(client, org, admin_token, body, fields):
    call(client, "GET", "/me", token=admin_token)
    error = refused_unchanged(client, "POST", "/org-units", data=body, token=admin_token, status=422,
                              code="validation_error", fields=fields)
    if fields == {"colour"}:
        assert error["fields"]["colour"] == ["Unknown field."]


def test_empty_body_is_422_naming_the_required_fields(client, org, admin_token):
    call(client, "GET", "/me", token=admin_token)
    error = refused_unchanged(client, "POST", "/org-units", raw="", token=admin_token, status=422,
                              code="validation_error", fields={"__all__"})
    assert error["fields"]["__all__"] == ["A JSON object is required as the request body."]


@pytest.mark.parametrize("body, fields", [
    ({"name": "Renamed"}, {"version"}),                                  # version is required
    ({"version": "one", "name": "Renamed"}, {"version"}),                # wrong type
    ({"version": 1, "is_active": "perhaps"}, {"is_active"}),            # wrong type
    ({"version": 1, "path": "/1/"}, {"path"}),                          # not writable
    ({"version": 1, "name": None}, {"name"}),                           # null for a required value
    ({"version": 1, "parent_id": -5}, {"parent_id"}),                   # unknown reference
])
def test_invalid_patch_is_422_with_field_names(client, org, admin_token, body, fields):
    call(client, "GET", "/me", token=admin_token)
    refused_unchanged(client, "PATCH", f"/org-units/{org['south'].pk}", data=body, token=admin_token, status=422,
                      code="validation_error", fields=fields)


def test_moving_a_unit_under_its_own_descendant_is_422(client, org, admin_token):
    call(client, "GET", "/me", token=admin_token)
    north = org["north"]
    refused_unchanged(client, "PATCH", f"/org-units/{north.pk}", token=admin_token, status=422,
                      code="validation_error", fields={"parent"},
                      data={"version": north.version, "parent_id": org["north_east"].pk})


def test_stale_version_is_409_with_the_current_version(client, org, admin_user, admin_token):
    unit = org["south"]
    fresh = services.update_org_unit(actor=admin_user, unit=unit, changes={"name": "South 2"})
    call(client, "GET", "/me", token=admin_token)
    error = refused_unchanged(client, "PATCH", f"/org-units/{unit.pk}", data={"version": 1, "name": "Mine"},
                              token=admin_token, status=409, code="stale_version")
    assert error["current_version"] == fresh.version == 2
    accepted = call(client, "PATCH", f"/org-units/{unit.pk}", {"version": 2, "name": "Mine"}, token=admin_token)
    assert accepted.status_code == 200 and accepted.json()["version"] == 3


def test_oversized_body_is_413(client, org, admin_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    call(client, "GET", "/me", token=admin_token)
    body = {"name": "Lab", "code": "lab", "description": "d" * 2000}
    error = refused_unchanged(client, "POST", "/org-units", data=body, token=admin_token, status=413,
                              code="body_too_large")
    assert "1000" in error["message"]
    note = {"body": "n" * 2000}
    refused_unchanged(client, "POST", f"/journal/core.orgunit/{org['north'].pk}/notes", data=note,
                      token=admin_token, status=413, code="body_too_large")


def test_oversized_body_is_413_with_a_session_too(client, org, admin_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(admin_user)
    refused_unchanged(client, "POST", "/org-units", data={"name": "Lab", "code": "lab", "description": "d" * 2000},
                      status=413, code="body_too_large")


@pytest.mark.parametrize("text", [
    "<script>alert('x')</script>",
    "Robert'); DROP TABLE core_orgunit;--",
    "' OR 1=1 --",
    "\u202eevil\u200b ünïcødé 🚀",
])
def test_hostile_strings_are_stored_verbatim_and_returned_escaped(client, org, admin_token, text):
    created = call(client, "POST", "/org-units", {"name": text, "code": "lab", "description": text}, token=admin_token)
    assert created.status_code == 201, created.content
    unit = OrgUnit.objects.get(code="lab")
    assert unit.name == unit.description == text
    fetched = call(client, "GET", f"/org-units/{unit.pk}", token=admin_token)
    assert fetched.json()["name"] == text
    assert b"<" not in fetched.content and b">" not in fetched.content  # written as \u003c / \u003e
    assert OrgUnit.objects.count() == 5  # the SQL-ish text did nothing to the table


def test_hostile_note_is_stored_verbatim_and_its_html_is_sanitised(client, org, admin_token):
    body = "Hello <script>alert(1)</script> <img src=x onerror=alert(2)> **bold**"
    response = call(client, "POST", f"/journal/core.orgunit/{org['north'].pk}/notes", {"body": body},
                    token=admin_token)
    assert response.status_code == 201, response.content
    note = response.json()
    assert note["body"] == body
    assert "<script" not in note["body_html"] and "onerror" not in note["body_html"]
    assert "<strong>bold</strong>" in note["body_html"]
    assert JournalNote.objects.get().body == body


def test_nul_in_query_string_and_overlong_search_are_422(client, org, admin_token):
    assert_error(call(client, "GET", "/people", {"q": "a\x00b"}, token=admin_token), 422, "validation_error", {"q"})
    assert_error(call(client, "GET", "/people", {"q": "x" * 300}, token=admin_token), 422, "validation_error", {"q"})


@pytest.mark.parametrize("params, fields", [
    ({"limit": 0}, {"limit"}), ({"limit": 100000}, {"limit"}), ({"limit": "ten"}, {"limit"}),
    ({"offset": -1}, {"offset"}), ({"sort": "password"}, {"sort"}), ({"sort": "-"}, {"sort"}),
    ({"active": "maybe"}, {"active"}), ({"unit": "north"}, {"unit"}), ({"role": "emperor"}, {"role"}),
])
def test_bad_list_parameters_are_422(client, org, admin_token, params, fields):
    assert_error(call(client, "GET", "/people", params, token=admin_token), 422, "validation_error", fields)


def test_unknown_sort_key_names_the_allowed_ones(client, org, admin_token):
    error = assert_error(call(client, "GET", "/org-units", {"sort": "secret"}, token=admin_token), 422,
                         "validation_error", {"sort"})
    assert "code" in error["fields"]["sort"][0] and "name" in error["fields"]["sort"][0]


def test_unknown_route_wrong_method_and_bad_id_are_json(client, org, admin_token):
    assert_error(call(client, "GET", "/nothing-here", token=admin_token), 404, "not_found")
    assert_error(call(client, "GET", "/org-units/abc", token=admin_token), 404, "not_found")
    assert_error(call(client, "GET", "/org-units/999999", token=admin_token), 404, "not_found")
    response = call(client, "PUT", "/org-units", {"name": "x"}, token=admin_token)
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_deleting_a_unit_that_still_has_children_is_422(client, org, admin_token):
    call(client, "GET", "/me", token=admin_token)
    refused_unchanged(client, "DELETE", f"/org-units/{org['north'].pk}", token=admin_token, status=422,
                      code="validation_error", fields={"__all__"})


def test_oversized_form_body_read_by_the_csrf_check_is_413(org, admin_user, settings):
    from django.test import Client

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    browser.get("/")  # the CSRF cookie is set, so the CSRF check goes on to read the form body
    refused_unchanged(browser, "POST", "/org-units", raw="name=" + "x" * 2000,
                      content_type="application/x-www-form-urlencoded", status=413, code="body_too_large")


def test_an_unexpected_failure_is_a_json_500_that_changes_nothing(client, org, admin_user, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "create_org_unit", broken)
    client.force_login(admin_user)
    client.raise_request_exception = False
    error = refused_unchanged(client, "POST", "/org-units", data={"name": "Lab", "code": "lab"}, status=500,
                              code="server_error")
    assert "boom" not in error["message"]  # internals are logged, not shown
