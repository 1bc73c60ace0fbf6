"""Security headers, Content-Security-Policy, cookies and CSRF on the pages people use."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.test import Client

from aims.core.testing import UserFactory

from .auth_helpers import LOGIN_URL, log_in

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_hardened(response):
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_login_page_carries_the_security_headers(client):
    _assert_hardened(client.get(LOGIN_URL))


def test_signed_in_pages_carry_the_security_headers(client):
    person = UserFactory()
    log_in(client, person.email)
    for path in ("/", "/me/", "/me/tokens/", "/me/tokens/new/", "/accounts/2fa/"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_hardened(response)


def test_session_and_csrf_cookies_are_httponly_and_samesite(client):
    person = UserFactory()
    client.get(LOGIN_URL)
    csrf = client.cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"

    response = log_in(client, person.email)

    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_cookies_are_marked_secure_when_configured(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    person = UserFactory()
    login_page = client.get(LOGIN_URL)
    assert login_page.cookies["csrftoken"]["secure"] is True
    assert log_in(client, person.email).cookies["sessionid"]["secure"] is True


@pytest.mark.parametrize(("value", "expected"), [("1", "True True"), ("0", "False False")])
def test_aims_secure_cookies_variable_drives_both_cookie_flags(tmp_path, value, expected):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update(AIMS_DATA_DIR=str(tmp_path), AIMS_SECURE_COOKIES=value, AIMS_SECRET_KEY="x" * 50)
    output = subprocess.run(
        [sys.executable, "-c", "import aims.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert output == expected


def test_post_without_csrf_token_is_refused():
    person = UserFactory()
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOGIN_URL, {"login": person.email, "password": "whatever-123"}).status_code == 403

    client.force_login(person)
    response = client.post("/me/tokens/new/", {"name": "x", "scope": "read", "days": 5})
    assert response.status_code == 403
    assert not person.api_tokens.exists()


def test_post_with_csrf_token_is_accepted():
    person = UserFactory()
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN_URL)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(LOGIN_URL, {"login": person.email, "password": "Correct-Horse-Battery-42",
                                       "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_api_docs_are_served_locally_under_a_csp_without_inline_script_or_cdn(client):
    person = UserFactory()
    client.force_login(person)
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    _assert_hardened(response)  # the same policy as every other page: no exception for the docs
    csp = _csp(response)
    assert not any("http" in value for values in csp.values() for value in values)
    html = response.content.decode()
    assert '"validatorUrl": null' in html  # no badge image fetched from validator.swagger.io
    # Every script is either loaded from our own static files or an inert JSON data block.
    for attributes in re.findall(r"<script([^>]*)>", html):
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes, attributes
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset
