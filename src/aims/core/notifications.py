"""Notifications: in-app messages, e-mail, and signed webhooks for ledger events.

Everything leaves the transaction through `on_commit`, so nothing is sent for a change that rolled back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import formats, timezone, translation
from django.utils.functional import Promise

from . import context
from .models import Notification, Task, WebhookEndpoint

SIGNATURE_HEADER = "X-AIMS-Signature"
SIGNATURE_VERSION = "v1"


def sign(secret: str, body: bytes, timestamp: str) -> str:
    """HMAC-SHA256 over "timestamp.body", hex encoded, as `t=<timestamp>,v1=<hex>` (receivers check both)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},{SIGNATURE_VERSION}={digest}"


def verify_signature(secret: str, body: bytes, header: str, tolerance_seconds: int = 300, now: float | None = None) -> bool:
    """For receivers: True when `header` (the X-AIMS-Signature value) signs `body` with `secret` and is recent.

    The timestamp is inside the signed text, so an old delivery replayed later fails the tolerance check; the digest
    is compared in constant time so a forger learns nothing from response times. Several v1 values are accepted so
    a secret can be rotated while deliveries are in flight.
    """
    if isinstance(body, str):
        body = body.encode()
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == SIGNATURE_VERSION and value:
            candidates.append(value)
    if not timestamp or not timestamp.isdigit() or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    # Compare every candidate (no early exit) so timing does not reveal which one matched.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    return matched


def _localised(value):
    """Dates in a notification read the recipient's way (e.g. "12 mars 2030" in French)."""
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def render_for(recipient, text, params: dict | None = None) -> str:
    """`text` in the recipient's language. A lazy gettext string is a template that receives `params`; plain text
    (what a person typed: a comment, a reason) is shown as it is, so a "%" in it can never break the rendering."""
    with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
        rendered = str(text or "")
        if params and isinstance(text, Promise):
            rendered = rendered % {key: _localised(value) for key, value in params.items()}
    return rendered


def notify(*, recipient, title, body="", url: str = "", kind: str = "info", email: bool = True,
           params: dict | None = None) -> Notification:
    """Create an in-app notification now and e-mail it once the surrounding transaction commits.

    Pass `title`/`body` as gettext_lazy strings with %(name)s placeholders and the values in `params`: they are
    rendered in the recipient's language (not the language of whoever or whatever triggered the notification).
    """
    notification = Notification.objects.create(
        recipient=recipient, title=render_for(recipient, title, params)[:300], body=render_for(recipient, body, params),
        url=url, kind=kind, created_at=context.now(),
    )
    # A change replayed in the past (the demo's history) is not news: it is in the inbox, not e-mailed today.
    if email and recipient.email and recipient.is_active and not context.clock_bound():
        from .tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email(notification.pk))
    return notification


def open_task(*, assignee, title, source: str, url: str = "", due_date=None, params: dict | None = None) -> Task:
    """Put an item in someone's "my tasks" once per source key (re-opening an open task changes nothing)."""
    task, _created = Task.objects.get_or_create(
        assignee=assignee, source=source,
        defaults={"title": render_for(assignee, title, params)[:300], "url": url, "due_date": due_date,
                  "created_at": context.now()},
    )
    return task


def close_tasks(*, source: str) -> int:
    return Task.objects.filter(source=source, done_at__isnull=True).update(done_at=context.now())


def webhook_payload(event) -> bytes:
    return json.dumps({
        "id": event.pk, "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
        "object_label": event.object_label, "actor": event.actor_label, "created_at": event.created_at.isoformat(),
        "before": json.loads(event.before), "after": json.loads(event.after), "reason": event.reason,
        "hash": event.hash,
    }, separators=(",", ":"), ensure_ascii=False).encode()


def dispatch_webhooks_on_commit(event) -> None:
    """Queue one delivery per active endpoint subscribed to this action (all actions when its list is empty)."""
    endpoint_ids = [pk for pk, events in _active_endpoints() if not events or event.action in events]
    if not endpoint_ids:
        return
    from .models import WebhookDelivery
    from .tasks import deliver_webhook

    deliveries = [WebhookDelivery.objects.create(endpoint_id=pk, event_id=event.pk) for pk in endpoint_ids]
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: deliver_webhook(pk))


def _active_endpoints() -> list[tuple[int, list]]:
    """(id, subscribed actions) of the active endpoints.

    Few endpoints exist; reading them per event keeps every process consistent without a shared cache. Plain SQL
    because this runs inside every ledgered change (see benchmarks/ledger.py).
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {quote('events')} FROM {quote(WebhookEndpoint._meta.db_table)} "
                       f"WHERE {quote('is_active')} = %s", [True])
        rows = cursor.fetchall()
    return [(pk, json.loads(events) if isinstance(events, (str, bytes)) else (events or [])) for pk, events in rows]
