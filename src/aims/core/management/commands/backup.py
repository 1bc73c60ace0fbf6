"""`aims backup OUT`: one archive with the database (SQLite), task queue, files, keys and checkpoints."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aims.core import backup


class Command(BaseCommand):
    help = ("Write a backup archive (tar.gz, readable only by you: it holds the keys). SQLite is copied while AIMS "
            "keeps running; on PostgreSQL dump the database with pg_dump as well.")

    def add_arguments(self, parser):
        parser.add_argument("out", help="Path of the archive to create (e.g. aims-backup.tar.gz).")

    def handle(self, *args, out, **options):
        try:
            manifest = backup.backup(Path(out))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        files = manifest["files"]
        size = sum(entry["bytes"] for entry in files.values())
        self.stdout.write(f"backup written to {out}: {len(files)} files, {size:,} bytes before compression")
        ledger = manifest.get("ledger")
        if ledger:
            state = "intact" if ledger["ok"] else "BROKEN"
            self.stdout.write(f"ledger in the backup: {state}, {ledger['count']} events, head {ledger['head']}")
        if not manifest["database"]["included"]:
            self.stdout.write(f"the database is not included: {manifest['database']['note']}")
