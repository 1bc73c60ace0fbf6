"""The History partial (the ledger seen from one object) and the journal of notes."""

import pytest
from django.urls import reverse

from aims.core import services
from aims.core.models import JournalNote, LedgerEvent
from aims.core.testing import UserFactory

pytestmark = pytest.mark.django_db


HOSTILE = "<script>alert(1)</script>"
HTMX = {"HTTP_HX_REQUEST": "true"}


def history_url(obj, object_type="core.orgunit"):
    return reverse("history", args=[object_type, obj.pk])


def journal_url(obj, object_type="core.orgunit"):
    return reverse("journal", args=[object_type, obj.pk])


def test_history_shows_who_what_when_why_and_the_diff(client, org, admin_user):
    services.update_org_unit(actor=admin_user, unit=org["south"], changes={"name": "Sud", "parent": org["north"]},
                             reason="reorganisation")
    client.force_login(admin_user)
    response = client.get(history_url(org["south"]), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page  # htmx gets the partial only
    assert admin_user.get_username() in page and ">Changed<" in page and "reorganisation" in page
    assert "core.orgunit.update" not in page  # people read the action's label, not its code
    assert "<del><span class=\"sr-only\">removed: </span>South</del>" in page
    assert "<ins><span class=\"sr-only\">added: </span>Sud</ins>" in page
    # Foreign keys read as names, not ids.
    assert "<del><span class=\"sr-only\">removed: </span>Root</del>" in page
    assert "<ins><span class=\"sr-only\">added: </span>North</ins>" in page
    assert "Parent unit" in page


def test_history_without_htmx_is_a_full_page(client, org, admin_user):
    client.force_login(admin_user)
    page = client.get(history_url(org["south"])).content.decode()
    assert "<html" in page and "History of South" in page and "No recorded changes yet." in page


def test_history_is_404_for_objects_out_of_scope_or_unknown_types(client, org, role_user):
    viewer = role_user("viewer", org["north"])
    client.force_login(viewer)
    assert client.get(history_url(org["north_east"])).status_code == 200
    assert client.get(history_url(org["south"])).status_code == 404
    assert client.get(reverse("history", args=["core.ledgerevent", 1])).status_code == 404
    assert client.get(reverse("history", args=["core.orgunit", "not-a-number"])).status_code == 404
    assert client.get(reverse("history", args=["auth.permission", 1])).status_code == 404


def test_history_labels_of_related_objects_out_of_scope_stay_hidden(client, org, admin_user, role_user):
    person = UserFactory(unit=org["north"])
    services.update_person(actor=admin_user, person=person, changes={"manager": admin_user})
    viewer = role_user("viewer", org["north"], home_unit=org["north"])
    client.force_login(viewer)
    page = client.get(history_url(person, "core.user"), **HTMX).content.decode()
    assert str(admin_user) not in page and f"#{admin_user.pk}" in page


def test_history_partial_uses_a_constant_number_of_queries(client, org, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    unit = org["south"]

    def edits(count):
        for i in range(count):
            services.update_org_unit(actor=admin_user, unit=unit, changes={"description": f"v{unit.version + i}",
                                                                           "parent": org["north"] if i % 2 else org["root"]})

    edits(5)
    with django_assert_max_num_queries(9):
        page = client.get(history_url(unit), {"page": 1}, **HTMX).content.decode()
    assert page.count('<article class="event">') == 5
    edits(35)
    with django_assert_max_num_queries(9):
        page = client.get(history_url(unit), {"page": 1}, **HTMX).content.decode()
    assert page.count('<article class="event">') == 25 and "Page 1 of 2" in page


def test_profile_has_a_history_tab(client, org):
    person = UserFactory(job_title="Analyst")
    client.force_login(person)
    client.post(reverse("profile"), {"first_name": person.first_name, "last_name": person.last_name,
                                     "job_title": "Lead analyst", "language": "en", "version": person.version})
    page = client.get(reverse("profile"), {"tab": "history"}).content.decode()
    assert 'aria-current="page">History</a>' in page
    assert "<ins><span class=\"sr-only\">added: </span>Lead analyst</ins>" in page


def test_note_added_with_htmx_returns_the_journal_newest_first(client, org, role_user):
    viewer = role_user("contributor")  # viewers read the journal without writing in it (decision 0012)
    client.force_login(viewer)
    client.post(journal_url(org["north"]), {"body": "first"}, **HTMX)
    response = client.post(journal_url(org["north"]), {"body": "**second** note"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.index("<strong>second</strong> note") < page.index("<p>first</p>")
    assert str(viewer) in page
    note = JournalNote.objects.first()
    event = LedgerEvent.objects.filter(action="core.journal.add").order_by("-id").first()
    assert (event.object_type, event.object_id, event.after_data["note_id"]) == ("core.orgunit", str(org["north"].pk), note.pk)


def test_note_without_javascript_redirects_back_to_the_journal_tab(client, org, admin_user):
    client.force_login(admin_user)
    target = reverse("unit_detail", args=[org["north"].pk]) + "?tab=journal"
    response = client.post(journal_url(org["north"]), {"body": "plain post", "next": target})
    assert response.status_code == 302 and response.url == target
    page = client.get(target).content.decode()
    assert "<p>plain post</p>" in page and "Your note was added." in page


def test_note_redirect_never_leaves_the_site(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(journal_url(org["north"]), {"body": "x", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == journal_url(org["north"])


def test_empty_note_shows_an_error_next_to_the_field(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(journal_url(org["north"]), {"body": "   "})
    assert response.status_code == 400
    assert 'id="id_body_error"' in response.content.decode()
    htmx = client.post(journal_url(org["north"]), {"body": ""}, **HTMX)
    assert htmx.status_code == 200 and 'id="id_body_error"' in htmx.content.decode()
    assert not JournalNote.objects.exists()


def test_hostile_note_is_sanitised(client, org, admin_user):
    client.force_login(admin_user)
    client.post(journal_url(org["north"]), {"body": f"hello {HOSTILE} [x](javascript:alert(1))"}, **HTMX)
    page = client.get(reverse("unit_detail", args=[org["north"].pk]), {"tab": "journal"}).content.decode()
    assert HOSTILE not in page and "javascript:" not in page
    assert "hello" in page


def test_journal_is_refused_outside_scope(client, org, role_user):
    client.force_login(role_user("viewer", org["north"]))
    assert client.post(journal_url(org["south"]), {"body": "sneaky"}).status_code == 404
    assert client.get(journal_url(org["south"])).status_code == 404
    assert not JournalNote.objects.exists()


def test_tabs_render_on_every_core_detail_page(client, org, admin_user):
    client.force_login(admin_user)
    services.add_note(actor=admin_user, obj=admin_user, body="on a person")
    person_page = client.get(reverse("person_detail", args=[admin_user.pk]), {"tab": "journal"}).content.decode()
    assert "<p>on a person</p>" in person_page
    group = services.create_group(actor=admin_user, name="Board")
    group_page = client.get(reverse("group_detail", args=[group.pk]), {"tab": "history"}).content.decode()
    assert '<span class="event-action">Created</span>' in group_page
