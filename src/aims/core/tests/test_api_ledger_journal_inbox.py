"""Ledger, journal notes, notifications and tasks over the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims.core import notifications, services
from aims.core.models import LedgerEvent, Notification, Task
from aims.core.testing import UserFactory, drop_ledger_triggers, restore_ledger_triggers

from .api_helpers import assert_error, call, fingerprint, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client
    return sign_in


@pytest.fixture
def changes(org, admin_user):
    """A few ledgered changes by two different people."""
    other = UserFactory(unit=org["north"])
    services.update_org_unit(actor=admin_user, unit=org["north"], changes={"name": "North 2"}, reason="rename")
    services.update_org_unit(actor=admin_user, unit=org["south"], changes={"description": "Southern sites"})
    services.create_group(actor=admin_user, name="Board")
    return {"other": other}


# --- Ledger -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, scoped, allowed", [
    ("administrator", False, True), ("auditor", False, True), ("aims_manager", False, True),
    ("aims_manager", True, False), ("viewer", False, False), ("risk_manager", False, False),
])
def test_ledger_is_readable_only_by_roles_holding_it_over_the_whole_organisation(
        as_user, org, role_user, changes, role, scoped, allowed):
    client = as_user(role_user(role, org["north"] if scoped else None))
    for path in ("/ledger/events", "/ledger/verify"):
        response = call(client, "GET", path)
        if allowed:
            assert response.status_code == 200, response.content
        else:
            assert_error(response, 403, "permission_denied")


def test_ledger_events_filter_by_actor_object_action_and_date(as_user, org, role_user, admin_user, changes):
    client = as_user(role_user("auditor"))

    def actions(**params):
        return [e["action"] for e in call(client, "GET", "/ledger/events", params).json()["items"]]

    north = str(org["north"].pk)
    assert actions(object_type="core.orgunit", object_id=north) == ["core.orgunit.update"]
    assert actions(action="core.peoplegroup.create") == ["core.peoplegroup.create"]
    assert set(actions(actor=admin_user.pk)) == {"core.orgunit.update", "core.peoplegroup.create"}
    today = timezone.localdate()
    # Everything happened today (the login included).
    assert len(actions(date_from=today.isoformat(), date_to=today.isoformat())) == LedgerEvent.objects.count()
    assert actions(date_to=(today - timedelta(days=1)).isoformat()) == []
    assert actions(q="rename") == ["core.orgunit.update"]
    events = call(client, "GET", "/ledger/events", {"object_type": "core.orgunit", "object_id": north}).json()["items"]
    assert events[0]["before"] == {"name": "North"} and events[0]["after"] == {"name": "North 2"}
    assert len(events[0]["hash"]) == 64 and events[0]["reason"] == "rename"
    assert_error(call(client, "GET", "/ledger/events", {"date_from": today.isoformat(),
                                                        "date_to": (today - timedelta(days=1)).isoformat()}),
                 422, "validation_error", {"date_to"})
    assert_error(call(client, "GET", "/ledger/events", {"date_from": "yesterday"}), 422, "validation_error",
                 {"date_from"})


def test_ledger_events_sort_newest_first_by_default(as_user, org, admin_user, changes):
    client = as_user(admin_user)
    ids = [e["id"] for e in call(client, "GET", "/ledger/events").json()["items"]]
    assert ids == sorted(ids, reverse=True)
    ids = [e["id"] for e in call(client, "GET", "/ledger/events", {"sort": "id"}).json()["items"]]
    assert ids == sorted(ids)


def test_ledger_verify_reports_intact_then_the_first_tampered_event(as_user, org, admin_user, changes):
    client = as_user(admin_user)
    intact = call(client, "GET", "/ledger/verify").json()
    count = LedgerEvent.objects.count()
    assert intact == {"ok": True, "count": count, "head": LedgerEvent.objects.last().hash, "bad_id": None,
                      "problem": ""}
    victim = LedgerEvent.objects.order_by("id")[1]
    drop_ledger_triggers()
    try:
        LedgerEvent.objects.filter(pk=victim.pk).update(reason="forged")
    finally:
        restore_ledger_triggers()
    broken = call(client, "GET", "/ledger/verify").json()
    assert broken["ok"] is False and broken["bad_id"] == victim.pk and "modified" in broken["problem"]


# --- Journal ------------------------------------------------------------------------------------------------------------

def test_auditors_add_notes_and_viewers_read_them(as_user, org, role_user):
    auditor = role_user("auditor", org["north"])
    path = f"/journal/core.orgunit/{org['north'].pk}/notes"
    added = call(as_user(auditor), "POST", path, {"body": "Checked the **charter**."})
    assert added.status_code == 201, added.content
    note = added.json()
    assert note["author_id"] == auditor.pk and "<strong>charter</strong>" in note["body_html"]
    assert LedgerEvent.objects.filter(action="core.journal.add", object_id=str(org["north"].pk)).exists()
    viewer = as_user(role_user("viewer", org["north"]))
    listed = call(viewer, "GET", path).json()
    assert listed["count"] == 1 and listed["items"][0]["body"] == "Checked the **charter**."
    before = fingerprint()
    assert_error(call(viewer, "POST", path, {"body": "A viewer's remark"}), 403, "permission_denied")
    assert fingerprint() == before


@pytest.mark.parametrize("object_type, which", [
    ("core.orgunit", "south"),          # exists but outside the viewer's scope
    ("core.orgunit", "missing"),        # does not exist
    ("core.ledgerevent", "north"),      # not a registered type
    ("auth.permission", "north"),       # not a registered type
    ("core.orgunit", "abc"),            # not an id
])
def test_notes_on_invisible_unknown_or_unregistered_objects_are_404(as_user, org, role_user, object_type, which):
    client = as_user(role_user("viewer", org["north"]))
    object_id = {"south": org["south"].pk, "north": org["north"].pk, "missing": 999999, "abc": "abc"}[which]
    path = f"/journal/{object_type}/{object_id}/notes"
    assert_error(call(client, "GET", path), 404, "not_found")
    before = fingerprint()
    assert_error(call(client, "POST", path, {"body": "hello"}), 404, "not_found")
    assert fingerprint() == before


@pytest.mark.parametrize("body, fields", [
    ({"body": "   "}, {"body"}), ({"body": "x" * 20001}, {"body"}), ({"text": "hi"}, {"body", "text"}),
    ({"body": 42}, {"body"}),
])
def test_invalid_notes_are_422(as_user, org, role_user, body, fields):
    client = as_user(role_user("contributor"))
    before = fingerprint()
    assert_error(call(client, "POST", f"/journal/core.orgunit/{org['north'].pk}/notes", body), 422,
                 "validation_error", fields)
    assert fingerprint() == before


def test_notes_on_people_and_groups_use_their_registered_types(as_user, org, admin_user):
    client = as_user(admin_user)
    group = services.create_group(actor=admin_user, name="Board")
    for path in (f"/journal/core.user/{admin_user.pk}/notes", f"/journal/core.peoplegroup/{group.pk}/notes"):
        assert call(client, "POST", path, {"body": "ok"}).status_code == 201


# --- Notifications and tasks ------------------------------------------------------------------------------------------

def test_notifications_are_the_callers_own_and_can_be_marked_read(as_user, org, role_user):
    me, other = role_user("viewer"), role_user("viewer")
    mine = [notifications.notify(recipient=me, title=f"Mine {i}", email=False) for i in range(3)]
    notifications.notify(recipient=other, title="Theirs", email=False)
    client = as_user(me)
    listed = call(client, "GET", "/notifications").json()
    assert listed["count"] == 3 and {n["title"] for n in listed["items"]} == {"Mine 0", "Mine 1", "Mine 2"}
    theirs = Notification.objects.get(recipient=other)
    marked = call(client, "POST", "/notifications/read", {"ids": [mine[0].pk, theirs.pk]})
    assert marked.json() == {"marked": 1}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert call(client, "GET", "/notifications", {"unread": "true"}).json()["count"] == 2
    assert call(client, "POST", "/notifications/read", {"all": True}).json() == {"marked": 2}
    assert call(client, "GET", "/notifications", {"unread": "true"}).json()["count"] == 0


@pytest.mark.parametrize("body", [{}, {"all": True, "ids": [1]}, {"ids": "all"}, {"ids": [1], "every": True}])
def test_mark_read_needs_exactly_ids_or_all(as_user, org, role_user, body):
    me = role_user("viewer")
    notifications.notify(recipient=me, title="Hello", email=False)
    client = as_user(me)
    before = fingerprint()
    assert_error(call(client, "POST", "/notifications/read", body), 422, "validation_error")
    assert fingerprint() == before


def test_read_token_cannot_mark_notifications_read(client, org, role_user):
    me = role_user("viewer")
    notifications.notify(recipient=me, title="Hello", email=False)
    secret = token_for(me, scopes=["read"])
    assert_error(call(client, "POST", "/notifications/read", {"all": True}, token=secret), 403, "permission_denied")
    assert Notification.objects.get().read_at is None


def test_tasks_are_the_callers_open_ones_soonest_first(as_user, org, role_user):
    me, other = role_user("viewer"), role_user("viewer")
    today = timezone.localdate()
    notifications.open_task(assignee=me, title="Later", source="a", due_date=today + timedelta(days=9))
    notifications.open_task(assignee=me, title="Soon", source="b", due_date=today + timedelta(days=1))
    notifications.open_task(assignee=me, title="Done", source="c")
    notifications.open_task(assignee=other, title="Not mine", source="d")
    notifications.close_tasks(source="c")
    titles = [t["title"] for t in call(as_user(me), "GET", "/tasks").json()["items"]]
    assert titles == ["Soon", "Later"]
    assert Task.objects.count() == 4
