"""`aims drift run SYSTEM REFERENCE CURRENT`: compare a current sample with a reference, with a progress bar.

SYSTEM is a reference code (e.g. AIS-DEMO-CREDIT). REFERENCE is a CSV or Parquet file, which becomes the system's
reference sample, or `current` for the reference already uploaded. CURRENT is the CSV or Parquet file to check.

The run goes to the background worker (`aims worker`), as runs started from the page do, and this command follows its
progress; with --here it runs in this process instead (no worker needed). Exit code 0 when the run finished (3 with
--fail-on-drift when the dataset drifts), 1 when it failed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from aims.core import context

WAIT_NOTICE_SECONDS = 15


class Command(BaseCommand):
    help = "Drift of an AI system's data: compare a current sample with a reference, per column and as a whole."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Compare CURRENT with REFERENCE for SYSTEM.")
        run.add_argument("system", help="The system's reference code.")
        run.add_argument("reference", help="A CSV or Parquet file, or 'current' for the system's current reference.")
        run.add_argument("current", help="The CSV or Parquet file to check.")
        run.add_argument("--as", dest="as_email", metavar="EMAIL",
                         help="Run as this person (default: a trusted operator, recorded as cli:drift).")
        run.add_argument("--here", action="store_true", help="Run in this process instead of the background worker.")
        run.add_argument("--fail-on-drift", action="store_true", help="Exit with 3 when the dataset drifts.")

    def handle(self, *args, action, system, reference, current, as_email=None, here=False, fail_on_drift=False,
               **options):
        from aims.inventory.models import AISystem
        from aims.monitoring.models import DriftRun
        from aims.monitoring.services import drift as drift_services

        target = AISystem.objects.select_related("unit").filter(reference_code=system).first()
        if target is None:
            raise CommandError(f"no AI system with the reference code {system}")
        actor = None
        if as_email:
            from aims.core.models import User

            actor = User.objects.filter(email__iexact=as_email, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active person with the e-mail {as_email}")
        current_path = Path(current)
        if not current_path.is_file():
            raise CommandError(f"no such file: {current}")
        with context.bound(system_actor="cli:drift", request_id=context.new_request_id()):
            try:
                chosen = None
                if reference != "current":
                    reference_path = Path(reference)
                    if not reference_path.is_file():
                        raise CommandError(f"no such file: {reference}")
                    with reference_path.open("rb") as handle:
                        chosen = drift_services.upload_reference(actor=actor, system=target, name=reference_path.name,
                                                                 uploaded=File(handle, name=reference_path.name))
                with current_path.open("rb") as handle:
                    run = drift_services.request_run(actor=actor, system=target, reference=chosen, in_worker=not here,
                                                     uploaded=File(handle, name=current_path.name))
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            if here:
                drift_services.execute_run(run.pk)
        run = self._follow(run.pk)
        self._report(run)
        if run.status == DriftRun.Status.FAILED:
            sys.exit(1)
        if fail_on_drift and run.dataset_drift:
            sys.exit(3)

    def _follow(self, run_id: int):
        from aims.monitoring.models import DriftRun

        started = time.monotonic()
        noticed = False
        bar = task = None
        if self.stdout.isatty():
            from rich.progress import BarColumn, Progress, TextColumn

            bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                           transient=True)
            bar.start()
            task = bar.add_task("Drift run", total=100)
        last = None
        try:
            while True:
                run = DriftRun.objects.get(pk=run_id)
                if bar is not None:
                    bar.update(task, completed=run.progress, description=f"Drift run · {run.stage or run.status}")
                elif (run.progress, run.stage) != last:
                    self.stdout.write(f"{run.progress:3d}% {run.stage or run.status}")
                    last = (run.progress, run.stage)
                if run.status in (DriftRun.Status.DONE, DriftRun.Status.FAILED):
                    return run
                if run.status == DriftRun.Status.QUEUED and not noticed \
                        and time.monotonic() - started > WAIT_NOTICE_SECONDS:
                    self.stderr.write("still waiting for the background worker: is `aims worker` running? "
                                      "(or use --here)")
                    noticed = True
                time.sleep(0.5)
        finally:
            if bar is not None:
                bar.stop()

    def _report(self, run) -> None:
        if run.status == run.Status.FAILED:
            self.stderr.write(f"the drift run failed: {run.error}")
            return
        for column in run.columns.order_by("position"):
            if column.kind == "skipped":
                self.stdout.write(f"  {column.column:<30} not tested ({column.note})")
                continue
            verdict = "DRIFT" if column.drifted else "ok"
            self.stdout.write(f"  {column.column:<30} {column.kind:<12} {column.method:<14} "
                              f"{column.statistic:>12.6g}  threshold {column.threshold:<8g} {verdict}")
        share = run.settings_used.get("drift_share", 0.5)
        verdict = "the dataset DRIFTS" if run.dataset_drift else "no dataset drift"
        self.stdout.write(f"{run.columns_drifted} of {run.columns_tested} columns drifted (share {share}): {verdict}. "
                          f"Run {run.pk}: /monitoring/drift/{run.pk}/")
