"""Signed webhooks: one delivery per subscribed endpoint for each ledger event, retried with back-off.

The ledger calls `dispatch_webhooks_on_commit` for every event it writes; deliveries leave on commit, so nothing is
sent for a change that rolled back.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request

from django.db import connection, transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from .models import LedgerEvent, WebhookDelivery, WebhookEndpoint

# Back-off between webhook attempts, in seconds: 1 min, 5 min, 30 min, 2 h, 12 h (six attempts in all).
WEBHOOK_RETRY_DELAYS = (60, 300, 1800, 7200, 43200)
WEBHOOK_TIMEOUT_SECONDS = 10

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
    deliveries = [WebhookDelivery.objects.create(endpoint_id=pk, event_id=event.pk) for pk in endpoint_ids]
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: deliver_webhook(pk))


def dispatch_many_on_commit(events: list[tuple[int, str]]) -> None:
    """dispatch_webhooks_on_commit for a batch of (event id, action) (ledger.record_many), reading the endpoints
    once."""
    endpoints = _active_endpoints()
    if not endpoints:
        return
    deliveries = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(endpoint_id=pk, event_id=event_id)
        for event_id, action in events for pk, actions in endpoints if not actions or action in actions])
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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET elsewhere (urllib drops the body) and count as delivered; it could
    # also steer the request to an internal address. A 3xx is therefore a failed attempt.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with _opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310 (URL validated on the endpoint)
        return response.status


@db_task()
def deliver_webhook(delivery_id: int) -> bool:
    """POST the event, signed. On failure, schedule the next attempt following WEBHOOK_RETRY_DELAYS."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.delivered_at is not None or not delivery.endpoint.is_active:
        return False
    event = LedgerEvent.objects.get(pk=delivery.event_id)
    body = webhook_payload(event)
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "AIMS-webhook/1",
               SIGNATURE_HEADER: sign(delivery.endpoint.secret, body, timestamp), "X-AIMS-Event": event.action,
               "X-AIMS-Delivery": str(delivery.pk)}
    delivery.attempts += 1
    try:
        delivery.status_code = _post(delivery.endpoint.url, body, headers)
        delivery.error = ""
        ok = 200 <= delivery.status_code < 300
    except urllib.error.HTTPError as exc:  # a non-2xx answer (urllib raises for those)
        delivery.status_code = exc.code
        delivery.error = f"HTTP {exc.code}"
        ok = False
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        delivery.status_code = None
        delivery.error = str(exc)[:1000] or type(exc).__name__
        ok = False
    if ok:
        delivery.delivered_at = timezone.now()
    delivery.save(update_fields=["attempts", "status_code", "error", "delivered_at"])
    if not ok and delivery.attempts <= len(WEBHOOK_RETRY_DELAYS):
        deliver_webhook.schedule((delivery_id,), delay=WEBHOOK_RETRY_DELAYS[delivery.attempts - 1])
    return ok
