"""Forms of the vulnerability pages. The owner pickers offer only people who can act (aims.core.assignment)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aims.core.assignment import PersonField, limit_to
from aims.core.forms import ReasonField, VersionedForm, units_allowing
from aims.inventory.models import Component, Dependency

from . import catalog
from .models import VULNERABILITY_TRANSITIONS, Incident, MitigationKind, Vulnerability, VulnerabilityStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VulnerabilityForm(VersionedForm):
    reason = ReasonField()
    owner = PersonField(label=_("Owner"), queryset=None)
    severity = forms.ChoiceField(label=_("Severity"), required=False,
                                 help_text=_("Follows from the CVSS score when there is a vector; choose it "
                                             "otherwise."))
    components = forms.ModelMultipleChoiceField(label=_("Affected component versions"), queryset=None,
                                                required=False, help_text=_("These versions only."))
    component_lines = forms.ModelMultipleChoiceField(
        label=_("Every version of"), queryset=None, required=False,
        help_text=_("The component's previous and later versions are affected too."))
    dependencies = forms.ModelMultipleChoiceField(label=_("Affected dependencies"), queryset=None, required=False)
    incident = forms.ModelChoiceField(label=_("Incident"), queryset=None, required=False,
                                      help_text=_("The incident that revealed or exploited it, if any."))

    class Meta:
        model = Vulnerability
        fields = ["title", "kind", "cve_id", "cvss_vector", "severity", "unit", "owner", "incident", "description",
                  "customer_impact"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}),
                   "customer_impact": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_allowing(user, "add" if creating else "change", "incidents").order_by(
            "path")
        unit = self.instance.unit if self.instance.pk else None
        limit_to(self.fields["owner"], user, "change", "incidents", unit=unit,
                 units=None if unit is not None else list(self.fields["unit"].queryset))
        self.fields["severity"].choices = [("", "—"), *catalog.severity_choices()]
        visible_components = Component.objects.restrict(user, "view").order_by("name", "version_label", "id")
        self.fields["components"].queryset = visible_components
        self.fields["component_lines"].queryset = visible_components
        self.fields["dependencies"].queryset = Dependency.objects.restrict(user, "view").order_by("name", "id")
        self.fields["incident"].queryset = Incident.objects.restrict(user, "view").order_by("-aware_at", "-id")
        if self.instance.pk:
            links = list(self.instance.component_links.all())
            self.fields["components"].initial = [link.component_id for link in links if not link.all_versions]
            self.fields["component_lines"].initial = [link.component_id for link in links if link.all_versions]
            self.fields["dependencies"].initial = list(self.instance.dependencies.values_list("pk", flat=True))
        if creating:
            del self.fields["version"]

    def affected(self) -> list[tuple]:
        """[(component, all_versions)]: a component chosen in both lists counts for every version."""
        lines = list(self.cleaned_data.get("component_lines") or [])
        line_ids = {c.pk for c in lines}
        return [(c, False) for c in self.cleaned_data.get("components") or [] if c.pk not in line_ids] + [
            (c, True) for c in lines]


class VulnerabilityStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=VulnerabilityStatus.choices)
    reason = forms.CharField(label=_("Why"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required to accept the vulnerability, to close it unmitigated or to "
                                         "reopen it."))

    def __init__(self, *args, vulnerability=None, **kwargs):
        super().__init__(*args, **kwargs)
        if vulnerability is not None:
            allowed = VULNERABILITY_TRANSITIONS[VulnerabilityStatus(vulnerability.status)]
            self.fields["status"].choices = [(s.value, s.label) for s in allowed]


class MitigationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MitigationKind.choices)
    title = forms.CharField(label=_("What is done"), max_length=300)
    owner = PersonField(label=_("Owner"), queryset=None)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE,
                               help_text=_("Leave empty for the latest date the severity allows."))

    def __init__(self, *args, user, vulnerability, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to(self.fields["owner"], user, "view", "incidents", unit=vulnerability.unit)


class MitigationDoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=5000, widget=forms.TextInput)
    done_on = forms.DateField(label=_("Done on"), required=False, widget=DATE, help_text=_("Leave empty for today."))
