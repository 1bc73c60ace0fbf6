"""Helpers for the API tests: JSON calls with a token or a session, and a fingerprint of the database to prove that a
refused request changed nothing."""

from __future__ import annotations

import json

from aims.core import services
from aims.core.models import (
    ApiToken, JournalNote, LedgerEvent, Notification, OrgUnit, PeopleGroup, RoleAssignment, User,
)

API = "/api/v1"


def token_for(user, scopes=("read", "write"), days: int = 30) -> str:
    """A real token created through the service, as the profile page does; returns its secret."""
    _token, secret = services.create_api_token(actor=user, name="tests", scopes=scopes, days=days)
    return secret


def call(client, method: str, path: str, data=None, *, token: str | None = None, raw: bytes | str | None = None,
         content_type: str = "application/json", **extra):
    """One API call. `data` is sent as JSON; `raw` is sent as is (for malformed bodies)."""
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    url = path if path.startswith("/api/") else API + path
    body = raw if raw is not None else (json.dumps(data) if data is not None else None)
    sender = getattr(client, method.lower())
    if method.upper() in {"GET", "HEAD"}:
        return sender(url, data or {}, **extra)
    if body is None:
        return sender(url, **extra)
    return sender(url, body, content_type=content_type, **extra)


def fingerprint() -> tuple:
    """Every row a core API call could touch, and the ledger's length: equal before and after means unchanged."""
    return (
        LedgerEvent.objects.count(),
        list(OrgUnit.objects.order_by("pk").values_list()),
        list(User.objects.order_by("pk").values_list(
            "pk", "email", "first_name", "last_name", "job_title", "unit_id", "manager_id", "backup_id", "language",
            "is_active", "mfa_required", "version")),
        list(PeopleGroup.objects.order_by("pk").values_list()),
        list(PeopleGroup.members.through.objects.order_by("pk").values_list()),
        list(RoleAssignment.objects.order_by("pk").values_list()),
        list(JournalNote.objects.order_by("pk").values_list()),
        list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
    )


def assert_error(response, status: int, code: str, fields: set[str] | None = None) -> dict:
    """The response is the structured JSON error with this status and code (and these field names)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"], error
    if fields is not None:
        assert set(error.get("fields", {})) == fields, error
        assert all(isinstance(m, list) and m and all(isinstance(x, str) and x for x in m)
                   for m in error["fields"].values()), error
    return error
