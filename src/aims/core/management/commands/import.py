"""`aims import TARGET FILE [--dry-run] [--as EMAIL]`: bulk imports, one sub-target per kind of data.

Each target is a function `import_file(*, actor, path, dry_run, progress) -> report` of its module, where `report`
has `rows`, `to_create`, `to_update`, `unchanged`, `problems` (printable), `problem_count`, `applied`. Modules add
their target to TARGETS below (a dotted path, so core does not import every app at start-up).
"""

from __future__ import annotations

import sys
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

from aims.core import context

TARGETS = {
    "risks": ("aims.risks.importing.import_file", "an existing risk register (CSV or XLSX, see the template)"),
    "inventory": ("aims.inventory.exchange.cli.import_file",
                  "AI systems (CSV or XLSX, see the template) or a CycloneDX JSON BOM of components and a model card"),
}
# Options only some targets take: target -> dotted path of a list of (flags, argparse keyword arguments). Their values
# are passed to the target's function as keyword arguments.
TARGET_OPTIONS = {"inventory": "aims.inventory.exchange.cli.IMPORT_OPTIONS"}


def _target_options(name: str) -> list:
    if name not in TARGET_OPTIONS:
        return []
    module, _sep, attribute = TARGET_OPTIONS[name].rpartition(".")
    return getattr(import_module(module), attribute)


def _dest(flags, kwargs) -> str:
    return kwargs.get("dest") or flags[0].lstrip("-").replace("-", "_")


def _target(name: str):
    module, _sep, function = TARGETS[name][0].rpartition(".")
    return getattr(import_module(module), function)


class Command(BaseCommand):
    help = "Import data from a file: everything is checked first and applied in one transaction, or nothing is."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="target", required=True)
        for name, (_path, description) in TARGETS.items():
            target = sub.add_parser(name, help=f"Import {description}.")
            target.add_argument("file", help="Path to the .csv or .xlsx file.")
            target.add_argument("--dry-run", action="store_true",
                                help="Check every row and print what would change; write nothing.")
            target.add_argument("--as", dest="as_email", metavar="EMAIL",
                                help="Import as this person, with their permissions (default: a trusted operator, "
                                     "recorded in the ledger as cli:import).")
            target.add_argument("--strict", action="store_true",
                                help="Treat warnings (parts of the file that would not be imported) as errors: "
                                     "print them, import nothing and exit with status 2.")
            for flags, kwargs in _target_options(name):
                target.add_argument(*flags, **kwargs)

    def handle(self, *args, target, file, dry_run=False, as_email=None, strict=False, **options):
        actor = None
        if as_email:
            from aims.core.models import User

            actor = User.objects.filter(email__iexact=as_email, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active person with the e-mail {as_email}")
        try:
            function = _target(target)
        except (ImportError, AttributeError) as exc:
            raise CommandError(f"the import target {target!r} is not available: {exc}") from None
        with context.bound(system_actor=f"cli:import:{target}", request_id=context.new_request_id()):
            try:
                extra = {_dest(flags, kwargs): options.get(_dest(flags, kwargs))
                         for flags, kwargs in _target_options(target)}
                if strict and not dry_run:  # check first: with --strict a warning means nothing is imported
                    checked = function(actor=actor, path=file, dry_run=True, progress=None, **extra)
                    if checked.problem_count or getattr(checked, "warnings", None):
                        self._print(checked, True)
                        sys.exit(1 if checked.problem_count else 2)
                report = self._run(function, actor=actor, path=file, dry_run=dry_run, **extra)
            except FileNotFoundError:
                raise CommandError(f"no such file: {file}") from None
            except IsADirectoryError:
                raise CommandError(f"this is a directory, not a file: {file}") from None
        self._print(report, dry_run)
        if report.problem_count:
            sys.exit(1)
        if strict and getattr(report, "warnings", None):
            sys.exit(2)

    def _run(self, function, **kwargs):
        """Call the target with a rich progress bar on an interactive terminal (plain output otherwise)."""
        if not self.stdout.isatty():
            return function(**kwargs, progress=None)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        labels = {"check": "Checking rows", "import": "Importing"}
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=True) as bar:
            tasks: dict = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
                bar.update(tasks[stage], completed=done)

            return function(**kwargs, progress=progress)

    def _print(self, report, dry_run: bool) -> None:
        counts = (f"{report.rows} rows: {report.to_create} to create, {report.to_update} to update, "
                  f"{report.unchanged} unchanged")
        # Every warning reaches the terminal (the web page shows the same list): a part of the file that is not
        # imported is never dropped silently.
        for warning in getattr(report, "warnings", None) or []:
            self.stderr.write(f"warning: {warning}")
        for note in getattr(report, "notes", None) or []:
            self.stdout.write(f"  {note}")
        if report.problem_count:
            self.stderr.write(f"nothing imported: {report.problem_count} problem(s)")
            for problem in report.problems:
                self.stderr.write(f"  {problem}")
            if report.problem_count > len(report.problems):
                self.stderr.write(f"  ... and {report.problem_count - len(report.problems)} more")
        elif dry_run:
            self.stdout.write(f"dry run, nothing written. {counts}")
        else:
            self.stdout.write(f"imported. {counts}")
