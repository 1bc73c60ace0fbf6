"""`aims evidence verify`: re-hash every stored evidence file and name any that changed or went missing (exit 1)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from aims.evidence import storage


class Command(BaseCommand):
    help = "Check the evidence library's stored files against the SHA-256 recorded at upload."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Re-hash every stored file; exit 1 naming each file that changed or is "
                                      "missing, with the evidence versions it holds.")

    def handle(self, *args, subcommand, **options):
        checked, problems = storage.verify()
        for problem in problems:
            versions = ", ".join(problem.versions)
            if problem.kind == "missing":
                self.stderr.write(f"MISSING  {problem.storage_name}  ({versions})")
            else:
                self.stderr.write(f"CHANGED  {problem.storage_name}  ({versions}): content now hashes to "
                                  f"{problem.found_sha256}")
        if problems:
            self.stderr.write(f"evidence verify: {len(problems)} of {checked} stored files failed")
            sys.exit(1)
        self.stdout.write(f"evidence verify: {checked} stored files intact")
