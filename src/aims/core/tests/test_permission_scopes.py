"""Role assignments are scoped to a unit and its descendants; `restrict` is the single enforcement point."""

import pytest
from django.core.exceptions import PermissionDenied

from aims.core import services
from aims.core.models import OrgUnit, User
from aims.core.testing import UserFactory

pytestmark = pytest.mark.django_db


def visible_codes(user, action="view"):
    return set(OrgUnit.objects.restrict(user, action).values_list("code", flat=True))


def test_scope_covers_unit_and_descendants_only(org, role_user):
    viewer = role_user("viewer", org["north"])
    assert visible_codes(viewer) == {"north", "north-east"}


def test_whole_organisation_scope(org, role_user):
    assert visible_codes(role_user("auditor")) == {"root", "north", "north-east", "south"}


def test_no_role_sees_nothing_but_themselves(org):
    nobody = UserFactory(unit=org["north"])
    assert visible_codes(nobody) == set()
    assert list(User.objects.restrict(nobody, "view")) == [nobody]


def test_read_only_roles_cannot_write(org, role_user):
    for role in ("viewer", "auditor", "risk_manager", "contributor", "system_owner"):
        person = role_user(role)
        assert visible_codes(person, "change") == set(), role
        with pytest.raises(PermissionDenied):
            services.create_org_unit(actor=person, name="X", code=f"x-{role}", parent=org["root"])


def test_aims_manager_writes_within_scope_only(org, role_user):
    manager = role_user("aims_manager", org["north"])
    unit = services.create_org_unit(actor=manager, name="Lab", code="lab", parent=org["north_east"])
    assert unit.path.startswith(org["north_east"].path)
    with pytest.raises(PermissionDenied):
        services.create_org_unit(actor=manager, name="Lab 2", code="lab2", parent=org["south"])


def test_group_membership_grants_role(org):
    from aims.core.models import PeopleGroup, RoleAssignment

    person = UserFactory()
    group = PeopleGroup.objects.create(name="Committee")
    group.members.add(person)
    RoleAssignment.objects.create(role="viewer", group=group, unit=org["south"])
    assert visible_codes(person) == {"south"}


def test_scopes_loaded_for_many_people_at_once_are_those_each_would_read_alone(org, role_user,
                                                                              django_assert_num_queries):
    from aims.core.models import PeopleGroup, RoleAssignment
    from aims.core.permissions import forget_scopes, load_scopes, user_scopes

    direct = role_user("viewer", org["north"])
    both = role_user("system_owner", org["south"])
    member_only, nobody = UserFactory(), UserFactory()
    group = PeopleGroup.objects.create(name="Committee")
    group.members.add(both, member_only)
    RoleAssignment.objects.create(role="auditor", group=group, unit=None)
    RoleAssignment.objects.create(role="viewer", group=PeopleGroup.objects.create(name="Empty"), unit=org["root"])
    people = [User.objects.get(pk=p.pk) for p in (direct, both, member_only, nobody)]
    alone = {p.pk: set(user_scopes(p)) for p in people}
    for person in people:
        forget_scopes(person)
    with django_assert_num_queries(3):  # direct assignments, memberships, the groups' assignments
        load_scopes(people)
    assert {p.pk: set(p._aims_scopes) for p in people} == alone
    assert {(scope.role, scope.unit_path is None) for scope in alone[both.pk]} == {("system_owner", False),
                                                                                   ("auditor", True)}
    assert alone[nobody.pk] == set()
    with django_assert_num_queries(0):
        assert set(user_scopes(people[2])) == alone[member_only.pk] != set()


def test_inactive_person_loses_all_access(org, role_user):
    admin = role_user("administrator")
    admin.is_active = False
    admin.save()
    assert visible_codes(admin) == set()


def test_moving_a_unit_moves_its_subtree(org, admin_user):
    services.update_org_unit(actor=admin_user, unit=org["north"], changes={"parent": org["south"]})
    org["north_east"].refresh_from_db()
    assert org["north_east"].path == f"{org['south'].path}{org['north'].pk}/{org['north_east'].pk}/"


def test_unit_cannot_move_under_its_descendant(org, admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.update_org_unit(actor=admin_user, unit=org["north"], changes={"parent": org["north_east"]})


def test_stale_version_is_refused(org, admin_user):
    unit = org["south"]
    services.update_org_unit(actor=admin_user, unit=unit, changes={"name": "South 1"}, expected_version=1)
    with pytest.raises(services.StaleVersion):
        services.update_org_unit(actor=admin_user, unit=unit, changes={"name": "South 2"}, expected_version=1)


def test_a_scoped_list_names_the_units_it_reaches_read_once_and_again_when_a_unit_changes(org, role_user,
                                                                                          django_assert_num_queries):
    from aims.core.models import RoleAssignment

    reader = role_user("aims_manager", org["north"])
    colleague = UserFactory(unit=org["north_east"])
    outsider = UserFactory(unit=org["south"])

    def people():
        return set(User.objects.restrict(reader, "view").values_list("pk", flat=True))

    assert colleague.pk in people() and outsider.pk not in people()
    # The units' ids in the query, not a subquery over the units: SQLite then reads the rows through their unit's index.
    assert "core_orgunit" not in str(User.objects.restrict(reader, "view").query)
    with django_assert_num_queries(1):  # the units were read with the first list: only the list itself now
        people()
    lab = services.create_org_unit(actor=reader, name="Lab", code="lab", parent=org["north"])
    newcomer = UserFactory(unit=lab)
    assert newcomer.pk in people()  # a unit added under the scope is read again
    RoleAssignment.objects.filter(user=reader).update(unit=org["south"])
    reader = User.objects.get(pk=reader.pk)  # the next request: a person and their scopes read anew
    assert outsider.pk in people() and colleague.pk not in people()
