"""What a person reads for the monitoring module's own ledger actions (registered in AppConfig.ready)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "monitoring.measurements.push": _("Values pushed"),
    "monitoring.kpi.thresholds": _("Thresholds changed"),
    "monitoring.pushtoken.create": _("Push token created"),
    "monitoring.pushtoken.revoke": _("Push token revoked"),
    "monitoring.alert.create": _("Alert raised"),
    "monitoring.alert.act": _("Alert acted"),
    "monitoring.alert.escalate": _("Alert escalated"),
    "monitoring.alert.repeat": _("Alert repeated"),
    "monitoring.alert.acknowledge": _("Alert acknowledged"),
    "monitoring.alert.resolve": _("Alert resolved"),
    "monitoring.changesuggestion.confirm": _("Suggested change confirmed"),
    "monitoring.changesuggestion.dismiss": _("Suggested change dismissed"),
    "monitoring.driftrun.done": _("Drift run finished"),
    "monitoring.driftrun.fail": _("Drift run failed"),
    "monitoring.closurereview.submit": _("Closure grid submitted"),
    "monitoring.closurereview.sign": _("Closure grid signed"),
    "monitoring.closurereview.return": _("Closure grid sent back"),
}


# --- Reading the module's stored facts in History (models' `ledger_display` and `ledger_labels`) -------------------

def _number(value) -> str:
    from .charts import number

    return number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value or "—")


def alert_details(value, snapshot, memo) -> str:
    """An alert's facts (value and threshold, columns drifted, silent since) in words."""
    from django.utils.translation import gettext as _

    value = value or {}
    parts = []
    if "value" in value:
        parts.append(_("value %(value)s") % {"value": _number(value["value"])})
    if value.get("threshold") is not None:
        parts.append(_("threshold %(threshold)s") % {"threshold": _number(value["threshold"])})
    if "drifted" in value:
        parts.append(_("%(drifted)s of %(tested)s columns drifted: %(columns)s") % {
            "drifted": value["drifted"], "tested": value.get("tested", "—"),
            "columns": ", ".join(value.get("columns", [])[:10])})
    if "since_text" in value:
        parts.append(_("no value since %(since)s") % {"since": value["since_text"] or "—"})
    return "; ".join(parts) or "—"


ACTION_WORDS = {
    "notified": _("owners notified"), "review_requested": _("risk reviews requested"),
    "incident_opened": _("incident opened"), "incident_unavailable": _("no incidents module to open an incident"),
    "change_suggested": _("change decision suggested"),
}


def alert_actions(value, snapshot, memo) -> str:
    from django.utils.translation import gettext as _g

    words = [str(ACTION_WORDS.get(entry.get("action"), entry.get("action"))) for entry in (value or [])]
    return ", ".join(words) or _g("none")


def closure_axes(value, snapshot, memo) -> str:
    """Each axis with its assessment, as the grid reads."""
    from django.apps import apps

    from . import catalog

    labels = {axis["key"]: axis["label"] for axis in catalog.closure_axes()}
    # Looked up through the app registry: the model refers to this function, so importing it here would be a circle.
    assessments = dict(apps.get_model("monitoring", "ClosureReview").Assessment.choices)
    return "; ".join(f"{labels.get(key, key)}: {assessments.get(axis.get('assessment'), '—')}"
                     for key, axis in (value or {}).items()) or "—"


def drift_settings_used(value, snapshot, memo) -> str:
    from django.utils.translation import gettext as _g

    value = value or {}
    text = _g("dataset drift share %(share)s") % {"share": _number(value.get("drift_share", 0.5))}
    overrides = value.get("column_overrides") or {}
    if overrides:
        text += "; " + column_overrides(overrides, snapshot, memo)
    if value.get("ignored_columns"):
        text += "; " + _g("ignored: %(columns)s") % {"columns": ", ".join(value["ignored_columns"])}
    return text


def column_overrides(value, snapshot, memo) -> str:
    from .choices import Method

    methods = dict(Method.choices)
    parts = []
    for column, override in (value or {}).items():
        words = [str(methods.get(override.get("method"), override.get("method")))] if override.get("method") else []
        if override.get("threshold") is not None:
            words.append(_number(override["threshold"]))
        parts.append(f"{column}: {' '.join(words) or '—'}")
    return "; ".join(parts) or "—"


def per_kpi(value, snapshot, memo) -> str:
    from . import catalog

    return ", ".join(f"{catalog.kpi_label(key) or key} ({count})" for key, count in (value or {}).items()) or "—"
