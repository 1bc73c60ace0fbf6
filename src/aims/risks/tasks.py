"""Daily jobs of the risk module: expired acceptances, periodic reviews, overdue reminders.

They run as the system actor "job:<name>" (actor None in the services), one transaction per object so that one bad
row does not hold back the others.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huey.contrib.djhuey import db_task

from aims.core import context
from aims.core.periodic import crontab, periodic
from aims.core.stored_text import Text

from .models import Risk, RiskAcceptance, RiskReview, TreatmentAction
from .services._common import today
from .services.reviews import expire_acceptance, open_review, record_reminder
from .services.risks import risk_url
from .services.suggestions import suggest_by_rules

logger = logging.getLogger(__name__)
REMIND_EVERY_DAYS = 7


@db_task()
def suggest_risks_for_systems(system_ids: list[int]) -> int:
    """Record the suggested risks of systems registered in bulk (an import), one transaction per system."""
    from aims.inventory.models import AISystem

    count = 0
    for system in AISystem.objects.select_related("owner", "unit").filter(pk__in=system_ids).order_by("pk"):
        with transaction.atomic():
            count += len(suggest_by_rules(system=system))
    return count


def expire_acceptances(on=None) -> int:
    """Acceptances past their expiry end, and their risks come back for review (owner notified)."""
    day = on or today()
    count = 0
    for acceptance in RiskAcceptance.objects.select_related("risk__owner").filter(
        status=RiskAcceptance.Status.ACTIVE, expires_on__lt=day
    ):
        with transaction.atomic():
            expire_acceptance(actor=None, acceptance=acceptance)
        count += 1
    return count


def open_periodic_reviews(on=None) -> int:
    """Risks whose next review date has come, and that have no pending review, get one."""
    day = on or today()
    pending = RiskReview.objects.filter(status=RiskReview.Status.PENDING).values("risk_id")
    count = 0
    for risk in (Risk.objects.select_related("owner").filter(next_review_date__lte=day)
                 .exclude(status=Risk.Status.CLOSED).exclude(pk__in=pending)):
        with transaction.atomic():
            open_review(actor=None, risk=risk, source=RiskReview.Source.PERIODIC,
                        reason=Text(_("Periodic review due on %(date)s"), date=risk.next_review_date))
        count += 1
    return count


def send_overdue_reminders(on=None) -> int:
    """Overdue reviews and treatment actions: a reminder to whoever must act, at most weekly per item."""
    day = on or today()
    not_recent = Q(reminded_on__isnull=True) | Q(reminded_on__lte=day - timedelta(days=REMIND_EVERY_DAYS))
    count = 0
    for review in RiskReview.objects.select_related("risk__owner").filter(
        not_recent, status=RiskReview.Status.PENDING, due_date__lt=day
    ):
        with transaction.atomic():
            record_reminder(actor=None, obj=review, on=day, recipient=review.risk.owner, url=risk_url(review.risk_id),
                            title=_("Overdue: the review of the risk “%(title)s” was due on %(date)s"),
                            params={"title": review.risk.title, "date": review.due_date})
        count += 1
    for action in TreatmentAction.objects.select_related("owner").filter(
        not_recent, status__in=TreatmentAction.OPEN_STATUSES, due_date__lt=day
    ):
        with transaction.atomic():
            record_reminder(actor=None, obj=action, on=day, recipient=action.owner, url=risk_url(action.risk_id),
                            title=_("Overdue: the risk treatment action “%(title)s” was due on %(date)s"),
                            params={"title": action.title, "date": action.due_date})
        count += 1
    return count


@periodic("risks-acceptance-expiry", crontab(minute="0", hour="6"), "Re-open risks whose acceptance expired")
def acceptance_expiry_job() -> int:
    return expire_acceptances()


@periodic("risks-periodic-reviews", crontab(minute="10", hour="6"), "Open risk reviews whose date has come")
def periodic_reviews_job() -> int:
    return open_periodic_reviews()


@periodic("risks-overdue-reminders", crontab(minute="20", hour="6"),
          "Remind owners of overdue risk reviews and treatment actions")
def overdue_reminders_job() -> int:
    return send_overdue_reminders()


@periodic("risks-import-uploads", crontab(minute="45", hour="3"),
          "Delete risk register uploads whose check was never confirmed (older than a day)")
def purge_import_uploads_job() -> int:
    from .views_import import PENDING

    return PENDING.purge_stale()
