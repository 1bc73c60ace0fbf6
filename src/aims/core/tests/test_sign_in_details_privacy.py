"""A person's sign-in addresses and browsers (recorded by auth.* ledger events) are shown to administrators and to
the person, not to everyone who may view people: on the person's history, on the ledger page and in the API."""

import pytest
from django.urls import reverse

from aims.core.testing import DEFAULT_PASSWORD, UserFactory, person_with_role

pytestmark = pytest.mark.django_db

ADDRESS, BROWSER = "203.0.113.77", "PrivateBrowser/9.9"


@pytest.fixture
def signed_in_person(client):
    person = UserFactory()
    client.post("/accounts/login/", {"login": person.email, "password": DEFAULT_PASSWORD},
                REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=BROWSER)
    client.logout()
    return person


def history_of(client, reader, person) -> str:
    client.force_login(reader)
    page = client.get(reverse("history", args=["core.user", person.pk]))
    assert page.status_code == 200
    return page.content.decode()


def test_a_viewer_of_people_sees_the_sign_in_but_not_where_from(client, signed_in_person, org):
    page = history_of(client, person_with_role("viewer"), signed_in_person)
    assert "auth.login" in page or "Signed in" in page or "sign" in page.lower()
    assert ADDRESS not in page and BROWSER not in page


@pytest.mark.parametrize("reader", ["administrator", "self"])
def test_administrators_and_the_person_see_the_address_and_browser(client, signed_in_person, reader):
    who = signed_in_person if reader == "self" else person_with_role("administrator")
    page = history_of(client, who, signed_in_person)
    assert ADDRESS in page and BROWSER in page


def test_the_ledger_page_and_api_hide_them_from_an_auditor_but_not_from_an_administrator(client, signed_in_person):
    client.force_login(person_with_role("auditor"))
    assert ADDRESS not in client.get(reverse("ledger")).content.decode()
    url = f"/api/v1/ledger/events?action=auth.login&object_id={signed_in_person.pk}"
    (event,) = client.get(url).json()["items"]
    assert "ip" not in event["after"] and "user_agent" not in event["after"]
    client.force_login(person_with_role("administrator"))
    assert ADDRESS in client.get(reverse("ledger")).content.decode()
    (event,) = client.get(url).json()["items"]
    assert (event["after"]["ip"], event["after"]["user_agent"]) == (ADDRESS, BROWSER)
