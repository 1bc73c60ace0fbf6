"""Forms of the risk pages. Scores are never typed: likelihood and impact are chosen among the method's scale
labels, and the level is computed by the services."""

from __future__ import annotations

import yaml
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aims.core.assignment import limit_to
from aims.core.forms import ReasonField, SectionedForm, VersionedForm, units_allowing
from aims.core.models import User
from aims.core.permissions import can_in_unit
from aims.core.widgets import searchable
from aims.inventory.models import AISystem, Component, Dependency

from .models import Risk, RiskMethod, RiskReview, Threat, TreatmentAction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _language() -> str:
    return "fr" if (get_language() or "en").startswith("fr") else "en"


def scale_choices(method: RiskMethod | None, axis: str, *, blank: bool = True) -> list[tuple]:
    """("", "—") then (value, "value · label") for each step of the method's likelihood or impact scale."""
    choices = [("", _("Not scored"))] if blank else []
    if method is None:
        return choices
    language = _language()
    for value, step in enumerate(method.likelihood_scale if axis == "likelihood" else method.impact_scale, start=1):
        label = step.get(f"label_{language}") or step.get("label_en") or str(value)
        choices.append((value, f"{value} · {label}"))
    return choices


def level_choices_of(method: RiskMethod | None, *, blank_label=None) -> list[tuple]:
    choices = [("", blank_label or _("None"))]
    if method is not None:
        language = _language()
        choices += [(lv.key, lv.label(language)) for lv in method.definition.levels_by_rank()]
    return choices


def _score_field(method, axis: str, label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=scale_choices(method, axis), coerce=int, empty_value=None,
                                  required=False)


class RiskForm(SectionedForm, VersionedForm):
    """Create or edit a risk: description, links and scores in one page (the view calls one service per part)."""

    systems = forms.ModelMultipleChoiceField(label=_("AI systems"), queryset=AISystem.objects.none(), required=False)
    components = forms.ModelMultipleChoiceField(label=_("Components"), queryset=Component.objects.none(),
                                                required=False)
    dependencies = forms.ModelMultipleChoiceField(label=_("Dependencies"), queryset=Dependency.objects.none(),
                                                  required=False)
    threats = forms.ModelMultipleChoiceField(label=_("Threats"), queryset=Threat.objects.none(), required=False)
    reason = ReasonField()

    SCORE_FIELDS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")
    LINK_FIELDS = ("systems", "components", "dependencies", "threats")
    SECTIONS = (
        ("risk", _("The risk"), ("title", "category", "unit", "owner")),
        ("scope", _("What it concerns"), LINK_FIELDS),
        ("scenario", _("Scenario"), ("risk_source", "event", "consequence", "ebios_risk_source",
                                     "ebios_target_objective", "ebios_operational_scenario", "existing_measures")),
        ("scores", _("Scores"), (*SCORE_FIELDS, "target_level", "next_review_date")),
    )

    class Meta:
        model = Risk
        fields = ["title", "category", "unit", "owner", "risk_source", "event", "consequence", "ebios_risk_source",
                  "ebios_target_objective", "ebios_operational_scenario", "existing_measures", "target_level",
                  "next_review_date"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in (
            "risk_source", "event", "consequence", "ebios_risk_source", "ebios_target_objective",
            "ebios_operational_scenario", "existing_measures")}
        widgets["next_review_date"] = DATE

    def __init__(self, *args, user, method: RiskMethod | None, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.method, self.creating = user, method, creating
        action = "add" if creating else "change"
        self.fields["unit"].queryset = units_allowing(user, action, "risks").order_by("path")
        self.fields["unit"].required = False
        self.fields["unit"].help_text = _("Defaults to the unit of the first linked AI system.")
        # The owner treats the risk: only people who may change the risks where it lives.
        place = {"units": list(self.fields["unit"].queryset)} if creating else {"unit": self.instance.unit}
        limit_to(self.fields["owner"], user, "change", "risks", **place)
        # A retired (frozen) system takes no new risks, but stays on the risks already linked to it.
        current = Q(risks=self.instance) if self.instance.pk else Q(pk__in=[])
        self.fields["systems"].queryset = AISystem.objects.restrict(user, "view").filter(
            Q(is_frozen=False) | current).distinct().order_by("name")
        self.fields["components"].queryset = Component.objects.restrict(user, "view").order_by("name")
        self.fields["dependencies"].queryset = Dependency.objects.restrict(user, "view").order_by("name")
        self.fields["threats"].queryset = Threat.objects.filter(is_active=True).select_related("catalog").order_by(
            "catalog__key", "external_id")
        for name in self.LINK_FIELDS:
            self.fields[name].widget.attrs["size"] = 6
        self.fields["target_level"] = forms.ChoiceField(
            label=_("Target level"), required=False, choices=level_choices_of(method, blank_label=_("No target")))
        self.fields["inherent_likelihood"] = _score_field(method, "likelihood", _("Inherent likelihood"))
        self.fields["inherent_impact"] = _score_field(method, "impact", _("Inherent impact"))
        if creating:
            del self.fields["version"]
            del self.fields["next_review_date"]
        else:
            self.fields["residual_likelihood"] = _score_field(method, "likelihood", _("Residual likelihood"))
            self.fields["residual_impact"] = _score_field(method, "impact", _("Residual impact"))
            for name in self.SCORE_FIELDS + self.LINK_FIELDS:
                if name in self.fields and self.instance.pk:
                    self.initial.setdefault(name, getattr(self.instance, name) if name in self.SCORE_FIELDS
                                            else list(getattr(self.instance, name).values_list("pk", flat=True)))
        if method is not None:
            preview = reverse("risks:level_preview")
            for name in self.SCORE_FIELDS:
                if name in self.fields:
                    prefix = name.split("_")[0]
                    # htmx asks the server for the level as soon as both are chosen: the person never types it.
                    self.fields[name].widget.attrs.update({
                        "hx-get": f"{preview}?method={method.pk}&prefix={prefix}", "hx-trigger": "change",
                        "hx-include": f"[name='{prefix}_likelihood'],[name='{prefix}_impact'],[name='category']", "hx-target": f"#{prefix}-level-preview",
                        "hx-swap": "outerHTML",
                        # A newer choice cancels the pending answer, so a late reply never shows a stale level.
                        "hx-sync": "closest fieldset:replace"})
        self.order_fields(["title", "category", "unit", "owner", *self.LINK_FIELDS, "risk_source", "event",
                           "consequence", "ebios_risk_source", "ebios_target_objective", "ebios_operational_scenario",
                           "existing_measures", *self.SCORE_FIELDS, "target_level", "next_review_date", "reason"])

    def clean(self):
        data = super().clean()
        if self.creating and not data.get("unit") and not data.get("systems") and not can_in_unit(
                self.user, "add", "risks", None):
            self.add_error("unit", _("Choose a unit or link an AI system in your scope."))
        return data

    def descriptive_changes(self) -> dict:
        names = [n for n in self._meta.fields if n in self.cleaned_data]
        changes = {n: self.cleaned_data[n] for n in names}
        if changes.get("unit") is None:
            changes.pop("unit", None)
        return changes

    def scores(self) -> dict:
        return {n: self.cleaned_data.get(n) for n in self.SCORE_FIELDS if n in self.fields}

    def links(self) -> dict:
        return {n: list(self.cleaned_data.get(n) or []) for n in self.LINK_FIELDS}


class TreatmentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    treatment = forms.ChoiceField(label=_("Treatment decision"), choices=[("", "—")] + list(Risk.Treatment.choices))
    treatment_rationale = forms.CharField(label=_("Rationale"), required=False, max_length=20000,
                                          widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    description = forms.CharField(label=_("Description"), required=False, max_length=20000,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, risk, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to(self.fields["owner"], user, "change", "risks", unit=risk.unit)  # the owner must be able to do it


class ActionStatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=TreatmentAction.Status.choices)


class AcceptForm(forms.Form):
    rationale = forms.CharField(label=_("Rationale"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))
    expires_on = forms.DateField(label=_("Acceptance expires on"), widget=DATE,
                                 help_text=_("At most one year is usual; the risk comes back for review then."))


class RequestReviewForm(forms.Form):
    reason = forms.CharField(label=_("Why review this risk now?"), max_length=5000)


class ReviewCompleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=RiskReview.Outcome.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=_("Notes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, method: RiskMethod | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inherent_likelihood"] = _score_field(method, "likelihood", _("New inherent likelihood"))
        self.fields["inherent_impact"] = _score_field(method, "impact", _("New inherent impact"))
        self.fields["residual_likelihood"] = _score_field(method, "likelihood", _("New residual likelihood"))
        self.fields["residual_impact"] = _score_field(method, "impact", _("New residual impact"))
        for name in ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"):
            self.fields[name].help_text = _("Only for the outcome “rescored” (scored with the active method).")


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Why is this risk not relevant?"), max_length=5000)


class SystemChoiceForm(forms.Form):
    system = searchable(forms.ModelChoiceField(label=_("AI system"), queryset=AISystem.objects.none()))

    def __init__(self, *args, user, action: str = "view", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = AISystem.objects.restrict(user, "view").order_by("name")


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("What changed?"), max_length=5000)


# --- Risk method versions -------------------------------------------------------------------------------------------

class ScaleStepForm(forms.Form):
    label_en = forms.CharField(label=_("Label (English)"), max_length=100, required=False)
    label_fr = forms.CharField(label=_("Label (French)"), max_length=100, required=False)
    description_en = forms.CharField(label=_("Description (English)"), max_length=1000, required=False)
    description_fr = forms.CharField(label=_("Description (French)"), max_length=1000, required=False)

    def step(self) -> dict | None:
        data = {k: (self.cleaned_data.get(k) or "").strip() for k in self.fields}
        return data if any(data.values()) else None


ScaleFormSet = forms.formset_factory(ScaleStepForm, extra=0, max_num=6, validate_max=True)


def scale_formset(data, method: RiskMethod, axis: str):
    steps = method.likelihood_scale if axis == "likelihood" else method.impact_scale
    initial = [{k: step.get(k, "") for k in ScaleStepForm.base_fields} for step in steps]
    # Blank rows up to six steps, so a step can be added without JavaScript; blank rows are dropped on save.
    initial += [{}] * (6 - len(initial))
    if data is not None:
        # Bound without initial values: a row left as it was must still count as filled in, not as "unchanged".
        return ScaleFormSet(data, prefix=axis)
    return ScaleFormSet(initial=initial, prefix=axis)


def formset_steps(formset) -> list[dict]:
    return [step for form in formset.forms if (step := form.step()) is not None]


class YamlField(forms.CharField):
    """Structured data edited as YAML (JSON is valid YAML too); the parse error says where."""

    widget = forms.Textarea(attrs={"rows": 8, "class": "code", "spellcheck": "false"})

    def __init__(self, *, expected: type, **kwargs):
        self.expected = expected
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text.strip():
            return self.expected()
        try:
            parsed = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = _("line %(line)d, column %(column)d") % {"line": mark.line + 1, "column": mark.column + 1} if mark else ""
            raise forms.ValidationError(_("Not valid YAML (%(where)s): %(problem)s") % {
                "where": where, "problem": exc.problem or ""}) from None
        except yaml.YAMLError:
            raise forms.ValidationError(_("Not valid YAML.")) from None
        if not isinstance(parsed, self.expected):
            raise forms.ValidationError(_("Expected a list.") if self.expected is list else _("Expected a mapping."))
        return parsed

    def prepare_value(self, value):
        if isinstance(value, (list, dict)):
            return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
        return value


class MethodForm(VersionedForm):
    levels = YamlField(expected=list, label=_("Risk levels"), help_text=_(
        "One entry per level: key, label_en, label_fr, colour (#RRGGBB), rank (1 = least severe), review_days, "
        "acceptance_roles, acceptance_groups."))
    matrix = YamlField(expected=list, label=_("Matrix"), help_text=_(
        "One row per likelihood step (lowest first), one level key per impact step (lowest first)."))
    appetite_by_category = YamlField(expected=dict, required=False, label=_("Risk appetite per category"),
                                     help_text=_("category: level key, e.g. privacy: low"))
    reason = ReasonField()

    class Meta:
        model = RiskMethod
        fields = ["name", "description", "acceptance_criteria", "appetite_level"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}),
                   "acceptance_criteria": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        method = self.instance
        self.initial.update({"levels": method.levels, "matrix": method.matrix,
                             "appetite_by_category": method.appetite_by_category})
        levels = method.levels
        if self.is_bound:
            # Offer the levels being submitted, so renaming a level and choosing it as appetite is one step.
            try:
                posted = yaml.safe_load(self.data.get("levels") or "")
                levels = posted if isinstance(posted, list) else levels
            except yaml.YAMLError:
                pass
        keys = [(str(lv.get("key")), lv.get("label_en") or lv.get("key")) for lv in levels if isinstance(lv, dict)]
        self.fields["appetite_level"] = forms.ChoiceField(label=_("Risk appetite (highest acceptable level)"),
                                                          choices=keys)
        self.order_fields(["version", "name", "description", "appetite_level", "levels", "matrix",
                           "appetite_by_category", "acceptance_criteria", "reason"])

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in (
            "name", "description", "acceptance_criteria", "appetite_level", "levels", "matrix",
            "appetite_by_category") if name in self.cleaned_data}


# --- Impact assessment questionnaire ---------------------------------------------------------------------------------

YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


class QuestionnaireForm(forms.Form):
    """One field per question of the template, grouped in `sections` for rendering."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, template: dict, answers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        language = _language()
        self.template = template
        self.section_names: list[tuple[str, list[str]]] = []
        for section in template["sections"]:
            names = []
            for q in section["questions"]:
                self.fields[q["key"]] = self._field(q, language)
                names.append(q["key"])
                if q["key"] in answers and not self.is_bound:
                    value = answers[q["key"]]
                    self.initial[q["key"]] = ("yes" if value else "no") if q["type"] == "boolean" else value
            self.section_names.append((section.get(f"title_{language}") or section.get("title_en", ""), names))

    @staticmethod
    def _field(q: dict, language: str):
        label = q.get(f"label_{language}") or q["label_en"]
        options = [(o["key"], o.get(f"label_{language}") or o["label_en"]) for o in q.get("options", ())]
        kind = q["type"]
        if kind == "text":
            field = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20000)
        elif kind == "boolean":
            field = forms.ChoiceField(choices=YES_NO)
        elif kind == "choice":
            field = forms.ChoiceField(choices=[("", "—")] + options)
        elif kind == "multichoice":
            field = forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple)
        else:
            field = forms.TypedChoiceField(choices=[("", "—")] + [(i, str(i)) for i in range(1, q["max"] + 1)],
                                           coerce=int, empty_value=None)
        field.required = False  # a draft may be partial; completeness is checked on submission
        field.label = label + (" *" if q.get("required") else "")
        return field

    @property
    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.section_names]

    def answers(self) -> dict:
        result = {}
        for q in (q for s in self.template["sections"] for q in s["questions"]):
            value = self.cleaned_data.get(q["key"])
            if q["type"] == "boolean":
                value = {"yes": True, "no": False}.get(value)
            result[q["key"]] = value
        return result

