"""The monitoring API: KPIs and thresholds, batch pushes with a personal token or a system's push token (scoped to
that system and to pushing), alerts and suggested changes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from aims.core.models import LedgerEvent
from aims.core.tests.api_helpers import call, token_for
from aims.monitoring import services
from aims.monitoring.models import Alert, Kpi, Measurement, PushToken

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 2, tzinfo=UTC)


def values(n, *, kpi=None, key="accuracy", system=None, start=DAY):
    items = []
    for i in range(n):
        item = {"at": (start + timedelta(minutes=i)).isoformat(), "value": 90 + (i % 5)}
        item.update({"kpi_id": kpi.pk} if kpi else {"kpi": key, **({"system": system} if system else {})})
        items.append(item)
    return items


def test_define_a_kpi_and_change_its_thresholds(system, owner):
    client, token = Client(), token_for(owner)
    response = call(client, "POST", "/monitoring/kpis", {"system_id": system.pk, "catalogue_key": "accuracy",
                                                          "target": 90, "warning": 85, "critical": 80}, token=token)
    assert response.status_code == 201, response.content
    kpi = response.json()
    assert (kpi["label"], kpi["owner_id"], kpi["threshold_version"]) == ("Accuracy", owner.pk, 1)
    response = call(client, "POST", f"/monitoring/kpis/{kpi['id']}/thresholds",
                    {"version": kpi["version"], "rationale": "Tighter after audit", "target": 92, "warning": 88,
                     "critical": 84}, token=token)
    assert response.status_code == 200 and response.json()["threshold_version"] == 2
    stale = call(client, "POST", f"/monitoring/kpis/{kpi['id']}/thresholds",
                 {"version": kpi["version"], "rationale": "again", "target": 93}, token=token)
    assert stale.status_code == 409
    history = call(client, "GET", f"/monitoring/kpis/{kpi['id']}/thresholds", token=token).json()
    assert [h["rationale"] for h in history] == ["Tighter after audit", "Initial thresholds."]


def test_a_pipeline_pushes_thousands_of_values_in_one_call(accuracy, owner):
    client = Client()
    response = call(client, "POST", "/monitoring/measurements", {"measurements": values(5000, kpi=accuracy)},
                    token=token_for(owner))
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 5000
    assert Measurement.objects.filter(kpi=accuracy).count() == 5000
    listed = call(client, "GET", f"/monitoring/kpis/{accuracy.pk}/measurements", {"limit": 10},
                  token=token_for(owner)).json()
    assert listed["count"] == 5000 and len(listed["items"]) == 10


@pytest.mark.parametrize("bad, field", [
    ({"kpi": "accu\x00racy"}, "kpi"),
    ({"kpi_id": 99999999999999999999}, "kpi_id"),
    ({"colour": "red"}, "colour"),
    ({"value": "high"}, "value"),
])
def test_a_bad_row_in_a_push_is_refused_by_field_and_nothing_is_stored(accuracy, owner, bad, field):
    rows = values(3, kpi=accuracy)
    rows[1] = rows[1] | bad
    response = call(Client(), "POST", "/monitoring/measurements", {"measurements": rows}, token=token_for(owner))
    assert response.status_code == 422, response.content
    assert any(field in str(problem) for problem in response.json()["error"]["fields"])
    assert not Measurement.objects.filter(kpi=accuracy).exists()


def test_a_push_token_pushes_for_its_system_only(system, make_system, make_kpi, owner):
    accuracy = make_kpi(system)
    other = make_kpi(make_system(name="Other"))
    token, secret = services.create_push_token(actor=owner, system=system, name="nightly evaluation")
    client = Client()
    ok = call(client, "POST", "/monitoring/measurements", {"measurements": values(3)}, token=secret)
    assert ok.status_code == 201, ok.content
    assert Measurement.objects.filter(kpi=accuracy).count() == 3
    event = LedgerEvent.objects.filter(action="monitoring.measurements.push").last()
    assert event.after_data["token_prefix"] == token.prefix and event.actor_id == owner.pk
    refused = call(client, "POST", "/monitoring/measurements", {"measurements": values(1, kpi=other)}, token=secret)
    assert refused.status_code == 422
    assert not Measurement.objects.filter(kpi=other).exists()
    # The token can do nothing else.
    assert call(client, "GET", "/monitoring/kpis", token=secret).status_code == 401
    assert call(client, "GET", "/me", token=secret).status_code == 401
    services.revoke_push_token(actor=owner, token=token)
    assert call(client, "POST", "/monitoring/measurements", {"measurements": values(1)}, token=secret).status_code \
        == 401


def test_read_only_tokens_and_oversized_batches_are_refused(accuracy, owner):
    client = Client()
    read_only = token_for(owner, scopes=("read",))
    assert call(client, "POST", "/monitoring/measurements", {"measurements": values(1, kpi=accuracy)},
                token=read_only).status_code == 403
    too_many = call(client, "POST", "/monitoring/measurements", {"measurements": values(10_001, kpi=accuracy)},
                    token=token_for(owner))
    assert too_many.status_code in (413, 422)
    assert not Measurement.objects.exists()


def test_row_errors_come_back_as_field_errors(accuracy, owner):
    response = call(Client(), "POST", "/monitoring/measurements", {"measurements": [
        {"kpi_id": accuracy.pk, "at": DAY.isoformat(), "value": 90},
        {"kpi_id": 12345, "at": DAY.isoformat(), "value": 90}]}, token=token_for(owner))
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["measurements"][0].startswith("row 2")
    assert not Measurement.objects.exists()


def test_alerts_and_suggestions_through_the_api(accuracy, owner, committee):
    client, token = Client(), token_for(owner)
    call(client, "POST", "/monitoring/measurements", {"measurements": [
        {"kpi_id": accuracy.pk, "at": DAY.isoformat(), "value": 70}]}, token=token)
    alerts = call(client, "GET", "/monitoring/alerts", {"state": "unresolved"}, token=token).json()
    assert alerts["count"] == 1
    alert = alerts["items"][0]
    assert alert["severity"] == "critical" and "70" in alert["description"]
    suggestions = call(client, "GET", "/monitoring/change-suggestions", token=token).json()["items"]
    confirmed = call(client, "POST", f"/monitoring/change-suggestions/{suggestions[0]['id']}/confirm",
                     {"text": "Retrain"}, token=token)
    assert confirmed.status_code == 200 and confirmed.json()["change_decision_id"]
    resolved = call(client, "POST", f"/monitoring/alerts/{alert['id']}/resolve", {"resolution": "Retrained"},
                    token=token)
    assert resolved.json()["state"] == "resolved"


def test_the_alert_policy_starts_from_the_catalogue_defaults(system, owner):
    client, token = Client(), token_for(owner)
    policy = call(client, "GET", f"/monitoring/systems/{system.pk}/alert-policy", token=token).json()
    assert (policy["configured"], policy["review_risks"], policy["critical_change"]) == (False, "critical",
                                                                                          "major_update")
    updated = call(client, "PUT", f"/monitoring/systems/{system.pk}/alert-policy", {"open_incident": "critical"},
                   token=token).json()
    assert (updated["configured"], updated["open_incident"], updated["version"]) == (True, "critical", 1)


def test_push_tokens_are_created_through_the_api_with_their_secret_once(system, owner):
    client, token = Client(), token_for(owner)
    created = call(client, "POST", f"/monitoring/systems/{system.pk}/push-tokens", {"name": "ci"}, token=token)
    assert created.status_code == 201 and created.json()["secret"].startswith("aimsp_")
    listed = call(client, "GET", f"/monitoring/systems/{system.pk}/push-tokens", token=token).json()
    assert "secret" not in listed[0] and PushToken.objects.get().key_hash != created.json()["secret"]


def test_kpi_list_filters_and_counts_queries(system, make_kpi, owner, django_assert_max_num_queries):
    for key in ("accuracy", "recall", "uptime", "latency"):
        make_kpi(system, catalogue_key=key)
    client = Client()
    client.force_login(owner)
    with django_assert_max_num_queries(8):
        listed = call(client, "GET", "/monitoring/kpis", {"system": system.pk, "family": "technical"}).json()
    assert listed["count"] == 4
    assert Kpi.objects.count() == 4 and Alert.objects.count() == 0
