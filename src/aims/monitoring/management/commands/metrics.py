"""`aims metrics push FILE`: push KPI values from a CSV or JSON Lines file.

Each row names its KPI by `kpi_id`, or by `system` (reference code; or --system for the whole file) and `kpi` (its
key), with `at` (ISO 8601; without an offset, UTC) and `value`.

On the server (default), the whole file is checked first and stored in one transaction, or nothing is (--dry-run only
checks). With --url and a token (--token or AIMS_TOKEN: a push token or a personal read-and-write token), the file is
sent to that AIMS through its API in batches of up to 10,000 values; each batch is all or nothing, and the command
stops at the first batch refused.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from aims.core import context

BATCH = 10_000


def read_rows(path: Path, default_system: str | None = None) -> list[dict]:
    """The file's rows as dicts (kpi_id as an int when given); raises CommandError on a malformed file."""
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8-sig")
    rows: list[dict] = []
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = {"at", "value"} - set(reader.fieldnames or [])
        if missing:
            raise CommandError(f"{path}: the CSV needs the columns at, value and either kpi_id or system and kpi "
                               f"(missing: {', '.join(sorted(missing))})")
        rows = [dict(row) for row in reader]
    elif suffix in (".jsonl", ".ndjson", ".json"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise CommandError(f"{path}, line {number}: not JSON ({exc})") from None
            if not isinstance(row, dict):
                raise CommandError(f"{path}, line {number}: each line must be a JSON object")
            rows.append(row)
    else:
        raise CommandError(f"{path}: use a .csv or .jsonl file")
    for row in rows:
        kpi_id = row.get("kpi_id")
        if kpi_id in ("", None):
            row["kpi_id"] = None
        else:
            try:
                row["kpi_id"] = int(kpi_id)
            except (TypeError, ValueError):
                row["kpi_id"] = -1  # reported as an unknown KPI with its row number
        if default_system and not row.get("system"):
            row["system"] = default_system
    return rows


class Command(BaseCommand):
    help = "Push KPI values from a CSV or JSON Lines file (checked whole, stored all or nothing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        push = sub.add_parser("push", help="Push the values of FILE (.csv or .jsonl).")
        push.add_argument("file")
        push.add_argument("--system", help="Reference code of the system, for files without a system column.")
        push.add_argument("--dry-run", action="store_true", help="Check every row; store nothing.")
        push.add_argument("--as", dest="as_email", metavar="EMAIL",
                          help="Push as this person, with their permissions (default: a trusted operator, recorded "
                               "in the ledger as cli:metrics).")
        push.add_argument("--url", help="Push to this AIMS through its API (e.g. https://aims.example.com).")
        push.add_argument("--token", help="API token for --url (default: the AIMS_TOKEN environment variable).")

    def handle(self, *args, action, file, system=None, dry_run=False, as_email=None, url=None, token=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        rows = read_rows(path, system)
        if not rows:
            raise CommandError(f"{file}: no values in the file")
        if url:
            self._push_remote(rows, url, token or os.environ.get("AIMS_TOKEN", ""), dry_run)
            return
        actor = None
        if as_email:
            from aims.core.models import User

            actor = User.objects.filter(email__iexact=as_email, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active person with the e-mail {as_email}")
        with context.bound(system_actor="cli:metrics", request_id=context.new_request_id()):
            self._push_local(rows, actor, dry_run)

    def _push_local(self, rows, actor, dry_run):
        from aims.monitoring.models import MeasurementBatch
        from aims.monitoring.services import ingest

        try:
            triples = ingest.check_rows(actor=actor, rows=rows)
        except ValidationError as error:
            messages = error.message_dict.get("measurements", error.messages)
            self.stderr.write("nothing stored: the file has problems")
            for message in messages:
                self.stderr.write(f"  {message}")
            sys.exit(1)
        if dry_run:
            self.stdout.write(f"dry run, nothing stored. {len(triples)} values checked")
            return
        totals = {"created": 0, "replaced": 0, "unchanged": 0}
        with transaction.atomic(), self._progress(len(triples)) as advance:
            for start in range(0, len(triples), BATCH):
                chunk = triples[start:start + BATCH]
                result = ingest.store(actor=actor, triples=chunk, source=MeasurementBatch.Source.FILE)
                for key in totals:
                    totals[key] += getattr(result, key)
                advance(len(chunk))
        self.stdout.write(f"stored. {len(triples)} values: {totals['created']} new, {totals['replaced']} replaced, "
                          f"{totals['unchanged']} unchanged")

    def _progress(self, total):
        command = self

        class _Bar:
            def __enter__(self):
                if command.stdout.isatty():
                    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

                    self.bar = Progress(TextColumn("Storing"), BarColumn(), MofNCompleteColumn(), transient=True)
                    self.bar.start()
                    self.task = self.bar.add_task("store", total=total)
                    return lambda n: self.bar.advance(self.task, n)
                self.bar = None
                return lambda n: None

            def __exit__(self, *exc):
                if self.bar is not None:
                    self.bar.stop()
                return False

        return _Bar()

    def _push_remote(self, rows, url, token, dry_run):
        if not token:
            raise CommandError("give a token with --token or the AIMS_TOKEN environment variable")
        if dry_run:
            raise CommandError("--dry-run checks against the local database; it cannot be combined with --url")
        endpoint = url.rstrip("/") + "/api/v1/monitoring/measurements"
        sent = 0
        for start in range(0, len(rows), BATCH):
            chunk = [{k: v for k, v in row.items() if k in ("kpi_id", "system", "kpi", "at", "value") and v is not None}
                     for row in rows[start:start + BATCH]]
            body = json.dumps({"measurements": chunk}).encode()
            request = urllib.request.Request(endpoint, data=body, method="POST", headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (the user's own AIMS)
                    answer = json.loads(response.read())
            except urllib.error.HTTPError as error:
                detail = error.read().decode(errors="replace")[:2000]
                self.stderr.write(f"rows {start + 1}-{start + len(chunk)} refused (HTTP {error.code}); {sent} values "
                                  f"stored before them. {detail}")
                sys.exit(1)
            except urllib.error.URLError as error:
                raise CommandError(f"cannot reach {endpoint}: {error.reason}") from None
            sent += answer.get("received", len(chunk))
            self.stdout.write(f"rows {start + 1}-{start + len(chunk)}: {answer.get('created', 0)} new, "
                              f"{answer.get('replaced', 0)} replaced, {answer.get('unchanged', 0)} unchanged")
        self.stdout.write(f"stored. {sent} values")
