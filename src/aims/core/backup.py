"""`aims backup OUT` and `aims restore IN`: one archive holding the SQLite database (copied through SQLite's online
backup API, so writers may keep working), the task queue, uploaded files, the keys and the ledger's checkpoints, with
a manifest of SHA-256 hashes; and a restore that checks every hash, refuses to run while AIMS runs, and never leaves a
stale write-ahead log beside the restored database (SQLite would replay it into the restored file and corrupt it).

On PostgreSQL the archive holds everything but the database, which pg_dump / pg_restore handle (README).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

from django.conf import settings

from . import instance, ledger_chain

MANIFEST = "manifest.json"
FORMAT = 1
DATABASE = "aims.sqlite3"
TASKS = "tasks.sqlite3"
FILES = "files"
# Files of the data directory that belong in a backup (those that exist). Other modules may add theirs.
DATA_FILES = ["secret_key", "ledger-signing-key.pem", "ledger-checkpoints.jsonl", "ledger-checkpoints.tsr.jsonl",
              "ledger-anchors.jsonl"]
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """Something the person running the command must fix; the message says what."""


@dataclass
class Restored:
    ledger: ledger_chain.VerifyResult | None
    moved_aside: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Layout:
    """Where one installation keeps its data (by default: what the settings say)."""

    data_dir: Path
    database: Path | None  # the SQLite database; None on PostgreSQL
    tasks: Path | None = None
    media: Path | None = None
    vendor: str = "sqlite"

    @classmethod
    def from_settings(cls) -> Layout:
        database = settings.DATABASES["default"]
        sqlite = database["ENGINE"].endswith("sqlite3")
        tasks = (getattr(settings, "HUEY", None) or {}).get("filename")
        local_files = settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
        return cls(data_dir=Path(settings.DATA_DIR), database=Path(database["NAME"]) if sqlite else None,
                   tasks=Path(tasks) if tasks else None, media=Path(settings.MEDIA_ROOT) if local_files else None,
                   vendor="sqlite" if sqlite else database["ENGINE"].rsplit(".", 1)[-1])


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (writers may go on meanwhile), as one self-contained file."""
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    src.close()
    dst.close()


def _integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def _verify_ledger(path: Path) -> ledger_chain.VerifyResult:
    database = {"vendor": "sqlite", "path": str(path)}
    reader = ledger_chain.connect(database)
    try:
        return ledger_chain.verify_table(reader, workers_database=database)
    finally:
        reader.close()


def backup(out: Path, layout: Layout | None = None) -> dict:
    """Write the archive `out` (a gzip-compressed tar, readable only by its owner); returns its manifest."""
    layout = layout or Layout.from_settings()
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists; choose another name")
    if not out.parent.is_dir():
        raise BackupError(f"directory does not exist: {out.parent}")
    data_dir = layout.data_dir
    with tempfile.TemporaryDirectory(prefix=".aims-backup-", dir=out.parent) as staging_name:
        staging = Path(staging_name)
        manifest = {"type": "aims-backup", "format": FORMAT,
                    "created_at": datetime.now(dt_timezone.utc).isoformat(timespec="seconds")}
        if layout.database is not None:
            _copy_sqlite(layout.database, staging / DATABASE)
            check = _integrity(staging / DATABASE)
            if check != "ok":
                raise BackupError(f"the database copy fails SQLite's integrity check: {check}")
            result = _verify_ledger(staging / DATABASE)
            manifest["database"] = {"vendor": "sqlite", "included": True}
            manifest["ledger"] = {"ok": result.ok, "count": result.count, "head": result.head,
                                  "problem": ledger_chain.describe(result) if not result.ok else ""}
        else:
            manifest["database"] = {"vendor": layout.vendor, "included": False,
                                    "note": "dump the database with pg_dump -Fc (README, Backup and restore)"}
        if layout.tasks is not None and layout.tasks.is_file():
            _copy_sqlite(layout.tasks, staging / TASKS)
        if layout.media is not None and layout.media.is_dir():
            shutil.copytree(layout.media, staging / FILES, symlinks=False)
        for name in DATA_FILES:
            if (data_dir / name).is_file():
                shutil.copy2(data_dir / name, staging / name)
        manifest["files"] = {
            str(path.relative_to(staging)): {"sha256": _sha256(path), "bytes": path.stat().st_size}
            for path in sorted(staging.rglob("*")) if path.is_file()
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        partial = out.with_name(out.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the keys
        with os.fdopen(descriptor, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            archive.add(staging / MANIFEST, arcname=MANIFEST)
            for name in manifest["files"]:
                archive.add(staging / name, arcname=name)
        os.replace(partial, out)
    return manifest


def _extract(archive_path: Path, staging: Path) -> dict:
    """Extract and check every file against the manifest (nothing missing, nothing more, no path escaping)."""
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            archive.extractall(staging, filter="data")  # refuses absolute paths, '..', links out, devices
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive_path} is not a readable AIMS backup: {exc}") from None
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{archive_path} has no readable {MANIFEST}: not an AIMS backup") from None
    if manifest.get("type") != "aims-backup" or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is not an AIMS backup of format {FORMAT}")
    listed = manifest.get("files") or {}
    present = {str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()} - {MANIFEST}
    if present != set(listed):
        extra, missing = sorted(present - set(listed)), sorted(set(listed) - present)
        raise BackupError(f"the archive does not match its manifest (missing: {missing or '-'}, "
                          f"not listed: {extra or '-'})")
    for name, expected in listed.items():
        if _sha256(staging / name) != expected["sha256"]:
            raise BackupError(f"{name} differs from the hash in the manifest: the archive was altered or damaged")
    return manifest


def _database_in_use(path: Path) -> bool:
    """True while any other process has the SQLite database open (exclusive locking mode cannot be had then)."""
    if not path.exists():
        return False
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        connection.execute("COMMIT")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def _move_aside(path: Path, stamp: str, moved: list[str]) -> None:
    """Keep what was there under a dated name (a database with its side files, so it still opens)."""
    if path.exists():
        aside = path.with_name(f"{path.name}.before-restore-{stamp}")
        os.replace(path, aside)
        moved.append(str(aside))
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            aside = path.with_name(f"{path.name}.before-restore-{stamp}{suffix}")
            os.replace(side, aside)
            moved.append(str(aside))


def _newest_recorded_head(data_dir: Path) -> dict | None:
    """The newest head written down outside the database (anchor or checkpoint), before the restore moves it aside."""
    from . import checkpoints
    from .ledger_verify import last_anchor

    recorded = [r for r in [last_anchor(data_dir / "ledger-anchors.jsonl")] if r]
    recorded += checkpoints.read(data_dir / "ledger-checkpoints.jsonl").records
    return max(recorded, key=lambda r: r["id"]) if recorded else None


def restore(archive_path: Path, layout: Layout | None = None) -> Restored:
    """Put a backup in place of the current data. Refuses while AIMS runs on this data directory."""
    layout = layout or Layout.from_settings()
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"no such file: {archive_path}")
    data_dir = layout.data_dir
    lock = None
    try:
        lock = instance.exclusive(data_dir)
    except instance.Running:
        raise BackupError("AIMS is running on this data directory (aims serve or aims worker): stop it first") from None
    try:
        with tempfile.TemporaryDirectory(prefix=".aims-restore-", dir=data_dir) as staging_name:
            staging = Path(staging_name)
            manifest = _extract(archive_path, staging)
            has_database = (manifest.get("database") or {}).get("included", False)
            database_path, tasks = layout.database, layout.tasks
            if has_database and database_path is None:
                raise BackupError("this backup holds a SQLite database, but AIMS is configured for PostgreSQL")
            if database_path is not None and _database_in_use(database_path):
                raise BackupError(f"{database_path} is open in another process: stop every AIMS process first")
            if tasks is not None and (staging / TASKS).exists() and _database_in_use(tasks):
                raise BackupError(f"{tasks} is open in another process: stop every AIMS process first")
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            done = Restored(ledger=None)
            recorded = _newest_recorded_head(data_dir)
            targets = {name: data_dir / name for name in DATA_FILES}
            if has_database:
                targets[DATABASE] = database_path
            if tasks is not None:
                targets[TASKS] = tasks
            if layout.media is not None:
                targets[FILES] = layout.media
            for name, target in targets.items():
                # What is there now belongs to another history, even where the backup has nothing in its place.
                _move_aside(target, stamp, done.moved_aside)
                if (staging / name).exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(staging / name), str(target))
            if has_database:
                check = _integrity(database_path)
                if check != "ok":
                    raise BackupError(f"the restored database fails SQLite's integrity check: {check}")
                done.ledger = _verify_ledger(database_path)
                if recorded and done.ledger.ok and recorded["id"] > done.ledger.count:
                    done.notes.append(
                        f"events #{done.ledger.count + 1} to #{recorded['id']} were written after this backup and "
                        "are not in it: the checkpoints that recorded them are kept under their dated name")
            else:
                done.notes.append("the database is not in this backup: restore it with pg_restore (README)")
            return done
    finally:
        if lock is not None:
            instance.release(lock)
