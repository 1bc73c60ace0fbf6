"""Evidence files in Django's storage (local files by default, S3 when configured), named by their SHA-256.

Uploads are read in fixed-size chunks into one reused buffer, so memory stays flat whatever the size (a 1 GB file is
hashed with 1 MiB of buffer: benchmarks/compliance.py). Storing under the hash means identical content is kept once
and `verify()` can re-hash every stored file to prove that none changed or went missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.utils.translation import gettext as _

from . import content

CHUNK_BYTES = 1024 * 1024
PREFIX = "evidence/sha256"


def storage():
    return storages["default"]


def max_upload_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_UPLOAD_BYTES", 1024 ** 3))


def name_for(sha256: str) -> str:
    return f"{PREFIX}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def hash_stream(stream, chunk_bytes: int = CHUNK_BYTES) -> tuple[str, int]:
    """(SHA-256 hex, size) of a binary stream read to its end with one reused buffer."""
    digest = hashlib.sha256()
    buffer = bytearray(chunk_bytes)
    view = memoryview(buffer)
    size = 0
    readinto = getattr(stream, "readinto", None)
    while True:
        if readinto is not None:
            count = readinto(buffer)
            if not count:
                break
            digest.update(view[:count])
        else:  # streams without readinto (some storage backends): chunked reads
            data = stream.read(chunk_bytes)
            if not data:
                break
            count = len(data)
            digest.update(data)
        size += count
    return digest.hexdigest(), size


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    content_type: str
    filename: str
    storage_name: str


def _rewind(uploaded) -> None:
    uploaded.seek(0)


def clean_filename(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    return name[:255] or "evidence"


def ingest(uploaded) -> StoredBlob:
    """Check an uploaded file (size, content) and store it under its hash; ValidationError({"file": ...}) if refused.

    `uploaded` is a Django UploadedFile (or any File). Large uploads are already on disk (Django's temporary upload
    handler); the file is read twice at most (hash, then copy when the content is new), never held in memory.
    """
    limit = max_upload_bytes()
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ValidationError({"file": _("The file is larger than the limit of %(limit)s MB.")
                               % {"limit": round(limit / 1024 / 1024)}})
    filename = clean_filename(getattr(uploaded, "name", ""))
    _rewind(uploaded)
    kind = content.check(filename, uploaded.read(content.HEAD_BYTES))
    _rewind(uploaded)
    sha256, size = hash_stream(uploaded)
    if size > limit:
        raise ValidationError({"file": _("The file is larger than the limit of %(limit)s MB.")
                               % {"limit": round(limit / 1024 / 1024)}})
    name = name_for(sha256)
    store = storage()
    if not store.exists(name):
        _rewind(uploaded)
        saved = store.save(name, uploaded if isinstance(uploaded, File) else File(uploaded))
        name = saved  # a concurrent upload of the same content may have taken the name first: same bytes anyway
    return StoredBlob(sha256=sha256, size=size, content_type=kind.mime, filename=filename, storage_name=name)


def open_blob(storage_name: str):
    return storage().open(storage_name, "rb")


def iter_blob(storage_name: str, chunk_bytes: int = 64 * 1024) -> Iterator[bytes]:
    with open_blob(storage_name) as handle:
        while True:
            data = handle.read(chunk_bytes)
            if not data:
                return
            yield data


def delete_blob_if_unused(storage_name: str) -> bool:
    """Remove a stored file no version points at any more (content is shared between identical uploads)."""
    from .models import EvidenceVersion

    if not storage_name or EvidenceVersion.objects.filter(storage_name=storage_name).exists():
        return False
    store = storage()
    if store.exists(storage_name):
        store.delete(storage_name)
        return True
    return False


@dataclass(frozen=True)
class Problem:
    storage_name: str
    versions: list[str]  # "EV-000012 v3"
    kind: str  # "missing" | "changed"
    found_sha256: str = ""


def verify(progress=None) -> tuple[int, list[Problem]]:
    """Re-hash every stored file and compare with the hash and size recorded at upload. Returns (files checked,
    problems). Each distinct file is read once, however many versions share it."""
    from .models import EvidenceVersion

    by_name: dict[str, dict] = {}
    rows = (EvidenceVersion.objects.exclude(storage_name="").order_by("storage_name", "item_id", "number")
            .values_list("storage_name", "sha256", "size", "item__reference", "number"))
    for storage_name, sha256, size, reference, number in rows.iterator(chunk_size=2000):
        entry = by_name.setdefault(storage_name, {"sha256": sha256, "size": size, "versions": []})
        entry["versions"].append(f"{reference} v{number}")
    problems, store = [], storage()
    for checked, (storage_name, expected) in enumerate(by_name.items(), start=1):
        try:
            with store.open(storage_name, "rb") as handle:
                found, size = hash_stream(handle)
        except (FileNotFoundError, OSError):
            problems.append(Problem(storage_name, expected["versions"], "missing"))
            continue
        if found != expected["sha256"] or size != expected["size"]:
            problems.append(Problem(storage_name, expected["versions"], "changed", found))
        if progress is not None:
            progress(checked, len(by_name))
    return len(by_name), problems
