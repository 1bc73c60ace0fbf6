"""Readiness is computed, never typed: in place, last test passed within its frequency, policies approved and
current, every evidence item fresh. It is ledgered when it changes and the owner gets a task when it is lost."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aims.compliance import services, tasks
from aims.compliance.models import Control
from aims.core import context
from aims.core.models import LedgerEvent, Task
from aims.evidence import services as evidence

from .conftest import pdf

pytestmark = pytest.mark.django_db


def moment(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


@pytest.fixture
def control(aims_manager, control_owner):
    control = services.create_control(actor=aims_manager, title="Data quality checks before training",
                                      owner=control_owner, status="in_place", frequency="every_quarter")
    services.add_test(actor=aims_manager, control=control, name="Sample review",
                      pass_criteria="20 sampled records match the source; no label error")
    return control


def reasons(control) -> list[str]:
    control.refresh_from_db()
    return [r["code"] for r in control.readiness_reasons]


def test_a_control_is_ready_only_with_a_passed_test_and_fresh_evidence(aims_manager, control, control_owner, unit):
    assert not control.is_ready and reasons(control) == ["test_never_run", "no_evidence"]
    test = control.tests.get()
    services.record_test_result(actor=control_owner, test=test, result="pass", notes="All 20 records match")
    assert reasons(control) == ["no_evidence"]
    evidence.create_evidence(actor=control_owner, title="Sample review sheet", unit=unit, file=pdf(),
                             valid_until=context.today() + timedelta(days=60), link_to=[control])
    control.refresh_from_db()
    assert control.is_ready and control.readiness_reasons == []
    events = LedgerEvent.objects.filter(action="compliance.control.readiness", object_id=str(control.pk))
    assert events.last().after_data == {"is_ready": True, "not_ready_because": []}


def test_a_failed_test_makes_it_not_ready_and_gives_the_owner_a_task(aims_manager, control, control_owner, unit):
    test = control.tests.get()
    services.record_test_result(actor=control_owner, test=test, result="pass", notes="ok")
    evidence.create_evidence(actor=control_owner, title="Sheet", unit=unit, file=pdf(), link_to=[control])
    assert Control.objects.get(pk=control.pk).is_ready
    with pytest.raises(ValidationError, match="what was found"):
        services.record_test_result(actor=control_owner, test=test, result="fail")
    outcome = services.record_test_result(actor=control_owner, test=test, result="fail", notes="3 label errors")
    assert reasons(control) == ["test_not_passed"]
    failed = Task.objects.get(assignee=control_owner, source=f"compliance.test_failed.{outcome.pk}")
    assert failed.url == control.get_absolute_url() + "?tab=tests"
    lost = Task.objects.get(assignee=control_owner, source=f"compliance.readiness.{control.pk}")
    assert lost.done_at is None and "3 label errors" not in lost.title and control.reference in lost.title


def test_time_passing_expires_evidence_and_tests_and_the_daily_job_says_so(aims_manager, control, control_owner,
                                                                            unit):
    test = control.tests.get()
    services.record_test_result(actor=control_owner, test=test, result="pass", notes="ok")
    item = evidence.create_evidence(actor=control_owner, title="Sheet", unit=unit, file=pdf(),
                                    valid_until=context.today() + timedelta(days=30), link_to=[control])
    assert Control.objects.get(pk=control.pk).is_ready
    assert tasks.refresh_all_readiness() == 0  # nothing changed today
    later = context.today() + timedelta(days=45)
    with context.bound(clock=lambda: moment(later)):
        assert tasks.refresh_all_readiness() == 1
    assert reasons(control) == ["evidence_not_fresh"]
    task = Task.objects.get(assignee=control_owner, source=f"compliance.readiness.{control.pk}")
    assert task.done_at is None and task.url == control.get_absolute_url()
    # The owner renews the evidence: ready again (as of that day), and the task closes.
    with context.bound(clock=lambda: moment(later)):
        evidence.update_evidence(actor=control_owner, item=item, changes={"valid_until": later + timedelta(days=365)})
        services.record_test_result(actor=control_owner, test=test, result="pass", notes="re-run")
    control.refresh_from_db()
    task.refresh_from_db()
    assert control.is_ready and task.done_at is not None
    much_later = later + timedelta(days=120)  # the quarterly test is now too old
    with context.bound(clock=lambda: moment(much_later)):
        tasks.refresh_all_readiness()
    assert reasons(control) == ["test_stale"]


def test_evidence_to_reconfirm_makes_the_control_not_ready(aims_manager, control, control_owner, unit):
    services.record_test_result(actor=control_owner, test=control.tests.get(), result="pass", notes="ok")
    item = evidence.create_evidence(actor=control_owner, title="Sheet", unit=unit, file=pdf(), link_to=[control])
    evidence.mark_to_reconfirm(actor=None, items=[item], reason="Model retrained")
    assert reasons(control) == ["evidence_not_fresh"]
    evidence.reconfirm_evidence(actor=control_owner, item=item, note="Checks unchanged")
    assert Control.objects.get(pk=control.pk).is_ready


def test_a_planned_control_is_not_ready(aims_manager, control_owner):
    planned = services.create_control(actor=aims_manager, title="Future control", owner=control_owner)
    assert "status" in reasons(planned)


def test_due_tests_give_the_tester_a_task(aims_manager, control, control_owner):
    assert tasks.open_due_tests() == 1
    task = Task.objects.get(assignee=control_owner, source=f"compliance.test_due.{control.tests.get().pk}")
    services.record_test_result(actor=control_owner, test=control.tests.get(), result="pass", notes="ok")
    task.refresh_from_db()
    assert task.done_at is not None
    assert control.tests.get().next_due == context.today() + timedelta(days=91)


def test_only_the_owner_backup_tester_or_a_compliance_writer_records_results(control, unit):
    from django.core.exceptions import PermissionDenied

    from aims.core.testing import person_with_role

    with pytest.raises(PermissionDenied):
        services.record_test_result(actor=person_with_role("contributor", unit), test=control.tests.get(),
                                    result="pass", notes="")
