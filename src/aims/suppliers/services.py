"""State changes of the supplier register. Each function checks permission, changes state and writes its ledger event
in one transaction; pages, API, imports and the demo all call these.

Onboarding (ISO/IEC 42001 A.10): a supplier is approved through the "To approve" inbox, never by the person who
submitted it, and only when `onboarding_gaps` finds nothing missing: a named owner and backup, a completed
assessment at or above the required score (or a justified exception), and the contract clauses its criticality needs.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals, context, ledger
from aims.core.assignment import check_assignee
from aims.core.notifications import notify
from aims.core.permissions import ADD, CHANGE, VIEW, require
from aims.core.services import _create, _delete, _save_with_changes, stamp_new
from aims.core.stored_text import Text

from .catalog import (  # noqa: F401  (re-exported: the pages and the API read the catalogue through the services)
    CHOICES, CRITICALITY_ORDER, catalogue, clause_catalogue, clause_label, compute_score, default_link_days,
    default_required_score, is_required, questionnaire_template, questions, reassessment_months, required_clauses,
)
from .models import Certification, Contact, Status, Supplier, Supply
from .services_assessments import (  # noqa: F401  (re-exported: pages, API and tests call them here)
    _text, complete_assessment, latest_completed, start_assessment,
)

APPROVAL = "suppliers.onboarding"
EDITABLE = ("legal_name", "registration_number", "vat_number", "lei", "country", "website", "unit", "owner", "backup",
            "services", "required_score", "score_exception", "clauses", "dpa_signed_on", "hosting_countries",
            "subprocessors", "trains_on_our_data", "prompt_retention_days", "output_retention_days",
            "model_change_notice_days", "model_provenance", "value_chain_role", "art25_agreement")


# --- Catalogue (catalog.py) ----------------------------------------------------------------------------------------

def required_score(supplier: Supplier) -> int:
    return supplier.required_score if supplier.required_score is not None else default_required_score()


def _check_clauses(clauses) -> list[str]:
    if not isinstance(clauses, list) or any(not isinstance(c, str) for c in clauses):
        raise ValidationError({"clauses": _("Give the clauses as a list of keys.")})
    known = {c["key"] for c in clause_catalogue()}
    unknown = sorted(set(clauses) - known)
    if unknown:
        raise ValidationError({"clauses": _("Unknown clauses: %(keys)s.") % {"keys": ", ".join(unknown)}})
    return [c["key"] for c in clause_catalogue() if c["key"] in set(clauses)]  # catalogue order, no duplicates


def _check_people(*, actor, supplier: Supplier, changes: dict) -> None:
    """The owner and the backup must be able to act on the supplier (or get the access, as the organisation chose)."""
    unit = changes.get("unit", supplier.unit if supplier.unit_id else None)
    what = _("owner of the supplier %(supplier)s") % {"supplier": changes.get("legal_name", supplier.legal_name)}
    for field in ("owner", "backup"):
        person = changes.get(field, getattr(supplier, field) if getattr(supplier, f"{field}_id") else None)
        if person is not None and (field in changes or "unit" in changes):
            check_assignee(actor=actor, person=person, action=CHANGE, domain="suppliers", unit=unit, field=field,
                           what=what)


# --- The register ------------------------------------------------------------------------------------------------------

@transaction.atomic
def create_supplier(*, actor, legal_name: str, unit, owner=None, backup=None, reason: str = "",
                    **fields) -> Supplier:
    require(actor, ADD, domain="suppliers", unit=unit)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if "clauses" in fields:
        fields["clauses"] = _check_clauses(fields["clauses"])
    supplier = Supplier(legal_name=_text(legal_name, "legal_name", required=True, limit=200,
                                         message=_("Give the supplier's legal name.")),
                        unit=unit, owner=owner, backup=backup, **fields)
    _check_people(actor=actor, supplier=supplier, changes={"owner": owner, "backup": backup, "unit": unit})
    stamp_new(supplier)
    supplier = _create(actor=actor, obj=supplier, reason=reason)
    return supplier


@transaction.atomic
def update_supplier(*, actor, supplier: Supplier, changes: dict, expected_version: int | None = None,
                    reason: str = "") -> Supplier:
    require(actor, CHANGE, supplier)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if "legal_name" in changes:
        changes["legal_name"] = _text(changes["legal_name"], "legal_name", required=True, limit=200,
                                      message=_("Give the supplier's legal name."))
    if "clauses" in changes:
        changes["clauses"] = _check_clauses(changes["clauses"])
    if "unit" in changes and changes["unit"] != supplier.unit:
        require(actor, ADD, domain="suppliers", unit=changes["unit"])
    _check_people(actor=actor, supplier=supplier, changes=changes)
    return _save_with_changes(actor=actor, obj=supplier, changes=changes, reason=reason,
                              expected_version=expected_version)


# --- Contacts, certifications ------------------------------------------------------------------------------------------

@transaction.atomic
def add_contact(*, actor, supplier: Supplier, name: str, email: str, function: str = "", phone: str = "",
                language: str = "") -> Contact:
    require(actor, CHANGE, supplier)
    contact = Contact(supplier=supplier, name=_text(name, "name", required=True, limit=200), email=email,
                      function=function, phone=phone, language=language or "")
    stamp_new(contact)
    return _create(actor=actor, obj=contact)


@transaction.atomic
def update_contact(*, actor, contact: Contact, changes: dict, expected_version: int | None = None) -> Contact:
    require(actor, CHANGE, contact.supplier)
    unknown = set(changes) - {"name", "email", "function", "phone"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    return _save_with_changes(actor=actor, obj=contact, changes=changes, reason="", expected_version=expected_version)


@transaction.atomic
def remove_contact(*, actor, contact: Contact) -> None:
    require(actor, CHANGE, contact.supplier)
    _delete(actor=actor, obj=contact)


@transaction.atomic
def add_certification(*, actor, supplier: Supplier, scheme: str, reference: str = "", valid_from=None,
                      valid_until=None) -> Certification:
    require(actor, CHANGE, supplier)
    certification = Certification(supplier=supplier, scheme=scheme, reference=reference, valid_from=valid_from,
                                  valid_until=valid_until)
    stamp_new(certification)
    return _create(actor=actor, obj=certification)


@transaction.atomic
def remove_certification(*, actor, certification: Certification) -> None:
    require(actor, CHANGE, certification.supplier)
    _delete(actor=actor, obj=certification)


# --- What the supplier provides, and its computed criticality ---------------------------------------------------------

def dependent_systems(supplier_ids):
    """The live (not retired) systems that use a component or dependency the suppliers provide, directly or through a
    component resting on a supplied dependency: one queryset."""
    from aims.inventory.models import AISystem, ComponentDependency, SystemComponent, SystemDependency

    supplied = Supply.objects.filter(supplier__in=supplier_ids)
    components = supplied.filter(component__isnull=False).values("component")
    dependencies = supplied.filter(dependency__isnull=False).values("dependency")
    through = ComponentDependency.objects.filter(dependency__in=dependencies).values("component")
    return AISystem.objects.filter(is_frozen=False).filter(
        Q(pk__in=SystemComponent.objects.filter(component__in=components).values("system"))
        | Q(pk__in=SystemDependency.objects.filter(dependency__in=dependencies).values("system"))
        | Q(pk__in=SystemComponent.objects.filter(component__in=through).values("system")))


def computed_criticality(supplier: Supplier) -> str:
    """The highest criticality of the systems depending on the supplier, critical when one of them is in an AI Act
    tier the catalogue names; "" when nothing depends on it."""
    raise_tiers = catalogue()["criticality"].get("raise_to_critical_for_ai_act_tiers", [])
    best = ""
    for criticality, tier in dependent_systems([supplier.pk]).values_list("criticality", "ai_act_tier"):
        level = "critical" if tier in raise_tiers else criticality
        if CRITICALITY_ORDER.index(level) > CRITICALITY_ORDER.index(best):
            best = level
    return best


def refresh_criticality(*, supplier: Supplier, actor=None) -> Supplier:
    """Store the computed criticality; a change is ledgered (trusted: called by the services that change links)."""
    level = computed_criticality(supplier)
    if level == supplier.criticality:
        return supplier
    with transaction.atomic():
        return _save_with_changes(actor=actor, obj=supplier, expected_version=None, reason="",
                                  action="suppliers.supplier.criticality",
                                  changes={"criticality": level, "criticality_rank": CRITICALITY_ORDER.index(level)})


@transaction.atomic
def link_supply(*, actor, supplier: Supplier, component=None, dependency=None) -> Supply:
    """The supplier provides `component` or `dependency` (one of them), as seen by the caller."""
    require(actor, CHANGE, supplier)
    if (component is None) == (dependency is None):
        raise ValidationError(_("Name either a component or a dependency."))
    require(actor, VIEW, component or dependency)  # only what the caller may see (a BOM or the API names any)
    existing = Supply.objects.filter(supplier=supplier, component=component, dependency=dependency).first()
    if existing is not None:
        return existing
    supply = Supply(supplier=supplier, component=component, dependency=dependency)
    stamp_new(supply)
    supply = _create(actor=actor, obj=supply)
    refresh_criticality(supplier=supplier, actor=actor)
    return supply


@transaction.atomic
def unlink_supply(*, actor, supply: Supply) -> None:
    supplier = supply.supplier
    require(actor, CHANGE, supplier)
    _delete(actor=actor, obj=supply)
    refresh_criticality(supplier=Supplier.objects.get(pk=supplier.pk), actor=actor)


def refresh_all_criticalities() -> int:
    """The daily job: systems change criticality and tier outside this module. Returns how many changed."""
    changed = 0
    for supplier in Supplier.objects.all():
        before = supplier.criticality
        if refresh_criticality(supplier=supplier).criticality != before:
            changed += 1
    return changed


# --- Onboarding --------------------------------------------------------------------------------------------------------

def onboarding_gaps(supplier: Supplier) -> list[Text]:
    """What is missing before the supplier may be approved (empty when nothing is), in words rendered when shown."""
    gaps: list[Text] = []
    if not supplier.owner_id:
        gaps.append(Text(gettext_lazy("Name an internal owner.")))
    if not supplier.backup_id:
        gaps.append(Text(gettext_lazy("Name a backup owner.")))
    needed = required_score(supplier)
    assessment = latest_completed(supplier)
    exception = supplier.score_exception.strip()
    if assessment is None and not exception:
        gaps.append(Text(gettext_lazy("Complete a due-diligence assessment (required score: %(score)s).")
                         , score=needed))
    elif assessment is not None and assessment.score < needed and not exception:
        gaps.append(Text(gettext_lazy("The last assessment scored %(score)s, below the required %(needed)s: raise "
                                      "it or justify an exception."), score=assessment.score, needed=needed))
    from .services_contracts import clause_gaps  # the clauses of the contracts in force (services_contracts.py)

    return gaps + clause_gaps(supplier)


def missing_clauses(supplier: Supplier) -> list[str]:
    from .services_contracts import missing_clauses as missing

    return missing(supplier)


def _refuse_gaps(supplier: Supplier) -> None:
    gaps = onboarding_gaps(supplier)
    if gaps:
        raise ValidationError(" ".join(describe_gap(gap) for gap in gaps))


def describe_gap(gap: Text) -> str:
    """A gap in the active language (clause keys become their catalogue labels)."""
    from aims.core.labels import language

    params = dict(gap.params)
    if "clauses" in params:
        params["clauses"] = ", ".join(clause_label(key, language()) for key in params["clauses"])
    return str(gap.message) % params if params else str(gap.message)


@transaction.atomic
def submit_for_approval(*, actor, supplier: Supplier, reason: str = "") -> Supplier:
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    require(actor, CHANGE, supplier)
    if supplier.status not in (Status.DRAFT, Status.SUSPENDED):
        raise ValidationError(_("Only a supplier being onboarded or suspended can be submitted for approval."))
    supplier = refresh_criticality(supplier=supplier, actor=actor)
    _refuse_gaps(supplier)
    supplier = _save_with_changes(actor=actor, obj=supplier, expected_version=None, reason=reason,
                                  action="suppliers.supplier.submit",
                                  changes={"status": Status.SUBMITTED, "submitted_by": actor,
                                           "submitted_at": context.now(), "decision_comment": ""})
    approvals.request(APPROVAL, supplier, body=reason)
    return supplier


@transaction.atomic
def approve_supplier(*, actor, supplier: Supplier, comment: str = "") -> Supplier:
    """The onboarding sign-off: an approver other than the person who submitted it, and nothing missing."""
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    if supplier.status != Status.SUBMITTED:
        raise ValidationError(_("Only a supplier waiting for approval can be approved."))
    approvals.require_approver(actor, APPROVAL, supplier)
    supplier = refresh_criticality(supplier=supplier, actor=actor)
    _refuse_gaps(supplier)  # what was true at submission may no longer be
    supplier = _save_with_changes(actor=actor, obj=supplier, expected_version=None, reason=comment,
                                  action="suppliers.supplier.approve",
                                  changes={"status": Status.APPROVED, "approved_by": actor,
                                           "approved_at": context.now(),
                                           "decision_comment": _text(comment, "comment")})
    approvals.settle(APPROVAL, supplier)
    if supplier.submitted_by_id:
        notify(recipient=supplier.submitted_by, title=gettext_lazy("The supplier %(supplier)s was approved"),
               params={"supplier": supplier.legal_name}, url=supplier.get_absolute_url(), kind="suppliers")
    return supplier


@transaction.atomic
def return_supplier(*, actor, supplier: Supplier, comment: str) -> Supplier:
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    if supplier.status != Status.SUBMITTED:
        raise ValidationError(_("Only a supplier waiting for approval can be returned."))
    approvals.require_approver(actor, APPROVAL, supplier)
    comment = _text(comment, "comment", required=True, message=_("Say what must be corrected."))
    supplier = _save_with_changes(actor=actor, obj=supplier, expected_version=None, reason=comment,
                                  action="suppliers.supplier.return",
                                  changes={"status": Status.DRAFT, "decision_comment": comment})
    approvals.settle(APPROVAL, supplier)
    if supplier.submitted_by_id:
        notify(recipient=supplier.submitted_by, title=gettext_lazy("The supplier %(supplier)s was returned"),
               body=comment, params={"supplier": supplier.legal_name}, url=supplier.get_absolute_url(),
               kind="suppliers")
    return supplier


@transaction.atomic
def suspend_supplier(*, actor, supplier: Supplier, reason: str) -> Supplier:
    """Stop relying on a supplier (its systems' go-live gate then fails) until it is approved again."""
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    require(actor, CHANGE, supplier)
    reason = _text(reason, "reason", required=True, message=_("Say why the supplier is suspended."))
    if supplier.status == Status.SUBMITTED:
        approvals.settle(APPROVAL, supplier)
    return _save_with_changes(actor=actor, obj=supplier, expected_version=None, reason=reason,
                              action="suppliers.supplier.suspend", changes={"status": Status.SUSPENDED})


# --- Due-diligence questionnaires: services_questionnaires.py, re-exported here --------------------------------------

from .services_questionnaires import (  # noqa: E402,F401
    MAX_ANSWER, MAX_ATTACHMENTS, MAX_LINK_DAYS, LinkClosed, attach_file, expire_questionnaires, find_by_secret,
    link_state, may_handle, questionnaire_link, report_of, return_for_follow_up, review_questionnaire,
    revoke_questionnaire, save_answers, send_questionnaire, submit_questionnaire, unanswered,
)
