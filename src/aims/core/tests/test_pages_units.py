"""Organisation unit pages: tree, detail, create, edit (with stale-version protection) and delete, per role."""

import re

import pytest
from django.urls import reverse

from aims.core import services
from aims.core.models import LedgerEvent, OrgUnit
from aims.core.testing import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def signed_in(client, user):
    client.force_login(user)
    return client


def test_tree_lists_units_indented_by_depth_with_people_count(client, org, role_user):
    UserFactory(unit=org["north"])
    UserFactory(unit=org["north"])
    UserFactory(unit=org["north"], is_active=False)
    viewer = role_user("viewer")
    page = signed_in(client, viewer).get(reverse("unit_list")).content.decode()
    root_at, north_at, ne_at, south_at = (page.index(f">{name}</a>") for name in ("Root", "North", "North-East", "South"))
    assert root_at < north_at < ne_at < south_at
    assert 'class="depth-2"><a href="/units/%d/">North-East' % org["north_east"].pk in page
    rows = {u.name: u for u in OrgUnit.objects.all()}
    assert f'<a href="/units/{rows["North"].pk}/">North</a></td>\n      <td><code>north</code></td>\n      <td class="num">2</td>' in page


def test_tree_shows_only_the_units_in_scope(client, org, role_user):
    viewer = role_user("viewer", org["north"])
    page = signed_in(client, viewer).get(reverse("unit_list")).content.decode()
    assert ">North</a>" in page and ">North-East</a>" in page
    assert ">South</a>" not in page and ">Root</a>" not in page
    assert 'class="depth-0"><a href="/units/%d/">North<' % org["north"].pk in page


def test_detail_is_404_outside_scope_and_buttons_follow_permissions(client, org, role_user):
    viewer = role_user("viewer", org["north"])
    signed_in(client, viewer)
    assert client.get(reverse("unit_detail", args=[org["south"].pk])).status_code == 404
    page = client.get(reverse("unit_detail", args=[org["north"].pk])).content.decode()
    assert reverse("unit_edit", args=[org["north"].pk]) not in page
    assert reverse("unit_delete", args=[org["north"].pk]) not in page
    client.force_login(role_user("administrator"))
    page = client.get(reverse("unit_detail", args=[org["north"].pk])).content.decode()
    assert reverse("unit_edit", args=[org["north"].pk]) in page
    assert reverse("unit_delete", args=[org["north"].pk]) in page


def test_aims_manager_may_edit_but_not_delete(client, org, role_user):
    manager = role_user("aims_manager", org["north"])
    signed_in(client, manager)
    page = client.get(reverse("unit_detail", args=[org["north"].pk])).content.decode()
    assert reverse("unit_edit", args=[org["north"].pk]) in page
    assert reverse("unit_delete", args=[org["north"].pk]) not in page
    assert client.get(reverse("unit_delete", args=[org["north_east"].pk])).status_code == 404
    assert client.get(reverse("unit_edit", args=[org["south"].pk])).status_code == 404


def test_read_only_roles_are_refused_the_forms(client, org, role_user):
    signed_in(client, role_user("viewer"))
    assert client.get(reverse("unit_create")).status_code == 403
    assert client.get(reverse("unit_edit", args=[org["north"].pk])).status_code == 404
    assert client.post(reverse("unit_delete", args=[org["north_east"].pk])).status_code == 404
    assert OrgUnit.objects.filter(pk=org["north_east"].pk).exists()


def test_create_through_the_page_writes_a_ledger_event(client, org, admin_user):
    signed_in(client, admin_user)
    response = client.post(reverse("unit_create"), {"name": "West", "code": "west", "parent": org["root"].pk,
                                                   "description": "", "reason": "new office"})
    unit = OrgUnit.objects.get(code="west")
    assert response.status_code == 302 and response.url == reverse("unit_detail", args=[unit.pk])
    assert unit.path == f"{org['root'].path}{unit.pk}/"
    event = LedgerEvent.objects.get(action="core.orgunit.create", object_id=str(unit.pk))
    assert event.reason == "new office" and event.actor_id == admin_user.pk


def test_scoped_manager_cannot_create_a_top_level_unit(client, org, role_user):
    manager = role_user("aims_manager", org["north"])
    response = signed_in(client, manager).post(reverse("unit_create"), {"name": "Top", "code": "top"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not OrgUnit.objects.filter(code="top").exists()


def test_invalid_input_is_shown_next_to_the_field(client, org, admin_user):
    response = signed_in(client, admin_user).post(reverse("unit_create"), {"name": "", "code": "not a slug!"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name_error"' in page and 'id="id_code_error"' in page
    assert OrgUnit.objects.count() == 4


def test_edit_writes_the_diff_to_the_ledger(client, org, admin_user):
    unit = org["south"]
    response = signed_in(client, admin_user).post(reverse("unit_edit", args=[unit.pk]), {
        "name": "South Region", "code": "south", "parent": org["root"].pk, "description": "", "is_active": "on",
        "version": unit.version, "reason": "rename"})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "South Region" and unit.version == 2
    event = LedgerEvent.objects.get(action="core.orgunit.update", object_id=str(unit.pk))
    assert event.changes() == [("name", "South", "South Region")]


def test_stale_edit_shows_a_clear_message_and_loses_nothing(client, org, admin_user, role_user):
    unit = org["south"]
    services.update_org_unit(actor=role_user("administrator"), unit=unit, changes={"description": "theirs"})
    response = signed_in(client, admin_user).post(reverse("unit_edit", args=[unit.pk]), {
        "name": "Mine", "code": "south", "parent": org["root"].pk, "description": "", "is_active": "on",
        "version": 1})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record while you were editing it" in page
    assert 'value="Mine"' in page  # what the person typed is still in the form
    unit.refresh_from_db()
    assert unit.name == "South" and unit.description == "theirs"


def test_delete_is_refused_while_the_unit_has_children_or_people(client, org, admin_user):
    signed_in(client, admin_user)
    page = client.get(reverse("unit_delete", args=[org["north"].pk])).content.decode()
    assert "cannot be deleted while it still has sub-units or people" in page
    assert "1 sub-unit" in page
    assert '<button type="submit" class="danger">' not in page
    response = client.post(reverse("unit_delete", args=[org["north"].pk]), follow=True)
    assert "still has sub-units or people" in response.content.decode()
    assert OrgUnit.objects.filter(pk=org["north"].pk).exists()
    UserFactory(unit=org["south"])
    assert "1 person" in client.get(reverse("unit_delete", args=[org["south"].pk])).content.decode()


def test_delete_after_confirmation_writes_a_ledger_event(client, org, admin_user):
    signed_in(client, admin_user)
    target = org["north_east"]
    assert client.get(reverse("unit_delete", args=[target.pk])).status_code == 200
    response = client.post(reverse("unit_delete", args=[target.pk]), {"reason": "merged"})
    assert response.status_code == 302 and response.url == reverse("unit_list")
    assert not OrgUnit.objects.filter(pk=target.pk).exists()
    event = LedgerEvent.objects.get(action="core.orgunit.delete", object_id=str(target.pk))
    assert event.reason == "merged" and event.before_data["name"] == "North-East"


def test_hostile_unit_name_comes_back_escaped(client, org, admin_user):
    signed_in(client, admin_user)
    client.post(reverse("unit_create"), {"name": HOSTILE, "code": "evil", "parent": org["root"].pk})
    unit = OrgUnit.objects.get(code="evil")
    for url in (reverse("unit_list"), reverse("unit_detail", args=[unit.pk]),
                reverse("unit_detail", args=[unit.pk]) + "?tab=history", reverse("ledger")):
        page = client.get(url).content.decode()
        assert HOSTILE not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


# session, user, role scopes, unread notifications, open tasks, the units with their people counts, can_add.
QUERIES = 6


def test_tree_uses_a_constant_number_of_queries(client, admin_user, django_assert_max_num_queries):
    root = OrgUnitFactory()
    signed_in(client, admin_user)

    def grow_to(count):
        while OrgUnit.objects.count() < count:
            OrgUnitFactory(parent=root)
            UserFactory(unit=root)

    grow_to(5)
    with django_assert_max_num_queries(QUERIES):
        assert client.get(reverse("unit_list")).status_code == 200
    grow_to(40)
    with django_assert_max_num_queries(QUERIES):
        page = client.get(reverse("unit_list")).content.decode()
    assert len(re.findall(r'<td class="depth-\d"><a href="/units/\d+/">', page)) == 40
