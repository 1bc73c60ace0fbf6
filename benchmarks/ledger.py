"""Ledger benchmark: AI-system changes through the service layer, `aims ledger verify` as the user runs it, signed
checkpoints, concurrent writers on PostgreSQL.

    python benchmarks/ledger.py [--scale N] --json OUT [--postgres URL]

Figures (one JSON object written to OUT, a summary printed; wall time beside CPU time, and each figure beside the
floor it is compared with, measured in the same run):
  appends_per_s          changes made through inventory.services.update_system on a fresh SQLite database
                         (20,000 x scale), each a transaction rewriting the system's text fields, so each event holds
                         a full ~2.5 KB snapshot (before and after); checkpoints on (the defaults: every 1,000 events
                         and every 60 s). Goal >= 1,000/s. Floor: the same UPDATE and INSERT of the same event in
                         plain sqlite3, one transaction each.
  checkpoint_*           the same changes with checkpoints off, and with a checkpoint after every change: the cost of
                         signing (Ed25519, file append, fsync) as a ratio.
  verify_events_per_s    `aims ledger verify` run as a command, process start to exit, over 1,000,000 x scale events
                         (the appended ones, then correctly chained rows bulk-inserted: one in four a full ~2.5 KB
                         snapshot, the others ~200 bytes, a signed checkpoint every 1,000). Goal >= 200,000/s. Floor:
                         plain JSON encoding plus SHA-256 of the same events in one process, rows already in memory.
  pg_*                   8 writer processes appending through the service layer at once on PostgreSQL
                         (2,500 x scale changes each), then verify: events/s, broken chain, lost events.
                         Only when --postgres URL or DATABASE_URL is given; a scratch database is created on that
                         server (the role needs CREATEDB) and dropped afterwards.
The load average is recorded before and after: the reference machine is shared, so wall times move with the
neighbours and CPU times are the steadier figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPENDS_AT_SCALE_1 = 20_000
SIGNING_COMPARISON_AT_SCALE_1 = 3_000
VERIFY_AT_SCALE_1 = 1_000_000
SNAPSHOT_EVERY = 4  # one event in four is a full snapshot
CHECKPOINT_EVERY = 1_000
PG_WRITERS = 8
PG_CHANGES_PER_WRITER_AT_SCALE_1 = 2_500
SYSTEMS = 50
GOALS = {"appends_per_s": 1_000, "verify_events_per_s": 200_000}

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cpu_seconds, setup_django  # noqa: E402  (shared with the other benchmarks)
from _common import load_average as _load  # noqa: E402

TEXT_FIELDS = ("name", "purpose", "intended_use", "human_oversight", "users_and_affected", "value", "escalation_path")


def full_edit(i: int) -> dict:
    """Every text field rewritten (about 170 characters each): the event carries ~2.5 KB of before and after."""
    words = f"revision {i}: " + "the model scores applications against the bank's published criteria; " * 2
    return {field: (f"System r{i}" if field == "name" else f"{field} {words}")[:170] for field in TEXT_FIELDS}


def make_systems(count: int):
    """An administrator, a unit and `count` AI systems (set-up, not measured)."""
    from aims.core import services
    from aims.core.models import RoleAssignment, User
    from aims.inventory.services import create_system

    admin = User.objects.create(username="bench@example.com", email="bench@example.com", first_name="Bench")
    RoleAssignment.objects.create(role="administrator", user=admin)
    unit = services.create_org_unit(actor=admin, name="Benchmark", code="bench-root")
    systems = [create_system(actor=admin, name=f"System {i}", unit=unit, owner=admin, **{
        k: v for k, v in full_edit(-i).items() if k != "name"}) for i in range(count)]
    return admin, unit, systems


def run_changes(admin, systems, count: int, start: int = 0) -> tuple[float, float]:
    """`count` full edits through the service, one transaction each; (wall seconds, CPU seconds)."""
    from aims.inventory.services import update_system

    started, cpu = time.perf_counter(), cpu_seconds()
    for i in range(start, start + count):
        slot = i % len(systems)
        systems[slot] = update_system(actor=admin, system=systems[slot], changes=full_edit(i))
    return time.perf_counter() - started, cpu_seconds() - cpu


def bench_appends(scale: float) -> dict:
    from django.conf import settings

    from aims.core import ledger_checkpoints
    from aims.core.models import LedgerEvent

    count = max(10, int(APPENDS_AT_SCALE_1 * scale))
    admin, _unit, systems = make_systems(min(SYSTEMS, count))
    run_changes(admin, systems, min(200, count), start=10**6)  # warm-up (caches, first checkpoint)
    before = len(ledger_checkpoints.checkpoints.read(ledger_checkpoints.checkpoint_path()).records)
    seconds, cpu = run_changes(admin, systems, count)
    signed = len(ledger_checkpoints.checkpoints.read(ledger_checkpoints.checkpoint_path()).records) - before
    event = LedgerEvent.objects.order_by("-id").first()
    figures = {"appends": count, "append_seconds": round(seconds, 3), "appends_per_s": round(count / seconds, 1),
               "append_cpu_seconds": round(cpu, 3), "appends_per_cpu_s": round(count / cpu, 1) if cpu else None,
               "append_event_bytes": len(event.before) + len(event.after) + len(event.object_label),
               "append_checkpoints_written": signed}
    # The cost of signing: the same changes with checkpoints off, then with one after every change.
    comparison = max(50, int(SIGNING_COMPARISON_AT_SCALE_1 * scale))
    for label, every in (("off", 0), ("every_change", 1)):
        settings.LEDGER_CHECKPOINT_EVERY, settings.LEDGER_CHECKPOINT_SECONDS = every, 0
        seconds, cpu = run_changes(admin, systems, comparison, start=2 * 10**6)
        figures[f"checkpoints_{label}_appends_per_s"] = round(comparison / seconds, 1)
        figures[f"checkpoints_{label}_cpu_ms_per_change"] = round(cpu * 1000 / comparison, 3)
    settings.LEDGER_CHECKPOINT_EVERY, settings.LEDGER_CHECKPOINT_SECONDS = CHECKPOINT_EVERY, 60
    off = figures["checkpoints_off_cpu_ms_per_change"]
    figures["signing_cost_ratio_every_change"] = ratio(figures["checkpoints_every_change_cpu_ms_per_change"], off)
    per_cpu_s = figures["appends_per_cpu_s"]  # None when a tiny run took no measurable CPU time
    figures["signing_cost_ratio_default"] = ratio(1000 / per_cpu_s, off) if per_cpu_s else None
    figures.update(append_floor(count))
    figures["appends_ratio_to_floor"] = ratio(figures["append_floor_per_s"], figures["appends_per_s"])
    return figures


def ratio(numerator, denominator, digits: int = 3):
    """numerator / denominator, or None when either is unknown (a tiny --scale can measure 0 CPU-seconds)."""
    return round(numerator / denominator, digits) if numerator and denominator else None


def append_floor(count: int) -> dict:
    """The floor: the same row UPDATE and event INSERT (hashed the same way) in plain sqlite3, one transaction each,
    on a scratch database with the same two tables' shape."""
    from aims.core import ledger_chain

    with tempfile.TemporaryDirectory(prefix="aims-bench-floor-") as folder:
        db = sqlite3.connect(Path(folder) / "floor.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE system (id INTEGER PRIMARY KEY, version INTEGER, " +
                   ", ".join(f"{f} TEXT" for f in TEXT_FIELDS) + ")")
        db.execute(f"CREATE TABLE ledger ({', '.join(ledger_chain.COLUMNS)})")
        db.executemany("INSERT INTO system VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
                       [(i, *full_edit(-i).values()) for i in range(SYSTEMS)])
        prev, started, cpu = ledger_chain.GENESIS, time.perf_counter(), cpu_seconds()
        assignments = ", ".join(f"{f} = ?" for f in TEXT_FIELDS)
        for i in range(count):
            values = full_edit(i)
            db.execute("BEGIN IMMEDIATE")
            old = db.execute(f"SELECT {', '.join(TEXT_FIELDS)} FROM system WHERE id = ?", (i % SYSTEMS,)).fetchone()
            db.execute(f"UPDATE system SET {assignments}, version = version + 1 WHERE id = ?",
                       (*values.values(), i % SYSTEMS))
            before = json.dumps(dict(zip(TEXT_FIELDS, old)), sort_keys=True, separators=(",", ":"))
            after = json.dumps(values, sort_keys=True, separators=(",", ":"))
            created = f"2025-01-01 00:00:00.{i % 10**6:06d}"
            texts = ("bench@example.com", "inventory.aisystem.update", "inventory.aisystem", str(i % SYSTEMS),
                     values["name"], before, after, "", "")
            digest = ledger_chain.hash_v2(prev, i + 1, created, 1, *texts)
            db.execute(f"INSERT INTO ledger VALUES ({', '.join(['?'] * 15)})",
                       (i + 1, created, 1, *texts, prev, digest, 2))
            db.execute("COMMIT")
            prev = digest
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        db.close()
    return {"append_floor_per_s": round(count / seconds, 1), "append_floor_cpu_s": round(cpu, 3)}


# --- Verification of a million events, as the user runs it -----------------------------------------------------

def small_event(seq: int) -> tuple:
    return ("bench@example.com", "core.orgunit.update", "core.orgunit", str(seq % 100), f"Unit {seq % 100}",
            json.dumps({"name": f"Unit r{seq - 1}"}), json.dumps({"name": f"Unit r{seq}"}), "",
            uuid.uuid4().hex)


def snapshot_event(seq: int) -> tuple:
    before = json.dumps(full_edit(seq - 1), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    after = json.dumps(full_edit(seq), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return ("bench@example.com", "inventory.aisystem.update", "inventory.aisystem", str(seq % SYSTEMS),
            f"AIS-{seq % SYSTEMS:05d} · System r{seq}", before, after, "", uuid.uuid4().hex)


def fill_ledger_to(total: int, batch: int = 20_000) -> dict:
    """Append correctly chained rows straight into the table until it holds `total` events, signing a checkpoint
    every CHECKPOINT_EVERY events (fast, not through the services)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from aims.core import checkpoints, ledger, ledger_checkpoints
    from aims.core.models import LedgerEvent

    last = LedgerEvent.objects.order_by("-id").values_list("id", "hash", "actor_id").first()
    seq, prev_hash, actor_id = (last or (0, ledger.GENESIS, None))
    if seq >= total:
        return {"generated_events": 0, "generate_seconds": 0.0}
    columns = ", ".join(connection.ops.quote_name(c) for c in ledger.COLUMNS)
    sql = f"INSERT INTO core_ledgerevent ({columns}) VALUES ({', '.join(['%s'] * len(ledger.COLUMNS))})"
    key, path = ledger_checkpoints.private_key(), ledger_checkpoints.checkpoint_path()
    base = timezone.now()
    started, generated, sizes = time.perf_counter(), 0, []
    while seq < total:
        rows = []
        for _ in range(min(batch, total - seq)):
            seq += 1
            created = ledger.canonical_time(base + timedelta(microseconds=seq))
            texts = snapshot_event(seq) if seq % SNAPSHOT_EVERY == 0 else small_event(seq)
            digest = ledger.hash_v2(prev_hash, seq, created, actor_id, *texts)
            rows.append((seq, created, actor_id, *texts, prev_hash, digest, ledger.CURRENT_RECIPE))
            prev_hash = digest
            if seq % CHECKPOINT_EVERY == 0:
                checkpoints.append(path, checkpoints.make(key, seq, digest, created))
        sizes.append(sum(len(t) for t in rows[-1][3:12]))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        generated += len(rows)
    return {"generated_events": generated, "generate_seconds": round(time.perf_counter() - started, 3)}


def event_sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT avg(length(before) + length(after) + length(object_label) + length(reason)), "
                       "sum(length(after) > 1000) * 1.0 / count(*) FROM core_ledgerevent")
        average, share = cursor.fetchone()
    return {"verify_event_average_bytes": round(average), "verify_snapshot_share": round(share, 3)}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_verify_command(data_dir: str) -> dict:
    """`aims ledger verify` in a process of its own, timed from its start to its exit (with its worker processes)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_SETTINGS"))},
           "AIMS_DATA_DIR": data_dir}
    aims = Path(sys.executable).with_name("aims")
    command = [str(aims)] if aims.exists() else [sys.executable, "-m", "aims.cli"]
    runs = []
    for _ in range(3):
        cpu, started = children_cpu(), time.perf_counter()
        done = subprocess.run([*command, "ledger", "verify"], env=env, capture_output=True, text=True)
        runs.append((time.perf_counter() - started, children_cpu() - cpu, done))
    seconds, cpu, done = min(runs, key=lambda r: r[0])  # the best of three: the neighbours' noise only slows it
    count = int(done.stdout.split("ledger intact: ")[1].split(" ")[0]) if done.returncode == 0 else 0
    return {"verify_events": count, "verify_seconds": round(seconds, 3),
            "verify_events_per_s": round(count / seconds, 1) if count else 0, "verify_ok": done.returncode == 0,
            "verify_cpu_seconds": round(cpu, 3), "verify_events_per_cpu_s": round(count / cpu, 1) if cpu else None,
            "verify_runs_seconds": [round(r[0], 3) for r in runs], "verify_output": (done.stdout + done.stderr)[-400:],
            "verify_startup_seconds": round(startup_seconds(command, env), 3)}


def startup_seconds(command, env) -> float:
    """The command's fixed cost: `aims ledger verify --help` (start, imports, exit)."""
    started = time.perf_counter()
    subprocess.run([*command, "ledger", "verify", "--help"], env=env, capture_output=True)
    return time.perf_counter() - started


def verify_floor(database: Path, limit: int) -> dict:
    """The floor: JSON-encode each event's fields and SHA-256 it, one process, the rows already in memory."""
    connection = sqlite3.connect(database)
    rows = connection.execute("SELECT id, created_at, actor_id, actor_label, action, object_type, object_id, "
                              "object_label, before, after, reason, request_id, prev_hash FROM core_ledgerevent "
                              "ORDER BY id LIMIT ?", (limit,)).fetchall()
    connection.close()
    sha256, dumps = hashlib.sha256, json.dumps
    started, cpu = time.perf_counter(), time.process_time()
    for row in rows:
        sha256(f"{row[12]}\n{dumps(row[:12], separators=(',', ':'), ensure_ascii=False)}".encode()).hexdigest()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"verify_floor_events": len(rows), "verify_floor_events_per_s": round(len(rows) / seconds, 1),
            "verify_floor_events_per_cpu_s": round(len(rows) / cpu, 1) if cpu else None}


def run_sqlite(scale: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="aims-bench-") as data_dir:
        setup_django(data_dir, None)
        figures = bench_appends(scale)
        figures.update(fill_ledger_to(max(1, int(VERIFY_AT_SCALE_1 * scale))))
        figures.update(event_sizes())
        from django.db import connections

        connections.close_all()
        figures.update(bench_verify_command(data_dir))
        figures.update(verify_floor(Path(data_dir) / "aims.sqlite3", max(1, int(VERIFY_AT_SCALE_1 * scale))))
        figures["verify_ratio_to_floor"] = ratio(figures["verify_events_per_s"], figures["verify_floor_events_per_s"], 2)
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

    from aims.core.testing_databases import postgres_template

    scratch = f"aims_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    # A copy of the migrated template (migrating from nothing costs 45-60 CPU-seconds, more than this phase's work);
    # setup_django's migrate then applies nothing.
    template = postgres_template(_libpq_url(url))
    with psycopg.connect(_libpq_url(url), autocommit=True) as admin_conn:
        admin_conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(scratch),
                                                                          sql.Identifier(template)))
    try:
        with tempfile.TemporaryDirectory(prefix="aims-bench-pg-") as data_dir:
            setup_django(data_dir, _with_database(url, scratch))
            from django.db import connections

            from aims.core import ledger, services
            from aims.core.models import LedgerEvent, RoleAssignment, User

            admin = User.objects.create(username="bench@example.com", email="bench@example.com")
            RoleAssignment.objects.create(role="administrator", user=admin)
            root = services.create_org_unit(actor=admin, name="Benchmark", code="bench-root")
            units = [services.create_org_unit(actor=admin, name=f"Unit {i}", code=f"bench-{i}", parent=root)
                     for i in range(PG_WRITERS)]
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

def summary(f: dict) -> str:
    def goal(key):
        return f"(goal >= {GOALS[key]:,}: {'met' if f[key] >= GOALS[key] else 'NOT met'})"

    lines = [
        f"ledger benchmark, scale {f['scale']} on {f['machine']['cpus']} CPU(s), "
        f"load average {f['load_average_before']} -> {f.get('load_average_after')}",
        f"  AI-system changes via update_system (SQLite, ~{f['append_event_bytes']:,} B events, checkpoints on): "
        f"{f['appends']:,} in {f['append_seconds']} s = {f['appends_per_s']:,.0f}/s {goal('appends_per_s')}"
        f" [{f['appends_per_cpu_s'] or 0:,.0f} per CPU-second; floor, plain sqlite3: {f['append_floor_per_s']:,.0f}/s,"
        f" ratio {f['appends_ratio_to_floor']}x]",
        f"  signing: checkpoints off {f['checkpoints_off_cpu_ms_per_change']} CPU-ms/change, one per change "
        f"{f['checkpoints_every_change_cpu_ms_per_change']} (x{f['signing_cost_ratio_every_change']}), the defaults "
        f"x{f['signing_cost_ratio_default']}",
        f"  aims ledger verify (process start to exit, {f['verify_snapshot_share']:.0%} snapshots, "
        f"avg {f['verify_event_average_bytes']} B): {f['verify_events']:,} events in {f['verify_seconds']} s = "
        f"{f['verify_events_per_s']:,.0f} events/s {goal('verify_events_per_s')}, intact: {f['verify_ok']}"
        f" [{f['verify_cpu_seconds']} CPU-s, {f['verify_events_per_cpu_s'] or 0:,.0f} per CPU-second; start-up "
        f"{f['verify_startup_seconds']} s; floor, JSON + SHA-256 in memory on one core: "
        f"{f['verify_floor_events_per_s']:,.0f}/s, ratio {f['verify_ratio_to_floor']}x]",
    ]
    if f.get("pg_writers"):
        lines.append(
            f"  PostgreSQL, {f['pg_writers']} concurrent writers: {f['pg_events']:,} events in "
            f"{f['pg_seconds']} s = {f['pg_events_per_s']:,.0f} events/s, broken chain: "
            f"{f['pg_broken_chain']}, lost events: {f['pg_lost_events']}, errors: {f['pg_writer_errors']}")
    else:
        lines.append(f"  PostgreSQL: not run ({f.get('pg_skipped', '')})")
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
