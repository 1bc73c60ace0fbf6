"""Drift runs: reference and current samples uploaded, the run executed by the worker with its progress recorded,
per-column results with chart data, settings that override methods per column, histograms pushed by a pipeline,
`aims drift run`, and the alert a drifting dataset raises."""

import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from aims.core.models import LedgerEvent
from aims.core.tests.api_helpers import call, token_for
from aims.monitoring import services
from aims.monitoring.models import Alert, DriftColumnResult, DriftReference, DriftRun
from aims.monitoring.services import drift as drift_services

pytestmark = pytest.mark.django_db


def sample(rows: int, *, shift: bool, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({
        "income": rng.normal(3200 if shift else 3000, 800, rows),
        "debt_ratio": rng.beta(2, 5, rows),
        "age": rng.integers(18, 80, rows),
        "region": rng.choice(["north", "south", "east", "west"], rows,
                             p=[.1, .2, .3, .4] if shift else [.4, .3, .2, .1]),
        "has_guarantor": rng.random(rows) < 0.3,
    })


def csv_upload(table: pa.Table, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="text/csv")


def parquet_upload(table: pa.Table, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def run_now(system, owner, reference, current, django_capture_on_commit_callbacks):
    drift_services.upload_reference(actor=owner, system=system, name="training set", uploaded=reference)
    with django_capture_on_commit_callbacks(execute=True):
        run = drift_services.request_run(actor=owner, system=system, uploaded=current)
    return DriftRun.objects.get(pk=run.pk)


def test_a_shifted_sample_flags_two_columns_and_raises_an_alert(system, owner, django_capture_on_commit_callbacks):
    run = run_now(system, owner, csv_upload(sample(3000, shift=False, seed=1), "reference.csv"),
                  parquet_upload(sample(2000, shift=True, seed=2), "current.parquet"),
                  django_capture_on_commit_callbacks)
    assert (run.status, run.progress) == ("done", 100)
    results = {r.column: r for r in DriftColumnResult.objects.filter(run=run)}
    assert {name for name, r in results.items() if r.drifted} == {"income", "region"}
    assert (results["income"].method, results["region"].method) == ("wasserstein", "jensenshannon")
    assert results["income"].chart["kind"] == "bins" and len(results["income"].chart["edges"]) == 21
    assert results["region"].chart["kind"] == "categories"
    assert (run.columns_tested, run.columns_drifted, run.dataset_drift) == (5, 2, False)  # 2 of 5 < half
    alert = Alert.objects.get(drift_run=run)
    assert (alert.kind, alert.severity, alert.details["columns"]) == ("drift", "warning", ["income", "region"])
    assert LedgerEvent.objects.filter(action="monitoring.driftrun.done", object_id=str(run.pk)).exists()


def test_the_dataset_drifts_from_the_configured_share(system, owner, django_capture_on_commit_callbacks):
    drift_services.update_drift_settings(actor=owner, system=system, changes={"drift_share": 0.4})
    run = run_now(system, owner, csv_upload(sample(3000, shift=False, seed=1), "reference.csv"),
                  csv_upload(sample(2000, shift=True, seed=2), "current.csv"), django_capture_on_commit_callbacks)
    assert run.dataset_drift and run.settings_used["drift_share"] == 0.4
    assert Alert.objects.get(drift_run=run).severity == "critical"


def test_per_column_overrides_apply_and_are_validated(system, owner, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError):
        drift_services.update_drift_settings(actor=owner, system=system, changes={
            "column_overrides": {"income": {"method": "magic"}}})
    with pytest.raises(ValidationError):
        drift_services.update_drift_settings(actor=owner, system=system, changes={"drift_share": 0})
    drift_services.update_drift_settings(actor=owner, system=system, changes={
        "column_overrides": {"income": {"method": "psi", "threshold": 0.5}}, "ignored_columns": ["region"]})
    run = run_now(system, owner, csv_upload(sample(3000, shift=False, seed=1), "reference.csv"),
                  csv_upload(sample(2000, shift=True, seed=2), "current.csv"), django_capture_on_commit_callbacks)
    income = DriftColumnResult.objects.get(run=run, column="income")
    assert (income.method, income.threshold, income.overridden, income.drifted) == ("psi", 0.5, True, False)
    assert not DriftColumnResult.objects.filter(run=run, column="region").exists()
    assert LedgerEvent.objects.filter(action="monitoring.driftsettings.create").count() == 1


def test_a_clean_run_resolves_the_drift_alert(system, owner, django_capture_on_commit_callbacks):
    run_now(system, owner, csv_upload(sample(3000, shift=False, seed=1), "reference.csv"),
            csv_upload(sample(2000, shift=True, seed=2), "current.csv"), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        drift_services.request_run(actor=owner, system=system, uploaded=csv_upload(sample(2000, shift=False, seed=3),
                                                                                   "week2.csv"))
    assert Alert.objects.get(kind="drift").state == "resolved"


def test_a_run_needs_a_reference_and_a_readable_file(system, owner, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as error:
        drift_services.request_run(actor=owner, system=system, uploaded=csv_upload(sample(10, shift=False, seed=1),
                                                                                   "current.csv"))
    assert "reference" in error.value.message_dict
    with pytest.raises(ValidationError):
        drift_services.upload_reference(actor=owner, system=system, name="x",
                                        uploaded=SimpleUploadedFile("reference.xlsx", b"PK"))
    broken = run_now(system, owner, SimpleUploadedFile("reference.parquet", b"not parquet"),
                     csv_upload(sample(10, shift=False, seed=1), "current.csv"), django_capture_on_commit_callbacks)
    assert broken.status == "failed" and "Parquet" in broken.error


def test_a_pipeline_pushes_histograms_with_its_push_token(system, owner):
    _token, secret = services.create_push_token(actor=owner, system=system, name="scoring pipeline")
    payload = {"name": "week 12", "columns": [
        {"name": "income", "kind": "numerical", "reference": {"edges": [0, 1000, 2000, 3000, 4000, 5000, 6000],
                                                            "counts": [100, 400, 800, 500, 160, 40]},
         "current": {"edges": [0, 1000, 2000, 3000, 4000, 5000, 6000], "counts": [10, 80, 300, 350, 200, 60]}},
        {"name": "region", "kind": "categorical", "reference": {"categories": ["n", "s"], "counts": [1200, 800]},
         "current": {"categories": ["n", "s"], "counts": [580, 420]}},
        {"name": "segment", "kind": "categorical", "reference": {"categories": ["a", "b", "c"], "counts": [5, 5, 5]},
         "current": {"categories": ["a", "b", "c"], "counts": [1, 1, 20]}}]}
    response = call(Client(), "POST", f"/monitoring/systems/{system.pk}/drift-histograms", payload, token=secret)
    assert response.status_code == 201, response.content
    run = response.json()
    columns = {c["column"]: c for c in run["columns"]}
    assert (columns["income"]["method"], columns["income"]["note"]) == ("wasserstein", "approximate")
    assert columns["income"]["drifted"] and not columns["region"]["drifted"]
    assert columns["region"]["method"] == "jensenshannon"
    assert (columns["segment"]["method"], columns["segment"]["drifted"]) == ("chisquare", True)  # 15 reference rows
    bad = call(Client(), "POST", f"/monitoring/systems/{system.pk}/drift-histograms", {"columns": [
        {"name": "x", "kind": "numerical", "reference": {"counts": [1, 2]}, "current": {"counts": [1, 2]}}]},
        token=secret)
    assert bad.status_code == 422


def test_runs_through_the_api_are_queued_for_the_worker(system, owner, django_capture_on_commit_callbacks):
    client, token = Client(), token_for(owner)
    uploaded = call(client, "POST", f"/monitoring/systems/{system.pk}/drift-references", None, token=token)
    assert uploaded.status_code in (400, 422)
    reference = client.post(f"/api/v1/monitoring/systems/{system.pk}/drift-references",
                            {"file": csv_upload(sample(1200, shift=False, seed=1), "ref.csv"), "name": "train"},
                            HTTP_AUTHORIZATION=f"Bearer {token}")
    assert reference.status_code == 201, reference.content
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(f"/api/v1/monitoring/systems/{system.pk}/drift-runs",
                             {"file": csv_upload(sample(900, shift=True, seed=2), "cur.csv")},
                             HTTP_AUTHORIZATION=f"Bearer {token}")
    assert queued.status_code == 202, queued.content
    detail = call(client, "GET", f"/monitoring/drift-runs/{queued.json()['id']}", token=token).json()
    assert detail["status"] == "done" and len(detail["columns"]) == 5


def test_the_run_page_shows_progress_then_the_verdict_with_a_chart_per_column(system, owner,
                                                                                django_capture_on_commit_callbacks):
    drift_services.upload_reference(actor=owner, system=system, name="training",
                                    uploaded=csv_upload(sample(3000, shift=False, seed=1), "reference.csv"))
    run = drift_services.request_run(actor=owner, system=system, in_worker=False,
                                     uploaded=csv_upload(sample(2000, shift=True, seed=2), "current.csv"))
    client = Client()
    client.force_login(owner)
    waiting = client.get(reverse("monitoring:drift_detail", args=[run.pk])).content.decode()
    assert 'id="drift-progress"' in waiting and 'hx-trigger="every 1s"' in waiting
    drift_services.execute_run(run.pk)
    assert client.get(reverse("monitoring:drift_progress", args=[run.pk]))["HX-Refresh"] == "true"
    page = client.get(reverse("monitoring:drift_detail", args=[run.pk])).content.decode()
    assert page.count('class="chart chart-distribution"') == 5
    assert page.count('data-drifted="yes"') == 2


def test_aims_drift_run_here_prints_the_verdict(tmp_path, system, owner):
    reference, current = tmp_path / "reference.parquet", tmp_path / "current.csv"
    pq.write_table(sample(3000, shift=False, seed=1), reference)
    pa_csv.write_csv(sample(2000, shift=True, seed=2), current)
    out = io.StringIO()
    call_command("drift", "run", system.reference_code, str(reference), str(current), "--here", stdout=out)
    text = out.getvalue()
    assert "2 of 5 columns drifted" in text and "income" in text and "DRIFT" in text
    assert DriftReference.objects.get().name == "reference.parquet"
    assert LedgerEvent.objects.filter(action="monitoring.driftrun.done").get().actor_label == "cli:drift"
    drift_services.update_drift_settings(actor=owner, system=system, changes={"drift_share": 0.4})
    with pytest.raises(SystemExit) as exit_:
        call_command("drift", "run", system.reference_code, "current", str(current), "--here", "--fail-on-drift",
                     stdout=io.StringIO())
    assert exit_.value.code == 3


def test_huge_uploads_are_refused(system, owner, monkeypatch):
    monkeypatch.setattr(drift_services, "MAX_SAMPLE_BYTES", 10)
    with pytest.raises(ValidationError):
        drift_services.upload_reference(actor=owner, system=system, name="x",
                                        uploaded=csv_upload(sample(100, shift=False, seed=1), "reference.csv"))
    assert not DriftReference.objects.exists()
