"""Re-assessment on a schedule by criticality (catalogs/suppliers.yaml `reassessment_months`).

An approved supplier is due for re-assessment once its last completed assessment (else its approval) is older than
the interval its criticality sets. The daily sweep puts one task in the internal owner's "my tasks" per supplier due
(idempotent: the task's source is the supplier); completing an assessment closes it. The register and the
supplier's page say "re-assessment due" and "under re-assessment" (an assessment in progress after approval).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy

from aims.core import context

from .catalog import reassessment_months
from .models import Assessment, Status, Supplier


def add_months(day: date, months: int) -> date:
    from aims.evidence.services import add_months as evidence_add_months  # one calendar rule for the product

    return evidence_add_months(day, months)


TASK_PREFIX = "suppliers.reassessment."


def task_source(supplier_id: int) -> str:
    return f"{TASK_PREFIX}{supplier_id}"


def with_schedule(queryset):
    """Annotate suppliers with what the schedule needs, in the same query (correlated subqueries, no grouping): the
    last completion and whether an assessment is in progress."""
    completed = Assessment.objects.filter(supplier=OuterRef("pk"), state=Assessment.State.COMPLETED)
    return queryset.annotate(
        last_assessed_at=Subquery(completed.order_by("-completed_at").values("completed_at")[:1]),
        assessing=Exists(Assessment.objects.filter(supplier=OuterRef("pk"), state=Assessment.State.IN_PROGRESS)),
    )


@dataclass(frozen=True)
class Schedule:
    due_on: date | None  # None: no schedule (not approved, or nothing depends on the supplier)
    due: bool
    under_way: bool  # approved, with an assessment in progress

    @property
    def label(self):
        if self.under_way:
            return gettext_lazy("Under re-assessment")
        if self.due:
            return gettext_lazy("Re-assessment due")
        return ""

    @property
    def code(self) -> str:
        return "under_way" if self.under_way else "due" if self.due else ""


_UNSET = object()


def schedule_of(supplier: Supplier, *, last_assessed_at=_UNSET, assessing=_UNSET,
                today: date | None = None) -> Schedule:
    """The supplier's schedule. The last completion and whether one is in progress are given, else read from the
    annotations of `with_schedule`, else queried."""
    if supplier.status != Status.APPROVED:
        return Schedule(None, False, False)
    if last_assessed_at is _UNSET or assessing is _UNSET:
        if hasattr(supplier, "last_assessed_at") and hasattr(supplier, "assessing"):
            last_assessed_at, assessing = supplier.last_assessed_at, supplier.assessing
        else:
            values = with_schedule(Supplier.objects.filter(pk=supplier.pk)).values(
                "last_assessed_at", "assessing").first() or {}
            last_assessed_at, assessing = values.get("last_assessed_at"), values.get("assessing")
    months = reassessment_months(supplier.criticality)
    since = last_assessed_at or supplier.approved_at
    if months is None or since is None:
        return Schedule(None, False, bool(assessing))
    due_on = add_months(timezone.localdate(since), months)
    today = today or context.today()
    return Schedule(due_on, due_on <= today, bool(assessing))


def schedule_from(supplier: Supplier, assessments) -> Schedule:
    """The schedule from the supplier's assessments already loaded (its page lists them): no query."""
    completed = [a.completed_at for a in assessments if a.state == Assessment.State.COMPLETED and a.completed_at]
    return schedule_of(supplier, last_assessed_at=max(completed, default=None),
                       assessing=any(a.state == Assessment.State.IN_PROGRESS for a in assessments))


def due_suppliers(today: date | None = None):
    """Approved suppliers with an owner whose re-assessment is due (annotated), in one query."""
    today = today or context.today()
    rows = with_schedule(Supplier.objects.filter(status=Status.APPROVED, owner__isnull=False)).select_related("owner")
    return [s for s in rows.order_by("pk") if schedule_of(s, today=today).due]


def open_reassessment_tasks() -> int:
    """The daily sweep: one open task per supplier due, for its current owner. Returns how many suppliers are due.
    Running it again changes nothing; a task left with a former owner is closed, and so is the task of a supplier no
    longer due (suspended or back in onboarding, left without an owner, its criticality now giving a later date or no
    schedule, or removed from the register)."""
    from aims.core.models import Task
    from aims.core.notifications import open_task

    due = due_suppliers()
    still_due = {task_source(supplier.pk) for supplier in due}
    stale = [pk for pk, source in Task.objects.filter(source__startswith=TASK_PREFIX, done_at__isnull=True)
             .values_list("pk", "source") if source not in still_due]
    for start in range(0, len(stale), 500):
        Task.objects.filter(pk__in=stale[start:start + 500]).update(done_at=context.now())
    for supplier in due:
        source = task_source(supplier.pk)
        Task.objects.filter(source=source, done_at__isnull=True).exclude(assignee=supplier.owner).update(
            done_at=context.now())
        open_task(assignee=supplier.owner, source=source, reopen=True, url=supplier.get_absolute_url() + "#assessments",
                  title=gettext_lazy("Re-assess the supplier %(supplier)s"),
                  params={"supplier": supplier.legal_name}, due_date=schedule_of(supplier).due_on)
    return len(due)


def close_reassessment_task(supplier_id: int) -> int:
    """An assessment was completed: the supplier's re-assessment task is done."""
    from aims.core.notifications import close_tasks

    return close_tasks(source=task_source(supplier_id))
