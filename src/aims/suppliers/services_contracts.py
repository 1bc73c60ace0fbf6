"""State changes of supplier contracts (with their clause checklist), audits (findings, actions), exit and continuity
plans and supplier change events. Each function checks permission, changes state and writes its ledger event in one
transaction; pages, API and the demo call these.

The onboarding gate (services.onboarding_gaps) reads the clauses through `clause_gaps`: once a supplier has a contract
recorded, only the clauses marked present in a contract in force count; before that, the clauses declared on the
supplier itself do (the register's earlier, summary way of recording them).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.catalogs import load_catalog
from aims.core import context
from aims.core.assignment import check_assignee
from aims.core.models import Task
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import CHANGE, require
from aims.core.services import _create, _save_with_changes, stamp_new
from aims.core.stored_text import Text

from .catalog import CRITICALITY_ORDER, clause_catalogue, required_clauses
from .models import Supplier
from .models_contracts import (
    AuditAction, AuditFinding, ChangeKind, ClauseStatus, Contract, ExitPlan, Renewal, Severity, SupplierAudit,
    SupplierChange,
)

CATALOG = "supplier_contracts"
CONTRACT_FIELDS = ("title", "reference", "start_date", "end_date", "renewal", "notice_days", "clauses")


def contracts_catalogue() -> dict:
    return load_catalog(CATALOG)


def notice_reminder_days() -> tuple[int, ...]:
    return tuple(sorted((int(d) for d in contracts_catalogue().get("notice_reminder_days", [])), reverse=True))


def _text(value, field: str, *, required: bool = False, limit: int = 20000, message=None) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    if required and not value:
        raise ValidationError({field: message or _("This field is required.")})
    if isinstance(value, str) and len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return value


# --- Contracts and their clause checklist -------------------------------------------------------------------------

def check_clause_checklist(clauses) -> dict:
    """{key: {"status": ..., "reference": ...}} for catalogue clauses only, in catalogue order; a clause given as a
    bare status string is accepted."""
    if not isinstance(clauses, dict):
        raise ValidationError({"clauses": _("Give the clauses as a mapping of clause to status.")})
    known = [c["key"] for c in clause_catalogue()]
    unknown = sorted(set(clauses) - set(known))
    if unknown:
        raise ValidationError({"clauses": _("Unknown clauses: %(keys)s.") % {"keys": ", ".join(unknown)}})
    checked = {}
    for key in known:
        if key not in clauses:
            continue
        entry = clauses[key]
        entry = {"status": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict) or entry.get("status") not in ClauseStatus.values \
                or set(entry) - {"status", "reference"}:
            raise ValidationError({"clauses": _("Each clause needs a status: present, partial or absent.")})
        reference = _text(entry.get("reference", ""), "clauses", limit=200)
        checked[key] = {"status": entry["status"], "reference": reference} if reference else {
            "status": entry["status"]}
    return checked


def _contract_changes(changes: dict) -> dict:
    unknown = set(changes) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if "title" in changes:
        changes["title"] = _text(changes["title"], "title", required=True, limit=200,
                                 message=_("Give the contract a title."))
    if "reference" in changes:
        changes["reference"] = _text(changes["reference"], "reference", limit=100)
    if "renewal" in changes and changes["renewal"] not in Renewal.values:
        raise ValidationError({"renewal": _("Choose how the contract is renewed.")})
    if "clauses" in changes:
        changes["clauses"] = check_clause_checklist(changes["clauses"] or {})
    return changes


@transaction.atomic
def create_contract(*, actor, supplier: Supplier, title: str, start_date, end_date=None, renewal: str = "manual",
                    notice_days: int | None = None, reference: str = "", clauses=None, reason: str = "") -> Contract:
    require(actor, CHANGE, supplier)
    fields = _contract_changes({"title": title, "reference": reference, "start_date": start_date,
                                "end_date": end_date, "renewal": renewal or Renewal.MANUAL,
                                "notice_days": notice_days, "clauses": clauses or {}})
    contract = Contract(supplier=supplier, **fields)
    if contract.start_date is None:
        raise ValidationError({"start_date": _("Give the start date.")})
    contract.notice_deadline = contract.computed_notice_deadline()
    stamp_new(contract)
    return _create(actor=actor, obj=contract, reason=reason)


@transaction.atomic
def update_contract(*, actor, contract: Contract, changes: dict, expected_version: int | None = None,
                    reason: str = "") -> Contract:
    require(actor, CHANGE, contract.supplier)
    changes = _contract_changes(dict(changes))
    probe = Contract(end_date=changes.get("end_date", contract.end_date),
                     notice_days=changes.get("notice_days", contract.notice_days))
    deadline = probe.computed_notice_deadline()
    if deadline != contract.notice_deadline:
        changes["notice_deadline"] = deadline
    return _save_with_changes(actor=actor, obj=contract, changes=changes, reason=reason,
                              expected_version=expected_version)


def set_clause(*, actor, contract: Contract, key: str, status: str, reference: str = "") -> Contract:
    clauses = dict(contract.clauses)
    clauses[key] = {"status": status, "reference": reference}
    return update_contract(actor=actor, contract=contract, changes={"clauses": clauses})


def contracts_in_force(supplier: Supplier, day=None):
    day = day or context.today()
    return supplier.contracts.filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


def clause_coverage(supplier: Supplier, day=None) -> dict[str, dict]:
    """Each clause's best status over the supplier's contracts in force, with the contract and reference that give
    it: {key: {"status", "contract", "reference"}}. Without any contract recorded, the clauses declared on the
    supplier count as present (no contract to name)."""
    rank = {ClauseStatus.ABSENT: 0, ClauseStatus.PARTIAL: 1, ClauseStatus.PRESENT: 2}
    if not supplier.pk or not supplier.contracts.exists():
        return {key: {"status": ClauseStatus.PRESENT, "contract": None, "reference": ""} for key in supplier.clauses}
    coverage: dict[str, dict] = {}
    for contract in contracts_in_force(supplier, day).order_by("-start_date", "-pk"):
        for key, entry in (contract.clauses or {}).items():
            status = entry.get("status", ClauseStatus.ABSENT)
            if key not in coverage or rank[status] > rank[coverage[key]["status"]]:
                coverage[key] = {"status": status, "contract": contract, "reference": entry.get("reference", "")}
    return coverage


def missing_clauses(supplier: Supplier, coverage: dict | None = None) -> list[str]:
    """The required clauses (by the supplier's criticality) no contract in force holds in full."""
    coverage = clause_coverage(supplier) if coverage is None else coverage
    return [key for key in required_clauses(supplier.criticality)
            if coverage.get(key, {}).get("status") != ClauseStatus.PRESENT]


def clause_gaps(supplier: Supplier) -> list[Text]:
    """The onboarding gaps about clauses, each naming the clauses (catalogue keys, rendered as labels when shown)."""
    coverage = clause_coverage(supplier)
    missing = missing_clauses(supplier, coverage)
    partial = [key for key in missing if coverage.get(key, {}).get("status") == ClauseStatus.PARTIAL]
    absent = [key for key in missing if key not in partial]
    gaps = []
    if absent:
        gaps.append(Text(gettext_lazy("Missing contract clauses: %(clauses)s."), clauses=absent))
    if partial:
        gaps.append(Text(gettext_lazy("Contract clauses only partly covered: %(clauses)s."), clauses=partial))
    return gaps


def send_notice_reminders(*, today=None) -> int:
    """Give the supplier's owner (else its backup) a task opening the contract, and a notification, as each
    contract's notice deadline approaches. Idempotent: the task's source names the contract, its deadline and the
    threshold, so a second run sends nothing new; a changed deadline starts a new series. Returns how many were sent."""
    today = today or context.today()
    thresholds = notice_reminder_days()
    if not thresholds:
        return 0
    sent = 0
    contracts = (Contract.objects.filter(notice_deadline__gte=today,
                                         notice_deadline__lte=today + timedelta(days=max(thresholds)))
                 .select_related("supplier__owner", "supplier__backup").order_by("notice_deadline", "pk"))
    for contract in contracts:
        supplier = contract.supplier
        person = next((p for p in (supplier.owner, supplier.backup) if p is not None and p.is_active), None)
        if person is None:
            continue
        days_left = (contract.notice_deadline - today).days
        threshold = min(t for t in thresholds if days_left <= t)
        source = f"suppliers.contract_notice.{contract.pk}.{contract.notice_deadline.isoformat()}.{threshold}"
        if Task.objects.filter(assignee=person, source=source).exists():
            continue
        params = {"contract": str(contract), "supplier": supplier.legal_name, "date": contract.notice_deadline,
                  "days": days_left}
        with transaction.atomic():
            open_task(assignee=person, source=source, url=contract.get_absolute_url(),
                      due_date=contract.notice_deadline, params=params,
                      title=gettext_lazy("Decide whether to renew “%(contract)s” with %(supplier)s before "
                                         "%(date)s"))
            notify(recipient=person, kind="suppliers.contract_notice", url=contract.get_absolute_url(), params=params,
                   title=gettext_lazy("Notice deadline of “%(contract)s” (%(supplier)s): %(date)s"),
                   body=gettext_lazy("%(days)s days left to give notice. Decide whether to renew, renegotiate or "
                                     "terminate, and record it on the contract."))
        sent += 1
    return sent


# --- Audits, findings, actions ------------------------------------------------------------------------------------

@transaction.atomic
def record_audit(*, actor, supplier: Supplier, title: str, audit_date, auditor: str = "", scope: str = "",
                 conclusion: str = "") -> SupplierAudit:
    require(actor, CHANGE, supplier)
    if audit_date is None:
        raise ValidationError({"audit_date": _("Give the date of the audit.")})
    audit = SupplierAudit(supplier=supplier, title=_text(title, "title", required=True, limit=200),
                          audit_date=audit_date, auditor=_text(auditor, "auditor", limit=200),
                          scope=_text(scope, "scope"), conclusion=_text(conclusion, "conclusion"))
    stamp_new(audit)
    return _create(actor=actor, obj=audit)


@transaction.atomic
def add_finding(*, actor, audit: SupplierAudit, title: str, severity: str = "medium",
                description: str = "") -> AuditFinding:
    require(actor, CHANGE, audit.supplier)
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Choose a severity.")})
    finding = AuditFinding(audit=audit, title=_text(title, "title", required=True, limit=200), severity=severity,
                           description=_text(description, "description"))
    stamp_new(finding)
    return _create(actor=actor, obj=finding)


def _action_source(action: AuditAction) -> str:
    return f"suppliers.audit_action.{action.pk}"


@transaction.atomic
def add_audit_action(*, actor, finding: AuditFinding, title: str, owner, due_date=None) -> AuditAction:
    """An action on a finding: its owner gets a task opening the audit."""
    supplier = finding.audit.supplier
    require(actor, CHANGE, supplier)
    if owner is None:
        raise ValidationError({"owner": _("Name who carries out the action.")})
    check_assignee(actor=actor, person=owner, action=CHANGE, domain="suppliers", unit=supplier.unit, field="owner",
                   what=_("owner of an audit action on %(supplier)s") % {"supplier": supplier.legal_name})
    action = AuditAction(finding=finding, title=_text(title, "title", required=True, limit=200), owner=owner,
                         due_date=due_date)
    stamp_new(action)
    action = _create(actor=actor, obj=action)
    open_task(assignee=owner, source=_action_source(action), url=action.get_absolute_url(), due_date=due_date,
              title=gettext_lazy("Audit action on %(supplier)s: %(action)s"),
              params={"supplier": supplier.legal_name, "action": action.title})
    return action


@transaction.atomic
def complete_audit_action(*, actor, action: AuditAction) -> AuditAction:
    supplier = action.finding.audit.supplier
    if actor.pk != action.owner_id:
        require(actor, CHANGE, supplier)
    if action.done_at is not None:
        raise ValidationError(_("This action is already done."))
    action = _save_with_changes(actor=actor, obj=action, changes={"done_at": context.now()}, reason="",
                                expected_version=None)
    close_tasks(source=_action_source(action))
    return action


def may_complete(user, action: AuditAction) -> bool:
    return action.done_at is None and (user.pk == action.owner_id or Supplier.objects.restrict(user, CHANGE).filter(
        pk=action.finding.audit.supplier_id).exists())


# --- Exit and continuity plans ------------------------------------------------------------------------------------

EXIT_FIELDS = ("strategy", "alternatives", "continuity", "last_tested_on", "test_result")


def exit_plan_required(supplier: Supplier) -> bool:
    level = contracts_catalogue().get("exit_plan", {}).get("required_from", "critical")
    return CRITICALITY_ORDER.index(supplier.criticality or "") >= CRITICALITY_ORDER.index(level)


def exit_test_due(plan: ExitPlan):
    """The date by which the plan must be tested again (None when never tested: due now)."""
    if plan.last_tested_on is None:
        return None
    months = int(contracts_catalogue().get("exit_plan", {}).get("test_every_months", 12))
    return plan.last_tested_on + timedelta(days=round(months * 365.25 / 12))


def exit_test_overdue(plan: ExitPlan, day=None) -> bool:
    due = exit_test_due(plan)
    return due is None or due < (day or context.today())


@transaction.atomic
def save_exit_plan(*, actor, supplier: Supplier, changes: dict, expected_version: int | None = None,
                   reason: str = "") -> ExitPlan:
    """Create or change the supplier's exit and continuity plan (one per supplier)."""
    require(actor, CHANGE, supplier)
    unknown = set(changes) - set(EXIT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    for field in ("strategy", "alternatives", "continuity", "test_result"):
        if field in changes:
            changes[field] = _text(changes[field], field, required=field == "strategy",
                                   message=_("Say how we would leave the supplier."))
    if changes.get("last_tested_on") and changes["last_tested_on"] > context.today():
        raise ValidationError({"last_tested_on": _("A test date cannot be in the future.")})
    plan = ExitPlan.objects.filter(supplier=supplier).first()
    if plan is None:
        plan = ExitPlan(supplier=supplier, **changes)
        if not plan.strategy:
            raise ValidationError({"strategy": _("Say how we would leave the supplier.")})
        stamp_new(plan)
        return _create(actor=actor, obj=plan, reason=reason)
    return _save_with_changes(actor=actor, obj=plan, changes=changes, reason=reason,
                              expected_version=expected_version)


# --- Supplier change events ----------------------------------------------------------------------------------------

@transaction.atomic
def record_supplier_change(*, actor, supplier: Supplier, kind: str, occurred_on, description: str) -> SupplierChange:
    """Record what happened at the supplier, and ask the owners of the risks linked to what it supplies (its
    components and dependencies, and the systems using them) to review them (aims.risks.triggers)."""
    from aims.inventory.models import ComponentDependency
    from aims.risks.triggers import request_review

    require(actor, CHANGE, supplier)
    if kind not in ChangeKind.values:
        raise ValidationError({"kind": _("Choose the kind of change.")})
    if occurred_on is None:
        raise ValidationError({"occurred_on": _("Give the date of the change.")})
    description = _text(description, "description", required=True, message=_("Say what changed."))
    supplies = list(supplier.supplies.values_list("component_id", "dependency_id"))
    dependencies = [d for _c, d in supplies if d]
    # The supplied components, and those resting on a supplied dependency: request_review also reaches the risks of
    # every system using them.
    components = {c for c, _d in supplies if c} | set(ComponentDependency.objects.filter(
        dependency__in=dependencies).values_list("component_id", flat=True))
    reviews = request_review(
        actor=actor, source="supplier_change",
        # A fact: each risk owner reads the kind of change and the date in their language.
        reason=Text(gettext_lazy("%(supplier)s: %(kind)s (%(date)s): %(description)s"), supplier=supplier.legal_name,
                    kind=ChangeKind(kind).label, date=occurred_on, description=description[:2000]),
        components=sorted(components), dependencies=dependencies)
    change = SupplierChange(supplier=supplier, kind=kind, occurred_on=occurred_on, description=description,
                            reviews_requested=len(reviews))
    stamp_new(change)
    return _create(actor=actor, obj=change)
