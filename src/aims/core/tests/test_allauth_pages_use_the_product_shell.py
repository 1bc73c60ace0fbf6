"""Every django-allauth page is drawn inside the product's shell, with labelled fields and nothing the CSP refuses."""

from __future__ import annotations

import re

import pytest

from aims.core.testing import UserFactory

from .auth_helpers import FIXED_TIME, activate_totp, freeze_totp_clock, log_in

pytestmark = pytest.mark.django_db


def assert_in_shell(response, *, layout: str):
    assert response.status_code == 200, response
    html = response.content.decode()
    assert 'class="topbar"' in html and '/static/aims/aims.css' in html
    assert f'class="auth-page auth-{layout}"' in html
    assert re.search(r"<title>\s*\S[^<]*· AIMS</title>", html)
    assert not re.search(r"<(?:[a-z]+)\s[^>]*\sstyle=", html), "style attribute"
    for attributes in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    # Each visible input has a label pointing at it.
    for input_id in re.findall(r'<(?:input|textarea|select)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id
    return html


def test_pages_before_signing_in(client):
    assert_in_shell(client.get("/accounts/login/"), layout="entrance")
    assert_in_shell(client.get("/accounts/password/reset/"), layout="entrance")
    assert_in_shell(client.get("/accounts/password/reset/done/"), layout="entrance")
    assert_in_shell(client.get("/accounts/password/reset/key/done/"), layout="entrance")
    assert_in_shell(client.get("/accounts/password/reset/key/1-bad-key/", follow=True), layout="entrance")


def test_login_errors_are_shown_with_the_form(client):
    html = assert_in_shell(client.post("/accounts/login/", {"login": "", "password": ""}), layout="entrance")
    assert html.count('class="field-error"') == 2


def test_security_pages_of_a_signed_in_person(client, monkeypatch):
    person = UserFactory()
    log_in(client, person.email)
    assert_in_shell(client.get("/accounts/logout/"), layout="manage")
    assert_in_shell(client.get("/accounts/password/change/"), layout="manage")
    assert_in_shell(client.get("/accounts/2fa/"), layout="manage")
    assert_in_shell(client.get("/accounts/2fa/totp/activate/", follow=True), layout="entrance")  # confirm access

    activate_totp(client, monkeypatch)
    assert_in_shell(client.get("/accounts/2fa/totp/activate/", follow=True), layout="manage")
    html = assert_in_shell(client.get("/accounts/2fa/recovery-codes/"), layout="manage")
    assert 'id="recovery_codes"' in html
    assert_in_shell(client.get("/accounts/2fa/recovery-codes/generate/"), layout="manage")
    assert_in_shell(client.get("/accounts/2fa/totp/deactivate/"), layout="manage")


def test_two_factor_step_of_the_login(client, monkeypatch):
    person = UserFactory()
    log_in(client, person.email)
    activate_totp(client, monkeypatch)
    client.post("/accounts/logout/")
    freeze_totp_clock(monkeypatch, FIXED_TIME + 60)

    assert log_in(client, person.email).url == "/accounts/2fa/authenticate/"
    html = assert_in_shell(client.get("/accounts/2fa/authenticate/"), layout="entrance")
    assert 'name="code"' in html and 'autocomplete="one-time-code"' in html
