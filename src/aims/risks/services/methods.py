"""Risk method versions: draft, edit, activate (retiring the previous one). Past assessments are never rewritten."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, labels
from aims.core.permissions import ADD, CHANGE, DELETE
from aims.core.services import _create, _delete, _save_with_changes

from .. import catalogs
from ..models import RiskMethod
from ._common import require_or_system

DEFINITION_FIELDS = ("likelihood_scale", "impact_scale", "levels", "matrix", "appetite_level", "appetite_by_category")
EDITABLE_FIELDS = ("name", "description", "acceptance_criteria", *DEFINITION_FIELDS)


def _next_number() -> int:
    return (RiskMethod.objects.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def create_method(*, actor, name: str, likelihood_scale, impact_scale, levels, matrix, appetite_level: str,
                  appetite_by_category=None, acceptance_criteria: str = "", description: str = "", source: str = "",
                  reason: str = "") -> RiskMethod:
    """A new draft version; nothing scores with it until it is activated."""
    require_or_system(actor, ADD, unit=None)
    method = RiskMethod(
        name=name, number=_next_number(), likelihood_scale=likelihood_scale, impact_scale=impact_scale, levels=levels,
        matrix=matrix, appetite_level=appetite_level, appetite_by_category=appetite_by_category or {},
        acceptance_criteria=acceptance_criteria, description=description, source=source,
    )
    return _create(actor=actor, obj=method, reason=reason)


@transaction.atomic
def update_method(*, actor, method: RiskMethod, changes: dict, expected_version: int | None = None,
                  reason: str = "") -> RiskMethod:
    require_or_system(actor, CHANGE, method)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in unknown})
    if not method.is_editable:
        raise ValidationError(_("Only a draft version can be edited: create a new version instead."))
    return _save_with_changes(actor=actor, obj=method, changes=changes, reason=reason, expected_version=expected_version)


@transaction.atomic
def create_method_version(*, actor, based_on: RiskMethod, reason: str = "") -> RiskMethod:
    """A draft copy of `based_on` with the next version number, to be edited then activated."""
    require_or_system(actor, ADD, unit=None)
    copy = RiskMethod(
        name=based_on.name, number=_next_number(), description=based_on.description,
        acceptance_criteria=based_on.acceptance_criteria, based_on=based_on,
        **{field: getattr(based_on, field) for field in DEFINITION_FIELDS},
    )
    return _create(actor=actor, obj=copy, reason=reason)


@transaction.atomic
def activate_method(*, actor, method: RiskMethod, expected_version: int | None = None, reason: str = "") -> RiskMethod:
    """Make `method` the one new assessments use. The previous active version is retired, and the risks it scored
    keep pointing at it (and keep their levels) until someone re-assesses them."""
    require_or_system(actor, CHANGE, method)
    if method.status != RiskMethod.Status.DRAFT:
        raise ValidationError({"status": _("Only a draft version can be activated.")})
    method.full_clean()
    now = context.now()
    for previous in RiskMethod.objects.select_for_update().filter(status=RiskMethod.Status.ACTIVE):
        _save_with_changes(actor=actor, obj=previous, changes={"status": RiskMethod.Status.RETIRED, "retired_at": now},
                           reason=reason or _("Replaced by version %(n)d") % {"n": method.number},
                           expected_version=None, action="risks.riskmethod.retire")
    return _save_with_changes(
        actor=actor, obj=method, reason=reason, expected_version=expected_version, action="risks.riskmethod.activate",
        changes={"status": RiskMethod.Status.ACTIVE, "activated_at": now,
                 "activated_by": actor if getattr(actor, "pk", None) else None},
    )


@transaction.atomic
def delete_draft_method(*, actor, method: RiskMethod, reason: str = "") -> None:
    require_or_system(actor, DELETE, method)
    if method.status != RiskMethod.Status.DRAFT:
        raise ValidationError(_("Only a draft version can be deleted; active and retired versions are kept."))
    _delete(actor=actor, obj=method, reason=reason)


@transaction.atomic
def load_default_method(*, actor, activate: bool = True) -> RiskMethod:
    """Create the shipped 4x4 method (once) and, if no method is active yet, activate it."""
    data = catalogs.read_default_method(language=labels.language())
    method = RiskMethod.objects.filter(source=data["source"]).order_by("number").first()
    if method is None:
        method = create_method(actor=actor, reason=gettext_lazy("Loaded from the AIMS catalogue"), **data)
    if activate and method.status == RiskMethod.Status.DRAFT and not RiskMethod.objects.filter(
        status=RiskMethod.Status.ACTIVE
    ).exists():
        method = activate_method(actor=actor, method=method, reason=gettext_lazy("First risk method"))
    return method
