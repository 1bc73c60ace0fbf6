"""Alerts that act: a KPI breach, a KPI gone silent or a drift verdict notifies the owners and, as the system's alert
policy says, requests a review of the linked risks, opens an incident (through hooks.py) and suggests a change
decision that a person confirms (it is then requested in the inventory) or dismisses with a reason.

Actions are idempotent per alert: an alert that escalates from warning to critical takes the actions it had not yet
taken, and a repeated breach joins the alert already open instead of opening another.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import CHANGE, VIEW, can_in_unit, require
from aims.core.services import _create, _save_with_changes
from aims.core.stored_text import CatalogueLabel, Text
from aims.inventory.services._common import ensure_not_frozen

from .. import catalog, hooks
from ..models import Alert, AlertPolicy, ChangeSuggestion, Kpi, Status, Trigger

SEVERITY_RANK = {Alert.Severity.WARNING: 1, Alert.Severity.CRITICAL: 2}
TRIGGER_RANK = {Trigger.OFF: 99, Trigger.WARNING: 1, Trigger.CRITICAL: 2}
POLICY_FIELDS = ("review_risks", "open_incident", "suggest_change", "warning_change", "critical_change")


def _now():
    return context.now()


def _format(value, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return f"{text} {unit}".strip() if unit and unit != "%" else f"{text}{unit}"


# --- Policy ---------------------------------------------------------------------------------------------------------

def policy_for(system) -> AlertPolicy:
    """The system's policy, or the catalogue's defaults (unsaved) when its owner never configured one."""
    policy = AlertPolicy.objects.filter(system=system).first()
    if policy is None:
        defaults = catalog.alert_policy_defaults()
        policy = AlertPolicy(system=system, **{k: v for k, v in defaults.items() if k in POLICY_FIELDS})
    return policy


@transaction.atomic
def update_policy(*, actor, system, changes: dict, expected_version: int | None = None,
                  reason: str = "") -> AlertPolicy:
    require(actor, CHANGE, domain="monitoring", unit=system.unit)
    ensure_not_frozen(system)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    policy = policy_for(system)
    if policy.pk is None:
        for field, value in changes.items():
            setattr(policy, field, value)
        return _create(actor=actor, obj=policy, reason=reason)
    return _save_with_changes(actor=actor, obj=policy, changes=changes, reason=reason,
                              expected_version=expected_version)


def reaches(trigger: str, severity: str) -> bool:
    return SEVERITY_RANK.get(severity, 0) >= TRIGGER_RANK.get(trigger, 99)


# --- Words (rendered for the reader, from the facts the alert stores) ----------------------------------------------

def describe(alert: Alert, language: str | None = None) -> str:
    """One line saying what happened, in the active (or given) language."""
    from django.utils import translation

    with translation.override(language or translation.get_language()):
        details = alert.details or {}
        if alert.kind == Alert.Kind.BREACH:
            return _("%(kpi)s is %(value)s, beyond its %(level)s threshold of %(threshold)s.") % {
                "kpi": alert.kpi.label() if alert.kpi_id else "",
                "value": _format(details.get("value"), details.get("unit", "")),
                "level": _("critical") if alert.severity == Alert.Severity.CRITICAL else _("warning"),
                "threshold": _format(details.get("threshold"), details.get("unit", ""))}
        if alert.kind == Alert.Kind.STALE:
            return _("%(kpi)s has received no value since %(since)s.") % {
                "kpi": alert.kpi.label() if alert.kpi_id else "", "since": details.get("since_text") or _("its creation")}
        return _("Drift in %(drifted)s of %(tested)s columns (%(columns)s).") % {
            "drifted": details.get("drifted", 0), "tested": details.get("tested", 0),
            "columns": ", ".join(details.get("columns", [])[:8])}


def describe_fact(alert: Alert) -> Text:
    """`describe` as a fact (message and values) for the risk reviews it asks for: read in each owner's language,
    a catalogue KPI's name included (kept in every language)."""
    details = alert.details or {}
    kpi = CatalogueLabel({code: alert.kpi.label(code) for code, _name in settings.LANGUAGES}) if alert.kpi_id else ""
    if alert.kind == Alert.Kind.BREACH:
        return Text(gettext_lazy("%(kpi)s is %(value)s, beyond its %(level)s threshold of %(threshold)s."), kpi=kpi,
                    value=_format(details.get("value"), details.get("unit", "")),
                    level=gettext_lazy("critical") if alert.severity == Alert.Severity.CRITICAL else gettext_lazy("warning"),
                    threshold=_format(details.get("threshold"), details.get("unit", "")))
    if alert.kind == Alert.Kind.STALE:
        return Text(gettext_lazy("%(kpi)s has received no value since %(since)s."), kpi=kpi,
                    since=details.get("since_text") or gettext_lazy("its creation"))
    return Text(gettext_lazy("Drift in %(drifted)s of %(tested)s columns (%(columns)s)."),
                drifted=details.get("drifted", 0), tested=details.get("tested", 0),
                columns=", ".join(details.get("columns", [])[:8]))


def _recipients(alert: Alert) -> list:
    """The KPI's owner and the system's owner and backup owner, each only if they may open the alert."""
    system = alert.system
    people = [alert.kpi.owner if alert.kpi_id else None, system.owner, system.backup_owner]
    if alert.drift_run_id and alert.drift_run.requested_by_id:
        people.append(alert.drift_run.requested_by)
    seen, result = set(), []
    for person in people:
        if person is None or person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        if can_in_unit(person, VIEW, "monitoring", system.unit):
            result.append(person)
    return result


def _decider(alert: Alert):
    """Who confirms or dismisses a suggested change: the system owner if they can act on it, else the KPI owner."""
    system = alert.system
    for person in (system.owner, alert.kpi.owner if alert.kpi_id else None, system.backup_owner):
        if person is not None and person.is_active and can_in_unit(person, CHANGE, "monitoring", system.unit):
            return person
    return None


# --- Opening, escalating, resolving ----------------------------------------------------------------------------------

def _open_or_join(*, actor, system, kind: str, severity: str, details: dict, kpi=None, drift_run=None) -> Alert:
    alert = None
    if kpi is not None:
        alert = (Alert.objects.select_for_update().filter(kpi=kpi, kind=kind)
                 .exclude(state=Alert.State.RESOLVED).first())
    if alert is None:
        alert = _create(actor=actor, obj=Alert(system=system, kpi=kpi, drift_run=drift_run, kind=kind,
                                               severity=severity, details=details))
        _act(actor=actor, alert=alert, escalated=False)
        return alert
    escalated = SEVERITY_RANK[severity] > SEVERITY_RANK[alert.severity]
    alert = _save_with_changes(actor=actor, obj=alert, expected_version=None, reason="",
                               action="monitoring.alert.escalate" if escalated else "monitoring.alert.repeat",
                               changes={"severity": severity if escalated else alert.severity, "details": details,
                                        "occurrences": alert.occurrences + 1, "last_seen_at": _now()})
    if escalated:
        _act(actor=actor, alert=alert, escalated=True)
    return alert


def _record_actions(actor, alert: Alert, new_actions: list[dict]) -> Alert:
    if not new_actions:
        return alert
    return _save_with_changes(actor=actor, obj=alert, expected_version=None, reason="",
                              action="monitoring.alert.act", changes={"actions": list(alert.actions) + new_actions})


def _act(*, actor, alert: Alert, escalated: bool) -> None:
    """Notify, then take each action the policy asks for at the alert's severity and that was not taken yet."""
    system, severity = alert.system, alert.severity
    done = {entry["action"] for entry in alert.actions}
    moment = _now().isoformat()
    actions = []
    url = alert.get_absolute_url()
    recipients = _recipients(alert)
    for person in recipients:
        notify(recipient=person, kind="monitoring.alert", url=url,
               title=gettext_lazy("%(severity)s alert on %(system)s: %(what)s"),
               body=gettext_lazy("%(description)s Open the alert to see what it did and to handle it."),
               params={"severity": alert.get_severity_display(), "system": str(system),
                       "what": alert.get_kind_display(), "description": describe(alert, person.language)})
    actions.append({"action": "notified", "at": moment, "severity": severity, "people": [p.pk for p in recipients]})
    if alert.kind == Alert.Kind.STALE:
        _record_actions(actor, alert, actions)
        return
    policy = policy_for(system)
    if reaches(policy.review_risks, severity) and "review_requested" not in done:
        from aims.risks.triggers import request_review

        reviews = request_review(actor=actor, reason=describe_fact(alert), systems=[system],
                                 source="drift" if alert.kind == Alert.Kind.DRIFT else "kpi_breach")
        actions.append({"action": "review_requested", "at": moment, "reviews": [r.pk for r in reviews],
                        "risks": [r.risk_id for r in reviews]})
    if reaches(policy.open_incident, severity) and "incident_opened" not in done:
        language = system.owner.language if system.owner_id else None
        reference = hooks.open_incident(
            actor=actor, system=system, severity=severity, source_url=url,
            title=str(_("%(what)s on %(system)s") % {"what": alert.get_kind_display(), "system": system}),
            description=describe(alert, language))
        if reference is not None:
            actions.append({"action": "incident_opened", "at": moment, "reference": reference.reference,
                            "url": reference.url})
        elif "incident_unavailable" not in done:
            actions.append({"action": "incident_unavailable", "at": moment})
    if reaches(policy.suggest_change, severity):
        kind = policy.critical_change if severity == Alert.Severity.CRITICAL else policy.warning_change
        if not alert.suggestions.filter(kind=kind).exists():
            suggestion = _suggest(actor=actor, alert=alert, kind=kind)
            actions.append({"action": "change_suggested", "at": moment, "suggestion": suggestion.pk, "kind": kind})
    _record_actions(actor, alert, actions)


def _suggest(*, actor, alert: Alert, kind: str) -> ChangeSuggestion:
    pending = alert.suggestions.filter(state=ChangeSuggestion.State.PENDING).first()
    if pending is not None:  # an escalation turns the pending suggestion into the stronger change
        return _save_with_changes(actor=actor, obj=pending, expected_version=None, reason="", changes={"kind": kind})
    suggestion = _create(actor=actor, obj=ChangeSuggestion(alert=alert, system=alert.system, kind=kind))
    decider = _decider(alert)
    if decider is not None:
        open_task(assignee=decider, source=f"monitoring.suggestion.{suggestion.pk}", url=alert.get_absolute_url(),
                  title=gettext_lazy("Confirm or dismiss the suggested %(kind)s of “%(system)s”"),
                  params={"kind": suggestion.get_kind_display().lower(), "system": str(alert.system)})
    return suggestion


def kpi_status_changed(*, actor, kpi: Kpi, previous: str) -> Alert | None:
    """React to a KPI's new status: open or escalate its breach alert, or resolve it when back within thresholds."""
    if kpi.status in (Status.WARNING, Status.CRITICAL):
        threshold = kpi.critical if kpi.status == Status.CRITICAL else kpi.warning
        details = {"value": kpi.last_value, "threshold": threshold, "unit": kpi.unit, "direction": kpi.direction,
                   "measured_at": kpi.last_measured_at.isoformat() if kpi.last_measured_at else None,
                   "threshold_version": kpi.threshold_version}
        return _open_or_join(actor=actor, system=kpi.system, kind=Alert.Kind.BREACH, severity=kpi.status,
                             details=details, kpi=kpi)
    if kpi.status == Status.OK:
        for alert in Alert.objects.filter(kpi=kpi, kind=Alert.Kind.BREACH).exclude(state=Alert.State.RESOLVED):
            _resolve(actor=actor, alert=alert, resolution=_("Back within thresholds (%(value)s).")
                     % {"value": _format(kpi.last_value, kpi.unit)}, automatic=True)
    return None


def kpi_fresh_again(*, actor, kpi: Kpi) -> None:
    for alert in Alert.objects.filter(kpi=kpi, kind=Alert.Kind.STALE).exclude(state=Alert.State.RESOLVED):
        _resolve(actor=actor, alert=alert, resolution=_("New values arrived."), automatic=True)


def drift_verdict(*, actor, run) -> Alert | None:
    """A finished drift run: alert when columns drifted (critical if the dataset drifts); a clean run resolves the
    system's open drift alerts."""
    drifted = list(run.columns.filter(drifted=True).values_list("column", flat=True))
    if not drifted:
        for alert in Alert.objects.filter(system=run.system, kind=Alert.Kind.DRIFT).exclude(
                state=Alert.State.RESOLVED):
            _resolve(actor=actor, alert=alert, resolution=_("A later drift run found no drift."), automatic=True)
        return None
    severity = Alert.Severity.CRITICAL if run.dataset_drift else Alert.Severity.WARNING
    details = {"run": run.pk, "drifted": len(drifted), "tested": run.columns_tested, "columns": drifted,
               "dataset_drift": bool(run.dataset_drift)}
    return _open_or_join(actor=actor, system=run.system, kind=Alert.Kind.DRIFT, severity=severity, details=details,
                         drift_run=run)


def _resolve(*, actor, alert: Alert, resolution: str, automatic: bool = False) -> Alert:
    person = actor if getattr(actor, "pk", None) and not automatic else None
    alert = _save_with_changes(actor=actor, obj=alert, expected_version=None, reason=resolution,
                               action="monitoring.alert.resolve",
                               changes={"state": Alert.State.RESOLVED, "resolved_at": _now(), "resolved_by": person,
                                        "resolution": resolution})
    return alert


@transaction.atomic
def acknowledge_alert(*, actor, alert: Alert, comment: str = "", expected_version: int | None = None) -> Alert:
    """Someone is on it: the alert stays visible as acknowledged until resolved."""
    require(actor, CHANGE, alert)
    if alert.state != Alert.State.OPEN:
        raise ValidationError(_("Only an open alert can be acknowledged."))
    return _save_with_changes(actor=actor, obj=alert, expected_version=expected_version, reason=comment,
                              action="monitoring.alert.acknowledge", changes={"state": Alert.State.ACKNOWLEDGED})


@transaction.atomic
def resolve_alert(*, actor, alert: Alert, resolution: str, expected_version: int | None = None) -> Alert:
    require(actor, CHANGE, alert)
    if alert.state == Alert.State.RESOLVED:
        raise ValidationError(_("This alert is already resolved."))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say what was done about it.")})
    if expected_version is not None and expected_version != alert.version:
        from aims.core.services import StaleVersion

        raise StaleVersion(alert.version)
    return _resolve(actor=actor, alert=alert, resolution=resolution)


# --- Suggested change decisions -------------------------------------------------------------------------------------

def _pending(suggestion: ChangeSuggestion) -> None:
    if suggestion.state != ChangeSuggestion.State.PENDING:
        raise ValidationError(_("This suggestion was already decided (%(state)s).")
                              % {"state": suggestion.get_state_display()})


@transaction.atomic
def confirm_suggestion(*, actor, suggestion: ChangeSuggestion, description: str) -> ChangeSuggestion:
    """Request the suggested change in the inventory (its approvers are then asked as for any change decision)."""
    require(actor, CHANGE, suggestion)
    _pending(suggestion)
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the change to make.")})
    from aims.inventory.services import request_change

    decision = request_change(actor=actor, system=suggestion.system, kind=suggestion.kind, description=description,
                              reason=_("Suggested by a monitoring alert."))
    suggestion = _save_with_changes(actor=actor, obj=suggestion, expected_version=None, reason=description,
                                    action="monitoring.changesuggestion.confirm",
                                    changes={"state": ChangeSuggestion.State.CONFIRMED, "decided_by": actor,
                                             "decided_at": _now(), "reason": description,
                                             "change_decision": decision})
    close_tasks(source=f"monitoring.suggestion.{suggestion.pk}")
    return suggestion


@transaction.atomic
def dismiss_suggestion(*, actor, suggestion: ChangeSuggestion, reason: str) -> ChangeSuggestion:
    require(actor, CHANGE, suggestion)
    _pending(suggestion)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why no change is needed: the reason is kept with the alert.")})
    suggestion = _save_with_changes(actor=actor, obj=suggestion, expected_version=None, reason=reason,
                                    action="monitoring.changesuggestion.dismiss",
                                    changes={"state": ChangeSuggestion.State.DISMISSED, "decided_by": actor,
                                             "decided_at": _now(), "reason": reason})
    close_tasks(source=f"monitoring.suggestion.{suggestion.pk}")
    return suggestion


# --- Stale KPIs ------------------------------------------------------------------------------------------------------

def find_stale(now=None) -> int:
    """Mark the active KPIs that missed their expected frequency (plus the catalogue's grace) as stale, and alert
    their owners once. Returns how many became stale. Run hourly by the worker (tasks.py)."""
    from datetime import timedelta

    now = now or _now()
    grace = catalog.stale_grace()
    count = 0
    kpis = (Kpi.objects.select_related("system__unit", "system__owner", "system__backup_owner", "owner")
            .filter(is_active=True, stale_since__isnull=True, system__is_frozen=False))
    for frequency in set(kpis.values_list("frequency", flat=True).distinct()):
        limit = now - timedelta(hours=catalog.frequency_hours(frequency) * (1 + grace))
        for kpi in kpis.filter(frequency=frequency).filter(
                Q(last_measured_at__lt=limit) | Q(last_measured_at__isnull=True, created_at__lt=limit)):
            with transaction.atomic():
                _mark_stale(kpi, now)
            count += 1
    return count


def _mark_stale(kpi: Kpi, now) -> None:
    Kpi.objects.filter(pk=kpi.pk).update(stale_since=now)
    kpi.stale_since = now
    since = kpi.last_measured_at
    details = {"since": since.isoformat() if since else None, "frequency": kpi.frequency,
               "since_text": since.date().isoformat() if since else ""}
    _open_or_join(actor=None, system=kpi.system, kind=Alert.Kind.STALE, severity=Alert.Severity.WARNING,
                  details=details, kpi=kpi)


def open_alert_count(user) -> int:
    return Alert.objects.restrict(user, VIEW).exclude(state=Alert.State.RESOLVED).count()

