"""The clock in core's context: the wall clock by default; a bound clock (the demo's past year) dates the ledger events,
the objects the services create and change, notifications and tasks, with times that only move forward."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims.core import context, ledger, services
from aims.core.demo import DemoClock, Organisation, Timeline
from aims.core.models import LedgerEvent, Notification, Task
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.testing import UserFactory

pytestmark = pytest.mark.django_db


def test_without_a_bound_clock_changes_are_dated_now(admin_user, org):
    before = timezone.now()
    unit = services.create_org_unit(actor=admin_user, name="Lab", code="lab", parent=org["north"])
    event = LedgerEvent.objects.get(action="core.orgunit.create")
    assert before <= event.created_at <= timezone.now()
    assert before <= unit.created_at <= timezone.now()
    assert not context.clock_bound()


def test_a_bound_clock_dates_events_objects_notifications_and_tasks_and_sends_no_mail(
        admin_user, org, mailoutbox, django_capture_on_commit_callbacks):
    past = timezone.now() - timedelta(days=200)
    clock = DemoClock(past, end=timezone.now() - timedelta(minutes=5))
    person = UserFactory(email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True), context.bound(clock=clock):
        unit = services.create_org_unit(actor=admin_user, name="Lab", code="lab", parent=org["north"])
        services.update_org_unit(actor=admin_user, unit=unit, changes={"name": "Research lab"})
        notify(recipient=person, title="Review due")
        task = open_task(assignee=person, title="Review", source="test.review")
        close_tasks(source="test.review")
        assert context.today() == timezone.localdate(past)
    unit.refresh_from_db()
    task.refresh_from_db()
    events = list(LedgerEvent.objects.order_by("id"))
    times = [event.created_at for event in events]
    assert times == sorted(times) and len(set(times)) == len(times)  # strictly increasing along the chain
    assert all(past <= t < past + timedelta(minutes=1) for t in times)
    assert past <= unit.created_at < unit.updated_at < past + timedelta(minutes=1)
    assert past <= Notification.objects.get(recipient=person).created_at < past + timedelta(minutes=1)
    assert past <= task.created_at < task.done_at < past + timedelta(minutes=1)
    assert mailoutbox == []  # a change replayed in the past is not news
    assert ledger.verify(parallel=False).ok


def test_the_demo_clock_only_moves_forward_and_never_reaches_its_end():
    start = timezone.now() - timedelta(days=10)
    end = start + timedelta(seconds=10)
    clock = DemoClock(start, end)
    readings = [clock() for _ in range(10)]
    assert readings == sorted(readings) and len(set(readings)) == 10
    assert readings[0] == start and all(r <= end + timedelta(seconds=1) for r in readings)
    clock.move_to(start)  # an earlier moment does not take it back
    assert clock() > readings[-1]
    clock.move_to(start + timedelta(days=30))  # nor beyond its end
    assert clock() <= end + timedelta(seconds=1)


def test_the_timeline_runs_steps_in_date_order_then_module_order(admin_user):
    today = timezone.now()
    timeline = Timeline(DemoClock(today - timedelta(days=365), today - timedelta(minutes=5)), today)
    organisation = Organisation(admin=admin_user, units={}, people={}, timeline=timeline)
    ran = []

    def step(name):
        return lambda: ran.append((name, context.now(), context.request_id()))

    timeline.order = 20
    organisation.at(10, step("risks, 10 days ago"))
    organisation.at(200, step("risks, 200 days ago"), at="15:00")
    timeline.order = 10
    organisation.at(10, step("inventory, 10 days ago"))
    organisation.at(200, step("inventory, 200 days ago"), at="09:30")
    with context.bound(clock=timeline.clock):
        timeline.run()
    assert [name for name, _when, _request in ran] == [
        "inventory, 200 days ago", "risks, 200 days ago", "inventory, 10 days ago", "risks, 10 days ago"]
    when = timezone.localtime(ran[0][1])
    assert (when.date(), when.hour, when.minute) == ((timezone.localtime(today) - timedelta(days=200)).date(), 9, 30)
    assert len({request for _name, _when, request in ran}) == 4  # each step reads like its own request
    with pytest.raises(ValueError):
        organisation.at(400, step("too old"))
    with pytest.raises(RuntimeError):
        Organisation(admin=admin_user, units={}, people={}).at(5, step("from a present loader"))
