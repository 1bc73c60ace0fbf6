"""`aims ledger verify` and `aims ledger export FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aims.core import ledger
from aims.core.ledger_chain import describe


class Command(BaseCommand):
    help = "Verify the ledger's hash chain, or export it as JSON Lines for offline verification."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Exit 0 when the chain is intact; exit 1 naming the first bad event.")
        verify.add_argument("--file", help="Verify an exported JSON Lines file instead of the database.")
        verify.add_argument("--anchors", help="With --file: a copy of ledger-anchors.jsonl to check the export against.")
        export = sub.add_parser("export", help="Write every event as JSON Lines, with the hash recipe and chain head.")
        export.add_argument("file", help="Output path ('-' for standard output).")

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            if options.get("anchors") and not options.get("file"):
                raise CommandError("--anchors goes with --file (the database is checked against its own anchor file)")
            self._verify(options.get("file"), options.get("anchors"))
        else:
            self._export(options["file"])

    def _verify(self, file: str | None, anchors: str | None = None) -> None:
        if file:
            with open(file, encoding="utf-8") as handle:
                result = ledger.verify_export(handle, Path(anchors) if anchors else None)
        else:
            result = ledger.verify()
        if result.ok:
            self.stdout.write(describe(result))
            return
        self.stderr.write(describe(result))
        sys.exit(1)

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
