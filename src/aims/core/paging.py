"""One page of a large sorted list, read as the database reads it fastest: keys first, then rows.

`SELECT every column ... WHERE filters ORDER BY key LIMIT 50 OFFSET n` makes the database fetch and carry the whole
row of every matching row to sort it, and of every row it skips. The same page asked as
`... WHERE id IN (SELECT id ... WHERE filters ORDER BY key LIMIT 50 OFFSET n)` lets it filter and sort inside an
index that holds the filtered and sorted columns, then fetch only the 50 rows shown. At 200,000 risks the AIMS
manager's filtered risks API (25,000 matching, offset 5,000) went from 92 to 19 ms of SQL with it (issue 10). It
is still one query, so the query counts pinned by the tests do not change.
"""

from __future__ import annotations

import copy

from django.core import paginator
from django.db.models import QuerySet
from django.db.models.query import ModelIterable


def rows_between(rows, start: int, stop: int):
    """`rows[start:stop]`, asked of the database as keys first when `rows` is a plain sorted queryset of models."""
    query = rows.query if isinstance(rows, QuerySet) else None
    if (query is None or query.distinct or query.combinator or query.is_sliced or query.annotations or query.extra
            or rows._iterable_class is not ModelIterable or not rows.ordered):
        # DISTINCT would select the sort columns beside the key; a union cannot be filtered; annotations and values()
        # would be lost below: slice those as they are.
        return rows[start:stop]
    # The rows are read by key alone: their filters stay inside the subquery, or SQLite may read the rows through
    # one of them (a text search's 20,000 matches) instead of through the page's keys.
    page = rows.model._base_manager.db_manager(rows.db).filter(pk__in=rows.values("pk")[start:stop])
    page.query.select_related = copy.deepcopy(query.select_related)
    page.query.deferred_loading = query.deferred_loading
    page._prefetch_related_lookups = rows._prefetch_related_lookups
    return page.order_by(*query.order_by) if query.order_by else page


class Paginator(paginator.Paginator):
    """Django's paginator, reading each page with `rows_between`. `count`, when the caller already counted the same
    rows (read again another way), is not asked of the database a second time."""

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # Paginator.count is a cached property: this is its value

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(rows_between(self.object_list, bottom, top), number, self)


def filter_choices(queryset: QuerySet, fields: tuple[str, ...], limit: int) -> list | None:
    """The objects of a list's filter drop-down (the first `limit` of `queryset`, with only `fields` read), or None when
    there are more: the page then offers a text box. The rows are read as tuples and become objects only when they
    are shown; in a large organisation they never are, and building 600 unused objects cost 10 ms per register page."""
    rows = list(queryset.values_list(*fields)[:limit + 1])
    if len(rows) > limit:
        return None
    return [queryset.model(**dict(zip(fields, row))) for row in rows]
