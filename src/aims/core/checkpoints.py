"""Signed ledger checkpoints: (sequence, head hash, time) signed with an Ed25519 key kept outside the database.

A checkpoint proves that the chain reached event `id` with hash `hash` by time `at`. Anyone who can write the database
can rewrite the chain with fresh, consistent hashes, or append a forged event with a correct hash; they cannot sign a
checkpoint without the key. `aims ledger verify` checks the newest checkpoint (every one with --all-checkpoints): its
signature against the trusted public keys, and that the chain still holds the same hash at that event.

Django-free: the lean `aims ledger verify` and offline checks use it. Writing checkpoints (when, where to) is in
aims.core.ledger_checkpoints.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .ledger_chain import REWRITTEN, SIGNATURE, TRUNCATED, VerifyResult

TYPE = "aims-ledger-checkpoint"
VERSION = 1
SIGNED_FIELDS = ("type", "v", "id", "hash", "at", "key")


def _ed25519():
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519


def generate_private_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization

    key = _ed25519().Ed25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private_key(pem: bytes | str):
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
    if not isinstance(key, _ed25519().Ed25519PrivateKey):
        raise ValueError("the ledger signing key must be an Ed25519 private key (PEM, PKCS#8)")
    return key


def load_public_keys(pem: bytes | str) -> list:
    """Every Ed25519 public key in a PEM text (one or more "BEGIN PUBLIC KEY" blocks)."""
    from cryptography.hazmat.primitives import serialization

    text = pem.decode() if isinstance(pem, bytes) else pem
    keys, block = [], []
    for line in text.splitlines():
        if line.startswith("-----BEGIN"):
            block = [line]
        elif block:
            block.append(line)
            if line.startswith("-----END"):
                key = serialization.load_pem_public_key("\n".join(block).encode())
                if not isinstance(key, _ed25519().Ed25519PublicKey):
                    raise ValueError("a trusted ledger key is not an Ed25519 public key")
                keys.append(key)
                block = []
    return keys


def public_pem(public_key) -> str:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def fingerprint(public_key) -> str:
    """A short, stable name for a public key: the first 16 hex digits of the SHA-256 of its raw 32 bytes."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def trusted(keys: Iterable) -> dict:
    return {fingerprint(key): key for key in keys}


def _message(record: dict, names: Iterable[str]) -> bytes:
    return json.dumps({name: record.get(name) for name in names}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def sign(private_key, record: dict, names: Iterable[str]) -> dict:
    """`record` with `key` (the signer's fingerprint) and `sig` (base64 Ed25519 over the named fields) added."""
    signed = {**record, "key": fingerprint(private_key.public_key())}
    signed["sig"] = base64.b64encode(private_key.sign(_message(signed, names))).decode()
    return signed


def signature_valid(record: dict, names: Iterable[str], keys: dict) -> bool:
    from cryptography.exceptions import InvalidSignature

    key = keys.get(record.get("key"))
    if key is None or not isinstance(record.get("sig"), str):
        return False
    try:
        key.verify(base64.b64decode(record["sig"], validate=True), _message(record, names))
    except (InvalidSignature, ValueError):
        return False
    return True


def make(private_key, seq: int, head: str, at: str) -> dict:
    return sign(private_key, {"type": TYPE, "v": VERSION, "id": seq, "hash": head, "at": at}, SIGNED_FIELDS)


def line(record: dict) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"


def append(path: Path, record: dict) -> None:
    """One line, written with a single append (lines from several processes never interleave) and synced to disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, line(record).encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass
class Found:
    """What a checkpoint file (or directory of checkpoint objects) holds."""

    records: list[dict] = field(default_factory=list)
    malformed: int = 0  # lines that parse as JSON but are not checkpoints: someone wrote into the file


def read(path: Path | None) -> Found:
    """Checkpoints from a JSON Lines file, or from a directory of one-checkpoint JSON files (an S3 sink's objects,
    synced to disk). A line cut short by a crash is skipped; the earlier ones still count."""
    found = Found()
    if path is None or not path.exists():
        return found
    if path.is_dir():
        texts = [p.read_text(encoding="utf-8") for p in sorted(path.glob("*.json"))]
    else:
        texts = path.read_text(encoding="utf-8").splitlines()
    for text in texts:
        try:
            record = json.loads(text)
        except ValueError:
            continue
        if (isinstance(record, dict) and record.get("type") == TYPE and isinstance(record.get("id"), int)
                and isinstance(record.get("hash"), str)):
            found.records.append(record)
        elif text.strip():
            found.malformed += 1
    return found


@dataclass
class Coverage:
    """What the signed checkpoints say about a verified chain (printed by `aims ledger verify`)."""

    checked: int = 0
    newest_id: int | None = None
    newest_at: str = ""

    def describe(self, count: int) -> str:
        if self.newest_id is None:
            return "no signed checkpoint found: nothing outside the database vouches for this chain yet"
        after = count - self.newest_id
        return (f"signed checkpoint: event #{self.newest_id} at {self.newest_at} ({self.checked} checked)"
                + (f"; {after} newer event(s) not yet covered" if after > 0 else ""))


def check(result: VerifyResult, found: Found, keys: dict, hash_at: Callable[[list[int]], dict],
          every: bool = False) -> tuple[VerifyResult, Coverage]:
    """An intact chain must match its newest signed checkpoint (all of them with `every`): a valid signature by a
    trusted key, an event at that id (else events were removed from the end), with the same hash (else the chain was
    rewritten). `hash_at(ids)` gives the stored hash of each id."""
    coverage = Coverage()
    if not result.ok:
        return result, coverage
    if found.malformed:
        return VerifyResult(False, result.count, result.head, None,
                            f"{found.malformed} line(s) in the checkpoint file are not checkpoints", SIGNATURE), coverage
    if not found.records:
        return result, coverage
    newest_id = max(r["id"] for r in found.records)
    chosen = found.records if every else [r for r in found.records if r["id"] == newest_id]
    newest = chosen[-1] if not every else [r for r in found.records if r["id"] == newest_id][-1]
    hashes = hash_at(sorted({r["id"] for r in chosen if r["id"] <= result.count}))
    for record in sorted(chosen, key=lambda r: r["id"]):
        at = record.get("at", "?")
        if not signature_valid(record, SIGNED_FIELDS, keys):
            return VerifyResult(False, result.count, result.head, record["id"],
                                f"the checkpoint of {at} is not signed by a trusted key: the checkpoint file was "
                                "altered, or the key is not the one in use", SIGNATURE), coverage
        if record["id"] > result.count:
            return VerifyResult(False, result.count, result.head, record["id"],
                                f"the chain ends at #{result.count}, but a checkpoint signed on {at} recorded "
                                f"#{record['id']}: events were removed from its end", TRUNCATED), coverage
        if hashes.get(record["id"]) != record["hash"]:
            return VerifyResult(False, result.count, result.head, record["id"],
                                f"the hash differs from the one signed on {at}: the chain was rewritten from this "
                                "event or before", REWRITTEN), coverage
        coverage.checked += 1
    coverage.newest_id, coverage.newest_at = newest["id"], newest.get("at", "?")
    return result, coverage
