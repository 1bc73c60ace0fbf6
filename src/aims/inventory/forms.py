"""Forms of the inventory pages. They only validate input and shape it for the services, which hold every rule."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from aims.core.assignment import limit_to
from aims.core.forms import ReasonField, SectionedForm, VersionedForm, units_allowing
from aims.core.permissions import can_in_unit
from aims.core.widgets import RemoteSelect

from .models import (
    AISystem, ChangeDecision, Component, ComponentKind, Dependency, ModelCard, Playbook, Stage,
)
from .services import COMPONENT_EDITABLE, DEPENDENCY_EDITABLE, SYSTEM_EDITABLE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PEOPLE_FIELDS = ("owner", "backup_owner", "business_referent", "technical_lead", "incident_contact")


# What each person named on a system must be able to do there (the service checks the same: services.PEOPLE_NEEDS).
PEOPLE_ACTIONS = {"owner": "change", "backup_owner": "change", "technical_lead": "view", "business_referent": "view",
                  "incident_contact": "view"}


class PipeLinesField(forms.CharField):
    """A list of small records typed one per line, parts separated by "|" (keyboard-friendly, no JavaScript).

    `keys` name the parts in order; the first is required on each line, missing trailing parts are left out.
    """

    widget = forms.Textarea

    def __init__(self, *, keys: tuple[str, ...], numeric: tuple[str, ...] = (), **kwargs):
        self.keys, self.numeric = keys, numeric
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            lines = []
            for item in value:
                parts = [str(item.get(key, "") if item.get(key) is not None else "") for key in self.keys]
                while len(parts) > 1 and not parts[-1]:
                    parts.pop()
                lines.append(" | ".join(parts))
            return "\n".join(lines)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) > len(self.keys):
                raise ValidationError(_("Line %(n)s has more than %(max)s parts.") % {"n": number, "max": len(self.keys)})
            if not parts[0]:
                raise ValidationError(_("Line %(n)s: the first part is required.") % {"n": number})
            item = {}
            for key, part in zip(self.keys, parts):
                if not part:
                    continue
                if key in self.numeric:
                    try:
                        item[key] = int(part.lstrip("#"))
                    except ValueError:
                        raise ValidationError(_("Line %(n)s: “%(part)s” is not a number.")
                                              % {"n": number, "part": part}) from None
                else:
                    item[key] = part
            items.append(item)
        return items


class SystemForm(SectionedForm, VersionedForm):
    SECTIONS = (
        ("identity", _("The system"), ("name", "reference_code", "unit", "purpose", "intended_use", "links")),
        ("people", _("Responsibilities"), ("owner", "backup_owner", "business_referent", "technical_lead",
                                           "incident_contact", "escalation_path")),
        ("profile", _("Risk profile"), ("criticality", "personal_data", "special_category_data", "confidential_data",
                                        "external_exposure", "autonomy", "human_oversight", "deployment_mode")),
        ("use", _("Use and value"), ("users_and_affected", "value", "priority", "next_review_date")),
    )
    links = PipeLinesField(keys=("label", "url"), label=_("Links"),
                           help_text=_("One per line: label | https://address"))
    reason = ReasonField()

    class Meta:
        model = AISystem
        fields = [f for f in SYSTEM_EDITABLE if f != "links"]
        widgets = {
            "next_review_date": DATE,
            "purpose": forms.Textarea(attrs={"rows": 3}), "intended_use": forms.Textarea(attrs={"rows": 3}),
            "human_oversight": forms.Textarea(attrs={"rows": 3}), "users_and_affected": forms.Textarea(attrs={"rows": 2}),
            "value": forms.Textarea(attrs={"rows": 2}), "escalation_path": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_allowing(user, "add" if creating else "change", "inventory").order_by("path")
        self.fields["owner"].required = True
        self.fields["owner"].help_text = _("Every AI system needs a named, active owner.")
        # Only people who can act where the system lives (while registering, in one of the units offered).
        place = {"units": list(self.fields["unit"].queryset)} if creating else {"unit": self.instance.unit}
        for name in PEOPLE_FIELDS:
            limit_to(self.fields[name], user, PEOPLE_ACTIONS[name], "inventory", **place)
        self.fields["reference_code"].required = False
        if creating:
            self.fields["reference_code"].help_text = _("Leave empty to get the next AIS number.")
            del self.fields["version"]
        else:
            self.fields["links"].initial = self.instance.links

    def changes(self) -> dict:
        changes = super().changes()
        changes["links"] = self.cleaned_data.get("links", [])
        return changes

    def _post_clean(self):
        # The service validates the whole system (and owns uniqueness of the reference); the form only parses input.
        pass


def _limit_steward(form, user, creating: bool) -> None:
    """The owner of a shared component or dependency keeps its record: people who can change it where it is kept."""
    if creating:
        limit_to(form.fields["owner"], user, "change", "inventory", units=list(form.fields["owner_unit"].queryset))
    else:  # kept organisation-wide (no unit): only people who may change it everywhere
        limit_to(form.fields["owner"], user, "change", "inventory", unit=form.instance.owner_unit)


class ComponentForm(VersionedForm):
    evidence_links = PipeLinesField(keys=("label", "url"), label=_("Supplier evidence"),
                                    help_text=_("Contracts, certificates, audit reports. One per line: label | https://address"))
    reason = ReasonField()

    class Meta:
        model = Component
        fields = [f for f in COMPONENT_EDITABLE if f not in ("evidence_links", "cyclonedx")]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "provenance": forms.Textarea(attrs={"rows": 2}),
                   "quality_notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, creating: bool = False, for_system: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        action = "add" if creating else "change"
        units = units_allowing(user, action, "inventory").order_by("path")
        self.fields["owner_unit"].queryset = units
        if not can_in_unit(user, action, "inventory", None):
            # Without organisation-wide rights a component must sit in one of the person's units: say so on the form
            # (the service would refuse a component without one), and choose the unit when there is only one.
            self.fields["owner_unit"].required = True
            only = list(units[:2])
            if creating and len(only) == 1 and not self.is_bound:
                self.initial.setdefault("owner_unit", only[0].pk)
        _limit_steward(self, user, creating)
        if for_system:  # registered from a system's page, and linked to it with its role there
            self.fields["role"] = forms.CharField(label=_("Role in this system"), required=False, max_length=200,
                                                  help_text=_("e.g. main model, training data."))
            self.fields["reason"] = self.fields.pop("reason")
        if creating:
            del self.fields["version"]
        else:
            self.fields["evidence_links"].initial = self.instance.evidence_links

    def groups(self) -> list[tuple]:
        """(legend, kind or "", bound fields): the kind-specific fields apart, so a page can show only the relevant ones."""
        special = set(Component.MODEL_FIELDS) | set(Component.DATASET_FIELDS)
        return [
            ("", "", [self[name] for name in self.fields if name not in special and name != "version"]),
            (_("Model details"), ComponentKind.MODEL, [self[name] for name in Component.MODEL_FIELDS]),
            (_("Dataset details"), ComponentKind.DATASET, [self[name] for name in Component.DATASET_FIELDS]),
        ]

    def changes(self) -> dict:
        changes = super().changes()
        changes["evidence_links"] = self.cleaned_data.get("evidence_links", [])
        # Fields of another kind stay as they are, so switching the kind back loses nothing.
        kind = changes.get("kind")
        if kind != ComponentKind.MODEL:
            for name in Component.MODEL_FIELDS:
                changes.pop(name, None)
        if kind != ComponentKind.DATASET:
            for name in Component.DATASET_FIELDS:
                changes.pop(name, None)
        return changes

    def _post_clean(self):
        pass


class DependencyForm(VersionedForm):
    reason = ReasonField()

    class Meta:
        model = Dependency
        fields = [f for f in DEPENDENCY_EDITABLE if f != "cyclonedx"]
        widgets = {"end_of_support": DATE, "sla": forms.Textarea(attrs={"rows": 2}),
                   "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units_allowing(user, "add" if creating else "change",
                                                            "inventory").order_by("path")
        _limit_steward(self, user, creating)
        if creating:
            del self.fields["version"]

    def _post_clean(self):
        pass


class ModelCardForm(VersionedForm):
    """CycloneDX `modelCard`: modelParameters, quantitativeAnalysis and considerations, field for field."""

    datasets = PipeLinesField(keys=("name", "description", "component_id"), numeric=("component_id",),
                              label=_("Datasets"), help_text=_("One per line: name | description | dataset component number (optional)"))
    inputs = PipeLinesField(keys=("format",), label=_("Inputs"), help_text=_("One format per line, e.g. text/plain"))
    outputs = PipeLinesField(keys=("format",), label=_("Outputs"), help_text=_("One format per line"))
    performance_metrics = PipeLinesField(
        keys=("type", "value", "slice", "lower_bound", "upper_bound"), label=_("Performance metrics"),
        help_text=_("One per line: type | value | slice | lower bound | upper bound"))
    ethical_considerations = PipeLinesField(keys=("name", "mitigation_strategy"), label=_("Ethical considerations"),
                                            help_text=_("One per line: risk | mitigation strategy"))
    fairness_assessments = PipeLinesField(
        keys=("group_at_risk", "benefits", "harms", "mitigation_strategy"), label=_("Fairness assessments"),
        help_text=_("One per line: group at risk | benefits | harms | mitigation strategy"))
    reason = ReasonField()

    JSON_FIELDS = ("datasets", "inputs", "outputs", "performance_metrics", "ethical_considerations",
                   "fairness_assessments")

    class Meta:
        model = ModelCard
        fields = ["approach", "task", "architecture_family", "model_architecture", "users", "use_cases",
                  "technical_limitations", "performance_tradeoffs", "environmental_considerations"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in (
            "users", "use_cases", "technical_limitations", "performance_tradeoffs", "environmental_considerations")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.JSON_FIELDS:
                self.fields[name].initial = getattr(self.instance, name)
        else:
            self.fields["version"].required = False

    def changes(self) -> dict:
        changes = super().changes()
        changes.update({name: self.cleaned_data.get(name, []) for name in self.JSON_FIELDS})
        return changes

    def _post_clean(self):
        pass


class PlaybookForm(VersionedForm):
    reason = ReasonField()

    class Meta:
        model = Playbook
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("Markdown: headings (#), lists, **bold**, links.")
        if creating:
            del self.fields["version"]

    def _post_clean(self):
        pass


class DecisionForm(forms.Form):
    decision = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                max_length=5000)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)


def component_picker() -> RemoteSelect:
    """A component picker that stays light at thousands of components (matches from the API as one types)."""
    return RemoteSelect(reverse_lazy("api:component_list"), "name version_label")


def dependency_picker() -> RemoteSelect:
    return RemoteSelect(reverse_lazy("api:dependency_list"), "name version_label")


class LinkComponentForm(forms.Form):
    component = forms.ModelChoiceField(label=_("Component"), queryset=Component.objects.none(),
                                       widget=component_picker())
    role = forms.CharField(label=_("Role in this system"), required=False, max_length=200,
                           help_text=_("e.g. main model, training data."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = Component.objects.restrict(user, "view").order_by("name", "version_label")


class LinkDependencyForm(forms.Form):
    dependency = forms.ModelChoiceField(label=_("Dependency"), queryset=Dependency.objects.none(),
                                        widget=dependency_picker())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dependency"].queryset = Dependency.objects.restrict(user, "view").order_by("name", "version_label")


class MoveStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to"), choices=[(s.value, s.label) for s in Stage if s != Stage.RETIRED])
    version = forms.IntegerField(widget=forms.HiddenInput)
    justification = forms.CharField(
        label=_("Override justification"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("AIMS managers only: why the system may pass although checks failed. Kept in the history."))


class GoLiveApprovalForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of change"), choices=ChangeDecision.Kind.choices)
    description = forms.CharField(label=_("What changes"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    reason = ReasonField()


class VerdictForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required to reject."))
    slot = forms.CharField(required=False, widget=forms.HiddenInput)


class SignOffForm(forms.Form):
    comment = forms.CharField(label=_("Reviewer comment"), required=False, max_length=5000)


class ShadowDeclarationForm(forms.Form):
    tool_name = forms.CharField(label=_("Which AI tool?"), max_length=200,
                                help_text=_("e.g. a chatbot, a browser extension, a feature of a SaaS product."))
    purpose = forms.CharField(label=_("What do you use it for?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    data_involved = forms.CharField(label=_("Which data do you give it?"), required=False, max_length=5000,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("e.g. customer e-mails, internal documents, nothing personal."))


class ShadowConvertForm(forms.Form):
    name = forms.CharField(label=_("System name"), max_length=200)
    unit = forms.ModelChoiceField(label=_("Business unit"), queryset=None)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None,
                                   help_text=_("Every AI system needs a named, active owner."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_allowing(user, "add", "inventory").order_by("path")
        limit_to(self.fields["owner"], user, "change", "inventory", units=list(self.fields["unit"].queryset))


class ShadowRejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000,
                             help_text=_("The person who declared the tool receives it."))
