"""The "To approve" inbox at scale: every kind of sign-off waiting at once, read by an organisation-wide approver and
by a unit-scoped one.

    python benchmarks/approvals.py [--scale N] [--repeat N] --json OUT

Data (x scale), written with bulk_create on a fresh SQLite database in a temporary AIMS_DATA_DIR (the set-up is not
what is measured): 2,000 AI systems in 50 units, each with a classification awaiting sign-off; 500 submitted impact
assessments; 500 pending minor-change decisions (their technical leads spread over 50 people); 500 risks above
appetite whose owners decided to accept them.

Figures (one JSON object written to OUT, a summary printed), for `risk_manager` (risk manager over the whole
organisation: classifications, impact assessments and acceptances), `unit_manager` (AIMS manager over one unit: its classifications, assessments and acceptances) and
`lead` (technical lead named on some change decisions):
  <who>_page_*       GET /approvals/ (pages 1 and 2) through Django's test client: p50/p95/max wall and CPU, queries
  <who>_registry_*   aims.core.approvals.waiting_for(user) alone: what the page, the home card and the API all run
  <who>_floor_*      the floor: raw SQL reading the same rows' ids and titles for that reader, no Django
  <who>_ratio        registry p50 / floor p50
  reminders_*        aims.core.approvals.send_reminders() once everything waits for 30 days: first run (tasks and
                     reminders written) and the next day's run (nothing new to send)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    as_a_server_process, cpu_seconds, load_average, machine, setup_django, time_calls, time_requests,
)

SYSTEMS_AT_SCALE_1 = 2_000
OTHERS_AT_SCALE_1 = 500
UNITS = 50
LEADS = 50


def generate(scale: float) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from aims.core.models import OrgUnit, RoleAssignment, User
    from aims.inventory.models import AISystem, ChangeDecision, Classification
    from aims.inventory.services.changes import approver_config
    from aims.risks import services
    from aims.risks.models import ImpactAssessment, Risk

    n_systems = max(UNITS, int(SYSTEMS_AT_SCALE_1 * scale))
    n_others = max(10, int(OTHERS_AT_SCALE_1 * scale))
    started = time.perf_counter()
    method = services.load_default_method(actor=None)
    definition = method.definition
    high = definition.level_of(3, 3)
    slots, version = approver_config("minor_update")
    now = timezone.now()
    with transaction.atomic():
        root = OrgUnit.objects.create(name="Bank", code="bench-root", path="")
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
        units = OrgUnit.objects.bulk_create([OrgUnit(name=f"Unit {i}", code=f"bench-{i}", parent=root)
                                             for i in range(UNITS)])
        for unit in units:
            unit.path = f"{root.path}{unit.pk}/"
        OrgUnit.objects.bulk_update(units, ["path"])
        password = make_password(None)

        def person(name, unit=None):
            return User.objects.create(username=f"{name}@example.com", email=f"{name}@example.com", first_name=name,
                                       password=password, unit=unit)

        owner = person("owner", units[0])
        RoleAssignment.objects.create(role="system_owner", user=owner, unit=root)
        risk_manager = person("risk_manager")
        RoleAssignment.objects.create(role="risk_manager", user=risk_manager)
        unit_manager = person("unit_manager", units[1])
        RoleAssignment.objects.create(role="aims_manager", user=unit_manager, unit=units[1])
        leads = [person(f"lead{i}", units[i % UNITS]) for i in range(LEADS)]
        referent = person("referent", units[0])
        systems = AISystem.objects.bulk_create([
            AISystem(name=f"System {i:05d}", reference_code=f"AIS-{i:05d}", unit=units[i % UNITS], owner=owner,
                     technical_lead=leads[i % LEADS], business_referent=referent) for i in range(n_systems)])
        Classification.objects.bulk_create([
            Classification(system=system, answers={}, catalogue_version="bench", proposed_tier="high_risk",
                           proposed_role="deployer", final_tier="high_risk", final_role="deployer", classified_by=owner,
                           classified_at=now) for system in systems])
        ImpactAssessment.objects.bulk_create([
            ImpactAssessment(system=systems[i], number=1, template_key="bench", template_version="1", author=owner,
                             status=ImpactAssessment.Status.SUBMITTED, submitted_at=now) for i in range(n_others)])
        ChangeDecision.objects.bulk_create([
            ChangeDecision(system=systems[i], kind="minor_update", description="Retrain", requested_by=owner,
                           required_approvers=slots, config_version=version) for i in range(n_others)])
        Risk.objects.bulk_create([
            Risk(unit=systems[i].unit, title=f"Risk {i}", category="security", owner=owner, method=method,
                 inherent_likelihood=3, inherent_impact=3, inherent_score=definition.score(3, 3),
                 inherent_level=high.key, inherent_rank=high.rank, above_appetite=True, status=Risk.Status.ASSESSED,
                 treatment=Risk.Treatment.ACCEPT) for i in range(n_others)])
    from aims.core.tasks import refresh_statistics

    refresh_statistics()  # the daily job: what a production database has
    return {"risk_manager": risk_manager, "unit_manager": unit_manager, "lead": leads[0],
            "counts": {"systems": n_systems, "classifications": n_systems, "impact_assessments": n_others,
                       "change_decisions": n_others, "acceptances": n_others,
                       "generate_seconds": round(time.perf_counter() - started, 2)}}


def floor_sql(user, who: str) -> tuple[str, list]:
    """The same rows for the same reader, in plain SQL: what the inbox cannot do with fewer reads."""
    if who == "risk_manager":  # organisation-wide: every waiting classification, assessment and acceptance
        return ("SELECT c.id, s.name FROM inventory_classification c JOIN inventory_aisystem s ON s.id = c.system_id"
                " WHERE c.status = 'awaiting_sign_off' AND c.classified_by_id <> %s"
                " UNION ALL SELECT a.id, s.name FROM risks_impactassessment a JOIN inventory_aisystem s"
                " ON s.id = a.system_id WHERE a.status = 'submitted' AND a.author_id <> %s"
                " UNION ALL SELECT r.id, r.title FROM risks_risk r WHERE r.treatment = 'accept' AND r.above_appetite"
                " AND r.status NOT IN ('accepted', 'closed') AND r.owner_id <> %s", [user.pk] * 3)
    if who == "unit_manager":  # one unit's classifications, assessments and acceptances
        return ("SELECT c.id, s.name FROM inventory_classification c JOIN inventory_aisystem s ON s.id = c.system_id"
                " WHERE c.status = 'awaiting_sign_off' AND s.unit_id = %s"
                " UNION ALL SELECT a.id, s.name FROM risks_impactassessment a JOIN inventory_aisystem s"
                " ON s.id = a.system_id WHERE a.status = 'submitted' AND s.unit_id = %s"
                " UNION ALL SELECT r.id, r.title FROM risks_risk r WHERE r.treatment = 'accept' AND r.above_appetite"
                " AND r.status NOT IN ('accepted', 'closed') AND r.unit_id = %s", [user.unit_id] * 3)
    return ("SELECT d.id, s.name FROM inventory_changedecision d JOIN inventory_aisystem s ON s.id = d.system_id"
            " WHERE d.status = 'pending' AND s.technical_lead_id = %s", [user.pk])


def run(scale: float, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="aims-bench-approvals-") as data_dir:
        setup_django(data_dir)
        from django.db import connection, connections
        from django.test import Client
        from django.utils import timezone

        from aims.core import approvals, context

        data = generate(scale)
        as_a_server_process()
        figures: dict = dict(data["counts"])
        started_cpu, started = cpu_seconds(), time.perf_counter()
        for who in ("risk_manager", "unit_manager", "lead"):
            user = data[who]
            rows = approvals.waiting_for(user)
            figures[f"{who}_rows"] = len(rows)
            figures.update({f"{who}_registry_{k}": v
                            for k, v in time_calls(lambda u=user: approvals.waiting_for(u), repeat).items()})
            sql, params = floor_sql(user, who)

            def floor(sql=sql, params=params):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall()

            figures[f"{who}_floor_rows"] = len(floor())
            figures.update({f"{who}_floor_{k}": v for k, v in time_calls(floor, repeat).items()})
            figures[f"{who}_ratio"] = round(figures[f"{who}_registry_p50_ms"] / max(figures[f"{who}_floor_p50_ms"], 0.01),
                                            1)
            client = Client()
            client.force_login(user)
            result = time_requests(client, ["/approvals/", "/approvals/?page=2"], repeat)
            figures.update({f"{who}_page_{k}": v for k, v in result.items()})
        later = timezone.now() + timedelta(days=30)
        for run_name, day in (("first", later), ("next_day", later + timedelta(days=1))):
            run_started, run_cpu = time.perf_counter(), cpu_seconds()
            with context.bound(clock=lambda day=day: day):
                sent = approvals.send_reminders()
            figures[f"reminders_{run_name}_seconds"] = round(time.perf_counter() - run_started, 2)
            figures[f"reminders_{run_name}_cpu_seconds"] = round(cpu_seconds() - run_cpu, 2)
            figures[f"reminders_{run_name}_sent"] = sent
        figures["measure_seconds"] = round(time.perf_counter() - started, 2)
        figures["measure_cpu_seconds"] = round(cpu_seconds() - started_cpu, 2)
        connections.close_all()
    return figures


def summary(figures: dict) -> str:
    lines = [f"approvals benchmark, scale {figures['scale']}: {figures['classifications']:,} classifications, "
             f"{figures['impact_assessments']:,} assessments, {figures['change_decisions']:,} change decisions and "
             f"{figures['acceptances']:,} acceptances waiting (generated in {figures['generate_seconds']} s) on "
             f"{figures['machine']['cpus']} CPU(s), load average {figures['load_average_before']} -> "
             f"{figures['load_average_after']}"]
    for who in ("risk_manager", "unit_manager", "lead"):
        lines.append(f"  {who}: {figures[f'{who}_rows']:,} rows (floor reads {figures[f'{who}_floor_rows']:,})")
        for part in ("page", "registry", "floor"):
            key = f"{who}_{part}"
            queries = figures.get(f"{key}_queries_max")
            lines.append(f"    {part:<9} p50 {figures[f'{key}_p50_ms']:>8.1f} ms  p95 {figures[f'{key}_p95_ms']:>8.1f} ms"
                         f"  [CPU p50 {figures[f'{key}_cpu_p50_ms']:>7.1f}]" + (f"  queries {queries}" if queries else ""))
        lines.append(f"    registry / floor: {figures[f'{who}_ratio']}x")
    for run_name in ("first", "next_day"):
        lines.append(f"  reminders ({run_name}): {figures[f'reminders_{run_name}_seconds']} s "
                     f"[CPU {figures[f'reminders_{run_name}_cpu_seconds']} s], {figures[f'reminders_{run_name}_sent']:,} sent")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.05 runs in seconds)")
    parser.add_argument("--repeat", type=int, default=20, help="requests / calls measured per scenario")
    parser.add_argument("--json", required=True, help="where to write the figures")
    args = parser.parse_args(argv)
    figures: dict = {"benchmark": "approvals", "scale": args.scale, "repeat": args.repeat, "machine": machine(),
                     "load_average_before": load_average()}
    figures.update(run(args.scale, max(1, args.repeat)))
    figures["load_average_after"] = load_average()
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
