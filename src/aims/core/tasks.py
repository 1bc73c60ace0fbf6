"""Background work on Huey: e-mails, webhook deliveries with back-off, and the periodic-task registry."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import context

# Back-off between webhook attempts, in seconds: 1 min, 5 min, 30 min, 2 h, 12 h.
WEBHOOK_RETRY_DELAYS = (60, 300, 1800, 7200, 43200)

PERIODIC_TASKS: dict[str, dict] = {}


def periodic(name: str, schedule: crontab, description: str = "") -> Callable:
    """Register a periodic job under a stable name. Later modules use this for reminders and deadline clocks.

    The job runs as the system actor "job:<name>", so the ledger shows which job made each change.
    """

    def decorator(func):
        def run():
            with context.bound(system_actor=f"job:{name}", request_id=f"job-{name}-{int(time.time())}"):
                return func()

        run.__name__ = func.__name__
        task = db_periodic_task(schedule, name=f"aims.{name}")(run)
        PERIODIC_TASKS[name] = {"task": task, "func": func, "schedule": schedule, "description": description}
        return task

    return decorator


@db_task()
def send_notification_email(notification_id: int) -> bool:
    from .models import Notification

    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return False
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{settings.SITE_URL}{notification.url}"
    send_mail(f"[AIMS] {notification.title}", body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
    return True


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (URL validated on the endpoint)
        return response.status


@db_task(context=True)
def deliver_webhook(delivery_id: int, task=None) -> bool:
    """POST the event, signed. On failure, schedule the next attempt following WEBHOOK_RETRY_DELAYS."""
    from .models import LedgerEvent, WebhookDelivery
    from .notifications import SIGNATURE_HEADER, sign, webhook_payload

    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.delivered_at is not None:
        return False
    event = LedgerEvent.objects.get(pk=delivery.event_id)
    body = webhook_payload(event)
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "AIMS-webhook/1",
               SIGNATURE_HEADER: sign(delivery.endpoint.secret, body, timestamp), "X-AIMS-Event": event.action}
    delivery.attempts += 1
    try:
        delivery.status_code = _post(delivery.endpoint.url, body, headers)
        delivery.error = ""
        ok = 200 <= delivery.status_code < 300
    except (urllib.error.URLError, OSError, ValueError) as exc:
        delivery.status_code = getattr(exc, "code", None)
        delivery.error = str(exc)[:1000]
        ok = False
    if ok:
        delivery.delivered_at = timezone.now()
    delivery.save(update_fields=["attempts", "status_code", "error", "delivered_at"])
    if not ok and delivery.attempts <= len(WEBHOOK_RETRY_DELAYS):
        deliver_webhook.schedule((delivery_id,), delay=WEBHOOK_RETRY_DELAYS[delivery.attempts - 1])
    return ok


@periodic("expire-api-tokens-notice", crontab(minute="0", hour="7"), "Warn people whose API tokens expire within 7 days")
def warn_expiring_tokens() -> int:
    from datetime import timedelta

    from .models import ApiToken
    from .notifications import notify

    soon = timezone.now() + timedelta(days=7)
    count = 0
    for token in ApiToken.objects.select_related("user").filter(revoked_at__isnull=True, expires_at__lte=soon,
                                                                expires_at__gt=timezone.now()):
        notify(recipient=token.user, title=f"API token “{token.name}” expires on {token.expires_at:%Y-%m-%d}",
               url="/me/tokens/", kind="token")
        count += 1
    return count
