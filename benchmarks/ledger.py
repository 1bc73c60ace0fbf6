"""Ledger benchmark: appends through the service layer, verification speed, concurrent writers on PostgreSQL.

    python benchmarks/ledger.py [--scale N] --json OUT [--postgres URL]

Figures (one JSON object written to OUT, a summary printed):
  sqlite_appends_per_s  changes made through services.update_org_unit on a fresh SQLite database
                        (100,000 x scale), each one a transaction with its ledger event; goal >= 1,000/s.
  verify_events_per_s   ledger.verify() over 1,000,000 x scale events (the appended ones, then correctly chained
                        rows bulk-inserted to reach the total); goal >= 200,000/s.
  pg_*                  8 writer processes appending through the service layer at once on PostgreSQL
                        (2,500 x scale changes each), then verify: events/s, broken chain, lost events.
                        Only when --postgres URL or DATABASE_URL is given; a scratch database is created on that
                        server (the role needs CREATEDB) and dropped afterwards.
Each part sets Django up itself, with its own temporary AIMS_DATA_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPENDS_AT_SCALE_1 = 100_000
VERIFY_AT_SCALE_1 = 1_000_000
PG_WRITERS = 8
PG_CHANGES_PER_WRITER_AT_SCALE_1 = 2_500
UNITS = 100
GOALS = {"sqlite_appends_per_s": 1_000, "verify_events_per_s": 200_000}


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cpu_seconds, setup_django  # noqa: E402  (shared with the other benchmarks)
from _common import load_average as _load  # noqa: E402


def make_actor_and_units(count: int):
    """An administrator and `count` units under one root (set-up, not measured)."""
    from aims.core import services
    from aims.core.models import RoleAssignment, User

    admin = User.objects.create(username="bench@example.com", email="bench@example.com", first_name="Bench")
    RoleAssignment.objects.create(role="administrator", user=admin)
    root = services.create_org_unit(actor=admin, name="Benchmark", code="bench-root")
    units = [services.create_org_unit(actor=admin, name=f"Unit {i}", code=f"bench-{i}", parent=root)
             for i in range(count)]
    return admin, units


# --- SQLite: appends through the service layer, then verification of a million events -------------------------

def bench_appends(count: int) -> dict:
    from aims.core import services

    admin, units = make_actor_and_units(min(UNITS, count))
    started, cpu = time.perf_counter(), cpu_seconds()
    for i in range(count):
        slot = i % len(units)
        units[slot] = services.update_org_unit(actor=admin, unit=units[slot], changes={"name": f"Unit {slot} r{i}"})
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {"sqlite_appends": count, "sqlite_append_seconds": round(seconds, 3),
            "sqlite_appends_per_s": round(count / seconds, 1), "sqlite_append_cpu_seconds": round(cpu, 3),
            "sqlite_appends_per_cpu_s": round(count / cpu, 1) if cpu else None}


def fill_ledger_to(total: int, batch: int = 20_000) -> dict:
    """Append correctly chained rows straight into the table until it holds `total` events (fast, not via services)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from aims.core import ledger
    from aims.core.models import LedgerEvent

    last = LedgerEvent.objects.order_by("-id").values_list("id", "hash", "actor_id").first()
    seq, prev_hash, actor_id = (last or (0, ledger.GENESIS, None))
    if seq >= total:
        return {"generated_events": 0, "generate_seconds": 0.0}
    columns = ", ".join(connection.ops.quote_name(c) for c in ledger.COLUMNS)
    sql = f"INSERT INTO core_ledgerevent ({columns}) VALUES ({', '.join(['%s'] * len(ledger.COLUMNS))})"
    base = timezone.now()
    started = time.perf_counter()
    generated = 0
    while seq < total:
        rows = []
        for _ in range(min(batch, total - seq)):
            seq += 1
            created_at = ledger.canonical_time(base + timedelta(microseconds=seq))
            fields = [seq, created_at, actor_id, "bench@example.com", "core.orgunit.update", "core.orgunit",
                      str(seq % UNITS), f"Unit {seq % UNITS}", json.dumps({"name": f"Unit r{seq - 1}"}),
                      json.dumps({"name": f"Unit r{seq}"}), "", uuid.uuid4().hex]
            digest = ledger.hash_v2(prev_hash, *fields)
            rows.append((*fields, prev_hash, digest, ledger.CURRENT_RECIPE))
            prev_hash = digest
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        generated += len(rows)
    return {"generated_events": generated, "generate_seconds": round(time.perf_counter() - started, 3)}


def bench_verify() -> dict:
    from aims.core import ledger

    started, cpu = time.perf_counter(), cpu_seconds()
    result = ledger.verify()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    single_started = time.perf_counter()
    single = ledger.verify(parallel=False)
    single_seconds = time.perf_counter() - single_started
    return {"verify_events": result.count, "verify_seconds": round(seconds, 3),
            "verify_events_per_s": round(result.count / seconds, 1), "verify_ok": result.ok and single.ok,
            "verify_cpu_seconds": round(cpu, 3), "verify_events_per_cpu_s": round(result.count / cpu, 1) if cpu else None,
            "verify_single_process_events_per_s": round(single.count / single_seconds, 1)}


def run_sqlite(scale: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="aims-bench-") as data_dir:
        setup_django(data_dir, None)
        figures = bench_appends(max(1, int(APPENDS_AT_SCALE_1 * scale)))
        figures.update(fill_ledger_to(max(1, int(VERIFY_AT_SCALE_1 * scale))))
        figures.update(bench_verify())
        from django.db import connections

        connections.close_all()
    return figures


# --- PostgreSQL: concurrent writers ----------------------------------------------------------------------------

def _writer(args) -> dict:
    """One writer process: its own connection, `changes` service calls on its own unit."""
    admin_id, unit_id, changes, index = args
    from django.db import connection

    from aims.core import services
    from aims.core.models import OrgUnit, User

    errors = []
    actor, unit = User.objects.get(pk=admin_id), OrgUnit.objects.get(pk=unit_id)
    started = time.time()
    done = 0
    for n in range(changes):
        try:
            unit = services.update_org_unit(actor=actor, unit=unit, changes={"name": f"Writer {index} r{n}"},
                                            reason="bench-writer")
            done += 1
        except Exception as exc:  # noqa: BLE001 (counted and reported, the run goes on)
            errors.append(repr(exc)[:200])
            unit.refresh_from_db()
    finished = time.time()
    connection.close()
    return {"started": started, "finished": finished, "done": done, "errors": errors}


def run_postgres_phase(url: str, scale: float) -> dict:
    """Runs in its own process (Django is configured once per process): scratch database, writers, verify, drop."""
    import multiprocessing

    import psycopg
    from psycopg import sql

    scratch = f"aims_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_libpq_url(url), autocommit=True) as admin_conn:
        admin_conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        with tempfile.TemporaryDirectory(prefix="aims-bench-pg-") as data_dir:
            setup_django(data_dir, _with_database(url, scratch))
            from django.db import connections

            from aims.core import ledger
            from aims.core.models import LedgerEvent

            admin, units = make_actor_and_units(PG_WRITERS)
            per_writer = max(1, int(PG_CHANGES_PER_WRITER_AT_SCALE_1 * scale))
            connections.close_all()  # never share a connection with forked children
            jobs = [(admin.pk, units[i].pk, per_writer, i) for i in range(PG_WRITERS)]
            with multiprocessing.get_context("fork").Pool(PG_WRITERS) as pool:
                results = pool.map(_writer, jobs)
            seconds = max(r["finished"] for r in results) - min(r["started"] for r in results)
            expected = PG_WRITERS * per_writer
            found = LedgerEvent.objects.filter(reason="bench-writer").count()
            started = time.perf_counter()
            result = ledger.verify()
            verify_seconds = time.perf_counter() - started
            connections.close_all()
    finally:
        with psycopg.connect(_libpq_url(url), autocommit=True) as admin_conn:
            admin_conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
    errors = [e for r in results for e in r["errors"]]
    return {
        "pg_writers": PG_WRITERS, "pg_events": expected, "pg_seconds": round(seconds, 3),
        "pg_events_per_s": round(sum(r["done"] for r in results) / seconds, 1) if seconds > 0 else None,
        "pg_broken_chain": not result.ok, "pg_lost_events": expected - found, "pg_writer_errors": len(errors),
        "pg_first_error": errors[0] if errors else "", "pg_verify_events": result.count,
        "pg_verify_events_per_s": round(result.count / verify_seconds, 1),
    }


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1] if url.startswith("postgres://") else url


def _with_database(url: str, name: str) -> str:
    head, _sep, _old = url.split("?", 1)[0].rpartition("/")
    query = url.split("?", 1)[1] if "?" in url else ""
    return f"{head}/{name}" + (f"?{query}" if query else "")


def run_postgres(url: str, scale: float) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, __file__, "--phase", "postgres", "--scale", str(scale), "--postgres", url,
                        "--json", out.name], check=True, cwd=ROOT)
        return json.loads(Path(out.name).read_text())


# --- Driver ------------------------------------------------------------------------------------------------------

def summary(figures: dict) -> str:
    def goal(key):
        target = GOALS[key]
        return f"(goal >= {target:,}: {'met' if figures[key] >= target else 'NOT met'})"

    lines = [
        f"ledger benchmark, scale {figures['scale']} on {figures['machine']['cpus']} CPU(s), "
        f"load average {figures['load_average_before']} -> {figures.get('load_average_after')}",
        f"  appends via services (SQLite): {figures['sqlite_appends']:,} in {figures['sqlite_append_seconds']} s"
        f" = {figures['sqlite_appends_per_s']:,.0f} changes/s {goal('sqlite_appends_per_s')}"
        f" [{figures['sqlite_appends_per_cpu_s'] or 0:,.0f} per CPU-second]",
        f"  verify: {figures['verify_events']:,} events in {figures['verify_seconds']} s"
        f" = {figures['verify_events_per_s']:,.0f} events/s {goal('verify_events_per_s')}, intact: {figures['verify_ok']}"
        f" [{figures['verify_events_per_cpu_s'] or 0:,.0f} per CPU-second; one process: "
        f"{figures['verify_single_process_events_per_s']:,.0f}/s]",
    ]
    if figures.get("pg_writers"):
        lines.append(
            f"  PostgreSQL, {figures['pg_writers']} concurrent writers: {figures['pg_events']:,} events in "
            f"{figures['pg_seconds']} s = {figures['pg_events_per_s']:,.0f} events/s, broken chain: "
            f"{figures['pg_broken_chain']}, lost events: {figures['pg_lost_events']}, errors: {figures['pg_writer_errors']}")
    else:
        lines.append(f"  PostgreSQL: not run ({figures.get('pg_skipped', '')})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.01 runs in seconds)")
    parser.add_argument("--json", required=True, help="where to write the figures")
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL URL for the concurrent-writers part (default: DATABASE_URL)")
    parser.add_argument("--phase", choices=["postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase == "postgres":
        Path(args.json).write_text(json.dumps(run_postgres_phase(args.postgres, args.scale)))
        return 0

    figures: dict = {
        "benchmark": "ledger", "scale": args.scale,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "goals": GOALS, "load_average_before": _load(),
    }
    figures.update(run_sqlite(args.scale))
    if args.postgres and args.postgres.startswith(("postgres://", "postgresql://")):
        figures.update(run_postgres(args.postgres, args.scale))
    else:
        figures["pg_skipped"] = "no --postgres URL or DATABASE_URL given"
    figures["load_average_after"] = _load()
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
