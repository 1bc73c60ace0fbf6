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
    execute_from_command_line(["aims", *args])


if __name__ == "__main__":
    main()
