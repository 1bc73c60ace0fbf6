"""Coordinated vulnerability disclosure: a report received through the public form (no account), the reporter's
private link (hashed secret, expiry, revocation: as the supplier questionnaire's), the conversation through it, and
triage, which turns a case into a vulnerability (or links a known one) and sets the embargo agreed with the reporter.

Nobody signs in to report: what the reporter does is ledgered under a label naming the case ("reporter of CVD-00001
(disclosure link)"). The people who triage are the AIMS managers over the intake unit (else its administrators): each
gets a task opening the case.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, ledger
from aims.core.models import OrgUnit
from aims.core.notifications import close_tasks, open_task
from aims.core.permissions import CHANGE, VIEW, Role, people_holding, require
from aims.core.services import _save_with_changes, clean_for_create, hash_token

from ..models_disclosure import (
    CASE_TRANSITIONS, CaseStatus, DisclosureAttachment, DisclosureCase, DisclosureMessage,
)
from ._common import next_reference, save_with_free_reference

MAX_SUMMARY = 200
MAX_PRODUCT = 200
MAX_NAME = 120
MAX_TEXT = 20000
MAX_FILES_PER_CASE = 10
STORAGE_PREFIX = "disclosures/sha256"


def link_days() -> int:
    return int(getattr(settings, "CVD_LINK_DAYS", 365))


def max_attachment_bytes() -> int:
    """The largest file a reporter may send: the upload limit of every page unless settings name a smaller one."""
    return int(getattr(settings, "CVD_MAX_ATTACHMENT_BYTES", settings.MAX_UPLOAD_BYTES))


def intake_unit() -> OrgUnit:
    """The unit reports are filed under: settings.CVD_UNIT (a unit code) else the top of the organisation."""
    code = getattr(settings, "CVD_UNIT", "")
    unit = OrgUnit.objects.filter(code=code).first() if code else None
    unit = unit or OrgUnit.objects.filter(parent__isnull=True, is_active=True).order_by("path", "pk").first()
    if unit is None:
        raise ValidationError(_("Reports cannot be received yet: the organisation has no unit."))
    return unit


def triagers(unit: OrgUnit):
    """The security and incident managers of the intake unit: its AIMS managers, else its administrators."""
    people = people_holding([Role.AIMS_MANAGER], unit)
    if not people.exists():
        people = people_holding([Role.ADMINISTRATOR], unit)
    return people.order_by("pk")


def reporter_label(case: DisclosureCase) -> str:
    return f"reporter of {case.reference} (disclosure link)"


def link_url(secret: str) -> str:
    return reverse("cvd_case", args=[secret])


def _text(value, *, field: str, limit: int, required: bool = False) -> str:
    value = (value if isinstance(value, str) else "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    if "\x00" in value:
        raise ValidationError({field: _("The text contains a character that is not allowed.")})
    return value


def _check_file(upload) -> tuple:
    """(clean name, kind, size) of a file the reporter sends, or ValidationError({"file": ...}): the size first, then
    the content (the evidence library's check: what the bytes are, not only the name)."""
    from aims.evidence import content
    from aims.evidence.storage import clean_filename

    limit = max_attachment_bytes()
    size = getattr(upload, "size", None) or 0
    if size > limit:
        raise ValidationError({"file": _("The file “%(name)s” is too large: files up to %(mb)s MB are accepted.") % {
            "name": clean_filename(getattr(upload, "name", ""))[:80], "mb": round(limit / 1024 / 1024, 1)}})
    name = clean_filename(getattr(upload, "name", ""))
    upload.seek(0)
    kind = content.check(name, upload.read(content.HEAD_BYTES))
    upload.seek(0)
    return name, kind, size


def _store(case: DisclosureCase, upload, checked, message=None) -> DisclosureAttachment:
    from aims.evidence.storage import hash_stream, storage

    name, kind, _size = checked
    upload.seek(0)
    sha256, size = hash_stream(upload)
    if size > max_attachment_bytes():  # the announced size was wrong
        raise ValidationError({"file": _("The file “%(name)s” is too large: files up to %(mb)s MB are accepted.") % {
            "name": name[:80], "mb": round(max_attachment_bytes() / 1024 / 1024, 1)}})
    stored_name = f"{STORAGE_PREFIX}/{sha256[:2]}/{sha256}"
    store = storage()
    if not store.exists(stored_name):
        upload.seek(0)
        stored_name = store.save(stored_name, upload if isinstance(upload, File) else File(upload))
    attachment = DisclosureAttachment.objects.create(
        case=case, message=message, filename=name, content_type=kind.mime, size=size, sha256=sha256,
        storage_name=stored_name, created_at=context.now())
    return attachment


def _check_files(case: DisclosureCase | None, files) -> list:
    files = [f for f in (files or ()) if f is not None]
    already = case.attachments.count() if case is not None else 0
    if already + len(files) > MAX_FILES_PER_CASE:
        raise ValidationError({"file": _("At most %(n)s files per report.") % {"n": MAX_FILES_PER_CASE}})
    return [(upload, _check_file(upload)) for upload in files]


def _triage_source(case: DisclosureCase) -> str:
    return f"incidents.disclosure.{case.pk}"


def _ask_triagers(case: DisclosureCase, *, title, reopen: bool = False) -> int:
    people = list(triagers(case.unit))
    for person in people:
        open_task(assignee=person, source=_triage_source(case), url=case.get_absolute_url(), reopen=reopen,
                  title=title, params={"case": str(case)})
    return len(people)


@transaction.atomic
def submit_report(*, summary: str, details: str, affected_product: str = "", reporter_name: str = "",
                  reporter_email: str = "", language: str = "en", files=()) -> tuple[DisclosureCase, str]:
    """A report received through the public form. Returns the case and the secret of the reporter's private link
    (shown to them once, never stored). Everything is checked before anything is written."""
    summary = _text(summary, field="summary", limit=MAX_SUMMARY, required=True)
    details = _text(details, field="details", limit=MAX_TEXT, required=True)
    affected_product = _text(affected_product, field="affected_product", limit=MAX_PRODUCT)
    reporter_name = _text(reporter_name, field="reporter_name", limit=MAX_NAME)
    reporter_email = _text(reporter_email, field="reporter_email", limit=254)
    if reporter_email:
        try:
            validate_email(reporter_email)
        except ValidationError:
            raise ValidationError({"reporter_email": _("Enter a valid e-mail address, or leave it empty.")})
    codes = [code for code, _label in settings.LANGUAGES]
    language = language if language in codes else settings.LANGUAGE_CODE[:2]
    checked = _check_files(None, files)
    secret = secrets.token_urlsafe(32)
    now = context.now()
    case = DisclosureCase(
        reference=next_reference(DisclosureCase, "CVD"), summary=summary, details=details,
        affected_product=affected_product, reporter_name=reporter_name, reporter_email=reporter_email,
        language=language, unit=intake_unit(),
        token_hash=hash_token(secret), link_expires_at=now + timedelta(days=link_days()), received_at=now)
    clean_for_create(case)
    save_with_free_reference(case, "CVD")
    ledger.record(actor=reporter_label(case), action="incidents.disclosurecase.create", obj=case,
                  after=ledger.snapshot(case))
    for upload, check in checked:
        attachment = _store(case, upload, check)
        ledger.record(actor=reporter_label(case), action="incidents.disclosurecase.attach", obj=case,
                      after={"filename": attachment.filename, "sha256": attachment.sha256, "size": attachment.size})
    _ask_triagers(case, title=gettext_lazy("Triage the vulnerability report %(case)s"))
    return case, secret


def find_by_secret(secret: str) -> DisclosureCase | None:
    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        return None
    return DisclosureCase.objects.filter(token_hash=hash_token(secret)).first()


def link_state(case: DisclosureCase | None) -> str:
    """What the reporter's link may do: "open" (read and reply), "gone" (expired or revoked) or "unknown"."""
    if case is None:
        return "unknown"
    if case.link_revoked_at is not None or case.link_expires_at <= context.now():
        return "gone"
    return "open"


class LinkClosed(Exception):
    """The link may not be used (expired, revoked, unknown)."""


@transaction.atomic
def reporter_reply(*, secret: str, body: str, files=()) -> DisclosureMessage:
    """The reporter writes through their link: the message (and its files) join the case; the triagers (or whoever
    triaged it) are asked to answer."""
    found = find_by_secret(secret)
    if found is None:
        raise LinkClosed("unknown")
    case = DisclosureCase.objects.select_for_update().select_related("unit").get(pk=found.pk)
    if link_state(case) != "open":
        raise LinkClosed("gone")
    body = _text(body, field="body", limit=MAX_TEXT, required=not files)
    checked = _check_files(case, files)
    message = DisclosureMessage.objects.create(case=case, author_kind=DisclosureMessage.Author.REPORTER, body=body,
                                               created_at=context.now())
    names = [_store(case, upload, check, message).filename for upload, check in checked]
    ledger.record(actor=reporter_label(case), action="incidents.disclosurecase.message", obj=case,
                  after={"message_id": message.pk, "files": names})
    title = gettext_lazy("Answer the reporter of %(case)s")
    who = [case.triaged_by] if case.triaged_by_id and case.triaged_by.is_active else list(triagers(case.unit))
    for person in who:
        open_task(assignee=person, source=f"incidents.disclosure.{case.pk}.reply", reopen=True,
                  url=case.get_absolute_url() + "#messages", title=title, params={"case": str(case)})
    return message


@transaction.atomic
def staff_reply(*, actor, case: DisclosureCase, body: str) -> DisclosureMessage:
    """A message from the organisation to the reporter, shown on their private page."""
    require(actor, CHANGE, case)
    body = _text(body, field="body", limit=MAX_TEXT, required=True)
    message = DisclosureMessage.objects.create(case=case, author_kind=DisclosureMessage.Author.STAFF, author=actor,
                                               body=body, created_at=context.now())
    ledger.record(actor=actor, action="incidents.disclosurecase.message", obj=case,
                  after={"message_id": message.pk})
    close_tasks(source=f"incidents.disclosure.{case.pk}.reply")
    _tell_reporter(case)
    return message


def _tell_reporter(case: DisclosureCase) -> None:
    """An e-mail saying there is news on the case (the link itself is never stored, so it is not repeated)."""
    if not case.reporter_email:
        return
    from django.core.mail import send_mail
    from django.utils import translation

    with translation.override(case.language):
        subject = _("News on your vulnerability report %(reference)s") % {"reference": case.reference}
        text = _("We answered your report %(reference)s. Open the private link you received when you sent it to read "
                 "our message and reply.") % {"reference": case.reference}
    transaction.on_commit(lambda: send_mail(subject, text, None, [case.reporter_email], fail_silently=True))


@transaction.atomic
def triage_case(*, actor, case: DisclosureCase, status: str, vulnerability=None, new_vulnerability: dict | None = None,
                embargo_until=None, note: str = "", expected_version: int | None = None) -> DisclosureCase:
    """Decide what a report is. Confirming it needs a vulnerability: a known one (`vulnerability`, which the actor may
    see) or a new one recorded from the case (`new_vulnerability`: kind, severity or CVSS vector, owner...). The
    embargo date, when given, cannot be in the past."""
    from .vulnerabilities import create_vulnerability

    require(actor, CHANGE, case)
    if status not in CaseStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    current = CaseStatus(case.status)
    if status != current and status not in CASE_TRANSITIONS[current]:
        raise ValidationError({"status": _("A case cannot go from “%(from)s” to “%(to)s”.") % {
            "from": current.label, "to": CaseStatus(status).label}})
    if embargo_until is not None and embargo_until != case.embargo_until and embargo_until < context.today():
        raise ValidationError({"embargo_until": _("The embargo date cannot be in the past.")})
    note = _text(note, field="triage_note", limit=MAX_TEXT)
    if vulnerability is not None:
        require(actor, VIEW, vulnerability)
    if status == CaseStatus.CONFIRMED and vulnerability is None and new_vulnerability is None \
            and case.vulnerability_id is None:
        raise ValidationError({"vulnerability": _("A confirmed case needs its vulnerability: link a known one or "
                                                  "record a new one.")})
    if new_vulnerability is not None and vulnerability is None:
        fields = {"title": case.summary, "description": case.details, "unit": case.unit, **new_vulnerability}
        vulnerability = create_vulnerability(actor=actor, reason=_("From the disclosure case %(case)s") % {
            "case": case.reference}, **fields)
    changes = {"status": status, "triage_note": note or case.triage_note, "triaged_by": actor,
               "triaged_at": context.now()}
    if vulnerability is not None:
        changes["vulnerability"] = vulnerability
    if embargo_until is not None:
        changes["embargo_until"] = embargo_until
    case = _save_with_changes(actor=actor, obj=case, changes=changes, reason=note, expected_version=expected_version,
                              action="incidents.disclosurecase.triage")
    close_tasks(source=_triage_source(case))
    return case


@transaction.atomic
def revoke_link(*, actor, case: DisclosureCase, reason: str) -> DisclosureCase:
    """The reporter's link stops working at once (e.g. it was forwarded where it should not be)."""
    require(actor, CHANGE, case)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the link is withdrawn.")})
    return _save_with_changes(actor=actor, obj=case, changes={"link_revoked_at": context.now()}, reason=reason,
                              expected_version=None, action="incidents.disclosurecase.revoke")


@transaction.atomic
def renew_link(*, actor, case: DisclosureCase) -> tuple[DisclosureCase, str]:
    """A new private link for the reporter (the old one stops working); its secret is returned once."""
    require(actor, CHANGE, case)
    secret = secrets.token_urlsafe(32)
    case = _save_with_changes(actor=actor, obj=case, reason="", expected_version=None,
                              action="incidents.disclosurecase.renew", changes={
                                  "token_hash": hash_token(secret), "link_revoked_at": None,
                                  "link_expires_at": context.now() + timedelta(days=link_days())})
    return case, secret
