"""The closure grid of the post-go-live review (seed 003): four axes filled from the live KPIs and the governance
state where they exist, judged by the person who prepares it, and a decision signed by a second person.

`sign_closure_review` is the one sign-off function, the one the "To approve" inbox calls (monitoring/approvals.py), and
`eligible_signers` is who the inbox offers. Nobody signs a grid they prepared.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals, context
from aims.core.models import RoleAssignment, User
from aims.core.notifications import notify
from aims.core.permissions import CHANGE
from aims.core.services import _create, _save_with_changes
from aims.inventory.services._common import ensure_not_frozen

from .. import catalog
from ..models import Alert, ClosureReview, Kpi, Status
from ._common import require_or_system

ASSESSMENTS = tuple(ClosureReview.Assessment.values)
DECISIONS = tuple(ClosureReview.Decision.values)
CLOSURE_APPROVAL = "monitoring.closure_review"  # its kind in the approvals inbox


def _ancestor_paths(unit) -> list[str]:
    parts = [p for p in (unit.path or "").strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def eligible_signers(review: ClosureReview):
    """Who may sign: members of the catalogue's signer groups, or holders of its signer roles over the system's unit
    (or the whole organisation), active, and never the person who prepared the grid."""
    signers = catalog.closure_signers()
    roles = RoleAssignment.objects.filter(role__in=signers.get("roles") or []).filter(
        Q(unit__isnull=True) | Q(unit__path__in=_ancestor_paths(review.system.unit)))
    condition = Q(people_groups__name__in=signers.get("groups") or [])
    condition |= Q(pk__in=roles.filter(user__isnull=False).values("user"))
    condition |= Q(people_groups__in=roles.filter(group__isnull=False).values("group"))
    return (User.objects.filter(is_active=True).filter(condition).exclude(pk=review.prepared_by_id).distinct()
            .order_by("last_name", "first_name", "pk"))


def may_sign(user, review: ClosureReview) -> bool:
    return getattr(user, "pk", None) is not None and eligible_signers(review).filter(pk=user.pk).exists()


def live_axes(system) -> dict:
    """Each axis of the catalogue, filled from what is measured now (value, threshold, whether the data meets it)."""
    kpis = list(Kpi.objects.filter(system=system, is_active=True))
    axes = {}
    for axis in catalog.closure_axes("en"):
        entry = {"value": None, "threshold": axis.get("threshold"), "unit": axis.get("unit", ""), "source": "",
                 "met_by_data": None, "assessment": "", "comment": ""}
        source = axis.get("source")
        if source == "technical_within_thresholds":
            reporting = [k for k in kpis if k.family == "technical" and k.status != Status.NO_DATA]
            if reporting:
                entry["value"] = round(100 * sum(k.status == Status.OK for k in reporting) / len(reporting), 1)
                entry["source"] = "kpis:" + ",".join(str(k.pk) for k in reporting)
        elif source == "governance_checks":
            checks = _governance_checks(system)
            entry.update({"value": sum(c["passed"] for c in checks), "threshold": len(checks), "unit": "",
                          "source": "checks", "checks": checks})
        else:
            for key in axis.get("kpis") or []:
                kpi = next((k for k in kpis if k.catalogue_key == key and k.last_value is not None), None)
                if kpi is not None:
                    entry.update({"value": kpi.last_value, "unit": kpi.unit, "source": f"kpi:{kpi.pk}"})
                    if entry["threshold"] is None:
                        entry["threshold"] = kpi.target
                    break
        if entry["value"] is not None and entry["threshold"] is not None:
            # Adoption "over 60 %" and satisfaction "over 70 %": strictly above; the other axes reach their level.
            strict = axis["key"] in ("adoption", "satisfaction")
            entry["met_by_data"] = entry["value"] > entry["threshold"] if strict else \
                entry["value"] >= entry["threshold"]
        axes[axis["key"]] = entry
    return axes


def _governance_checks(system) -> list[dict]:
    from aims.inventory.models import Classification
    from aims.risks.models import Risk

    classified = Classification.objects.filter(system=system, status=Classification.Status.SIGNED_OFF).exists()
    above = Risk.objects.filter(systems=system, above_appetite=True).exclude(status=Risk.Status.CLOSED).exists()
    critical = Alert.objects.filter(system=system, severity=Alert.Severity.CRITICAL).exclude(
        state=Alert.State.RESOLVED).exists()
    return [{"key": "classification_signed_off", "passed": classified},
            {"key": "no_risk_above_appetite", "passed": not above},
            {"key": "no_open_critical_alert", "passed": not critical}]


@transaction.atomic
def start_closure_review(*, actor, system, reason: str = "") -> ClosureReview:
    require_or_system(actor, CHANGE, unit=system.unit)
    ensure_not_frozen(system)
    if ClosureReview.objects.filter(system=system).exclude(state=ClosureReview.State.SIGNED).exists():
        raise ValidationError(_("A closure grid of this system is already being prepared; finish it first."))
    return _create(actor=actor, reason=reason, obj=ClosureReview(
        system=system, axes=live_axes(system), catalogue_version=catalog.version(), prepared_by=actor))


def _draft(review: ClosureReview) -> None:
    if review.state != ClosureReview.State.DRAFT:
        raise ValidationError(_("Only a draft closure grid can be changed."))


@transaction.atomic
def update_closure_review(*, actor, review: ClosureReview, assessments: dict | None = None,
                          comments: dict | None = None, decision: str | None = None, rationale: str | None = None,
                          refresh: bool = False, expected_version: int | None = None) -> ClosureReview:
    """Judge each axis (met, partly met, not met) with a comment, choose the decision; `refresh` re-reads the live
    values first."""
    require_or_system(actor, CHANGE, review)
    _draft(review)
    axes = live_axes(review.system) if refresh else {k: dict(v) for k, v in review.axes.items()}
    for key, old in review.axes.items():
        if refresh and key in axes:
            axes[key]["assessment"], axes[key]["comment"] = old.get("assessment", ""), old.get("comment", "")
    for key, value in (assessments or {}).items():
        if key not in axes:
            raise ValidationError({"axes": _("Unknown axis “%(axis)s”.") % {"axis": key}})
        if value not in ASSESSMENTS + ("",):
            raise ValidationError({"axes": _("Judge each axis as met, partly met or not met.")})
        axes[key]["assessment"] = value
    for key, value in (comments or {}).items():
        if key in axes:
            axes[key]["comment"] = (value or "").strip()[:5000]
    changes = {"axes": axes}
    if decision is not None:
        if decision not in DECISIONS + ("",):
            raise ValidationError({"decision": _("Choose: close the project, continue, or a corrective plan.")})
        changes["decision"] = decision
    if rationale is not None:
        changes["rationale"] = rationale.strip()
    return _save_with_changes(actor=actor, obj=review, changes=changes, reason="", expected_version=expected_version)


@transaction.atomic
def submit_closure_review(*, actor, review: ClosureReview, expected_version: int | None = None) -> ClosureReview:
    """Send the grid for signature: every axis judged, a decision and its rationale; the signers are asked."""
    require_or_system(actor, CHANGE, review)
    _draft(review)
    missing = [key for key, axis in review.axes.items() if not axis.get("assessment")]
    if missing:
        raise ValidationError({"axes": _("Judge every axis before submitting (missing: %(axes)s).")
                               % {"axes": ", ".join(missing)}})
    if not review.decision or not review.rationale.strip():
        raise ValidationError({"decision": _("Choose the decision and say why before submitting.")})
    if not eligible_signers(review).exists():
        raise ValidationError(_("Nobody may sign this grid: the catalogue names the signers (a group or a role over "
                                "the system's unit), and they must be someone other than the preparer."))
    review = _save_with_changes(actor=actor, obj=review, expected_version=expected_version, reason="",
                                action="monitoring.closurereview.submit",
                                changes={"state": ClosureReview.State.SUBMITTED, "submitted_at": context.now()})
    approvals.request(CLOSURE_APPROVAL, review)  # its description names the proposed decision
    return review


@transaction.atomic
def sign_closure_review(*, actor, review: ClosureReview, comment: str = "") -> ClosureReview:
    """Sign the decision (the sign-off): only an eligible signer, never the preparer."""
    if review.state != ClosureReview.State.SUBMITTED:
        raise ValidationError(_("Only a grid awaiting signature can be signed."))
    if getattr(actor, "pk", None) == review.prepared_by_id:
        raise PermissionDenied(_("You prepared this grid: someone else must sign it."))
    if not may_sign(actor, review):
        raise PermissionDenied(_("You are not among the people who may sign this grid."))
    review = _save_with_changes(actor=actor, obj=review, expected_version=None, reason=comment,
                                action="monitoring.closurereview.sign",
                                changes={"state": ClosureReview.State.SIGNED, "signed_by": actor,
                                         "signed_at": context.now(), "sign_comment": (comment or "").strip()})
    approvals.settle(CLOSURE_APPROVAL, review)
    notify(recipient=review.prepared_by, url=review.get_absolute_url(), kind="monitoring.closure",
           title=gettext_lazy("Closure grid of “%(system)s” signed"), params={"system": str(review.system)})
    return review


@transaction.atomic
def return_closure_review(*, actor, review: ClosureReview, comment: str) -> ClosureReview:
    """A signer sends the grid back to its preparer with what to change."""
    if review.state != ClosureReview.State.SUBMITTED:
        raise ValidationError(_("Only a grid awaiting signature can be sent back."))
    if not may_sign(actor, review):
        raise PermissionDenied(_("You are not among the people who may sign this grid."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what must change.")})
    review = _save_with_changes(actor=actor, obj=review, expected_version=None, reason=comment,
                                action="monitoring.closurereview.return",
                                changes={"state": ClosureReview.State.DRAFT, "submitted_at": None})
    approvals.settle(CLOSURE_APPROVAL, review)
    notify(recipient=review.prepared_by, url=review.get_absolute_url(), kind="monitoring.closure", body=comment,
           title=gettext_lazy("Closure grid of “%(system)s” sent back"), params={"system": str(review.system)})
    return review
