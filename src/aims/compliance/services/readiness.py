"""Readiness of a control, computed, never typed: a control is ready only when

- it is in place or effective;
- every active test's latest result is a pass, performed within the test's frequency;
- every policy it relies on has an approved version published and its review is not overdue;
- it has evidence, and every evidence item linked to it is fresh (valid, not expired, not to re-confirm).

`refresh_readiness` stores the outcome with its reasons (codes and values, turned into words when shown) and ledgers
each change; a control that stops being ready gives its owner a task, closed when it is ready again. It runs after
every event that can change the outcome (a test result, evidence changes, a policy decision, an edit) and daily
(dates pass: `compliance-readiness`).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, ledger
from aims.core.notifications import close_tasks, notify, open_task

from ..models import Control, ControlTestResult


def _reason(code: str, **params) -> dict:
    return {"code": code, **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items()}}


def _test_reasons(control: Control, day: date) -> list[dict]:
    tests = [t for t in control.tests.all() if t.is_active] if control.pk else []
    if not tests:
        return [_reason("no_test")]
    latest = {}
    for result in ControlTestResult.objects.filter(test__in=tests).order_by("test_id", "-performed_on", "-id"):
        latest.setdefault(result.test_id, result)
    reasons = []
    for test in tests:
        result = latest.get(test.pk)
        if result is None:
            reasons.append(_reason("test_never_run", test=test.name))
        elif result.result != ControlTestResult.Result.PASS:
            reasons.append(_reason("test_not_passed", test=test.name, result=result.result, on=result.performed_on))
        elif result.performed_on + timedelta(days=test.valid_days) < day:
            reasons.append(_reason("test_stale", test=test.name, on=result.performed_on))
    return reasons


def _policy_reasons(control: Control, day: date) -> list[dict]:
    policies = getattr(control, "policies", None) if control.pk else None
    if policies is None:
        return []
    reasons = []
    for policy in policies.all():
        if policy.published_version_id is None:
            reasons.append(_reason("policy_not_published", policy=str(policy)))
        elif policy.next_review_date and policy.next_review_date < day:
            reasons.append(_reason("policy_review_overdue", policy=str(policy), on=policy.next_review_date))
    return reasons


def _evidence_reasons(control: Control, day: date) -> list[dict]:
    from aims.evidence.links import items_linked_to

    items = list(items_linked_to([control]).order_by("reference")) if control.pk else []
    if not items:
        return [_reason("no_evidence")]
    return [_reason("evidence_not_fresh", evidence=item.reference, state=item.freshness(day))
            for item in items if not item.is_fresh(day)]


def compute(control: Control, on: date | None = None) -> list[dict]:
    """Why `control` is not ready on `on` (empty: it is ready)."""
    day = on or context.today()
    reasons = []
    if control.status not in (Control.Status.IN_PLACE, Control.Status.EFFECTIVE):
        reasons.append(_reason("status", status=control.status))
    return reasons + _test_reasons(control, day) + _policy_reasons(control, day) + _evidence_reasons(control, day)


@transaction.atomic
def refresh_readiness(*, control: Control, actor=None, on: date | None = None) -> bool:
    """Recompute and store; True when the outcome or its reasons changed. Trusted code: no permission check."""
    reasons = compute(control, on)
    ready = not reasons
    # The stored outcome, not the caller's copy (which may have been read before another change made it ready).
    stored = Control.objects.select_for_update().filter(pk=control.pk).values("is_ready", "readiness_reasons").get()
    Control.objects.filter(pk=control.pk).update(readiness_checked_at=context.now())
    if ready == stored["is_ready"] and reasons == stored["readiness_reasons"]:
        control.is_ready, control.readiness_reasons = ready, reasons
        return False
    # The ledger keeps which conditions failed; their details (test names, dates) stay on the control.
    before = {"is_ready": stored["is_ready"], "not_ready_because": [r["code"] for r in stored["readiness_reasons"]]}
    was_ready = stored["is_ready"]
    control.is_ready, control.readiness_reasons = ready, reasons
    Control.objects.filter(pk=control.pk).update(is_ready=ready, readiness_reasons=reasons)
    ledger.record(actor=actor, action="compliance.control.readiness", obj=control, before=before,
                  after={"is_ready": ready, "not_ready_because": [r["code"] for r in reasons]})
    source = f"compliance.readiness.{control.pk}"
    if ready:
        close_tasks(source=source)
    elif was_ready:  # it was ready and no longer is: the owner must act
        with translation.override(control.owner.language or "en"):  # the reason in the owner's language
            why = describe(reasons[0])
        params = {"control": str(control), "why": why}
        notify(recipient=control.owner, title=gettext_lazy("Control %(control)s is no longer ready"),
               body=why, params=params, url=control.get_absolute_url(), kind="compliance.readiness")
        open_task(assignee=control.owner, title=gettext_lazy("Make control %(control)s ready again: %(why)s"),
                  source=source, url=control.get_absolute_url(), params=params)
    return True


def refresh_many(controls, *, actor=None, on: date | None = None) -> int:
    count = 0
    for control in controls:
        count += refresh_readiness(control=control, actor=actor, on=on)
    return count


def _date(value: str) -> str:
    try:
        return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")
    except (TypeError, ValueError):
        return str(value)


def describe(reason: dict) -> str:
    """A stored reason in the reader's language."""
    code = reason.get("code")
    if code == "status":
        labels = dict(Control.Status.choices)
        return _("The control is %(status)s, not in place.") % {"status": str(labels.get(reason.get("status"), ""))
                                                                 .lower()}
    if code == "no_test":
        return _("No test is defined.")
    if code == "test_never_run":
        return _("Test “%(test)s” has never been run.") % reason
    if code == "test_not_passed":
        labels = dict(ControlTestResult.Result.choices)
        return _("Test “%(test)s” did not pass on %(date)s (%(result)s).") % {
            "test": reason.get("test"), "date": _date(reason.get("on")),
            "result": str(labels.get(reason.get("result"), reason.get("result"))).lower()}
    if code == "test_stale":
        return _("Test “%(test)s” last passed on %(date)s, longer ago than its frequency.") % {
            "test": reason.get("test"), "date": _date(reason.get("on"))}
    if code == "policy_not_published":
        return _("Policy “%(policy)s” has no approved, published version.") % reason
    if code == "policy_review_overdue":
        return _("The review of policy “%(policy)s” was due on %(date)s.") % {
            "policy": reason.get("policy"), "date": _date(reason.get("on"))}
    if code == "no_evidence":
        return _("No evidence is attached.")
    if code == "evidence_not_fresh":
        from aims.evidence.models import Freshness

        state = dict(Freshness.choices).get(reason.get("state"), reason.get("state"))
        return _("Evidence %(evidence)s is not fresh (%(state)s).") % {"evidence": reason.get("evidence"),
                                                                        "state": str(state).lower()}
    return str(code)
