"""The global ledger page: who may read it, filters, diffs, chain status and the JSON Lines export."""

import json
import re

import pytest
from django.urls import reverse

from aims.core import ledger, services
from aims.core.testing import drop_ledger_triggers, restore_ledger_triggers

pytestmark = pytest.mark.django_db


def event_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r"<tr>\s*<td>(\d+)</td>", response.content.decode())]


@pytest.mark.parametrize("role", ["administrator", "aims_manager", "auditor"])
def test_ledger_roles_see_the_page_and_the_nav_link(client, org, role_user, role):
    client.force_login(role_user(role))
    response = client.get(reverse("ledger"))
    assert response.status_code == 200
    assert f'href="{reverse("ledger")}" data-module="ledger"' in response.content.decode()
    assert client.get(reverse("ledger_verify")).status_code == 200
    assert client.get(reverse("ledger_export")).status_code == 200


@pytest.mark.parametrize("role", ["risk_manager", "system_owner", "contributor", "viewer", None])
def test_other_roles_get_403(client, org, role_user, role):
    client.force_login(role_user(role))
    for name in ("ledger", "ledger_verify", "ledger_export"):
        assert client.get(reverse(name)).status_code == 403, name
    assert 'data-module="ledger"' not in client.get(reverse("home")).content.decode()


def test_an_auditor_scoped_to_one_unit_cannot_read_the_whole_ledger(client, org, role_user):
    client.force_login(role_user("auditor", org["north"]))
    assert client.get(reverse("ledger")).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("ledger"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_filters_by_actor_object_type_action_and_date(client, org, admin_user, role_user):
    other = role_user("administrator")
    client.force_login(admin_user)
    unit = services.create_org_unit(actor=admin_user, name="West", code="west", parent=org["root"])
    services.update_org_unit(actor=other, unit=unit, changes={"name": "West 2"})
    person = services.create_person(actor=other, email="p@example.com")
    events = {e.action: e.id for e in ledger.LedgerEvent.objects.all()}
    url = reverse("ledger")
    assert event_ids(client.get(url, {"actor": admin_user.get_username()})) == [
        events["core.orgunit.create"], events["auth.login"]]
    # Sign-ins are events about the person, so they share the person's object type.
    assert event_ids(client.get(url, {"object_type": "core.user"})) == [events["core.user.create"], events["auth.login"]]
    assert event_ids(client.get(url, {"object_type": "core.orgunit"})) == [
        events["core.orgunit.update"], events["core.orgunit.create"]]
    assert event_ids(client.get(url, {"action": "core.orgunit.update"})) == [events["core.orgunit.update"]]
    today = ledger.LedgerEvent.objects.get(id=events["core.user.create"]).created_at.astimezone().date()
    assert len(event_ids(client.get(url, {"date_from": today.isoformat(), "date_to": today.isoformat()}))) == 4
    assert event_ids(client.get(url, {"date_to": "2000-01-01"})) == []
    bad = client.get(url, {"date_from": "not-a-date"})
    assert bad.status_code == 200 and "Enter a valid date." in bad.content.decode()
    assert person.pk


def test_each_row_expands_to_its_diff(client, org, admin_user):
    services.update_org_unit(actor=admin_user, unit=org["south"], changes={"name": "Sud"}, reason="French name")
    client.force_login(admin_user)
    page = client.get(reverse("ledger")).content.decode()
    assert "<details><summary>1 field</summary>" in page
    assert "<del><span class=\"sr-only\">removed: </span>South</del>" in page and "French name" in page
    assert f'<a href="{reverse("unit_detail", args=[org["south"].pk])}">Sud</a>' in page


def test_pagination_is_fifty_events_per_page(client, org, admin_user):
    client.force_login(admin_user)  # the login is an event too
    for i in range(54):
        services.update_org_unit(actor=admin_user, unit=org["south"], changes={"description": str(i)})
    assert len(event_ids(client.get(reverse("ledger")))) == 50
    assert len(event_ids(client.get(reverse("ledger"), {"page": 2}))) == 5


def test_chain_status_is_computed_now_and_reports_tampering(client, org, admin_user):
    client.force_login(admin_user)  # the login is event #1
    for name in ("A", "B"):
        services.update_org_unit(actor=admin_user, unit=org["south"], changes={"name": name})
    assert "Chain intact: 3 events verified." in client.get(reverse("ledger_verify"), HTTP_HX_REQUEST="true").content.decode()
    second = ledger.LedgerEvent.objects.order_by("id")[1]
    drop_ledger_triggers()
    try:
        ledger.LedgerEvent.objects.filter(pk=second.pk).update(reason="rewritten")
    finally:
        restore_ledger_triggers()
    page = client.get(reverse("ledger_verify")).content.decode()
    assert f"Chain broken at event #{second.pk}:" in page and "<html" in page
    assert "the event was modified" in page


def test_export_streams_json_lines_that_verify_offline(client, org, admin_user):
    client.force_login(admin_user)
    services.update_org_unit(actor=admin_user, unit=org["south"], changes={"name": "Sud"})
    services.add_note(actor=admin_user, obj=org["south"], body="é <b>x</b>")
    response = client.get(reverse("ledger_export"))
    assert response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert response["Content-Disposition"].startswith('attachment; filename="aims-ledger-')
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert json.loads(lines[0])["type"] == "aims-ledger-export"
    trailer = json.loads(lines[-1])
    assert {k: trailer[k] for k in ("type", "count", "head")} == {"type": "aims-ledger-head", "count": 3,
                                                                  "head": ledger.verify().head}
    assert trailer["sig"]  # signed with the ledger key
    assert ledger.verify_export(lines).ok


def test_ledger_page_uses_a_constant_number_of_queries(client, org, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)

    def changes(count):
        for i in range(count):
            services.update_org_unit(actor=admin_user, unit=org["south"],
                                     changes={"name": f"S{i}", "parent": org["north"] if i % 2 else org["root"]})

    changes(4)  # plus the login event
    with django_assert_max_num_queries(11):
        assert len(event_ids(client.get(reverse("ledger")))) == 5
    changes(35)
    with django_assert_max_num_queries(11):
        assert len(event_ids(client.get(reverse("ledger")))) == 40
