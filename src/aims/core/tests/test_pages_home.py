"""Home dashboard (real counts, my tasks, notifications), the notifications page and the module placeholders."""

import re

import pytest
from django.urls import reverse

from aims.core.models import Notification, Task
from aims.core.testing import UserFactory

pytestmark = pytest.mark.django_db


def figure(page: str, key: str) -> str:
    marker = f'data-count="{key}">'
    start = page.index(marker) + len(marker)
    return page[start:page.index("<", start)]


def test_home_counts_only_what_the_person_may_see(client, org, role_user):
    viewer = role_user("viewer", org["north"], home_unit=org["north"])
    UserFactory(unit=org["north_east"])
    UserFactory(unit=org["south"])
    UserFactory(unit=org["north"], is_active=False)
    client.force_login(viewer)
    page = client.get(reverse("home")).content.decode()
    assert figure(page, "units") == "2"
    assert figure(page, "people") == "2"


def test_home_shows_my_open_tasks_and_latest_notifications(client, org):
    person = UserFactory()
    other = UserFactory()
    Task.objects.create(assignee=person, title="Review the risk register", source="a")
    Task.objects.create(assignee=person, title="Finished thing", source="b", done_at="2030-01-01T00:00:00Z")
    Task.objects.create(assignee=other, title="Someone else's task", source="c")
    Notification.objects.create(recipient=person, title="A system changed")
    client.force_login(person)
    page = client.get(reverse("home")).content.decode()
    assert "Review the risk register" in page
    assert "Finished thing" not in page and "Someone else&#x27;s task" not in page
    assert "A system changed" in page
    assert figure(page, "tasks") == "1" and figure(page, "unread") == "1"


def test_notifications_page_lists_and_marks_all_read(client, org):
    person = UserFactory()
    Notification.objects.create(recipient=person, title="First <b>news</b>")
    Notification.objects.create(recipient=person, title="Second")
    Notification.objects.create(recipient=UserFactory(), title="Not mine")
    client.force_login(person)
    page = client.get(reverse("notifications")).content.decode()
    assert "First &lt;b&gt;news&lt;/b&gt;" in page and "Second" in page and "Not mine" not in page
    assert page.count('class="unread"') == 2
    response = client.post(reverse("notifications_mark_read"), follow=True)
    assert "2 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=person, read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    assert client.get(reverse("notifications_mark_read")).status_code == 405


def test_nav_notifications_link_goes_to_the_notifications_page(client, org):
    client.force_login(UserFactory())
    assert f'href="{reverse("notifications")}"' in client.get(reverse("home")).content.decode()


def test_module_placeholders_say_so_plainly(client, org):
    client.force_login(UserFactory())
    page = client.get(reverse("module_placeholder", args=["audits"])).content.decode()
    assert "This module is not built yet." in page
    assert client.get(reverse("module_placeholder", args=["nope"])).status_code == 404


@pytest.mark.parametrize("name", ["home", "notifications", "unit_list", "people_list", "group_list", "profile"])
def test_pages_require_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_modules_add_their_key_figures_for_those_who_may_read_them(client, org, role_user):
    from aims.inventory.models import AISystem
    from aims.risks import services as risks

    risks.load_default_method(actor=None)
    owner = role_user("system_owner", org["north"])
    south = AISystem.objects.create(name="South bot", reference_code="AIS-S", unit=org["south"], owner=owner)
    north = AISystem.objects.create(name="North bot", reference_code="AIS-N", unit=org["north"], owner=owner,
                                    needs_reclassification=True)
    risks.create_risk(actor=None, title="Leak", category="privacy", owner=owner, systems=[north],
                      inherent_likelihood=4, inherent_impact=4)
    assert south.pk
    client.force_login(owner)
    page = client.get("/").content.decode()
    assert re.search(r'data-count="inventory.systems">1<', page)  # the South system is out of scope
    assert re.search(r'data-count="inventory.reclassify">1<', page)
    assert re.search(r'data-count="risks.above_appetite">1<', page)
    assert 'href="/risks/?above_appetite=yes&amp;status=open"' in page
    assert re.search(r'data-count="risks.suggestions">0<', page)
    client.force_login(role_user(None))
    assert "data-count=\"inventory.systems\"" not in client.get("/").content.decode()
