"""The risk register page: who may open it, filters, sorting, empty state, exports of exactly what the filter shows,
and a number of queries that does not grow with the rows."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from aims.core.testing import OrgUnitFactory, person_with_role
from aims.risks import services

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return re.findall(r'<a href="/risks/\d+/">([^<]+)</a>', response.content.decode())


def test_register_opens_for_readers_in_scope_and_is_refused_without_a_role(client, org, make_risk):
    make_risk(title="North risk")
    viewer = person_with_role("viewer", org["north"])
    south_viewer = person_with_role("viewer", org["south"])
    client.force_login(viewer)
    assert titles(client.get(reverse("risks:register"))) == ["North risk"]
    client.force_login(south_viewer)
    page = client.get(reverse("risks:register"))
    assert page.status_code == 200 and titles(page) == []
    assert "No risks recorded yet." in page.content.decode()
    client.force_login(person_with_role(None))
    assert client.get(reverse("risks:register")).status_code == 403
    assert client.get(reverse("risks:heatmap")).status_code == 403


def test_nav_links_to_the_register(client, owner):
    client.force_login(owner)
    assert 'href="/risks/" data-module="risks"' in client.get(reverse("home")).content.decode()


def test_filters_narrow_the_register(client, owner, make_risk, make_system):
    bot = make_system(name="Bot")
    high = make_risk(title="Injection", systems=[bot], inherent_likelihood=3, inherent_impact=3)
    make_risk(title="Leak", category="privacy", inherent_likelihood=1, inherent_impact=1)
    make_risk(title="Unscored drift", category="operations")
    client.force_login(owner)
    url = reverse("risks:register")
    assert titles(client.get(url, {"system": bot.pk})) == ["Injection"]
    assert titles(client.get(url, {"system": bot.reference_code})) == ["Injection"]
    assert titles(client.get(url, {"category": "privacy"})) == ["Leak"]
    assert titles(client.get(url, {"above_appetite": "yes"})) == ["Injection"]
    assert titles(client.get(url, {"inherent_level": "low"})) == ["Leak"]
    assert titles(client.get(url, {"q": "drift"})) == ["Unscored drift"]
    assert titles(client.get(url, {"owner": owner.pk, "sort": "title"})) == ["Injection", "Leak", "Unscored drift"]
    assert titles(client.get(url, {"cell": "inherent-3-3"})) == ["Injection"]
    services.close_risk(actor=owner, risk=high, reason="System retired")
    assert "Injection" not in titles(client.get(url, {"status": "open"}))
    assert titles(client.get(url, {"status": "closed"})) == ["Injection"]
    empty = client.get(url, {"category": "regulatory"}).content.decode()
    assert "No risk matches these filters." in empty


def test_review_overdue_filter_and_sorting(client, owner, make_risk):
    from datetime import timedelta

    from django.utils import timezone

    from aims.risks.models import Risk

    late = make_risk(title="B late", inherent_likelihood=2, inherent_impact=2)
    make_risk(title="A fine", inherent_likelihood=1, inherent_impact=1)
    Risk.objects.filter(pk=late.pk).update(next_review_date=timezone.localdate() - timedelta(days=1))
    client.force_login(owner)
    url = reverse("risks:register")
    assert titles(client.get(url, {"review_overdue": "1"})) == ["B late"]
    assert titles(client.get(url, {"sort": "title"})) == ["A fine", "B late"]
    assert titles(client.get(url, {"sort": "-title"})) == ["B late", "A fine"]
    assert titles(client.get(url, {"sort": "-inherent"})) == ["B late", "A fine"]
    # An unknown sort key falls back to the default instead of failing.
    assert client.get(url, {"sort": "password"}).status_code == 200


def test_csv_and_xlsx_exports_hold_exactly_the_filtered_rows(client, owner, make_risk):
    make_risk(title="=HYPERLINK(evil)", inherent_likelihood=3, inherent_impact=3)
    make_risk(title="Leak", category="privacy", inherent_likelihood=1, inherent_impact=1)
    for i in range(60):  # more than one page: the export is not limited to the page shown
        make_risk(title=f"Other {i:02d}", category="operations")
    client.force_login(owner)
    response = client.get(reverse("risks:export_csv"), {"category": "security"})
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["Id", "Title"]
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(evil)"]  # a formula is neutralised
    assert rows[1][8] == "High"
    response = client.get(reverse("risks:export_xlsx"), {"category": "operations"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    exported = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(exported) == 60 and all(t.startswith("Other") for t in exported)


def test_register_page_uses_the_same_number_of_queries_for_5_and_40_risks(client, owner, make_risk, make_system,
                                                                          django_assert_max_num_queries):
    system = make_system()
    client.force_login(owner)
    url = reverse("risks:register")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for i in range(5):
        make_risk(title=f"Risk {i}", systems=[system], inherent_likelihood=2, inherent_impact=3)
    small = count()
    for i in range(35):
        make_risk(title=f"More {i}", systems=[system], inherent_likelihood=3, inherent_impact=2)
    assert count() == small
    with django_assert_max_num_queries(12):
        client.get(url)


def test_the_import_page_is_offered_to_people_who_may_add_risks_only(client, org, owner, method):
    import_url = reverse("risks:risk_import")
    client.force_login(owner)
    page = client.get(reverse("risks:register")).content.decode()
    assert f'href="{import_url}"' in page
    client.force_login(person_with_role("viewer", org["north"]))
    page = client.get(reverse("risks:register")).content.decode()
    assert f'href="{import_url}"' not in page and client.get(import_url).status_code == 403


def test_many_owners_turn_the_owner_filter_into_an_email_box(client, org, owner, make_risk, monkeypatch):
    from aims.risks import views_register

    other = person_with_role("system_owner", org["north"])
    make_risk(title="Mine")
    make_risk(title="Theirs", owner=other)
    client.force_login(owner)
    page = client.get(reverse("risks:register")).content.decode()
    assert '<select id="rf-owner"' in page and f'value="{other.pk}"' in page
    monkeypatch.setattr(views_register, "OWNER_SELECT_LIMIT", 1)
    page = client.get(reverse("risks:register"), {"owner": other.email.upper()})
    assert '<input id="rf-owner" name="owner" type="email"' in page.content.decode()
    assert titles(page) == ["Theirs"]
    assert sorted(titles(client.get(reverse("risks:register"), {"owner": "nobody"}))) == ["Mine", "Theirs"]  # ignored


def test_many_systems_turn_the_system_filter_into_a_reference_box(client, owner, make_risk, make_system, monkeypatch):
    from aims.risks import views_register

    bot = make_system(name="Bot")
    make_risk(title="Injection", systems=[bot])
    client.force_login(owner)
    for url in (reverse("risks:register"), reverse("risks:heatmap")):
        page = client.get(url).content.decode()
        assert f'<option value="{bot.pk}">{bot.reference_code} · Bot</option>' in page
    monkeypatch.setattr(views_register, "SYSTEM_SELECT_LIMIT", 0)
    page = client.get(reverse("risks:register"), {"system": bot.reference_code})
    assert '<input id="rf-system" name="system"' in page.content.decode() and titles(page) == ["Injection"]
    assert '<input id="hm-system" name="system"' in client.get(reverse("risks:heatmap")).content.decode()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan; PostgreSQL plans by its own "
                    "statistics (the index exists on both, see test_sorts_are_indexed for the schema)")
def test_the_owner_choices_of_a_scoped_reader_probe_the_unit_owner_index(client, owner, make_risk):
    """The owner drop-down lists people owning a risk the reader sees: per person, an index probe limited to the
    reader's units, not every risk of that person (358 ms at 200,000 risks for a unit's owner before)."""
    make_risk(title="North risk")
    client.force_login(owner)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("risks:register")).status_code == 200
    (choices,) = [q["sql"] for q in captured.captured_queries
                  if q["sql"].startswith('SELECT "core_user"."id"') and "EXISTS" in q["sql"] and "risks_risk" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {choices}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "risk_unit_owner_sort (unit_id=? AND owner_id=?)" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan; PostgreSQL plans by its own "
                    "statistics, which its autovacuum keeps")
def test_the_register_sorted_by_owner_walks_the_people_name_index_once_the_statistics_are_in(make_risk):
    """Sorted by owner, the register walks the people's unique name index and each one's risks, in order, with no sort
    of the whole register (a deep page at 200,000 risks: 1.6 s sorting, 39 ms walking). The planner needs the daily
    statistics job to know that people are few and risks many."""
    from aims.core.api_utils import ordering_for
    from aims.core.periodic import run_periodic
    from aims.risks import register
    from aims.risks.models import Risk

    for number in range(8):
        make_risk(title=f"Risk {number}")
    run_periodic("database-statistics")
    for sort in ("owner", "-owner"):
        page = Risk.objects.select_related("owner", "unit").order_by(
            *ordering_for(sort, register.RISK_SORTS, register.DEFAULT_SORT))[2:4]
        sql, params = page.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "TEMP B-TREE" not in plan and plan.index("core_user") < plan.index("risks_risk"), plan


def _page_plan(risks, sort: str) -> str:
    """SQLite's plan for the register's third page of `risks` in `sort` (the page's keys, then its rows)."""
    from aims.core.api_utils import ordering_for
    from aims.core.paging import rows_between
    from aims.risks import register

    page = rows_between(risks.order_by(*ordering_for(sort, register.RISK_SORTS, register.DEFAULT_SORT)), 100, 150)
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan; PostgreSQL plans by its own "
                    "statistics, which its autovacuum keeps")
def test_pages_scoped_to_units_or_filtered_by_category_are_read_through_an_index_of_their_sort(
        owner, south_owner, make_risk, org):
    """A reader scoped to units is read through the unit: each sort has an index led by the unit, so the page's keys
    come from the index alone, not from every risk of the units read from the table and sorted (7-11 ms for a unit of
    4,000 risks). A category filter under a level sort walks the category's entries in the order shown and stops at
    the page (offset 5,000 of 25,000: 21-36 -> 3 ms)."""
    from aims.core.periodic import run_periodic
    from aims.risks import register
    from aims.risks.models import Risk

    # A register shaped like a large one, so that the planner chooses as it does at scale: 2,000 risks in 40 units
    # (the reader's among them), each category an eighth (written in bulk: only the plan is under test).
    model = make_risk(title="Risk 0")
    units = [org["north"], *(OrgUnitFactory(name=f"Unit {n}", code=f"u{n}", parent=org["south"]) for n in range(39))]
    categories = [choice for choice, _label in Risk._meta.get_field("category").choices]
    copies = []
    for number in range(1, 2000):
        unit = units[number % len(units)]
        copies.append(Risk(title=f"Risk {number:04}", unit=unit, owner=owner if unit == org["north"] else south_owner,
                           method=model.method, category=categories[number % len(categories)], status=model.status,
                           inherent_rank=number % 5, inherent_score=number % 25, residual_rank=number % 4,
                           residual_score=number % 16))
    Risk.objects.bulk_create(copies)
    run_periodic("database-statistics")
    scoped = register.visible_risks(owner)
    for sort, index in (("-inherent", "risk_unit_inherent_sort"), ("residual", "risk_unit_residual_sort"),
                        ("title", "risk_unit_title_sort"), ("-next_review", "risk_unit_review_sort"),
                        ("updated", "risk_unit_updated_sort")):
        assert f"COVERING INDEX {index} (unit_id=?)" in _page_plan(scoped, sort), sort
    # By owner: the few people walked by name and the unit's risks of each, or the unit's owner ids alone and sorted.
    assert "COVERING INDEX risk_unit_owner_sort (unit_id=?" in _page_plan(scoped, "owner")
    everyone = register.apply_filters(register.visible_risks(person_with_role("aims_manager")), category="security",
                                      status=register.OPEN)
    for sort, index in (("-residual", "risk_category_residual_sort"), ("-inherent", "risk_category_inherent_sort")):
        plan = _page_plan(everyone, sort)
        assert f"COVERING INDEX {index} (category=?)" in plan, plan
        assert plan.count("TEMP B-TREE FOR ORDER BY") == 1, plan  # the page's 50 rows, read by key; not the keys
