"""Daily jobs of the evidence library: expiry warnings to owners, reminders and escalations of evidence requests.

They run as the system actor "job:<name>", one transaction per object so that one bad row does not hold back the
others.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aims.core import context
from aims.core.models import Task
from aims.core.notifications import notify, open_task
from aims.core.periodic import crontab, periodic

from . import catalog, services
from .models import EvidenceItem, EvidenceRequest


def warn_expiring(on=None) -> int:
    """Owners of evidence expiring within the catalogue's window (or expired) get a task to renew it, once per
    expiry date."""
    day = on or context.today()
    horizon = day + timedelta(days=catalog.expiring_within_days())
    count = 0
    for item in EvidenceItem.objects.select_related("owner").filter(expires_on__lte=horizon).exclude(
            current_version=None):
        source = f"evidence.expiry.{item.pk}.{item.expires_on.isoformat()}"
        if Task.objects.filter(assignee=item.owner, source=source).exists():
            continue  # already told about this expiry date
        with transaction.atomic():
            open_task(assignee=item.owner, title=_("Renew evidence %(evidence)s (valid until %(date)s)"),
                      source=source, url=item.get_absolute_url(), due_date=item.expires_on,
                      params={"evidence": str(item), "date": item.expires_on})
            notify(recipient=item.owner, title=_("Evidence %(evidence)s is valid until %(date)s"),
                   body=_("Upload a new version or change its validity."), url=item.get_absolute_url(),
                   params={"evidence": str(item), "date": item.expires_on}, kind="evidence.expiry")
            count += 1
    return count


def remind_requests(on=None) -> dict:
    day = on or context.today()
    done = {"reminded": 0, "escalated": 0}
    for request in EvidenceRequest.objects.select_related("requested_from__manager").filter(
            status=EvidenceRequest.Status.OPEN).order_by("pk"):
        for outcome in services.remind_request(request=request, on=day):
            done[outcome] += 1
    return done


@periodic("evidence-expiry", crontab(minute="20", hour="6"), "Tell owners of evidence that expires soon to renew it")
def evidence_expiry_job() -> int:
    return warn_expiring()


@periodic("evidence-requests", crontab(minute="25", hour="6"), "Remind people of evidence requests; escalate overdue "
                                                                "ones to their manager")
def evidence_requests_job() -> dict:
    return remind_requests()
