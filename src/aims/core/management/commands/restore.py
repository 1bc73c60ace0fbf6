"""`aims restore IN`: put a backup made by `aims backup` back in place (AIMS must be stopped)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aims.core import backup
from aims.core.ledger_chain import describe


class Command(BaseCommand):
    help = ("Restore a backup archive made by `aims backup`: every file is checked against the manifest's hashes, "
            "what was there is kept under a dated name, and the restored ledger is verified.")
    requires_system_checks = []  # nothing may touch the database before it is replaced

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive written by `aims backup`.")

    def handle(self, *args, archive, **options):
        try:
            done = backup.restore(Path(archive))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {archive}")
        for path in done.moved_aside:
            self.stdout.write(f"  kept the previous {path}")
        for note in done.notes:
            self.stdout.write(f"  {note}")
        if done.ledger is not None:
            if done.ledger.ok:
                self.stdout.write(describe(done.ledger))
            else:
                self.stderr.write(describe(done.ledger))
                sys.exit(1)
