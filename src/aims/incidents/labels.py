"""Words for the incidents module's own ledger actions (decision record 0006)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "incidents.incident.status": _("Incident status changed"),
    "incidents.incident.timeline": _("Timeline entry added"),
    "incidents.incident.systems": _("Affected systems changed"),
    "incidents.incident.components": _("Affected components changed"),
    "incidents.regimedecision.apply": _("Regulatory regime confirmed"),
    "incidents.regimedecision.dismiss": _("Regulatory regime dismissed"),
    "incidents.clock.compute": _("Deadline computed"),
    "incidents.clock.submit": _("Report submitted"),
    "incidents.clock.remind": _("Deadline reminder sent"),  # one per clock, before the sweep wrote one per incident
    "incidents.incident.remind": _("Deadline reminders sent"),
    "incidents.submission.create": _("Submission recorded"),
    "incidents.containmentdecision.create": _("Containment decision recorded"),
    "incidents.containmentdecision.lift": _("Containment measure lifted"),
    "incidents.evidencehold.start": _("Evidence hold placed"),
    "incidents.evidencehold.release": _("Evidence hold released"),
    "incidents.postincidentreview.submit": _("Post-incident review submitted for sign-off"),
    "incidents.postincidentreview.approve": _("Post-incident review approved"),
    "incidents.postincidentreview.return": _("Post-incident review returned"),
    "incidents.reviewaction.done": _("Post-incident action done"),
    "incidents.vulnerability.status": _("Vulnerability status changed"),
    "incidents.vulnerability.components": _("Affected component versions changed"),
    "incidents.vulnerability.dependencies": _("Affected dependencies changed"),
    "incidents.mitigation.done": _("Mitigation done"),
    "incidents.mitigation.remind": _("Mitigation reminder sent"),
}


# What each fact means, for the page that shows why a regime was proposed.
FACT_LABELS = {
    "personal_data_breach": _("personal data was breached"),
    "serious_incident": _("serious incident under the EU AI Act"),
    "death": _("a person died"),
    "widespread_or_critical_infrastructure": _("widespread infringement or critical infrastructure disrupted"),
    "significant_incident": _("significant incident under NIS2"),
    "major_ict_incident": _("major ICT-related incident under DORA"),
    "actively_exploited_vulnerability": _("actively exploited vulnerability"),
    "severe_incident": _("severe incident affecting a product's security"),
    "high_risk_system": _("an affected AI system is high-risk"),
    "deployer": _("the organisation deploys an affected high-risk system (someone else provides it)"),
    "provider": _("the organisation provides an affected AI system"),
    "nis2_entity": _("the organisation is an essential or important entity under NIS2"),
    "financial_entity": _("the organisation is a financial entity under DORA"),
    "digital_products_manufacturer": _("the organisation makes products with digital elements"),
}


# --- Reading the module's stored facts in History (models' `ledger_display` and `ledger_labels`) -------------------

def _lang() -> str:
    from aims.core.labels import language

    return language()


def timeline_kind(value, snapshot=None, memo=None) -> str:
    from django.apps import apps  # by name: the models module imports this one

    entry = apps.get_model("incidents", "TimelineEntry")
    return str(dict(entry.Kind.choices).get(value, value))


def moment(value, snapshot=None, memo=None) -> str:
    import datetime as dt

    from django.utils import formats, timezone

    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return formats.date_format(timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed, "DATETIME_FORMAT")


def regime_label(value, snapshot=None, memo=None) -> str:
    from . import clocks

    entry = clocks.regime(value)
    return entry.label_in(_lang()) if entry else str(value)


def deadline_label(value, snapshot=None, memo=None) -> str:
    from . import clocks

    entry = clocks.regime((snapshot or {}).get("regime", ""))
    for deadline in entry.deadlines if entry else ():
        if deadline.key == value:
            return deadline.label_in(_lang())
    return str(value)


def fact_labels(value, snapshot=None, memo=None) -> str:
    return "; ".join(str(FACT_LABELS.get(v, v)) for v in value or ())


def points(value, snapshot=None, memo=None) -> str:
    return ", ".join(f"{round(float(p) * 100)} %" for p in value or ())


def people(value, snapshot=None, memo=None) -> str:
    from aims.core.models import User

    ids = value if isinstance(value, list) else [value]
    names = {p.pk: str(p) for p in User.objects.filter(pk__in=[i for i in ids if i])}
    return ", ".join(names.get(i, f"#{i}") for i in ids)


def reminded_deadlines(value, snapshot=None, memo=None) -> str:
    """The deadlines one reminder event names ({"regime", "deadline", "points"} each), in the reader's words:
    "Notification to the supervisory authority: 50 %, 80 %"."""
    return "; ".join(_("%(deadline)s: %(points)s") % {"deadline": deadline_label(item.get("deadline"), item),
                                                       "points": points(item.get("points"))}
                     for item in value or () if isinstance(item, dict))


INCIDENT_LABELS = {"entry": _("Timeline entry"), "kind": _("What"), "at": _("When"), "source": _("Source"),
                   "note": _("Note"), "deadlines": _("Deadlines reminded"), "people": _("People reminded")}
INCIDENT_DISPLAY = {"kind": timeline_kind, "at": moment, "deadlines": reminded_deadlines, "people": people}
CLOCK_LABELS = {"submission": _("Submission"), "authority": _("Authority"), "reference": _("Reference or receipt"),
                "submitted_by": _("Submitted by"), "complete": _("Complete report"),
                "late_reason": _("Reason for the delay"), "evidence": _("Report as sent"),
                "points": _("Reminder points"), "people": _("People reminded")}
CLOCK_DISPLAY = {"regime": regime_label, "deadline": deadline_label, "points": points, "reminders_sent": points,
                 "people": people, "submitted_by": people}
DECISION_DISPLAY = {"regime": regime_label, "facts": fact_labels}


def containment_kind(value, snapshot=None, memo=None) -> str:
    from . import catalog

    return catalog.containment_label(value)


def hold_release(value, snapshot=None, memo=None) -> str:
    from django.apps import apps

    hold = apps.get_model("incidents", "EvidenceHold")
    return str(dict(hold.Release.choices).get(value, value))


CONTAINMENT_LABELS = {}
CONTAINMENT_DISPLAY = {"kind": containment_kind, "decided_at": moment, "lifted_at": moment}
HOLD_LABELS = {"system": _("AI system"), "regime": _("Regime"), "release": _("Released because"),
               "justification": _("Justification"), "snapshot": _("Snapshot of the system")}
INCIDENT_LABELS.update(HOLD_LABELS)
INCIDENT_DISPLAY["release"] = hold_release


def vulnerability_kind(value, snapshot=None, memo=None) -> str:
    from django.apps import apps

    kind = apps.get_model("incidents", "Vulnerability")._meta.get_field("kind")
    return str(dict(kind.choices).get(value, value))


def severity(value, snapshot=None, memo=None) -> str:
    from . import catalog

    return catalog.severity_label(value)


def component_links(value, snapshot=None, memo=None) -> str:
    """[{component, all_versions}] as names ("every version" said where it applies)."""
    from aims.inventory.models import Component

    rows = value or []
    names = {c.pk: str(c) for c in Component.objects.filter(pk__in=[r.get("component") for r in rows])}
    return "; ".join(f"{names.get(r.get('component'), '#%s' % r.get('component'))}"
                     + (f" ({_('every version')})" if r.get("all_versions") else "") for r in rows)


VULNERABILITY_LABELS = {"component_versions": _("Affected component versions")}
VULNERABILITY_DISPLAY = {"kind": vulnerability_kind, "severity": severity, "component_versions": component_links,
                         "closed_at": moment}
