"""`aims backup` copies a live SQLite installation; `aims restore` puts it back after a crash without corrupting it,
refuses while AIMS runs, and refuses an archive that does not match its manifest.

Each test works on an installation of its own in a temporary data directory (the schema copied from the test
database), with a real writer process killed with SIGKILL mid-write, as a crash would.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import pytest
from django.db import connection

from aims.core import backup, instance
from aims.core.tests.conftest import environment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'sqlite'",
                       reason="SQLite's own backup and restore; PostgreSQL is backed up with pg_dump (README)"),
]

WRITER = textwrap.dedent("""
    import itertools, django
    django.setup()
    from aims.core import services
    from aims.core.models import RoleAssignment, User
    admin = User.objects.create(username="writer@example.com", email="writer@example.com")
    RoleAssignment.objects.create(role="administrator", user=admin)
    unit = services.create_org_unit(actor=admin, name="Crash", code="crash")
    for n in itertools.count():
        unit = services.update_org_unit(actor=admin, unit=unit, changes={"name": f"Crash {n}"})
        print(n, flush=True)
""")


@pytest.fixture
def installation(sqlite_installation):
    (sqlite_installation.data_dir / "files" / "evidence").mkdir(parents=True)
    (sqlite_installation.data_dir / "files" / "evidence" / "report.pdf").write_bytes(b"%PDF-1.7 evidence")
    (sqlite_installation.data_dir / "secret_key").write_text("k" * 64)
    return sqlite_installation


def start_writer(layout) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER], env=environment(layout.data_dir), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_changes(writer: subprocess.Popen, count: int) -> int:
    deadline = time.monotonic() + 120
    for line in writer.stdout:
        if int(line) >= count:
            return int(line)
        assert time.monotonic() < deadline, "the writer is too slow"
    raise AssertionError(f"the writer stopped: {writer.stderr.read()[-2000:]}")


def ledger_verify_command(layout) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aims.cli", "ledger", "verify"], env=environment(layout.data_dir),
                          capture_output=True, text=True, timeout=120)


def test_backup_while_writing_then_crash_then_restore_verifies(installation, tmp_path):
    writer = start_writer(installation)
    try:
        wait_for_changes(writer, 50)
        archive = tmp_path / "aims-backup.tar.gz"
        manifest = backup.backup(archive, installation)  # online: the writer goes on meanwhile
        wait_for_changes(writer, manifest["ledger"]["count"] + 30)
    finally:
        writer.send_signal(signal.SIGKILL)  # a crash: the write-ahead log stays beside the database
        writer.wait()
    database = installation.database
    assert database.with_name("aims.sqlite3-wal").exists() and database.with_name("aims.sqlite3-shm").exists()
    assert manifest["ledger"]["ok"] and manifest["ledger"]["count"] >= 50
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # the archive holds the keys
    assert {"aims.sqlite3", "files/evidence/report.pdf", "secret_key"} <= set(manifest["files"])

    (installation.media / "evidence" / "report.pdf").write_bytes(b"changed after the backup")
    crashed = sqlite3.connect(database)
    crashed_head = crashed.execute("SELECT max(id) FROM core_ledgerevent").fetchone()
    crashed.close()
    (installation.data_dir / "ledger-anchors.jsonl").write_text(f'{{"id": {crashed_head[0]}, "hash": "x"}}\n')
    done = backup.restore(archive, installation)

    assert done.ledger.ok and (done.ledger.count, done.ledger.head) == (manifest["ledger"]["count"],
                                                                        manifest["ledger"]["head"])
    assert not database.with_name("aims.sqlite3-wal").exists()  # no stale log left to replay into the restored file
    assert f"events #{done.ledger.count + 1} to #{crashed_head[0]} were written after this backup" in done.notes[0]
    assert (installation.media / "evidence" / "report.pdf").read_bytes() == b"%PDF-1.7 evidence"
    kept = {Path(p).name.split(".before-restore-")[0]: Path(p) for p in done.moved_aside
            if not p.endswith(backup.SQLITE_SIDE_FILES)}
    assert {"aims.sqlite3", "files", "secret_key"} <= set(kept)
    crashed = sqlite3.connect(kept["aims.sqlite3"])  # what was there is kept, whole: the log was replayed into it
    assert crashed.execute("SELECT count(*) FROM core_ledgerevent").fetchone()[0] > manifest["ledger"]["count"]
    crashed.close()
    verified = ledger_verify_command(installation)
    assert verified.returncode == 0, verified.stderr
    assert f"ledger intact: {manifest['ledger']['count']} events" in verified.stdout


def test_restore_refuses_while_aims_runs_or_the_database_is_open(installation, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup.backup(archive, installation)
    serving = os.open(installation.data_dir / instance.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    import fcntl

    fcntl.flock(serving, fcntl.LOCK_SH)  # what aims serve and aims worker hold while they run
    try:
        with pytest.raises(backup.BackupError, match="AIMS is running"):
            backup.restore(archive, installation)
    finally:
        os.close(serving)
    reader = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); "
         "c.execute('SELECT count(*) FROM core_ledgerevent').fetchone(); print('open', flush=True); time.sleep(60)",
         str(installation.database)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        with pytest.raises(backup.BackupError, match="open in another process"):
            backup.restore(archive, installation)
    finally:
        reader.kill()
        reader.wait()
    assert backup.restore(archive, installation).ledger.ok


def test_an_altered_archive_is_refused_and_nothing_is_touched(installation, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup.backup(archive, installation)
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as original:
        original.extractall(unpacked, filter="data")
    (unpacked / "secret_key").write_text("forged")
    altered = tmp_path / "altered.tar.gz"
    with tarfile.open(altered, "w:gz") as forged:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                forged.add(path, arcname=str(path.relative_to(unpacked)))
    with pytest.raises(backup.BackupError, match="secret_key differs from the hash"):
        backup.restore(altered, installation)
    assert (installation.data_dir / "secret_key").read_text() == "k" * 64
    assert not list(installation.data_dir.glob("*.before-restore-*"))
    with pytest.raises(backup.BackupError, match="not a readable AIMS backup"):
        backup.restore(installation.data_dir / "secret_key", installation)


def test_the_commands_write_and_restore_an_archive(installation, tmp_path):
    archive = tmp_path / "via-command.tar.gz"
    env = environment(installation.data_dir)
    made = subprocess.run([sys.executable, "-m", "aims.cli", "backup", str(archive)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert "backup written to" in made.stdout and "ledger in the backup: intact, 0 events" in made.stdout
    again = subprocess.run([sys.executable, "-m", "aims.cli", "backup", str(archive)], env=env, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode != 0 and "already exists" in again.stderr
    restored = subprocess.run([sys.executable, "-m", "aims.cli", "restore", str(archive)], env=env,
                              capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    assert "ledger intact: 0 events" in restored.stdout
    assert connection.vendor == "sqlite"
