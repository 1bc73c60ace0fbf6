"""Pages read keys first (aims.core.paging): the same rows in the same order as a plain slice, in one query."""

import pytest
from django.db import connection
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext

from aims.core.models import User
from aims.core.paging import Paginator, rows_between

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    # Shared last names, so a sort by name has ties that only the primary key breaks.
    return User.objects.bulk_create([User(username=f"p{i}@example.com", email=f"p{i}@example.com",
                                          first_name=f"First {i % 3}", last_name=f"Last {i % 4}") for i in range(23)])


@pytest.mark.parametrize("ordering", [("last_name", "first_name", "pk"), ("-last_name", "-pk"), ("-pk",)])
def test_every_page_holds_the_rows_a_plain_slice_holds(people, ordering):
    everyone = User.objects.filter(username__startswith="p").order_by(*ordering)
    expected = list(everyone.values_list("pk", flat=True))
    for start in range(0, 25, 5):
        assert [u.pk for u in rows_between(everyone, start, start + 5)] == expected[start:start + 5]
    paginator = Paginator(everyone, 10, orphans=3)
    assert [[u.pk for u in paginator.page(n).object_list] for n in paginator.page_range] == [
        expected[:10], expected[10:]]


def test_a_page_is_one_query_that_sorts_keys_before_reading_rows(people):
    everyone = User.objects.select_related("unit").order_by("last_name", "pk")
    with CaptureQueriesContext(connection) as captured:
        page = list(rows_between(everyone, 5, 10))
    assert len(page) == 5 and len(captured.captured_queries) == 1
    sql = captured.captured_queries[0]["sql"]
    assert "IN (SELECT" in sql and "LIMIT 5" in sql


def test_a_page_keeps_the_lists_joins_columns_and_prefetches_but_not_its_filters(people):
    everyone = (User.objects.filter(last_name="Last 1").select_related("unit").only("pk", "last_name", "unit__name")
                .prefetch_related("role_assignments").order_by("-pk"))
    query = rows_between(everyone, 0, 2).query
    assert str(query).count("Last 1") == 1  # the filter runs once, inside the subquery that picks the keys
    with CaptureQueriesContext(connection) as captured:
        page = list(rows_between(everyone, 0, 2))
        assert [u.unit for u in page] == [None, None] and [list(u.role_assignments.all()) for u in page] == [[], []]
    assert len(captured.captured_queries) == 2  # the page (its join included) and the prefetch
    assert "first_name" not in captured.captured_queries[0]["sql"]


def test_distinct_annotated_and_unsorted_lists_are_sliced_as_they_are(people):
    annotated = User.objects.annotate(shouted=Upper("last_name")).order_by("shouted", "pk")
    assert [u.shouted for u in rows_between(annotated, 0, 2)] == ["LAST 0", "LAST 0"]
    distinct = User.objects.order_by("last_name", "pk").distinct()
    assert [u.pk for u in rows_between(distinct, 0, 3)] == list(distinct.values_list("pk", flat=True)[:3])
    assert "IN (SELECT" not in str(rows_between(distinct, 0, 3).query)
    assert "IN (SELECT" not in str(rows_between(User.objects.all().order_by(), 0, 3).query)
