"""Measurements: checked whole (all or nothing, bad rows named), stored with set-based statements whatever the size,
daily aggregates and unit rollups kept current, one ledger event per system and push."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aims.core.models import LedgerEvent
from aims.monitoring import services
from aims.monitoring.models import DailyRollup, Kpi, KpiDaily, Measurement, MeasurementBatch

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 2, tzinfo=UTC)


def rows(kpi, values, start=DAY, step=timedelta(hours=6)):
    return [{"kpi_id": kpi.pk, "at": start + i * step, "value": v} for i, v in enumerate(values)]


def test_a_push_stores_values_aggregates_and_the_latest_state(accuracy, owner):
    result = services.push_measurements(actor=owner, rows=rows(accuracy, [91, 89, 84, 79]))
    assert (result.received, result.created, result.replaced, result.unchanged) == (4, 4, 0, 0)
    daily = KpiDaily.objects.get(kpi=accuracy)
    assert (daily.day, daily.count, daily.mean, daily.minimum, daily.maximum) == (DAY.date(), 4, 85.75, 79, 91)
    assert daily.status == "ok"  # the day's mean is within the thresholds
    kpi = Kpi.objects.get(pk=accuracy.pk)
    assert (kpi.last_value, kpi.status) == (79, "critical")  # the latest value is below the critical threshold
    rollup = DailyRollup.objects.get(unit=accuracy.system.unit, day=DAY.date(), catalogue_key="accuracy")
    assert (rollup.kpis, rollup.ok, rollup.value_sum) == (1, 1, 85.75)


def test_pushing_the_same_moments_again_replaces_or_keeps_values(accuracy, owner):
    services.push_measurements(actor=owner, rows=rows(accuracy, [91, 89]))
    result = services.push_measurements(actor=owner, rows=rows(accuracy, [91, 70, 88], ))
    assert (result.created, result.replaced, result.unchanged) == (1, 1, 1)
    assert list(Measurement.objects.filter(kpi=accuracy).order_by("measured_at").values_list("value", flat=True)) \
        == [91, 70, 88]
    assert KpiDaily.objects.get(kpi=accuracy).mean == pytest.approx((91 + 70 + 88) / 3)


def test_one_ledger_event_per_system_and_push_with_a_digest(system, make_system, make_kpi, owner):
    other = make_kpi(make_system(name="Chatbot"), catalogue_key="usage_rate")
    accuracy = make_kpi(system)
    before = LedgerEvent.objects.count()
    result = services.push_measurements(actor=owner, rows=rows(accuracy, [90] * 50) + rows(other, [61] * 50))
    events = list(LedgerEvent.objects.filter(pk__gt=before, action="monitoring.measurements.push"))
    assert len(events) == 2 and len(result.batches) == 2
    batch = MeasurementBatch.objects.get(pk=int(events[0].object_id))
    assert events[0].after_data["sha256"] == batch.sha256 and len(batch.sha256) == 64
    assert events[0].after_data["received"] == 50


def test_bad_rows_are_named_and_nothing_is_stored(accuracy, owner):
    future = timezone.now() + timedelta(days=2)
    bad = [{"kpi_id": accuracy.pk, "at": DAY, "value": 90},
           {"kpi_id": 999999, "at": DAY, "value": 90},
           {"kpi_id": accuracy.pk, "at": "yesterday", "value": 90},
           {"kpi_id": accuracy.pk, "at": DAY + timedelta(hours=1), "value": "high"},
           {"kpi_id": accuracy.pk, "at": future, "value": 90},
           {"kpi_id": accuracy.pk, "at": DAY, "value": 91},
           {"kpi_id": accuracy.pk, "at": DAY + timedelta(hours=2), "value": float("nan")}]
    with pytest.raises(ValidationError) as error:
        services.push_measurements(actor=owner, rows=bad)
    messages = error.value.message_dict["measurements"]
    assert [m.split(":")[0] for m in messages] == ["row 2", "row 3", "row 4", "row 5", "row 6", "row 7"]
    assert "same KPI and time as row 1" in messages[4]
    assert not Measurement.objects.exists() and not MeasurementBatch.objects.exists()


def test_a_kpi_out_of_scope_reads_as_unknown(accuracy, south_owner, viewer):
    for person in (south_owner, viewer):
        with pytest.raises(ValidationError) as error:
            services.push_measurements(actor=person, rows=rows(accuracy, [90]))
        assert "no such KPI" in error.value.message_dict["measurements"][0]


def test_keys_and_reference_codes_name_kpis(accuracy, owner):
    services.push_measurements(actor=owner, rows=[
        {"system": accuracy.system.reference_code, "kpi": "accuracy", "at": "2026-03-02T08:00:00Z", "value": 90.5},
        {"system": accuracy.system.reference_code, "kpi": "accuracy", "at": "2026-03-02T09:00:00", "value": 90.0}])
    assert set(Measurement.objects.values_list("measured_at", flat=True)) == {
        datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 2, 9, tzinfo=UTC)}  # no offset: UTC


def test_the_push_costs_the_same_number_of_queries_for_ten_or_a_thousand_values(accuracy, owner,
                                                                                  django_assert_max_num_queries):
    services.push_measurements(actor=owner, rows=rows(accuracy, [90] * 10, start=DAY - timedelta(days=30)))
    with django_assert_max_num_queries(25) as small:
        services.push_measurements(actor=owner, rows=rows(accuracy, [90] * 10, start=DAY - timedelta(days=20)))
    with django_assert_max_num_queries(len(small.captured_queries) + 6):  # + the 2,000-row chunks of the upsert
        services.push_measurements(actor=owner, rows=rows(accuracy, [90] * 1000, step=timedelta(minutes=5)))
    assert Measurement.objects.count() == 1020


def test_inactive_kpis_and_retired_systems_refuse_values(accuracy, owner):
    services.update_kpi(actor=owner, kpi=accuracy, changes={"is_active": False})
    with pytest.raises(ValidationError) as error:
        services.push_measurements(actor=owner, rows=rows(accuracy, [90]))
    assert "inactive" in error.value.message_dict["measurements"][0]


def test_more_than_the_batch_limit_is_refused(accuracy, owner):
    with pytest.raises(ValidationError):
        services.push_measurements(actor=owner, rows=rows(accuracy, [1.0] * 10_001, step=timedelta(seconds=1)))
