"""Lists: limit/offset pagination with a total count, sorting against an allow-list, filters, and a fixed number of
queries whatever the number of rows. Plus the OpenAPI schema and the interactive docs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aims.core import notifications, services
from aims.core.models import JournalNote, PeopleGroup, RoleAssignment
from aims.core.testing import OrgUnitFactory, UserFactory

from .api_helpers import API, call

pytestmark = pytest.mark.django_db


def test_pagination_gives_the_total_and_stable_pages(client, org, admin_user):
    for i in range(12):
        OrgUnitFactory(name=f"Team {i:02d}", code=f"team-{i:02d}", parent=org["south"])
    client.force_login(admin_user)
    seen = []
    for offset in (0, 5, 10):
        page = call(client, "GET", "/org-units", {"limit": 5, "offset": offset, "q": "team", "sort": "name"}).json()
        assert page["count"] == 12
        seen += [u["name"] for u in page["items"]]
    assert seen == [f"Team {i:02d}" for i in range(12)]
    beyond = call(client, "GET", "/org-units", {"offset": 100}).json()
    assert beyond == {"count": 16, "items": []}


def test_sorting_ascending_and_descending(client, org, admin_user):
    client.force_login(admin_user)
    names = [u["name"] for u in call(client, "GET", "/org-units", {"sort": "name"}).json()["items"]]
    assert names == ["North", "North-East", "Root", "South"]
    names = [u["name"] for u in call(client, "GET", "/org-units", {"sort": "-name"}).json()["items"]]
    assert names == ["South", "Root", "North-East", "North"]
    codes = [u["code"] for u in call(client, "GET", "/org-units").json()["items"]]  # default: tree order
    assert codes == ["root", "north", "north-east", "south"]


def test_filters_combine(client, org, admin_user):
    OrgUnitFactory(name="Old north team", code="old", parent=org["north"], is_active=False)
    client.force_login(admin_user)
    items = call(client, "GET", "/org-units", {"parent": org["north"].pk, "active": "false"}).json()["items"]
    assert [u["code"] for u in items] == ["old"]
    items = call(client, "GET", "/org-units", {"parent": org["north"].pk, "active": "true"}).json()["items"]
    assert [u["code"] for u in items] == ["north-east"]


# --- Query-count pins: a list costs the same number of queries for 5 rows as for 50 ------------------------------------

def _add_units(org, admin, n, start):
    for i in range(start, start + n):
        OrgUnitFactory(parent=org["south"], code=f"pin-{i}")


def _add_people(org, admin, n, start):
    for i in range(start, start + n):
        UserFactory(unit=org["north"], manager=admin)


def _add_groups(org, admin, n, start):
    people = [UserFactory(unit=org["north"]) for _ in range(2)]
    for i in range(start, start + n):
        PeopleGroup.objects.create(name=f"Group {i}", unit=org["north"]).members.set(people)


def _add_roles(org, admin, n, start):
    for i in range(start, start + n):
        RoleAssignment.objects.create(role="viewer", user=UserFactory(), unit=org["north"])


def _add_events(org, admin, n, start):
    for i in range(start, start + n):
        services.record_auth_event(actor=admin, action="auth.login", label=f"pin {i}")


def _add_notes(org, admin, n, start):
    for i in range(start, start + n):
        JournalNote.objects.create(object_type="core.orgunit", object_id=str(org["north"].pk),
                                   author=UserFactory(), body=f"note {i}", body_html=f"<p>note {i}</p>")


def _add_notifications(org, admin, n, start):
    for i in range(start, start + n):
        notifications.notify(recipient=admin, title=f"N {i}", email=False)


def _add_tasks(org, admin, n, start):
    for i in range(start, start + n):
        notifications.open_task(assignee=admin, title=f"T {i}", source=f"pin-{i}")


LISTS = [
    ("/org-units", _add_units, 5),
    ("/people", _add_people, 5),
    ("/groups", _add_groups, 6),
    ("/role-assignments", _add_roles, 5),
    ("/ledger/events", _add_events, 5),
    ("/journal/core.orgunit/{north}/notes", _add_notes, 6),
    ("/notifications", _add_notifications, 4),
    ("/tasks", _add_tasks, 4),
]


@pytest.mark.parametrize("path, add_rows, max_queries", LISTS, ids=[p for p, _, _ in LISTS])
def test_list_query_count_does_not_grow_with_rows(client, org, admin_user, django_assert_max_num_queries,
                                                  path, add_rows, max_queries):
    client.force_login(admin_user)
    url = API + path.format(north=org["north"].pk)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"limit": 100})
        assert response.status_code == 200, response.content
        return len(captured), response.json()["count"]

    add_rows(org, admin_user, 5, 0)
    few, count_few = queries_for_page()
    add_rows(org, admin_user, 45, 5)
    many, count_many = queries_for_page()
    assert count_many >= count_few + 45
    assert few == many, f"{path}: {few} queries for {count_few} rows but {many} for {count_many}"
    with django_assert_max_num_queries(max_queries):
        client.get(url, {"limit": 100})


# --- OpenAPI and docs ---------------------------------------------------------------------------------------------------

def test_openapi_schema_lists_every_route_and_both_authentications(client):
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/me": {"get", "patch"},
        "/api/v1/org-units": {"get", "post"},
        "/api/v1/org-units/{unit_id}": {"get", "patch", "delete"},
        "/api/v1/people": {"get", "post"},
        "/api/v1/people/{person_id}": {"get", "patch"},
        "/api/v1/groups": {"get", "post"},
        "/api/v1/groups/{group_id}": {"get", "patch"},
        "/api/v1/role-assignments": {"get", "post"},
        "/api/v1/role-assignments/{assignment_id}": {"get", "delete"},
        "/api/v1/ledger/events": {"get"},
        "/api/v1/ledger/verify": {"get"},
        "/api/v1/journal/{object_type}/{object_id}/notes": {"get", "post"},
        "/api/v1/notifications": {"get"},
        "/api/v1/notifications/read": {"post"},
        "/api/v1/tasks": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    names = set(schema["components"]["schemas"])
    assert {"OrgUnitRead", "OrgUnitCreate", "OrgUnitUpdate", "OrgUnitReadPage", "PersonUpdate"} <= names
    assert schema["components"]["schemas"]["OrgUnitCreate"]["additionalProperties"] is False
    assert "version" in schema["components"]["schemas"]["OrgUnitUpdate"]["required"]


def test_interactive_docs_page_is_served(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
