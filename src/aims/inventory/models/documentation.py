"""Documentation per system: the model card (aligned with CycloneDX `modelCard`), the decision log and playbooks."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel

from .systems import AISystem


class LearningApproach(models.TextChoices):
    """CycloneDX modelCard.modelParameters.approach.type."""

    SUPERVISED = "supervised", _("Supervised")
    UNSUPERVISED = "unsupervised", _("Unsupervised")
    REINFORCEMENT = "reinforcement-learning", _("Reinforcement learning")
    SEMI_SUPERVISED = "semi-supervised", _("Semi-supervised")
    SELF_SUPERVISED = "self-supervised", _("Self-supervised")


def _list_of_dicts(value, field: str, allowed: set[str], required: str | None = None) -> None:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValidationError({field: _("Expected a list of entries.")})
    for index, item in enumerate(value, start=1):
        unknown = set(item) - allowed
        if unknown:
            raise ValidationError({field: _("Entry %(n)s has unknown keys: %(keys)s.")
                                   % {"n": index, "keys": ", ".join(sorted(unknown))}})
        if required and not str(item.get(required) or "").strip():
            raise ValidationError({field: _("Entry %(n)s needs “%(key)s”.") % {"n": index, "key": required}})


class ModelCard(VersionedModel):
    """One per model component of a system (CycloneDX puts a `modelCard` on each machine-learning-model component),
    and at most one for the system as a whole (`component` empty). Field names follow CycloneDX 1.6 `modelCard` so
    import and export map one to one. A new version of a model is a new Component row: its card is its own.

    Text considerations (users, use cases, limitations, trade-offs) hold one item per line; CycloneDX lists them as
    arrays of strings. Structured parts keep the CycloneDX object shape in JSON.
    """

    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), on_delete=models.CASCADE, related_name="model_cards")
    component = models.ForeignKey("inventory.Component", verbose_name=_("model"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="model_cards",
                                  help_text=_("The model component this card documents; empty for the whole system."))
    # modelParameters
    approach = models.CharField(_("learning approach"), max_length=30, choices=LearningApproach.choices, blank=True)
    task = models.CharField(_("task"), max_length=200, blank=True)
    architecture_family = models.CharField(_("architecture family"), max_length=200, blank=True)
    model_architecture = models.CharField(_("model architecture"), max_length=200, blank=True)
    datasets = models.JSONField(_("datasets"), default=list, blank=True,
                                help_text=_("Entries {name, component_id, description}; component_id links a dataset component."))
    inputs = models.JSONField(_("inputs"), default=list, blank=True, help_text=_("Entries {format}, e.g. text/plain."))
    outputs = models.JSONField(_("outputs"), default=list, blank=True, help_text=_("Entries {format}."))
    # quantitativeAnalysis
    performance_metrics = models.JSONField(_("performance metrics"), default=list, blank=True,
                                           help_text=_("Entries {type, value, slice, lower_bound, upper_bound}."))
    # considerations
    users = models.TextField(_("users"), blank=True, help_text=_("One per line."))
    use_cases = models.TextField(_("use cases"), blank=True, help_text=_("One per line."))
    technical_limitations = models.TextField(_("technical limitations"), blank=True, help_text=_("One per line."))
    performance_tradeoffs = models.TextField(_("performance trade-offs"), blank=True, help_text=_("One per line."))
    ethical_considerations = models.JSONField(_("ethical considerations"), default=list, blank=True,
                                              help_text=_("Entries {name, mitigation_strategy}."))
    fairness_assessments = models.JSONField(_("fairness assessments"), default=list, blank=True,
                                            help_text=_("Entries {group_at_risk, benefits, harms, mitigation_strategy}."))
    environmental_considerations = models.TextField(_("environmental considerations"), blank=True)
    # The parts of a CycloneDX modelCard the fields above do not hold (its bom-ref, energy consumptions, graphics,
    # properties...), kept as given and given back on export.
    cyclonedx = models.JSONField(_("CycloneDX details"), default=dict, blank=True)

    ledger_fields = ("system_id", "component_id", "approach", "task", "architecture_family", "model_architecture", "datasets", "inputs",
                     "outputs", "performance_metrics", "users", "use_cases", "technical_limitations",
                     "performance_tradeoffs", "ethical_considerations", "fairness_assessments",
                     "environmental_considerations", "cyclonedx")
    permission_domain = "inventory"
    unit_path = "system__unit"

    class Meta:
        verbose_name = _("model card")
        verbose_name_plural = _("model cards")
        constraints = [
            models.UniqueConstraint(fields=["system", "component"], name="model_card_one_per_model"),
            models.UniqueConstraint(fields=["system"], condition=models.Q(component__isnull=True),
                                    name="model_card_one_for_the_system"),
        ]

    def __str__(self) -> str:
        if self.component_id:
            return str(_("Model card of %(model)s in %(system)s") % {"model": self.component, "system": self.system})
        return str(_("Model card of %(system)s") % {"system": self.system})

    def clean(self) -> None:
        super().clean()
        _list_of_dicts(self.datasets, "datasets", {"name", "component_id", "description"}, required="name")
        _list_of_dicts(self.inputs, "inputs", {"format"}, required="format")
        _list_of_dicts(self.outputs, "outputs", {"format"}, required="format")
        _list_of_dicts(self.performance_metrics, "performance_metrics",
                       {"type", "value", "slice", "lower_bound", "upper_bound"}, required="type")
        _list_of_dicts(self.ethical_considerations, "ethical_considerations", {"name", "mitigation_strategy"},
                       required="name")
        _list_of_dicts(self.fairness_assessments, "fairness_assessments",
                       {"group_at_risk", "benefits", "harms", "mitigation_strategy"}, required="group_at_risk")

    @staticmethod
    def lines(text: str) -> list[str]:
        """A one-per-line text field as the list CycloneDX expects."""
        return [line.strip() for line in (text or "").splitlines() if line.strip()]


class DecisionLogEntry(VersionedModel):
    """A decision taken about a system, who took it and why (kept even after retirement)."""

    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), on_delete=models.CASCADE, related_name="decision_log")
    date = models.DateField(_("date"), default=timezone.localdate)
    decision = models.TextField(_("decision"))
    rationale = models.TextField(_("rationale"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
                                   related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")

    ledger_fields = ("system_id", "date", "decision", "rationale", "decided_by_id", "recorded_by_id")
    permission_domain = "inventory"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("decision log entry")
        verbose_name_plural = _("decision log")

    def __str__(self) -> str:
        # The locale's date format (the name is read on pages, e.g. History's object labels).
        return f"{formats.date_format(self.date, 'DATE_FORMAT')} · {self.decision[:80]}"


class Playbook(VersionedModel):
    """An operational playbook in Markdown; `body_html` is the sanitised rendering, safe to show as is."""

    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), on_delete=models.CASCADE, related_name="playbooks")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content (Markdown)"))
    body_html = models.TextField(editable=False, default="")

    ledger_fields = ("system_id", "title", "body")
    permission_domain = "inventory"
    unit_path = "system__unit"

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        return self.title
