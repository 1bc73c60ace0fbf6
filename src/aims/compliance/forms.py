from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aims.core.assignment import PersonField, limit_to
from aims.core.forms import ReasonField, SectionedForm, VersionedForm, units_allowing
from aims.core.models import User
from aims.inventory.models import AISystem, Component, Dependency
from aims.risks.models import Risk

from .models import Control, ControlTest, ControlTestResult, Frequency
from .services.controls import requirements_choices


class DateInput(forms.DateInput):
    input_type = "date"


def active_people(user):
    """Everyone `user` may see: a policy's audience (who reads it, not who acts on it)."""
    return User.objects.restrict(user, "view").filter(is_active=True).order_by("last_name", "first_name")


def limit_to_compliance_readers(field, user, unit=None) -> None:
    """Owners, backups and testers act on what they own (services/_common.check_compliance_person): they must be able
    to see it, in its unit, or anywhere for what belongs to the whole organisation."""
    limit_to(field, user, "view", "compliance", unit=unit, anywhere=unit is None)


class RequirementChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, requirement):
        from .templatetags.compliance_tags import reader_language

        language = reader_language()
        return f"{requirement.framework.short_name(language)} · {requirement.code} {requirement.title(language)[:90]}"


class ControlForm(SectionedForm, VersionedForm):
    reason = ReasonField()
    requirements = RequirementChoiceField(label=_("Requirements it satisfies"), queryset=None, required=False,
                                          help_text=_("Any framework; mapped requirements count as well."))
    risks = forms.ModelMultipleChoiceField(label=_("Risks it treats"), queryset=None, required=False)
    systems = forms.ModelMultipleChoiceField(label=_("AI systems covered"), queryset=None, required=False)
    components = forms.ModelMultipleChoiceField(label=_("Components covered"), queryset=None, required=False)
    dependencies = forms.ModelMultipleChoiceField(label=_("Dependencies covered"), queryset=None, required=False)

    LINK_FIELDS = ("requirements", "risks", "systems", "components", "dependencies")
    SECTIONS = (
        ("control", _("The control"), ("reference", "title", "description", "unit", "control_type", "automation",
                                       "status")),
        ("operation", _("How it operates"), ("owner", "backup", "how_it_operates", "frequency")),
        ("coverage", _("What it covers"), LINK_FIELDS),
    )

    class Meta:
        model = Control
        fields = ["reference", "title", "description", "owner", "backup", "unit", "control_type", "automation",
                  "how_it_operates", "frequency", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "how_it_operates": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("owner", "backup"):  # the unit is chosen on the form: the service checks the one chosen
            limit_to_compliance_readers(self.fields[name], user)
        self.fields["unit"].queryset = units_allowing(user, "add" if creating else "change", "compliance").order_by(
            "path")
        self.fields["reference"].required = False
        self.fields["reference"].help_text = _("Leave empty to number it automatically (CTL-001...).")
        self.fields["requirements"].queryset = requirements_choices()
        self.fields["risks"].queryset = Risk.objects.restrict(user, "view").order_by("title")
        self.fields["systems"].queryset = AISystem.objects.restrict(user, "view").order_by("name")
        self.fields["components"].queryset = Component.objects.restrict(user, "view").order_by("name")
        self.fields["dependencies"].queryset = Dependency.objects.restrict(user, "view").order_by("name")
        for name in self.LINK_FIELDS:
            self.fields[name].widget.attrs["size"] = 8
        if self.instance.pk:
            for name in self.LINK_FIELDS:
                self.initial[name] = list(getattr(self.instance, name).values_list("pk", flat=True))
        if creating:
            del self.fields["version"]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}

    def links(self) -> dict:
        return {name: list(self.cleaned_data[name]) for name in self.LINK_FIELDS}

    def validate_unique(self):
        pass  # the service reports a duplicate reference next to the field


class TestForm(forms.ModelForm):
    class Meta:
        model = ControlTest
        fields = ["name", "pass_criteria", "frequency", "tester", "next_due"]
        widgets = {"pass_criteria": forms.Textarea(attrs={"rows": 2}), "next_due": DateInput}
        labels = {"next_due": _("First due on")}

    def __init__(self, *args, user, control=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to_compliance_readers(self.fields["tester"], user, control.unit if control is not None else None)
        self.fields["next_due"].required = False
        self.fields["frequency"].choices = Frequency.choices


class ResultForm(forms.Form):
    test = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("Result"), choices=ControlTestResult.Result.choices)
    performed_on = forms.DateField(label=_("Performed on"), widget=DateInput, required=False)
    notes = forms.CharField(label=_("What was checked or found"), required=False, max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 2}))


class SoAEntryForm(VersionedForm):
    reason = ReasonField()
    controls = forms.ModelMultipleChoiceField(label=_("Controls implementing it"), queryset=None, required=False,
                                              help_text=_("The organisation's controls that satisfy this Annex A "
                                                          "control."))

    class Meta:
        from .models import SoAEntry

        model = SoAEntry
        fields = ["applicability", "justification", "implementation", "owner"]
        widgets = {"applicability": forms.RadioSelect, "justification": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to_compliance_readers(self.fields["owner"], user)
        self.fields["controls"].queryset = Control.objects.restrict(user, "change").exclude(
            status=Control.Status.RETIRED).order_by("reference")
        self.fields["controls"].widget.attrs["size"] = 10
        if self.instance.pk:
            self.initial["controls"] = list(Control.objects.filter(requirements=self.instance.requirement)
                                            .values_list("pk", flat=True))


class SubmitForm(forms.Form):
    summary = forms.CharField(label=_("What changed and why"), max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=20000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class AssessmentStartForm(forms.Form):
    framework = forms.ModelChoiceField(label=_("Framework"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200, help_text=_("e.g. “Gap assessment, Q1 2027”."))
    carry_over = forms.BooleanField(label=_("Start from the statuses of the last assessment of this framework"),
                                    required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Framework

        self.fields["framework"].queryset = Framework.objects.restrict(user, "view")


class RowForm(forms.Form):
    row = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=20000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import RequirementAssessment

        self.fields["status"].choices = RequirementAssessment.Status.choices


class ObligationForm(VersionedForm):
    reason = ReasonField()

    class Meta:
        from .models import SystemObligation

        model = SystemObligation
        fields = ["status", "owner", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to(self.fields["owner"], user, "change", "obligations", unit=self.instance.system.unit)


class ExceptionForm(forms.Form):
    exception_justification = forms.CharField(label=_("Why the system may go live without it"), max_length=20000,
                                              widget=forms.Textarea(attrs={"rows": 3}))


class PolicyForm(forms.Form):
    template = forms.ChoiceField(label=_("Start from a template"), required=False)
    title = forms.CharField(label=_("Title"), max_length=300, required=False,
                            help_text=_("Leave empty to take the template's title."))
    owner = PersonField(label=_("Owner"), queryset=None)
    review_every_months = forms.IntegerField(label=_("Review every (months)"), min_value=1, max_value=60, initial=12)
    audience_people = forms.ModelMultipleChoiceField(label=_("Audience: people"), queryset=None, required=False)
    audience_groups = forms.ModelMultipleChoiceField(label=_("Audience: groups"), queryset=None, required=False)
    audience_units = forms.ModelMultipleChoiceField(label=_("Audience: units (with their sub-units)"), queryset=None,
                                                    required=False)
    audience_roles = forms.MultipleChoiceField(label=_("Audience: holders of roles"), required=False,
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from aims.catalogs import localised
        from aims.core.models import OrgUnit, PeopleGroup
        from aims.core.permissions import Role

        from .services.policies import templates
        from .templatetags.compliance_tags import reader_language

        language = reader_language()
        self.fields["template"].choices = [("", _("No template (blank text)"))] + [
            (t["key"], localised(t["title"], language)) for t in templates()]
        limit_to_compliance_readers(self.fields["owner"], user)
        self.fields["audience_people"].queryset = active_people(user)
        self.fields["audience_groups"].queryset = PeopleGroup.objects.restrict(user, "view").order_by("name")
        self.fields["audience_units"].queryset = OrgUnit.objects.restrict(user, "view").order_by("path")
        self.fields["audience_roles"].choices = Role.choices

    def clean(self):
        data = super().clean()
        if not data.get("template") and not (data.get("title") or "").strip():
            self.add_error("title", _("Give the policy a title, or start from a template."))
        return data


class DraftForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.CharField(label=_("Text"), max_length=200000, widget=forms.Textarea(attrs={"rows": 18}),
                           help_text=_("Markdown: **bold**, *italic*, lists, ## headings, links."))
    change_summary = forms.CharField(label=_("What changed"), required=False, max_length=20000,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    material = forms.BooleanField(label=_("Material change: the audience must acknowledge it again"), required=False)


class ReviewForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome of the review"), max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("e.g. “Still fit for purpose; version 3 planned for the AI Act dates.”"))
