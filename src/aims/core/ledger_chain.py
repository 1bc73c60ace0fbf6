"""The ledger's hash recipe and its verification loop, free of Django so offline tools and worker processes share it.

hash(n) = SHA-256( hash(n-1) + "\\n" + canonical(n) ), canonical(n) = the JSON array [id, created_at, actor_id,
actor_label, action, object_type, object_id, object_label, before, after, reason, request_id] with separators
(",", ":") and non-ASCII kept; created_at is UTC text "YYYY-MM-DD HH:MM:SS.ffffff"; the first event chains from GENESIS.

Run as `python -m aims.core.ledger_chain` it is a verification worker: it reads a JSON job on standard input (database
connection, SQL, id range), checks that slice of the chain, and prints a JSON result. `aims.core.ledger.verify` starts
such workers to use every CPU on large ledgers.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timezone as dt_timezone

GENESIS = "0" * 64
GAP, LINK, MODIFIED = "gap", "link", "modified"
# Found by comparing the chain with the heads recorded outside the database (aims.core.ledger.record_anchor).
TRUNCATED, REWRITTEN = "truncated", "rewritten"


def timestamp_text(value) -> str:
    """The text of a stored timestamp, identical whether read back from SQLite (text) or PostgreSQL (datetime)."""
    if isinstance(value, str):
        return value.replace("T", " ")[:26].ljust(26, "0") if "." in value else value.replace("T", " ")[:19] + ".000000"
    if value.tzinfo is not None:
        value = value.astimezone(dt_timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _array_encoder():
    """json.dumps(list, separators=(",", ":"), ensure_ascii=False), with the encoder built once.

    json.dumps builds a new encoder on every call, which costs more than the SHA-256 itself; verification encodes a
    million rows, so the C encoder is made once here (same output byte for byte, checked at start-up and by tests).
    """

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


def canonical_event(seq, created_at, actor_id, actor_label, action, object_type, object_id, object_label,
                    before, after, reason, request_id) -> str:
    return encode_array(
        [seq, timestamp_text(created_at), actor_id, actor_label, action, object_type, object_id, object_label,
         before, after, reason, request_id]
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


@dataclass
class VerifyResult:
    ok: bool
    count: int
    head: str
    bad_id: int | None = None
    problem: str = ""
    kind: str = ""


def verify_rows(rows: Iterable[tuple], *, first_seq: int = 1, prev_hash: str = GENESIS) -> VerifyResult:
    """Check rows (id, created_at, ..., request_id, prev_hash, hash) in order, from `first_seq` after `prev_hash`.

    The hot loop of `aims ledger verify` (goal: 200,000 events/s, see benchmarks/ledger.py): the canonical array is
    the row's first 12 values as they come; only a timestamp not already in canonical text is reformatted.
    """
    sha256, encode, str_type = hashlib.sha256, encode_array, str
    expected_seq = first_seq
    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            return VerifyResult(False, expected_seq - first_seq, prev_hash, seq,
                                f"sequence gap: expected #{expected_seq}, found #{seq}", GAP)
        if row[12] != prev_hash:
            return VerifyResult(False, expected_seq - first_seq, prev_hash, seq,
                                "previous-hash link does not match the event before it", LINK)
        created_at = row[1]
        if created_at.__class__ is not str_type or len(created_at) != 26 or created_at[10] != " ":
            row = (seq, timestamp_text(created_at), *row[2:])
        if sha256(f"{prev_hash}\n{encode(row[:12])}".encode()).hexdigest() != row[13]:
            return VerifyResult(False, expected_seq - first_seq, prev_hash, seq,
                                "content does not match its hash (event was modified)", MODIFIED)
        prev_hash = row[13]
        expected_seq += 1
    return VerifyResult(True, expected_seq - first_seq, prev_hash)


# --- Worker: one slice of the chain, in its own process --------------------------------------------------------

def _fetch(job: dict):
    """Rows with lo < id <= hi, in batches, over a connection of our own (read-only use)."""
    if job["vendor"] == "sqlite":
        import sqlite3

        conn = sqlite3.connect(job["database"], timeout=30)
        sql = job["sql"].replace("%s", "?")
    else:
        import psycopg

        conn = psycopg.connect(**job["database"])
        sql = job["sql"]
    try:
        last_id = job["lo"]
        while True:
            cursor = conn.execute(sql, (last_id, job["hi"], job["batch"]))
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last_id = rows[-1][0]
    finally:
        conn.close()


def verify_slice(job: dict) -> dict:
    """Verify the rows of one id range, trusting its first row's stored link (the caller checks it)."""
    rows = _fetch(job)
    first = next(rows, None)
    if first is None:
        return {"ok": True, "count": 0, "first_id": None, "first_prev": None, "head": None}

    def all_rows():
        yield first
        yield from rows

    result = verify_rows(all_rows(), first_seq=job["lo"] + 1, prev_hash=first[12])
    return {"ok": result.ok, "count": result.count, "first_id": first[0], "first_prev": first[12], "head": result.head}


if __name__ == "__main__":
    json.dump(verify_slice(json.load(sys.stdin)), sys.stdout)
