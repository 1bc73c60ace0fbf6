"""Measurements: pushed by pipelines (API, `aims metrics push`) or typed in, all through `push_measurements`.

A push is checked whole before anything is written (all or nothing, with the rows in error named), then written with
a few set-based statements whatever its size: the values (one upsert: a moment pushed again replaces its value), the
daily aggregates of the days touched, the unit rollups of those days, the KPIs' latest values, one batch record and
one ledger event per system. Then each KPI whose status changed is handed to the alerts.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from aims.core import ledger
from aims.core.permissions import CHANGE, can_in_unit
from aims.inventory.models import AISystem

from ..models import DailyRollup, Kpi, KpiDaily, Measurement, MeasurementBatch, Status, WeeklyRollup

MAX_PER_PUSH = 10_000
MAX_ERRORS_SHOWN = 20
# A pipeline's clock may run a little ahead of ours; a value further in the future is a mistake.
FUTURE_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class PushResult:
    received: int
    created: int
    replaced: int
    unchanged: int
    batches: list


def _moment(value, row: int, errors: list) -> datetime | None:
    if isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is None:
            errors.append(_("row %(row)s: “%(value)s” is not a date and time (use ISO 8601, e.g. "
                            "2026-03-01T08:00:00Z).") % {"row": row, "value": value[:40]})
            return None
        value = parsed
    if not isinstance(value, datetime):
        errors.append(_("row %(row)s: the time is missing.") % {"row": row})
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)  # documented: a time without offset is UTC
    return value.astimezone(UTC)


def _value(value, row: int, errors: list) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append(_("row %(row)s: “%(value)s” is not a number.") % {"row": row, "value": str(value)[:40]})
        return None
    if not math.isfinite(number):
        errors.append(_("row %(row)s: the value must be a finite number.") % {"row": row})
        return None
    return number


def _resolve_kpis(rows: list[dict], default_system) -> tuple[dict, dict]:
    """KPIs named by the rows, in two queries at most: by id, and by (system reference, key)."""
    ids = {row.get("kpi_id") for row in rows if row.get("kpi_id") is not None}
    pairs = {((row.get("system") or (default_system.reference_code if default_system else "")), row.get("kpi"))
             for row in rows if row.get("kpi_id") is None}
    by_id, by_pair = {}, {}
    related = Kpi.objects.select_related("system__unit", "owner")
    if ids:
        by_id = {k.pk: k for k in related.filter(pk__in=[i for i in ids if isinstance(i, int)])}
    if pairs:
        condition = Q(pk__in=[])
        for reference, key in pairs:
            condition |= Q(system__reference_code=reference, key=key)
        by_pair = {(k.system.reference_code, k.key): k for k in related.filter(condition)} if len(pairs) <= 500 \
            else {(k.system.reference_code, k.key): k for k in related.filter(
                system__reference_code__in={p[0] for p in pairs}, key__in={p[1] for p in pairs})}
    return by_id, by_pair


def check_rows(*, actor, rows: list[dict], token=None, default_system=None) -> list[tuple[Kpi, datetime, float]]:
    """Validate every row; return (kpi, moment, value) triples or raise one ValidationError naming the bad rows.

    A row names its KPI by `kpi_id`, or by `system` (reference code; defaults to the token's system) and `kpi` (key).
    """
    if token is not None:
        default_system = token.system
    by_id, by_pair = _resolve_kpis(rows, default_system)
    errors: list[str] = []
    checked, seen = [], {}
    latest_allowed = timezone.now().timestamp() + FUTURE_TOLERANCE_SECONDS
    allowed_systems: dict[int, bool] = {}
    for row_number, row in enumerate(rows, start=1):
        if row.get("kpi_id") is not None:
            kpi = by_id.get(row["kpi_id"])
        else:
            reference = row.get("system") or (default_system.reference_code if default_system else "")
            kpi = by_pair.get((reference, row.get("kpi")))
        if kpi is None:
            errors.append(_("row %(row)s: no such KPI (give kpi_id, or system and kpi).") % {"row": row_number})
            continue
        system = kpi.system
        if system.pk not in allowed_systems:
            allowed_systems[system.pk] = (
                (token is None or token.system_id == system.pk)
                and (actor is None or can_in_unit(actor, CHANGE, "monitoring", system.unit)))
        if not allowed_systems[system.pk]:
            # Not "forbidden": a KPI the caller may not push to is, to them, a KPI that does not exist.
            errors.append(_("row %(row)s: no such KPI (give kpi_id, or system and kpi).") % {"row": row_number})
            continue
        if system.is_frozen:
            errors.append(_("row %(row)s: %(system)s is retired and read-only.") % {"row": row_number,
                                                                                  "system": system})
            continue
        if not kpi.is_active:
            errors.append(_("row %(row)s: the KPI “%(kpi)s” is inactive.") % {"row": row_number, "kpi": kpi.key})
            continue
        moment = _moment(row.get("at"), row_number, errors)
        value = _value(row.get("value"), row_number, errors)
        if moment is None or value is None:
            continue
        if moment.timestamp() > latest_allowed:
            errors.append(_("row %(row)s: the time is in the future.") % {"row": row_number})
            continue
        first = seen.setdefault((kpi.pk, moment), row_number)
        if first != row_number:
            errors.append(_("row %(row)s: same KPI and time as row %(first)s.") % {"row": row_number, "first": first})
            continue
        checked.append((kpi, moment, value))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > MAX_ERRORS_SHOWN:
            shown.append(_("… and %(count)s more.") % {"count": len(errors) - MAX_ERRORS_SHOWN})
        raise ValidationError({"measurements": shown})
    return checked


def _digest(triples) -> str:
    lines = sorted(f"{kpi.pk}|{moment.isoformat()}|{value!r}" for kpi, moment, value in triples)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@transaction.atomic
def push_measurements(*, actor, rows: list[dict], source: str = MeasurementBatch.Source.API, token=None,
                      default_system=None, reason: str = "", max_rows: int | None = MAX_PER_PUSH) -> PushResult:
    """Store the rows (see check_rows) in one transaction. `actor` None is a trusted operator (the CLI on the server);
    with a push `token`, the actor is its creator and only its system is reachable."""
    if not rows:
        raise ValidationError({"measurements": [_("Nothing to store: the push holds no values.")]})
    if max_rows is not None and len(rows) > max_rows:
        raise ValidationError({"measurements": [_("At most %(max)s values per push; split the batch.")
                                                % {"max": max_rows}]})
    if token is not None and not token.is_usable:
        raise PermissionDenied(_("This push token is revoked or expired."))
    triples = check_rows(actor=actor, rows=rows, token=token, default_system=default_system)
    return store(actor=actor, triples=triples, source=source, token=token, reason=reason)


def store(*, actor, triples, source: str, token=None, reason: str = "") -> PushResult:
    """Write checked (kpi, moment, value) triples; must run inside the caller's transaction."""
    by_system: dict[int, list] = defaultdict(list)
    for triple in triples:
        by_system[triple[0].system_id].append(triple)
    totals = {"created": 0, "replaced": 0, "unchanged": 0}
    batches, measurements = [], []
    for group in by_system.values():
        batch, counts, rows = _store_system(actor=actor, triples=group, source=source, token=token, reason=reason)
        batches.append(batch)
        measurements += rows
        for key in totals:
            totals[key] += counts[key]
    _upsert(measurements)
    kpis = {kpi.pk: kpi for kpi, _m, _v in triples}
    days = {moment.date() for _k, moment, _v in triples}
    refresh_daily(list(kpis.values()), days)
    refresh_rollups({kpi.system.unit_id for kpi in kpis.values()}, days)
    _refresh_latest(actor, list(kpis.values()))
    return PushResult(len(triples), totals["created"], totals["replaced"], totals["unchanged"], batches)


def _store_system(*, actor, triples, source, token, reason):
    system = triples[0][0].system
    kpi_ids = {kpi.pk for kpi, _m, _v in triples}
    first = min(moment for _k, moment, _v in triples)
    last = max(moment for _k, moment, _v in triples)
    existing = {(kpi_id, moment): value for kpi_id, moment, value in Measurement.objects.filter(
        kpi_id__in=kpi_ids, measured_at__gte=first, measured_at__lte=last).values_list("kpi_id", "measured_at",
                                                                                      "value")}
    counts = {"created": 0, "replaced": 0, "unchanged": 0}
    to_write = []
    for kpi, moment, value in triples:
        before = existing.get((kpi.pk, moment))
        if before is None:
            counts["created"] += 1
        elif before == value:
            counts["unchanged"] += 1
            continue
        else:
            counts["replaced"] += 1
        to_write.append((kpi.pk, moment, value))
    person = actor if getattr(actor, "pk", None) else None
    batch = MeasurementBatch.objects.create(
        system=system, source=source, pushed_by=person, pushed_by_label="" if person else str(actor or ""),
        token=token, received=len(triples), first_at=first, last_at=last, sha256=_digest(triples), **counts)
    per_kpi: dict[str, int] = defaultdict(int)
    for kpi, _m, _v in triples:
        per_kpi[kpi.key] += 1
    after = {"received": len(triples), **counts, "first_at": first.isoformat(), "last_at": last.isoformat(),
             "per_kpi": dict(sorted(per_kpi.items())), "sha256": batch.sha256, "source": source}
    if token is not None:
        after["token_prefix"] = token.prefix
    ledger.record(actor=actor, action="monitoring.measurements.push", obj=batch, after=after, reason=reason)
    return batch, counts, [(kpi_id, moment, value, batch.pk) for kpi_id, moment, value in to_write]


def _upsert(rows: list[tuple]) -> None:
    """Insert (kpi id, moment, value, batch id) rows, a moment already stored taking the new value: one prepared
    statement run for every row of the push. The ORM's bulk_create prepares each value of each row in Python, which
    cost ten times the database's own work on a 10,000-value push; the statement is the same on SQLite and
    PostgreSQL (ON CONFLICT on the unique constraint monitoring_measurement_moment)."""
    if not rows:
        return
    field = Measurement._meta.get_field
    quote = connection.ops.quote_name
    columns = [field(name).column for name in ("kpi", "measured_at", "day", "value", "batch")]
    moment, day = field("measured_at"), field("day")
    sql = (f"INSERT INTO {quote(Measurement._meta.db_table)} ({', '.join(map(quote, columns))}) "
           f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT ({quote(columns[0])}, {quote(columns[1])}) "
           f"DO UPDATE SET {quote(columns[3])} = excluded.{quote(columns[3])}, "
           f"{quote(columns[4])} = excluded.{quote(columns[4])}")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(kpi_id, moment.get_db_prep_value(at, connection),
                                  day.get_db_prep_value(at.date(), connection), value, batch_id)
                                 for kpi_id, at, value, batch_id in rows])


def refresh_daily(kpis: list[Kpi], days) -> None:
    """Recompute the daily aggregates of these KPIs on these days from the measurements (one grouped query, one
    upsert); a day's status is its mean against the KPI's current thresholds."""
    if not kpis or not days:
        return
    by_id = {kpi.pk: kpi for kpi in kpis}
    rows = (Measurement.objects.filter(kpi_id__in=list(by_id), day__in=sorted(days))
            .values("kpi_id", "day").annotate(n=Count("id"), total=Sum("value"), low=Min("value"), high=Max("value"))
            .order_by())
    daily = []
    for row in rows:
        kpi = by_id[row["kpi_id"]]
        mean = row["total"] / row["n"]
        daily.append(KpiDaily(kpi_id=kpi.pk, day=row["day"], count=row["n"], mean=mean, minimum=row["low"],
                              maximum=row["high"], status=kpi.status_for(mean)))
    KpiDaily.objects.bulk_create(daily, update_conflicts=True, unique_fields=["kpi", "day"],
                                 update_fields=["count", "mean", "minimum", "maximum", "status"], batch_size=2000)


def monday(day):
    return day - timedelta(days=day.weekday())


def refresh_rollups(unit_ids, days) -> None:
    """Recompute the unit rollups of these units on these days from the daily aggregates, then their weeks."""
    if not unit_ids or not days:
        return
    days = sorted(days)
    rows = (KpiDaily.objects.filter(day__in=days, kpi__system__unit_id__in=list(unit_ids))
            .values("kpi__system__unit_id", "day", "kpi__catalogue_key", "kpi__family")
            .annotate(n=Count("id"), ok=Count("id", filter=Q(status=Status.OK)),
                      warning=Count("id", filter=Q(status=Status.WARNING)),
                      critical=Count("id", filter=Q(status=Status.CRITICAL)), total=Sum("mean"))
            .order_by())
    rollups = [DailyRollup(unit_id=row["kpi__system__unit_id"], day=row["day"], week=monday(row["day"]),
                           catalogue_key=row["kpi__catalogue_key"], family=row["kpi__family"], kpis=row["n"],
                           ok=row["ok"], warning=row["warning"], critical=row["critical"], value_sum=row["total"] or 0)
               for row in rows]
    DailyRollup.objects.bulk_create(rollups, update_conflicts=True, unique_fields=["day", "catalogue_key", "unit"],
                                    update_fields=["week", "family", "kpis", "ok", "warning", "critical",
                                                   "value_sum"], batch_size=2000)
    weeks = sorted({monday(day) for day in days})
    weekly = (DailyRollup.objects.filter(week__in=weeks, unit_id__in=list(unit_ids))
              .values("unit_id", "week", "catalogue_key", "family")
              .annotate(n=Sum("kpis"), ok_sum=Sum("ok"), warning_sum=Sum("warning"), critical_sum=Sum("critical"),
                        total=Sum("value_sum")).order_by())
    WeeklyRollup.objects.bulk_create(
        [WeeklyRollup(unit_id=row["unit_id"], week=row["week"], catalogue_key=row["catalogue_key"],
                      family=row["family"], kpis=row["n"], ok=row["ok_sum"], warning=row["warning_sum"],
                      critical=row["critical_sum"], value_sum=row["total"] or 0) for row in weekly],
        update_conflicts=True, unique_fields=["week", "catalogue_key", "unit"],
        update_fields=["family", "kpis", "ok", "warning", "critical", "value_sum"], batch_size=2000)


def _refresh_latest(actor, kpis: list[Kpi]) -> None:
    """Each KPI's latest value and status, from its newest measurement; stale KPIs that received data are fresh."""
    latest = {kpi_id: (moment, value) for kpi_id, moment, value in _newest(kpis)}
    changed, previous = [], {}
    for kpi in kpis:
        if kpi.pk not in latest:
            continue
        moment, value = latest[kpi.pk]
        status = kpi.status_for(value)
        if (kpi.last_measured_at, kpi.last_value, kpi.status, kpi.stale_since) == (moment, value, status, None):
            continue
        previous[kpi.pk] = (kpi.status, kpi.stale_since)
        kpi.last_measured_at, kpi.last_value, kpi.status, kpi.stale_since = moment, value, status, None
        changed.append(kpi)
    Kpi.objects.bulk_update(changed, ["last_measured_at", "last_value", "status", "stale_since"], batch_size=500)
    from . import alerts

    for kpi in changed:
        status_before, stale_before = previous[kpi.pk]
        if stale_before is not None:
            alerts.kpi_fresh_again(actor=actor, kpi=kpi)
        if kpi.status != status_before:
            alerts.kpi_status_changed(actor=actor, kpi=kpi, previous=status_before)


def _newest(kpis: list[Kpi]):
    """(kpi id, moment, value) of each KPI's newest measurement: one query (the newest moment per KPI joined back)."""
    newest = dict(Measurement.objects.filter(kpi_id__in=[k.pk for k in kpis]).values("kpi_id")
                  .annotate(at=Max("measured_at")).order_by().values_list("kpi_id", "at"))
    if not newest:
        return []
    condition = Q(pk__in=[])
    for kpi_id, moment in newest.items():
        condition |= Q(kpi_id=kpi_id, measured_at=moment)
    if len(newest) > 300:  # a very wide OR is slow to build; read the newest day's values instead
        days = {moment.date() for moment in newest.values()}
        rows = Measurement.objects.filter(kpi_id__in=list(newest), day__in=days).values_list(
            "kpi_id", "measured_at", "value")
        return [(k, m, v) for k, m, v in rows if newest.get(k) == m]
    return list(Measurement.objects.filter(condition).values_list("kpi_id", "measured_at", "value"))


def system_by_reference(reference: str) -> AISystem | None:
    return AISystem.objects.select_related("unit").filter(reference_code=reference).first()
