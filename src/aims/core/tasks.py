"""Background work on Huey: e-mails, webhook deliveries with back-off, and the periodic-task registry."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab as huey_crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import context

# Back-off between webhook attempts, in seconds: 1 min, 5 min, 30 min, 2 h, 12 h (six attempts in all).
WEBHOOK_RETRY_DELAYS = (60, 300, 1800, 7200, 43200)
WEBHOOK_TIMEOUT_SECONDS = 10

PERIODIC_TASKS: dict[str, dict] = {}


def crontab(minute="*", hour="*", day="*", month="*", day_of_week="*", strict=False):
    """Huey's crontab, remembering its fields so `aims tasks list` can show when each job runs."""
    schedule = huey_crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, strict=strict)
    schedule.spec = f"{minute} {hour} {day} {month} {day_of_week}"
    return schedule


def periodic(name: str, schedule, description: str = "") -> Callable:
    """Register a periodic job under a stable name. Later modules use this for reminders and deadline clocks.

    The job runs as the system actor "job:<name>", so the ledger shows which job made each change. `run_now`
    in the registry runs it the same way outside Huey (`aims tasks run NAME`).
    """

    def decorator(func):
        def run():
            with context.bound(system_actor=f"job:{name}", request_id=f"job-{name}-{int(time.time())}"[:64]):
                return func()

        run.__name__ = func.__name__
        run.__doc__ = func.__doc__
        task = db_periodic_task(schedule, name=f"aims.{name}")(run)
        PERIODIC_TASKS[name] = {
            "task": task, "func": func, "run_now": run, "schedule": schedule,
            "schedule_text": getattr(schedule, "spec", "custom"), "description": description,
        }
        return task

    return decorator


def run_periodic(name: str):
    """Run one registered periodic job now, in this process, as its system actor."""
    try:
        entry = PERIODIC_TASKS[name]
    except KeyError:
        raise LookupError(name) from None
    return entry["run_now"]()


@db_task()
def send_notification_email(notification_id: int) -> bool:
    from .models import Notification

    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.is_active or not notification.recipient.email:
        return False
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{settings.SITE_URL}{notification.url}".lstrip()
    send_mail(f"[AIMS] {notification.title}", body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
    return True


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
    from .models import LedgerEvent, WebhookDelivery
    from .notifications import SIGNATURE_HEADER, sign, webhook_payload

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


@periodic("ledger-anchor", crontab(minute="7"), "Write the ledger's head to the anchor file outside the database")
def anchor_ledger() -> int | None:
    """See aims.core.ledger.record_anchor: lets `aims ledger verify` detect a chain cut or rewritten at its end."""
    from . import ledger

    anchor = ledger.record_anchor()
    return anchor["id"] if anchor else None


@periodic("expire-api-tokens-notice", crontab(minute="0", hour="7"), "Warn people whose API tokens expire within 7 days")
def warn_expiring_tokens() -> int:
    """Notify each owner once per token in the week before it expires (the job runs daily; repeats are skipped)."""
    from datetime import timedelta

    from .models import ApiToken, Notification
    from .notifications import notify

    now = timezone.now()
    count = 0
    tokens = ApiToken.objects.select_related("user").filter(
        revoked_at__isnull=True, expires_at__lte=now + timedelta(days=7), expires_at__gt=now, user__is_active=True,
    )
    for token in tokens:
        url = f"/me/tokens/#token-{token.pk}"
        if Notification.objects.filter(recipient=token.user, kind="token", url=url).exists():
            continue
        notify(recipient=token.user, title=_("API token “%(name)s” expires on %(date)s"),
               body=_("Create a new token before then if you still need API access."),
               params={"name": token.name, "date": timezone.localtime(token.expires_at).date()},
               url=url, kind="token")
        count += 1
    return count
