"""Formal acceptance of a risk, by someone with the authority the method requires for its level."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals, context, labels
from aims.core.models import User
from aims.core.notifications import notify
from aims.core.permissions import CHANGE, Role, people_holding, people_who_can, user_scopes
from aims.core.services import _create, _save_with_changes

from ..models import Risk, RiskAcceptance, RiskMethod
from ._common import clean_text, require_or_system, risk_url, today


APPROVAL = "risks.acceptance"  # its kind in the "To approve" inbox (see ..approvals)


def acceptance_authority(user, risk: Risk, *, group_names: set[str] | None = None) -> str | None:
    """Which authority lets `user` accept `risk` at its current level, or None.

    Within appetite, whoever may change the risk may accept it ("owner"). Above appetite, the person must hold one of
    the level's acceptance roles over the risk's unit, or belong to one of its acceptance groups. Being a superuser
    does not count: acceptance is a governance decision, not a technical privilege. `group_names` (the person's
    groups, read once) spares a query per risk when a list asks about many.
    """
    level_key = risk.current_level
    if not level_key or not getattr(user, "is_authenticated", False):
        return None
    definition = risk.method.definition
    if not definition.is_above_appetite(level_key, risk.category):
        return "owner"
    level = definition.levels[level_key]
    unit_path = risk.unit.path if risk.unit_id else None
    for scope in user_scopes(user):
        if scope.role in level.acceptance_roles and (
            scope.unit_path is None or (unit_path is not None and unit_path.startswith(scope.unit_path))
        ):
            return f"role:{scope.role}"
    if level.acceptance_groups:
        if group_names is not None:
            group = next((name for name in level.acceptance_groups if name in group_names), None)
        else:
            group = user.people_groups.filter(name__in=level.acceptance_groups).values_list("name", flat=True).first()
        if group:
            return f"group:{group}"
    return None


def awaits_acceptance(risk: Risk) -> bool:
    """Its owner decided to accept a risk above appetite: it waits for someone with the authority (never the owner)."""
    return (risk.treatment == Risk.Treatment.ACCEPT and risk.above_appetite and risk.is_assessed
            and risk.status not in (Risk.Status.ACCEPTED, Risk.Status.CLOSED))


def waiting_acceptances():
    # Only what deciding and listing need: a risk row is wide (scenario texts) and the register may be large.
    return (Risk.objects.filter(treatment=Risk.Treatment.ACCEPT, above_appetite=True)
            .exclude(inherent_level="").exclude(status__in=[Risk.Status.ACCEPTED, Risk.Status.CLOSED])
            .select_related("unit", "owner")
            .only("id", "title", "category", "treatment", "status", "above_appetite", "inherent_level",
                  "residual_level", "method_id", "unit_id", "owner_id", "updated_at", "unit__id", "unit__path",
                  "unit__name", "owner__id", "owner__first_name", "owner__last_name", "owner__email",
                  "owner__username", "owner__is_active", "owner__language"))


def _with_shared_methods(risks: list[Risk]) -> list[Risk]:
    """Give every risk the one instance of its method version: the definition is parsed once, not once per risk."""
    methods = {m.pk: m for m in RiskMethod.objects.filter(pk__in={r.method_id for r in risks})}
    for risk in risks:
        risk.method = methods[risk.method_id]
    return risks


def acceptance_approvers(risk: Risk) -> list[User]:
    """Who may accept `risk` at its current level: the level's acceptance roles over its unit and the members of its
    acceptance groups, among the people who may change the risk at all (core drops the owner, its author)."""
    level = risk.method.definition.levels.get(risk.current_level)
    if level is None:
        return []
    if not risk.method.definition.is_above_appetite(level.key, risk.category):
        return [risk.owner]  # within appetite the owner decides; nothing waits for anyone else
    members = User.objects.filter(is_active=True, people_groups__name__in=level.acceptance_groups)
    authorised = people_holding(level.acceptance_roles, risk.unit) | members
    return list(people_who_can(CHANGE, "risks", risk.unit).filter(pk__in=authorised.values("pk")))


def may_accept(user, risk: Risk, *, group_names: set[str] | None = None) -> bool:
    """The acceptance button's rule, the same as accept_risk's: the authority, and never the owner above appetite."""
    authority = acceptance_authority(user, risk, group_names=group_names)
    return authority is not None and (authority == "owner" or user.pk != risk.owner_id)


def acceptances_for(user) -> list[Risk]:
    """The risks waiting for an acceptance `user` may give (for the inbox: one query for the risks, one for groups)."""
    if not getattr(user, "is_authenticated", False):
        return []
    group_names = set(user.people_groups.values_list("name", flat=True))
    candidates = _with_shared_methods(list(
        waiting_acceptances().exclude(owner=user).filter(pk__in=Risk.objects.restrict(user, CHANGE).values("pk"))))
    return [risk for risk in candidates if may_accept(user, risk, group_names=group_names)]


def sync_acceptance_request(risk: Risk) -> None:
    """Keep the inbox in step after a change of treatment, level or status: a risk that starts waiting asks its
    acceptors (task and notification, once); one that no longer waits closes their tasks."""
    if not awaits_acceptance(risk):
        approvals.settle(APPROVAL, risk)
    elif not approvals.has_open_tasks(APPROVAL, risk):
        approvals.request(APPROVAL, risk)


@transaction.atomic
def accept_risk(*, actor, risk: Risk, rationale: str, expires_on: date | None, reason: str = "") -> RiskAcceptance:
    """Accept the risk at its current level until `expires_on`; replaces any earlier active acceptance."""
    require_or_system(actor, CHANGE, risk)
    if actor is None:
        raise PermissionDenied(_("Only a person can accept a risk."))
    if not risk.is_assessed:
        raise ValidationError(_("Assess the risk before accepting it."))
    if risk.status == Risk.Status.CLOSED:
        raise ValidationError(_("This risk is closed."))
    errors = {}
    rationale = (rationale or "").strip()
    if not rationale:
        errors["rationale"] = _("Explain why this risk is accepted.")
    if expires_on is None:
        errors["expires_on"] = _("An acceptance needs an expiry date.")
    elif expires_on <= today():
        errors["expires_on"] = _("The expiry date must be in the future.")
    if errors:
        raise ValidationError(errors)
    authority = acceptance_authority(actor, risk)
    definition = risk.method.definition
    level = definition.levels[risk.current_level]
    if authority is not None and authority != "owner" and actor.pk == risk.owner_id:
        raise PermissionDenied(_("You own this risk: someone else with the authority must accept it above appetite."))
    if authority is None:
        who = [*(labels.value_label(Role, r) for r in level.acceptance_roles), *level.acceptance_groups]
        raise PermissionDenied(
            _("A “%(level)s” risk is above appetite: only %(who)s may accept it.")
            % {"level": level.label(labels.language()), "who": ", ".join(who) or _("nobody")}
        )
    now = context.now()
    for previous in RiskAcceptance.objects.select_for_update().filter(risk=risk, status=RiskAcceptance.Status.ACTIVE):
        _save_with_changes(actor=actor, obj=previous, changes={"status": RiskAcceptance.Status.WITHDRAWN, "ended_at": now},
                           reason=gettext_lazy("Replaced by a new acceptance"), expected_version=None,
                           action="risks.riskacceptance.withdraw")
    acceptance = _create(actor=actor, reason=reason, obj=RiskAcceptance(
        risk=risk, accepted_by=actor, accepted_at=now, rationale=clean_text(rationale, "rationale", required=True),
        expires_on=expires_on, level=level.key, method=risk.method,
        above_appetite=definition.is_above_appetite(level.key, risk.category), authority=authority,
    ))
    changes = {"status": Risk.Status.ACCEPTED}
    if not risk.treatment:
        changes["treatment"] = Risk.Treatment.ACCEPT
    _save_with_changes(actor=actor, obj=risk, changes=changes, reason=reason, expected_version=None,
                       action="risks.risk.accept")
    approvals.settle(APPROVAL, risk)
    if risk.owner_id != actor.pk:
        notify(recipient=risk.owner, title=gettext_lazy("Your risk “%(title)s” was accepted until %(date)s"),
               params={"title": risk.title, "date": expires_on}, url=risk_url(risk.pk), kind="risk")
    return acceptance


@transaction.atomic
def withdraw_acceptance(*, actor, acceptance: RiskAcceptance, reason: str) -> RiskAcceptance:
    require_or_system(actor, CHANGE, acceptance)
    reason = clean_text(reason, "reason", required=True)
    if acceptance.status != RiskAcceptance.Status.ACTIVE:
        raise ValidationError(_("This acceptance is no longer active."))
    acceptance = _save_with_changes(actor=actor, obj=acceptance, reason=reason, expected_version=None,
                                    changes={"status": RiskAcceptance.Status.WITHDRAWN, "ended_at": context.now()},
                                    action="risks.riskacceptance.withdraw")
    risk = acceptance.risk
    if risk.status == Risk.Status.ACCEPTED:
        _save_with_changes(actor=actor, obj=risk, changes={"status": Risk.Status.ASSESSED}, reason=reason,
                           expected_version=None, action="risks.risk.acceptance_withdrawn")
        sync_acceptance_request(risk)
    return acceptance
