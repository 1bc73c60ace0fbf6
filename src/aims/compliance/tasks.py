"""Daily jobs of the compliance module: readiness as dates pass (evidence expiring, tests getting old), and tasks for
control tests that are due. One transaction per control; they run as "job:<name>"."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aims.core import context
from aims.core.notifications import open_task
from aims.core.periodic import crontab, periodic

from .models import Control, ControlTest
from .services import readiness


def refresh_all_readiness(on=None) -> int:
    changed = 0
    for control in Control.objects.exclude(status=Control.Status.RETIRED).select_related("owner").order_by("pk"):
        with transaction.atomic():
            changed += readiness.refresh_readiness(control=control, on=on)
    return changed


def open_due_tests(on=None) -> int:
    """The tester (or the control owner) of every test due gets a task that opens the control's tests."""
    day = on or context.today()
    count = 0
    for test in (ControlTest.objects.filter(is_active=True, next_due__lte=day)
                 .exclude(control__status=Control.Status.RETIRED).select_related("control__owner", "tester")):
        assignee = test.tester if test.tester_id and test.tester.is_active else test.control.owner
        open_task(assignee=assignee, source=f"compliance.test_due.{test.pk}", due_date=test.next_due,
                  url=test.control.get_absolute_url() + "?tab=tests",
                  title=_("Run the test “%(test)s” of %(control)s"),
                  params={"test": test.name, "control": str(test.control)})
        count += 1
    return count


@periodic("compliance-readiness", crontab(minute="40", hour="6"),
          "Re-evaluate control readiness as dates pass; give owners of controls no longer ready a task")
def readiness_job() -> int:
    return refresh_all_readiness()


@periodic("compliance-tests-due", crontab(minute="45", hour="6"), "Give testers a task for control tests that are due")
def tests_due_job() -> int:
    return open_due_tests()


def snapshot_open_assessments() -> int:
    """A point on the trend each day an open assessment's scores moved."""
    from .models import GapAssessment
    from .services.assessments import take_snapshot

    taken = 0
    for assessment in GapAssessment.objects.filter(status=GapAssessment.Status.OPEN).select_related("framework"):
        with transaction.atomic():
            taken += take_snapshot(actor=None, assessment=assessment, only_if_changed=True) is not None
    return taken


@periodic("compliance-gap-snapshots", crontab(minute="50", hour="23"),
          "Record the scores of open gap assessments that changed today (the trend chart)")
def gap_snapshots_job() -> int:
    return snapshot_open_assessments()


@periodic("compliance-obligations", crontab(minute="35", hour="6"),
          "Keep every classified system's AI Act obligations in step with its classification")
def obligations_job() -> int:
    from .services.obligations import sync_all

    return sync_all()


@periodic("compliance-policy-reviews", crontab(minute="55", hour="6"),
          "Give policy owners a task when a scheduled review (ISO/IEC 42001 A.2.4) is due")
def policy_reviews_job() -> int:
    from .services.policies import open_due_reviews

    return open_due_reviews()
