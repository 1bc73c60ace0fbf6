"""Monitoring benchmark: drift against Evidently itself, measurement ingestion through the API, and the three
dashboards at portfolio scale.

    pip install -e '.[bench]'          # Evidently (pinned), the peer library: a benchmark dependency only
    python benchmarks/monitoring.py [--rows N] [--systems N] [--days N] [--repeat N] [--skip PART] --json OUT

drift       Reference and current samples of --rows rows (1,000,000) x 20 columns of mixed types (10 floats, 2 wide
            and 2 narrow integers, 4 text categories, 2 booleans; 10 columns shifted in the current sample), written
            as Parquet. Each engine runs in a process of its own, so its peak memory (ru_maxrss) is its own:
              aims       readers.read_pair + engine.run from the two files (reading included), and the same process's
                         wall time from start to exit;
              evidently  pandas.read_parquet (timed apart), then Report([DataDriftPreset()]).run and snapshot.dict()
                         (the report alone is compared: the floor most favourable to Evidently).
            Verdicts are compared column by column (method, score within 1e-6 relative, drift) and as a dataset.
            Goal: AIMS at least 10 times faster than Evidently with identical verdicts.
ingest      100,000 values pushed through POST /api/v1/monitoring/measurements in 10 calls of 10,000 (Django's test
            client, with a personal token), into a database already holding the dashboards' year; floor: the same
            rows inserted by plain SQL. Goal: at most 10 s.
dashboards  --systems (1,000) systems x 10 KPIs x --days (365) days of daily values (3.65 million measurements and
            as many daily aggregates, written by plain SQL; rollups computed by SQL), then the operational, tactical
            and strategic pages for an AIMS manager (organisation-wide) and a system owner (one unit): p50/p95 server
            time, CPU, and the queries per request (min = max: constant). Goal: p95 <= 150 ms on SQLite.

Every figure has its CPU time beside the wall time, and the load average is recorded: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    ROOT, as_a_server_process, cpu_seconds, load_average, machine, setup_django, time_requests,
)

GOALS = {"drift_speedup_min": 10, "ingest_seconds_max": 10, "dashboard_p95_ms_max": 150}
SHIFTED = ("num_0", "num_1", "num_2", "num_3", "num_4", "int_wide_0", "int_cat_0", "cat_0", "cat_1", "bool_0")
EVIDENTLY_METHODS = {"K-S p_value": "ks", "chi-square p_value": "chisquare", "Z-test p_value": "z",
                     "Wasserstein distance (normed)": "wasserstein", "Jensen-Shannon distance": "jensenshannon",
                     "PSI": "psi"}


# --- Drift ----------------------------------------------------------------------------------------------------------

def make_samples(folder: Path, rows: int, seed: int = 42) -> tuple[Path, Path]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = []
    for name, shifted in (("reference", False), ("current", True)):
        rng = np.random.default_rng(seed + shifted)
        columns = {}
        for i in range(10):
            shift = shifted and f"num_{i}" in SHIFTED
            scale = 1.6 if shift and i == 3 else 1.0
            columns[f"num_{i}"] = rng.normal(0.4 if shift and i != 3 else 0.0, scale, rows) * (10 ** (i % 4))
        for i in range(2):
            low = 150 if shifted and i == 0 else 0
            columns[f"int_wide_{i}"] = rng.integers(low, 1000 + low, rows)
        for i in range(2):
            weights = np.array([5, 4, 3, 2, 2, 1, 1], dtype=float)
            if shifted and i == 0:
                weights = weights[::-1]
            columns[f"int_cat_{i}"] = rng.choice(7, rows, p=weights / weights.sum())
        for i, size in enumerate((4, 8, 20, 50)):
            labels = np.array([f"c{i}_{k}" for k in range(size)])
            weights = np.linspace(1, 3, size)
            if shifted and i in (0, 1):
                weights = weights[::-1] ** 2
            columns[f"cat_{i}"] = labels[rng.choice(size, rows, p=weights / weights.sum())]
        for i in range(2):
            columns[f"bool_{i}"] = rng.random(rows) < (0.55 if shifted and i == 0 else 0.3)
        path = folder / f"{name}.parquet"
        pq.write_table(pa.table(columns), path)
        paths.append(path)
    return paths[0], paths[1]


def drift_child(engine: str, reference: str, current: str) -> None:
    """Run one engine and print its figures as JSON (peak memory is this process's own)."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    if engine == "aims":
        sys.path.insert(0, str(ROOT / "src"))
        from aims.monitoring.drift import engine as drift_engine
        from aims.monitoring.drift import readers

        started, started_cpu = time.perf_counter(), time.process_time()
        columns = readers.read_pair(reference, "parquet", current, "parquet")
        read_s = time.perf_counter() - started
        result = drift_engine.run(columns)
        figures = {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - started_cpu,
                   "read_seconds": read_s,
                   "columns": {c.name: {"method": c.method, "score": c.statistic, "drifted": c.drifted}
                               for c in result.columns if c.kind != "skipped"},
                   "dataset_drift": result.dataset_drift, "share": result.share}
    else:
        import pandas as pd
        from evidently import Report
        from evidently.presets import DataDriftPreset

        started = time.perf_counter()
        reference_frame, current_frame = pd.read_parquet(reference), pd.read_parquet(current)
        read_s = time.perf_counter() - started
        started, started_cpu = time.perf_counter(), time.process_time()
        snapshot = Report([DataDriftPreset()]).run(current_data=current_frame, reference_data=reference_frame)
        metrics = snapshot.dict()["metrics"]
        seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        columns, share, count = {}, None, None
        for metric in metrics:
            config = metric["config"]
            if config["type"].endswith("ValueDrift"):
                method = EVIDENTLY_METHODS[config["method"]]
                score, threshold = float(metric["value"]), float(config["threshold"])
                drifted = score <= threshold if method == "ks" else score < threshold \
                    if method in ("chisquare", "z") else score >= threshold
                columns[config["column"]] = {"method": method, "score": score, "drifted": bool(drifted)}
            elif config["type"].endswith("DriftedColumnsCount"):
                count, share = metric["value"]["count"], metric["value"]["share"]
        figures = {"seconds": seconds, "cpu_seconds": cpu, "read_seconds": read_s, "columns": columns,
                   "drifted_count": count, "share": share, "dataset_drift": share is not None and share >= 0.5}
    figures["process_seconds"] = time.perf_counter() - wall0
    figures["process_cpu_seconds"] = time.process_time() - cpu0
    figures["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures))


def _run_child(engine: str, reference: Path, current: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--drift-child", engine, str(reference), str(current)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout)[-3000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_drift(rows: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="aims-drift-bench-") as folder:
        started = time.perf_counter()
        reference, current = make_samples(Path(folder), rows)
        generated = time.perf_counter() - started
        aims = _run_child("aims", reference, current)
        try:
            from importlib.metadata import PackageNotFoundError, version as installed

            version = installed("evidently")
        except PackageNotFoundError:
            version = None
        peer = _run_child("evidently", reference, current) if version else {"error": "evidently is not installed: "
                                                                              "pip install -e '.[bench]'"}
    result = {"rows": rows, "columns": 20, "generate_seconds": round(generated, 1), "aims": aims,
              "evidently_version": version, "evidently": peer}
    if "error" in aims or "error" in peer:
        return result
    differences = []
    for name, ours in aims["columns"].items():
        theirs = peer["columns"].get(name)
        if theirs is None:
            differences.append(f"{name}: not tested by Evidently")
            continue
        relative = abs(ours["score"] - theirs["score"]) / max(abs(theirs["score"]), 1e-12)
        if ours["method"] != theirs["method"] or ours["drifted"] != theirs["drifted"] or relative > 1e-6:
            differences.append(f"{name}: aims {ours} / evidently {theirs}")
    for name in set(peer["columns"]) - set(aims["columns"]):
        differences.append(f"{name}: not tested by AIMS")
    result.update({
        "identical_verdicts": not differences and aims["dataset_drift"] == peer["dataset_drift"],
        "differences": differences,
        "drifted_columns": sorted(n for n, c in aims["columns"].items() if c["drifted"]),
        "speedup_report": round(peer["seconds"] / aims["seconds"], 1),
        "speedup_report_cpu": round(peer["cpu_seconds"] / aims["cpu_seconds"], 1),
        "speedup_with_reading": round((peer["seconds"] + peer["read_seconds"]) / aims["seconds"], 1),
    })
    for side in (aims, peer):
        side.pop("columns", None)
    return result


# --- Dashboards and ingestion (Django) ------------------------------------------------------------------------------

KPI_KEYS = ("accuracy", "recall", "latency", "uptime", "fairness_gap", "usage_rate", "satisfaction", "roi",
            "automation_rate", "nps")
UNITS = 50


def generate_portfolio(systems: int, days: int) -> dict:
    """Units, people, systems and KPIs through bulk_create; a year of daily values and aggregates by plain SQL."""
    from datetime import UTC, datetime, timedelta

    import numpy as np
    from django.db import connection, transaction

    from aims.core.models import OrgUnit, RoleAssignment, User
    from aims.inventory.models import AISystem
    from aims.monitoring import catalog
    from aims.monitoring.models import DailyRollup, Kpi, KpiDaily, Measurement, WeeklyRollup

    started = time.perf_counter()
    rng = np.random.default_rng(7)
    today = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        root = OrgUnit.objects.create(name="Bench", code="bench", path="")
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
        units = OrgUnit.objects.bulk_create([OrgUnit(name=f"Unit {i}", code=f"u{i}", parent=root)
                                             for i in range(UNITS)])
        for unit in units:
            unit.path = f"{root.path}{unit.pk}/"
        OrgUnit.objects.bulk_update(units, ["path"])
        manager = User.objects.create_user(username="manager@example.com", email="manager@example.com",
                                           password="x" * 12, first_name="Max", last_name="Manager")
        RoleAssignment.objects.create(role="aims_manager", user=manager)
        owners = User.objects.bulk_create([User(username=f"owner{i}@example.com", email=f"owner{i}@example.com",
                                                first_name="Owner", last_name=str(i)) for i in range(UNITS)])
        RoleAssignment.objects.bulk_create([RoleAssignment(role="system_owner", user=o, unit=u)
                                            for o, u in zip(owners, units)])
        ai_systems = AISystem.objects.bulk_create([AISystem(
            name=f"System {i:04d}", reference_code=f"AIS-B{i:05d}", unit=units[i % UNITS], owner=owners[i % UNITS],
            stage="operation") for i in range(systems)])
        entries = {key: catalog.kpi_entry(key) for key in KPI_KEYS}
        kpis = []
        for system in ai_systems:
            for key in KPI_KEYS:
                entry, suggested = entries[key], entries[key].get("suggested") or {}
                kpis.append(Kpi(system=system, key=key, catalogue_key=key, family=entry["family"],
                                unit=entry.get("unit", ""), direction=entry["direction"], frequency="daily",
                                owner=system.owner, target=suggested.get("target"), warning=suggested.get("warning"),
                                critical=suggested.get("critical")))
        kpis = Kpi.objects.bulk_create(kpis, batch_size=2000)
    day_list = [(today - timedelta(days=d)) for d in range(days - 1, -1, -1)]
    quote = connection.ops.quote_name
    m_table, d_table = quote(Measurement._meta.db_table), quote(KpiDaily._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    moments = [adapt(d) for d in day_list]
    dates = [d.date() for d in day_list]
    latest = []
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(kpis), 200):
            m_rows, d_rows = [], []
            for kpi in kpis[start:start + 200]:
                base = (kpi.target or kpi.warning or 50) * (1 if kpi.direction == "higher" else 0.8)
                values = base + rng.normal(0, abs(base) * 0.05 + 1, days)
                statuses = [kpi.status_for(float(v)) for v in values]
                m_rows += [(kpi.pk, moments[i], dates[i], float(values[i])) for i in range(days)]
                d_rows += [(kpi.pk, dates[i], 1, float(values[i]), float(values[i]), float(values[i]), statuses[i])
                           for i in range(days)]
                latest.append((kpi, float(values[-1]), statuses[-1]))
            cursor.executemany(f"INSERT INTO {m_table} (kpi_id, measured_at, day, value) VALUES (%s, %s, %s, %s)",
                               m_rows)
            cursor.executemany(f"INSERT INTO {d_table} (kpi_id, day, count, mean, minimum, maximum, status) "
                               "VALUES (%s, %s, %s, %s, %s, %s, %s)", d_rows)
    for kpi, value, status in latest:
        kpi.last_value, kpi.last_measured_at, kpi.status = value, today, status
    Kpi.objects.bulk_update([k for k, _v, _s in latest], ["last_value", "last_measured_at", "status"],
                            batch_size=2000)
    _sql_rollups(DailyRollup, WeeklyRollup, KpiDaily, Kpi, AISystem)
    return {"systems": systems, "kpis": len(kpis), "days": days, "measurements": len(kpis) * days,
            "generate_seconds": round(time.perf_counter() - started, 1), "manager": manager, "owner": owners[0]}


def _sql_rollups(DailyRollup, WeeklyRollup, KpiDaily, Kpi, AISystem) -> None:  # noqa: N803 (models)
    from django.db import connection, transaction

    q = connection.ops.quote_name
    monday = ("date(d.day, '-' || ((CAST(strftime('%w', d.day) AS INTEGER) + 6) % 7) || ' days')"
              if connection.vendor == "sqlite" else "date_trunc('week', d.day)::date")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {q(DailyRollup._meta.db_table)} (unit_id, day, week, catalogue_key, family, kpis, ok, warning,
                                                         critical, value_sum)
            SELECT s.unit_id, d.day, {monday}, k.catalogue_key, k.family, COUNT(*),
                   SUM(CASE WHEN d.status = 'ok' THEN 1 ELSE 0 END), SUM(CASE WHEN d.status = 'warning' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN d.status = 'critical' THEN 1 ELSE 0 END), SUM(d.mean)
            FROM {q(KpiDaily._meta.db_table)} d JOIN {q(Kpi._meta.db_table)} k ON k.id = d.kpi_id
                 JOIN {q(AISystem._meta.db_table)} s ON s.id = k.system_id
            GROUP BY s.unit_id, d.day, k.catalogue_key, k.family""")
        cursor.execute(f"""
            INSERT INTO {q(WeeklyRollup._meta.db_table)} (unit_id, week, catalogue_key, family, kpis, ok, warning,
                                                          critical, value_sum)
            SELECT unit_id, week, catalogue_key, family, SUM(kpis), SUM(ok), SUM(warning), SUM(critical), SUM(value_sum)
            FROM {q(DailyRollup._meta.db_table)} GROUP BY unit_id, week, catalogue_key, family""")
    from aims.core.tasks import refresh_statistics

    refresh_statistics()  # the daily job: what a production database has


def bench_dashboards(portfolio: dict, repeat: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    figures = {}
    for who in ("manager", "owner"):
        client = Client()
        client.force_login(portfolio[who])
        for name in ("dashboard", "tactical", "strategic"):
            urls = [reverse(f"monitoring:{name}")]
            if name == "dashboard":
                urls += [urls[0] + "?page=5", urls[0] + "?page=50"]
            figures[f"{who}_{name}"] = time_requests(client, urls, repeat)
    return figures


def bench_ingest(portfolio: dict, total: int = 100_000, batch: int = 10_000) -> dict:
    """Push `total` values through the API in calls of `batch`, timed end to end; then the plain-SQL floor."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection, transaction
    from django.test import Client

    from aims.core import services as core
    from aims.monitoring.models import Kpi, Measurement

    manager = portfolio["manager"]
    _token, secret = core.create_api_token(actor=manager, name="bench", scopes=("read", "write"))
    kpis = list(Kpi.objects.order_by("pk").values_list("pk", flat=True)[:1000])
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=portfolio["days"] + 30)
    per_kpi = total // len(kpis)
    rows = [{"kpi_id": kpi, "at": (start + timedelta(hours=h)).isoformat(), "value": 50.0 + (h % 7)}
            for kpi in kpis for h in range(per_kpi)]
    bodies = [json.dumps({"measurements": rows[i:i + batch]}) for i in range(0, len(rows), batch)]
    client = Client()
    statuses, started, started_cpu = [], time.perf_counter(), cpu_seconds()
    for body in bodies:
        response = client.post("/api/v1/monitoring/measurements", body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {secret}")
        statuses.append(response.status_code)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - started_cpu
    stored = Measurement.objects.filter(measured_at__lt=start + timedelta(hours=per_kpi)).count()
    # Floor: the same rows written by plain SQL (then removed), no validation, aggregates, ledger nor HTTP.
    table = connection.ops.quote_name(Measurement._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    floor_rows = [(kpi, adapt(start - timedelta(days=60, hours=h)), (start - timedelta(days=60, hours=h)).date(),
                   1.0) for kpi in kpis for h in range(per_kpi)]
    floor_started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} (kpi_id, measured_at, day, value) VALUES (%s, %s, %s, %s)",
                           floor_rows)
    floor = time.perf_counter() - floor_started
    return {"values": len(rows), "calls": len(bodies), "statuses": sorted(set(statuses)), "stored": stored,
            "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
            "values_per_second": round(len(rows) / seconds), "floor_sql_seconds": round(floor, 2),
            "ratio_to_floor": round(seconds / floor, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--systems", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip", action="append", default=[], choices=["drift", "ingest", "dashboards"])
    parser.add_argument("--json", required=False)
    parser.add_argument("--drift-child", nargs=3, metavar=("ENGINE", "REFERENCE", "CURRENT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drift_child:
        drift_child(*args.drift_child)
        return 0
    started, started_cpu = time.perf_counter(), cpu_seconds()
    result = {"benchmark": "monitoring", "machine": machine(), "load_average_start": load_average(), "goals": GOALS}
    if "drift" not in args.skip:
        result["drift"] = bench_drift(args.rows)
        print(json.dumps({"drift": {k: v for k, v in result["drift"].items() if k not in ("aims", "evidently")}},
                         indent=1), flush=True)
    if "dashboards" not in args.skip or "ingest" not in args.skip:
        with tempfile.TemporaryDirectory(prefix="aims-monitoring-bench-") as data_dir:
            setup_django(data_dir)
            portfolio = generate_portfolio(args.systems, args.days)
            result["portfolio"] = {k: v for k, v in portfolio.items() if k not in ("manager", "owner")}
            as_a_server_process()
            if "dashboards" not in args.skip:
                result["dashboards"] = bench_dashboards(portfolio, args.repeat)
            if "ingest" not in args.skip:
                result["ingest"] = bench_ingest(portfolio)
    result.update({"seconds": round(time.perf_counter() - started, 1),
                   "cpu_seconds": round(cpu_seconds() - started_cpu, 1), "load_average_end": load_average()})
    text = json.dumps(result, indent=1, default=str)
    if args.json:
        Path(args.json).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
