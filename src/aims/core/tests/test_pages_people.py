"""People, groups and role assignment pages."""

import re

import pytest
from django.urls import reverse

from aims.core import services
from aims.core.models import LedgerEvent, PeopleGroup, RoleAssignment, User
from aims.core.testing import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def names_listed(response) -> list[str]:
    return re.findall(r'<td><a href="/people/\d+/">([^<]+)</a>', response.content.decode())


def test_people_list_searches_name_email_and_job_title(client, org, admin_user):
    UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com", job_title="Engineer")
    UserFactory(first_name="Alan", last_name="Turing", email="alan@example.com", job_title="Cryptanalyst")
    client.force_login(admin_user)
    assert names_listed(client.get(reverse("people_list"), {"q": "lovelace"})) == ["Ada Lovelace"]
    assert names_listed(client.get(reverse("people_list"), {"q": "alan@"})) == ["Alan Turing"]
    assert names_listed(client.get(reverse("people_list"), {"q": "crypt"})) == ["Alan Turing"]
    assert names_listed(client.get(reverse("people_list"), {"q": "ada engineer"})) == ["Ada Lovelace"]


def test_people_list_filters_by_unit_role_and_status(client, org, admin_user):
    north = UserFactory(first_name="Nora", last_name="North", unit=org["north_east"])
    UserFactory(first_name="Sam", last_name="South", unit=org["south"])
    gone = UserFactory(first_name="Gina", last_name="Gone", unit=org["south"], is_active=False)
    group = PeopleGroup.objects.create(name="Risk board")
    group.members.add(north)
    RoleAssignment.objects.create(role="risk_manager", group=group)
    client.force_login(admin_user)
    assert names_listed(client.get(reverse("people_list"), {"unit": org["north"].pk})) == ["Nora North"]
    assert names_listed(client.get(reverse("people_list"), {"role": "risk_manager"})) == ["Nora North"]
    assert names_listed(client.get(reverse("people_list"), {"role": "administrator"})) == [str(admin_user)]
    assert names_listed(client.get(reverse("people_list"), {"active": "no"})) == [str(gone)]
    assert str(gone) not in names_listed(client.get(reverse("people_list")))


def test_people_list_sorts_by_column(client, org, admin_user):
    admin_user.last_name, admin_user.job_title = "Zed", "Zookeeper"
    admin_user.save()
    UserFactory(first_name="B", last_name="Bravo", job_title="Analyst")
    UserFactory(first_name="A", last_name="Alpha", job_title="Manager")
    client.force_login(admin_user)
    assert names_listed(client.get(reverse("people_list")))[:2] == ["A Alpha", "B Bravo"]
    assert names_listed(client.get(reverse("people_list"), {"sort": "-name"}))[-1] == "A Alpha"
    by_title = names_listed(client.get(reverse("people_list"), {"sort": "job_title"}))
    assert by_title.index("B Bravo") < by_title.index("A Alpha") < by_title.index(str(admin_user))
    page = client.get(reverse("people_list"), {"sort": "-job_title"}).content.decode()
    assert 'aria-sort="descending"' in page


def test_people_list_paginates_by_fifty(client, org, admin_user):
    for _ in range(55):
        UserFactory()
    client.force_login(admin_user)
    first = client.get(reverse("people_list"))
    second = client.get(reverse("people_list"), {"page": 2})
    assert len(names_listed(first)) == 50 and len(names_listed(second)) == 6
    assert "Page 1 of 2" in first.content.decode()


def test_people_list_has_an_empty_state(client, org, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("people_list"), {"q": "nobody-matches-this"}).content.decode()
    assert "Nobody matches these filters." in page and "<table>" not in page


def test_people_list_shows_only_people_in_scope(client, org, role_user):
    viewer = role_user("viewer", org["north"], home_unit=org["north"])
    UserFactory(first_name="Sam", last_name="South", unit=org["south"])
    south = UserFactory(first_name="Sue", last_name="South", unit=org["south"])
    client.force_login(viewer)
    assert names_listed(client.get(reverse("people_list"))) == [str(viewer)]
    assert client.get(reverse("person_detail", args=[south.pk])).status_code == 404


def test_people_list_uses_a_constant_number_of_queries(client, org, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    for _ in range(4):
        UserFactory(unit=org["north"])
    with django_assert_max_num_queries(9):
        assert len(names_listed(client.get(reverse("people_list")))) == 5
    for _ in range(35):
        UserFactory(unit=org["south"])
    with django_assert_max_num_queries(9):
        assert len(names_listed(client.get(reverse("people_list")))) == 40


def test_person_detail_shows_roles_groups_and_admin_actions(client, org, admin_user, role_user):
    manager = UserFactory(first_name="Mia", last_name="Manager")
    person = UserFactory(first_name="Pat", last_name="Person", job_title="Data scientist", unit=org["north"],
                         manager=manager)
    RoleAssignment.objects.create(role="contributor", user=person, unit=org["north"])
    group = PeopleGroup.objects.create(name="AI committee")
    group.members.add(person)
    RoleAssignment.objects.create(role="viewer", group=group)
    client.force_login(admin_user)
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    for text in ("Data scientist", "North", "Mia Manager", "Contributor", "Group AI committee", "Whole organisation",
                 "Grant a role", reverse("person_edit", args=[person.pk]), reverse("person_set_active", args=[person.pk])):
        assert text in page, text
    client.force_login(role_user("viewer"))
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "Data scientist" in page
    assert "Grant a role" not in page and reverse("person_edit", args=[person.pk]) not in page
    assert client.get(reverse("person_edit", args=[person.pk])).status_code == 404
    assert client.get(reverse("person_create")).status_code == 403


def test_create_and_edit_a_person_through_the_pages(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("person_create"), {
        "email": "new.person@example.com", "first_name": "New", "last_name": "Person", "job_title": "Analyst",
        "unit": org["north"].pk, "language": "fr", "reason": "joined"})
    person = User.objects.get(email="new.person@example.com")
    assert response.status_code == 302 and response.url == reverse("person_detail", args=[person.pk])
    assert not person.has_usable_password()
    assert LedgerEvent.objects.filter(action="core.user.create", object_id=str(person.pk), reason="joined").exists()
    response = client.post(reverse("person_edit", args=[person.pk]), {
        "email": "new.person@example.com", "first_name": "New", "last_name": "Person", "job_title": "Lead analyst",
        "unit": org["south"].pk, "language": "fr", "version": person.version})
    assert response.status_code == 302
    event = LedgerEvent.objects.get(action="core.user.update", object_id=str(person.pk))
    assert dict((k, (b, a)) for k, b, a in event.changes()) == {
        "job_title": ("Analyst", "Lead analyst"), "unit_id": (org["north"].pk, org["south"].pk)}


def test_duplicate_email_is_reported_next_to_the_field(client, org, admin_user):
    UserFactory(email="taken@example.com")
    client.force_login(admin_user)
    response = client.post(reverse("person_create"), {"email": "TAKEN@example.com", "language": "en"})
    assert response.status_code == 200
    assert re.search(r'id="id_email_error">A person with this e-mail address already exists', response.content.decode())


def test_stale_person_edit_is_refused_with_a_message(client, org, admin_user):
    person = UserFactory(job_title="Analyst")
    services.update_person(actor=admin_user, person=person, changes={"job_title": "Senior analyst"})
    client.force_login(admin_user)
    response = client.post(reverse("person_edit", args=[person.pk]), {
        "email": person.email, "first_name": person.first_name, "last_name": person.last_name, "job_title": "Mine",
        "language": "en", "version": 1})
    assert "Someone else changed this record" in response.content.decode()
    person.refresh_from_db()
    assert person.job_title == "Senior analyst"


def test_deactivate_after_confirmation(client, org, admin_user):
    person = UserFactory()
    client.force_login(admin_user)
    page = client.get(reverse("person_set_active", args=[person.pk])).content.decode()
    assert "can no longer sign in" in page
    assert client.post(reverse("person_set_active", args=[person.pk]), {"reason": "left"}).status_code == 302
    person.refresh_from_db()
    assert person.is_active is False
    assert LedgerEvent.objects.get(action="core.user.update", object_id=str(person.pk)).changes() == [
        ("is_active", True, False)]


def test_nobody_can_deactivate_themselves(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("person_set_active", args=[admin_user.pk]), follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_grant_and_revoke_a_scoped_role(client, org, admin_user):
    person = UserFactory(unit=org["north"])
    client.force_login(admin_user)
    refused = client.post(reverse("role_grant", args=[person.pk]), {"role": ""}, follow=True)
    assert "The role could not be granted" in refused.content.decode()
    assert not RoleAssignment.objects.filter(user=person).exists()
    response = client.post(reverse("role_grant", args=[person.pk]), {"role": "risk_manager", "unit": org["north"].pk})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=person)
    assert (assignment.role, assignment.unit) == ("risk_manager", org["north"])
    assert LedgerEvent.objects.filter(action="core.roleassignment.create", object_id=str(assignment.pk)).exists()
    revoke_url = reverse("role_revoke", args=[person.pk, assignment.pk])
    assert revoke_url in client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "Revoke this role?" in client.get(revoke_url).content.decode()
    assert client.post(revoke_url, {"reason": "moved"}).status_code == 302
    assert not RoleAssignment.objects.filter(user=person).exists()
    assert LedgerEvent.objects.get(action="core.roleassignment.delete").reason == "moved"


def test_only_administrators_grant_or_revoke_roles(client, org, role_user):
    person = UserFactory(unit=org["north"])
    assignment = RoleAssignment.objects.create(role="viewer", user=person)
    client.force_login(role_user("aims_manager"))
    assert client.post(reverse("role_grant", args=[person.pk]), {"role": "administrator"}).status_code == 403
    assert client.post(reverse("role_revoke", args=[person.pk, assignment.pk])).status_code == 404
    assert list(RoleAssignment.objects.filter(user=person)) == [assignment]


def test_groups_list_create_and_edit_members(client, org, admin_user, role_user):
    alice, bob = UserFactory(first_name="Alice", last_name="A"), UserFactory(first_name="Bob", last_name="B")
    client.force_login(admin_user)
    response = client.post(reverse("group_create"), {"name": "Ethics board", "members": [alice.pk]})
    group = PeopleGroup.objects.get(name="Ethics board")
    assert response.status_code == 302
    assert list(group.members.all()) == [alice]
    page = client.get(reverse("group_list")).content.decode()
    assert "Ethics board" in page and '<td class="num">1</td>' in page
    response = client.post(reverse("group_edit", args=[group.pk]), {
        "name": "Ethics board", "description": "Reviews high-risk uses", "members": [bob.pk], "version": group.version})
    assert response.status_code == 302
    assert list(group.members.all()) == [bob]
    members_event = LedgerEvent.objects.filter(action="core.peoplegroup.members").order_by("-id").first()
    assert members_event.changes() == [("members", [alice.pk], [bob.pk])]
    history = client.get(reverse("group_detail", args=[group.pk]) + "?tab=history").content.decode()
    assert "<del><span class=\"sr-only\">removed: </span>Alice A</del>" in history
    client.force_login(role_user("viewer"))
    assert client.get(reverse("group_create")).status_code == 403
    assert client.get(reverse("group_edit", args=[group.pk])).status_code == 404


def test_hostile_job_title_comes_back_escaped(client, org, admin_user):
    person = UserFactory(job_title=HOSTILE)
    client.force_login(admin_user)
    for url in (reverse("people_list"), reverse("person_detail", args=[person.pk])):
        page = client.get(url).content.decode()
        assert HOSTILE not in page and "&lt;script&gt;" in page


def test_a_person_page_shows_roles_only_to_those_who_may_read_roles(client, org, role_user):
    # Role assignments are the "roles" domain: a viewer sees the person, not their roles.
    person = role_user("system_owner", org["north"])
    client.force_login(role_user("viewer", org["north"]))
    page = client.get(reverse("person_detail", args=[person.pk]))
    assert page.status_code == 200 and "system_owner" not in page.content.decode()
    assert "System owner" not in page.content.decode()
    client.force_login(role_user("auditor"))
    assert "System owner" in client.get(reverse("person_detail", args=[person.pk])).content.decode()
