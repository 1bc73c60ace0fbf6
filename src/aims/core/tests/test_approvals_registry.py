"""The approvals registry (aims.core.approvals): who may approve, tasks and notifications for each approver, settling,
the inbox, and reminders of what waits too long. A made-up kind over organisation units stands for a module's."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy

from aims.core import approvals, context
from aims.core.models import Notification, PeopleGroup, RoleAssignment, Task
from aims.core.permissions import can_in_unit, people_holding, people_who_can
from aims.core.testing import OrgUnitFactory, UserFactory, person_with_role

pytestmark = pytest.mark.django_db

KEY = "test.unit_charter"
AUTHORS: dict[int, object] = {}
SINCE: dict[int, object] = {}


def _approve(*, actor, obj, comment="", **_details):
    approvals.require_approver(actor, KEY, obj)
    obj.description = "approved"
    obj.save(update_fields=["description"])
    approvals.settle(KEY, obj)
    return obj


@pytest.fixture
def kind(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "approvals.yaml").write_text(
        'version: "t"\nkinds:\n  test.unit_charter:\n    roles: [aims_manager]\n    remind_after_days: 3\n')
    from aims.core.models import OrgUnit

    registered = approvals.register(approvals.ApprovalKind(
        key=KEY, label=gettext_lazy("Unit charter"), order=1,
        waiting=lambda: OrgUnit.objects.filter(description="waiting"),
        approvers=lambda unit: approvals.people_in_approver_roles(KEY, unit),
        author=lambda unit: AUTHORS.get(unit.pk), since=lambda unit: SINCE.get(unit.pk, unit.created_at),
        url=lambda unit: f"/units/{unit.pk}/", approve=_approve,
        describe=lambda unit: f"Charter of {unit.name}",
    ))
    yield registered
    approvals.unregister(KEY)
    AUTHORS.clear()
    SINCE.clear()


@pytest.fixture
def charter(org, kind):
    unit = org["north"]
    unit.description = "waiting"
    unit.save()
    return unit


def test_people_holding_a_role_reach_down_the_tree_directly_or_through_a_group(org):
    direct = person_with_role("aims_manager", org["north"])
    above = person_with_role("aims_manager", org["root"])
    everywhere = person_with_role("aims_manager")
    sibling = person_with_role("aims_manager", org["south"])
    other_role = person_with_role("viewer", org["north"])
    gone = person_with_role("aims_manager", org["north"], is_active=False)
    member = UserFactory()
    group = PeopleGroup.objects.create(name="Managers")
    group.members.add(member)
    RoleAssignment.objects.create(role="aims_manager", group=group, unit=org["north"])
    found = set(people_holding(["aims_manager"], org["north_east"]))
    assert found == {direct, above, everywhere, member}
    assert not found & {sibling, other_role, gone}
    assert set(people_holding(["aims_manager"], None)) == {everywhere}


def test_people_who_can_act_is_what_the_permission_check_says_for_each_person(org):
    people = [person_with_role(role, unit) for role in ("administrator", "aims_manager", "risk_manager",
                                                         "system_owner", "contributor", "auditor", "viewer")
              for unit in (org["north"], org["south"], None)] + [UserFactory(is_superuser=True), UserFactory()]
    for action, domain in (("change", "risks"), ("view", "inventory"), ("change", "inventory"), ("add", "roles")):
        expected = {p.pk for p in people if can_in_unit(p, action, domain, org["north_east"])}
        assert set(people_who_can(action, domain, org["north_east"]).values_list("pk", flat=True)) == expected


def test_a_request_gives_each_approver_a_task_and_a_notification_that_open_the_page(charter, org):
    author = person_with_role("aims_manager", org["north"])
    english = person_with_role("aims_manager", org["root"])
    french = person_with_role("aims_manager", None, language="fr")
    person_with_role("aims_manager", org["south"])  # not over North
    person_with_role("aims_manager", org["north"], is_active=False)
    AUTHORS[charter.pk] = author
    assert approvals.request(KEY, charter) == sorted([english, french], key=lambda p: (str(p).lower(), p.pk))
    tasks = Task.objects.filter(source=approvals.task_source(KEY, charter))
    assert {t.assignee for t in tasks} == {english, french}
    assert {t.url for t in tasks} == {f"/units/{charter.pk}/"}
    assert Task.objects.get(assignee=english).title == "To approve: Charter of North"
    assert Notification.objects.get(recipient=french).title.startswith("Votre approbation est demandée")
    assert not Task.objects.filter(assignee=author).exists()


def test_only_an_approver_may_approve_never_the_author_and_the_refusal_says_who_may(charter, org):
    author = person_with_role("aims_manager", org["north"])
    reviewer = person_with_role("aims_manager", org["north"], first_name="Rita", last_name="Reviewer")
    AUTHORS[charter.pk] = author
    with pytest.raises(PermissionDenied, match="your own work"):
        _approve(actor=author, obj=charter)
    with pytest.raises(PermissionDenied, match="Rita Reviewer"):
        _approve(actor=person_with_role("viewer", org["north"]), obj=charter)
    assert approvals.context_for(author, KEY, charter)["is_author"]
    assert not approvals.context_for(author, KEY, charter)["may_approve"]
    assert approvals.context_for(reviewer, KEY, charter)["may_approve"]
    approvals.request(KEY, charter)
    _approve(actor=reviewer, obj=charter)
    assert not Task.objects.filter(source=approvals.task_source(KEY, charter), done_at__isnull=True).exists()
    assert approvals.waiting_for(reviewer) == []


def test_nobody_may_approve_when_the_only_role_holder_is_the_author(charter, org):
    author = person_with_role("aims_manager", org["north"])
    AUTHORS[charter.pk] = author
    assert approvals.approvers_of(KEY, charter) == []
    with pytest.raises(PermissionDenied, match="your own work"):
        approvals.require_approver(author, KEY, charter)
    with pytest.raises(PermissionDenied, match="Nobody may approve this yet"):
        approvals.require_approver(person_with_role("viewer"), KEY, charter)


def test_the_inbox_lists_what_the_reader_may_approve_oldest_first(kind, org):
    reader = person_with_role("aims_manager", org["root"])
    units = [OrgUnitFactory(parent=org["north"], description="waiting") for _ in range(3)]
    fresh = OrgUnitFactory(parent=org["south"], description="waiting")  # within the reader's scope too (root)
    elsewhere = person_with_role("aims_manager", org["north"])
    now = timezone.now()
    for age, unit in zip((2, 9, 5), units):
        SINCE[unit.pk] = now - timedelta(days=age)
    AUTHORS[units[0].pk] = reader
    rows = approvals.waiting_for(reader)
    assert [row.obj for row in rows] == [units[1], units[2], fresh]  # not units[0]: the reader wrote it
    assert [row.overdue for row in rows] == [True, True, False]  # this kind reminds after 3 days
    assert {row.obj for row in approvals.waiting_for(elsewhere)} == set(units)
    assert approvals.waiting_for(person_with_role("viewer")) == []


def test_reminders_come_after_the_delay_once_per_period_and_keep_tasks_in_step(charter, org):
    author = person_with_role("contributor", org["north"])
    first = person_with_role("aims_manager", org["north"])
    AUTHORS[charter.pk] = author
    start = timezone.now()
    SINCE[charter.pk] = start
    approvals.request(KEY, charter, notify_approvers=False)

    def run_on(day):
        with context.bound(clock=lambda: start + timedelta(days=day)):
            return approvals.send_reminders()

    assert run_on(2) == 0  # the kind reminds after 3 days
    assert run_on(4) == 1
    assert Notification.objects.get(recipient=first, kind=approvals.REMINDER_KIND).url == f"/units/{charter.pk}/"
    assert run_on(5) == 0  # once per period
    # Someone became an approver since, and the first lost the role: tasks follow who may approve now.
    second = person_with_role("aims_manager", org["root"])
    RoleAssignment.objects.filter(user=first).delete()
    assert run_on(8) == 1
    source = approvals.task_source(KEY, charter)
    assert Task.objects.get(source=source, assignee=second).done_at is None
    assert Task.objects.get(source=source, assignee=first).done_at is not None
    # It no longer waits (decided elsewhere): nobody keeps a task for it.
    charter.description = ""
    charter.save()
    assert run_on(12) == 0
    assert not Task.objects.filter(source=source, done_at__isnull=True).exists()


def test_a_returned_and_resubmitted_object_asks_its_approvers_again(charter, org):
    approver = person_with_role("aims_manager", org["north"])
    approvals.request(KEY, charter)
    approvals.settle(KEY, charter)
    approvals.request(KEY, charter)
    assert Task.objects.get(assignee=approver).done_at is None
    assert Notification.objects.filter(recipient=approver, kind="approval").count() == 2
