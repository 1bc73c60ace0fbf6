"""The ledger: an append-only, SHA-256 hash-chained record of every change.

Each event's hash covers every stored column of the event and the previous event's hash (the recipe is in
ledger_chain.py and docs/decisions/0008-ledger-recipe-2.md). Changing, deleting, inserting or reordering any row
therefore breaks the chain at the first bad event, which `verify()` names. The first event chains from GENESIS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
from . import checkpoints, ledger_checkpoints, ledger_verify
from .ledger_verify import database_spec  # noqa: F401 (re-exported)
from .models import LedgerEvent

# Control characters would make labels ambiguous in exports and terminals; they never belong in them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Advisory lock key used on PostgreSQL so concurrent writers append one after another to a single chain.
_PG_LOCK_KEY = 4242_0001
# Rows per INSERT round trip when record_many() appends a batch of events.
_BATCH = 500


def canonical_json(value) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _clean(text: str, limit: int) -> str:
    return _CONTROL.sub("", str(text or ""))[:limit]


@dataclass(frozen=True)
class ObjectRef:
    """An object named without loading it, for `record_many`: a sweep over thousands of rows reads plain values, and
    its events name each object exactly as its model would (type, key and label)."""

    object_type: str
    pk: object
    label: str

    def __str__(self) -> str:
        return self.label


def object_type_of(obj_or_type) -> str:
    if isinstance(obj_or_type, str):
        return obj_or_type
    if isinstance(obj_or_type, ObjectRef):
        return obj_or_type.object_type
    meta = obj_or_type._meta
    return f"{meta.app_label}.{meta.model_name}"


def snapshot(obj: Model, fields: Iterable[str] | None = None) -> dict:
    """The ledger-relevant values of an object, JSON-ready."""
    names = fields if fields is not None else getattr(obj, "ledger_fields", ())
    return json.loads(canonical_json(_snapshot_values(obj, names)))


def _snapshot_values(obj: Model, names: Iterable[str]) -> dict:
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
    return data


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
    ledger_checkpoints.after_append(seq)
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


def verify(parallel: bool | None = None, every_checkpoint: bool = False) -> VerifyResult:
    """Check the whole chain, then the anchors and signed checkpoints kept outside the database; names the first bad
    event. Large ledgers are checked by several processes at once (`parallel`: None decides by size, True forces it
    when possible, False never)."""
    table = reader()
    workers = database_spec(connection.settings_dict) if _parallel_possible() else None
    result = verify_table(table, workers_database=workers, parallel=parallel)
    return ledger_verify.check_outside(result, table.hashes, anchors=anchor_path(),
                                       found=checkpoints.read(ledger_checkpoints.checkpoint_path()),
                                       keys=ledger_checkpoints.trusted_keys(), every=every_checkpoint)


def _parallel_possible() -> bool:
    # Workers use connections of their own, which cannot see rows of a transaction still open here (tests, or a
    # caller inside atomic()), nor an in-memory SQLite database.
    if connection.in_atomic_block or connection.vendor not in ("sqlite", "postgresql"):
        return False
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        return bool(name) and ":memory:" not in name and "mode=memory" not in name and Path(name).exists()
    return True


# --- Anchors: unsigned heads the hourly job wrote before signed checkpoints (ledger_checkpoints) replaced it. An
# existing anchor file is still honoured by verification.

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


# --- Export: the chain as JSON Lines an auditor re-verifies offline (ledger_verify.verify_export) -------------------

EXPORT_TYPE, EXPORT_HEAD, EXPORT_INCOMPLETE = ledger_verify.EXPORT_TYPE, ledger_verify.EXPORT_HEAD, "export"


def export_lines() -> Iterator[str]:
    """JSON Lines: a header describing the hash recipes, one line per event (its stored values), then a trailer with
    the number of events and the chain head, signed with the ledger key (an export cut short, or without its
    trailer, fails to verify)."""
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
    trailer = ledger_verify.sign_trailer(ledger_checkpoints.private_key(), count, head, timezone.now().isoformat())
    yield json.dumps(trailer, sort_keys=True, separators=(",", ":"))


def verify_export(lines: Iterable[str], anchors: Path | None = None, checkpoint_source: Path | None = None,
                  public_keys_pem: str | None = None) -> VerifyResult:
    """Re-verify an exported file offline, without the database (see ledger_verify.verify_export)."""
    found = checkpoints.read(checkpoint_source)
    keys = ledger_checkpoints.trusted_keys(public_keys_pem) if (public_keys_pem or found.records) else None
    return ledger_verify.verify_export(lines, anchors=anchors, found=found, keys=keys)


def history(obj: Model):
    """Events about one object, newest first."""
    return LedgerEvent.objects.filter(object_type=object_type_of(obj), object_id=str(obj.pk)).order_by("-id")


def _json_of(value: dict | str | None) -> str:
    return value if isinstance(value, str) else canonical_json(value or {})


def snapshot_json(obj: Model) -> str:
    """snapshot(obj) as the canonical JSON text the ledger stores (for record_many: no round trip through a dict)."""
    return canonical_json(_snapshot_values(obj, getattr(obj, "ledger_fields", ())))


def record_many(*, actor, changes: Iterable[tuple[str, Model | ObjectRef, dict | str | None, dict | str | None]],
                reason: str = "") -> int:
    """Append one event per (action, obj, before, after), exactly as record() would one after another (same chain,
    same fields, same webhooks), with one head read and batched inserts: an import of 20,000 components keeps one
    event per object, so each object's history stays whole, without paying a round trip per event. `before` and
    `after` are dicts, or their canonical JSON text (snapshot_json). Returns the number of events appended."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.record_many() must run inside transaction.atomic()")
    if isinstance(reason, Promise):
        with translation.override(None):
            reason = str(reason)
    reason = _clean(reason, 5000)
    _lock_chain()
    if actor is not None and getattr(actor, "pk", None):
        actor_id, actor_label = actor.pk, _clean(actor.get_username(), 200)
    else:
        actor_id, actor_label = None, _clean(actor if isinstance(actor, str) else context.system_actor(), 200)
    request_id, now = _clean(context.request_id(), 64), context.now()
    created = canonical_time(now)
    stored_at = created if connection.vendor == "sqlite" else now  # as record() stores it
    appended: list[tuple[int, str]] = []  # (id, action), for the webhooks
    with connection.cursor() as cursor:
        cursor.execute(_SQL["head"])
        last = cursor.fetchone()
        seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS)
        first, rows = seq + 1, []
        for action, obj, before, after in changes:
            seq += 1
            texts = (actor_label, _clean(action, 60), _clean(object_type_of(obj), 60), _clean(obj.pk, 64),
                     _clean(str(obj), 300), _json_of(before), _json_of(after), reason, request_id)
            digest = hash_v2(prev_hash, seq, created, actor_id, *texts)
            rows.append((seq, stored_at, actor_id, *texts, prev_hash, digest, CURRENT_RECIPE))
            appended.append((seq, texts[1]))
            prev_hash = digest
            if len(rows) == _BATCH:
                cursor.executemany(_SQL["insert"], rows)
                rows = []
        if rows:
            cursor.executemany(_SQL["insert"], rows)
    if appended:
        every = settings.LEDGER_CHECKPOINT_EVERY
        crossed = (seq // every) * every if every else 0  # the last N-th event of the batch, if any
        if first <= crossed < seq:
            ledger_checkpoints.after_append(crossed)
        ledger_checkpoints.after_append(seq)
    webhooks.dispatch_many_on_commit(appended)
    return len(appended)
