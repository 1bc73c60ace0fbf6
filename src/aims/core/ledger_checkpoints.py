"""Writing signed ledger checkpoints: every N events or after some minutes, from whichever process appends (web
processes included, so `aims serve --no-worker` and the demo write them too), and every minute from the worker.

Each checkpoint is appended to the checkpoint file (always) and pushed, by a background task with retries, to the
external sinks that are configured: an S3 bucket with object lock, a webhook, an RFC 3161 time-stamp authority.
Nothing here may fail the change that triggered it: the change has committed already; errors are logged.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from huey.contrib.djhuey import db_task

from . import checkpoints, webhooks

log = logging.getLogger(__name__)


class _State:
    """Per process: when this process last wrote a checkpoint, and for which head."""

    last_time = float("-inf")
    last_head: tuple[int, str] | None = None


# --- Keys ----------------------------------------------------------------------------------------------------------

def private_key():
    """The signing key: AIMS_LEDGER_SIGNING_KEY(_FILE), else a key generated once into the data directory."""
    configured = settings.LEDGER_SIGNING_KEY
    if configured:
        return checkpoints.load_private_key(configured)
    path = Path(settings.DATA_DIR) / "ledger-signing-key.pem"
    if not path.exists():
        pem = checkpoints.generate_private_key_pem()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
    return checkpoints.load_private_key(path.read_bytes())


def trusted_keys(extra_pem: str | None = None) -> dict:
    """The public keys whose checkpoints are accepted: the signing key's, those of AIMS_LEDGER_TRUSTED_KEYS (earlier
    keys after a rotation), and `extra_pem` (an auditor's copy)."""
    keys = []
    if extra_pem:
        keys += checkpoints.load_public_keys(extra_pem)
    else:
        keys.append(private_key().public_key())
    if settings.LEDGER_TRUSTED_KEYS:
        keys += checkpoints.load_public_keys(settings.LEDGER_TRUSTED_KEYS)
    return checkpoints.trusted(keys)


def checkpoint_path() -> Path:
    return Path(settings.LEDGER_CHECKPOINT_FILE or Path(settings.DATA_DIR) / "ledger-checkpoints.jsonl")


# --- When ----------------------------------------------------------------------------------------------------------

def after_append(seq: int) -> None:
    """Called by ledger.record() for each event: schedules a checkpoint after commit every N-th event, and for the
    first event after the interval has passed in this process."""
    every, seconds = settings.LEDGER_CHECKPOINT_EVERY, settings.LEDGER_CHECKPOINT_SECONDS
    now = time.monotonic()
    if (every and seq % every == 0) or (seconds and now - _State.last_time >= seconds):
        _State.last_time = now  # one checkpoint per interval, not one per event until the commit
        transaction.on_commit(write_checkpoint)


def write_checkpoint(*, force: bool = False, unless_signed: dict | None = None) -> dict | None:
    """Sign the current head, append it to the checkpoint file and queue the pushes to external sinks. Skipped when
    this process signed the same head last (unless `force`), or when `unless_signed` is a checkpoint of that head;
    None then, on an empty ledger, or on error (logged)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, hash FROM core_ledgerevent ORDER BY id DESC LIMIT 1")
            head = cursor.fetchone()
        if head is None or (tuple(head) == _State.last_head and not force):
            return None
        if unless_signed is not None and (unless_signed["id"], unless_signed["hash"]) == tuple(head):
            return None
        at = datetime.now(dt_timezone.utc).isoformat(timespec="microseconds")
        record = checkpoints.make(private_key(), head[0], head[1], at)
        checkpoints.append(checkpoint_path(), record)
        _State.last_head = tuple(head)
        if sinks_configured():
            push_checkpoint(record)
        return record
    except Exception:  # noqa: BLE001 (the change is committed; a missed checkpoint is logged, the next one covers it)
        log.exception("could not write a ledger checkpoint")
        return None


def newest_in_file() -> dict | None:
    found = checkpoints.read(checkpoint_path())
    return max(found.records, key=lambda r: r["id"]) if found.records else None


# --- Where else ------------------------------------------------------------------------------------------------------

@db_task(retries=8, retry_delay=60)
def push_checkpoint(record: dict) -> None:
    """Send one checkpoint to each configured external sink; Huey retries the task if one fails."""
    if settings.LEDGER_CHECKPOINT_S3_BUCKET:
        push_to_s3(record)
    if settings.LEDGER_CHECKPOINT_WEBHOOK_URL:
        push_to_webhook(record)
    if settings.LEDGER_TSA_URL:
        timestamp(record)


def sinks_configured() -> bool:
    return bool(settings.LEDGER_CHECKPOINT_S3_BUCKET or settings.LEDGER_CHECKPOINT_WEBHOOK_URL
                or settings.LEDGER_TSA_URL)


def object_name(record: dict) -> str:
    return f"{settings.LEDGER_CHECKPOINT_S3_PREFIX}{record['id']:012d}-{record['hash'][:16]}.json"


def s3_client():
    import boto3

    return boto3.client("s3", endpoint_url=settings.LEDGER_CHECKPOINT_S3_ENDPOINT_URL or None,
                        aws_access_key_id=settings.LEDGER_CHECKPOINT_S3_ACCESS_KEY or None,
                        aws_secret_access_key=settings.LEDGER_CHECKPOINT_S3_SECRET_KEY or None,
                        region_name=settings.LEDGER_CHECKPOINT_S3_REGION or None)


def push_to_s3(record: dict, client=None) -> str:
    """One object per checkpoint, under object lock: nobody (the bucket's owner included, in COMPLIANCE mode) can
    delete or overwrite it before the retention date."""
    client = client or s3_client()
    name = object_name(record)
    retain = datetime.now(dt_timezone.utc) + timedelta(days=settings.LEDGER_CHECKPOINT_S3_RETENTION_DAYS)
    client.put_object(Bucket=settings.LEDGER_CHECKPOINT_S3_BUCKET, Key=name, Body=checkpoints.line(record).encode(),
                      ContentType="application/json", ObjectLockMode=settings.LEDGER_CHECKPOINT_S3_LOCK_MODE,
                      ObjectLockRetainUntilDate=retain, ChecksumAlgorithm="SHA256")
    return name


def push_to_webhook(record: dict) -> int:
    """POST the checkpoint as JSON; the receiver checks its Ed25519 signature with the published public key."""
    status = webhooks._post(settings.LEDGER_CHECKPOINT_WEBHOOK_URL, json.dumps(record).encode(),
                   {"Content-Type": "application/json", "User-Agent": "AIMS-ledger-checkpoint/1"})
    if not 200 <= status < 300:
        raise OSError(f"the checkpoint webhook answered HTTP {status}")
    return status


def timestamp(record: dict) -> dict:
    """RFC 3161: ask the time-stamp authority to sign the checkpoint's signed text; the token is appended to the
    checkpoint file next to it. Optional (AIMS_LEDGER_TSA_URL); tested against OpenSSL's time-stamp server."""
    import base64
    import urllib.request

    import rfc3161_client

    message = checkpoints._message(record, checkpoints.SIGNED_FIELDS)
    request = rfc3161_client.TimestampRequestBuilder().data(message).nonce(nonce=True).build()
    http = urllib.request.Request(settings.LEDGER_TSA_URL, data=request.as_bytes(), method="POST",
                                  headers={"Content-Type": "application/timestamp-query"})
    with urllib.request.urlopen(http, timeout=10) as answer:  # noqa: S310 (an operator-configured https URL)
        token = answer.read()
    rfc3161_client.decode_timestamp_response(token)  # refuses an answer that is not a time-stamp response
    stamped = {"type": "aims-ledger-timestamp", "id": record["id"], "hash": record["hash"], "checkpoint_at": record["at"],
               "tsr": base64.b64encode(token).decode()}
    checkpoints.append(checkpoint_path().with_suffix(".tsr.jsonl"), stamped)
    return stamped
