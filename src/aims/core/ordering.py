"""Sort expressions a database index can serve.

A list sorted by a choice field in its own order (a lifecycle, a severity scale) needs a rank, not the stored text.
Django's `Case(When(...))` sends its values as query parameters, and SQLite only uses an index on an expression
whose literals appear in the query exactly as in the index; `Rank` writes its values into the SQL, so the same
expression in `Meta.indexes` and in `order_by()` compiles to the same text and the index serves the sort (on
PostgreSQL as on SQLite). Every sort a list offers must be served by an index: see core/tests/test_sorts_are_indexed.py.
"""

from __future__ import annotations

from django.db.models import F, Func, IntegerField, UniqueConstraint


class Rank(Func):
    """The position of `field`'s value in `order` (0, 1, ...); any other value ranks last. Never NULL."""

    output_field = IntegerField()

    def __init__(self, field: str, order):
        self.field_name = field
        self.order = tuple(str(getattr(value, "value", value)) for value in order)
        super().__init__(F(field))

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        cases = " ".join(f"WHEN {_literal(value)} THEN {position}" for position, value in enumerate(self.order))
        return f"(CASE {column} {cases} ELSE {len(self.order)} END)", params

    def asc(self, **kwargs):
        # Never NULL: "NULLS LAST" would only keep PostgreSQL from reading the index backwards.
        kwargs.pop("nulls_last", None)
        return super().asc(**kwargs)

    def desc(self, **kwargs):
        kwargs.pop("nulls_last", None)
        return super().desc(**kwargs)


class UniqueSortIndex(UniqueConstraint):
    """A name sort's index declared unique, ending with a field unique on its own (a person's username, a unit's code).
    Unique, it tells SQLite's planner that each key is one row: a list sorted by that table's name then walks this index
    and, for each row, the list's own index on it, in order, instead of sorting the whole list (inventory.portfolio).
    It can never be violated, so saving a row does not query it (`validate` does nothing); the database keeps it."""

    def validate(self, model, instance, exclude=None, using=None):
        return


def _literal(value: str) -> str:
    # The values come from the code (choice values), never from a request; quoted all the same.
    return "'" + value.replace("'", "''") + "'"
