"""Inventory benchmark: portfolio page and API list at 5,000 systems / 20,000 components, CSV and CycloneDX imports.

    python benchmarks/inventory.py [--scale N] --json OUT

Figures (one JSON object written to OUT, a summary printed), on a fresh SQLite database in a temporary AIMS_DATA_DIR
filled with bulk_create (5,000 x scale systems, 20,000 x scale components, four component links per system):
  page_*            the portfolio page (/inventory/), filtered, sorted and paginated, through Django's test Client as
                    an organisation-wide administrator and as a unit-scoped viewer: p50/p95 server time over the
                    requests and the number of queries per request (must not vary); goal p95 <= 150 ms.
  api_*             the same for the API list of systems, when the inventory API exists (api_url says which).
  csv_import_*      a CSV of 5,000 x scale new systems planned then applied through the importer (every row a
                    ledgered service call); goal <= 10 s for the apply. The background work an import queues (the
                    risk module's suggested risks for the new systems) is then run as a worker would, and timed
                    apart (csv_import_background_seconds): the person importing does not wait for it.
  cyclonedx_*       a CycloneDX 1.6 document of 1,000 x scale components (models, datasets, libraries) imported
                    into one system (schema validation included); goal <= 5 s. The one-time load of the schema
                    validation libraries in a fresh process is reported apart (cyclonedx_schema_load_seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger import _load, cpu_seconds, setup_django  # noqa: E402 (the house set-up, shared with the ledger benchmark)

SYSTEMS_AT_SCALE_1 = 5_000
COMPONENTS_AT_SCALE_1 = 20_000
CSV_ROWS_AT_SCALE_1 = 5_000
BOM_COMPONENTS_AT_SCALE_1 = 1_000
UNITS = 20
PEOPLE = 200
GOALS = {"page_p95_ms": 150, "api_p95_ms": 150, "csv_import_seconds": 10, "cyclonedx_import_seconds": 5}
API_CANDIDATES = ("/api/v1/systems", "/api/v1/inventory/systems")


def populate(systems: int, components: int) -> dict:
    """Units, people and the inventory, written with bulk_create (set-up, not measured)."""
    from django.contrib.auth.hashers import make_password

    from aims.core import services as core_services
    from aims.core.models import OrgUnit, RoleAssignment, User
    from aims.inventory.models import (
        STAGE_ORDER, AiActTier, AISystem, Component, ComponentKind, Criticality, Origin, SystemComponent,
    )

    started = time.perf_counter()
    admin = User.objects.create(username="bench@example.com", email="bench@example.com", first_name="Bench")
    RoleAssignment.objects.create(role="administrator", user=admin)
    root = core_services.create_org_unit(actor=admin, name="Benchmark", code="bench-root")
    units = [core_services.create_org_unit(actor=admin, name=f"Unit {i}", code=f"unit-{i}", parent=root)
             for i in range(UNITS)]
    unusable = make_password(None)
    User.objects.bulk_create([User(username=f"p{i}@example.com", email=f"p{i}@example.com", first_name=f"P{i}",
                                   last_name=f"Person {i:03d}", password=unusable, unit=units[i % UNITS])
                              for i in range(PEOPLE)], batch_size=500)
    people = list(User.objects.exclude(pk=admin.pk).order_by("pk"))
    # Owners must be able to run their systems (aims.core.assignment): every person owns systems across the units.
    RoleAssignment.objects.bulk_create([RoleAssignment(role="system_owner", user=person, unit=root) for person in people],
                                       batch_size=1000)
    viewer = User.objects.create(username="viewer@example.com", email="viewer@example.com", first_name="Viewer",
                                 password=unusable, unit=units[0])
    RoleAssignment.objects.create(role="viewer", user=viewer, unit=units[0])
    stages = [s for s in STAGE_ORDER if s != "retired"]
    tiers = list(AiActTier.values)
    criticalities = list(Criticality.values)
    today = date.today()
    AISystem.objects.bulk_create([
        AISystem(name=f"System {i:05d}", reference_code=f"AIS-{i:05d}", purpose=f"Purpose of system {i}",
                 unit=units[i % UNITS], owner=people[i % PEOPLE], backup_owner=people[(i + 1) % PEOPLE],
                 stage=stages[i % len(stages)], criticality=criticalities[i % 4], ai_act_tier=tiers[i % len(tiers)],
                 personal_data=bool(i % 2), next_review_date=today + timedelta(days=(i % 400) - 100),
                 priority=1 + i % 5)
        for i in range(systems)], batch_size=1000)
    kinds = list(ComponentKind.values)
    Component.objects.bulk_create([
        Component(kind=kinds[i % len(kinds)], name=f"Component {i:05d}", version_label=f"{1 + i % 3}.0",
                  provider="Acme" if i % 2 else "", origin=Origin.SUPPLIER if i % 2 else Origin.IN_HOUSE,
                  owner_unit=units[i % UNITS])
        for i in range(components)], batch_size=2000)
    system_ids = list(AISystem.objects.order_by("pk").values_list("pk", flat=True))
    component_ids = list(Component.objects.order_by("pk").values_list("pk", flat=True))
    links = []
    for index, system_id in enumerate(system_ids):
        for offset in range(4):
            links.append(SystemComponent(system_id=system_id,
                                         component_id=component_ids[(index * 4 + offset) % len(component_ids)]))
    SystemComponent.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
    return {"admin": admin, "viewer": viewer, "units": units, "people": people,
            "populate_seconds": round(time.perf_counter() - started, 2)}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(client, urls: list[tuple[str, str]]) -> dict:
    """Server time (test Client, no network) and queries of each request; one warm-up request first.

    `urls` are (filter variant, url) pairs: the number of queries must be the same on every page of a variant
    (a filter may legitimately add a query, e.g. the unit filter looks the unit up; the data size never does)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(urls[0][1])
    times, queries, per_variant = [], [], {}
    for variant, url in urls:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries.append(len(captured.captured_queries))
        per_variant.setdefault(variant, set()).add(len(captured.captured_queries))
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(_percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1), "requests": len(urls), "queries": sorted(set(queries)),
            "queries_constant_per_filter": all(len(counts) == 1 for counts in per_variant.values())}


def page_urls(count: int, base: str, units, people, page_param: str) -> list[tuple[str, str]]:
    """Filtered, sorted, paginated variants (what people do on a portfolio)."""
    variants = [
        "stage=operation&sort=-review", "criticality=high&sort=name", f"unit={units[3].pk}&sort=-criticality",
        "tier=high_risk&sort=tier", "overdue=1&sort=review", "q=System+01&sort=reference",
        f"owner={people[5].pk}", "orphans=1", "sort=-updated", "stage=design&criticality=low&sort=owner",
    ]
    urls = []
    for i in range(count):
        page = 1 + (i // len(variants)) % 3
        variant = variants[i % len(variants)]
        urls.append((variant, f"{base}?{variant}&{page_param.format(page=page)}"))
    return urls


def find_api_url() -> str:
    from django.urls import Resolver404, resolve

    for candidate in API_CANDIDATES:
        try:
            resolve(candidate)
            return candidate
        except Resolver404:
            continue
    return ""


def bench_pages(data: dict, requests: int) -> dict:
    from django.test import Client

    figures = {}
    client = Client()
    for label, user in (("admin", data["admin"]), ("viewer", data["viewer"])):
        client.force_login(user)
        result = measure(client, page_urls(requests, "/inventory/", data["units"], data["people"], "page={page}"))
        figures.update({f"page_{label}_{k}": v for k, v in result.items()})
    api_url = find_api_url()
    figures["api_url"] = api_url
    if api_url:
        for label, user in (("admin", data["admin"]), ("viewer", data["viewer"])):
            client.force_login(user)
            result = measure(client, page_urls(requests, api_url, data["units"], data["people"],
                                               "limit=50&offset={page}0"))
            figures.update({f"api_{label}_{k}": v for k, v in result.items()})
        figures["api_p95_ms"] = max(figures["api_admin_p95_ms"], figures["api_viewer_p95_ms"])
    figures["page_p95_ms"] = max(figures["page_admin_p95_ms"], figures["page_viewer_p95_ms"])
    return figures


def bench_csv_import(data: dict, rows: int) -> dict:
    from aims.core.exports import csv_text
    from aims.inventory.exchange import tabular

    people, units = data["people"], data["units"]
    header = ["reference_code", "name", "purpose", "unit_code", "owner_email", "backup_owner_email", "criticality",
              "personal_data", "external_exposure", "autonomy", "priority", "next_review_date"]
    body = [[f"IMP-{i:05d}", f"Imported {i}", f"Imported purpose {i}", units[i % UNITS].code,
             people[i % PEOPLE].email, people[(i + 7) % PEOPLE].email, "high" if i % 3 else "low",
             "yes" if i % 2 else "no", "customers", "human_on_the_loop", str(1 + i % 5), "2030-06-30"]
            for i in range(rows)]
    payload = csv_text(header, body).encode()
    started = time.perf_counter()
    plan = tabular.plan_import(actor=data["admin"], data=payload, filename="bench.csv")
    plan_seconds = time.perf_counter() - started
    if not plan.ok:
        raise RuntimeError(f"benchmark CSV refused: {plan.problems[:3]}")
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False  # queue as in production (the queue is a SQLite file in the temporary data directory)
    try:
        started, cpu = time.perf_counter(), cpu_seconds()
        result = tabular.apply_import(actor=data["admin"], data=payload, filename="bench.csv")
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        if not result.applied:
            raise RuntimeError(f"benchmark CSV import failed: {result.problems[:3]}")
        queued = HUEY.pending()
        background_started = time.perf_counter()
        for task in queued:  # what `aims worker` does with them
            HUEY.execute(task)
        background = time.perf_counter() - background_started
    finally:
        HUEY.immediate = True
    return {"csv_import_rows": rows, "csv_import_bytes": len(payload), "csv_plan_seconds": round(plan_seconds, 3),
            "csv_import_seconds": round(seconds, 3), "csv_import_cpu_seconds": round(cpu, 3),
            "csv_import_rows_per_s": round(rows / seconds, 1), "csv_import_background_tasks": len(queued),
            "csv_import_background_seconds": round(background, 3)}


def bom_document(count: int) -> dict:
    components, dependencies = [], []
    for i in range(count):
        ref = f"c{i}"
        if i % 4 == 0:
            entry = {"type": "machine-learning-model", "bom-ref": ref, "name": f"Model {i}", "version": "1.0",
                     "supplier": {"name": "Bench AI"}, "licenses": [{"license": {"name": "Proprietary"}}]}
        elif i % 4 == 3:
            entry = {"type": "library", "bom-ref": ref, "name": f"lib-{i}", "version": "2.1.0"}
        else:
            entry = {"type": "data", "bom-ref": ref, "name": f"Dataset {i}", "version": "2025-01",
                     "data": [{"type": "dataset", "name": f"Dataset {i}"}]}
        components.append(entry)
    for i in range(0, count, 4):
        depends = [f"c{j}" for j in range(i + 1, min(i + 4, count))]
        if depends:
            dependencies.append({"ref": f"c{i}", "dependsOn": depends})
    components[0]["modelCard"] = {
        "modelParameters": {"task": "classification", "datasets": [{"ref": "c1"}, {"ref": "c2"}]},
        "considerations": {"technicalLimitations": ["Benchmark data only"]}}
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "metadata": {"component": {"type": "application", "bom-ref": "system", "name": "Bench system"}},
            "components": components, "dependencies": [{"ref": "system", "dependsOn": ["c0"]}, *dependencies]}


def bench_cyclonedx_import(data: dict, count: int) -> dict:
    from aims.inventory import services
    from aims.inventory.exchange import cyclonedx_import, schema

    system = services.create_system(actor=data["admin"], name="Bench BOM system", unit=data["units"][0],
                                    owner=data["people"][0])
    payload = json.dumps(bom_document(count)).encode()
    # Compiling the schema validator is paid once per process; a running server has paid it long before, so it is
    # reported apart from the import itself (benchmarks/cyclonedx.py measures the command line with it included).
    started = time.perf_counter()
    schema.schema_problems({"bomFormat": "CycloneDX", "specVersion": "1.6"}, "1.6")
    schema_load = time.perf_counter() - started
    started, cpu = time.perf_counter(), cpu_seconds()
    result = cyclonedx_import.apply_bom(actor=data["admin"], data=payload, filename="bench.json", system=system)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if not result.applied:
        raise RuntimeError(f"benchmark BOM import failed: {result.problems[:3]}")
    return {"cyclonedx_components": count, "cyclonedx_bytes": len(payload),
            "cyclonedx_schema_load_seconds": round(schema_load, 3),
            "cyclonedx_import_seconds": round(seconds, 3), "cyclonedx_import_cpu_seconds": round(cpu, 3),
            "cyclonedx_links": result.links, "cyclonedx_model_card": result.model_card}


def run(scale: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="aims-bench-inventory-") as data_dir:
        setup_django(data_dir, None)
        from django.conf import settings

        # Argon2 is not what is measured; people here never log in with a password.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        systems = max(20, int(SYSTEMS_AT_SCALE_1 * scale))
        data = populate(systems, max(40, int(COMPONENTS_AT_SCALE_1 * scale)))
        figures = {"systems": systems, "components": max(40, int(COMPONENTS_AT_SCALE_1 * scale)),
                   "populate_seconds": data["populate_seconds"]}
        requests = 50 if scale >= 1 else max(5, int(50 * scale))
        figures.update(bench_pages(data, requests))
        figures.update(bench_csv_import(data, max(5, int(CSV_ROWS_AT_SCALE_1 * scale))))
        figures.update(bench_cyclonedx_import(data, max(8, int(BOM_COMPONENTS_AT_SCALE_1 * scale))))
        from django.db import connections

        connections.close_all()
    return figures


def summary(figures: dict) -> str:
    def goal(key, unit):
        if key not in figures:
            return "(not measured)"
        return f"(goal <= {GOALS[key]} {unit}: {'met' if figures[key] <= GOALS[key] else 'NOT met'})"

    lines = [
        f"inventory benchmark, scale {figures['scale']} on {figures['machine']['cpus']} CPU(s), load average "
        f"{figures['load_average_before']} -> {figures.get('load_average_after')}; {figures['systems']:,} systems, "
        f"{figures['components']:,} components",
        f"  portfolio page: admin p50 {figures['page_admin_p50_ms']} ms / p95 {figures['page_admin_p95_ms']} ms, "
        f"queries {figures['page_admin_queries']}; unit viewer p50 {figures['page_viewer_p50_ms']} ms / p95 "
        f"{figures['page_viewer_p95_ms']} ms, queries {figures['page_viewer_queries']} {goal('page_p95_ms', 'ms')}; "
        f"constant per filter: {figures['page_admin_queries_constant_per_filter'] and figures['page_viewer_queries_constant_per_filter']}",
    ]
    if figures.get("api_url"):
        lines.append(f"  API list {figures['api_url']}: admin p50 {figures['api_admin_p50_ms']} ms / p95 "
                     f"{figures['api_admin_p95_ms']} ms, queries {figures['api_admin_queries']}; viewer p95 "
                     f"{figures['api_viewer_p95_ms']} ms, queries {figures['api_viewer_queries']} "
                     f"{goal('api_p95_ms', 'ms')}")
    else:
        lines.append("  API list: not measured (no inventory API route found)")
    lines.append(f"  CSV import: {figures['csv_import_rows']:,} rows planned in {figures['csv_plan_seconds']} s, "
                 f"applied in {figures['csv_import_seconds']} s ({figures['csv_import_rows_per_s']:,.0f} rows/s) "
                 f"{goal('csv_import_seconds', 's')}; then {figures['csv_import_background_tasks']} background "
                 f"task(s) in {figures['csv_import_background_seconds']} s")
    lines.append(f"  CycloneDX import: {figures['cyclonedx_components']:,} components in "
                 f"{figures['cyclonedx_import_seconds']} s {goal('cyclonedx_import_seconds', 's')} (plus "
                 f"{figures['cyclonedx_schema_load_seconds']} s once per process to load the schema validator)")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.01 runs in seconds)")
    parser.add_argument("--json", required=True, help="where to write the figures")
    args = parser.parse_args(argv)
    figures: dict = {
        "benchmark": "inventory", "scale": args.scale,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "goals": GOALS, "load_average_before": _load(),
    }
    figures.update(run(args.scale))
    figures["load_average_after"] = _load()
    figures["goals_met"] = {key: figures[key] <= target for key, target in GOALS.items() if key in figures}
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
