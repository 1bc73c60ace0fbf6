"""Words for the ledger actions of crisis mode and crisis exercises (decision record 0006)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "incidents.crisis.reactivate": _("Crisis cell reactivated"),
    "incidents.crisis.member": _("Crisis cell member added"),
    "incidents.crisis.member_removed": _("Crisis cell member removed"),
    "incidents.crisis.checklist": _("First-hour checklist item ticked"),
    "incidents.crisis.decision": _("Crisis decision logged"),
    "incidents.crisis.communication": _("Crisis communication logged"),
    "incidents.crisis.stand_down": _("Crisis cell stood down"),
    "incidents.exercise.start": _("Crisis exercise started"),
    "incidents.exercise.moment": _("Crisis exercise moment recorded"),
    "incidents.exercise.complete": _("Crisis exercise completed"),
    "incidents.exercise.inject": _("Inject added to a crisis exercise"),
    "incidents.exercise.participant": _("Participant added to a crisis exercise"),
    "incidents.exercise.finding": _("Crisis exercise finding recorded"),
    "incidents.exerciseaction.done": _("Crisis exercise action done"),
}


# --- Reading the stored facts of crises and exercises in History (models' `ledger_display` and `ledger_labels`) ------

def _catalog():
    from . import crisis_catalog

    return crisis_catalog


def role(value, snapshot=None, memo=None) -> str:
    return _catalog().role_label(value)


def checklist_item(value, snapshot=None, memo=None) -> str:
    return _catalog().checklist_item(value)["label"]


def audience(value, snapshot=None, memo=None) -> str:
    return _catalog().audience_label(value)


def channel(value, snapshot=None, memo=None) -> str:
    return _catalog().channel_label(value)


def template(value, snapshot=None, memo=None) -> str:
    found = _catalog().template(value) if value else None
    return found["label"] if found else str(value or "")


def template_words(value, snapshot=None, memo=None) -> str:
    """The facts a template was filled with, read as the words they make in the reader's language."""
    key = (snapshot or {}).get("template", "")
    return _catalog().render_template(key, value or {}) if key else ""


def scenario(value, snapshot=None, memo=None) -> str:
    return _catalog().scenario_label(value)


def finding_kind(value, snapshot=None, memo=None) -> str:
    from django.apps import apps

    finding = apps.get_model("incidents", "ExerciseFinding")
    return str(dict(finding.Kind.choices).get(value, value))


def _people(value, snapshot=None, memo=None) -> str:
    from .labels import people

    return people(value, snapshot, memo)


def _moment(value, snapshot=None, memo=None) -> str:
    from .labels import moment

    return moment(value, snapshot, memo)


CRISIS_LABELS = {
    "role": _("Role"), "person": _("Person"), "item": _("First-hour checklist"), "done_at": _("Done on"),
    "done_by": _("Done by"), "decision": _("Decision"), "decided_by": _("Decided by"), "decided_at": _("Decided on"),
    "audience": _("Audience"), "channel": _("Channel"), "template": _("Template"), "text": _("Text"),
    "facts": _("Message"), "sent_by": _("Sent by"), "sent_at": _("Sent on"),
}
CRISIS_DISPLAY = {
    "role": role, "person": _people, "item": checklist_item, "done_at": _moment, "done_by": _people,
    "decided_by": _people, "decided_at": _moment, "audience": audience, "channel": channel, "template": template,
    "facts": template_words, "sent_by": _people, "sent_at": _moment, "escalated_at": _moment,
    "stood_down_at": _moment,
}
EXERCISE_LABELS = {"person": _("Person"), "role": _("Role"), "minutes": _("Minutes after the start"),
                   "text": _("Text"), "kind": _("Kind")}
EXERCISE_DISPLAY = {
    "scenario": scenario, "person": _people, "role": role, "kind": finding_kind, "planned_for": _moment,
    "started_at": _moment, "detected_at": _moment, "contained_at": _moment, "notified_at": _moment,
    "completed_at": _moment,
}
