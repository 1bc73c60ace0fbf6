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
