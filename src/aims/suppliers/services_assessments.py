"""Assessments of a supplier (started, then completed with the owner's score), and the text rule the supplier services
share. A base module: services.py and services_questionnaires.py both use it (and services re-exports it), so neither
imports the other in a circle."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims.core import context
from aims.core.permissions import CHANGE, require
from aims.core.services import _create, _save_with_changes, stamp_new

from .models import Assessment, Supplier


def _text(value, field: str, *, required: bool = False, limit: int = 20000, message=None) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if required and not value:
        raise ValidationError({field: message or _("This field is required.")})
    if isinstance(value, str) and len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return value


# --- Assessments -------------------------------------------------------------------------------------------------------

@transaction.atomic
def start_assessment(*, actor, supplier: Supplier, summary: str = "") -> Assessment:
    require(actor, CHANGE, supplier)
    assessment = Assessment(supplier=supplier, summary=_text(summary, "summary"), started_at=context.now())
    stamp_new(assessment)
    return _create(actor=actor, obj=assessment)


@transaction.atomic
def complete_assessment(*, actor, assessment: Assessment, score: int, summary: str = "") -> Assessment:
    """The owner's review: the score (0-100) and what it rests on; the assessment is then completed."""
    assessment = Assessment.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=assessment.pk)
    require(actor, CHANGE, assessment.supplier)
    if assessment.state != Assessment.State.IN_PROGRESS:
        raise ValidationError(_("This assessment is already completed."))
    if score is None or not 0 <= int(score) <= 100:
        raise ValidationError({"score": _("Give a score between 0 and 100.")})
    changes = {"state": Assessment.State.COMPLETED, "score": int(score), "completed_at": context.now(),
               "reviewed_by": actor}
    if summary:
        changes["summary"] = _text(summary, "summary")
    assessment = _save_with_changes(actor=actor, obj=assessment, changes=changes, reason="", expected_version=None,
                                    action="suppliers.assessment.complete")
    from .services_reassessment import close_reassessment_task

    close_reassessment_task(assessment.supplier_id)
    return assessment


def latest_completed(supplier: Supplier) -> Assessment | None:
    return supplier.assessments.filter(state=Assessment.State.COMPLETED).order_by("-completed_at", "-pk").first()
