"""The `aims` console script: a thin front over Django management commands (demo, serve, worker, ledger...)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["help"]
    if args[:2] == ["ledger", "verify"]:
        # The lean path: verification needs neither Django nor the web stack, and an auditor verifying a million
        # events should not wait for them to load (see benchmarks/ledger.py).
        from aims.core.ledger_verify import main as verify

        sys.exit(verify(args[2:]))
    if args[0] == "migrate":
        os.environ["AIMS_DATABASE_ROLE"] = "migrate"  # AIMS_MIGRATE_DATABASE_URL, when set (settings)
    execute_from_command_line(["aims", *args])


if __name__ == "__main__":
    main()
