"""Re-assessment on a schedule by criticality: the daily sweep opens one task per approved supplier whose last
completed assessment is older than its interval (catalogs/suppliers.yaml), for its owner; completing an assessment
closes it; the register and the supplier's page say "re-assessment due" and "under re-assessment"."""

from datetime import timedelta

import pytest
from django.urls import reverse

from aims.core import context
from aims.core.models import Task
from aims.core.periodic import run_periodic
from aims.core.testing import person_with_role
from aims.suppliers import services
from aims.suppliers.catalog import reassessment_months
from aims.suppliers.models import Supplier
from aims.suppliers.services_reassessment import open_reassessment_tasks, schedule_of, task_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(ready_supplier, procurement, manager):
    services.submit_for_approval(actor=procurement, supplier=ready_supplier)
    services.approve_supplier(actor=manager, supplier=ready_supplier)
    # What the systems depending on it would make it (criticality is computed; here set as the test's premise).
    Supplier.objects.filter(pk=ready_supplier.pk).update(criticality="high")
    return Supplier.objects.get(pk=ready_supplier.pk)


def later(days: int):
    moment = context.now() + timedelta(days=days)
    return context.bound(clock=lambda: moment)


def open_tasks(supplier):
    return Task.objects.filter(source=task_source(supplier.pk), done_at__isnull=True)


def test_nothing_is_due_within_the_interval(approved):
    assert reassessment_months("high") == 12
    assert open_reassessment_tasks() == 0
    schedule = schedule_of(approved)
    assert not schedule.due and not schedule.under_way and schedule.due_on is not None
    with later(300):
        assert open_reassessment_tasks() == 0
    assert not Task.objects.filter(source__startswith="suppliers.reassessment.").exists()


def test_a_supplier_past_its_interval_gets_one_task_for_its_owner(approved, procurement):
    with later(400):
        assert schedule_of(Supplier.objects.get(pk=approved.pk)).due
        assert run_periodic("suppliers-reassessment") == 1
        assert open_reassessment_tasks() == 1  # idempotent: still one open task
    task = open_tasks(approved).get()
    assert task.assignee == procurement and task.url.startswith(approved.get_absolute_url())
    assert "Re-assess the supplier Lumen Language Models Ltd" in task.title


def test_completing_an_assessment_closes_the_task_and_the_schedule_restarts(approved, procurement):
    with later(400):
        open_reassessment_tasks()
        assessment = services.start_assessment(actor=procurement, supplier=approved)
        assert schedule_of(Supplier.objects.get(pk=approved.pk)).under_way
        services.complete_assessment(actor=procurement, assessment=assessment, score=85)
        assert not open_tasks(approved).exists()
        assert open_reassessment_tasks() == 0
        assert not schedule_of(Supplier.objects.get(pk=approved.pk)).due


def test_the_task_follows_a_new_owner(approved, procurement, org):
    with later(400):
        open_reassessment_tasks()
        newcomer = person_with_role("system_owner", org["north"])
        services.update_supplier(actor=procurement, supplier=approved, changes={"owner": newcomer})
        open_reassessment_tasks()
    assert open_tasks(approved).get().assignee == newcomer


def test_suppliers_not_approved_or_without_schedule_are_left_alone(ready_supplier, approved, make_supplier):
    unused = make_supplier(legal_name="Nobody depends on us")
    assert reassessment_months("") is None
    with later(4000):
        assert open_reassessment_tasks() == 1  # only the approved one with a criticality
    assert schedule_of(unused).due_on is None


@pytest.mark.parametrize("change", ["suspended", "criticality_lowered", "nothing_depends_on_it", "removed"])
def test_the_sweep_closes_the_task_of_a_supplier_no_longer_due(approved, procurement, manager, change):
    other = services.create_supplier(actor=procurement, legal_name="Still due Ltd", unit=approved.unit,
                                     owner=procurement)
    Supplier.objects.filter(pk=other.pk).update(status="approved", approved_at=approved.approved_at,
                                                criticality="critical")
    with later(400):
        assert run_periodic("suppliers-reassessment") == 2
        assert open_tasks(approved).count() == 1 and open_tasks(other).count() == 1
        if change == "suspended":
            services.suspend_supplier(actor=manager, supplier=approved, reason="Acquired by a competitor")
        elif change == "criticality_lowered":  # low: 36 months, so not due yet
            Supplier.objects.filter(pk=approved.pk).update(criticality="low")
        elif change == "nothing_depends_on_it":  # no criticality: no schedule
            Supplier.objects.filter(pk=approved.pk).update(criticality="")
        else:
            Supplier.objects.filter(pk=approved.pk).delete()
        assert run_periodic("suppliers-reassessment") == 1
        assert not open_tasks(approved).exists()
        assert open_tasks(other).count() == 1  # the supplier still due keeps its task
        assert run_periodic("suppliers-reassessment") == 1 and not open_tasks(approved).exists()


def test_the_register_and_the_page_say_it_is_due(client, approved, procurement):
    client.force_login(procurement)
    with later(400):
        listing = client.get(reverse("suppliers:supplier_list")).content.decode()
        page = client.get(approved.get_absolute_url()).content.decode()
    assert 'data-reassessment="due"' in listing and "Re-assessment due" in listing
    assert 'data-reassessment="due"' in page and "Re-assessment was due on" in page
    services.start_assessment(actor=procurement, supplier=approved)
    listing = client.get(reverse("suppliers:supplier_list")).content.decode()
    assert 'data-reassessment="under_way"' in listing and "Under re-assessment" in listing
    assert "Next re-assessment due on" in client.get(approved.get_absolute_url()).content.decode()
