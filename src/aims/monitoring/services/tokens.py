"""Push tokens: a pipeline's credential for one system's measurements and drift histograms, and nothing else."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims.core import context, ledger
from aims.core.permissions import CHANGE, require
from aims.core.services import hash_token
from aims.inventory.services._common import ensure_not_frozen

from ..models import PushToken

PREFIX = "aimsp_"
MAX_DAYS = 366


@transaction.atomic
def create_push_token(*, actor, system, name: str, days: int = 90) -> tuple[PushToken, str]:
    """Return the token and its secret, shown once and never stored."""
    require(actor, CHANGE, domain="monitoring", unit=system.unit)
    ensure_not_frozen(system)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the token after the pipeline that uses it.")})
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValidationError({"days": _("A token lasts between 1 and 366 days.")})
    secret = PREFIX + secrets.token_urlsafe(32)
    now = context.now()
    token = PushToken.objects.create(system=system, name=name[:100], prefix=secret[:14], key_hash=hash_token(secret),
                                     created_by=actor, created_at=now, expires_at=now + timedelta(days=int(days)))
    ledger.record(actor=actor, action="monitoring.pushtoken.create", obj=token, after={
        "system": system.pk, "name": token.name, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()})
    return token, secret


@transaction.atomic
def revoke_push_token(*, actor, token: PushToken, reason: str = "") -> PushToken:
    require(actor, CHANGE, domain="monitoring", unit=token.system.unit)
    if token.revoked_at is None:
        token.revoked_at = context.now()
        token.save(update_fields=["revoked_at"])
        ledger.record(actor=actor, action="monitoring.pushtoken.revoke", obj=token,
                      after={"revoked_at": token.revoked_at.isoformat()}, reason=reason)
    return token


def find_token(secret: str) -> PushToken | None:
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    return PushToken.objects.select_related("system__unit", "created_by").filter(key_hash=hash_token(secret)).first()


USE_STAMP_INTERVAL = timedelta(minutes=10)


def record_use(token: PushToken) -> None:
    """Stamp last_used_at at most once per interval (every push is ledgered anyway, with the token's prefix)."""
    now = context.now()
    if token.last_used_at is not None and token.last_used_at > now - USE_STAMP_INTERVAL:
        return
    PushToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
