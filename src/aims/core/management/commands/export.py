"""`aims export TARGET --format FORMAT [--system ID] OUT [--as EMAIL]`: exports, one sub-target per kind of data.

Each target is a function `export_file(*, actor, out, fmt, system, progress) -> summary` of its module; modules add
their target to TARGETS below (a dotted path, so core does not import every app at start-up).
"""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

from aims.core import context

# target -> (dotted path of the function, formats, description)
TARGETS = {
    "inventory": ("aims.inventory.exchange.cli.export_file", ("csv", "xlsx", "cyclonedx"),
                  "AI systems as CSV/XLSX, or one system's CycloneDX 1.6 BOM"),
}


class Command(BaseCommand):
    help = "Export data to a file (what the person given with --as may see; everything by default)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="target", required=True)
        for name, (_path, formats, description) in TARGETS.items():
            target = sub.add_parser(name, help=f"Export {description}.")
            target.add_argument("out", help="Output path ('-' for standard output).")
            target.add_argument("--format", dest="fmt", choices=formats, required=True)
            target.add_argument("--system", metavar="ID", help="Only this system (id or reference code).")
            target.add_argument("--as", dest="as_email", metavar="EMAIL",
                                help="Export what this person may see (default: a trusted operator, everything).")

    def handle(self, *args, target, out, fmt, system=None, as_email=None, **options):
        actor = None
        if as_email:
            from aims.core.models import User

            actor = User.objects.filter(email__iexact=as_email, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active person with the e-mail {as_email}")
        module, _sep, function = TARGETS[target][0].rpartition(".")
        export = getattr(import_module(module), function)
        with context.bound(system_actor=f"cli:export:{target}", request_id=context.new_request_id()):
            try:
                summary = self._run(export, actor=actor, out=out, fmt=fmt, system=system)
            except (LookupError, RuntimeError, OSError) as exc:
                raise CommandError(str(exc)) from None
        if out != "-":
            self.stderr.write(f"{summary} -> {out}")

    def _run(self, function, **kwargs):
        """A rich progress bar on an interactive terminal (plain output otherwise)."""
        if kwargs["out"] == "-" or not self.stderr.isatty():
            return function(**kwargs, progress=None)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=True, console=Console(stderr=True)) as bar:
            tasks: dict = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task("Exporting", total=total)
                bar.update(tasks[stage], completed=done)

            return function(**kwargs, progress=progress)
