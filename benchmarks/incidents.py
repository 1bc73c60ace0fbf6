"""Incidents benchmark: the register page in the reader's scope, the reminder sweep and the affected-systems lookup, at
20,000 incidents with 60,000 regulatory clocks.

    python benchmarks/incidents.py [--scale N] [--repeat N] --json OUT

Data (x scale): 20,000 incidents over 5,000 AI systems in 50 units, three clocks each (60,000: a GDPR notification and
a NIS2 early warning and notification), a fifth of the incidents open with their clocks running, and one model
component used by every system; written with bulk_create (the set-up is not what is measured) on a fresh SQLite
database in a temporary AIMS_DATA_DIR.

Figures (one JSON object written to OUT, a summary printed), each beside its floor measured in the same run:
  <who>_register_*   GET /incidents/ (pages 1, 2 and 10 of the open ones, and of all) for `manager` (AIMS manager over
                     the whole organisation) and `owner` (a system owner over one unit): p50/p95/max, CPU p50/p95,
                     queries per request; floor = the SQL each request ran, replayed raw on the connection
                     (floor_ratio_p95 = p95 / floor p95)
  <who>_api_*        GET /api/v1/incidents, the same way
  sweep_due_*        the reminder sweep (services.send_reminders) when 1 % of the running clocks reached a point
                     (what a 5-minute sweep meets), `repeat` sweeps on fresh subsets
  sweep_all_*        the catch-up sweep when every running clock reached a point: reminders to handler and manager
                     (one per person and batch of 2,000 clocks), the clocks' next points and one ledger event per
                     incident reminded, their e-mails queued as in production; sweep_all_email_ms: the worker sending
                     those e-mails afterwards (one job per batch). Three catch-ups in a row: sweep_all_ms is their
                     median, sweep_all_samples_ms all three, sweep_all_max_ms the slowest
                     floor = raw SQL over the same rows: the due clocks read with their incident, handler and manager,
                     one UPDATE of each clock's reminders and next point, one INSERT of each reminder (one per person
                     and batch, as the sweep); the ledger events are not in the floor
  affected_*         the systems using a component (or another version of it) that the reader may see, a component
                     used by 5,000 systems: ids, names, references and units of every one; floor = the same rows read
                     by raw SQL
Goals (issue 12): register p95 <= 150 ms, sweep over all open clocks <= 2 s, affected-systems lookup <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    as_a_server_process, cpu_seconds, load_average, machine, measure_list, percentiles, setup_django, time_calls,
)

INCIDENTS_AT_SCALE_1 = 20_000
SYSTEMS_AT_SCALE_1 = 5_000
UNITS = 50
PEOPLE_AT_SCALE_1 = 400
OPEN_SHARE = 0.2
CATCH_UPS = 3  # catch-up sweeps measured in a row (the figure is their median)
GOALS = {"register_p95_ms": 150, "api_p95_ms": 150, "sweep_all_ms": 2000, "affected_p95_ms": 50}
BATCH = 5_000
WORDS = ("Prompt injection", "Model drift", "Poisoned training data", "Hallucinated answer", "Biased scoring",
         "Personal data leak", "Supplier outage", "Model extraction", "Evasion attack", "Unexplained decision")


def _ratio(a, b):
    return round(a / b, 1) if a and b else None


# --- Data ---------------------------------------------------------------------------------------------------------

def generate(scale: float, seed: int = 12) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from aims.core.models import OrgUnit, RoleAssignment, User
    from aims.incidents import clocks as clock_catalogue
    from aims.incidents.models import Clock, Incident, RegimeDecision
    from aims.inventory.models import AISystem, Component, SystemComponent

    rng = random.Random(seed)
    n_incidents = max(10, int(INCIDENTS_AT_SCALE_1 * scale))
    n_systems = max(4, int(SYSTEMS_AT_SCALE_1 * scale))
    n_units = max(2, min(UNITS, n_systems // 2))
    n_people = max(4, int(PEOPLE_AT_SCALE_1 * scale))
    started = time.perf_counter()
    now = timezone.now()
    catalogue = clock_catalogue.catalogue()
    version = catalogue.version
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
        manager = User.objects.create(username="manager@example.com", email="manager@example.com",
                                      first_name="Manager", password=password)
        RoleAssignment.objects.create(role="aims_manager", user=manager)
        people = User.objects.bulk_create([
            User(username=f"handler{i}@example.com", email=f"handler{i}@example.com", first_name=f"Handler{i}",
                 last_name=f"Person{i % 97}", password=password, unit=units[i % n_units], manager=manager)
            for i in range(n_people)])
        RoleAssignment.objects.bulk_create([RoleAssignment(role="system_owner", user=p, unit=p.unit)
                                            for p in people])
        scoped = people[1]
        systems = []
        for start in range(0, n_systems, BATCH):
            systems += AISystem.objects.bulk_create([
                AISystem(name=f"System {i}", reference_code=f"AIS-{i:05d}", unit=units[i % n_units],
                         owner=people[i % n_people], personal_data=True) for i in range(start, min(n_systems, start + BATCH))])
        v1 = Component.objects.create(kind="model", name="Shared foundation model", version_label="1")
        v2 = Component.objects.create(kind="model", name="Shared foundation model", version_label="2",
                                      previous_version=v1)
        for start in range(0, n_systems, BATCH):
            SystemComponent.objects.bulk_create([
                SystemComponent(system=s, component=v2 if i % 2 else v1)
                for i, s in enumerate(systems[start:start + BATCH], start)])
        through = Incident.systems.through
        gdpr = catalogue.regimes["gdpr_art33"]
        nis2 = catalogue.regimes["nis2_art23"]
        for start in range(0, n_incidents, BATCH):
            batch = []
            for i in range(start, min(n_incidents, start + BATCH)):
                # Five incidents per system in turn, the first of each five open: every unit has open ones.
                system = systems[(i // 5) % n_systems]
                handler = people[(i // 5) % n_people]
                open_ = i % int(1 / OPEN_SHARE) == 0
                aware = now - (timedelta(hours=rng.randint(1, 60)) if open_ else timedelta(days=rng.randint(5, 700)))
                batch.append(Incident(
                    reference=f"INC-{i + 1:05d}", title=f"{WORDS[i % len(WORDS)]} #{i}", category="privacy_breach",
                    severity=("low", "medium", "high", "critical")[i % 4], unit_id=system.unit_id, handler=handler,
                    status="triaged" if open_ else "closed", detected_at=aware, aware_at=aware,
                    personal_data_breach=True, significant_incident=True, closed_at=None if open_ else aware + timedelta(days=3)))
            created = Incident.objects.bulk_create(batch)
            through.objects.bulk_create([through(incident_id=inc.pk,
                                                 aisystem_id=systems[((start + k) // 5) % n_systems].pk)
                                         for k, inc in enumerate(created)])
            decisions = []
            for incident in created:
                for regime in (gdpr, nis2):
                    decisions.append(RegimeDecision(incident=incident, regime=regime.key, state="applied",
                                                    decided_by=incident.handler, decided_at=incident.aware_at,
                                                    catalogue_version=version))
            decisions = RegimeDecision.objects.bulk_create(decisions)
            clocks_ = []
            for k, incident in enumerate(created):
                open_ = incident.status == "triaged"
                for decision, regime, keys in ((decisions[2 * k], gdpr, ("notification",)),
                                               (decisions[2 * k + 1], nis2, ("early_warning", "notification"))):
                    for key in keys:
                        deadline = regime.deadline(key)
                        due_at = deadline.after.after(incident.aware_at)
                        state = "running" if open_ else "submitted"
                        clocks_.append(Clock(
                            incident=incident, decision=decision, regime=regime.key, deadline=key, state=state,
                            anchor_at=incident.aware_at, due_at=due_at, basis=f"aware + {deadline.after.text()}",
                            reminders_sent=[], submitted_at=None if open_ else incident.aware_at + timedelta(hours=20),
                            next_reminder_at=(clock_catalogue.point_moment(incident.aware_at, due_at, 0.5)
                                              if open_ else None)))
            Clock.objects.bulk_create(clocks_)
    from aims.core.tasks import refresh_statistics

    refresh_statistics()  # the daily job: what a production database has
    return {"manager": manager, "owner": scoped, "component": v1, "now": now,
            "counts": {"incidents": n_incidents, "clocks": Clock.objects.count(), "systems": n_systems,
                       "units": n_units, "people": n_people + 1,
                       "open_incidents": Incident.objects.filter(status="triaged").count(),
                       "running_clocks": Clock.objects.filter(state="running").count(),
                       "generate_seconds": round(time.perf_counter() - started, 2)}}


# --- Register -----------------------------------------------------------------------------------------------------

def measure_register(client, user, who: str, repeat: int, figures: dict) -> None:
    from aims.incidents.models import OPEN_STATUSES, Incident

    visible = Incident.objects.restrict(user, "view")
    open_count, all_count = visible.filter(status__in=OPEN_STATUSES).count(), visible.count()
    # Pages and offsets inside what this person sees: an empty page skips work and would look "cheaper".
    open_pages = sorted({1, max(1, open_count // 50 // 2), max(1, -(-open_count // 50))})
    all_pages = sorted({1, max(1, all_count // 50 // 2), max(1, -(-all_count // 50))})
    offsets = sorted({0, all_count // 4 // 50 * 50, all_count // 2 // 50 * 50})
    figures[f"{who}_visible_open"], figures[f"{who}_visible_all"] = open_count, all_count
    scenarios = {
        "register": [f"/incidents/?page={p}" for p in open_pages]
        + [f"/incidents/?status=all&page={p}" for p in all_pages],
        "api": [f"/api/v1/incidents?limit=50&offset={o}" for o in offsets],
    }
    for name, urls in scenarios.items():
        result = measure_list(client, urls, max(repeat, len(urls)))
        for key, value in result.items():
            figures[f"{who}_{name}_{key}"] = value


# --- Reminder sweep -----------------------------------------------------------------------------------------------

SWEEP_FLOOR_SELECT = """
SELECT c.id, c.regime, c.deadline, c.anchor_at, c.due_at, c.reminders_sent, i.id, i.reference, i.unit_id,
       h.id, h.language, h.is_active, m.id, m.language, m.is_active
FROM incidents_clock c
JOIN incidents_incident i ON i.id = c.incident_id
JOIN core_user h ON h.id = i.handler_id
LEFT JOIN core_user m ON m.id = h.manager_id
WHERE c.state = 'running' AND c.next_reminder_at <= %s
ORDER BY c.next_reminder_at, c.id
"""


def sweep_floor(now) -> tuple[float, float, int]:
    """The database work of a sweep over the same rows, by raw SQL, rolled back: read the due clocks with incident,
    handler and manager; update each clock's reminders and next point; insert the reminders (one per person in each
    batch of the sweep, as it does). Not in the floor: the sweep's ledger events (one per clock)."""
    from django.db import connection, transaction

    from aims.core.models import Notification
    from aims.incidents.services.regimes import SWEEP_BATCH

    table = Notification._meta.db_table
    started, started_cpu = time.perf_counter(), time.process_time()
    rows = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(SWEEP_FLOOR_SELECT, [now])
            due = cursor.fetchall()
            rows = len(due)
            cursor.executemany("UPDATE incidents_clock SET reminders_sent = %s, next_reminder_at = NULL WHERE id = %s",
                               [('[0.5]', row[0]) for row in due])
            notifications = []
            for start in range(0, len(due), SWEEP_BATCH):  # as the sweep: one reminder per person and batch
                people = {person: row for row in due[start:start + SWEEP_BATCH] for person in (row[9], row[12])
                          if person}
                notifications += [(person, "incidents.clock", f"Deadline approaching: {row[7]}", "",
                                   "Deadline approaching: %(deadline)s of %(incident)s", "",
                                   f"/incidents/{row[6]}/#clock-{row[0]}", now) for person, row in people.items()]
            cursor.executemany(
                f"INSERT INTO {table} (recipient_id, kind, title, body, title_message, body_message, url, created_at, "
                f"read_at, params) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, '{{}}')", notifications)
        transaction.set_rollback(True)
    return time.perf_counter() - started, time.process_time() - started_cpu, rows


def _make_due(ids, now) -> None:
    from aims.incidents.models import Clock

    Clock.objects.filter(pk__in=ids).update(next_reminder_at=now - timedelta(minutes=1), reminders_sent=[])


def measure_sweep(data: dict, repeat: int, figures: dict) -> None:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from aims.incidents import services
    from aims.incidents.models import Clock

    running = list(Clock.objects.filter(state="running").values_list("pk", flat=True))
    rng = random.Random(5)
    far = timezone.now() + timedelta(days=3650)
    Clock.objects.filter(state="running").update(next_reminder_at=far)
    # A 5-minute sweep: 1 % of the running clocks reached a point.
    samples, cpu, floor_wall, floor_cpu, reminded = [], [], [], [], []
    share = max(1, len(running) // 100)
    # Four days on, every running clock has passed its deadline: each due one is reminded (about its latest point).
    for _ in range(max(3, repeat // 5)):
        now = timezone.now() + timedelta(days=4)
        subset = rng.sample(running, share)
        _make_due(subset, now)
        seconds, cpu_s, _rows = sweep_floor(now)
        floor_wall.append(seconds * 1000)
        floor_cpu.append(cpu_s * 1000)
        started, started_cpu = time.perf_counter(), time.process_time()
        reminded.append(services.send_reminders(now=now))
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        Clock.objects.filter(pk__in=subset).update(next_reminder_at=far)
        mail.outbox = []
    due = percentiles(samples, cpu)
    floor = percentiles(floor_wall, floor_cpu)
    figures.update({f"sweep_due_{k}": v for k, v in due.items()})
    figures.update({f"sweep_due_floor_{k}": v for k, v in floor.items() if k != "max_ms"})
    figures["sweep_due_clocks"] = share
    figures["sweep_due_reminded"] = max(reminded)
    figures["sweep_due_floor_ratio_p95"] = _ratio(due["p95_ms"], floor["p95_ms"])
    figures["sweep_due_floor_cpu_ratio_p95"] = _ratio(due["cpu_p95_ms"], floor["cpu_p95_ms"])
    # The catch-up sweep: every running clock reached a point. Its e-mails are queued as in production (the queue is a
    # SQLite file in the temporary data directory) and sent afterwards by the worker, timed apart. Three catch-ups in a
    # row (the clocks made due again each time): the figure is their median, each one is reported, and so is the
    # slowest; one sample on a shared 2-core machine varies by a quarter from run to run.
    from huey.contrib.djhuey import HUEY

    runs = []
    for _ in range(CATCH_UPS):
        now = timezone.now() + timedelta(days=4)
        _make_due(running, now)
        HUEY.immediate = False
        try:
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                count = services.send_reminders(now=now)
                wall_ms = (time.perf_counter() - started) * 1000
                cpu_ms = (time.process_time() - started_cpu) * 1000
            jobs, started = 0, time.perf_counter()
            while (job := HUEY.dequeue()) is not None:  # what `aims worker` does with them
                HUEY.execute(job)
                jobs += 1
            email_ms = (time.perf_counter() - started) * 1000
        finally:
            HUEY.immediate = True
        mail.outbox = []  # "sent": kept in memory, each catch-up's messages would pile up and slow the next ones
        # The floor over the same rows, made due again, after the sweep: run before it, its rolled-back transaction
        # (12,000 clocks updated, the reminders inserted) slowed the sweep that followed by 10-15 %, which no
        # production sweep meets.
        _make_due(running, now)
        seconds, cpu_s, rows = sweep_floor(now)
        runs.append({"ms": wall_ms, "cpu_ms": cpu_ms, "queries": len(captured.captured_queries), "clocks": count,
                     "floor_ms": seconds * 1000, "floor_cpu_ms": cpu_s * 1000, "floor_rows": rows,
                     "email_jobs": jobs, "email_ms": email_ms})
    runs.sort(key=lambda run: run["ms"])
    middle = runs[len(runs) // 2]
    floor_ms = statistics.median(run["floor_ms"] for run in runs)
    floor_cpu_ms = statistics.median(run["floor_cpu_ms"] for run in runs)
    figures.update({"sweep_all_ms": round(middle["ms"], 1), "sweep_all_cpu_ms": round(middle["cpu_ms"], 1),
                    "sweep_all_samples_ms": [round(run["ms"], 1) for run in runs],
                    "sweep_all_max_ms": round(runs[-1]["ms"], 1),
                    "sweep_all_clocks": middle["clocks"], "sweep_all_queries": middle["queries"],
                    "sweep_all_floor_ms": round(floor_ms, 1), "sweep_all_floor_cpu_ms": round(floor_cpu_ms, 1),
                    "sweep_all_floor_rows": middle["floor_rows"],
                    "sweep_all_floor_ratio": _ratio(middle["ms"], floor_ms),
                    "sweep_all_floor_cpu_ratio": _ratio(middle["cpu_ms"], floor_cpu_ms),
                    "sweep_all_email_jobs": middle["email_jobs"], "sweep_all_email_ms": round(middle["email_ms"], 1)})


# --- Affected systems ---------------------------------------------------------------------------------------------

def measure_affected(data: dict, who: str, repeat: int, figures: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aims.incidents.queries import affected_systems

    user, component = data[who], data["component"]

    def run():
        return affected_systems(component, user)

    with CaptureQueriesContext(connection) as captured:
        rows = run()
    statements = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    figures[f"{who}_affected_systems"] = len(rows)
    figures[f"{who}_affected_queries"] = len(captured.captured_queries)
    figures.update({f"{who}_affected_{k}": v for k, v in time_calls(run, repeat).items()})
    from _common import replay_seconds

    floor_wall, floor_cpu = [], []
    for _ in range(repeat):
        seconds, cpu_s, _rows = replay_seconds(statements)
        floor_wall.append(seconds * 1000)
        floor_cpu.append(cpu_s * 1000)
    floor = percentiles(floor_wall, floor_cpu)
    figures.update({f"{who}_affected_floor_{k}": v for k, v in floor.items() if k != "max_ms"})
    figures[f"{who}_affected_floor_ratio_p95"] = _ratio(figures[f"{who}_affected_p95_ms"], floor["p95_ms"])
    figures[f"{who}_affected_floor_cpu_ratio_p95"] = _ratio(figures[f"{who}_affected_cpu_p95_ms"],
                                                            floor["cpu_p95_ms"])


def run(scale: float, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="aims-bench-incidents-") as data_dir:
        setup_django(data_dir)
        from django.conf import settings
        from django.db import connections

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # rendered and "sent", not printed
        from django.test import Client

        data = generate(scale)
        as_a_server_process()
        figures: dict = dict(data["counts"])
        started_cpu, started = cpu_seconds(), time.perf_counter()
        for who in ("manager", "owner"):
            client = Client()
            client.force_login(data[who])
            measure_register(client, data[who], who, repeat, figures)
            measure_affected(data, who, repeat, figures)
        measure_sweep(data, repeat, figures)
        figures["measure_seconds"] = round(time.perf_counter() - started, 2)
        figures["measure_cpu_seconds"] = round(cpu_seconds() - started_cpu, 2)
        figures["queries_constant"] = all(
            figures[k] == figures[k.replace("_queries_min", "_queries_max")] for k in figures if k.endswith("_queries_min"))
        connections.close_all()
    return figures


def verdicts(figures: dict) -> dict:
    out = {}
    for who in ("manager", "owner"):
        for scenario, goal in (("register", "register_p95_ms"), ("api", "api_p95_ms"), ("affected", "affected_p95_ms")):
            value = figures.get(f"{who}_{scenario}_p95_ms")
            out[f"{who}_{scenario}"] = None if value is None else value <= GOALS[goal]
    out["sweep_all"] = figures["sweep_all_ms"] <= GOALS["sweep_all_ms"]
    return out


def summary(figures: dict) -> str:
    lines = [f"incidents benchmark, scale {figures['scale']}: {figures['incidents']:,} incidents, {figures['clocks']:,} "
             f"clocks ({figures['running_clocks']:,} running), {figures['systems']:,} systems in {figures['units']} "
             f"units (generated in {figures['generate_seconds']} s), {figures['machine']['cpus']} CPU(s), load "
             f"{figures['load_average_before']} -> {figures['load_average_after']}"]
    for who, label in (("manager", "AIMS manager, whole organisation"), ("owner", "system owner, one unit")):
        lines.append(f"  {label}:")
        for scenario in ("register", "api", "affected"):
            key = f"{who}_{scenario}"
            met = figures["goals_met"].get(key)
            lines.append(
                f"    {scenario:<9} p50 {figures[f'{key}_p50_ms']:>7.1f} ms  p95 {figures[f'{key}_p95_ms']:>7.1f} ms  "
                f"[CPU p50 {figures[f'{key}_cpu_p50_ms']:.1f} p95 {figures[f'{key}_cpu_p95_ms']:.1f}]  floor p95 "
                f"{figures[f'{key}_floor_p95_ms']} ms (ratio {figures[f'{key}_floor_ratio_p95']}x, CPU "
                f"{figures[f'{key}_floor_cpu_ratio_p95']}x)  {'goal met' if met else 'goal NOT met'}")
    lines.append(f"  reminder sweep, 1 % due ({figures['sweep_due_clocks']} clocks): p50 {figures['sweep_due_p50_ms']} ms"
                 f" p95 {figures['sweep_due_p95_ms']} ms [CPU p95 {figures['sweep_due_cpu_p95_ms']}], floor p95 "
                 f"{figures['sweep_due_floor_p95_ms']} ms (ratio {figures['sweep_due_floor_ratio_p95']}x)")
    lines.append(f"  reminder sweep, all {figures['sweep_all_clocks']:,} running clocks due: {figures['sweep_all_ms']} ms "
                 f"median of {figures['sweep_all_samples_ms']} [CPU {figures['sweep_all_cpu_ms']}], "
                 f"{figures['sweep_all_queries']} queries, floor "
                 f"{figures['sweep_all_floor_ms']} ms (ratio {figures['sweep_all_floor_ratio']}x)  "
                 f"{'goal met' if figures['goals_met']['sweep_all'] else 'goal NOT met'}; then the worker's "
                 f"{figures['sweep_all_email_jobs']} e-mail job(s): {figures['sweep_all_email_ms']} ms")
    lines.append(f"  queries per request constant: {figures['queries_constant']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.01 runs in seconds)")
    parser.add_argument("--repeat", type=int, default=50, help="requests / calls measured per scenario")
    parser.add_argument("--json", required=True, help="where to write the figures")
    args = parser.parse_args(argv)
    figures: dict = {"benchmark": "incidents", "scale": args.scale, "repeat": args.repeat, "machine": machine(),
                     "goals": GOALS, "load_average_before": load_average()}
    figures.update(run(args.scale, max(1, args.repeat)))
    figures["load_average_after"] = load_average()
    figures["goals_met"] = verdicts(figures)
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
