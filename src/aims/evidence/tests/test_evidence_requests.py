"""Evidence requests: a task for the person asked, reminders as the due date nears, escalation to their manager when
overdue, and an answer that needs no evidence role."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from aims.core import context
from aims.core.models import Notification, Task
from aims.core.testing import person_with_role
from aims.evidence import services, tasks
from aims.evidence.models import EvidenceRequest
from aims.inventory import services as inventory

from .conftest import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(unit, manager):
    boss = person_with_role("viewer", unit)
    engineer = person_with_role(None, home_unit=unit)  # no role at all: an engineer asked for a test report
    engineer.manager = boss
    engineer.save()
    return {"boss": boss, "engineer": engineer}


def test_asking_opens_a_task_that_the_person_may_open(manager, people):
    request = services.request_evidence(actor=manager, requested_from=people["engineer"], title="Bias test results",
                                        due_date=context.today() + timedelta(days=10), evidence_type="test_report")
    task = Task.objects.get(assignee=people["engineer"], source=f"evidence.request.{request.pk}")
    assert task.url == request.get_absolute_url() and task.due_date == request.due_date
    assert EvidenceRequest.objects.restrict(people["engineer"], "view").filter(pk=request.pk).exists()


def test_reminders_then_escalation_to_the_manager(manager, people):
    today = context.today()
    request = services.request_evidence(actor=manager, requested_from=people["engineer"], title="Bias test results",
                                        due_date=today + timedelta(days=10))
    assert tasks.remind_requests(on=today) == {"reminded": 0, "escalated": 0}  # not yet due
    assert tasks.remind_requests(on=today + timedelta(days=8)) == {"reminded": 1, "escalated": 0}
    assert tasks.remind_requests(on=today + timedelta(days=9)) == {"reminded": 0, "escalated": 0}  # every 3 days
    assert tasks.remind_requests(on=today + timedelta(days=16)) == {"reminded": 1, "escalated": 1}
    request.refresh_from_db()
    assert request.escalated_to == people["boss"]
    boss_task = Task.objects.get(assignee=people["boss"], source=f"evidence.request.{request.pk}.escalation")
    assert boss_task.url == request.get_absolute_url()
    assert EvidenceRequest.objects.restrict(people["boss"], "view").filter(pk=request.pk).exists()
    assert tasks.remind_requests(on=today + timedelta(days=17)) == {"reminded": 0, "escalated": 0}  # escalated once
    assert Notification.objects.filter(recipient=people["boss"], kind="evidence.request").count() == 1


def test_the_person_asked_answers_without_an_evidence_role(manager, people, unit):
    owner = person_with_role("system_owner", unit)
    system = inventory.create_system(actor=manager, name="CV screener", unit=unit, owner=owner, purpose="Ranks CVs")
    request = services.request_evidence(actor=manager, requested_from=people["engineer"], title="Bias test results",
                                        due_date=context.today() + timedelta(days=5), target=system)
    answered = services.fulfil_request(actor=people["engineer"], request=request, file=pdf(), note="Q4 run")
    item = answered.fulfilled_item
    assert answered.status == "fulfilled" and item.owner == people["engineer"] and item.unit == unit
    assert item.links.get().object_id == str(system.pk)
    assert Task.objects.get(source=f"evidence.request.{request.pk}").done_at is not None
    with pytest.raises(ValidationError, match="no longer open"):
        services.fulfil_request(actor=people["engineer"], request=request, file=pdf())


def test_someone_else_cannot_answer_or_cancel(manager, people, unit):
    request = services.request_evidence(actor=manager, requested_from=people["engineer"], title="Logs",
                                        due_date=context.today() + timedelta(days=5))
    from django.core.exceptions import PermissionDenied

    stranger = person_with_role("viewer", unit)
    with pytest.raises(PermissionDenied):
        services.fulfil_request(actor=stranger, request=request, file=pdf())
    with pytest.raises(PermissionDenied):
        services.cancel_request(actor=stranger, request=request, reason="no")
    services.cancel_request(actor=manager, request=request, reason="Not needed any more")
    assert EvidenceRequest.objects.get(pk=request.pk).status == "cancelled"
