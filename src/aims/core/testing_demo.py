"""The demo organisation for tests that read it, loaded once per test process and copied back afterwards.

`demo.load()` replays a year of a bank's use through the services: about 40 seconds on a CI core, and a dozen tests
read its content (each module's demo data, the French walk of every page). The first of them on a worker loads it for
real; the rows it added or changed, and the files it wrote in the data directory, are kept in memory and on disk, and
the next tests on that worker get them back with one insert per table: the same rows with the same keys, the same
ledger chain, the same evidence files. `test_demo.py` still loads it for real, as `aims demo` does.

The rows themselves go with each test's transaction, like every other test's data; only the copy in memory stays. It
is used again only on a database in the state it was taken from (the migrated schema and its seed rows, nothing else)
and on the same day, since the demo's year ends today.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from . import demo
from .models import User

PASSWORD = "demo-password-for-tests"


@dataclass
class _Table:
    model: type
    columns: list[str]
    key: str
    base_count: int
    rows: list[tuple] = field(default_factory=list)  # rows the demo added or changed
    keys_changed: list = field(default_factory=list)  # keys of seed rows the demo changed (deleted, then re-inserted)


@dataclass
class _Copy:
    vendor: str
    database: str
    day: object
    admin_pk: int
    tables: dict[str, _Table]
    files: Path


_copy: _Copy | None = None


def load_demo() -> User:
    """The demo's administrator, with the demo organisation in the database (its password is PASSWORD)."""
    global _copy
    if _copy is not None and _usable(_copy):
        _restore(_copy)
        return User.objects.get(pk=_copy.admin_pk)
    before = {table: _rows(model, *_columns(model)) for table, model in _models().items()}
    admin, _password = demo.load(password=PASSWORD)
    if _copy is not None:
        shutil.rmtree(_copy.files, ignore_errors=True)
    _copy = _take(before, admin.pk)
    return admin


def _models() -> dict[str, type]:
    """Every table the models own (many-to-many tables included), once each, by name."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy and model._meta.managed:
            tables.setdefault(model._meta.db_table, model)
    return tables


def _columns(model) -> tuple[list[str], str]:
    return [f.column for f in model._meta.local_concrete_fields], model._meta.pk.column


def _rows(model, columns: list[str], key: str) -> dict:
    """The table's rows by key, as stored: on SQLite each column is read through coalesce(), an expression, so the
    driver's converters (which turn declared date, time and decimal columns into Python objects) leave the stored
    value as it is and it is written back byte for byte."""
    quote = connection.ops.quote_name
    if connection.vendor == "sqlite":
        selected = ", ".join(f"coalesce({quote(c)}, NULL)" for c in columns)
    else:
        selected = ", ".join(quote(c) for c in columns)
    index = columns.index(key)
    with connection.cursor() as cursor:
        # In key order: the ledger's trigger accepts an event only after the last one.
        cursor.execute(f"SELECT {selected} FROM {quote(model._meta.db_table)} ORDER BY {quote(key)}")
        return {row[index]: row for row in cursor.fetchall()}


def _take(before: dict[str, dict], admin_pk: int) -> _Copy:
    tables = {}
    for table, model in _models().items():
        columns, key = _columns(model)
        seed = before[table]
        now = _rows(model, columns, key)
        entry = _Table(model=model, columns=columns, key=key, base_count=len(seed))
        for pk, row in now.items():
            if pk not in seed:
                entry.rows.append(row)
            elif seed[pk] != row:
                entry.rows.append(row)
                entry.keys_changed.append(pk)
        if set(seed) - set(now):  # a deleted seed row could not be put back by inserts alone: say so rather than copy
            raise RuntimeError(f"the demo deleted seed rows of {table}; testing_demo cannot copy that")
        tables[table] = entry
    files = Path(tempfile.mkdtemp(prefix="aims-demo-files-"))
    shutil.copytree(settings.DATA_DIR, files, dirs_exist_ok=True)
    return _Copy(vendor=connection.vendor, database=connection.settings_dict["NAME"], day=timezone.localdate(),
                 admin_pk=admin_pk, tables=tables, files=files)


def _usable(copy: _Copy) -> bool:
    """Same database, same day, and the database holds only the seed rows it held when the copy was taken."""
    if (copy.vendor, copy.database, copy.day) != (connection.vendor, connection.settings_dict["NAME"],
                                                   timezone.localdate()):
        return False
    quote = connection.ops.quote_name
    counts = " UNION ALL ".join(f"SELECT '{table}', COUNT(*) FROM {quote(table)}" for table in copy.tables)
    with connection.cursor() as cursor:
        cursor.execute(counts)
        return all(copy.tables[table].base_count == count for table, count in cursor.fetchall())


def _restore(copy: _Copy) -> None:
    quote = connection.ops.quote_name
    touched = []
    with connection.cursor() as cursor:
        for table, entry in copy.tables.items():
            if not entry.rows:
                continue
            touched.append(entry.model)
            if entry.keys_changed:
                cursor.executemany(f"DELETE FROM {quote(table)} WHERE {quote(entry.key)} = %s",
                                   [(pk,) for pk in entry.keys_changed])
            marks = ", ".join(["%s"] * len(entry.columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({', '.join(map(quote, entry.columns))}) VALUES ({marks})",
                               entry.rows)
        # PostgreSQL's sequences do not follow explicit keys: the next row a test creates must not take a demo key.
        for statement in connection.ops.sequence_reset_sql(no_style(), touched):
            cursor.execute(statement)
    shutil.copytree(copy.files, settings.DATA_DIR, dirs_exist_ok=True)
