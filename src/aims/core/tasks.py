"""Core's periodic jobs (ledger checkpoints, the database's statistics, API-token expiry notices, approval reminders).

Modules register their own jobs with `aims.core.periodic.periodic`; the names below stay importable from here.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import approvals, ledger_checkpoints
from .models import ApiToken, Notification
from .notifications import notify
from .periodic import PERIODIC_TASKS, crontab, periodic, run_periodic  # noqa: F401 (the registry's former home)


@periodic("ledger-checkpoint", crontab(minute="*"), "Sign the ledger's head (a checkpoint) when it moved")
def checkpoint_ledger() -> int | None:
    """See aims.core.ledger_checkpoints: the worker signs the head every minute when events were added since the newest
    checkpoint, so the last events before a quiet spell are covered too. Returns the event id signed."""
    record = ledger_checkpoints.write_checkpoint(force=True, unless_signed=ledger_checkpoints.newest_in_file())
    return record["id"] if record else None


@periodic("database-statistics", crontab(minute="30", hour="3"), "Refresh the statistics the database plans queries with")
def refresh_statistics() -> bool:
    """SQLite gathers no statistics by itself: without them its planner guesses that a table of 500 people is as large
    as one of 200,000 risks, and a list sorted by owner then sorts every risk instead of walking the people's name index
    and each one's risks (1.6 s instead of 39 ms at offset 100,000). A full ANALYZE (0.7 s at 200,000 risks): sampled
    statistics (analysis_limit) misled the planner into sorting the whole register by title (150-200 ms instead of
    60). PostgreSQL's autovacuum analyses its tables itself. Returns whether it ran."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True


@periodic("idempotency-purge", crontab(minute="17", hour="3"), "Forget API answers kept for retries once expired")
def purge_idempotency_records() -> int:
    from .idempotency import purge_expired

    return purge_expired()


@periodic("expire-api-tokens-notice", crontab(minute="0", hour="7"), "Warn people whose API tokens expire within 7 days")
def warn_expiring_tokens() -> int:
    """Notify each owner once per token in the week before it expires (the job runs daily; repeats are skipped)."""
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


@periodic("approval-reminders", crontab(minute="30", hour="7"),
          "Remind approvers of sign-offs waiting too long; keep approval tasks in step with who may approve")
def remind_approvers() -> int:
    """See aims.core.approvals.send_reminders (delays per kind in catalogs/approvals.yaml)."""
    return approvals.send_reminders()
