"""Forms of the crisis and exercise pages. Pickers offer only people who can see the incident (aims.core.assignment)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aims.core.assignment import PersonField, limit_to
from aims.core.forms import units_allowing
from aims.core.widgets import searchable
from aims.inventory.models import AISystem

from . import crisis_catalog
from .forms import _datetime_field
from .models_crisis import ExerciseFinding

TEXTAREA = forms.Textarea(attrs={"rows": 2})


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("Why a crisis"), max_length=5000, widget=TEXTAREA,
                             help_text=_("What makes this incident more than the usual response can handle."))
    at = _datetime_field(_("Cell activated on"), required=False, help_text=_("Leave empty for now."))
    lead = PersonField(label=_("Crisis lead"), queryset=None, required=False)

    def __init__(self, *args, user, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].label = crisis_catalog.role_label("crisis_lead")
        limit_to(self.fields["lead"], user, "view", "incidents", unit=incident.unit)


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    person = PersonField(label=_("Person"), queryset=None)

    def __init__(self, *args, user, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = crisis_catalog.role_choices()
        limit_to(self.fields["person"], user, "view", "incidents", unit=unit)


class TickForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class CrisisDecisionForm(forms.Form):
    decision = forms.CharField(label=_("Decision"), max_length=5000, widget=TEXTAREA)
    rationale = forms.CharField(label=_("Rationale"), required=False, max_length=5000, widget=TEXTAREA)
    decided_by = PersonField(label=_("Decided by"), queryset=None, required=False,
                             help_text=_("Leave empty if you decided it yourself."))
    decided_at = _datetime_field(_("Decided on"), required=False, help_text=_("Leave empty for now."))

    def __init__(self, *args, user, unit, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to(self.fields["decided_by"], user, "view", "incidents", unit=unit)


class CommunicationForm(forms.Form):
    audience = forms.ChoiceField(label=_("Audience"))
    channel = forms.ChoiceField(label=_("Channel"))
    template = forms.ChoiceField(label=_("Template"), required=False,
                                 help_text=_("Its words are filled with the crisis's facts and shown in each "
                                             "reader's language."))
    text = forms.CharField(label=_("Text"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What you wrote, or what you added to the template."))
    recipients = forms.CharField(label=_("Recipients"), required=False, max_length=300)
    sent_by = PersonField(label=_("Sent by"), queryset=None, required=False,
                          help_text=_("Leave empty if you sent it yourself."))
    sent_at = _datetime_field(_("Sent on"), required=False, help_text=_("Leave empty for now."))

    def __init__(self, *args, user, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [(row["key"], row["label"]) for row in crisis_catalog.audiences()]
        self.fields["channel"].choices = [(row["key"], row["label"]) for row in crisis_catalog.channels()]
        self.fields["template"].choices = [("", _("No template"))] + [
            (row["key"], row["label"]) for row in crisis_catalog.templates()]
        limit_to(self.fields["sent_by"], user, "view", "incidents", unit=unit)


class StandDownForm(forms.Form):
    reason = forms.CharField(label=_("Why the cell stands down"), max_length=5000, widget=TEXTAREA)
    at = _datetime_field(_("Stood down on"), required=False, help_text=_("Leave empty for now."))


# --- Exercises -------------------------------------------------------------------------------------------------------

class ExerciseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scenario = forms.ChoiceField(label=_("Scenario"))
    unit = forms.ModelChoiceField(label=_("Organisation unit"), queryset=None)
    lead = PersonField(label=_("Exercise lead"), queryset=None)
    system = searchable(forms.ModelChoiceField(label=_("AI system played"), queryset=None, required=False))
    planned_for = _datetime_field(_("Planned for"))
    objectives = forms.CharField(label=_("Objectives"), required=False, max_length=5000, widget=TEXTAREA)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].choices = crisis_catalog.scenario_choices()
        units = units_allowing(user, "add", "incidents").order_by("path")
        self.fields["unit"].queryset = units
        limit_to(self.fields["lead"], user, "view", "incidents", units=list(units))
        self.fields["system"].queryset = AISystem.objects.restrict(user, "view").order_by("name")


class ExerciseMomentForm(forms.Form):
    moment = forms.ChoiceField(label=_("What happened"), choices=[
        ("detected", _("The players detected the incident")), ("contained", _("The players contained it")),
        ("notified", _("The players notified the authorities"))])
    at = _datetime_field(_("When"), required=False, help_text=_("Leave empty for now."))


class InjectForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes after the start"), min_value=0, max_value=10080)
    text = forms.CharField(label=_("Inject"), max_length=5000, widget=TEXTAREA)


class ParticipantForm(forms.Form):
    person = PersonField(label=_("Person"), queryset=None)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, user, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = crisis_catalog.role_choices()
        limit_to(self.fields["person"], user, "view", "incidents", unit=unit)


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExerciseFinding.Kind.choices)
    text = forms.CharField(label=_("Finding"), max_length=5000, widget=TEXTAREA)


class ExerciseActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = PersonField(label=_("Owner"), queryset=None)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    finding = forms.ModelChoiceField(label=_("Finding"), queryset=None, required=False)

    def __init__(self, *args, user, exercise, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to(self.fields["owner"], user, "view", "incidents", unit=exercise.unit)
        self.fields["finding"].queryset = exercise.findings.order_by("id")


class CompleteForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), required=False, max_length=20000, widget=TEXTAREA)


class ActionDoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=5000, widget=forms.TextInput)
