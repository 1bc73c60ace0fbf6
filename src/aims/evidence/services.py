"""State changes of the evidence library, one function each (keyword-only, actor first, atomic, ledgered).

Other modules use `link_evidence`, `mark_to_reconfirm` and `evidence_for` (links.py) to attach and watch evidence on
their own objects.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals, context, ledger
from aims.core.models import OrgUnit, User
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import ADD, CHANGE, DELETE, VIEW, require
from aims.core.services import _save_with_changes, check_version, clean_for_create, stamp_new
from aims.core.stored_text import fact_of

from . import catalog, signals, storage
from .models import EvidenceItem, EvidenceLink, EvidenceRequest, EvidenceVersion

EDITABLE = ("title", "description", "evidence_type", "owner", "unit", "effective_date", "valid_from", "valid_until",
            "renewal_months")
MAX_TEXT = 20000
APPROVAL = "evidence.version"  # the "To approve" inbox's kind for an item's current version (evidence/approvals.py)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _text(value, field: str, *, required: bool = False, limit: int = MAX_TEXT, message: str = "") -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationError({field: _("Enter text.")})
    if required and not text:
        raise ValidationError({field: message or _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    return text


def _check_type(key: str) -> dict:
    found = catalog.type_of(key)
    if found is None:
        raise ValidationError({"evidence_type": _("Unknown evidence type “%(key)s”.") % {"key": key}})
    return found


def _expires_on(item: EvidenceItem) -> date | None:
    if item.valid_until:
        return item.valid_until
    if item.renewal_months and item.effective_date:
        return add_months(item.effective_date, item.renewal_months)
    return None


def _check_validity(item: EvidenceItem) -> None:
    if item.valid_until and item.renewal_months:
        raise ValidationError({"renewal_months": _("Give either an end of validity or a renewal cadence, not both.")})
    if item.renewal_months and not item.effective_date:
        raise ValidationError({"effective_date": _("A renewal cadence counts from the effective date: give it.")})
    if item.valid_from and item.valid_until and item.valid_until < item.valid_from:
        raise ValidationError({"valid_until": _("The end of validity is before its start.")})
    if item.renewal_months is not None and not 1 <= item.renewal_months <= 120:
        raise ValidationError({"renewal_months": _("Between 1 and 120 months.")})


def _targets(items) -> list[tuple[str, str]]:
    return list(EvidenceLink.objects.filter(item__in=list(items)).values_list("object_type", "object_id"))


def _announce(items, actor, targets=None) -> None:
    items = list(items)
    signals.evidence_changed.send(sender=EvidenceItem, items=items, actor=actor,
                                  targets=targets if targets is not None else _targets(items))


def _new_version(*, actor, item: EvidenceItem, file=None, url: str = "", note: str = "") -> EvidenceVersion:
    note = _text(note, "note", limit=5000)
    if item.kind == EvidenceItem.Kind.FILE:
        if file is None:
            raise ValidationError({"file": _("Choose the file to upload.")})
        blob = storage.ingest(file)
        values = {"sha256": blob.sha256, "size": blob.size, "content_type": blob.content_type,
                  "filename": blob.filename, "storage_name": blob.storage_name}
    else:
        url = _text(url, "url", required=True, limit=1000, message=_("Give the address of the evidence."))
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError({"url": _("Only http and https addresses are accepted.")})
        values = {"url": url}
    number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = EvidenceVersion(item=item, number=number, note=note, uploaded_by=actor, **values)
    stamp_new(version)
    version.save()
    ledger.record(actor=actor, action="evidence.evidenceversion.create", obj=item,
                  object_label=str(item), after=ledger.snapshot(version))
    return version


def _after_new_version(*, actor, item: EvidenceItem, version: EvidenceVersion) -> None:
    replaced = item.current_version
    months = item.retention_months
    changes = {"current_version": version,
               "retain_until": max(item.retain_until, add_months(context.today(), months))}
    if item.reconfirm_required:  # a replacement answers a re-confirmation request
        changes.update(reconfirm_required=False, reconfirm_reason="", reconfirm_fact=None,
                       reconfirm_since=None)
        close_tasks(source=f"evidence.reconfirm.{item.pk}")
    _save_with_changes(actor=actor, obj=item, changes=changes, expected_version=None, reason="",
                       action="evidence.evidenceitem.new_version")
    if replaced is not None:  # only the current version waits for approval
        approvals.settle(APPROVAL, replaced)
    approvals.request(APPROVAL, version)


def _create_item(*, actor, title: str, unit: OrgUnit, owner: User, kind: str, evidence_type: str,
                 description: str = "", effective_date=None, valid_from=None, valid_until=None,
                 renewal_months=None, file=None, url: str = "", note: str = "", reason: str = "") -> EvidenceItem:
    kind = kind if kind in EvidenceItem.Kind.values else EvidenceItem.Kind.FILE
    evidence_type = evidence_type or catalog.default_type()
    months = int(_check_type(evidence_type)["retention_months"])
    item = EvidenceItem(
        reference=f"tmp-{uuid.uuid4().hex[:12]}", title=_text(title, "title", required=True, limit=300,
                                                              message=_("Give the evidence a title.")),
        description=_text(description, "description"), kind=kind, evidence_type=evidence_type, unit=unit,
        owner=owner, effective_date=effective_date, valid_from=valid_from, valid_until=valid_until,
        renewal_months=renewal_months, retention_months=months,
        retain_until=add_months(context.today(), months))
    _check_validity(item)
    item.expires_on = _expires_on(item)
    clean_for_create(item)
    item.save()
    item.reference = f"EV-{item.pk:06d}"
    item.save(update_fields=["reference"])
    ledger.record(actor=actor, action="evidence.evidenceitem.create", obj=item, after=ledger.snapshot(item),
                  reason=reason)
    version = _new_version(actor=actor, item=item, file=file, url=url, note=note)
    item.current_version = version
    item.save(update_fields=["current_version"])
    approvals.request(APPROVAL, version)
    return item


@transaction.atomic
def create_evidence(*, actor, title: str, unit: OrgUnit, owner: User | None = None, kind: str = "file",
                    evidence_type: str = "", description: str = "", effective_date=None, valid_from=None,
                    valid_until=None, renewal_months=None, file=None, url: str = "", note: str = "",
                    link_to=(), reason: str = "", check: bool = True) -> EvidenceItem:
    """A new evidence item with its first version (a file checked and stored by hash, or a link), optionally linked
    at once to the objects it proves. `check=False` for trusted callers that already authorised their own change
    (a supplier questionnaire's link, its review): the file is checked by size and content all the same."""
    if check:
        require(actor, ADD, domain="evidence", unit=unit)
    item = _create_item(actor=actor, title=title, unit=unit, owner=owner or actor, kind=kind,
                        evidence_type=evidence_type, description=description, effective_date=effective_date,
                        valid_from=valid_from, valid_until=valid_until, renewal_months=renewal_months, file=file,
                        url=url, note=note, reason=reason)
    for target in link_to:
        link_evidence(actor=actor, item=item, target=target, check=check)  # each link announces the item
    if not link_to:
        _announce([item], actor)
    return item


@transaction.atomic
def add_version(*, actor, item: EvidenceItem, file=None, url: str = "", note: str = "") -> EvidenceVersion:
    """A new immutable version; it becomes current, extends retention and answers a re-confirmation request."""
    if actor.pk != item.owner_id:
        require(actor, CHANGE, item)
    version = _new_version(actor=actor, item=item, file=file, url=url, note=note)
    _after_new_version(actor=actor, item=item, version=version)
    _announce([item], actor)
    return version


@transaction.atomic
def update_evidence(*, actor, item: EvidenceItem, changes: dict, expected_version: int | None = None,
                    reason: str = "") -> EvidenceItem:
    require(actor, CHANGE, item)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in sorted(unknown)})
    if "evidence_type" in changes:
        _check_type(changes["evidence_type"])
    if "title" in changes:
        changes["title"] = _text(changes["title"], "title", required=True, limit=300)
    if changes.get("unit") is not None and changes["unit"] != item.unit:
        require(actor, ADD, domain="evidence", unit=changes["unit"])
    check_version(item, expected_version)
    probe = EvidenceItem(**{f: getattr(item, f) for f in ("effective_date", "valid_from", "valid_until",
                                                             "renewal_months")})
    for field in ("effective_date", "valid_from", "valid_until", "renewal_months"):
        if field in changes:
            setattr(probe, field, changes[field])
    _check_validity(probe)
    changes["expires_on"] = _expires_on(probe)
    item = _save_with_changes(actor=actor, obj=item, changes=changes, reason=reason,
                              expected_version=expected_version)
    _announce([item], actor)
    return item


@transaction.atomic
def approve_version(*, actor, version: EvidenceVersion, comment: str = "") -> EvidenceVersion:
    """Sign-off of an item's current version through the "To approve" inbox: by an approver the catalogue names
    (catalogs/approvals.yaml), never its uploader."""
    item = version.item
    if version.approved_at is not None:
        raise ValidationError(_("This version is already approved."))
    if item.current_version_id != version.pk:
        raise ValidationError(_("A newer version replaced this one: approve the current version."))
    approvals.require_approver(actor, APPROVAL, version)
    before = ledger.snapshot(version, ["approved_by_id", "approved_at"])
    version.approved_by, version.approved_at = actor, context.now()
    version.save(update_fields=["approved_by", "approved_at"])
    ledger.record(actor=actor, action="evidence.evidenceversion.approve", obj=item, object_label=str(item),
                  before=before, after={**ledger.snapshot(version, ["approved_by_id", "approved_at"]),
                                        "number": version.number}, reason=comment)
    approvals.settle(APPROVAL, version)
    return version


def may_link(actor, target: Model) -> bool:
    """Attaching proof to an object is a change of that object: its writers, or the person it names as owner."""
    if any(getattr(target, f"{name}_id", None) == getattr(actor, "pk", None)
           for name in ("owner", "backup", "backup_owner")):
        return True
    model = target._meta.model
    if getattr(model, "permission_domain", None) is None:
        return False
    return model._default_manager.restrict(actor, CHANGE).filter(pk=target.pk).exists()


@transaction.atomic
def link_evidence(*, actor, item: EvidenceItem, target: Model, note: str = "", check: bool = True) -> EvidenceLink:
    """Link an item to any registered object (idempotent). `check=False` for trusted callers (another module's
    service that already authorised its own change, the demo)."""
    if check:
        require(actor, VIEW, item)
        if not may_link(actor, target):
            raise PermissionDenied(_("You may not attach evidence to this object."))
    object_type = ledger.object_type_of(target)
    link, created = EvidenceLink.objects.get_or_create(
        item=item, object_type=object_type, object_id=str(target.pk),
        defaults={"object_label": str(target)[:300], "note": _text(note, "note", limit=500), "linked_by": actor})
    if created:
        ledger.record(actor=actor, action="evidence.evidencelink.create", obj=item, object_label=str(item),
                      after={"object_type": object_type, "object_id": str(target.pk), "object": str(target)[:300]})
        _announce([item], actor)
    return link


@transaction.atomic
def unlink_evidence(*, actor, link: EvidenceLink, reason: str = "") -> None:
    item = link.item
    from aims.core import registry

    target = registry.model_for(link.object_type)
    target_obj = target._default_manager.filter(pk=link.object_id).first() if target else None
    allowed = target_obj is not None and may_link(actor, target_obj)
    if not allowed:
        require(actor, CHANGE, item)
    before = {"object_type": link.object_type, "object_id": link.object_id, "object": link.object_label}
    targets = [(link.object_type, link.object_id)]
    link.delete()
    ledger.record(actor=actor, action="evidence.evidencelink.delete", obj=item, before=before, reason=reason)
    _announce([item], actor, targets=targets)


@transaction.atomic
def set_legal_hold(*, actor, item: EvidenceItem, reason: str) -> EvidenceItem:
    """Keep the item whatever its retention (litigation, investigation). Needs delete rights: it decides about
    deletion."""
    require(actor, DELETE, item)
    reason = _text(reason, "reason", required=True, message=_("Say why the evidence is put on legal hold."))
    return _save_with_changes(actor=actor, obj=item, reason=reason, expected_version=None,
                              action="evidence.evidenceitem.legal_hold",
                              changes={"legal_hold": True, "legal_hold_reason": reason, "legal_hold_by": actor,
                                       "legal_hold_at": context.now()})


@transaction.atomic
def release_legal_hold(*, actor, item: EvidenceItem, reason: str) -> EvidenceItem:
    require(actor, DELETE, item)
    reason = _text(reason, "reason", required=True, message=_("Say why the legal hold is lifted."))
    return _save_with_changes(actor=actor, obj=item, reason=reason, expected_version=None,
                              action="evidence.evidenceitem.legal_hold_release",
                              changes={"legal_hold": False, "legal_hold_reason": "", "legal_hold_by": None,
                                       "legal_hold_at": None})


def deletion_refusal(item: EvidenceItem) -> str:
    """Why the item may not be deleted now ("" when it may)."""
    if item.legal_hold:
        return _("This evidence is under legal hold: it cannot be deleted until the hold is lifted.")
    if item.retain_until > context.today():
        from django.utils import formats

        return _("This evidence must be kept until %(date)s (retention of its type); it cannot be deleted before.") % {
            "date": formats.date_format(item.retain_until, "DATE_FORMAT")}
    return ""


@transaction.atomic
def delete_evidence(*, actor, item: EvidenceItem, reason: str) -> None:
    """Only after retention and without legal hold (the database refuses it too); the stored files go when no other
    version shares them."""
    require(actor, DELETE, item)
    refusal = deletion_refusal(item)
    if refusal:
        raise ValidationError(refusal)
    reason = _text(reason, "reason", required=True, message=_("Say why the evidence is deleted."))
    names = list(item.versions.exclude(storage_name="").values_list("storage_name", flat=True))
    before = ledger.snapshot(item)
    before["versions"] = list(item.versions.order_by("number").values_list("sha256", flat=True))
    pk, label, targets = item.pk, str(item), _targets([item])
    EvidenceItem.objects.filter(pk=pk).update(current_version=None)
    item.delete()
    ledger.record(actor=actor, action="evidence.evidenceitem.delete", object_type="evidence.evidenceitem",
                  object_id=pk, object_label=label, before=before, reason=reason)
    _announce([], actor, targets=targets)
    transaction.on_commit(lambda: [storage.delete_blob_if_unused(name) for name in set(names)])


# --- Freshness on events ------------------------------------------------------------------------------------------------

@transaction.atomic
def mark_to_reconfirm(*, actor, items, reason) -> int:
    """Flag items "to re-confirm" (an event changed what they prove); each owner is told and gets a task. Called by
    trusted code (receivers of inventory events): no permission is checked here. `reason` is a `Text` (the product's
    message and values: each owner reads it in their language) or plain text, kept as typed."""
    count, flagged = 0, []
    fact = fact_of(reason)
    with translation.override("en"):
        english = str(reason)[:5000]
    for item in items:
        if item.reconfirm_required:
            continue
        _save_with_changes(actor=actor, obj=item, expected_version=None, reason=english,
                           action="evidence.evidenceitem.to_reconfirm",
                           changes={"reconfirm_required": True, "reconfirm_reason": english,
                                    "reconfirm_fact": fact, "reconfirm_since": context.now()})
        params = {"evidence": str(item), "reason": reason}
        notify(recipient=item.owner, title=gettext_lazy("Evidence to re-confirm: %(evidence)s"),
               body=gettext_lazy("%(reason)s Confirm it still holds, or upload a new version."), params=params,
               url=item.get_absolute_url(), kind="evidence.reconfirm")
        open_task(assignee=item.owner, title=gettext_lazy("Re-confirm or replace evidence %(evidence)s"),
                  source=f"evidence.reconfirm.{item.pk}", url=item.get_absolute_url(), params=params)
        flagged.append(item)
        count += 1
    if flagged:
        _announce(flagged, actor)
    return count


@transaction.atomic
def reconfirm_evidence(*, actor, item: EvidenceItem, note: str) -> EvidenceItem:
    """The owner (or a writer) confirms the evidence still holds after the event that flagged it."""
    if actor.pk != item.owner_id:
        require(actor, CHANGE, item)
    if not item.reconfirm_required:
        raise ValidationError(_("This evidence is not waiting for re-confirmation."))
    note = _text(note, "note", required=True, message=_("Say why the evidence still holds."))
    item = _save_with_changes(actor=actor, obj=item, reason=note, expected_version=None,
                              action="evidence.evidenceitem.reconfirm",
                              changes={"reconfirm_required": False, "reconfirm_reason": "", "reconfirm_fact": None,
                                       "reconfirm_since": None})
    close_tasks(source=f"evidence.reconfirm.{item.pk}")
    _announce([item], actor)
    return item


# --- Requests ------------------------------------------------------------------------------------------------------------

def _request_url(request: EvidenceRequest) -> str:
    return request.get_absolute_url()


@transaction.atomic
def request_evidence(*, actor, requested_from: User, title: str, due_date: date, description: str = "",
                     evidence_type: str = "", target: Model | None = None, unit: OrgUnit | None = None,
                     reason: str = "") -> EvidenceRequest:
    """Ask a person for evidence by a date; they are notified and get a task that opens the request."""
    unit = unit or getattr(target, "unit", None) or requested_from.unit or getattr(actor, "unit", None)
    if unit is None:
        raise ValidationError({"unit": _("Choose the organisation unit the evidence belongs to.")})
    require(actor, ADD, domain="evidence", unit=unit)
    if not requested_from.is_active:
        raise ValidationError({"requested_from": _("This person's account is deactivated.")})
    if due_date < context.today():
        raise ValidationError({"due_date": _("The due date is in the past.")})
    if evidence_type:
        _check_type(evidence_type)
    request = EvidenceRequest(
        title=_text(title, "title", required=True, limit=300, message=_("Say what evidence is needed.")),
        description=_text(description, "description"), requested_from=requested_from, requested_by=actor,
        unit=unit, due_date=due_date, evidence_type=evidence_type,
        object_type=ledger.object_type_of(target) if target is not None else "",
        object_id=str(target.pk) if target is not None else "", object_label=str(target)[:300] if target else "")
    clean_for_create(request)
    request.save()
    ledger.record(actor=actor, action="evidence.evidencerequest.create", obj=request,
                  after=ledger.snapshot(request), reason=reason)
    params = {"title": request.title, "requester": str(actor), "due": due_date}
    notify(recipient=requested_from, title=gettext_lazy("Evidence requested: %(title)s (due %(due)s)"),
           body=request.description, params=params, url=_request_url(request), kind="evidence.request")
    open_task(assignee=requested_from, title=gettext_lazy("Provide evidence: %(title)s"), params=params,
              source=f"evidence.request.{request.pk}", url=_request_url(request), due_date=due_date)
    return request


def _may_answer(actor, request: EvidenceRequest) -> None:
    """The person asked answers; so may the manager it was escalated to (their task is to see it provided)."""
    if actor.pk not in (request.requested_from_id, request.escalated_to_id):
        require(actor, CHANGE, request)
    if request.status != EvidenceRequest.Status.OPEN:
        raise ValidationError(_("This request is no longer open (it is: %(status)s).")
                              % {"status": request.get_status_display()})


@transaction.atomic
def fulfil_request(*, actor, request: EvidenceRequest, item: EvidenceItem | None = None, title: str = "",
                   file=None, url: str = "", note: str = "", valid_until=None) -> EvidenceRequest:
    """Answer with an existing item (which the actor can see) or a new upload; the request grants the person asked
    the right to add this evidence, even without an evidence role. The item is linked to what the request was for."""
    _may_answer(actor, request)
    if item is None:
        item = _create_item(actor=actor, title=title or request.title, unit=request.unit, owner=actor,
                            kind=EvidenceItem.Kind.LINK if url and file is None else EvidenceItem.Kind.FILE,
                            evidence_type=request.evidence_type, valid_until=valid_until, file=file, url=url,
                            note=note, reason=_("Answer to evidence request: %(title)s") % {"title": request.title})
    else:
        require(actor, VIEW, item)
    if request.object_type:
        from aims.core import registry

        model = registry.model_for(request.object_type)
        target = model._default_manager.filter(pk=request.object_id).first() if model else None
        if target is not None:
            link_evidence(actor=actor, item=item, target=target, check=False)
    request = _save_with_changes(actor=actor, obj=request, expected_version=None, reason=note,
                                 action="evidence.evidencerequest.fulfil",
                                 changes={"status": EvidenceRequest.Status.FULFILLED, "fulfilled_item": item,
                                          "closed_at": context.now(), "close_note": _text(note, "note")})
    close_tasks(source=f"evidence.request.{request.pk}")
    close_tasks(source=f"evidence.request.{request.pk}.escalation")
    notify(recipient=request.requested_by, title=gettext_lazy("Evidence provided: %(title)s"),
           params={"title": request.title}, url=item.get_absolute_url(), kind="evidence.request")
    _announce([item], actor)
    return request


@transaction.atomic
def cancel_request(*, actor, request: EvidenceRequest, reason: str) -> EvidenceRequest:
    if actor.pk != request.requested_by_id:
        require(actor, CHANGE, request)
    if request.status != EvidenceRequest.Status.OPEN:
        raise ValidationError(_("This request is no longer open."))
    reason = _text(reason, "reason", required=True, message=_("Say why the request is cancelled."))
    request = _save_with_changes(actor=actor, obj=request, expected_version=None, reason=reason,
                                 action="evidence.evidencerequest.cancel",
                                 changes={"status": EvidenceRequest.Status.CANCELLED, "closed_at": context.now(),
                                          "close_note": reason})
    close_tasks(source=f"evidence.request.{request.pk}")
    close_tasks(source=f"evidence.request.{request.pk}.escalation")
    return request


@transaction.atomic
def remind_request(*, request: EvidenceRequest, on: date) -> list[str]:
    """One step of the daily job for one open request: a reminder, an escalation to the manager, both or nothing.
    Returns what was done (["escalated", "reminded"], [])."""
    rules = catalog.request_rules()
    done = []
    days_to_due = (request.due_date - on).days
    params = {"title": request.title, "due": request.due_date, "person": str(request.requested_from)}
    if days_to_due < -int(rules["escalate_after_days"]) and request.escalated_on is None:
        manager = request.requested_from.manager
        if manager is not None and manager.is_active:
            _save_with_changes(actor=None, obj=request, expected_version=None, reason="",
                               action="evidence.evidencerequest.escalate",
                               changes={"escalated_to": manager, "escalated_on": on})
            notify(recipient=manager, params=params, url=_request_url(request), kind="evidence.request",
                   title=gettext_lazy("Overdue evidence from %(person)s: %(title)s (due %(due)s)"))
            open_task(assignee=manager, params=params, url=_request_url(request),
                      source=f"evidence.request.{request.pk}.escalation",
                      title=gettext_lazy("Follow up overdue evidence from %(person)s: %(title)s"))
            done.append("escalated")
    remind_from = int(rules["remind_days_before_due"])
    every = int(rules["remind_every_days"])
    if days_to_due <= remind_from and (request.last_reminded_on is None
                                       or (on - request.last_reminded_on).days >= every):
        EvidenceRequest.objects.filter(pk=request.pk).update(last_reminded_on=on)
        title = (gettext_lazy("Reminder: evidence due on %(due)s: %(title)s") if days_to_due >= 0
                 else gettext_lazy("Overdue since %(due)s: evidence %(title)s"))
        notify(recipient=request.requested_from, title=title, params=params, url=_request_url(request),
               kind="evidence.request")
        done.append("reminded")
    return done
