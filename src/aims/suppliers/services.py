"""State changes of the supplier register. Each function checks permission, changes state and writes its ledger event
in one transaction; pages, API, imports and the demo all call these.

Onboarding (ISO/IEC 42001 A.10): a supplier is approved through the "To approve" inbox, never by the person who
submitted it, and only when `onboarding_gaps` finds nothing missing: a named owner and backup, a completed
assessment at or above the required score (or a justified exception), and the contract clauses its criticality needs.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
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
from .models import Assessment, Certification, Contact, Questionnaire, Status, Supplier, Supply

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


def _text(value, field: str, *, required: bool = False, limit: int = 20000, message=None) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if required and not value:
        raise ValidationError({field: message or _("This field is required.")})
    if isinstance(value, str) and len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return value


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



# --- Due-diligence questionnaires (a private link answered by a supplier's contact, no account) ----------------------
#
# The contact has no account: what they do through the link is ledgered under a label naming them ("supplier contact
# <e-mail> (questionnaire link)") instead of a person. The files they attach go to the evidence library, which records
# a person as the uploader: the supplier's internal owner (else whoever sent the questionnaire) is recorded as
# "recorded by", and the contact is named in the reason and the note of the version.

MAX_LINK_DAYS = 180
MAX_ANSWER = 5000
MAX_ATTACHMENTS = 20
QS = Questionnaire.State


def questionnaire_link(secret: str) -> str:
    """The path of the private link (the secret is in it; it exists only in the e-mail and the sender's answer)."""
    from django.urls import reverse

    return reverse("supplier_questionnaire", args=[secret])


def _may_handle(actor, supplier: Supplier) -> None:
    """The owner and the backup handle their supplier's questionnaires, as does anyone who may change it."""
    if getattr(actor, "pk", None) is None or actor.pk not in (supplier.owner_id, supplier.backup_id):
        require(actor, CHANGE, supplier)


def may_handle(actor, supplier: Supplier) -> bool:
    try:
        _may_handle(actor, supplier)
    except PermissionDenied:
        return False
    return True


def _link_actor(questionnaire: Questionnaire) -> str:
    return f"supplier contact {questionnaire.contact_email} (questionnaire link)"


def _recorder(questionnaire: Questionnaire):
    """The person the evidence library records for what the contact sends (see the note above)."""
    return questionnaire.supplier.owner or questionnaire.sent_by


def _language_of(contact: Contact) -> str:
    from django.conf import settings

    codes = [code for code, _label in settings.LANGUAGES]
    return contact.language if contact.language in codes else settings.LANGUAGE_CODE[:2]


def _assessment_for(*, actor, supplier: Supplier) -> Assessment:
    """The assessment in progress the questionnaire feeds (the newest), else a new one."""
    current = supplier.assessments.filter(state=Assessment.State.IN_PROGRESS).order_by("-started_at", "-pk").first()
    if current is not None:
        return current
    assessment = Assessment(supplier=supplier, started_at=context.now())
    stamp_new(assessment)
    return _create(actor=actor, obj=assessment, reason=gettext_lazy("Started by sending a questionnaire"))


@transaction.atomic
def send_questionnaire(*, actor, supplier: Supplier, contact: Contact, days: int | None = None,
                       email: bool = True) -> tuple[Questionnaire, str]:
    """Send the catalogue's questionnaire to a contact of the supplier. Returns the questionnaire and the secret of
    its link, which is e-mailed to the contact and never stored (only its hash)."""
    import secrets
    from datetime import timedelta

    from aims.core.services import hash_token

    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    _may_handle(actor, supplier)
    if contact is None or contact.supplier_id != supplier.pk:
        raise ValidationError({"contact": _("Choose a contact of this supplier.")})
    days = default_link_days() if days is None else days
    if not isinstance(days, int) or not 1 <= days <= MAX_LINK_DAYS:
        raise ValidationError({"days": _("A link lasts between 1 and %(n)s days.") % {"n": MAX_LINK_DAYS}})
    template = questionnaire_template()
    secret = secrets.token_urlsafe(32)
    now = context.now()
    questionnaire = Questionnaire(
        supplier=supplier, contact=contact, contact_email=contact.email,
        assessment=_assessment_for(actor=actor, supplier=supplier), template_version=template["version"],
        template=template, language=_language_of(contact), token_hash=hash_token(secret),
        expires_at=now + timedelta(days=days), sent_by=actor, sent_at=now)
    stamp_new(questionnaire)
    questionnaire = _create(actor=actor, obj=questionnaire)
    if email:
        transaction.on_commit(lambda: _email_link(questionnaire.pk, secret))
    return questionnaire, secret


def _email_link(questionnaire_id: int, secret: str) -> None:
    """E-mail the link to the contact in the questionnaire's language. Sent from this process once committed, never
    queued: the secret must not rest in the job queue."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    questionnaire = Questionnaire.objects.select_related("supplier", "sent_by").filter(pk=questionnaire_id).first()
    if questionnaire is None:
        return
    with translation.override(questionnaire.language):
        subject = _("Due-diligence questionnaire for %(supplier)s") % {"supplier": questionnaire.supplier.legal_name}
        body = render_to_string("suppliers/questionnaire_email.txt", {
            "questionnaire": questionnaire, "link": settings.SITE_URL + questionnaire_link(secret)})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [questionnaire.contact_email])


def find_by_secret(secret: str) -> Questionnaire | None:
    from aims.core.services import hash_token

    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        return None
    return Questionnaire.objects.select_related("supplier", "contact").filter(token_hash=hash_token(secret)).first()


def link_state(questionnaire: Questionnaire | None) -> str:
    """What the private link may do: "open" (read and answer), "submitted" (says so, changes nothing), "gone"
    (expired, revoked, reviewed) or "unknown"."""
    if questionnaire is None:
        return "unknown"
    if questionnaire.state in (QS.REVOKED, QS.REVIEWED, QS.EXPIRED) or questionnaire.expires_at <= context.now():
        return "gone"
    return "open" if questionnaire.state in Questionnaire.OPEN_STATES else "submitted"


class LinkClosed(Exception):
    """The link may not change this questionnaire (expired, revoked, reviewed, submitted, unknown)."""


def _open_by_secret(secret: str) -> Questionnaire:
    found = find_by_secret(secret)
    if found is None:
        raise LinkClosed("unknown")
    questionnaire = Questionnaire.objects.select_for_update(of=("self",)).select_related(
        "supplier", "supplier__owner", "sent_by").get(pk=found.pk)
    state = link_state(questionnaire)
    if state != "open":
        raise LinkClosed(state)
    return questionnaire


def _clean_answers(questionnaire: Questionnaire, answers: dict) -> dict:
    if not isinstance(answers, dict):
        raise ValidationError(_("Give the answers by question."))
    by_key = {q["key"]: q for q in questions(questionnaire.template)}
    merged = dict(questionnaire.answers)
    errors = {}
    for key, value in answers.items():
        question = by_key.get(key)
        if question is None:
            errors[str(key)[:60]] = _("Unknown question.")
            continue
        value = value.strip() if isinstance(value, str) else value
        if value in ("", None):
            merged.pop(key, None)
        elif question.get("kind") == "choice":
            if value not in CHOICES:
                errors[key] = _("Choose yes, partly, no or not applicable.")
            else:
                merged[key] = value
        elif not isinstance(value, str):
            errors[key] = _("Give a text.")
        elif len(value) > MAX_ANSWER or "\x00" in value:
            errors[key] = _("At most %(n)s characters.") % {"n": MAX_ANSWER}
        else:
            merged[key] = value
    if errors:
        raise ValidationError(errors)
    return {q["key"]: merged[q["key"]] for q in by_key.values() if q["key"] in merged}  # template order


def unanswered(questionnaire: Questionnaire) -> list[dict]:
    """The required questions still without an answer."""
    return [q for q in questions(questionnaire.template)
            if is_required(q) and not str(questionnaire.answers.get(q["key"], "")).strip()]


@transaction.atomic
def save_answers(*, secret: str, answers: dict) -> Questionnaire:
    """A draft saved through the link (only that questionnaire's, while its link is open)."""
    questionnaire = _open_by_secret(secret)
    changes = {"answers": _clean_answers(questionnaire, answers), "answered_at": context.now()}
    if questionnaire.state == QS.SENT:
        changes["state"] = QS.ANSWERED
    return _save_with_changes(actor=_link_actor(questionnaire), obj=questionnaire, changes=changes, reason="",
                              expected_version=None, action="suppliers.questionnaire.answer")


@transaction.atomic
def attach_file(*, secret: str, file):
    """A file the contact sends with the answers: checked by size and content, kept in the evidence library as an item
    linked to the supplier."""
    from aims.evidence import services as evidence

    questionnaire = _open_by_secret(secret)
    if questionnaire.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"file": _("At most %(n)s files per questionnaire.") % {"n": MAX_ATTACHMENTS}})
    supplier = questionnaire.supplier
    recorder = _recorder(questionnaire)
    name = str(getattr(file, "name", "") or "file")[:120]
    reason = _("Sent by the supplier contact %(email)s with the due-diligence questionnaire") % {
        "email": questionnaire.contact_email}
    item = evidence.create_evidence(
        actor=recorder, check=False, title=f"{supplier.legal_name}: {name}"[:300], unit=supplier.unit,
        owner=supplier.owner or recorder, file=file, note=reason, link_to=[supplier], reason=reason)
    questionnaire.attachments.add(item)
    ledger.record(actor=_link_actor(questionnaire), action="suppliers.questionnaire.attach", obj=questionnaire,
                  after={"evidence_id": item.pk, "reference": item.reference, "filename": name})
    return item


@transaction.atomic
def submit_questionnaire(*, secret: str) -> Questionnaire:
    """The contact submits: every required question answered; the link then changes nothing until it is returned."""
    questionnaire = _open_by_secret(secret)
    missing = unanswered(questionnaire)
    if missing:
        raise ValidationError({q["key"]: _("This question needs an answer.") for q in missing})
    score, _sections = compute_score(questionnaire.template, questionnaire.answers)
    questionnaire = _save_with_changes(
        actor=_link_actor(questionnaire), obj=questionnaire, reason="", expected_version=None,
        action="suppliers.questionnaire.submit",
        changes={"state": QS.SUBMITTED, "submitted_at": context.now(), "score": score})
    _task_to_review(questionnaire)
    return questionnaire


def _review_source(questionnaire: Questionnaire) -> str:
    return f"suppliers.questionnaire.{questionnaire.pk}"


def _task_to_review(questionnaire: Questionnaire) -> None:
    """The owner (else the sender) gets a task opening the review page."""
    from aims.core.notifications import open_task

    person = questionnaire.supplier.owner or questionnaire.sent_by
    if person is None:
        return
    open_task(assignee=person, source=_review_source(questionnaire), reopen=True,
              title=gettext_lazy("Review the questionnaire answered by %(supplier)s"),
              params={"supplier": questionnaire.supplier.legal_name}, url=questionnaire.get_absolute_url())


def _locked(questionnaire: Questionnaire) -> Questionnaire:
    return Questionnaire.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=questionnaire.pk)


@transaction.atomic
def return_for_follow_up(*, actor, questionnaire: Questionnaire, question: str) -> Questionnaire:
    """The owner asks the contact a question: the link opens the form again (for the default period if it had
    expired meanwhile) and the contact is told by e-mail, in the questionnaire's language."""
    from datetime import timedelta

    from aims.core.notifications import close_tasks

    questionnaire = _locked(questionnaire)
    _may_handle(actor, questionnaire.supplier)
    if questionnaire.state != QS.SUBMITTED:
        raise ValidationError(_("Only a submitted questionnaire can be returned for follow-up."))
    question = _text(question, "question", required=True, limit=MAX_ANSWER,
                     message=_("Say what the supplier should clarify."))
    changes = {"state": QS.RETURNED, "follow_up": question}
    if questionnaire.expires_at <= context.now() + timedelta(days=1):
        changes["expires_at"] = context.now() + timedelta(days=default_link_days())
    questionnaire = _save_with_changes(actor=actor, obj=questionnaire, changes=changes, reason=question,
                                       expected_version=None, action="suppliers.questionnaire.return")
    close_tasks(source=_review_source(questionnaire))
    pk = questionnaire.pk
    transaction.on_commit(lambda: _email_follow_up(pk))
    return questionnaire


def _email_follow_up(questionnaire_id: int) -> None:
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    questionnaire = Questionnaire.objects.select_related("supplier").filter(pk=questionnaire_id).first()
    if questionnaire is None:
        return
    with translation.override(questionnaire.language):
        subject = _("A question about your answers for %(supplier)s") % {
            "supplier": questionnaire.supplier.legal_name}
        body = render_to_string("suppliers/questionnaire_follow_up_email.txt", {"questionnaire": questionnaire})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [questionnaire.contact_email])


def report_of(questionnaire: Questionnaire) -> dict:
    """The answered questionnaire as it is kept in the evidence library (JSON): questions, answers, scores."""
    score, sections = compute_score(questionnaire.template, questionnaire.answers)
    return {
        "supplier": questionnaire.supplier.legal_name, "questionnaire": questionnaire.pk,
        "template_version": questionnaire.template_version, "sent_to": questionnaire.contact_email,
        "sent_at": questionnaire.sent_at.isoformat() if questionnaire.sent_at else None,
        "submitted_at": questionnaire.submitted_at.isoformat() if questionnaire.submitted_at else None,
        "score": score, "section_scores": sections, "follow_up": questionnaire.follow_up,
        "attachments": [item.reference for item in questionnaire.attachments.order_by("pk")],
        "sections": [{"key": section["key"], "title": section["title"], "questions": [
            {"key": q["key"], "text": q["text"], "kind": q.get("kind"), "weight": q.get("weight"),
             "control": q.get("control"), "answer": questionnaire.answers.get(q["key"])}
            for q in section.get("questions", [])]} for section in questionnaire.template.get("sections", [])],
    }


@transaction.atomic
def review_questionnaire(*, actor, questionnaire: Questionnaire, summary: str = "") -> Questionnaire:
    """The owner's review: the computed score completes the assessment (through complete_assessment), and the
    answered questionnaire is kept as evidence linked to the supplier. The link then opens nothing."""
    import json

    from django.core.files.base import ContentFile

    from aims.core.notifications import close_tasks
    from aims.evidence import services as evidence

    questionnaire = _locked(questionnaire)
    supplier = questionnaire.supplier
    _may_handle(actor, supplier)
    if questionnaire.state != QS.SUBMITTED:
        raise ValidationError(_("Only a submitted questionnaire can be reviewed."))
    summary = _text(summary, "summary")
    score, sections = compute_score(questionnaire.template, questionnaire.answers)
    if score is None:
        raise ValidationError(_("No answer can be scored: every question is marked not applicable."))
    assessment = questionnaire.assessment
    if assessment is None or assessment.state != Assessment.State.IN_PROGRESS:
        assessment = _assessment_for(actor=actor, supplier=supplier)
    complete_assessment(actor=actor, assessment=assessment, score=score, summary=summary)
    content = ContentFile(json.dumps(report_of(questionnaire), ensure_ascii=False, indent=2).encode(),
                          name=f"questionnaire-{questionnaire.pk}.json")
    report = evidence.create_evidence(
        actor=actor, check=False, unit=supplier.unit, owner=supplier.owner or actor, file=content,
        title=f"{supplier.legal_name}: {_('due-diligence questionnaire')} ({context.today().isoformat()})"[:300],
        link_to=[supplier], reason=_("Answered questionnaire kept at its review"))
    questionnaire = _save_with_changes(
        actor=actor, obj=questionnaire, reason=summary, expected_version=None,
        action="suppliers.questionnaire.review",
        changes={"state": QS.REVIEWED, "reviewed_by": actor, "reviewed_at": context.now(), "summary": summary,
                 "score": score, "section_scores": sections, "assessment": assessment, "report": report})
    close_tasks(source=_review_source(questionnaire))
    return questionnaire


@transaction.atomic
def revoke_questionnaire(*, actor, questionnaire: Questionnaire, reason: str = "") -> Questionnaire:
    from aims.core.notifications import close_tasks

    questionnaire = _locked(questionnaire)
    _may_handle(actor, questionnaire.supplier)
    if questionnaire.state not in Questionnaire.LIVE_STATES:
        raise ValidationError(_("This questionnaire's link is already closed."))
    questionnaire = _save_with_changes(actor=actor, obj=questionnaire, changes={"state": QS.REVOKED},
                                       reason=_text(reason, "reason", limit=5000), expected_version=None,
                                       action="suppliers.questionnaire.revoke")
    close_tasks(source=_review_source(questionnaire))
    return questionnaire


def expire_questionnaires() -> int:
    """The daily job: links past their date that were never submitted become expired (ledgered). Returns how many."""
    count = 0
    for pk in Questionnaire.objects.filter(state__in=Questionnaire.OPEN_STATES,
                                           expires_at__lte=context.now()).values_list("pk", flat=True):
        with transaction.atomic():
            questionnaire = _locked(Questionnaire(pk=pk))
            if questionnaire.state in Questionnaire.OPEN_STATES and questionnaire.expires_at <= context.now():
                _save_with_changes(actor=None, obj=questionnaire, changes={"state": QS.EXPIRED}, reason="",
                                   expected_version=None, action="suppliers.questionnaire.expire")
                count += 1
    return count
