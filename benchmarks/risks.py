"""Risk register benchmark: the register page, the API list and the heatmaps at 50,000 risks over 5,000 systems.

    python benchmarks/risks.py [--scale N] [--repeat N] [--growth-base S] --json OUT

Data (x scale): 50,000 risks over 5,000 AI systems in 50 units, written with bulk_create (not through the services:
the set-up is not what is measured) on a fresh SQLite database in a temporary AIMS_DATA_DIR. Each risk is scored
with the active default method (levels, ranks and appetite computed as the services do); one in ten links a second
system.

Figures (one JSON object written to OUT, a summary printed), for two people: `manager` (AIMS manager over the whole
organisation) and `owner` (a system owner over one unit, so a scoped, joined query):
  <who>_register_*           GET the register page (pages 1, 2, 10 and 100, clamped), server time through Django's
                             test client: p50_ms, p95_ms, max_ms, cpu_p50_ms, cpu_p95_ms (this process's CPU time:
                             the work without the neighbours' load), queries_min/queries_max (equal: constant)
  <who>_register_filtered_*  the same with open + security + above appetite, sorted by residual level
  <who>_register_search_*    the same with a text search (?q=)
  <who>_api_*                GET /api/v1/risks (offsets 0, 1/4 and 1/2 of the visible rows) and <who>_api_filtered_* with filters
  <who>_register_query_*     the service-level register query alone (restricted, filtered, sorted, first page
                             with systems, decorated, plus its count): what the page and the API both run
  <who>_heatmap_*            heatmap aggregation over every visible open risk; <who>_heatmap_system_* for one system
  <who>_<list>_growth_p95    with --growth-base S (default 0.2 when --scale is larger): p95 here / p95 of the same
                             list at scale S, measured in a process of its own that takes turns with this one, list by
                             list and ten requests at a time (the two p95s over the same seconds); _growth_cpu_p95
                             the same for CPU time,
                             _growth_p50 for the medians; _base_p95_ms the base's p95
Goals: page and API p95 <= 150 ms, heatmap p95 <= 50 ms, a constant number of queries per request, growth <= 1.3.
Pages or API routes not (yet) installed are listed in "unavailable" instead of measured.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    Baseline, as_a_server_process, cpu_seconds, growth, load_average, machine, measure_list, rows_on_page,
    setup_django, time_calls,
)

RISKS_AT_SCALE_1 = 50_000
SYSTEMS_AT_SCALE_1 = 5_000
UNITS = 50
PEOPLE_AT_SCALE_1 = 500
GOALS = {"register_p95_ms": 150, "api_p95_ms": 150, "heatmap_p95_ms": 50}
GROWTH_GOAL = 1.3  # p95 at 200,000 risks / p95 at 10,000
SCENARIOS = ("register", "register_filtered", "register_search", "register_sorted", "api", "api_filtered",
             "api_sorted")
REGISTER_URL_NAMES = ("risks:register", "risks:risk_list")
API_PATH = "/api/v1/risks"
BATCH = 5_000
WORDS = ("prompt injection", "model drift", "training data poisoning", "hallucinated answer", "biased scoring",
         "personal data leak", "supplier outage", "model theft", "evasion attack", "unexplainable decision")


# --- Data ---------------------------------------------------------------------------------------------------------

def generate(scale: float, seed: int = 42) -> dict:
    """Write units, people, systems and risks directly (bulk). Returns what the measurements need."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from aims.core.models import OrgUnit, RoleAssignment, User
    from aims.inventory.models import AISystem
    from aims.risks import services
    from aims.risks.choices import RiskCategory
    from aims.risks.models import Risk

    rng = random.Random(seed)
    n_risks = max(10, int(RISKS_AT_SCALE_1 * scale))
    n_systems = max(4, int(SYSTEMS_AT_SCALE_1 * scale))
    n_units = max(2, min(UNITS, n_systems // 2))
    n_people = max(2, int(PEOPLE_AT_SCALE_1 * scale))
    started = time.perf_counter()
    method = services.load_default_method(actor=None)
    definition = method.definition
    with transaction.atomic():
        root = OrgUnit.objects.create(name="Benchmark", code="bench-root", path="")
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
        units = OrgUnit.objects.bulk_create(
            [OrgUnit(name=f"Unit {i}", code=f"bench-{i}", parent=root) for i in range(n_units)])
        for unit in units:
            unit.path = f"{root.path}{unit.pk}/"
        OrgUnit.objects.bulk_update(units, ["path"])
        password = make_password(None)
        people = User.objects.bulk_create([
            User(username=f"owner{i}@example.com", email=f"owner{i}@example.com", first_name=f"Owner{i}",
                 last_name=f"Person{i % 97}", password=password, unit=units[i % n_units]) for i in range(n_people)])
        manager = User.objects.create(username="manager@example.com", email="manager@example.com",
                                      first_name="Manager", password=password)
        RoleAssignment.objects.create(role="aims_manager", user=manager)
        scoped = User.objects.create(username="scoped@example.com", email="scoped@example.com", first_name="Scoped",
                                     password=password, unit=units[1])
        RoleAssignment.objects.create(role="system_owner", user=scoped, unit=units[1])
        systems = []
        for start in range(0, n_systems, BATCH):
            systems += AISystem.objects.bulk_create([
                AISystem(name=f"System {i}", reference_code=f"AIS-{i:05d}", unit=units[i % n_units],
                         owner=people[i % n_people]) for i in range(start, min(n_systems, start + BATCH))])
        categories = RiskCategory.values
        today = date.today()
        through = Risk.systems.through
        for start in range(0, n_risks, BATCH):
            batch, links = [], []
            for i in range(start, min(n_risks, start + BATCH)):
                system = systems[i % n_systems]
                batch.append(_risk(rng, i, system, people[i % n_people], method, definition, categories, today))
            created = Risk.objects.bulk_create(batch)
            for offset, risk in enumerate(created):
                i = start + offset
                links.append(through(risk_id=risk.pk, aisystem_id=systems[i % n_systems].pk))
                if i % 10 == 0:
                    links.append(through(risk_id=risk.pk, aisystem_id=systems[(i * 7 + 3) % n_systems].pk))
            through.objects.bulk_create(links, ignore_conflicts=True)
    from aims.core.tasks import refresh_statistics

    refresh_statistics()  # the daily job: what a production database has
    scoped_system = next(s for s in systems if s.unit_id == units[1].pk)
    busiest_system = systems[0]
    return {"manager": manager, "owner": scoped, "owner_system": scoped_system, "manager_system": busiest_system,
            "counts": {"risks": n_risks, "systems": n_systems, "units": n_units, "people": n_people + 2,
                       "generate_seconds": round(time.perf_counter() - started, 2)}}


def _risk(rng, i, system, owner, method, definition, categories, today):
    from aims.risks.models import Risk

    category = categories[i % len(categories)]
    likelihood, impact = rng.randint(1, definition.likelihood_count), rng.randint(1, definition.impact_count)
    inherent = definition.level_of(likelihood, impact)
    fields = dict(unit_id=system.unit_id, title=f"{WORDS[i % len(WORDS)].capitalize()} #{i}", category=category,
                  risk_source="Benchmark", event=f"Event {i}", consequence="Harm", owner=owner, method=method,
                  inherent_likelihood=likelihood, inherent_impact=impact, inherent_score=likelihood * impact,
                  inherent_level=inherent.key, inherent_rank=inherent.rank,
                  next_review_date=today + timedelta(days=rng.randint(-60, 365)), status=Risk.Status.ASSESSED)
    current = inherent
    if rng.random() < 0.6:
        residual_l, residual_i = rng.randint(1, likelihood), rng.randint(1, impact)
        current = definition.level_of(residual_l, residual_i)
        fields.update(residual_likelihood=residual_l, residual_impact=residual_i, residual_score=residual_l * residual_i,
                      residual_level=current.key, residual_rank=current.rank, treatment=Risk.Treatment.REDUCE,
                      status=Risk.Status.TREATED)
    if i % 13 == 0:
        fields["status"] = Risk.Status.CLOSED
    fields["above_appetite"] = definition.is_above_appetite(current.key, category)
    return Risk(**fields)


# --- Measurements -------------------------------------------------------------------------------------------------

def register_url() -> str | None:
    from django.urls import NoReverseMatch, reverse

    for name in REGISTER_URL_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def measure_pages(client, user, who: str, repeat: int, figures: dict, unavailable: list) -> None:
    from aims.risks.models import Risk

    visible = Risk.objects.restrict(user, "view").count()
    # Offsets inside what this person sees: an empty page skips the per-page prefetches and would look "cheaper".
    offsets = sorted({0, visible // 4 // 50 * 50, visible // 2 // 50 * 50})
    base = register_url()
    scenarios = {}
    if base:
        scenarios["register"] = [f"{base}?page={p}" for p in (1, 2, 10, 100)]
        scenarios["register_filtered"] = [
            f"{base}?status=open&category=security&above_appetite=yes&sort=-residual&page={p}" for p in (1, 3)]
        scenarios["register_search"] = [f"{base}?q=drift&page={p}" for p in (1, 2)]
    elif "register" not in unavailable:
        unavailable.append("register")
    if base:  # every offered sort, both ways (a sort without an index grows with the table)
        from aims.risks.register import RISK_SORTS

        scenarios["register_sorted"] = [f"{base}?sort={d}{key}&page=2" for key in RISK_SORTS for d in ("", "-")]
        scenarios["api_sorted"] = [f"{API_PATH}?limit=50&offset={offsets[-1]}&sort={d}{key}" for key in RISK_SORTS
                                   for d in ("", "-")]
    if client.get(f"{API_PATH}?limit=1").status_code != 404:
        scenarios["api"] = [f"{API_PATH}?limit=50&offset={o}" for o in offsets]
        scenarios["api_filtered"] = [f"{API_PATH}?limit=50&status=open&category=security&sort=-residual&offset={o}"
                                     for o in sorted({0, visible // 40 // 50 * 50})]
    elif "api" not in unavailable:
        unavailable.append("api")
    def rows_of(url):
        # The rows a register URL shows, from the count of the API list with the same filters (not timed): the page
        # asked for, or the last one when there are fewer pages.
        if url.startswith(API_PATH):
            return None
        from urllib.parse import parse_qsl, urlencode, urlsplit

        query = dict(parse_qsl(urlsplit(url).query))
        params = {k: ("true" if v == "yes" else v) for k, v in query.items() if k not in ("page", "sort")}
        total = client.get(f"{API_PATH}?{urlencode({**params, 'limit': 1})}").json()["count"]
        return rows_on_page(total, int(query.get("page", 1)))

    for name, urls in scenarios.items():
        result = measure_list(client, urls, max(repeat, len(urls)),
                              rows_of=None if name.startswith("api") else rows_of)
        for key, value in result.items():
            figures[f"{who}_{name}_{key}"] = value


def measure_register_query(user, who: str, repeat: int, figures: dict) -> None:
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aims.risks import register
    from aims.risks.models import RiskMethod

    def run():
        risks = register.apply_filters(register.visible_risks(user), status=register.OPEN, category="security")
        risks = register.with_systems(risks.order_by("-inherent_rank", "-inherent_score", "pk"), user)
        page = Paginator(risks, 50).get_page(1)
        methods = {m.pk: m for m in RiskMethod.objects.all()}
        return register.decorate(page.object_list, methods), page.paginator.count

    with CaptureQueriesContext(connection) as captured:
        rows, count = run()
    figures.update({f"{who}_register_query_{k}": v for k, v in time_calls(run, repeat).items()})
    figures[f"{who}_register_query_queries"] = len(captured.captured_queries)
    figures[f"{who}_register_query_rows"] = count


def measure_heatmap(user, system, who: str, repeat: int, figures: dict) -> None:
    from aims.risks.heatmap import heatmap
    from aims.risks.services._common import active_method

    method = active_method()
    whole = heatmap(user, method=method)
    figures[f"{who}_heatmap_risks"] = whole.total
    figures.update({f"{who}_heatmap_{k}": v for k, v in time_calls(lambda: heatmap(user, method=method), repeat).items()})
    figures[f"{who}_heatmap_system_risks"] = heatmap(user, system=system, method=method).total
    figures.update({f"{who}_heatmap_system_{k}": v
                    for k, v in time_calls(lambda: heatmap(user, system=system, method=method), repeat).items()})


def run(scale: float, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="aims-bench-risks-") as data_dir:
        setup_django(data_dir)
        from django.db import connections
        from django.test import Client

        data = generate(scale)
        as_a_server_process()
        figures: dict = dict(data["counts"])
        unavailable: list[str] = []
        started_cpu, started = cpu_seconds(), time.perf_counter()
        for who in ("manager", "owner"):
            user = data[who]
            measure_heatmap(user, data[f"{who}_system"], who, repeat, figures)
            measure_register_query(user, who, repeat, figures)
            client = Client()
            client.force_login(user)
            measure_pages(client, user, who, repeat, figures, unavailable)
        figures["measure_seconds"] = round(time.perf_counter() - started, 2)
        figures["measure_cpu_seconds"] = round(cpu_seconds() - started_cpu, 2)
        figures["unavailable"] = unavailable
        figures["queries_constant"] = all(
            figures[k] == figures[k.replace("_queries_min", "_queries_max")] for k in figures if k.endswith("_queries_min"))
        connections.close_all()
    return figures


# --- Driver -------------------------------------------------------------------------------------------------------

def verdicts(figures: dict) -> dict:
    """Goal met or not for every measured figure (None when not measured)."""
    out = {}
    for who in ("manager", "owner"):
        for scenario, goal in (("register", "register_p95_ms"), ("register_filtered", "register_p95_ms"),
                               ("register_search", "register_p95_ms"), ("register_sorted", "register_p95_ms"),
                               ("api", "api_p95_ms"), ("api_filtered", "api_p95_ms"), ("api_sorted", "api_p95_ms"),
                               ("heatmap", "heatmap_p95_ms"), ("heatmap_system", "heatmap_p95_ms")):
            value = figures.get(f"{who}_{scenario}_p95_ms")
            out[f"{who}_{scenario}"] = None if value is None else value <= GOALS[goal]
            grown = [figures[k] for k in (f"{who}_{scenario}_growth_p95", f"{who}_{scenario}_growth_cpu_p95")
                     if k in figures]
            if grown:
                out[f"{who}_{scenario}_growth"] = max(grown) <= GROWTH_GOAL
    return out


def summary(figures: dict) -> str:
    lines = [f"risks benchmark, scale {figures['scale']}: {figures['risks']:,} risks over {figures['systems']:,} "
             f"systems in {figures['units']} units (generated in {figures['generate_seconds']} s) on "
             f"{figures['machine']['cpus']} CPU(s), load average {figures['load_average_before']} -> "
             f"{figures['load_average_after']}"]
    for who, label in (("manager", "AIMS manager, whole organisation"), ("owner", "system owner, one unit")):
        lines.append(f"  {label}:")
        for scenario in (*SCENARIOS, "register_query", "heatmap", "heatmap_system"):
            key = f"{who}_{scenario}"
            if f"{key}_p95_ms" not in figures:
                continue
            queries = figures.get(f"{key}_queries_max", figures.get(f"{key}_queries"))
            met = figures["goals_met"].get(key)
            verdict = "" if met is None else (" goal met" if met else " goal NOT met")
            line = (f"    {scenario:<18} p50 {figures[f'{key}_p50_ms']:>7.1f} ms  p95 {figures[f'{key}_p95_ms']:>7.1f} ms"
                    f"  [CPU p50 {figures[f'{key}_cpu_p50_ms']:>6.1f} p95 {figures[f'{key}_cpu_p95_ms']:>6.1f}]"
                    + (f"  queries {queries}" if queries is not None else "") + verdict)
            if f"{key}_floor_p95_ms" in figures:
                line += (f"\n{'':<23}floor (its SQL replayed raw) p50 {figures[f'{key}_floor_p50_ms']} / p95 "
                         f"{figures[f'{key}_floor_p95_ms']} ms, ratio p95 {figures[f'{key}_floor_ratio_p95']}x, "
                         f"p50 {figures[f'{key}_floor_ratio_p50']}x, CPU p95 {figures[f'{key}_floor_cpu_ratio_p95']}x")
                if f"{key}_empty_pages" in figures:
                    line += (f"; empty pages {figures[f'{key}_empty_pages']}/{figures[f'{key}_urls']}, "
                             f"{figures[f'{key}_rows_mean']} rows a page")
            if f"{key}_growth_p95" in figures:
                grown = figures["goals_met"].get(f"{key}_growth")
                line += (f"; growth x{figures[f'{key}_growth_p95']} wall, x{figures.get(f'{key}_growth_cpu_p95')} "
                         f"CPU (medians x{figures.get(f'{key}_growth_p50')}) from "
                         f"{figures['growth_base_risks']:,} risks "
                         f"({'met' if grown else 'NOT met'}: goal <= {GROWTH_GOAL})"
                         + (f"; its floor grew x{figures[f'{key}_floor_growth']}"
                            if f"{key}_floor_growth" in figures else "")
                         + (f"; NOTE its base pages showed {figures[f'{key}_base_rows_mean']} rows a page"
                            if figures.get(f"{key}_base_rows_mean", 50) < figures.get(f"{key}_rows_mean", 0) else ""))
            lines.append(line)
    if figures["unavailable"]:
        lines.append(f"  not measured (not installed yet): {', '.join(figures['unavailable'])}")
    lines.append(f"  queries per request constant: {figures['queries_constant']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.01 runs in seconds)")
    parser.add_argument("--repeat", type=int, default=50, help="requests / calls measured per scenario")
    parser.add_argument("--growth-base", type=float, default=None,
                        help="the smaller scale growth is measured from (default 0.2 when --scale is larger; 0: none)")
    parser.add_argument("--json", required=True, help="where to write the figures")
    args = parser.parse_args(argv)
    base_scale = args.growth_base if args.growth_base is not None else (0.2 if args.scale > 0.2 else 0)
    figures: dict = {"benchmark": "risks", "scale": args.scale, "repeat": args.repeat, "machine": machine(),
                     "goals": GOALS, "growth_goal": GROWTH_GOAL, "load_average_before": load_average()}
    started_base = Baseline(__file__, base_scale, ["--repeat", str(args.repeat)]) if base_scale else None
    figures.update(run(args.scale, max(1, args.repeat)))
    if started_base:
        base = started_base.figures()
        figures.update(growth_base_scale=base_scale, growth_base_risks=base["risks"],
                       growth_base_load_average=base["load_average_before"])
        figures.update(growth(figures, base, [f"{who}_{scenario}" for who in ("manager", "owner")
                                              for scenario in SCENARIOS]))
    figures["load_average_after"] = load_average()
    figures["goals_met"] = verdicts(figures)
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
