"""The ledger's hash recipes and its verification engine, free of Django: the web process, the lean
`aims ledger verify` command, its worker processes and offline tools all share this module.

Recipe 2 (every event written since it exists; see docs/decisions/0008-ledger-recipe-2.md):

    hash = hex SHA-256 of  prev_hash "\\n" "2 " id " " actor " " F(created_at) F(actor_label) F(action)
                           F(object_type) F(object_id) F(object_label) F(before) F(after) F(reason) F(request_id)

where id is decimal, actor is the actor id in decimal or "-" when there is none, and F(x) is the byte length of the
UTF-8 text x in decimal, ":" and the bytes themselves, exactly as stored. created_at is stored (SQLite) or rendered in
UTC (PostgreSQL) as "YYYY-MM-DD HH:MM:SS.ffffff". Every column of the table is either in that text (the recipe
number 2 included) or is the chain itself (prev_hash, hash); `verify` refuses a table with any other column.

Recipe 1 (events written before recipe 2; still verified, never written): SHA-256 of prev_hash "\\n" and the JSON
array [id, created_at, actor_id, actor_label, action, object_type, object_id, object_label, before, after, reason,
request_id] (separators "," ":", non-ASCII kept), created_at as above. Its stored timestamp must be exactly what the
product wrote ("YYYY-MM-DD HH:MM:SS" or with ".ffffff"), because recipe 1 hashed a normalised form of it.

Run as `python -m aims.core.ledger_chain` it is a verification worker: it reads a JSON job on standard input
(database, id range), checks that slice of the chain, and prints a JSON result.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timezone as dt_timezone
from pathlib import Path

GENESIS = "0" * 64
CURRENT_RECIPE = 2
RECIPES = (1, 2)
TABLE = "core_ledgerevent"
# The table's columns in the order every query reads them. A column outside this list is refused by `verify`.
COLUMNS = ("id", "created_at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_label",
           "before", "after", "reason", "request_id", "prev_hash", "hash", "recipe")
TEXT_COLUMNS = COLUMNS[3:12]
# Kinds of failure (the ledger page explains each in words).
GAP, LINK, MODIFIED, NONCANONICAL, RECIPE, COLUMN = "gap", "link", "modified", "noncanonical", "recipe", "column"
# Found by comparing the chain with heads recorded outside the database (anchors and signed checkpoints).
TRUNCATED, REWRITTEN, SIGNATURE = "truncated", "rewritten", "signature"
# Below this many events one process verifies faster than starting workers.
PARALLEL_MIN_EVENTS = 100_000
BATCH = 20_000

_CANONICAL_TIME = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}").fullmatch
_RECIPE_1_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?").fullmatch


def canonical_time(value) -> str:
    """A timestamp as the ledger stores and hashes it: UTC, "YYYY-MM-DD HH:MM:SS.ffffff" (always 26 characters)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt_timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


# --- Recipe 2 -----------------------------------------------------------------------------------------------------

_BODY_2 = b"%b\n2 %d %b %d:%b%d:%b%d:%b%d:%b%d:%b%d:%b%d:%b%d:%b%d:%b%d:%b"


def _actor_text(actor_id) -> bytes | None:
    """The actor as recipe 2 writes it; None (refused by the formatting) when the stored value is not an integer."""
    if actor_id is None:
        return b"-"
    return b"%d" % actor_id if actor_id.__class__ is int else None


def hash_v2(prev_hash: str, seq: int, created_at: str, actor_id: int | None, *texts: str) -> str:
    """The recipe-2 hash of an event from its values as Python text (what the writer has in hand)."""
    if len(texts) != len(TEXT_COLUMNS):
        raise ValueError("recipe 2 hashes the 9 text columns from actor_label to request_id")
    return _digest_2(prev_hash.encode(), seq, created_at.encode(), actor_id, *(t.encode() for t in texts))


def _digest_2(prev, seq, created, actor_id, al, ac, ot, oi, ol, be, af, re_, rq) -> str:
    return hashlib.sha256(_BODY_2 % (
        prev, seq, _actor_text(actor_id), len(created), created, len(al), al, len(ac), ac, len(ot), ot, len(oi), oi,
        len(ol), ol, len(be), be, len(af), af, len(re_), re_, len(rq), rq)).hexdigest()


# --- Recipe 1 (read only) -----------------------------------------------------------------------------------------

def _array_encoder():
    """json.dumps(list, separators=(",", ":"), ensure_ascii=False), with the encoder built once."""

    def refuse(value):
        raise TypeError(f"not JSON serialisable in a ledger event: {type(value).__name__}")

    fallback = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return fallback
    join = "".join
    try:
        encode = make(None, refuse, json.encoder.encode_basestring, None, ":", ",", False, False, True)
        probe = [1, "é\n\"\\\x01", None, "\u2028"]
        if join(encode(probe, 0)) != fallback(probe):
            return fallback
    except TypeError:  # another Python's private signature: use the public encoder
        return fallback
    return lambda value: join(encode(value, 0))


encode_array = _array_encoder()


def timestamp_text_v1(value: str) -> str:
    """How recipe 1 normalised a stored timestamp before hashing it."""
    return value[:26] if "." in value else value[:19] + ".000000"


def _digest_1(prev: str, row: tuple) -> str | None:
    """Recipe 1 over a row of stored values (text as bytes); None when the row is not in its canonical form."""
    try:
        values = [v.decode() if v.__class__ is bytes else v for v in row[:12]]
    except UnicodeDecodeError:
        return None
    created = values[1]
    if created.__class__ is not str or not _RECIPE_1_TIME(created):
        return None
    if any(v.__class__ is not str for v in values[3:12]) or not (values[2] is None or values[2].__class__ is int):
        return None
    values[1] = timestamp_text_v1(created)
    return hashlib.sha256(f"{prev}\n{encode_array(values)}".encode()).hexdigest()


def hash_v1(prev_hash: str, *fields) -> str:
    """Recipe 1 from the 12 values (for tests that build legacy events)."""
    values = list(fields)
    values[1] = timestamp_text_v1(values[1])
    return hashlib.sha256(f"{prev_hash}\n{encode_array(values)}".encode()).hexdigest()


# --- Verification ---------------------------------------------------------------------------------------------------

@dataclass
class VerifyResult:
    ok: bool
    count: int
    head: str
    bad_id: int | None = None
    problem: str = ""
    kind: str = ""
    recipe: int = 0  # the recipe of the last event verified (the next one may not use an older one)
    note: str = ""  # when intact: how far signed checkpoints vouch for the chain


def describe(result: VerifyResult) -> str:
    """The one line `aims ledger verify` prints (standard output when intact, standard error when broken)."""
    if result.ok:
        return f"ledger intact: {result.count} events, head {result.head}"
    where = f" at event #{result.bad_id}" if result.bad_id is not None else ""
    return f"ledger BROKEN{where}: {result.problem} ({result.count} events verified before it)"


def verify_rows(rows: Iterable[tuple], *, first_seq: int = 1, prev_hash: str = GENESIS,
                recipe: int = 1) -> VerifyResult:
    """Check rows in COLUMNS order, plus a 16th value that is 1 when the database found every text column stored as
    text (text values as bytes, exactly as stored), from `first_seq` after `prev_hash`.

    The hot loop of `aims ledger verify` (goal: 200,000 events/s end to end, see benchmarks/ledger.py).
    """
    sha256, body, canonical_time_ = hashlib.sha256, _BODY_2, _CANONICAL_TIME
    expected_seq, prev, last_recipe = first_seq, prev_hash.encode(), recipe

    def fail(seq, problem, kind):
        return VerifyResult(False, expected_seq - first_seq, prev.decode(), seq, problem, kind, last_recipe)

    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            return fail(seq, f"sequence gap: expected #{expected_seq}, found #{seq}", GAP)
        if row[12] != prev:
            return fail(seq, "previous-hash link does not match the event before it", LINK)
        row_recipe = row[14]
        if row_recipe == 2 and row_recipe.__class__ is int:
            (_seq, created, actor_id, al, ac, ot, oi, ol, be, af, re_, rq, _prev, stored, _recipe, as_text) = row
            try:
                if as_text != 1 or created.__class__ is not bytes or canonical_time_(created) is None:
                    raise TypeError
                digest = sha256(body % (
                    prev, seq, b"-" if actor_id is None else b"%d" % actor_id if actor_id.__class__ is int else None,
                    26, created, len(al), al,
                    len(ac), ac, len(ot), ot, len(oi), oi, len(ol), ol, len(be), be, len(af), af, len(re_), re_,
                    len(rq), rq)).hexdigest()
            except TypeError:
                return fail(seq, "a value is not stored in its canonical form (type or format changed)", NONCANONICAL)
        elif row_recipe == 1 and row_recipe.__class__ is int and last_recipe == 1:
            digest = _digest_1(prev.decode(), row) if row[15] == 1 else None
            if digest is None:
                return fail(seq, "a value is not stored in its canonical form (type or format changed)", NONCANONICAL)
        else:
            return fail(seq, f"unknown hash recipe {row_recipe!r} after recipe {last_recipe}", RECIPE)
        if row[13] != digest.encode():
            return fail(seq, "content does not match its hash (event was modified)", MODIFIED)
        prev, last_recipe = row[13], row_recipe
        expected_seq += 1
    return VerifyResult(True, expected_seq - first_seq, prev.decode(), recipe=last_recipe)


# --- Reading the table ----------------------------------------------------------------------------------------------

def quote(name: str) -> str:
    return f'"{name}"'  # the same on SQLite and PostgreSQL


def select_sql(vendor: str) -> str:
    """Rows with lo < id <= hi, in id order, at most `batch` of them; text columns are read as bytes by the caller.

    SQLite: the timestamp is read as stored, and the 16th value says whether every text column really holds text (a
    BLOB would read back as the same bytes). PostgreSQL: the column types guarantee that; the timestamp is rendered
    in UTC with microseconds, the one text of the stored instant.
    """
    names = [quote(c) for c in COLUMNS]
    if vendor == "postgresql":
        names[1] = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        as_text = "1"
        params = "%s", "%s", "%s"
    else:
        # An expression has no declared type, so a connection that converts "datetime" columns (Django's) does not.
        names[1] = 'CAST("created_at" AS TEXT)'
        as_text = "(" + " AND ".join(f"typeof({quote(c)}) = 'text'" for c in (
            "created_at", *TEXT_COLUMNS, "prev_hash", "hash")) + ")"
        params = "?", "?", "?"
    return (f"SELECT {', '.join(names)}, {as_text} FROM {quote(TABLE)} "
            f"WHERE id > {params[0]} AND id <= {params[1]} ORDER BY id LIMIT {params[2]}")


def columns_sql(vendor: str) -> str:
    if vendor == "postgresql":
        return ("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                f"AND table_name = '{TABLE}'")
    return f"SELECT name FROM pragma_table_info('{TABLE}')"


def head_sql(vendor: str) -> str:
    return f"SELECT id, {quote('hash')} FROM {quote(TABLE)} ORDER BY id DESC LIMIT 1"


def hashes_sql(vendor: str, count: int) -> str:
    mark = "%s" if vendor == "postgresql" else "?"
    return f"SELECT id, {quote('hash')} FROM {quote(TABLE)} WHERE id IN ({', '.join([mark] * count)})"


def _bytes_loader():
    """A psycopg loader giving text as the UTF-8 bytes the server sends (the connection's encoding is UTF-8)."""
    from psycopg.adapt import Loader

    global _BytesLoader
    if _BytesLoader is None:
        class _BytesLoader(Loader):
            def load(self, data):
                return bytes(data)

    return _BytesLoader


_BytesLoader = None


class Reader:
    """Reads the ledger table over a DB-API connection (sqlite3 or psycopg), text columns as bytes."""

    def __init__(self, vendor: str, connection, *, owned: bool = False):
        self.vendor, self.connection, self.owned = vendor, connection, owned
        self._sql = select_sql(vendor)

    def cursor(self):
        cursor = self.connection.cursor()
        if self.vendor == "postgresql":
            for name in ("text", "varchar", "bpchar"):
                cursor.adapters.register_loader(name, _bytes_loader())
        return cursor

    def rows(self, lo: int = 0, hi: int | None = None, batch: int = BATCH) -> Iterator[tuple]:
        """Rows with lo < id <= hi in id order, fetched in batches (hi None: to the end)."""
        hi = (1 << 62) if hi is None else hi
        while True:
            rows = self._batch(lo, hi, batch)
            if not rows:
                return
            yield from rows
            lo = rows[-1][0]

    def _batch(self, lo: int, hi: int, batch: int) -> list[tuple]:
        # On SQLite, text comes back as bytes only while this batch is fetched: the connection may be Django's, and
        # whatever else uses it between two batches must get text as usual.
        sqlite = self.vendor == "sqlite"
        if sqlite:
            previous, self.connection.text_factory = self.connection.text_factory, bytes
        cursor = self.cursor()
        try:
            cursor.execute(self._sql, (lo, hi, batch))
            return cursor.fetchall()
        finally:
            cursor.close()
            if sqlite:
                self.connection.text_factory = previous

    def scalar_rows(self, sql: str, params=()) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def last_id(self) -> int:
        rows = self.scalar_rows(head_sql(self.vendor))
        return rows[0][0] if rows else 0

    def columns(self) -> list[str]:
        return [row[0] for row in self.scalar_rows(columns_sql(self.vendor))]

    def hashes(self, ids: Iterable[int]) -> dict[int, str]:
        """The stored hash of each of `ids` that exists."""
        wanted, found = sorted(set(ids)), {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found.update(self.scalar_rows(hashes_sql(self.vendor, len(chunk)), chunk))
        return found

    def close(self) -> None:
        if self.owned:
            self.connection.close()


def connect(database: dict) -> Reader:
    """A reader on a connection of its own, for read-only use. `database`: {"vendor": "sqlite", "path": ...} or
    {"vendor": "postgresql", "params": {psycopg connection keywords}}."""
    if database["vendor"] == "sqlite":
        import sqlite3

        connection = sqlite3.connect(database["path"], timeout=30, isolation_level=None)
        connection.execute("PRAGMA query_only = 1")
        connection.execute("PRAGMA mmap_size = 1073741824")  # no copy per page read: a large ledger reads faster
        return Reader("sqlite", connection, owned=True)
    import psycopg

    connection = psycopg.connect(**database["params"], autocommit=True)
    connection.execute("SET client_encoding TO 'UTF8'")
    return Reader("postgresql", connection, owned=True)


def uncovered_columns(reader: Reader) -> list[str]:
    return sorted(set(reader.columns()) - set(COLUMNS))


# --- The whole chain, on every CPU ----------------------------------------------------------------------------------

def _cpus() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def verify_table(reader: Reader, *, workers_database: dict | None = None, parallel: bool | None = None) -> VerifyResult:
    """Check the table's columns, then the whole chain.

    With `workers_database` (a connection spec for other processes), slices of a large ledger (`parallel` None) or of
    any ledger (`parallel` True) are checked by worker processes at the same time; whatever they find wrong (or if
    they cannot run), the chain is walked again here, so a broken ledger is always reported exactly as the sequential
    walk reports it.
    """
    extra = uncovered_columns(reader)
    if extra:
        return VerifyResult(False, 0, GENESIS, None, f"column(s) outside the hash recipe: {', '.join(extra)}", COLUMN)
    result = None
    if workers_database is not None and parallel is not False and _cpus() > 1:
        last_id = reader.last_id()
        if last_id >= (PARALLEL_MIN_EVENTS if parallel is None else _cpus()):
            result = _verify_in_parallel(reader, workers_database, last_id)
    return result if result is not None else verify_rows(reader.rows())


def _run_worker(job: dict) -> dict:
    package_root = str(Path(__file__).resolve().parents[2])
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "aims.core.ledger_chain"], input=json.dumps(job), env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _verify_in_parallel(reader: Reader, database: dict, last_id: int) -> VerifyResult | None:
    """One slice per CPU, this process taking the first; None when anything is off (the caller walks it all)."""
    slices = min(_cpus(), 8)
    bounds = [last_id * i // slices for i in range(slices + 1)]
    jobs = [{"database": database, "lo": bounds[i], "hi": bounds[i + 1]} for i in range(slices)]
    try:
        with ThreadPoolExecutor(max_workers=slices - 1) as pool:  # threads only wait for the worker processes
            remote = [pool.submit(_run_worker, job) for job in jobs[1:]]
            first = verify_rows(reader.rows(0, bounds[1]))
            results = [{"ok": first.ok, "count": first.count, "first_prev": GENESIS, "first_recipe": 1,
                        "head": first.head, "recipe": first.recipe}] + [future.result() for future in remote]
    except (OSError, subprocess.CalledProcessError, ValueError):
        return None
    head, recipe = GENESIS, 1
    for job, result in zip(jobs, results):
        if (not result["ok"] or result["count"] != job["hi"] - job["lo"] or result["first_prev"] != head
                or result["first_recipe"] < recipe):
            return None
        head, recipe = result["head"], result["recipe"]
    return VerifyResult(True, last_id, head, recipe=recipe)


def verify_slice(job: dict) -> dict:
    """Verify the rows of one id range, trusting its first row's stored link (the caller checks it)."""
    reader = connect(job["database"])
    try:
        rows = reader.rows(job["lo"], job["hi"])
        first = next(rows, None)
        if first is None:
            return {"ok": True, "count": 0, "first_prev": None, "first_recipe": 0, "head": None, "recipe": 0}
        first_prev = first[12].decode() if first[12].__class__ is bytes else None
        first_recipe = first[14] if first[14].__class__ is int else 0
        if first_prev is None or not first_recipe:
            return {"ok": False, "count": 0, "first_prev": None, "first_recipe": 0, "head": None, "recipe": 0}

        def all_rows():
            yield first
            yield from rows

        result = verify_rows(all_rows(), first_seq=job["lo"] + 1, prev_hash=first_prev, recipe=first_recipe)
        return {"ok": result.ok, "count": result.count, "first_prev": first_prev, "first_recipe": first_recipe,
                "head": result.head, "recipe": result.recipe}
    finally:
        reader.close()


if __name__ == "__main__":
    json.dump(verify_slice(json.load(sys.stdin)), sys.stdout)
