"""Two-factor authentication that an administrator can require, per person or for the whole organisation."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from aims.core.testing import DEFAULT_PASSWORD, UserFactory

from .auth_helpers import FIXED_TIME, activate_totp, freeze_totp_clock, log_in, stored_totp_secret, totp_code

pytestmark = pytest.mark.django_db

ACTIVATE_URL = "/accounts/2fa/totp/activate/"


def test_person_who_must_use_mfa_is_sent_to_the_authenticator_setup_from_any_page(client):
    person = UserFactory(mfa_required=True)
    log_in(client, person.email)

    for path in ("/", "/me/", "/me/tokens/", "/people/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == ACTIVATE_URL
    # allauth first asks for the password again; that page must be reachable too.
    confirm = client.get(ACTIVATE_URL, follow=True)
    assert confirm.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")
    html = confirm.content.decode()
    assert confirm.status_code == 200 and 'for="id_password"' in html
    assert html.count("Two-factor authentication is required for your account") == 1
    assert client.post(confirm.redirect_chain[-1][0], {"password": DEFAULT_PASSWORD}).url == ACTIVATE_URL
    page = client.get(ACTIVATE_URL)
    assert page.status_code == 200
    assert 'class="qr"' in page.content.decode()


def test_until_mfa_is_set_up_only_mfa_pages_logout_static_files_and_language_switch_are_reachable(client):
    person = UserFactory(mfa_required=True)
    log_in(client, person.email)

    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/static/aims/aims.css").status_code == 200
    switched = client.post("/language/", {"language": "fr", "next": ACTIVATE_URL})
    assert switched.status_code == 302 and switched.url == ACTIVATE_URL
    api = client.get("/api/v1/openapi.json")
    assert api.status_code == 403 and api.json()["error"]["code"] == "mfa_required"
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_after_activating_totp_the_person_reaches_home_and_the_next_login_asks_for_a_code(client, monkeypatch):
    person = UserFactory(mfa_required=True)
    log_in(client, person.email)

    response, secret = activate_totp(client, monkeypatch)

    assert response.status_code == 302
    assert stored_totp_secret(person) == secret
    assert client.get("/").status_code == 200

    client.post("/accounts/logout/")
    later = FIXED_TIME + 120
    freeze_totp_clock(monkeypatch, later)
    response = log_in(client, person.email)
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # the password alone does not sign in
    assert client.get("/").status_code == 302

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000" if totp_code(secret, later) != "000000" else "111111"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    signed_in = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, later)})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    assert client.get("/").status_code == 200


def test_organisation_wide_switch_applies_to_everyone(client, settings):
    settings.REQUIRE_MFA = True
    person = UserFactory(mfa_required=False)
    log_in(client, person.email)

    response = client.get("/")
    assert response.status_code == 302 and response.url == ACTIVATE_URL


def test_people_not_required_to_use_mfa_are_left_alone(client, settings):
    settings.REQUIRE_MFA = False
    person = UserFactory(mfa_required=False)
    log_in(client, person.email)

    assert client.get("/").status_code == 200


def test_person_who_must_use_mfa_cannot_switch_the_authenticator_off(client, monkeypatch):
    person = UserFactory(mfa_required=True)
    log_in(client, person.email)
    activate_totp(client, monkeypatch)

    page = client.get("/accounts/2fa/totp/deactivate/")
    assert "You cannot deactivate two-factor authentication" in page.content.decode()
    client.post("/accounts/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()


def test_person_free_to_choose_can_switch_the_authenticator_off(client, monkeypatch):
    person = UserFactory(mfa_required=False)
    log_in(client, person.email)
    activate_totp(client, monkeypatch)

    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()


def test_enforcement_costs_no_query_for_people_not_required_to_use_mfa(django_assert_num_queries, settings):
    """The check must not add a query to every page for everyone."""
    from django.test import RequestFactory

    from aims.core.middleware import MfaEnforcementMiddleware

    settings.REQUIRE_MFA = False
    request = RequestFactory().get("/")
    request.user = UserFactory(mfa_required=False)
    middleware = MfaEnforcementMiddleware(lambda r: "passed")
    with django_assert_num_queries(0):
        assert middleware(request) == "passed"
