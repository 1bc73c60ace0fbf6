"""Model cards, decision logs, playbooks, and how complete a system's documentation is."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context
from aims.core.markdown import render_markdown
from aims.core.permissions import CHANGE, require
from aims.core.services import _create, _delete, _save_with_changes

from ..models import AISystem, ComponentKind, DecisionLogEntry, ModelCard, Playbook, SystemComponent
from ._common import ensure_not_frozen, reject_unknown, required_text

MODEL_CARD_EDITABLE = (
    "approach", "task", "architecture_family", "model_architecture", "datasets", "inputs", "outputs",
    "performance_metrics", "users", "use_cases", "technical_limitations", "performance_tradeoffs",
    "ethical_considerations", "fairness_assessments", "environmental_considerations", "cyclonedx",
)


@transaction.atomic
def save_model_card(*, actor, system: AISystem, changes: dict, component=None, expected_version: int | None = None,
                    reason: str = "") -> ModelCard:
    """Create a model card on first save, update it afterwards: the card of `component` (a model the system uses),
    or of the system as a whole when no component is given."""
    require(actor, CHANGE, system)
    ensure_not_frozen(system)
    reject_unknown(changes, MODEL_CARD_EDITABLE)
    if component is not None and not SystemComponent.objects.filter(
            system=system, component=component, component__kind=ComponentKind.MODEL).exists():
        raise ValidationError({"component": _("A model card documents a model that this system uses.")})
    card = ModelCard.objects.filter(system=system, component=component).first()
    if card is None:
        return _create(actor=actor, obj=ModelCard(system=system, component=component, **changes), reason=reason)
    return _save_with_changes(actor=actor, obj=card, changes=changes, reason=reason, expected_version=expected_version)


@transaction.atomic
def add_decision(*, actor, system: AISystem, decision: str, rationale: str = "", decided_by=None, date=None,
                 reason: str = "") -> DecisionLogEntry:
    """Log a decision; `decided_by` defaults to the person recording it."""
    require(actor, CHANGE, system)
    ensure_not_frozen(system)
    decision = required_text(decision, "decision", _("Write the decision."))
    entry = DecisionLogEntry(system=system, decision=decision, rationale=(rationale or "").strip(),
                             decided_by=decided_by or actor, recorded_by=actor, date=date or context.today())
    return _create(actor=actor, obj=entry, reason=reason)


@transaction.atomic
def create_playbook(*, actor, system: AISystem, title: str, body: str, reason: str = "") -> Playbook:
    require(actor, CHANGE, system)
    ensure_not_frozen(system)
    title = required_text(title, "title", _("Give the playbook a title."))
    body = required_text(body, "body", _("A playbook cannot be empty."))
    return _create(actor=actor, obj=Playbook(system=system, title=title, body=body, body_html=render_markdown(body)),
                   reason=reason)


@transaction.atomic
def update_playbook(*, actor, playbook: Playbook, changes: dict, expected_version: int | None = None,
                    reason: str = "") -> Playbook:
    require(actor, CHANGE, playbook.system)
    ensure_not_frozen(playbook.system)
    reject_unknown(changes, ("title", "body"))
    if "title" in changes:
        changes["title"] = required_text(changes["title"], "title", _("Give the playbook a title."))
    if "body" in changes:
        changes["body"] = required_text(changes["body"], "body", _("A playbook cannot be empty."))
        changes["body_html"] = render_markdown(changes["body"])
    return _save_with_changes(actor=actor, obj=playbook, changes=changes, reason=reason,
                              expected_version=expected_version)


@transaction.atomic
def delete_playbook(*, actor, playbook: Playbook, reason: str = "") -> None:
    require(actor, CHANGE, playbook.system)
    ensure_not_frozen(playbook.system)
    _delete(actor=actor, obj=playbook, reason=reason)


# --- Completeness -----------------------------------------------------------------------------------------------------

@dataclass
class MissingItem:
    key: str
    label: str
    fix_url: str


@dataclass
class Completeness:
    percent: int
    done: int
    total: int
    missing: list[MissingItem] = field(default_factory=list)


def _has_text(value) -> bool:
    return bool(str(value or "").strip())


# (key, label, anchor on the system page, test(system, card, has_decision, has_playbook)). Order is the reading order.
COMPLETENESS_ITEMS = (
    ("purpose", gettext_lazy("Purpose"), "overview", lambda s, c, d, p: _has_text(s.purpose)),
    ("intended_use", gettext_lazy("Intended use"), "overview", lambda s, c, d, p: _has_text(s.intended_use)),
    ("users_and_affected", gettext_lazy("Users and affected people"), "overview",
     lambda s, c, d, p: _has_text(s.users_and_affected)),
    ("human_oversight", gettext_lazy("Human oversight arrangement"), "overview",
     lambda s, c, d, p: _has_text(s.human_oversight)),
    ("escalation", gettext_lazy("Incident contact and escalation path"), "responsibilities",
     lambda s, c, d, p: bool(s.incident_contact_id) and _has_text(s.escalation_path)),
    ("model_card", gettext_lazy("Model card"), "documentation", lambda s, c, d, p: c is not None),
    ("card_approach_task", gettext_lazy("Model card: approach and task"), "documentation",
     lambda s, c, d, p: c is not None and _has_text(c.approach) and _has_text(c.task)),
    ("card_inputs_outputs", gettext_lazy("Model card: inputs and outputs"), "documentation",
     lambda s, c, d, p: c is not None and bool(c.inputs) and bool(c.outputs)),
    ("card_datasets", gettext_lazy("Model card: datasets"), "documentation", lambda s, c, d, p: c is not None and bool(c.datasets)),
    ("card_performance", gettext_lazy("Model card: performance metrics"), "documentation",
     lambda s, c, d, p: c is not None and bool(c.performance_metrics)),
    ("card_users_use_cases", gettext_lazy("Model card: users and use cases"), "documentation",
     lambda s, c, d, p: c is not None and _has_text(c.users) and _has_text(c.use_cases)),
    ("card_limitations", gettext_lazy("Model card: technical limitations"), "documentation",
     lambda s, c, d, p: c is not None and _has_text(c.technical_limitations)),
    ("card_ethics", gettext_lazy("Model card: ethical considerations"), "documentation",
     lambda s, c, d, p: c is not None and bool(c.ethical_considerations)),
    ("card_fairness", gettext_lazy("Model card: fairness assessments"), "documentation",
     lambda s, c, d, p: c is not None and bool(c.fairness_assessments)),
    ("decision_log", gettext_lazy("At least one entry in the decision log"), "decisions", lambda s, c, d, p: d),
    ("playbook", gettext_lazy("At least one operational playbook"), "playbooks", lambda s, c, d, p: p),
)


def main_card(system: AISystem) -> ModelCard | None:
    """The card the documentation checks read: the system's own, else the first model's."""
    return (ModelCard.objects.filter(system=system)
            .order_by(F("component_id").asc(nulls_first=True), "pk").first())


def completeness(system: AISystem) -> Completeness:
    """How much of the expected documentation the system has: a percentage and what is missing, with where to fix it."""
    card = main_card(system)
    has_decision = DecisionLogEntry.objects.filter(system=system).exists()
    has_playbook = Playbook.objects.filter(system=system).exists()
    base = system.get_absolute_url()
    missing = [MissingItem(key, str(label), f"{base}#{anchor}") for key, label, anchor, test in COMPLETENESS_ITEMS
               if not test(system, card, has_decision, has_playbook)]
    total = len(COMPLETENESS_ITEMS)
    done = total - len(missing)
    return Completeness(percent=round(100 * done / total), done=done, total=total, missing=missing)
