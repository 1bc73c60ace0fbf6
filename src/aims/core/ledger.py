"""The ledger: an append-only, SHA-256 hash-chained record of every change.

Each event's hash covers every stored column of the event and the previous event's hash (the recipe is in
ledger_chain.py and docs/decisions/0006-ledger-recipe-2.md). Changing, deleting, inserting or reordering any row
therefore breaks the chain at the first bad event, which `verify()` names. The first event chains from GENESIS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.functional import Promise

from . import context, webhooks
# The recipes and the verification engine live in a Django-free module shared with the lean command line, worker
# processes and offline tools.
from .ledger_chain import (  # noqa: F401 (re-exported: the ledger's public API)
    COLUMNS, CURRENT_RECIPE, GENESIS, REWRITTEN, TRUNCATED, Reader, VerifyResult, canonical_time, hash_v2,
    verify_rows, verify_table,
)
from .models import LedgerEvent

# Control characters would make labels ambiguous in exports and terminals; they never belong in them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Advisory lock key used on PostgreSQL so concurrent writers append one after another to a single chain.
_PG_LOCK_KEY = 4242_0001


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
    texts = (actor_label, _clean(action, 60), _clean(object_type or "", 60), _clean(object_id, 64),
             _clean(object_label, 300), canonical_json(before or {}), canonical_json(after or {}), _clean(reason, 5000),
             _clean(context.request_id(), 64))
    # Plain SQL for the head read and the insert: every change in the product passes here, and the ORM's query
    # building cost more than the database work (see benchmarks/ledger.py).
    with connection.cursor() as cursor:
        cursor.execute(_SQL["head"])
        last = cursor.fetchone()
        seq = (last[0] + 1) if last else 1
        prev_hash = last[1] if last else GENESIS
        now = context.now()
        created = canonical_time(now)
        digest = hash_v2(prev_hash, seq, created, actor_id, *texts)
        # SQLite stores the canonical text itself (what is hashed is what is stored, byte for byte); PostgreSQL
        # stores the instant, whose UTC text verification renders the same way.
        cursor.execute(_SQL["insert"], [seq, created if connection.vendor == "sqlite" else now, actor_id, *texts,
                                        prev_hash, digest, CURRENT_RECIPE])
    event = LedgerEvent(id=seq, created_at=now, actor_id=actor_id, actor_label=texts[0], action=texts[1],
                        object_type=texts[2], object_id=texts[3], object_label=texts[4], before=texts[5],
                        after=texts[6], reason=texts[7], request_id=texts[8], prev_hash=prev_hash, hash=digest,
                        recipe=CURRENT_RECIPE)
    event._state.adding, event._state.db = False, connection.alias
    webhooks.dispatch_webhooks_on_commit(event)
    return event


def hash_of(event: LedgerEvent, prev_hash: str | None = None) -> str:
    """The recipe-2 hash of an event's values (chained from `prev_hash`, default its own link)."""
    return hash_v2(event.prev_hash if prev_hash is None else prev_hash, event.id, canonical_time(event.created_at),
                   event.actor_id, *(getattr(event, name) for name in COLUMNS[3:12]))


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
        table = quote(LedgerEvent._meta.db_table)
        if name == "head":
            return f"SELECT id, {quote('hash')} FROM {table} ORDER BY id DESC LIMIT 1"
        if name == "insert":
            columns = ", ".join(quote(c) for c in COLUMNS)
            return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        raise KeyError(name)


_SQL = _Sql()


def reader() -> Reader:
    """The ledger table read through Django's connection (it sees this transaction's rows, as tests need)."""
    connection.ensure_connection()
    return Reader(connection.vendor, connection.connection)


def verify(parallel: bool | None = None) -> VerifyResult:
    """Check the whole chain; names the first bad event. Large ledgers are checked by several processes at once
    (`parallel`: None decides by size, True forces it when possible, False never)."""
    workers = _worker_database() if _parallel_possible() else None
    return check_anchors(verify_table(reader(), workers_database=workers, parallel=parallel))


def _parallel_possible() -> bool:
    # Workers use connections of their own, which cannot see rows of a transaction still open here (tests, or a
    # caller inside atomic()), nor an in-memory SQLite database.
    if connection.in_atomic_block or connection.vendor not in ("sqlite", "postgresql"):
        return False
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        return bool(name) and ":memory:" not in name and "mode=memory" not in name and Path(name).exists()
    return True


def _worker_database() -> dict:
    return database_spec(connection.settings_dict)


def database_spec(settings_dict: dict) -> dict:
    """How another process connects to the database Django's `settings_dict` describes (see ledger_chain.connect)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return {"vendor": "sqlite", "path": str(settings_dict["NAME"])}
    params = {"dbname": settings_dict["NAME"], "user": settings_dict.get("USER"),
              "password": settings_dict.get("PASSWORD"), "host": settings_dict.get("HOST"),
              "port": settings_dict.get("PORT")}
    params.update({k: v for k, v in (settings_dict.get("OPTIONS") or {}).items() if isinstance(v, (str, int, float))})
    return {"vendor": "postgresql", "params": {k: v for k, v in params.items() if v not in (None, "")}}


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


# --- Export: the chain as JSON Lines an auditor re-verifies offline -----------------------------------------------

EXPORT_TYPE, EXPORT_HEAD = "aims-ledger-export", "aims-ledger-head"
EXPORT_INCOMPLETE = "export"


def export_lines() -> Iterator[str]:
    """JSON Lines: a header describing the hash recipes, one line per event (its stored values), then a trailer
    with the number of events and the chain head (an export cut short, or without its trailer, fails to verify)."""
    yield canonical_json({
        "type": EXPORT_TYPE,
        "format": 2,
        "hash": "recipe 2: see aims/core/ledger_chain.py (every column of the event, as stored); recipe 1: "
                "sha256(prev_hash + '\\n' + JSON array [id, created_at, ..., request_id])",
        "genesis": GENESIS,
        "exported_at": timezone.now().isoformat(),
    })
    count, head = 0, GENESIS
    for row in reader().rows():
        event = {name: value.decode(errors="replace") if value.__class__ is bytes else value
                 for name, value in zip(COLUMNS, row)}
        count, head = count + 1, event["hash"]
        yield json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    yield canonical_json({"type": EXPORT_HEAD, "count": count, "head": head})


def verify_export(lines: Iterable[str], anchors: Path | None = None) -> VerifyResult:
    """Re-verify an exported file offline, without the database: the header first, every event, then the trailer,
    whose count and head must be exactly what the events give. With `anchors` (a copy of the anchor file), also
    check that the export reaches the newest recorded head with the same hash."""
    anchor = _last_anchor(anchors) if anchors else None
    hashes, state = {}, {"header": False, "trailer": None, "after_trailer": False}

    def rows():
        for number, line in enumerate(lines):
            if not line.strip():
                continue
            record_ = json.loads(line)
            kind = record_.get("type")
            if number == 0:
                state["header"] = kind == EXPORT_TYPE
                if state["header"]:
                    continue
            if state["trailer"] is not None:
                state["after_trailer"] = True
                return
            if kind == EXPORT_HEAD:
                state["trailer"] = record_
                continue
            if anchor is not None and record_["id"] == anchor["id"]:
                hashes[record_["id"]] = record_["hash"]
            yield tuple(_stored(record_.get(column, 1 if column == "recipe" else None)) for column in COLUMNS) + (1,)

    result = verify_rows(rows())
    if result.ok:
        trailer = state["trailer"]
        problem = ("the file does not start with an export header" if not state["header"] else
                   "the export has no trailer (it was cut short)" if trailer is None else
                   "lines follow the trailer" if state["after_trailer"] else
                   f"the trailer announces {trailer.get('count')} events ending at {trailer.get('head')}, the file "
                   f"holds {result.count} ending at {result.head}: events were removed or added"
                   if (trailer.get("count"), trailer.get("head")) != (result.count, result.head) else "")
        if problem:
            return VerifyResult(False, result.count, result.head, result.count + 1, problem, EXPORT_INCOMPLETE)
    return check_anchors(result, anchors=anchors, hash_at=hashes.get) if anchors else result


def _stored(value):
    """An exported value as the database stored it (text as UTF-8 bytes)."""
    return value.encode() if isinstance(value, str) else value


def history(obj: Model):
    """Events about one object, newest first."""
    return LedgerEvent.objects.filter(object_type=object_type_of(obj), object_id=str(obj.pk)).order_by("-id")
