"""Text search that reads an index instead of every row, on the embedded database (SQLite).

`search()` (api_utils) keeps a row when every word of the query appears, in any case, somewhere in one of the
searched columns: a `LIKE '%word%'` per column, which reads every row of the table. At 200,000 risks that is 61-73 ms
for every search, whatever it finds (issue 10).

On SQLite a table can have a full-text index with the trigram tokenizer (FTS5, SQLite 3.34 or later). It indexes
every three-character slice of the columns, so it answers the same question, "does this text contain this word",
from the index: a word that three risks contain costs 0.2 ms instead of 61 ms. Words of one or two characters have
no slice to look up and are matched as before. Matching is case-insensitive for every alphabet (LIKE folds only
ASCII letters), so "ÉVALUATION" finds "évaluation".

The index holds no copy of the text (`content=` the table itself) and is kept in step by triggers on INSERT, UPDATE
of the indexed columns and DELETE, so bulk writes, imports and restores keep it current too. PostgreSQL keeps the
plain search.
"""

from __future__ import annotations

import sqlite3

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import F, Func, IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In

from .api_utils import search

SHORTEST_INDEXED_WORD = 3  # the trigram tokenizer's slice


def index_name(table: str) -> str:
    return f"{table}_search"


def sqlite_install(table: str, columns: list[str]) -> list[str]:
    """The statements that create the index of `columns` of `table`, its triggers, and fill it."""
    name, listed = index_name(table), ", ".join(columns)
    new, old = (", ".join(f"{row}.{column}" for column in columns) for row in ("new", "old"))
    forget = f"INSERT INTO {name}({name}, rowid, {listed}) VALUES ('delete', old.id, {old});"
    learn = f"INSERT INTO {name}(rowid, {listed}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {name} USING fts5({listed}, content='{table}', content_rowid='id', "
        "tokenize='trigram')",
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {learn} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {forget} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {listed} ON {table} BEGIN {forget} {learn} END",
        f"INSERT INTO {name}({name}) VALUES ('rebuild')",
    ]


def sqlite_remove(table: str) -> list[str]:
    name = index_name(table)
    return [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("insert", "update", "delete")] + [
        f"DROP TABLE IF EXISTS {name}"]


def install(schema_editor, table: str, columns: list[str]) -> None:
    """For a migration's RunPython: build the index on SQLite, nothing elsewhere."""
    if schema_editor.connection.vendor == "sqlite":
        if sqlite3.sqlite_version_info < (3, 34):
            raise ImproperlyConfigured(f"AIMS needs SQLite 3.34 or later for its text search (trigram index); this "
                                       f"Python uses SQLite {sqlite3.sqlite_version}.")
        for statement in sqlite_install(table, columns):
            schema_editor.execute(statement)


def remove(schema_editor, table: str) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in sqlite_remove(table):
            schema_editor.execute(statement)


def indexed_search(queryset: QuerySet, q: str | None, fields: list[str], *, many_matches: bool = False) -> QuerySet:
    """What `search(queryset, q, fields)` keeps, read from the table's index on SQLite: `fields` are the columns the
    index was built on (its migration).

    SQLite reads a search's matches first, then sorts them: right for a few matches, but a word a tenth of 200,000
    risks contain is 20,000 rows read and sorted for a page of 50 (32 ms of SQL). When the caller knows the search
    matches many rows (`many_matches`, e.g. from the page's count), the key is written `+id IN (...)`, which SQLite
    cannot read the matches through: it then walks the list's sort index and keeps the rows that match until the page
    is full (11 ms). The result is the same; only the plan differs. For a word that few rows contain, that walk
    would cross the whole index, hence the choice is the caller's.

    Even so, `+id IN (...)` first reads every match of the whole table from the index (20,000 for a word a tenth of
    200,000 risks contain), for a page whose walk meets its rows among the first few hundred. So when the words are
    ASCII, the walk matches each row it meets with LIKE instead, which is the plain search: page 2 of such a word, 8 ->
    1.6 ms of SQL for the whole register, 6 -> 0.2 ms for a unit's 4,000 risks that all contain it. LIKE folds the
    case of ASCII letters only, so other words keep the index."""
    words = (q or "").split()[:10]
    if connections[queryset.db].vendor != "sqlite" or (many_matches and walks_with_like(q)):
        return search(queryset, q, fields)
    indexed = [word for word in words if len(word) >= SHORTEST_INDEXED_WORD]
    if indexed:
        name = index_name(queryset.model._meta.db_table)
        matches = RawSQL(f"SELECT rowid FROM {name} WHERE {name} MATCH %s", [_match_expression(indexed)])
        if many_matches:
            queryset = queryset.filter(In(Func(F("pk"), template="+%(expressions)s", output_field=IntegerField()),
                                          matches))
        else:
            queryset = queryset.filter(pk__in=matches)
    return search(queryset, " ".join(word for word in words if len(word) < SHORTEST_INDEXED_WORD), fields)


def walks_with_like(q: str | None) -> bool:
    """Whether a walk of a sort index (`many_matches`) matches each row with LIKE rather than looking it up among
    matches read from the index beforehand: when every word is ASCII, whose case LIKE folds as the index does."""
    return (q or "").isascii()


def count_matches(model, q: str | None) -> int | None:
    """How many rows of `model`'s whole table the search `q` keeps, counted in the table's index alone: 2.5 ms for
    20,000 matches of 200,000 risks, where counting them among rows read from the table takes 22 ms. None off SQLite
    or when a word is too short for the index (the search then also reads the table)."""
    words = (q or "").split()[:10]
    database = model.objects.db
    if connections[database].vendor != "sqlite" or not words or any(
            len(word) < SHORTEST_INDEXED_WORD for word in words):
        return None
    name = index_name(model._meta.db_table)
    with connections[database].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {name} WHERE {name} MATCH %s", [_match_expression(words)])
        return cursor.fetchone()[0]


def _match_expression(words: list[str]) -> str:
    # Each word as a quoted string (a quote doubled inside): matched as text, never read as query syntax.
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
