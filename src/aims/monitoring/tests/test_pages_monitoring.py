"""The monitoring pages: a system's KPIs, a KPI's chart and threshold history, typed-in values, alerts with their
actions, and the three dashboards with pinned query counts; read-only people see no forms."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aims.monitoring import services
from aims.monitoring.models import Alert, ChangeSuggestion, Kpi, Measurement

pytestmark = pytest.mark.django_db


def logged(person):
    client = Client()
    client.force_login(person)
    return client


def year_of_values(kpi, actor, value=90.0, days=365):
    # Yesterday at 06:00, so that no value is in the future whatever the hour the tests run at.
    today = (timezone.now() - timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    services.push_measurements(actor=actor, rows=[
        {"kpi_id": kpi.pk, "at": today - timedelta(days=d), "value": value + (d % 7) / 10} for d in range(days)])


def test_define_a_kpi_on_the_page(system, owner):
    client = logged(owner)
    page = client.get(reverse("monitoring:kpi_create", args=[system.pk]))
    assert page.status_code == 200 and b"kpi-catalogue" in page.content
    response = client.post(reverse("monitoring:kpi_create", args=[system.pk]), {
        "catalogue_key": "accuracy", "direction": "higher", "target": "90", "warning": "85", "critical": "80",
        "frequency": "daily", "owner": owner.pk, "rationale": "Model card commitments"})
    kpi = Kpi.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:kpi_detail", args=[kpi.pk])
    wrong = client.post(reverse("monitoring:kpi_create", args=[system.pk]), {
        "catalogue_key": "recall", "direction": "higher", "warning": "90", "critical": "95", "frequency": "daily",
        "owner": owner.pk})
    assert wrong.status_code == 200 and "critical threshold must not exceed" in wrong.content.decode()


def test_kpi_page_draws_the_year_with_its_thresholds_and_history(accuracy, owner, django_assert_max_num_queries):
    year_of_values(accuracy, owner)
    client = logged(owner)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("monitoring:kpi_detail", args=[accuracy.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-threshold="') == 3 and 'class="chart-line"' in html
    assert 'data-threshold-version="1"' in html and 'id="change-thresholds"' in html


def test_a_threshold_change_and_a_typed_value_on_the_page(accuracy, owner):
    client = logged(owner)
    refused = client.post(reverse("monitoring:kpi_thresholds", args=[accuracy.pk]), {
        "version": accuracy.version, "direction": "higher", "target": "91", "warning": "86", "critical": "81",
        "rationale": ""})
    assert refused.status_code == 400 and Kpi.objects.get().threshold_version == 1
    done = client.post(reverse("monitoring:kpi_thresholds", args=[accuracy.pk]), {
        "version": accuracy.version, "direction": "higher", "target": "91", "warning": "86", "critical": "81",
        "rationale": "Audit finding F-3"})
    assert done.status_code == 302 and Kpi.objects.get().threshold_version == 2
    typed = client.post(reverse("monitoring:kpi_measure", args=[accuracy.pk]), {"at": "2026-03-02T08:30",
                                                                                "value": "79.5"})
    assert typed.status_code == 302
    assert Measurement.objects.get().value == 79.5 and Alert.objects.get().severity == "critical"


def test_read_only_people_see_no_forms(accuracy, owner, viewer):
    page = logged(viewer).get(reverse("monitoring:kpi_detail", args=[accuracy.pk]))
    assert page.status_code == 200 and b'id="change-thresholds"' not in page.content and b'id="add-value"' not in \
        page.content
    assert logged(viewer).get(reverse("monitoring:kpi_create", args=[accuracy.system_id])).status_code == 403


def test_an_alert_page_shows_what_it_did_and_lets_the_owner_dismiss_the_suggestion(accuracy, owner):
    services.push_measurements(actor=owner, rows=[{"kpi_id": accuracy.pk, "at": datetime(2026, 3, 2, tzinfo=UTC),
                                                   "value": 70}])
    alert = Alert.objects.get()
    client = logged(owner)
    page = client.get(reverse("monitoring:alert_detail", args=[alert.pk])).content.decode()
    assert 'data-action="notified"' in page and 'data-action="change_suggested"' in page
    assert 'id="dismiss-suggestion"' in page
    suggestion = ChangeSuggestion.objects.get()
    client.post(reverse("monitoring:suggestion_dismiss", args=[suggestion.pk]), {"reason": "Data outage"})
    assert ChangeSuggestion.objects.get().state == "dismissed"


@pytest.mark.parametrize("name", ["monitoring:dashboard", "monitoring:tactical", "monitoring:strategic"])
def test_dashboards_cost_a_fixed_number_of_queries(name, system, make_system, make_kpi, owner, manager,
                                                   django_assert_max_num_queries):
    for index in range(3):
        other = make_system(name=f"System {index}")
        for key in ("accuracy", "usage_rate", "roi"):
            kpi = make_kpi(other, catalogue_key=key)
            year_of_values(kpi, owner, value=50 + index, days=40)
    client = logged(manager)
    client.get(reverse(name))
    with django_assert_max_num_queries(30) as first:
        response = client.get(reverse(name))
    assert response.status_code == 200
    for index in range(3, 6):
        other = make_system(name=f"System {index}")
        for key in ("accuracy", "usage_rate", "roi"):
            year_of_values(make_kpi(other, catalogue_key=key), owner, value=50, days=40)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_the_operational_dashboard_lists_my_systems_kpis(accuracy, owner):
    services.push_measurements(actor=owner, rows=[{"kpi_id": accuracy.pk, "at": timezone.now(), "value": 84}])
    html = logged(owner).get(reverse("monitoring:dashboard") + "?mine=1").content.decode()
    assert f'data-system="{accuracy.system.reference_code}"' in html and 'data-status="warning"' in html
    assert "data-print" in html


def test_pages_in_french(accuracy, owner):
    owner.language = "fr"
    owner.save()
    client = logged(owner)
    html = client.get(reverse("monitoring:kpi_detail", args=[accuracy.pk]), HTTP_ACCEPT_LANGUAGE="fr").content
    assert "Exactitude".encode() in html
