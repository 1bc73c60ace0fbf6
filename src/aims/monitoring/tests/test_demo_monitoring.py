"""The monitoring demo: a year of credit-scoring KPIs with one drift episode (its alerts, reviews and dismissed
suggestion, then a clean run), and the chatbot's adoption figures with thresholds raised after the pilot. The demo
systems come from the inventory's demo."""

import pytest
from django.test import Client
from django.urls import reverse

from aims.monitoring.demo import CHATBOT, CREDIT
from aims.monitoring.models import Alert, ChangeSuggestion, DriftRun, Kpi, KpiDaily, Measurement

pytestmark = pytest.mark.django_db


def test_a_year_of_kpis_with_one_drift_episode(monkeypatch, demo_admin):
    admin = demo_admin
    accuracy = Kpi.objects.get(system__reference_code=CREDIT, key="accuracy")
    assert Measurement.objects.filter(kpi=accuracy).count() >= 300
    assert KpiDaily.objects.filter(kpi=accuracy).count() >= 300
    assert accuracy.status == "ok" and accuracy.last_value is not None
    breach = Alert.objects.filter(kpi=accuracy, kind="breach")
    assert breach.exists() and not breach.exclude(state="resolved").exists()  # the episode is over
    runs = list(DriftRun.objects.filter(system__reference_code=CREDIT).order_by("created_at"))
    assert [r.dataset_drift for r in runs] == [True, False]
    assert Alert.objects.get(kind="drift").state == "resolved"
    assert ChangeSuggestion.objects.filter(state="dismissed").exists()
    usage = Kpi.objects.get(system__reference_code=CHATBOT, key="usage_rate")
    assert usage.threshold_version == 2 and usage.last_value > 60
    client = Client()
    client.force_login(admin)
    strategic = client.get(reverse("monitoring:strategic")).content.decode()
    assert strategic.count('class="chart-line"') == 3  # ROI, usage and satisfaction trends are drawn
    tactical = client.get(reverse("monitoring:tactical")).content.decode()
    assert 'class="chart-line"' in tactical
