"""The ledger: an append-only, SHA-256 hash-chained record of every change.

hash(n) = SHA-256( hash(n-1) + "\\n" + canonical(n) ), where canonical(n) is a JSON array of the event's fields in a
fixed order, its sequence number first. Changing, deleting, inserting or reordering any row therefore breaks the chain
at the first bad event, which `verify()` names. The first event chains from GENESIS.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from . import context
from .models import LedgerEvent

GENESIS = "0" * 64
# Control characters would make labels ambiguous in exports and terminals; they never belong in them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Advisory lock key used on PostgreSQL so concurrent writers append one after another to a single chain.
_PG_LOCK_KEY = 4242_0001


def canonical_json(value) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def timestamp_text(value) -> str:
    """The text of a stored timestamp, identical whether read back from SQLite (text) or PostgreSQL (datetime)."""
    if isinstance(value, str):
        return value.replace("T", " ")[:26].ljust(26, "0") if "." in value else value.replace("T", " ")[:19] + ".000000"
    if value.tzinfo is not None:
        value = value.astimezone(dt_timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def canonical_event(seq, created_at, actor_id, actor_label, action, object_type, object_id, object_label,
                    before, after, reason, request_id) -> str:
    return json.dumps(
        [seq, timestamp_text(created_at), actor_id, actor_label, action, object_type, object_id, object_label,
         before, after, reason, request_id],
        separators=(",", ":"), ensure_ascii=False,
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


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
    _lock_chain()
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)
    if actor is not None and getattr(actor, "pk", None):
        actor_id, actor_label = actor.pk, _clean(actor.get_username(), 200)
    else:
        actor_id, actor_label = None, _clean(actor if isinstance(actor, str) else context.system_actor(), 200)
    last = LedgerEvent.objects.order_by("-id").values_list("id", "hash").first()
    seq = (last[0] + 1) if last else 1
    prev_hash = last[1] if last else GENESIS
    now = timezone.now()
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
    event.save(force_insert=True)
    from . import notifications  # late import: notifications depend on the ledger

    notifications.dispatch_webhooks_on_commit(event)
    return event


def _canonical_of(event: LedgerEvent) -> str:
    return canonical_event(
        event.id, event.created_at, event.actor_id, event.actor_label, event.action, event.object_type,
        event.object_id, event.object_label, event.before, event.after, event.reason, event.request_id,
    )


_COLUMNS = ("id", "created_at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_label",
            "before", "after", "reason", "request_id", "prev_hash", "hash")


def _rows(batch: int = 20000) -> Iterator[tuple]:
    """All events in sequence order, straight from the database cursor (no model instances: verification is hot)."""
    table = connection.ops.quote_name(LedgerEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    last_id = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT {columns} FROM {table} WHERE id > %s ORDER BY id LIMIT %s", [last_id, batch])
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last_id = rows[-1][0]


@dataclass
class VerifyResult:
    ok: bool
    count: int
    head: str
    bad_id: int | None = None
    problem: str = ""


def verify_rows(rows: Iterable[tuple]) -> VerifyResult:
    """Check a sequence of rows (as produced by `_rows` or read from an export)."""
    sha256, dumps = hashlib.sha256, json.dumps
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for (seq, created_at, actor_id, actor_label, action, object_type, object_id, object_label,
         before, after, reason, request_id, row_prev_hash, row_hash) in rows:
        if seq != expected_seq:
            return VerifyResult(False, count, prev_hash, seq, f"sequence gap: expected #{expected_seq}, found #{seq}")
        if row_prev_hash != prev_hash:
            return VerifyResult(False, count, prev_hash, seq, "previous-hash link does not match the event before it")
        canonical = dumps(
            [seq, timestamp_text(created_at), actor_id, actor_label, action, object_type, object_id, object_label,
             before, after, reason, request_id],
            separators=(",", ":"), ensure_ascii=False,
        )
        if sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest() != row_hash:
            return VerifyResult(False, count, prev_hash, seq, "content does not match its hash (event was modified)")
        prev_hash = row_hash
        expected_seq += 1
        count += 1
    return VerifyResult(True, count, prev_hash)


def verify() -> VerifyResult:
    return verify_rows(_rows())


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


def verify_export(lines: Iterable[str]) -> VerifyResult:
    """Re-verify an exported file offline, without the database."""
    def rows():
        for line in lines:
            record_ = json.loads(line)
            if "type" in record_:
                continue
            yield tuple(record_[c] for c in _COLUMNS)

    return verify_rows(rows())


def history(obj: Model):
    """Events about one object, newest first."""
    return LedgerEvent.objects.filter(object_type=object_type_of(obj), object_id=str(obj.pk)).order_by("-id")
