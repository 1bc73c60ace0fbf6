"""`aims ledger verify`, `aims ledger export FILE` and `aims ledger public-key`.

The console script runs `verify` through aims.core.ledger_verify without loading Django; this command (the same
options and verdict, through Django's connection) serves `python -m django ledger verify` and tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aims.core import checkpoints, ledger, ledger_checkpoints, ledger_verify


class Command(BaseCommand):
    help = "Verify the ledger's hash chain, export it as JSON Lines for offline verification, or print the public key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Exit 0 when the chain is intact; exit 1 naming the first bad event.")
        ledger_verify.add_arguments(verify)
        export = sub.add_parser("export", help="Write every event as JSON Lines, with the hash recipe and chain head.")
        export.add_argument("file", help="Output path ('-' for standard output).")
        sub.add_parser("public-key", help="Print the public key that verifies this installation's checkpoints.")

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            from argparse import Namespace

            names = ("file", "anchors", "checkpoints", "public_key", "all_checkpoints")
            code = ledger_verify.run(Namespace(**{name: options.get(name) for name in names}), settings,
                                     out=self.stdout, err=self.stderr, database_reader=ledger.reader())
            if code:
                sys.exit(code)
        elif subcommand == "public-key":
            key = ledger_checkpoints.private_key().public_key()
            self.stdout.write(checkpoints.public_pem(key).rstrip())
            self.stdout.write(f"fingerprint {checkpoints.fingerprint(key)}")
        else:
            self._export(options["file"])

    def _export(self, file: str) -> None:
        if file == "-":
            for line in ledger.export_lines():
                self.stdout.write(line)
            return
        path = Path(file)
        if path.parent and not path.parent.exists():
            raise CommandError(f"directory does not exist: {path.parent}")
        count = 0
        with path.open("w", encoding="utf-8") as handle:
            for line in ledger.export_lines():
                handle.write(line + "\n")
                count += 1
        self.stdout.write(f"exported {max(count - 2, 0)} events to {path}")
