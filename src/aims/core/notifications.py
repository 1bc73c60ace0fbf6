"""Notifications: in-app messages, e-mail, and signed webhooks for ledger events.

Everything leaves the transaction through `on_commit`, so nothing is sent for a change that rolled back.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.db import transaction

from .models import Notification, Task, WebhookEndpoint

SIGNATURE_HEADER = "X-AIMS-Signature"


def sign(secret: str, body: bytes, timestamp: str) -> str:
    """HMAC-SHA256 over "timestamp.body", hex encoded, as `t=<timestamp>,v1=<hex>` (receivers check both)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def notify(*, recipient, title: str, body: str = "", url: str = "", kind: str = "info", email: bool = True) -> Notification:
    """Create an in-app notification now and e-mail it once the surrounding transaction commits."""
    notification = Notification.objects.create(recipient=recipient, title=title[:300], body=body, url=url, kind=kind)
    if email and recipient.email and recipient.is_active:
        from .tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email(notification.pk))
    return notification


def open_task(*, assignee, title: str, source: str, url: str = "", due_date=None) -> Task:
    """Put an item in someone's "my tasks" once per source key (re-opening an open task changes nothing)."""
    task, _created = Task.objects.get_or_create(
        assignee=assignee, source=source, defaults={"title": title[:300], "url": url, "due_date": due_date}
    )
    return task


def close_tasks(*, source: str) -> int:
    from django.utils import timezone

    return Task.objects.filter(source=source, done_at__isnull=True).update(done_at=timezone.now())


def webhook_payload(event) -> bytes:
    return json.dumps({
        "id": event.pk, "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
        "object_label": event.object_label, "actor": event.actor_label, "created_at": event.created_at.isoformat(),
        "before": json.loads(event.before), "after": json.loads(event.after), "reason": event.reason,
        "hash": event.hash,
    }, separators=(",", ":"), ensure_ascii=False).encode()


def dispatch_webhooks_on_commit(event) -> None:
    """Queue one delivery per active endpoint subscribed to this action (all actions when its list is empty)."""
    endpoints = [e for e in _active_endpoints() if not e.events or event.action in e.events]
    if not endpoints:
        return
    from .models import WebhookDelivery
    from .tasks import deliver_webhook

    deliveries = [WebhookDelivery.objects.create(endpoint=e, event_id=event.pk) for e in endpoints]
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: deliver_webhook(pk))


def _active_endpoints():
    # Few endpoints exist; reading them per event keeps every process consistent without a shared cache.
    return list(WebhookEndpoint.objects.filter(is_active=True).only("id", "events"))
