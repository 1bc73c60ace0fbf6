"""Risk reviews: opened periodically, by events (see aims.risks.triggers) or by hand; completed with an outcome."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from aims.catalogs import CatalogError, load_catalog
from aims.core import context, ledger
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import CHANGE
from aims.core.services import _create, _save_with_changes
from aims.core.stored_text import Text

from .. import review_reasons
from ..models import Risk, RiskAcceptance, RiskReview
from ._common import clean_text, require_active_method, require_or_system, review_due
from .acceptance import sync_acceptance_request
from .risks import next_review_for, risk_url, scored_changes


def due_days(source: str) -> int:
    """How many days the owner has for a review opened by `source` (catalogs/review_triggers.yaml)."""
    value = load_catalog("review_triggers").get("due_days", {}).get(source)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CatalogError(f"review_triggers: due_days.{source} must be a whole number of days, at least 1")
    return value


def review_task_source(review: RiskReview) -> str:
    return f"risks.review.{review.pk}"


def open_review(*, actor, risk: Risk, source: str, reason) -> RiskReview:
    """Open a pending review (or add the reason to the one already pending), notify the owner, put it in their tasks.

    `reason` is stored as a fact (aims.risks.review_reasons): a `Text` or lazy message the product writes, rendered
    in each reader's language, or a plain string a person typed, kept as typed. No permission check: callers are
    trusted code (the trigger API, jobs, `request_risk_review`). Must run inside the caller's transaction.
    """
    if source not in RiskReview.Source.values:
        raise ValidationError({"source": _("Unknown review trigger.")})
    if not isinstance(reason, (Text, Promise)):
        reason = clean_text(reason, "reason", required=True, limit=5000)
    fact = review_reasons.entry(source, reason)
    logged = review_reasons.english(reason)[:5000]
    pending = RiskReview.objects.select_for_update().filter(risk=risk, status=RiskReview.Status.PENDING).first()
    if pending is not None:
        # Same review, one more reason: the owner reviews once with everything in front of them.
        due = min(pending.due_date, review_due(due_days(source)))
        facts = [*(pending.facts or []), fact]
        return _save_with_changes(actor=actor, obj=pending, expected_version=None, reason=logged,
                                  action="risks.riskreview.retrigger",
                                  changes={"facts": facts, "reason": review_reasons.typed_text(facts)[:20000], "due_date": due})
    person = actor if getattr(actor, "pk", None) else None
    review = _create(actor=actor, reason=logged, obj=RiskReview(
        risk=risk, source=source, facts=[fact], reason=review_reasons.typed_text([fact]), requested_by=person,
        requested_by_label="" if person else (actor if isinstance(actor, str) else context.system_actor()),
        due_date=review_due(due_days(source)), level_before=risk.current_level,
    ))
    url = risk_url(risk.pk)
    open_task(assignee=risk.owner, title=gettext_lazy("Review the risk “%(title)s”"), params={"title": risk.title},
              source=review_task_source(review), url=url, due_date=review.due_date)
    # The reason as a fact too: the notification reads in the owner's language, whoever triggered it.
    notify(recipient=risk.owner, title=gettext_lazy("A review of the risk “%(title)s” is due by %(date)s"),
           body=gettext_lazy("Reason: %(reason)s"), params={"title": risk.title, "date": review.due_date,
                                                             "reason": reason}, url=url, kind="risk")
    return review


@transaction.atomic
def request_risk_review(*, actor, risk: Risk, reason: str) -> RiskReview:
    """A person asks for a review of one risk."""
    require_or_system(actor, CHANGE, risk)
    if risk.status == Risk.Status.CLOSED:
        raise ValidationError(_("This risk is closed."))
    return open_review(actor=actor, risk=risk, source=RiskReview.Source.MANUAL, reason=reason)


@transaction.atomic
def complete_review(*, actor, review: RiskReview, outcome: str, notes: str,
                    inherent_likelihood: int | None = None, inherent_impact: int | None = None,
                    residual_likelihood: int | None = None, residual_impact: int | None = None,
                    expected_version: int | None = None) -> RiskReview:
    """Record who reviewed, when, and the outcome. "rescored" re-scores the risk with the *active* method (the review
    records that version); "closed" closes the risk; every outcome sets the next periodic review date."""
    if actor is None or not getattr(actor, "pk", None):
        raise PermissionDenied(_("Only a person can complete a review."))
    require_or_system(actor, CHANGE, review)
    if review.status != RiskReview.Status.PENDING:
        raise ValidationError(_("This review is already completed."))
    if outcome not in RiskReview.Outcome.values:
        raise ValidationError({"outcome": _("Choose unchanged, rescored or closed.")})
    notes = clean_text(notes, "notes", required=True)
    risk = Risk.objects.select_for_update().get(pk=review.risk_id)
    level_before = risk.current_level
    if outcome == RiskReview.Outcome.RESCORED:
        method = require_active_method()
        if inherent_likelihood is None and inherent_impact is None:
            inherent_likelihood, inherent_impact = risk.inherent_likelihood, risk.inherent_impact
        if inherent_likelihood is None:
            raise ValidationError({"inherent_likelihood": _("Give the new scores.")})
        changes = scored_changes(method=method, category=risk.category,
                                 inherent=(inherent_likelihood, inherent_impact),
                                 residual=(residual_likelihood, residual_impact))
        if risk.status in (Risk.Status.IDENTIFIED, Risk.Status.CLOSED):
            changes["status"] = Risk.Status.ASSESSED
    elif outcome == RiskReview.Outcome.CLOSED:
        method = risk.method
        changes = {"status": Risk.Status.CLOSED}
    else:
        method = risk.method
        changes = {}
    if outcome != RiskReview.Outcome.CLOSED:
        level = changes.get("residual_level") or changes.get("inherent_level") or risk.current_level
        changes["next_review_date"] = next_review_for(method, level)
    else:
        changes["next_review_date"] = None
    risk = _save_with_changes(actor=actor, obj=risk, changes=changes, reason=notes, expected_version=None,
                              action=f"risks.risk.review_{outcome}")
    sync_acceptance_request(risk)
    review = _save_with_changes(
        actor=actor, obj=review, reason=notes, expected_version=expected_version, action="risks.riskreview.complete",
        changes={"status": RiskReview.Status.COMPLETED, "outcome": outcome, "notes": notes, "completed_by": actor,
                 "completed_at": context.now(), "level_before": level_before, "level_after": risk.current_level,
                 "method": method},
    )
    close_tasks(source=review_task_source(review))
    return review


def expire_acceptance(*, actor, acceptance: RiskAcceptance) -> RiskReview | None:
    """An acceptance past its date ends; the risk goes back to "assessed" and a review is opened for its owner.

    Called by the daily job (trusted, no permission check); must run inside its transaction.
    """
    reason = gettext_lazy("The acceptance reached its expiry date.")
    _save_with_changes(actor=actor, obj=acceptance, expected_version=None, reason=reason,
                       action="risks.riskacceptance.expire",
                       changes={"status": RiskAcceptance.Status.EXPIRED, "ended_at": context.now()})
    risk = acceptance.risk
    if risk.status == Risk.Status.CLOSED:
        return None
    if risk.status == Risk.Status.ACCEPTED:
        _save_with_changes(actor=actor, obj=risk, changes={"status": Risk.Status.ASSESSED}, reason=reason,
                           expected_version=None, action="risks.risk.acceptance_expired")
        sync_acceptance_request(risk)
    return open_review(actor=actor, risk=risk, source=RiskReview.Source.ACCEPTANCE_EXPIRED, reason=reason)


def record_reminder(*, actor, obj, title, params: dict, url: str, recipient, on=None) -> None:
    """An overdue reminder: a notification and a ledger line (so an auditor sees the reminders were sent)."""
    notify(recipient=recipient, title=title, params=params, url=url, kind="reminder")
    type(obj).objects.filter(pk=obj.pk).update(reminded_on=on or context.today())
    ledger.record(actor=actor, action=f"{ledger.object_type_of(obj)}.remind", obj=obj,
                  after={"recipient_id": recipient.pk})
