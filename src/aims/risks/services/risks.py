"""The risk register: record, link, score, decide treatment, plan actions, close.

Scores and levels are always computed here from the method version the risk uses (`scored_changes`), never taken
from input, and stored on the risk so lists filter and sort by level without reading the method.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, dates, ledger
from aims.core.assignment import check_assignee
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import ADD, CHANGE
from aims.core.services import _create, _save_with_changes

from ..models import Risk, RiskMethod, TreatmentAction
from ._common import check_readable, clean_text, require_active_method, require_or_system, risk_url, today
from .acceptance import sync_acceptance_request

DESCRIPTIVE_FIELDS = ("title", "category", "risk_source", "event", "consequence", "ebios_risk_source",
                      "ebios_target_objective", "ebios_operational_scenario", "existing_measures", "owner", "unit",
                      "next_review_date", "target_level", "treatment_rationale")
ACTION_FIELDS = ("title", "description", "owner", "due_date")


def scored_changes(*, method: RiskMethod, category: str, inherent=(None, None), residual=(None, None)) -> dict:
    """The computed fields of a risk for these (likelihood, impact) pairs under `method`: scores, levels, ranks and
    whether the current level (residual if scored, else inherent) is above the appetite for `category`."""
    definition = method.definition
    changes: dict = {"method": method}
    for prefix, (likelihood, impact) in (("inherent_", inherent), ("residual_", residual)):
        if (likelihood is None) != (impact is None):
            field = f"{prefix}impact" if impact is None else f"{prefix}likelihood"
            raise ValidationError({field: _("Give both likelihood and impact, or neither.")})
        if likelihood is None:
            changes.update({f"{prefix}likelihood": None, f"{prefix}impact": None, f"{prefix}score": None,
                            f"{prefix}level": "", f"{prefix}rank": None})
            continue
        definition.check_cell(likelihood, impact, prefix=prefix)
        level = definition.level_of(likelihood, impact)
        changes.update({f"{prefix}likelihood": likelihood, f"{prefix}impact": impact,
                        f"{prefix}score": definition.score(likelihood, impact), f"{prefix}level": level.key,
                        f"{prefix}rank": level.rank})
    if changes["residual_level"] and not changes["inherent_level"]:
        raise ValidationError({"inherent_likelihood": _("Score the inherent risk before the residual risk.")})
    if changes["residual_rank"] and changes["residual_rank"] > changes["inherent_rank"]:
        raise ValidationError({"residual_likelihood": _("The residual level cannot be above the inherent level.")})
    current = changes["residual_level"] or changes["inherent_level"]
    changes["above_appetite"] = bool(current) and definition.is_above_appetite(current, category)
    return changes


def next_review_for(method: RiskMethod, level_key: str):
    if not level_key:
        return None
    return today() + timedelta(days=method.definition.levels[level_key].review_days)


def _check_target_level(method: RiskMethod, target_level: str) -> None:
    if target_level and target_level not in method.definition.levels:
        raise ValidationError({"target_level": _("Choose one of the method's levels.")})


def _check_owner(*, actor, owner, unit, title: str) -> None:
    """A risk's owner treats it: they must be able to change the risks of its unit (aims.core.assignment)."""
    check_assignee(actor=actor, person=owner, action=CHANGE, domain="risks", unit=unit, field="owner",
                   what=_("owner of the risk “%(title)s”") % {"title": title})


def _check_action_owner(*, actor, owner, risk: Risk, title: str) -> None:
    check_assignee(actor=actor, person=owner, action=CHANGE, domain="risks", unit=risk.unit, field="owner",
                   what=_("owner of the treatment action “%(title)s”") % {"title": title})


@transaction.atomic
def create_risk(*, actor, title: str, category: str, owner, unit=None, systems=(), components=(), dependencies=(),
                threats=(), risk_source: str = "", event: str = "", consequence: str = "", ebios_risk_source: str = "",
                ebios_target_objective: str = "", ebios_operational_scenario: str = "", existing_measures: str = "",
                inherent_likelihood: int | None = None, inherent_impact: int | None = None, target_level: str = "",
                reason: str = "") -> Risk:
    """Record a risk under the active method; its unit defaults to the first linked system's unit."""
    systems, components, dependencies, threats = list(systems), list(components), list(dependencies), list(threats)
    if unit is None and systems:
        unit = systems[0].unit
    require_or_system(actor, ADD, domain="risks", unit=unit)
    check_readable(actor, systems, _("AI systems"))
    check_readable(actor, components, _("components"))
    check_readable(actor, dependencies, _("dependencies"))
    method = require_active_method()
    _check_target_level(method, target_level)
    _check_owner(actor=actor, owner=owner, unit=unit, title=title)
    risk = Risk(unit=unit, title=title, category=category, owner=owner, risk_source=risk_source, event=event,
                consequence=consequence, ebios_risk_source=ebios_risk_source,
                ebios_target_objective=ebios_target_objective, ebios_operational_scenario=ebios_operational_scenario,
                existing_measures=existing_measures, target_level=target_level)
    for field, value in scored_changes(method=method, category=category,
                                       inherent=(inherent_likelihood, inherent_impact)).items():
        setattr(risk, field, value)
    if risk.inherent_level:
        risk.status = Risk.Status.ASSESSED
        risk.next_review_date = next_review_for(method, risk.inherent_level)
    risk = _create(actor=actor, obj=risk, reason=reason)
    if systems or components or dependencies or threats:
        _set_links(actor=actor, risk=risk, systems=systems, components=components, dependencies=dependencies,
                   threats=threats, reason=reason)
    return risk


@transaction.atomic
def update_risk(*, actor, risk: Risk, changes: dict, expected_version: int | None = None, reason: str = "") -> Risk:
    """Descriptive fields only: scores go through assess_risk, status through the treatment/acceptance services."""
    require_or_system(actor, CHANGE, risk)
    unknown = set(changes) - set(DESCRIPTIVE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in unknown})
    if changes.get("unit") is not None:
        require_or_system(actor, ADD, domain="risks", unit=changes["unit"])
    if (("owner" in changes and getattr(changes["owner"], "pk", None) != risk.owner_id)
            or ("unit" in changes and getattr(changes["unit"], "pk", None) != risk.unit_id)):
        _check_owner(actor=actor, owner=changes.get("owner", risk.owner),
                     unit=changes["unit"] if "unit" in changes else risk.unit, title=changes.get("title", risk.title))
    if "target_level" in changes:
        _check_target_level(risk.method, changes["target_level"])
    if "next_review_date" in changes:  # a review date already overdue may stay as it is
        dates.refuse_past(changes["next_review_date"], "next_review_date", kept=risk.next_review_date)
    if "category" in changes and changes["category"] != risk.category:
        current = risk.current_level
        changes = {**changes, "above_appetite": bool(current) and risk.method.definition.is_above_appetite(
            current, changes["category"])}
    risk = _save_with_changes(actor=actor, obj=risk, changes=changes, reason=reason, expected_version=expected_version)
    sync_acceptance_request(risk)  # a new category may move the risk above or below appetite
    return risk


def _set_links(*, actor, risk: Risk, reason: str, **links) -> None:
    before, after = {}, {}
    for name, objects in links.items():
        if objects is None:
            continue
        manager = getattr(risk, name)
        old = sorted(manager.values_list("pk", flat=True))
        new = sorted({o.pk for o in objects})
        if old != new:
            manager.set(objects)
            before[name], after[name] = old, new
    if after:
        ledger.record(actor=actor, action="risks.risk.links", obj=risk, before=before, after=after, reason=reason)


@transaction.atomic
def set_risk_links(*, actor, risk: Risk, systems=None, components=None, dependencies=None, threats=None,
                   reason: str = "") -> Risk:
    """Replace the linked systems, components, dependencies and/or threats (None leaves a kind untouched)."""
    require_or_system(actor, CHANGE, risk)
    for objects, label in ((systems, _("AI systems")), (components, _("components")), (dependencies, _("dependencies"))):
        check_readable(actor, list(objects or ()), label)
    _set_links(actor=actor, risk=risk, reason=reason, systems=systems, components=components,
               dependencies=dependencies, threats=threats)
    return risk


@transaction.atomic
def assess_risk(*, actor, risk: Risk, inherent_likelihood: int, inherent_impact: int,
                residual_likelihood: int | None = None, residual_impact: int | None = None,
                use_active_method: bool = False, expected_version: int | None = None, reason: str = "") -> Risk:
    """Score (or re-score) a risk. It keeps its method version unless `use_active_method` moves it to the active
    one, so an assessment is never silently re-interpreted by a newer method."""
    require_or_system(actor, CHANGE, risk)
    if risk.status == Risk.Status.CLOSED:
        raise ValidationError(_("A closed risk is not re-assessed; reopen it through a review."))
    method = require_active_method() if use_active_method else risk.method
    changes = scored_changes(method=method, category=risk.category, inherent=(inherent_likelihood, inherent_impact),
                             residual=(residual_likelihood, residual_impact))
    if risk.target_level and risk.target_level not in method.definition.levels:
        changes["target_level"] = ""
    if risk.status == Risk.Status.IDENTIFIED:
        changes["status"] = Risk.Status.ASSESSED
    changes["next_review_date"] = next_review_for(method, changes["residual_level"] or changes["inherent_level"])
    risk = _save_with_changes(actor=actor, obj=risk, changes=changes, reason=reason, expected_version=expected_version,
                              action="risks.risk.assess")
    sync_acceptance_request(risk)
    return risk


@transaction.atomic
def decide_treatment(*, actor, risk: Risk, decision: str, rationale: str = "", target_level: str | None = None,
                     expected_version: int | None = None, reason: str = "") -> Risk:
    """Record reduce / transfer / avoid (status treated) or accept (formal acceptance follows with accept_risk)."""
    require_or_system(actor, CHANGE, risk)
    if decision not in Risk.Treatment.values:
        raise ValidationError({"treatment": _("Choose reduce, accept, transfer or avoid.")})
    if not risk.is_assessed:
        raise ValidationError({"treatment": _("Assess the risk before deciding how to treat it.")})
    if risk.status == Risk.Status.CLOSED:
        raise ValidationError(_("This risk is closed."))
    changes = {"treatment": decision, "treatment_rationale": clean_text(rationale, "treatment_rationale")}
    if target_level is not None:
        _check_target_level(risk.method, target_level)
        changes["target_level"] = target_level
    if decision != Risk.Treatment.ACCEPT and risk.status != Risk.Status.ACCEPTED:
        changes["status"] = Risk.Status.TREATED
    risk = _save_with_changes(actor=actor, obj=risk, changes=changes, reason=reason, expected_version=expected_version,
                              action="risks.risk.treatment")
    sync_acceptance_request(risk)  # "accept" above appetite waits for someone with the authority
    return risk


@transaction.atomic
def close_risk(*, actor, risk: Risk, reason: str, expected_version: int | None = None) -> Risk:
    require_or_system(actor, CHANGE, risk)
    reason = clean_text(reason, "reason", required=True)
    risk = _save_with_changes(actor=actor, obj=risk, reason=reason, expected_version=expected_version,
                              changes={"status": Risk.Status.CLOSED, "next_review_date": None},
                              action="risks.risk.close")
    for action in risk.actions.filter(status__in=TreatmentAction.OPEN_STATUSES):
        close_tasks(source=f"risks.action.{action.pk}")
    sync_acceptance_request(risk)
    return risk


# --- Treatment actions -------------------------------------------------------------------------------------------

@transaction.atomic
def add_treatment_action(*, actor, risk: Risk, title: str, owner, due_date=None, description: str = "",
                         reason: str = "") -> TreatmentAction:
    require_or_system(actor, CHANGE, risk)
    if risk.status == Risk.Status.CLOSED:
        raise ValidationError(_("This risk is closed."))
    if due_date is not None and due_date < today():
        raise ValidationError({"due_date": _("The due date cannot be in the past.")})
    _check_action_owner(actor=actor, owner=owner, risk=risk, title=title)
    action = _create(actor=actor, obj=TreatmentAction(risk=risk, title=title, owner=owner, due_date=due_date,
                                                      description=description), reason=reason)
    url = risk_url(risk.pk)
    open_task(assignee=owner, title=gettext_lazy("Risk treatment: %(title)s"), params={"title": title},
              source=f"risks.action.{action.pk}", url=url, due_date=due_date)
    if getattr(actor, "pk", None) != owner.pk:
        notify(recipient=owner, title=gettext_lazy("You own a new risk treatment action: %(title)s"),
               params={"title": title}, url=url, kind="risk")
    return action


@transaction.atomic
def update_treatment_action(*, actor, action: TreatmentAction, changes: dict, expected_version: int | None = None,
                            reason: str = "") -> TreatmentAction:
    require_or_system(actor, CHANGE, action)
    unknown = set(changes) - set(ACTION_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in unknown})
    previous_owner = action.owner
    if changes.get("owner") is not None and changes["owner"].pk != previous_owner.pk:
        _check_action_owner(actor=actor, owner=changes["owner"], risk=action.risk, title=changes.get("title", action.title))
    action = _save_with_changes(actor=actor, obj=action, changes=changes, reason=reason,
                                expected_version=expected_version)
    if action.owner_id != previous_owner.pk and action.status in TreatmentAction.OPEN_STATUSES:
        close_tasks(source=f"risks.action.{action.pk}")
        source = f"risks.action.{action.pk}.owner{action.owner_id}"
        open_task(assignee=action.owner, title=gettext_lazy("Risk treatment: %(title)s"), params={"title": action.title},
                  source=source, url=risk_url(action.risk_id), due_date=action.due_date)
    return action


@transaction.atomic
def set_treatment_action_status(*, actor, action: TreatmentAction, status: str, expected_version: int | None = None,
                                reason: str = "") -> TreatmentAction:
    require_or_system(actor, CHANGE, action)
    if status not in TreatmentAction.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    finished = status in (TreatmentAction.Status.DONE, TreatmentAction.Status.CANCELLED)
    action = _save_with_changes(actor=actor, obj=action, reason=reason, expected_version=expected_version,
                                action="risks.treatmentaction.status",
                                changes={"status": status, "completed_at": context.now() if finished else None})
    if finished:
        close_tasks(source=f"risks.action.{action.pk}")
        close_tasks(source=f"risks.action.{action.pk}.owner{action.owner_id}")
    return action
