"""KPI definitions: from the catalogue's three families or custom, with thresholds checked against the direction,
an owner who can act, and a ledger event; thresholds are governed records with a rationale and versions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims.core.models import LedgerEvent
from aims.core.services import StaleVersion
from aims.monitoring import catalog, services
from aims.monitoring.models import Kpi, ThresholdChange

pytestmark = pytest.mark.django_db


def test_catalogue_has_three_families_with_the_kpis_of_seed_003():
    families = {f["key"]: {k["key"] for k in f["kpis"]} for f in catalog.families("en")}
    assert families == {
        "technical": {"accuracy", "recall", "latency", "cost_per_prediction", "uptime", "fairness_gap"},
        "adoption": {"usage_rate", "frequency", "time_to_value", "satisfaction"},
        "strategic": {"roi", "automation_rate", "nps"},
    }
    assert catalog.kpi_label("usage_rate", "fr") == "Taux d'utilisation"


def test_a_catalogue_kpi_takes_its_family_unit_direction_and_frequency(system, owner):
    kpi = services.create_kpi(actor=owner, system=system, catalogue_key="latency", owner=owner, target=300,
                              warning=500, critical=1000, rationale="SLA with the branches")
    assert (kpi.key, kpi.family, kpi.unit, kpi.direction, kpi.frequency) == (
        "latency", "technical", "ms", "lower", "hourly")
    assert kpi.label("fr") == "Latence (p95)"
    event = LedgerEvent.objects.get(action="monitoring.kpi.create", object_id=str(kpi.pk))
    assert event.after_data["critical"] == 1000
    first = ThresholdChange.objects.get(kpi=kpi)
    assert (first.version, first.rationale, first.changed_by) == (1, "SLA with the branches", owner)


def test_a_custom_kpi_needs_a_name_and_a_family(system, owner):
    with pytest.raises(ValidationError) as error:
        services.create_kpi(actor=owner, system=system, owner=owner, name="", family="adoption")
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.create_kpi(actor=owner, system=system, owner=owner, name="Loans approved", family="")
    assert "family" in error.value.message_dict
    kpi = services.create_kpi(actor=owner, system=system, owner=owner, name="Loans approved per day",
                              family="strategic", unit="loans")
    assert (kpi.key, kpi.catalogue_key, kpi.label()) == ("loans-approved-per-day", "", "Loans approved per day")


@pytest.mark.parametrize("direction, thresholds, field", [
    ("higher", {"target": 90, "warning": 95, "critical": 80}, "target"),
    ("higher", {"warning": 80, "critical": 85}, "warning"),
    ("lower", {"target": 500, "warning": 300}, "target"),
    ("lower", {"warning": 900, "critical": 600}, "warning"),
])
def test_thresholds_that_contradict_the_direction_are_refused(system, owner, direction, thresholds, field):
    with pytest.raises(ValidationError) as error:
        services.create_kpi(actor=owner, system=system, owner=owner, name="Score", family="technical",
                            direction=direction, **thresholds)
    assert field in error.value.message_dict
    assert not Kpi.objects.exists()


def test_the_owner_must_be_able_to_act_on_the_systems_monitoring(system, owner, viewer, south_owner):
    for person in (viewer, south_owner):
        with pytest.raises(ValidationError) as error:
            services.create_kpi(actor=owner, system=system, catalogue_key="accuracy", owner=person)
        assert "owner" in error.value.message_dict


def test_people_without_monitoring_write_cannot_define_kpis(system, owner, viewer, south_owner):
    for person in (viewer, south_owner):
        with pytest.raises(PermissionDenied):
            services.create_kpi(actor=person, system=system, catalogue_key="accuracy", owner=owner)


def test_one_key_per_system(system, owner, make_kpi):
    make_kpi(system)
    with pytest.raises(ValidationError) as error:
        make_kpi(system)
    assert "key" in error.value.message_dict


def test_changing_thresholds_needs_a_rationale_and_keeps_versions(accuracy, owner):
    with pytest.raises(ValidationError) as error:
        services.change_thresholds(actor=owner, kpi=accuracy, rationale="  ", target=92, warning=88, critical=82)
    assert "rationale" in error.value.message_dict
    kpi = services.change_thresholds(actor=owner, kpi=accuracy, rationale="Regulator expects 88% minimum",
                                     target=92, warning=88, critical=82, expected_version=accuracy.version)
    assert (kpi.threshold_version, kpi.warning) == (2, 88)
    versions = list(ThresholdChange.objects.filter(kpi=kpi).order_by("version").values_list(
        "version", "warning", "rationale"))
    assert versions == [(1, 85, "Initial thresholds."), (2, 88, "Regulator expects 88% minimum")]
    event = LedgerEvent.objects.filter(action="monitoring.kpi.thresholds").get()
    assert event.reason == "Regulator expects 88% minimum"
    assert (event.before_data["warning"], event.after_data["warning"]) == (85, 88)


def test_thresholds_cannot_change_through_the_plain_update(accuracy, owner):
    with pytest.raises(ValidationError) as error:
        services.update_kpi(actor=owner, kpi=accuracy, changes={"warning": 10})
    assert "warning" in error.value.message_dict


def test_a_stale_threshold_change_is_refused(accuracy, owner):
    read_at = accuracy.version
    services.update_kpi(actor=owner, kpi=Kpi.objects.get(pk=accuracy.pk), changes={"data_source": "nightly job"})
    with pytest.raises(StaleVersion):
        services.change_thresholds(actor=owner, kpi=Kpi.objects.get(pk=accuracy.pk), rationale="x", target=91,
                                   warning=86, critical=81, expected_version=read_at)
    assert Kpi.objects.get(pk=accuracy.pk).threshold_version == 1
