"""Gap analysis: start a campaign (rows copied from the catalogue, statuses carried over from the last campaign of the
framework), assess each requirement, score per clause and per framework, snapshot the scores for the trend, close."""

from __future__ import annotations

from collections import OrderedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims.core import context, ledger
from aims.core.permissions import ADD, CHANGE, require
from aims.core.services import _save_with_changes, clean_for_create

from ..models import Framework, GapAssessment, GapSnapshot, Requirement, RequirementAssessment
from ._common import clean_text

# A requirement partially met counts half; one not assessed counts nothing (an unassessed requirement is a gap until
# someone shows otherwise).
WEIGHTS = {RequirementAssessment.Status.CONFORMING: 1.0, RequirementAssessment.Status.PARTIAL: 0.5,
           RequirementAssessment.Status.NONCONFORMING: 0.0, RequirementAssessment.Status.NOT_ASSESSED: 0.0}


def _groups(requirements: list[Requirement]) -> dict[int, Requirement]:
    """requirement id -> its top-level ancestor (the clause, Annex A group, function...)."""
    by_id = {r.pk: r for r in Requirement.objects.filter(framework_id__in={r.framework_id for r in requirements})}
    roots = {}
    for requirement in requirements:
        current = requirement
        while current.parent_id and current.parent_id in by_id:
            current = by_id[current.parent_id]
        roots[requirement.pk] = current
    return roots


@transaction.atomic
def start_assessment(*, actor, framework: Framework, title: str, carry_over: bool = True) -> GapAssessment:
    require(actor, ADD, domain="compliance", unit=None)
    title = clean_text(title, "title", required=True, limit=200, message=_("Give the assessment a title."))
    requirements = list(Requirement.objects.filter(framework=framework, assessable=True, is_active=True)
                        .order_by("position"))
    if not requirements:
        raise ValidationError({"framework": _("This framework has no assessable requirement.")})
    # The edition loaded now (the caller's copy of the framework may predate a catalogue update).
    edition = Framework.objects.filter(pk=framework.pk).values_list("catalogue_version", flat=True).get()
    assessment = GapAssessment(framework=framework, title=title, catalogue_version=edition, started_by=actor)
    clean_for_create(assessment)
    assessment.save()
    previous = {}
    if carry_over:
        last = GapAssessment.objects.filter(framework=framework).exclude(pk=assessment.pk).order_by(
            "-started_at", "-pk").first()
        if last is not None:
            previous = {row.requirement_id: row for row in last.rows.all()}
    roots = _groups(requirements)
    rows = []
    for position, requirement in enumerate(requirements):
        root = roots[requirement.pk]
        before = previous.get(requirement.pk)
        rows.append(RequirementAssessment(
            assessment=assessment, requirement=requirement, code=requirement.code or requirement.ref,
            title_en=requirement.title_en, title_fr=requirement.title_fr, position=position,
            group_code=root.code or root.ref if root.pk != requirement.pk else "",
            group_title_en=root.title_en if root.pk != requirement.pk else "",
            group_title_fr=root.title_fr if root.pk != requirement.pk else "",
            status=before.status if before else RequirementAssessment.Status.NOT_ASSESSED,
            notes=before.notes if before else ""))
    RequirementAssessment.objects.bulk_create(rows)
    ledger.record(actor=actor, action="compliance.gapassessment.create", obj=assessment,
                  after={**ledger.snapshot(assessment), "requirements": len(rows), "carried_over": len(previous)})
    return assessment


@transaction.atomic
def assess_requirement(*, actor, row: RequirementAssessment, status: str, notes: str = "",
                       expected_version: int | None = None) -> RequirementAssessment:
    require(actor, CHANGE, row)
    if row.assessment.status != GapAssessment.Status.OPEN:
        raise ValidationError(_("This assessment is closed; start a new one to assess again."))
    if status not in RequirementAssessment.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    notes = clean_text(notes, "notes")
    if status in (RequirementAssessment.Status.PARTIAL, RequirementAssessment.Status.NONCONFORMING) and not notes:
        raise ValidationError({"notes": _("Say what is missing.")})
    return _save_with_changes(actor=actor, obj=row, expected_version=expected_version, reason="",
                              changes={"status": status, "notes": notes, "assessed_by": actor,
                                       "assessed_at": context.now()})


def scores(assessment: GapAssessment) -> dict:
    """{"score", "counts", "by_group": OrderedDict(code -> {title_en, title_fr, score, assessed, total})}."""
    rows = list(assessment.rows.values("group_code", "group_title_en", "group_title_fr", "status", "position")
                .order_by("position"))
    by_group: OrderedDict = OrderedDict()
    counts = {status: 0 for status in RequirementAssessment.Status.values}
    for row in rows:
        counts[row["status"]] += 1
        group = by_group.setdefault(row["group_code"] or "—", {"title_en": row["group_title_en"],
                                                              "title_fr": row["group_title_fr"], "points": 0.0,
                                                              "assessed": 0, "total": 0})
        group["points"] += WEIGHTS[row["status"]]
        group["total"] += 1
        group["assessed"] += row["status"] != RequirementAssessment.Status.NOT_ASSESSED
    for group in by_group.values():
        group["score"] = round(100 * group.pop("points") / group["total"], 1) if group["total"] else 0.0
    total = len(rows)
    points = sum(WEIGHTS[row["status"]] for row in rows)
    return {"score": round(100 * points / total, 1) if total else 0.0, "counts": counts, "by_group": by_group}


@transaction.atomic
def take_snapshot(*, actor, assessment: GapAssessment, only_if_changed: bool = False) -> GapSnapshot | None:
    """Record the scores now (the trend chart's points). With only_if_changed, nothing is recorded when the scores are
    those of the last snapshot."""
    if actor is not None:
        require(actor, CHANGE, assessment)
    result = scores(assessment)
    last = assessment.snapshots.order_by("-taken_at", "-pk").first()
    if only_if_changed and last is not None and last.counts == result["counts"] and \
            {k: v["score"] for k, v in last.by_group.items()} == {k: v["score"] for k, v in result["by_group"].items()}:
        return None
    snapshot = GapSnapshot(assessment=assessment, framework=assessment.framework, taken_at=context.now(),
                           catalogue_version=assessment.catalogue_version, score=result["score"],
                           by_group=dict(result["by_group"]), counts=result["counts"])
    snapshot.save()
    ledger.record(actor=actor, action="compliance.gapsnapshot.create", obj=assessment,
                  after={"score": snapshot.score, "counts": snapshot.counts})
    return snapshot


@transaction.atomic
def close_assessment(*, actor, assessment: GapAssessment, reason: str = "") -> GapAssessment:
    require(actor, CHANGE, assessment)
    if assessment.status != GapAssessment.Status.OPEN:
        raise ValidationError(_("This assessment is already closed."))
    snapshot = take_snapshot(actor=actor, assessment=assessment)
    return _save_with_changes(actor=actor, obj=assessment, expected_version=None, reason=reason,
                              action="compliance.gapassessment.close",
                              changes={"status": GapAssessment.Status.CLOSED, "closed_by": actor,
                                       "closed_at": context.now(), "score": snapshot.score})
