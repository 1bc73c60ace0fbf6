"""Verifying the ledger against what is kept outside the database (anchors, signed checkpoints), verifying an export
offline, and the lean `aims ledger verify` command, which does all of it without loading Django or the web stack
(start-up counts when an auditor verifies a million events: see benchmarks/ledger.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from . import checkpoints, ledger_chain
from .ledger_chain import COLUMNS, GENESIS, REWRITTEN, SIGNATURE, TRUNCATED, VerifyResult

EXPORT_TYPE, EXPORT_HEAD = "aims-ledger-export", "aims-ledger-head"
EXPORT_INCOMPLETE = "export"
TRAILER_SIGNED_FIELDS = ("type", "count", "head", "at", "key")


# --- Anchors (unsigned heads written hourly before signed checkpoints existed; still honoured) --------------------

def last_anchor(path: Path | None) -> dict | None:
    if path is None or not path.is_file():
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


def check_anchor(result: VerifyResult, anchor: dict | None, hash_at: Callable[[int], str | None]) -> VerifyResult:
    """An intact chain must still reach the newest recorded head, with the same hash at that event."""
    if anchor is None or not result.ok:
        return result
    if anchor["id"] > result.count:  # ids run 1..count without gaps in an intact chain
        return VerifyResult(False, result.count, result.head, anchor["id"],
                            f"the chain ends at #{result.count}, but #{anchor['id']} was its head on "
                            f"{anchor.get('at', '?')}: events were removed from its end", TRUNCATED)
    if hash_at(anchor["id"]) != anchor["hash"]:
        return VerifyResult(False, result.count, result.head, anchor["id"],
                            f"the hash differs from the one recorded on {anchor.get('at', '?')}: the chain was "
                            "rewritten from this event or before", REWRITTEN)
    return result


def check_outside(result: VerifyResult, hashes: Callable[[list[int]], dict], *, anchors: Path | None,
                  found: checkpoints.Found, keys: dict, every: bool = False) -> VerifyResult:
    """Anchors, then signed checkpoints; the result's `note` says how far the checkpoints vouch for the chain."""
    result = check_anchor(result, last_anchor(anchors), lambda seq: hashes([seq]).get(seq))
    result, coverage = checkpoints.check(result, found, keys, hashes, every)
    if result.ok:
        result.note = coverage.describe(result.count)
    return result


# --- Exports ---------------------------------------------------------------------------------------------------------

def sign_trailer(private_key, count: int, head: str, at: str) -> dict:
    return checkpoints.sign(private_key, {"type": EXPORT_HEAD, "count": count, "head": head, "at": at},
                            TRAILER_SIGNED_FIELDS)


def verify_export(lines: Iterable[str], *, anchors: Path | None = None, found: checkpoints.Found | None = None,
                  keys: dict | None = None, every: bool = False) -> VerifyResult:
    """Re-verify an exported file without the database: the header first, every event, then the trailer, whose count
    and head must be exactly what the events give (and whose signature must hold when `keys` are given); then the
    anchors and signed checkpoints against the export's own hashes."""
    hashes, state = {}, {"header": False, "trailer": None, "after_trailer": False}

    def rows():
        for number, line in enumerate(lines):
            if not line.strip():
                continue
            record = json.loads(line)
            kind = record.get("type")
            if number == 0:
                state["header"] = kind == EXPORT_TYPE
                if state["header"]:
                    continue
            if state["trailer"] is not None:
                state["after_trailer"] = True
                return
            if kind == EXPORT_HEAD:
                state["trailer"] = record
                continue
            hashes[record["id"]] = record["hash"]
            yield tuple(_stored(record.get(column, 1 if column == "recipe" else None)) for column in COLUMNS) + (1,)

    result = ledger_chain.verify_rows(rows())
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
        if keys and not checkpoints.signature_valid(trailer, TRAILER_SIGNED_FIELDS, keys):
            return VerifyResult(False, result.count, result.head, None,
                                "the export's trailer is not signed by a trusted key", SIGNATURE)
    return check_outside(result, lambda ids: {i: hashes[i] for i in ids if i in hashes}, anchors=anchors,
                         found=found or checkpoints.Found(), keys=keys or {}, every=every)


def _stored(value):
    """An exported value as the database stored it (text as UTF-8 bytes)."""
    return value.encode() if isinstance(value, str) else value


# --- The lean command line ---------------------------------------------------------------------------------------------

def _lean_settings():
    """The few settings verification needs, read the way aims.settings reads them, without configuring Django."""
    from aims import settings

    return settings


def _keys(settings, public_key_file: str | None) -> dict:
    keys = []
    if public_key_file:
        keys += checkpoints.load_public_keys(Path(public_key_file).read_text())
    else:
        pem = settings.LEDGER_SIGNING_KEY
        path = Path(settings.DATA_DIR) / "ledger-signing-key.pem"
        if not pem and path.exists():
            pem = path.read_bytes()
        if pem:
            keys.append(checkpoints.load_private_key(pem).public_key())
    if settings.LEDGER_TRUSTED_KEYS:
        keys += checkpoints.load_public_keys(settings.LEDGER_TRUSTED_KEYS)
    return checkpoints.trusted(keys)


def database_spec(settings_dict: dict) -> dict:
    """How a process of its own connects to the database a Django `settings_dict` describes (ledger_chain.connect)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return {"vendor": "sqlite", "path": str(settings_dict["NAME"])}
    params = {"dbname": settings_dict["NAME"], "user": settings_dict.get("USER"),
              "password": settings_dict.get("PASSWORD"), "host": settings_dict.get("HOST"),
              "port": settings_dict.get("PORT")}
    params.update({k: v for k, v in (settings_dict.get("OPTIONS") or {}).items() if isinstance(v, (str, int, float))})
    return {"vendor": "postgresql", "params": {k: v for k, v in params.items() if v not in (None, "")}}


def checkpoint_file(settings) -> Path:
    return Path(settings.LEDGER_CHECKPOINT_FILE or Path(settings.DATA_DIR) / "ledger-checkpoints.jsonl")


def add_arguments(parser) -> None:
    parser.add_argument("--file", help="Verify an exported JSON Lines file instead of the database.")
    parser.add_argument("--anchors", help="With --file: a copy of ledger-anchors.jsonl to check the export against.")
    parser.add_argument("--checkpoints", help="Signed checkpoints to check against: a JSON Lines file, or a directory "
                                              "of checkpoint objects (e.g. synced from the S3 sink).")
    parser.add_argument("--public-key", help="PEM file of the public key(s) that sign checkpoints (default: this "
                                             "installation's key).")
    parser.add_argument("--all-checkpoints", action="store_true",
                        help="Check every checkpoint's signature and hash, not only the newest one's.")


def run(options, settings, out=sys.stdout, err=sys.stderr, database_reader=None) -> int:
    """Verify as the options say; print the verdict; 0 when intact, 1 when not."""
    if options.anchors and not options.file:
        err.write("--anchors goes with --file (the database is checked against its own anchor file)\n")
        return 2
    keys = _keys(settings, options.public_key)
    found = checkpoints.read(Path(options.checkpoints) if options.checkpoints else
                             (None if options.file else checkpoint_file(settings)))
    if options.file:
        with open(options.file, encoding="utf-8") as handle:
            result = verify_export(handle, anchors=Path(options.anchors) if options.anchors else None, found=found,
                                   keys=keys if (options.public_key or found.records) else None,
                                   every=options.all_checkpoints)
    else:
        database = database_spec(settings.DATABASES["default"])
        reader = database_reader or ledger_chain.connect(database)
        try:
            result = ledger_chain.verify_table(reader, workers_database=database)
            result = check_outside(result, reader.hashes, anchors=Path(settings.DATA_DIR) / "ledger-anchors.jsonl",
                                   found=found, keys=keys, every=options.all_checkpoints)
        finally:
            if database_reader is None:
                reader.close()
    if result.ok:
        out.write(ledger_chain.describe(result) + "\n")
        if result.note:
            out.write(result.note + "\n")
        return 0
    err.write(ledger_chain.describe(result) + "\n")
    return 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="aims ledger verify",
                                     description="Exit 0 when the chain is intact; exit 1 naming the first bad event.")
    add_arguments(parser)
    return run(parser.parse_args(argv), _lean_settings())


__all__ = ["GENESIS", "main", "run", "verify_export", "check_outside"]
