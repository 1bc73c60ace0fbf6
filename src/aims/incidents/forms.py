"""Forms of the incident pages. The handler picker offers only people who can act on incidents of the unit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aims.core.assignment import PersonField, limit_to
from aims.core.forms import ReasonField, SectionedForm, VersionedForm, units_allowing
from aims.core.widgets import searchable
from aims.inventory.models import AISystem, Component

from . import catalog
from .models import FACT_FIELDS, MANUAL_TIMELINE_KINDS, Incident, RegulatoryProfile, Status, TimelineEntry

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _datetime_field(label, required=True, help_text=""):
    return forms.DateTimeField(label=label, required=required, widget=DATETIME, help_text=help_text,
                               input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])


class IncidentForm(SectionedForm, VersionedForm):
    SECTIONS = (
        ("incident", _("The incident"), ("title", "category", "nature", "severity", "unit", "handler", "description")),
        ("when", _("When"), ("detected_at", "aware_at", "classified_major_at", "fix_available_at")),
        ("scope", _("What it affects"), ("systems", "components", "people_affected", "people_description",
                                         "suppliers")),
        ("facts", _("Facts that decide the regimes"), FACT_FIELDS),
        ("damage", _("Damage"), ("damage_business", "damage_legal", "damage_customers")),
    )
    reason = ReasonField()
    handler = PersonField(label=_("Handler"), queryset=None)
    systems = forms.ModelMultipleChoiceField(label=_("Affected AI systems"), queryset=None, required=False)
    components = forms.ModelMultipleChoiceField(label=_("Affected components"), queryset=None, required=False)
    severity = forms.ChoiceField(label=_("Severity"))
    detected_at = _datetime_field(_("Detected on"))
    aware_at = _datetime_field(_("Became aware on"), help_text=_(
        "When the organisation knew enough to say an incident happened: most deadlines count from here."))
    classified_major_at = _datetime_field(_("Classified as major on"), required=False,
                                          help_text=_("DORA: when the incident was classified as major."))
    fix_available_at = _datetime_field(_("Fix available on"), required=False,
                                       help_text=_("Cyber Resilience Act: when a fix or mitigation became available."))

    class Meta:
        model = Incident
        fields = ["title", "category", "nature", "severity", "unit", "handler", "description", "detected_at",
                  "aware_at", "classified_major_at", "fix_available_at", *FACT_FIELDS, "people_affected",
                  "people_description", "damage_business", "damage_legal", "damage_customers", "suppliers"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in (
            "description", "people_description", "damage_business", "damage_legal", "damage_customers", "suppliers")}

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        action = "add" if creating else "change"
        self.fields["unit"].queryset = units_allowing(user, action, "incidents").order_by("path")
        unit = self.instance.unit if self.instance.pk else None
        units = None if unit is not None else list(self.fields["unit"].queryset)
        limit_to(self.fields["handler"], user, "change", "incidents", unit=unit, units=units)
        self.fields["severity"].choices = catalog.severity_choices()
        self.fields["systems"].queryset = AISystem.objects.restrict(user, "view").order_by("name")
        self.fields["components"].queryset = Component.objects.restrict(user, "view").order_by("name")
        if self.instance.pk:
            self.fields["systems"].initial = list(self.instance.systems.values_list("pk", flat=True))
            self.fields["components"].initial = list(self.instance.components.values_list("pk", flat=True))
        if creating:
            del self.fields["version"]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    at = _datetime_field(_("When"), required=False, help_text=_("Leave empty for now."))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        if incident is not None:
            from .models import TRANSITIONS

            allowed = TRANSITIONS[Status(incident.status)]
            self.fields["status"].choices = [(s.value, s.label) for s in allowed]


class TimelineForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=[(k, label) for k, label in TimelineEntry.Kind.choices
                                                        if k in MANUAL_TIMELINE_KINDS])
    at = _datetime_field(_("When"))
    source = forms.CharField(label=_("Source"), required=False, max_length=300,
                             help_text=_("Where this comes from: a log, a person, a monitoring alert..."))
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ApplyRegimeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=5000, widget=forms.TextInput)


class DismissRegimeForm(forms.Form):
    reason = forms.CharField(label=_("Why it does not apply"), max_length=5000, widget=forms.TextInput)


class SubmissionForm(forms.Form):
    authority = forms.CharField(label=_("Authority"), max_length=200)
    reference = forms.CharField(label=_("Reference or receipt"), required=False, max_length=200)
    submitted_at = _datetime_field(_("Submitted on"), required=False, help_text=_("Leave empty for now."))
    submitted_by = PersonField(label=_("Submitted by"), queryset=None, required=False,
                               help_text=_("Leave empty if you sent it yourself."))
    complete = forms.BooleanField(label=_("Complete report"), required=False, initial=True)
    late_reason = forms.CharField(label=_("Reason for the delay"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Required when the deadline has passed."))
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.TextInput)
    report = forms.FileField(label=_("Report as sent"), required=False,
                             help_text=_("Kept in the evidence library, linked to the incident."))

    def __init__(self, *args, user, incident, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to(self.fields["submitted_by"], user, "view", "incidents", unit=incident.unit)


class ProfileForm(VersionedForm):
    reason = ReasonField()

    class Meta:
        model = RegulatoryProfile
        fields = ["nis2_entity", "financial_entity", "digital_products_manufacturer", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ContainmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Decision"))
    system = searchable(forms.ModelChoiceField(label=_("AI system"), queryset=None, required=False,
                                               help_text=_("The affected system the decision applies to.")))
    component = searchable(forms.ModelChoiceField(
        label=_("Version rolled back to"), queryset=None, required=False,
        help_text=_("For a rollback: a previous version of a component the system uses.")))
    reason = forms.CharField(label=_("Why"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    effect = forms.CharField(label=_("Effect on the system"), required=False, max_length=5000,
                             widget=forms.TextInput, help_text=_("Leave empty for the usual effect of the decision."))
    decided_by = PersonField(label=_("Decided by"), queryset=None, required=False,
                             help_text=_("Leave empty if you decided it yourself."))
    decided_at = _datetime_field(_("Decided on"), required=False, help_text=_("Leave empty for now."))

    def __init__(self, *args, user, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = catalog.containment_choices()
        systems = AISystem.objects.restrict(user, "view").filter(incidents=incident).order_by("name")
        self.fields["system"].queryset = systems
        self.fields["component"].queryset = (Component.objects.restrict(user, "view")
                                             .filter(next_versions__system_links__system__in=systems)
                                             .distinct().order_by("name", "version_label"))
        limit_to(self.fields["decided_by"], user, "view", "incidents", unit=incident.unit)


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why it is lifted"), max_length=5000, widget=forms.TextInput)


class HoldReleaseForm(forms.Form):
    justification = forms.CharField(label=_("Justification"), max_length=5000,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("Why the system may be changed before the authority is informed."))


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    root_cause = forms.CharField(label=_("Root cause"), required=False, max_length=20000,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    what_worked = forms.CharField(label=_("What worked"), required=False, max_length=20000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    what_did_not_work = forms.CharField(label=_("What did not work"), required=False, max_length=20000,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    lessons_learned = forms.CharField(label=_("Lessons learned"), required=False, max_length=20000,
                                      widget=forms.Textarea(attrs={"rows": 3}))


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = PersonField(label=_("Owner"), queryset=None)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, incident, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to(self.fields["owner"], user, "view", "incidents", unit=incident.unit)


class ActionDoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=5000, widget=forms.TextInput)


class ReviewDecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2}))
