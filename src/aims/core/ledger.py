"""The ledger: an append-only, SHA-256 hash-chained record of every change.

hash(n) = SHA-256( hash(n-1) + "\\n" + canonical(n) ), where canonical(n) is a JSON array of the event's fields in a
fixed order, its sequence number first. Changing, deleting, inserting or reordering any row therefore breaks the chain
at the first bad event, which `verify()` names. The first event chains from GENESIS.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.functional import Promise

from . import context, webhooks
# The recipe and the verification loop live in a Django-free module shared with worker processes and offline tools.
from .ledger_chain import (  # noqa: F401 (re-exported: the ledger's public API)
    GENESIS, REWRITTEN, TRUNCATED, VerifyResult, canonical_event, chain_hash, timestamp_text, verify_rows,
)
from .models import LedgerEvent

# Control characters would make labels ambiguous in exports and terminals; they never belong in them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Advisory lock key used on PostgreSQL so concurrent writers append one after another to a single chain.
_PG_LOCK_KEY = 4242_0001
# Below this many events one process verifies faster than starting workers.
PARALLEL_MIN_EVENTS = 200_000


def canonical_json(value) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _clean(text: str, limit: int) -> str:
    return _CONTROL.sub("", str(text or ""))[:limit]


def object_type_of(obj_or_type) -> str:
    if isinstance(obj_or_type, str):
        return obj_or_type
    meta = obj_or_type._meta
    return f"{meta.app_label}.{meta.model_name}"


def snapshot(obj: Model, fields: Iterable[str] | None = None) -> dict:
    """The ledger-relevant values of an object, JSON-ready."""
    names = fields if fields is not None else getattr(obj, "ledger_fields", ())
    data = {}
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, (set, frozenset)):
            value = sorted(value)
        data[name] = value
    return json.loads(canonical_json(data))


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value changed, on both sides."""
    keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in keys if k in before}, {k: after.get(k) for k in keys if k in after}


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
    # SQLite: the connection opens write transactions with BEGIN IMMEDIATE (settings), which already serialises.


def record(*, actor, action: str, obj: Model | None = None, object_type: str | None = None, object_id="",
           object_label: str = "", before: dict | None = None, after: dict | None = None, reason: str = "") -> LedgerEvent:
    """Append one event. Must be called inside the service's transaction so the change and its event commit together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.record() must run inside transaction.atomic()")
    if isinstance(reason, Promise):
        # A reason the product writes (gettext_lazy) is stored as its English message, whoever's language is active,
        # and pages translate it for each reader (views_ledger.describe_events); typed reasons are kept as typed.
        with translation.override(None):
            reason = str(reason)
    _lock_chain()
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)
    if actor is not None and getattr(actor, "pk", None):
        actor_id, actor_label = actor.pk, _clean(actor.get_username(), 200)
    else:
        actor_id, actor_label = None, _clean(actor if isinstance(actor, str) else context.system_actor(), 200)
    # Plain SQL for the head read and the insert: every change in the product passes here, and the ORM's query
    # building cost more than the database work (see benchmarks/ledger.py).
    with connection.cursor() as cursor:
        cursor.execute(_SQL["head"])
        last = cursor.fetchone()
        seq = (last[0] + 1) if last else 1
        prev_hash = last[1] if last else GENESIS
        now = context.now()
        event = LedgerEvent(
            id=seq,
            created_at=now,
            actor_id=actor_id,
            actor_label=actor_label,
            action=_clean(action, 60),
            object_type=_clean(object_type or "", 60),
            object_id=_clean(object_id, 64),
            object_label=_clean(object_label, 300),
            before=canonical_json(before or {}),
            after=canonical_json(after or {}),
            reason=_clean(reason, 5000),
            request_id=_clean(context.request_id(), 64),
            prev_hash=prev_hash,
        )
        event.hash = chain_hash(prev_hash, _canonical_of(event))
        cursor.execute(_SQL["insert"], [
            event.id, connection.ops.adapt_datetimefield_value(now), actor_id, event.actor_label, event.action,
            event.object_type, event.object_id, event.object_label, event.before, event.after, event.reason,
            event.request_id, prev_hash, event.hash,
        ])
    event._state.adding, event._state.db = False, connection.alias
    webhooks.dispatch_webhooks_on_commit(event)
    return event


def _canonical_of(event: LedgerEvent) -> str:
    return canonical_event(
        event.id, event.created_at, event.actor_id, event.actor_label, event.action, event.object_type,
        event.object_id, event.object_label, event.before, event.after, event.reason, event.request_id,
    )


_COLUMNS = ("id", "created_at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_label",
            "before", "after", "reason", "request_id", "prev_hash", "hash")
_TABLE = LedgerEvent._meta.db_table

# The timestamp as canonical text computed by the database (same result as timestamp_text), so a million rows are not
# turned into datetime objects only to be formatted back into text.
_CREATED_AT_TEXT = {
    "postgresql": "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
    "sqlite": "CASE WHEN instr(created_at, '.') > 0 THEN substr(replace(created_at, 'T', ' ') || '000000', 1, 26)"
              " ELSE substr(replace(created_at, 'T', ' '), 1, 19) || '.000000' END",
}


class _Sql(dict):
    """SQL texts for the ledger table, built once per database vendor."""

    def __getitem__(self, name):
        key = (connection.vendor, name)
        if key not in self:
            self[key] = self._build(name)
        return dict.__getitem__(self, key)

    @staticmethod
    def _build(name):
        quote = connection.ops.quote_name
        table = quote(_TABLE)
        if name == "head":
            return f"SELECT id, {quote('hash')} FROM {table} ORDER BY id DESC LIMIT 1"
        if name == "insert":
            columns = ", ".join(quote(c) for c in _COLUMNS)
            return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
        if name in ("rows", "range"):
            created = _CREATED_AT_TEXT.get(connection.vendor, quote("created_at"))
            columns = ", ".join(created if c == "created_at" else quote(c) for c in _COLUMNS)
            upto = " AND id <= %s" if name == "range" else ""
            return f"SELECT {columns} FROM {table} WHERE id > %s{upto} ORDER BY id LIMIT %s"
        raise KeyError(name)


_SQL = _Sql()


def _rows(batch: int = 20000, upto: int | None = None) -> Iterator[tuple]:
    """All events in sequence order, straight from the database cursor (no model instances: verification is hot)."""
    sql = _SQL["rows"] if upto is None else _SQL["range"]
    last_id = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [last_id, batch] if upto is None else [last_id, upto, batch])
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last_id = rows[-1][0]


def verify(parallel: bool | None = None) -> VerifyResult:
    """Check the whole chain; names the first bad event. Large ledgers are checked by several processes at once.

    `parallel=None` decides by size; whatever the workers find wrong (or if they cannot run), the chain is walked
    again in this process, so a broken ledger is always reported exactly as the sequential walk reports it.
    """
    if parallel is None:
        parallel = _parallel_possible() and _last_id() >= PARALLEL_MIN_EVENTS
    result = _verify_in_parallel() if parallel and _parallel_possible() else None
    return check_anchors(result if result is not None else verify_rows(_rows()))


# --- Anchors: the chain head written down outside the database --------------------------------------------------
# A chain whose newest events were deleted still verifies, and so does a chain rewritten from some event on with
# fresh hashes. Both are caught by comparing the chain with heads recorded earlier somewhere the database cannot
# change: a file in the data directory (the hourly job "ledger-anchor" appends one; copy the file elsewhere too).

def anchor_path() -> Path:
    return Path(settings.DATA_DIR) / "ledger-anchors.jsonl"


def record_anchor() -> dict | None:
    """Append the current head (last event id, its hash, when) to the anchor file; None on an empty ledger."""
    last = LedgerEvent.objects.order_by("-id").values("id", "hash").first()
    if last is None:
        return None
    anchor = {"id": last["id"], "hash": last["hash"], "at": timezone.now().isoformat(timespec="seconds")}
    with anchor_path().open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(anchor) + "\n")
    return anchor


def _last_anchor(path: Path | None = None) -> dict | None:
    path = path or anchor_path()
    if not path.is_file():
        return None
    last = None
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                anchor = json.loads(line)
            except ValueError:
                continue  # a line cut by a crash mid-write: the earlier anchors still count
            if isinstance(anchor, dict) and isinstance(anchor.get("id"), int) and isinstance(anchor.get("hash"), str):
                last = anchor
    return last


def check_anchors(result: VerifyResult, *, anchors: Path | None = None, hash_at=None) -> VerifyResult:
    """An intact chain must still reach the newest recorded head, with the same hash at that event. `hash_at(id)`
    reads an event's stored hash (default: from the database)."""
    anchor = _last_anchor(anchors) if result.ok else None
    if anchor is None:
        return result
    if anchor["id"] > result.count:  # ids run 1..count without gaps in an intact chain
        return VerifyResult(False, result.count, result.head, anchor["id"],
                            f"the chain ends at #{result.count}, but #{anchor['id']} was its head on "
                            f"{anchor.get('at', '?')}: events were removed from its end", TRUNCATED)
    if hash_at is None:
        stored = LedgerEvent.objects.filter(pk=anchor["id"]).values_list("hash", flat=True).first()
    else:
        stored = hash_at(anchor["id"])
    if stored != anchor["hash"]:
        return VerifyResult(False, result.count, result.head, anchor["id"],
                            f"the hash differs from the one recorded on {anchor.get('at', '?')}: the chain was "
                            "rewritten from this event or before", REWRITTEN)
    return result


def _last_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_SQL["head"])
        row = cursor.fetchone()
    return row[0] if row else 0


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _parallel_possible() -> bool:
    # Workers use connections of their own, which cannot see rows of a transaction still open here (tests, or a
    # caller inside atomic()), nor an in-memory SQLite database.
    if _cpus() < 2 or connection.in_atomic_block or connection.vendor not in ("sqlite", "postgresql"):
        return False
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        return bool(name) and ":memory:" not in name and "mode=memory" not in name and Path(name).exists()
    return True


def _worker_database():
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return str(settings["NAME"])
    params = {"dbname": settings["NAME"], "user": settings["USER"], "password": settings["PASSWORD"],
              "host": settings["HOST"], "port": settings["PORT"]}
    params.update({k: v for k, v in (settings.get("OPTIONS") or {}).items() if isinstance(v, (str, int, float))})
    return {k: v for k, v in params.items() if v not in (None, "")}


def _run_worker(job: dict) -> dict:
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "aims.core.ledger_chain"], input=json.dumps(job), env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _verify_in_parallel() -> VerifyResult | None:
    """One slice per CPU, this process taking the first; None when anything is off (the caller walks it all)."""
    last_id = _last_id()
    slices = min(_cpus(), 8)
    if last_id < slices:
        return None
    bounds = [last_id * i // slices for i in range(slices + 1)]
    base = {"vendor": connection.vendor, "database": _worker_database(), "sql": _SQL["range"], "batch": 20000}
    jobs = [{**base, "lo": bounds[i], "hi": bounds[i + 1]} for i in range(slices)]
    try:
        with ThreadPoolExecutor(max_workers=slices - 1) as pool:  # threads only wait for the worker processes
            remote = [pool.submit(_run_worker, job) for job in jobs[1:]]
            first = verify_rows(_rows(upto=bounds[1]))
            results = [{"ok": first.ok, "count": first.count, "first_id": 1 if first.count else None,
                        "first_prev": GENESIS, "head": first.head}] + [future.result() for future in remote]
    except (OSError, subprocess.CalledProcessError, ValueError):
        return None
    head = GENESIS
    for job, result in zip(jobs, results):
        if not result["ok"] or result["count"] != job["hi"] - job["lo"] or result["first_prev"] != head:
            return None
        head = result["head"]
    return VerifyResult(True, last_id, head)


def export_lines() -> Iterator[str]:
    """JSON Lines: a header describing the hash recipe, one line per event, then a trailer with the chain head."""
    yield canonical_json({
        "type": "aims-ledger-export",
        "format": 1,
        "hash": "sha256(prev_hash + '\\n' + canonical), canonical = JSON array "
                "[id, created_at, actor_id, actor_label, action, object_type, object_id, object_label, before, after, "
                "reason, request_id] with separators (',', ':') and non-ASCII kept",
        "genesis": GENESIS,
        "exported_at": timezone.now().isoformat(),
    })
    count, head = 0, GENESIS
    for row in _rows():
        event = dict(zip(_COLUMNS, row))
        event["created_at"] = timestamp_text(event["created_at"])
        count, head = count + 1, event["hash"]
        yield json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    yield canonical_json({"type": "aims-ledger-head", "count": count, "head": head})


def verify_export(lines: Iterable[str], anchors: Path | None = None) -> VerifyResult:
    """Re-verify an exported file offline, without the database; with `anchors` (a copy of the anchor file), also
    check that the export reaches the newest recorded head with the same hash."""
    anchor = _last_anchor(anchors) if anchors else None
    hashes = {}

    def rows():
        for line in lines:
            record_ = json.loads(line)
            if "type" in record_:
                continue
            if anchor is not None and record_["id"] == anchor["id"]:
                hashes[record_["id"]] = record_["hash"]
            yield tuple(record_[c] for c in _COLUMNS)

    result = verify_rows(rows())
    return check_anchors(result, anchors=anchors, hash_at=hashes.get) if anchors else result


def history(obj: Model):
    """Events about one object, newest first."""
    return LedgerEvent.objects.filter(object_type=object_type_of(obj), object_id=str(obj.pk)).order_by("-id")
