"""/.well-known/security.txt (RFC 9116) generated from settings: contact, expiry under a year, policy pointing at the
public report form, preferred languages, canonical address; served as plain text without an account."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from aims.core import context

pytestmark = pytest.mark.django_db


def _fields(body: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, value = line.split(": ", 1)
            fields.setdefault(name, []).append(value)
    return fields


def test_security_txt_follows_rfc_9116(settings):
    settings.SITE_URL = "https://aims.example.com"
    settings.CVD_CONTACT = "mailto:security@example.com"
    settings.CVD_SECURITY_TXT_DAYS = 180
    now = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)
    with context.bound(clock=lambda: now):
        response = Client().get("/.well-known/security.txt")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert body.endswith("\n")
    fields = _fields(body)
    assert fields["Contact"] == ["mailto:security@example.com", "https://aims.example.com/security/report/"]
    assert fields["Policy"] == ["https://aims.example.com/security/report/"]
    assert fields["Preferred-Languages"] == ["en, fr"]
    assert fields["Canonical"] == ["https://aims.example.com/.well-known/security.txt"]
    assert len(fields["Expires"]) == 1
    expires = datetime.strptime(fields["Expires"][0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert now < expires < now + timedelta(days=365) and expires.date() == (now + timedelta(days=180)).date()


def test_a_policy_address_and_a_longer_expiry_are_bounded(settings):
    settings.CVD_POLICY_URL = "https://example.com/security-policy"
    settings.CVD_SECURITY_TXT_DAYS = 1000
    now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    with context.bound(clock=lambda: now):
        fields = _fields(Client().get("/.well-known/security.txt").content.decode())
    assert fields["Policy"] == ["https://example.com/security-policy"]
    expires = datetime.strptime(fields["Expires"][0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expires - now < timedelta(days=365)
