"""The profile, organisation-unit, people, group and role-assignment endpoints: happy paths, and refusals for a
viewer, an AIMS manager scoped to one unit and an administrator."""

import pytest

from aims.core.models import LedgerEvent, OrgUnit, PeopleGroup, RoleAssignment, User
from aims.core.testing import UserFactory

from .api_helpers import assert_error, call, fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client
    return sign_in


def refused(client, method, path, data=None, status=403, code="permission_denied"):
    before = fingerprint()
    assert_error(call(client, method, path, data), status, code)
    assert fingerprint() == before


# --- /me ------------------------------------------------------------------------------------------------------------

def test_me_shows_profile_roles_and_version(as_user, org, role_user):
    person = role_user("viewer", org["north"])
    body = call(as_user(person), "GET", "/me").json()
    assert body["id"] == person.pk and body["roles"] == ["viewer"] and body["version"] == 1


def test_me_patch_changes_own_profile_through_the_service(as_user, org, role_user):
    person = role_user("viewer", org["north"])
    client = as_user(person)
    response = call(client, "PATCH", "/me", {"version": 1, "job_title": "Data scientist", "language": "fr"})
    assert response.status_code == 200, response.content
    assert response.json()["job_title"] == "Data scientist" and response.json()["version"] == 2
    event = LedgerEvent.objects.get(action="core.user.update", object_id=str(person.pk))
    assert event.after_data == {"job_title": "Data scientist", "language": "fr"}


@pytest.mark.parametrize("body, fields", [
    ({"version": 1, "email": "other@example.com"}, {"email"}),
    ({"version": 1, "is_active": False}, {"is_active"}),
    ({"version": 1, "language": "de"}, {"language"}),
])
def test_me_patch_refuses_fields_outside_the_own_profile(as_user, org, role_user, body, fields):
    client = as_user(role_user("viewer"))
    before = fingerprint()
    assert_error(call(client, "PATCH", "/me", body), 422, "validation_error", fields)
    assert fingerprint() == before


# --- /org-units -------------------------------------------------------------------------------------------------------

def test_units_list_is_restricted_to_the_scope(as_user, org, role_user):
    scoped = call(as_user(role_user("aims_manager", org["north"])), "GET", "/org-units").json()
    assert [u["code"] for u in scoped["items"]] == ["north", "north-east"] and scoped["count"] == 2


def test_viewer_cannot_change_units(as_user, org, role_user):
    client = as_user(role_user("viewer"))
    south = org["south"]
    assert call(client, "GET", f"/org-units/{south.pk}").json()["version"] == 1
    refused(client, "POST", "/org-units", {"name": "Lab", "code": "lab"})
    refused(client, "PATCH", f"/org-units/{south.pk}", {"version": 1, "name": "X"})
    refused(client, "DELETE", f"/org-units/{south.pk}")


def test_scoped_manager_works_inside_the_scope_only(as_user, org, role_user):
    client = as_user(role_user("aims_manager", org["north"]))
    created = call(client, "POST", "/org-units", {"name": "Lab", "code": "lab", "parent_id": org["north"].pk})
    assert created.status_code == 201 and created.json()["path"].startswith(org["north"].path)
    refused(client, "POST", "/org-units", {"name": "Top", "code": "top"})  # the whole organisation: out of scope
    refused(client, "POST", "/org-units", {"name": "S", "code": "s", "parent_id": org["south"].pk},
            status=422, code="validation_error")  # south is invisible: "no such unit"
    refused(client, "GET", f"/org-units/{org['south'].pk}", status=404, code="not_found")
    refused(client, "PATCH", f"/org-units/{org['south'].pk}", {"version": 1, "name": "X"}, 404, "not_found")
    renamed = call(client, "PATCH", f"/org-units/{org['north_east'].pk}", {"version": 1, "name": "NE"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "NE"
    refused(client, "DELETE", f"/org-units/{created.json()['id']}")  # AIMS managers may not delete units


def test_administrator_creates_moves_and_deletes_units_with_ledger_events(as_user, org, admin_user):
    client = as_user(admin_user)
    created = call(client, "POST", "/org-units", {"name": "Lab", "code": "lab", "parent_id": org["south"].pk,
                                                  "reason": "new team"})
    assert created.status_code == 201, created.content
    unit_id = created.json()["id"]
    moved = call(client, "PATCH", f"/org-units/{unit_id}", {"version": 1, "parent_id": org["north"].pk})
    assert moved.json()["path"] == f"{org['north'].path}{unit_id}/" and moved.json()["version"] == 2
    deleted = call(client, "DELETE", f"/org-units/{unit_id}?reason=merged")
    assert deleted.status_code == 204 and not OrgUnit.objects.filter(pk=unit_id).exists()
    actions = list(LedgerEvent.objects.filter(object_type="core.orgunit", object_id=str(unit_id))
                   .values_list("action", "reason"))
    assert actions == [("core.orgunit.create", "new team"), ("core.orgunit.update", ""),
                       ("core.orgunit.delete", "merged")]


# --- /people ------------------------------------------------------------------------------------------------------------

def test_people_list_filters_by_unit_subtree_active_text_and_role(as_user, org, admin_user):
    ada = UserFactory(first_name="Ada", last_name="Lovelace", unit=org["north_east"])
    UserFactory(first_name="Alan", last_name="Turing", unit=org["south"])
    gone = UserFactory(first_name="Grace", last_name="Hopper", unit=org["north"], is_active=False)
    client = as_user(admin_user)

    def ids(**params):
        return {p["id"] for p in call(client, "GET", "/people", params).json()["items"]}

    assert ids(unit=org["north"].pk) == {ada.pk, gone.pk}
    assert ids(unit=org["north"].pk, active="true") == {ada.pk}
    assert ids(active="false") == {gone.pk}
    assert ids(q="love ada") == {ada.pk}
    assert ids(role="administrator") == {admin_user.pk}


def test_people_visible_to_a_scoped_manager_are_those_of_the_scope_and_themselves(as_user, org, role_user):
    inside = UserFactory(unit=org["north_east"])
    outside = UserFactory(unit=org["south"])
    manager = role_user("aims_manager", org["north"], home_unit=None)
    client = as_user(manager)
    listed = {p["id"] for p in call(client, "GET", "/people").json()["items"]}
    assert listed == {inside.pk, manager.pk}
    refused(client, "GET", f"/people/{outside.pk}", status=404, code="not_found")
    refused(client, "POST", "/people", {"email": "new@example.com"})  # people: read only for AIMS managers
    refused(client, "PATCH", f"/people/{inside.pk}", {"version": 1, "job_title": "Boss"})


def test_administrator_adds_edits_and_deactivates_people(as_user, org, admin_user):
    client = as_user(admin_user)
    created = call(client, "POST", "/people", {"email": "Marie@Example.com", "first_name": "Marie",
                                               "last_name": "Curie", "unit_id": org["north"].pk,
                                               "manager_id": admin_user.pk})
    assert created.status_code == 201, created.content
    person = User.objects.get(pk=created.json()["id"])
    assert (person.unit_id, person.manager_id, person.has_usable_password()) == (org["north"].pk, admin_user.pk, False)
    edited = call(client, "PATCH", f"/people/{person.pk}", {"version": 1, "job_title": "Physicist",
                                                           "unit_id": org["south"].pk})
    assert edited.json()["unit_id"] == org["south"].pk and edited.json()["version"] == 2
    deactivated = call(client, "PATCH", f"/people/{person.pk}", {"version": 2, "is_active": False})
    assert deactivated.json()["is_active"] is False
    assert LedgerEvent.objects.filter(object_type="core.user", object_id=str(person.pk)).count() == 3
    assert_error(call(client, "DELETE", f"/people/{person.pk}"), 405, "method_not_allowed")


@pytest.mark.parametrize("body, fields", [
    ({"email": "not-an-address"}, {"email"}),
    ({"email": "dup@example.com"}, {"email"}),
    ({"email": "x@example.com", "unit_id": 424242}, {"unit_id"}),
    ({"email": "x@example.com", "language": "xx"}, {"language"}),
    ({"email": "x@example.com", "password": "secret"}, {"password"}),
])
def test_invalid_person_is_422(as_user, org, admin_user, body, fields):
    UserFactory(email="dup@example.com")
    client = as_user(admin_user)
    before = fingerprint()
    assert_error(call(client, "POST", "/people", body), 422, "validation_error", fields)
    assert fingerprint() == before


def test_nobody_deactivates_themselves_or_manages_themselves(as_user, org, admin_user):
    client = as_user(admin_user)
    before = fingerprint()
    assert_error(call(client, "PATCH", f"/people/{admin_user.pk}", {"version": 1, "is_active": False}),
                 422, "validation_error", {"is_active"})
    assert_error(call(client, "PATCH", f"/people/{admin_user.pk}", {"version": 1, "manager_id": admin_user.pk}),
                 422, "validation_error", {"manager"})
    assert fingerprint() == before


# --- /groups --------------------------------------------------------------------------------------------------------------

def test_groups_create_and_patch_members_with_version_check(as_user, org, admin_user):
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    client = as_user(admin_user)
    created = call(client, "POST", "/groups", {"name": "AI board", "member_ids": [a.pk, b.pk]})
    assert created.status_code == 201 and created.json()["member_ids"] == sorted([a.pk, b.pk])
    group_id, version = created.json()["id"], created.json()["version"]
    changed = call(client, "PATCH", f"/groups/{group_id}", {"version": version, "member_ids": [b.pk, c.pk],
                                                            "description": "Approves go-lives"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["member_ids"] == sorted([b.pk, c.pk]) and changed.json()["version"] > version
    event = LedgerEvent.objects.filter(action="core.peoplegroup.members", object_id=str(group_id)).last()
    assert event.after_data == {"members": sorted([b.pk, c.pk])}
    before = fingerprint()
    assert_error(call(client, "PATCH", f"/groups/{group_id}", {"version": version, "member_ids": []}),
                 409, "stale_version")
    assert_error(call(client, "PATCH", f"/groups/{group_id}", {"version": changed.json()["version"],
                                                               "member_ids": [999999]}),
                 422, "validation_error", {"member_ids"})
    assert fingerprint() == before


def test_editing_members_keeps_those_the_editor_cannot_see(as_user, org, role_user):
    editor = role_user("administrator", org["north"])
    inside, outside = UserFactory(unit=org["north"]), UserFactory(unit=org["south"])
    group = PeopleGroup.objects.create(name="Mixed", unit=org["north"])
    group.members.set([inside, outside])
    client = as_user(editor)
    shown = call(client, "GET", f"/groups/{group.pk}").json()
    assert shown["member_ids"] == [inside.pk]  # the outsider is not revealed
    kept = call(client, "PATCH", f"/groups/{group.pk}", {"version": shown["version"], "member_ids": []})
    assert kept.status_code == 200, kept.content
    assert set(group.members.values_list("pk", flat=True)) == {outside.pk}


def test_viewer_cannot_create_or_change_groups(as_user, org, role_user):
    group = PeopleGroup.objects.create(name="Board")
    client = as_user(role_user("viewer"))
    assert call(client, "GET", "/groups").json()["count"] == 1
    refused(client, "POST", "/groups", {"name": "Mine"})
    refused(client, "PATCH", f"/groups/{group.pk}", {"version": 1, "name": "Ours"})


# --- /role-assignments ----------------------------------------------------------------------------------------------

def test_role_assignments_are_for_role_readers_only(as_user, org, role_user):
    refused(as_user(role_user("viewer")), "GET", "/role-assignments")


def test_scoped_manager_sees_assignments_in_scope_but_cannot_grant(as_user, org, role_user):
    manager = role_user("aims_manager", org["north"])
    in_scope = role_user("viewer", org["north_east"])
    role_user("viewer", org["south"])
    client = as_user(manager)
    listed = call(client, "GET", "/role-assignments").json()
    assert {a["user_id"] for a in listed["items"]} == {manager.pk, in_scope.pk}
    refused(client, "POST", "/role-assignments", {"role": "viewer", "user_id": in_scope.pk,
                                                  "unit_id": org["north"].pk})
    assignment = RoleAssignment.objects.get(user=in_scope)
    refused(client, "DELETE", f"/role-assignments/{assignment.pk}")


def test_administrator_grants_and_revokes_roles(as_user, org, admin_user):
    person = UserFactory()
    client = as_user(admin_user)
    granted = call(client, "POST", "/role-assignments", {"role": "risk_manager", "user_id": person.pk,
                                                         "unit_id": org["south"].pk, "reason": "new job"})
    assert granted.status_code == 201, granted.content
    assignment_id = granted.json()["id"]
    assert LedgerEvent.objects.filter(action="core.roleassignment.create", object_id=str(assignment_id)).exists()
    assert call(client, "GET", "/role-assignments", {"user": person.pk}).json()["count"] == 1
    revoked = call(client, "DELETE", f"/role-assignments/{assignment_id}")
    assert revoked.status_code == 204 and not RoleAssignment.objects.filter(pk=assignment_id).exists()


@pytest.mark.parametrize("body, fields", [
    ({"role": "emperor", "user_id": "PERSON"}, {"role"}),
    ({"role": "viewer"}, {"user"}),
    ({"role": "viewer", "user_id": "PERSON", "group_id": "GROUP"}, {"user"}),
    ({"role": "administrator", "user_id": "ADMIN"}, {"__all__"}),  # already held
])
def test_invalid_grants_are_422(as_user, org, admin_user, body, fields):
    person, group = UserFactory(), PeopleGroup.objects.create(name="G")
    ids = {"PERSON": person.pk, "GROUP": group.pk, "ADMIN": admin_user.pk}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    client = as_user(admin_user)
    before = fingerprint()
    assert_error(call(client, "POST", "/role-assignments", body), 422, "validation_error", fields)
    assert fingerprint() == before


def test_administrator_cannot_revoke_their_own_administrator_role(as_user, org, admin_user):
    own = RoleAssignment.objects.get(user=admin_user)
    client = as_user(admin_user)
    before = fingerprint()
    assert_error(call(client, "DELETE", f"/role-assignments/{own.pk}"), 422, "validation_error")
    assert fingerprint() == before
