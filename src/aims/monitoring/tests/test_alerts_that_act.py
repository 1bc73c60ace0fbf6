"""A KPI breach notifies the owners and, as the system's alert policy says, requests reviews of the linked risks,
opens an incident through the registered hook, and suggests a change decision that a person confirms or dismisses."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from aims.core.models import LedgerEvent, Notification, Task
from aims.inventory.models import ChangeDecision
from aims.monitoring import hooks, services
from aims.monitoring.models import Alert, ChangeSuggestion, Kpi
from aims.monitoring.services.alerts import find_stale
from aims.risks import services as risks
from aims.risks.models import RiskReview

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 2, 6, tzinfo=UTC)


@pytest.fixture
def risk(system, owner):
    risks.load_default_method(actor=None)
    return risks.create_risk(actor=owner, title="Credit model under-performs", category="quality_reliability",
                             owner=owner, systems=[system])


def push(kpi, actor, *values, start=DAY):
    return services.push_measurements(actor=actor, rows=[
        {"kpi_id": kpi.pk, "at": start + timedelta(days=i), "value": v} for i, v in enumerate(values)])


def test_a_critical_breach_notifies_requests_reviews_and_suggests_a_major_update(accuracy, owner, risk):
    push(accuracy, owner, 91, 78)
    alert = Alert.objects.get(kpi=accuracy)
    assert (alert.kind, alert.severity, alert.state) == ("breach", "critical", "open")
    assert alert.details["value"] == 78 and alert.details["threshold"] == 80
    assert [a["action"] for a in alert.actions] == ["notified", "review_requested", "change_suggested"]
    assert Notification.objects.filter(recipient=owner, kind="monitoring.alert", url=alert.get_absolute_url()).exists()
    review = RiskReview.objects.get(risk=risk)
    assert (review.source, review.status) == ("kpi_breach", "pending")
    with translation.override("fr"):  # a fact: the owner reads it in French
        french = review.reason_text
    assert "critique" in french and "beyond its" not in french and "critical" not in french
    # The catalogue KPI's name too: catalogue data in both languages, kept in the fact.
    assert french.startswith(accuracy.label("fr")) and accuracy.label("fr") != accuracy.label("en")
    assert review.reason_text.startswith(accuracy.label("en"))
    suggestion = ChangeSuggestion.objects.get(alert=alert)
    assert (suggestion.kind, suggestion.state) == ("major_update", "pending")
    assert Task.objects.filter(assignee=owner, source=f"monitoring.suggestion.{suggestion.pk}").exists()
    assert LedgerEvent.objects.filter(action="monitoring.alert.create", object_id=str(alert.pk)).exists()


def test_a_warning_only_notifies_under_the_default_policy_and_escalation_adds_actions(accuracy, owner, risk):
    push(accuracy, owner, 83)
    alert = Alert.objects.get(kpi=accuracy)
    assert alert.severity == "warning"
    assert [a["action"] for a in alert.actions] == ["notified"]
    assert not RiskReview.objects.exists()
    push(accuracy, owner, 79, start=DAY + timedelta(days=1))
    alert.refresh_from_db()
    assert (alert.severity, alert.occurrences) == ("critical", 2)
    assert {"review_requested", "change_suggested"} <= {a["action"] for a in alert.actions}
    assert Alert.objects.count() == 1


def test_back_within_thresholds_resolves_the_alert(accuracy, owner):
    push(accuracy, owner, 79)
    push(accuracy, owner, 92, start=DAY + timedelta(days=1))
    alert = Alert.objects.get(kpi=accuracy)
    assert alert.state == "resolved" and "Back within thresholds" in alert.resolution
    assert Kpi.objects.get(pk=accuracy.pk).status == "ok"


def test_the_policy_decides_the_actions(system, accuracy, owner, risk):
    services.update_policy(actor=owner, system=system, changes={
        "review_risks": "off", "suggest_change": "warning", "warning_change": "minor_update"})
    push(accuracy, owner, 83)
    alert = Alert.objects.get(kpi=accuracy)
    assert [a["action"] for a in alert.actions] == ["notified", "change_suggested"]
    assert ChangeSuggestion.objects.get().kind == "minor_update"
    assert not RiskReview.objects.exists()


def test_an_incident_is_opened_through_the_registered_hook(system, accuracy, owner):
    opened = []

    def opener(**kwargs):
        opened.append(kwargs)
        return hooks.IncidentRef(reference="INC-7", url="/incidents/7/")

    services.update_policy(actor=owner, system=system, changes={"open_incident": "critical"})
    hooks.register_incident_opener(opener)
    try:
        push(accuracy, owner, 70)
    finally:
        hooks.register_incident_opener(None)
    alert = Alert.objects.get(kpi=accuracy)
    assert opened[0]["system"] == system and opened[0]["severity"] == "critical"
    assert {"action": "incident_opened", "reference": "INC-7", "url": "/incidents/7/"}.items() <= next(
        a for a in alert.actions if a["action"] == "incident_opened").items()


def test_without_an_incidents_module_the_alert_says_it_could_not_open_one(system, accuracy, owner):
    services.update_policy(actor=owner, system=system, changes={"open_incident": "warning"})
    push(accuracy, owner, 70)
    assert "incident_unavailable" in [a["action"] for a in Alert.objects.get().actions]


def test_confirming_a_suggestion_requests_the_change_in_the_inventory(system, accuracy, owner, committee):
    push(accuracy, owner, 70)
    suggestion = ChangeSuggestion.objects.get()
    with pytest.raises(ValidationError):
        services.confirm_suggestion(actor=owner, suggestion=suggestion, description=" ")
    suggestion = services.confirm_suggestion(actor=owner, suggestion=suggestion,
                                             description="Retrain on the last quarter's applications")
    decision = ChangeDecision.objects.get(system=system)
    assert (decision.kind, decision.status, decision.description) == (
        "major_update", "pending", "Retrain on the last quarter's applications")
    assert (suggestion.state, suggestion.change_decision, suggestion.decided_by) == ("confirmed", decision, owner)
    assert Task.objects.get(source=f"monitoring.suggestion.{suggestion.pk}").done_at is not None
    with pytest.raises(ValidationError):
        services.dismiss_suggestion(actor=owner, suggestion=suggestion, reason="too late")


def test_dismissing_needs_a_reason_and_is_ledgered(accuracy, owner):
    push(accuracy, owner, 70)
    suggestion = ChangeSuggestion.objects.get()
    with pytest.raises(ValidationError) as error:
        services.dismiss_suggestion(actor=owner, suggestion=suggestion, reason="")
    assert "reason" in error.value.message_dict
    services.dismiss_suggestion(actor=owner, suggestion=suggestion, reason="A data outage, not the model")
    event = LedgerEvent.objects.get(action="monitoring.changesuggestion.dismiss")
    assert event.reason == "A data outage, not the model"


def test_a_kpi_that_stops_receiving_values_becomes_stale_and_alerts_its_owner(accuracy, owner):
    push(accuracy, owner, 90)
    assert find_stale(now=DAY + timedelta(hours=30)) == 0  # daily, with half a day of grace
    assert find_stale(now=DAY + timedelta(hours=37)) == 1
    kpi = Kpi.objects.get(pk=accuracy.pk)
    assert kpi.stale_since is not None
    alert = Alert.objects.get(kind="stale")
    assert Notification.objects.filter(recipient=owner, url=alert.get_absolute_url()).exists()
    assert find_stale(now=DAY + timedelta(hours=60)) == 0  # once
    push(accuracy, owner, 91, start=DAY + timedelta(days=2))
    alert.refresh_from_db()
    assert alert.state == "resolved" and Kpi.objects.get(pk=accuracy.pk).stale_since is None


def test_acknowledge_then_resolve_with_what_was_done(accuracy, owner, viewer):
    push(accuracy, owner, 70)
    alert = Alert.objects.get()
    with pytest.raises(Exception):
        services.acknowledge_alert(actor=viewer, alert=alert)
    alert = services.acknowledge_alert(actor=owner, alert=alert, comment="Looking into it")
    with pytest.raises(ValidationError):
        services.resolve_alert(actor=owner, alert=alert, resolution="")
    alert = services.resolve_alert(actor=owner, alert=alert, resolution="Rolled back to model v3")
    assert (alert.state, alert.resolved_by) == ("resolved", owner)


def test_a_threshold_change_judges_the_current_value_again(accuracy, owner):
    push(accuracy, owner, 84)
    assert Alert.objects.get().severity == "warning"
    services.change_thresholds(actor=owner, kpi=Kpi.objects.get(pk=accuracy.pk), rationale="New model is weaker",
                               target=85, warning=82, critical=78)
    assert Kpi.objects.get(pk=accuracy.pk).status == "ok"
    assert Alert.objects.get().state == "resolved"
