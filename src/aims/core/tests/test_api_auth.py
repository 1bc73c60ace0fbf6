"""API authentication: session (with CSRF on changes) or a personal token, scopes, expiry, revocation, token-use
ledgering."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from aims.core import services
from aims.core.models import ApiToken, LedgerEvent, OrgUnit

from .api_helpers import assert_error, call, fingerprint, token_for

pytestmark = pytest.mark.django_db

NEW_UNIT = {"name": "Lab", "code": "lab"}


def test_anonymous_call_is_401_with_json_error_and_bearer_challenge(client, org):
    response = call(client, "GET", "/org-units")
    error = assert_error(response, 401, "unauthenticated")
    assert "token" in error["message"].lower()
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_health_needs_no_authentication(client):
    assert call(client, "GET", "/health").json() == {"status": "ok"}


def test_session_reads_and_writes(client, org, admin_user):
    client.force_login(admin_user)
    assert call(client, "GET", "/me").json()["email"] == admin_user.email
    created = call(client, "POST", "/org-units", NEW_UNIT)
    assert created.status_code == 201, created.content
    assert OrgUnit.objects.filter(code="lab").exists()


def test_session_change_without_csrf_token_is_refused_and_with_it_accepted(org, admin_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    assert call(browser, "GET", "/org-units").status_code == 200  # reads need no CSRF token
    before = fingerprint()
    refused = call(browser, "POST", "/org-units", NEW_UNIT)
    assert "CSRF" in assert_error(refused, 403, "permission_denied")["message"]
    assert fingerprint() == before
    browser.get("/")  # any page sets the csrftoken cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = call(browser, "POST", "/org-units", NEW_UNIT, HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.content


def test_read_token_reads_but_cannot_change_anything(client, org, admin_user):
    secret = token_for(admin_user, scopes=["read"])
    assert call(client, "GET", "/org-units", token=secret).json()["count"] == 4
    unit = org["south"]
    before = fingerprint()
    for method, path, body in [
        ("POST", "/org-units", NEW_UNIT),
        ("PATCH", f"/org-units/{unit.pk}", {"version": unit.version, "name": "Renamed"}),
        ("DELETE", f"/org-units/{unit.pk}", None),
    ]:
        response = call(client, method, path, body, token=secret)
        assert "read-only" in assert_error(response, 403, "permission_denied")["message"], method
    assert fingerprint() == before


def test_write_token_changes_through_the_service_and_the_change_is_ledgered_as_its_owner(client, org, admin_user):
    secret = token_for(admin_user, scopes=["read", "write"])
    created = call(client, "POST", "/org-units", NEW_UNIT, token=secret)
    assert created.status_code == 201, created.content
    event = LedgerEvent.objects.get(action="core.orgunit.create", object_id=str(created.json()["id"]))
    assert event.actor_id == admin_user.pk


@pytest.mark.parametrize("problem, message", [
    ("expired", "expired"), ("revoked", "revoked"), ("unknown", "Unknown"), ("not_ours", "Unknown"),
    ("inactive", "deactivated"),
])
def test_unusable_tokens_get_401_and_change_nothing(client, org, admin_user, problem, message):
    secret = token_for(admin_user)
    token = ApiToken.objects.get(user=admin_user)
    if problem == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif problem == "revoked":
        services.revoke_api_token(actor=admin_user, token=token)
    elif problem == "unknown":
        secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    elif problem == "not_ours":
        secret = "ghp_" + secret[5:]
    elif problem == "inactive":
        type(admin_user).objects.filter(pk=admin_user.pk).update(is_active=False)
    before = fingerprint()
    for method, body in [("GET", None), ("POST", NEW_UNIT)]:
        response = call(client, method, "/org-units", body, token=secret)
        assert message in assert_error(response, 401, "unauthenticated")["message"]
    assert fingerprint() == before


def test_a_bad_token_is_refused_even_alongside_a_valid_session(client, org, admin_user):
    client.force_login(admin_user)
    assert_error(call(client, "GET", "/me", token="aims_not-a-real-token"), 401, "unauthenticated")


def test_token_use_is_ledgered_once_per_ten_minutes_and_stamps_last_used(client, org, admin_user):
    secret = token_for(admin_user, scopes=["read"])
    token = ApiToken.objects.get(user=admin_user)
    assert token.last_used_at is None
    for _ in range(3):
        assert call(client, "GET", "/me", token=secret).status_code == 200
    events = LedgerEvent.objects.filter(action="auth.token_used")
    assert events.count() == 1
    event = events.get()
    assert (event.actor_id, event.object_type, event.object_id) == (admin_user.pk, "core.apitoken", str(token.pk))
    assert event.after_data["path"] == "/api/v1/me"
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Eleven minutes later the next call opens a new window.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=11))
    call(client, "GET", "/me", token=secret)
    assert LedgerEvent.objects.filter(action="auth.token_used").count() == 2
    # Nine minutes after that, still the same window.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=9))
    call(client, "GET", "/me", token=secret)
    assert LedgerEvent.objects.filter(action="auth.token_used").count() == 2


def test_refused_tokens_are_not_ledgered_as_used(client, org, admin_user):
    secret = token_for(admin_user, scopes=["read"])
    call(client, "POST", "/org-units", NEW_UNIT, token=secret)
    assert not LedgerEvent.objects.filter(action="auth.token_used").exists()

