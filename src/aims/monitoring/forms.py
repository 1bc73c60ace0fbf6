"""Forms of the monitoring pages. Pickers offer only people who can act on the system's monitoring."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aims.core.forms import ReasonField, VersionedForm
from aims.core.widgets import searchable

from . import catalog
from .models import AlertPolicy, Direction, Family, Frequency, Kpi
from .people import kpi_owner_candidates

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class _ThresholdFields(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    target = forms.FloatField(label=_("Target"), required=False)
    warning = forms.FloatField(label=_("Warning threshold"), required=False,
                               help_text=_("A value worse than this raises a warning."))
    critical = forms.FloatField(label=_("Critical threshold"), required=False,
                                help_text=_("A value worse than this raises a critical alert."))


class KpiCreateForm(_ThresholdFields):
    catalogue_key = forms.ChoiceField(label=_("KPI"), required=False, help_text=_(
        "Choose a KPI of the catalogue, or “Custom KPI” and name it."))
    name = forms.CharField(label=_("Name of the custom KPI"), max_length=200, required=False)
    family = forms.ChoiceField(label=_("Family"), choices=[("", "—")] + list(Family.choices), required=False)
    key = forms.SlugField(label=_("Key"), max_length=60, required=False, help_text=_(
        "What pipelines use to push values; defaults to the catalogue key or a slug of the name."))
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    frequency = forms.ChoiceField(label=_("Expected frequency"), choices=Frequency.choices, initial=Frequency.DAILY)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, help_text=_(
        "Receives the alerts; only people who can act on this system's monitoring are offered."))
    data_source = forms.CharField(label=_("Data source"), max_length=300, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    rationale = forms.CharField(label=_("Why these thresholds"), required=False, max_length=5000,
                                widget=forms.TextInput)

    field_order = ["catalogue_key", "name", "family", "key", "unit", "direction", "target", "warning", "critical",
                   "rationale", "frequency", "owner", "data_source", "description"]

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Custom KPI"))]
        taken = set(Kpi.objects.filter(system=system).values_list("catalogue_key", flat=True))
        for family in catalog.families():
            choices.append((family["label"], [(k["key"], k["label"]) for k in family["kpis"]
                                              if k["key"] not in taken]))
        self.fields["catalogue_key"].choices = choices
        self.fields["owner"].queryset = kpi_owner_candidates(system)
        searchable(self.fields["owner"])


class KpiEditForm(VersionedForm):
    reason = ReasonField()

    class Meta:
        model = Kpi
        fields = ["name", "description", "unit", "frequency", "owner", "data_source", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = kpi_owner_candidates(self.instance.system)
        searchable(self.fields["owner"])
        if self.instance.catalogue_key:
            del self.fields["name"]


class ThresholdForm(_ThresholdFields):
    version = forms.IntegerField(widget=forms.HiddenInput)
    rationale = forms.CharField(label=_("Rationale"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                                help_text=_("Required: why the thresholds change. It is kept with this version."))


class MeasurementForm(forms.Form):
    at = forms.DateTimeField(label=_("Measured on"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    value = forms.FloatField(label=_("Value"))
    reason = ReasonField(label=_("Note"))


class PushTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_(
        "The pipeline that will use it, e.g. “nightly evaluation”."))
    days = forms.IntegerField(label=_("Lifetime in days"), min_value=1, max_value=366, initial=90)


class PolicyForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = ReasonField()

    class Meta:
        model = AlertPolicy
        fields = ["review_risks", "open_incident", "suggest_change", "warning_change", "critical_change"]


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(label=_("Comment"), max_length=5000, required=False)


class ResolveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    resolution = forms.CharField(label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmSuggestionForm(forms.Form):
    description = forms.CharField(label=_("Describe the change"), max_length=20000,
                                  widget=forms.Textarea(attrs={"rows": 3}), help_text=_(
                                      "It becomes the change decision's description; its approvers are then asked."))


class DismissSuggestionForm(forms.Form):
    reason = forms.CharField(label=_("Why no change is needed"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))
