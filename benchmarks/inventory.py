"""Inventory benchmark: portfolio page and API list at 5,000 systems / 20,000 components, CSV and CycloneDX imports.

    python benchmarks/inventory.py [--scale N] [--only lists] [--growth-base S] --json OUT

Figures (one JSON object written to OUT, a summary printed), on a fresh SQLite database in a temporary AIMS_DATA_DIR
filled with bulk_create (5,000 x scale systems, 20,000 x scale components, four component links per system):
  page_<who>_*      the portfolio page (/inventory/), filtered, sorted and paginated, through Django's test Client as
                    an organisation-wide administrator and as a unit-scoped viewer, with filters that match rows in
                    the viewer's unit (pages that show no row are counted apart: empty_pages): p50/p95 server time
                    and CPU time, queries per request (constant per filter); goal p95 <= 150 ms.
                    floor_*: the SQL each request ran (rows, count, facet counts, filter choices), replayed raw on
                    the database connection; floor_ratio_p95 / floor_ratio_p50 = product / floor.
  sort_<key>_*      the API list sorted by each offered key (admin), with its floor: a sort without an index grows.
  api_<who>_*       the same for the API list of systems (api_url says which).
  *_growth_p95      with --growth-base S (default 0.2 when --scale is larger): p95 here / p95 of the same lists at
                    scale S (1,000 systems), measured in a process of its own that takes turns with this one, list
                    by list and ten requests at a time (the two p95s over the same seconds); goal <= 1.3. *_growth_p50
                    the same for the medians, *_base_p95_ms the base's p95.
  csv_import_*      a CSV of 5,000 x scale new systems (at most the importer's 10,000 rows per file) planned then applied through the importer (every row a
                    ledgered service call); goal <= 10 s for the apply. The background work an import queues (the
                    risk module's suggested risks for the new systems) is then run as a worker would, and timed
                    apart (csv_import_background_seconds): the person importing does not wait for it.
  cyclonedx_*       a CycloneDX 1.6 document of 1,000 x scale components (models, datasets, libraries) imported
                    into one system (schema validation included); goal <= 5 s. The one-time load of the schema
                    validation libraries in a fresh process is reported apart (cyclonedx_schema_load_seconds).
--only lists skips the imports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    Baseline, as_a_server_process, cpu_seconds, growth, load_average, measure_list, rows_on_page, setup_django,
)

SYSTEMS_AT_SCALE_1 = 5_000
COMPONENTS_AT_SCALE_1 = 20_000
CSV_ROWS_AT_SCALE_1 = 5_000
BOM_COMPONENTS_AT_SCALE_1 = 1_000
UNITS = 20
PEOPLE = 200
GOALS = {"page_p95_ms": 150, "api_p95_ms": 150, "csv_import_seconds": 10, "cyclonedx_import_seconds": 5}
GROWTH_GOAL = 1.3  # p95 at 20,000 systems / p95 at 1,000
LISTS = ("page_admin", "page_viewer", "api_admin", "api_viewer")
API_CANDIDATES = ("/api/v1/systems", "/api/v1/inventory/systems")


def populate(systems: int, components: int) -> dict:
    """Units, people and the inventory, written with bulk_create (set-up, not measured)."""
    from django.contrib.auth.hashers import make_password

    from aims.core import services as core_services
    from aims.core.models import RoleAssignment, User
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
    # Someone who left: the systems they still own are the orphans the portfolio flags (some in the viewer's unit).
    leaver = User.objects.create(username="left@example.com", email="left@example.com", first_name="Left",
                                 last_name="Person", password=unusable, unit=units[0], is_active=False)
    viewer = User.objects.create(username="viewer@example.com", email="viewer@example.com", first_name="Viewer",
                                 password=unusable, unit=units[0])
    RoleAssignment.objects.create(role="viewer", user=viewer, unit=units[0])
    stages = [s for s in STAGE_ORDER if s != "retired"]
    tiers = list(AiActTier.values)
    criticalities = list(Criticality.values)
    today = date.today()
    AISystem.objects.bulk_create([
        AISystem(name=f"System {i:05d}", reference_code=f"AIS-{i:05d}", purpose=f"Purpose of system {i}",
                 unit=units[i % UNITS], owner=leaver if i % 40 == 0 else people[i % PEOPLE],
                 backup_owner=people[(i + 1) % PEOPLE],
                 stage=stages[i % len(stages)], criticality=criticalities[(i // 3) % 4], ai_act_tier=tiers[i % len(tiers)],
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
    from aims.core.tasks import refresh_statistics

    refresh_statistics()  # the daily job: what a production database has
    return {"admin": admin, "viewer": viewer, "units": units, "people": people,
            "populate_seconds": round(time.perf_counter() - started, 2)}


def page_urls(count: int, base: str, unit, owner, paging) -> list[str]:
    """Filtered, sorted, paginated variants (what people do on a portfolio), each matching systems in the viewer's
    unit, so neither person is timed on empty pages."""
    variants = [
        "stage=operation&sort=-review", "criticality=high&sort=name", f"unit={unit.pk}&sort=-criticality",
        "tier=high_risk&sort=tier", "overdue=1&sort=review", "q=System+01&sort=reference",
        f"owner={owner.pk}", "orphans=1", "sort=-updated", "stage=design&criticality=low&sort=owner",
    ]
    return [f"{base}?{variants[i % len(variants)]}&{paging((i // len(variants)) % 3)}" for i in range(count)]


def rows_shown(user, url: str) -> int:
    """The rows a portfolio URL shows (the page clamps to its last page; the API does not)."""
    from urllib.parse import parse_qs, urlsplit

    from aims.inventory import portfolio

    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    total = portfolio.apply(portfolio.visible_systems(user), user, portfolio.PortfolioFilter.from_query(params)).count()
    if "offset" in params:
        return max(0, min(int(params.get("limit", 50)), total - int(params["offset"])))
    return rows_on_page(total, int(params.get("page", 1)))


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

    from aims.inventory import portfolio

    figures = {}
    client = Client()
    unit, owner = data["units"][0], data["people"][20 % PEOPLE]  # owns systems in unit 0 (i % 200 == 20)
    api_url = find_api_url()
    figures["api_url"] = api_url
    for label, user in (("admin", data["admin"]), ("viewer", data["viewer"])):
        client.force_login(user)
        # Pages 1 to 3 (clamped to the last); API offsets 0, 5 and 10, which a narrow filter in one unit still fills.
        kinds = [("page", "/inventory/", lambda n: f"page={n + 1}")]
        if api_url:
            kinds.append(("api", api_url, lambda n: f"limit=50&offset={5 * n}"))
        for kind, base, paging in kinds:
            result = measure_list(client, page_urls(requests, base, unit, owner, paging), requests,
                                  rows_of=lambda url, user=user: rows_shown(user, url))
            figures.update({f"{kind}_{label}_{k}": v for k, v in result.items()})
    if api_url:
        client.force_login(data["admin"])
        for key in portfolio.SORTS:  # every offered sort, unfiltered: the index has to serve it
            for raw in (key, f"-{key}"):
                urls = [f"{api_url}?sort={raw}&limit=50&offset={o}" for o in (0, 50, 500)]
                result = measure_list(client, urls, max(3, requests // 5))
                figures.update({f"sort_{raw}_{k}": result[k] for k in (
                    "p50_ms", "p95_ms", "cpu_p95_ms", "floor_p95_ms", "floor_ratio_p95", "queries_max")})
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


def run(scale: float, only: str = "") -> dict:
    with tempfile.TemporaryDirectory(prefix="aims-bench-inventory-") as data_dir:
        setup_django(data_dir, None)
        from django.conf import settings

        # Argon2 is not what is measured; people here never log in with a password.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        systems = max(20, int(SYSTEMS_AT_SCALE_1 * scale))
        data = populate(systems, max(40, int(COMPONENTS_AT_SCALE_1 * scale)))
        figures = {"systems": systems, "components": max(40, int(COMPONENTS_AT_SCALE_1 * scale)),
                   "populate_seconds": data["populate_seconds"]}
        requests = 50 if scale >= 0.2 else max(5, int(250 * scale))
        as_a_server_process()
        figures.update(bench_pages(data, requests))
        if only != "lists":
            from aims.inventory.exchange.files import MAX_ROWS

            # One file holds at most the importer's row limit (10,000): larger imports are split by the user.
            figures.update(bench_csv_import(data, min(MAX_ROWS, max(5, int(CSV_ROWS_AT_SCALE_1 * scale)))))
            figures.update(bench_cyclonedx_import(data, max(8, int(BOM_COMPONENTS_AT_SCALE_1 * scale))))
        from django.db import connections

        connections.close_all()
    return figures


def summary(figures: dict) -> str:
    def goal(key, unit):
        if key not in figures:
            return "(not measured)"
        return f"(goal <= {GOALS[key]} {unit}: {'met' if figures[key] <= GOALS[key] else 'NOT met'})"

    def grown(key):
        if f"{key}_growth_p95" not in figures:
            return ""
        worst = max(figures[f"{key}_growth_p95"], figures.get(f"{key}_growth_cpu_p95", 0))
        return (f"; growth x{figures[f'{key}_growth_p95']} wall, x{figures.get(f'{key}_growth_cpu_p95')} CPU "
                f"(medians x{figures.get(f'{key}_growth_p50')}) from {figures['growth_base_systems']:,} systems "
                f"({'met' if worst <= GROWTH_GOAL else 'NOT met'}: goal <= {GROWTH_GOAL})"
                + (f"; its floor grew x{figures[f'{key}_floor_growth']}" if f"{key}_floor_growth" in figures else "")
                + (f"; NOTE its base pages showed {figures[f'{key}_base_rows_mean']} rows a page"
                   if figures.get(f"{key}_base_rows_mean", 50) < figures.get(f"{key}_rows_mean", 0) else ""))

    lines = [
        f"inventory benchmark, scale {figures['scale']} on {figures['machine']['cpus']} CPU(s), load average "
        f"{figures['load_average_before']} -> {figures.get('load_average_after')}; {figures['systems']:,} systems, "
        f"{figures['components']:,} components",
    ]
    for key, label in (("page_admin", "portfolio page, administrator"), ("page_viewer", "portfolio page, unit viewer"),
                       ("api_admin", f"API {figures.get('api_url')}, administrator"),
                       ("api_viewer", f"API {figures.get('api_url')}, unit viewer")):
        if f"{key}_p95_ms" not in figures:
            continue
        f = {k[len(key) + 1:]: v for k, v in figures.items() if k.startswith(key + "_")}
        lines.append(
            f"  {label}: p50 {f['p50_ms']} / p95 {f['p95_ms']} ms [CPU p95 {f['cpu_p95_ms']}], queries "
            f"{f['queries_min']}-{f['queries_max']}, empty pages {f['empty_pages']}/{f['urls']}, {f['rows_mean']} rows "
            f"a page; floor (its SQL "
            f"replayed raw) p50 {f['floor_p50_ms']} / p95 {f['floor_p95_ms']} ms, ratio p95 {f['floor_ratio_p95']}x, "
            f"p50 {f['floor_ratio_p50']}x, CPU p95 {f['floor_cpu_ratio_p95']}x{grown(key)}")
    lines.append(f"  worst page p95 {figures['page_p95_ms']} ms {goal('page_p95_ms', 'ms')}; API "
                 f"{figures.get('api_p95_ms')} ms {goal('api_p95_ms', 'ms')}")
    sorts = sorted({k[5:-7] for k in figures if k.startswith("sort_") and k.endswith("_p95_ms")
                    and not k.endswith(("floor_p95_ms", "cpu_p95_ms", "base_p95_ms"))})
    if sorts:
        lines.append("  API sorted by each offered key (p95 ms / floor p95 ms" +
                     (" / growth" if any(f"sort_{s}_growth_p95" in figures for s in sorts) else "") + "): " + ", ".join(
                         f"{s} {figures[f'sort_{s}_p95_ms']}/{figures[f'sort_{s}_floor_p95_ms']}"
                         + (f"/x{figures[f'sort_{s}_growth_p95']}" if f"sort_{s}_growth_p95" in figures else "")
                         for s in sorts))
    if "csv_import_rows" in figures:
        lines.append(f"  CSV import: {figures['csv_import_rows']:,} rows planned in {figures['csv_plan_seconds']} s, "
                     f"applied in {figures['csv_import_seconds']} s ({figures['csv_import_rows_per_s']:,.0f} rows/s, "
                     f"{figures['csv_import_cpu_seconds']} CPU-s) {goal('csv_import_seconds', 's')}; then "
                     f"{figures['csv_import_background_tasks']} background task(s) in "
                     f"{figures['csv_import_background_seconds']} s")
        lines.append(f"  CycloneDX import: {figures['cyclonedx_components']:,} components in "
                     f"{figures['cyclonedx_import_seconds']} s ({figures['cyclonedx_import_cpu_seconds']} CPU-s) "
                     f"{goal('cyclonedx_import_seconds', 's')} (plus {figures['cyclonedx_schema_load_seconds']} s once "
                     f"per process to load the schema validator)")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.01 runs in seconds)")
    parser.add_argument("--only", choices=["lists"], help="measure the lists only (no imports)")
    parser.add_argument("--growth-base", type=float, default=None,
                        help="the smaller scale growth is measured from (default 0.2 when --scale is larger; 0: none)")
    parser.add_argument("--json", required=True, help="where to write the figures")
    args = parser.parse_args(argv)
    base_scale = args.growth_base if args.growth_base is not None else (0.2 if args.scale > 0.2 else 0)
    figures: dict = {
        "benchmark": "inventory", "scale": args.scale,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "goals": {**GOALS, "growth_p95": GROWTH_GOAL}, "load_average_before": load_average(),
    }
    started_base = Baseline(__file__, base_scale, ["--only", "lists"]) if base_scale else None
    figures.update(run(args.scale, args.only or ""))
    if started_base:
        base = started_base.figures()
        figures.update(growth_base_scale=base_scale, growth_base_systems=base["systems"],
                       growth_base_load_average=base["load_average_before"])
        figures.update(growth(figures, base, [*LISTS, *sorted({k[:-len("_p95_ms")] for k in figures
                                                                if k.startswith("sort_") and k.endswith("_p95_ms")
                                                                and "floor" not in k and "cpu" not in k})]))
    figures["load_average_after"] = load_average()
    figures["goals_met"] = {key: figures[key] <= target for key, target in GOALS.items() if key in figures}
    growths = [v for k, v in figures.items() if k.endswith(("_growth_p95", "_growth_cpu_p95"))
               and k.startswith(LISTS)]
    if growths:
        figures["goals_met"]["growth_p95"] = max(growths) <= GROWTH_GOAL
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
