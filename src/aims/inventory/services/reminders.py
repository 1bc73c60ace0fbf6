"""End-of-support reminders for the dependency register."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy

from aims.core import context
from aims.core.models import Task
from aims.core.notifications import notify, open_task

from ..models import AISystem, Dependency

# Days before end of support at which owners are reminded; an administrator may change them in settings.
DEFAULT_REMINDER_DAYS = (60, 30)


def reminder_days() -> tuple[int, ...]:
    return tuple(sorted(getattr(settings, "AIMS_END_OF_SUPPORT_REMINDER_DAYS", DEFAULT_REMINDER_DAYS), reverse=True))


def _recipients(dependency: Dependency) -> dict:
    """The dependency's owner and the owners of every system resting on it, directly or through a component."""
    people = {}
    if dependency.owner is not None and dependency.owner.is_active:
        people[dependency.owner.pk] = dependency.owner
    systems = (AISystem.objects.filter(Q(dependency_links__dependency=dependency)
                                       | Q(component_links__component__dependency_links__dependency=dependency))
               .filter(is_frozen=False, owner__is_active=True).select_related("owner").distinct())
    for system in systems:
        people[system.owner_id] = system.owner
    return people


@transaction.atomic
def send_end_of_support_reminders(*, today=None) -> int:
    """Remind owners once per dependency, end-of-support date and threshold; returns the number of reminders sent.

    Idempotent: the "my tasks" item opened with each reminder carries a source key naming the dependency, its date and
    the threshold, so a second run (or a run the next day) sends nothing new. A changed date starts a new series.
    Only the most urgent threshold reached is sent, so a dependency registered 20 days before its end gets one reminder.
    """
    today = today or context.today()
    thresholds = reminder_days()
    if not thresholds:
        return 0
    horizon = today + timedelta(days=max(thresholds))
    sent = 0
    dependencies = Dependency.objects.filter(end_of_support__gte=today, end_of_support__lte=horizon).select_related("owner")
    for dependency in dependencies:
        days_left = (dependency.end_of_support - today).days
        threshold = min(t for t in thresholds if days_left <= t)
        source = f"inventory.eos.{dependency.pk}.{dependency.end_of_support.isoformat()}.{threshold}"
        params = {"name": str(dependency), "date": dependency.end_of_support, "days": days_left}
        url = f"/inventory/dependencies/{dependency.pk}/"
        for person in _recipients(dependency).values():
            if Task.objects.filter(assignee=person, source=source).exists():
                continue
            open_task(assignee=person, title=gettext_lazy("Plan for the end of support of %(name)s (%(date)s)"),
                      source=source, url=url, due_date=dependency.end_of_support, params=params)
            notify(recipient=person, title=gettext_lazy("%(name)s reaches end of support on %(date)s"),
                   body=gettext_lazy("%(days)s days left. Check the systems that rest on it and plan an upgrade or a "
                                     "replacement."), params=params, url=url, kind="inventory.end_of_support")
            sent += 1
    return sent
