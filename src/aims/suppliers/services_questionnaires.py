"""Due-diligence questionnaires: a private, expiring link sent to a supplier's contact, answered without an account,
then reviewed and scored by the internal owner (the result completes an assessment). Moved out of services.py, which
re-exports these functions: pages, API, tasks and tests call them as `services.<name>`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, ledger
from aims.core.permissions import CHANGE, require
from aims.core.services import _create, _save_with_changes, stamp_new

from .catalog import CHOICES, compute_score, default_link_days, is_required, questionnaire_template, questions
from .models import Assessment, Contact, Questionnaire, Supplier
from .services_assessments import _text, complete_assessment


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
