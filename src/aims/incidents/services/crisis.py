"""Crisis mode (issue 12 point 4): escalating an incident to a crisis cell, its members in the catalogue's roles
(catalogs/crisis.yaml), the first-hour checklist, the decision and communication logs, and the stand-down.

Every change needs the right to change the incident (Model.objects.restrict through `require`), runs in one
transaction and writes its ledger event on the crisis. A stood-down crisis is kept as it was: only a new escalation
reactivates it."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, ledger
from aims.core.assignment import check_assignee
from aims.core.models import OrgUnit
from aims.core.notifications import notify
from aims.core.permissions import CHANGE, VIEW, require
from aims.core.services import _create, _save_with_changes

from .. import crisis_catalog
from ..models import Incident, Status, TimelineEntry
from ..models_crisis import ChecklistItem, Communication, Crisis, CrisisDecision, CrisisMember
from ._common import FUTURE_TOLERANCE


def _moment(at: datetime | None, field: str, *, not_before: datetime | None = None) -> datetime:
    now = context.now()
    at = at or now
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError({field: _("This moment is in the future.")})
    if not_before is not None and at < not_before:
        raise ValidationError({field: _("This moment is before the crisis cell was activated.")})
    return at


def _active(crisis: Crisis) -> None:
    if crisis.status != Crisis.Status.ACTIVE:
        raise ValidationError(_("The crisis cell has stood down: its logs are kept as they were."))


def _person(actor, person, field: str, crisis: Crisis, what: str) -> None:
    if person is None:
        raise ValidationError({field: _("Name the person.")})
    check_assignee(actor=actor, person=person, action=VIEW, domain="incidents", unit=crisis.incident.unit,
                   field=field, what=what)


@transaction.atomic
def escalate(*, actor, incident: Incident, reason: str, at: datetime | None = None, members=()) -> Crisis:
    """Escalate the incident to a crisis: the cell is activated with the first-hour checklist of the catalogue and
    the members given as (role, person) pairs. A cell that stood down is reactivated, its logs kept."""
    require(actor, CHANGE, incident)
    if incident.status == Status.CLOSED:
        raise ValidationError(_("A closed incident is kept as it was closed; it cannot be changed."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the incident becomes a crisis.")})
    at = _moment(at, "at")
    if at < incident.detected_at:
        raise ValidationError({"at": _("The crisis cannot start before the incident was detected.")})
    crisis = Crisis.objects.filter(incident=incident).first()
    if crisis is not None and crisis.is_active:
        raise ValidationError(_("This incident is already run by a crisis cell."))
    if crisis is not None:
        crisis = _save_with_changes(actor=actor, obj=crisis, expected_version=None, reason=reason,
                                    action="incidents.crisis.reactivate",
                                    changes={"status": Crisis.Status.ACTIVE, "stood_down_by": None,
                                             "stood_down_at": None, "stand_down_reason": ""})
    else:
        crisis = _create(actor=actor, reason=reason, obj=Crisis(
            incident=incident, escalated_by=actor, escalated_at=at, reason=reason,
            catalogue_version=crisis_catalog.version()))
        ChecklistItem.objects.bulk_create([ChecklistItem(crisis=crisis, key=item["key"], position=index)
                                           for index, item in enumerate(crisis_catalog.checklist())])
    TimelineEntry.objects.create(incident=incident, kind=TimelineEntry.Kind.NOTE, at=at, source=str(actor),
                                 recorded_by=actor, created_at=context.now(),
                                 note=reason)
    for role, person in members:
        add_member(actor=actor, crisis=crisis, role=role, person=person)
    return crisis


@transaction.atomic
def add_member(*, actor, crisis: Crisis, role: str, person) -> CrisisMember:
    """Name someone to the cell in a role of the catalogue (someone who can see the incident); they are told."""
    incident = crisis.incident
    require(actor, CHANGE, crisis)
    _active(crisis)
    if role not in crisis_catalog.role_keys():
        raise ValidationError({"role": _("Choose a role of the crisis cell.")})
    _person(actor, person, "person", crisis,
            _("member of the crisis cell of incident %(incident)s") % {"incident": incident.reference})
    if CrisisMember.objects.filter(crisis=crisis, role=role, person=person).exists():
        raise ValidationError({"person": _("%(person)s already holds this role in the cell.") % {"person": person}})
    member = CrisisMember.objects.create(crisis=crisis, role=role, person=person, added_by=actor,
                                         added_at=context.now())
    ledger.record(actor=actor, action="incidents.crisis.member", obj=crisis,
                  after={"role": role, "person": person.pk})
    notify(recipient=person, title=gettext_lazy("You are in the crisis cell of incident %(incident)s"),
           body=gettext_lazy("Role: %(role)s"), params={"incident": incident.reference,
                                                       "role": crisis_catalog.role_label(role)},
           url=crisis.get_absolute_url(), kind="incidents.crisis")
    return member


@transaction.atomic
def remove_member(*, actor, member: CrisisMember, reason: str = "") -> None:
    crisis = member.crisis
    require(actor, CHANGE, crisis)
    _active(crisis)
    ledger.record(actor=actor, action="incidents.crisis.member_removed", obj=crisis, reason=reason,
                  before={"role": member.role, "person": member.person_id})
    member.delete()


@transaction.atomic
def tick_item(*, actor, item: ChecklistItem, done: bool = True, note: str = "",
              at: datetime | None = None) -> ChecklistItem:
    """Tick (or untick) an item of the first-hour checklist: who and when are recorded."""
    crisis = item.crisis
    require(actor, CHANGE, crisis)
    _active(crisis)
    before = {"done_at": item.done_at.isoformat() if item.done_at else None, "done_by": item.done_by_id}
    if done:
        if item.done_at is not None:
            raise ValidationError(_("This item is already ticked."))
        item.done_at, item.done_by = _moment(at, "at", not_before=crisis.escalated_at), actor
    else:
        item.done_at, item.done_by = None, None
    item.note = (note or "").strip()[:500]
    item.save(update_fields=["done_at", "done_by", "note"])
    ledger.record(actor=actor, action="incidents.crisis.checklist", obj=crisis, reason=item.note, before=before,
                  after={"item": item.key, "done_at": item.done_at.isoformat() if item.done_at else None,
                         "done_by": item.done_by_id})
    return item


@transaction.atomic
def log_decision(*, actor, crisis: Crisis, decision: str, rationale: str = "", decided_by=None,
                 decided_at: datetime | None = None) -> CrisisDecision:
    """An entry of the decision log: who decided what, when, and why."""
    require(actor, CHANGE, crisis)
    _active(crisis)
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError({"decision": _("Say what was decided.")})
    decided_by = decided_by or actor
    if decided_by != actor:
        _person(actor, decided_by, "decided_by", crisis,
                _("decision of the crisis cell of incident %(incident)s") % {"incident": crisis.incident.reference})
    entry = CrisisDecision.objects.create(
        crisis=crisis, decision=decision, rationale=(rationale or "").strip(), decided_by=decided_by,
        decided_at=_moment(decided_at, "decided_at", not_before=crisis.escalated_at), recorded_by=actor,
        created_at=context.now())
    ledger.record(actor=actor, action="incidents.crisis.decision", obj=crisis, reason=entry.rationale,
                  after={"decision": entry.decision, "decided_by": decided_by.pk,
                         "decided_at": entry.decided_at.isoformat()})
    return entry


def template_facts(crisis: Crisis) -> dict:
    """The facts a message template is filled with (stored on the communication; words rendered when read)."""
    incident = crisis.incident
    root_id = next((part for part in incident.unit.path.split("/") if part), None)
    root = OrgUnit.objects.filter(pk=root_id).values_list("name", flat=True).first() if root_id else None
    systems = ", ".join(incident.systems.order_by("name").values_list("name", flat=True))
    return {"incident": incident.reference, "title": incident.title, "systems": systems or incident.title,
            "organisation": root or incident.unit.name, "since": crisis.escalated_at.isoformat()}


@transaction.atomic
def log_communication(*, actor, crisis: Crisis, audience: str, channel: str, template: str = "", text: str = "",
                      recipients: str = "", sent_by=None, sent_at: datetime | None = None,
                      language: str = "") -> Communication:
    """An entry of the communication log: audience, channel, when, and a template of the catalogue (filled with the
    crisis's facts) and/or the text written."""
    require(actor, CHANGE, crisis)
    _active(crisis)
    errors = {}
    if audience not in crisis_catalog.audience_keys():
        errors["audience"] = _("Choose who the message is for.")
    if channel not in crisis_catalog.channel_keys():
        errors["channel"] = _("Choose how it was sent.")
    if template and crisis_catalog.template(template) is None:
        errors["template"] = _("No such message template.")
    text = (text or "").strip()
    if not template and not text:
        errors["text"] = _("Choose a template or write the message.")
    if errors:
        raise ValidationError(errors)
    sent_by = sent_by or actor
    if sent_by != actor:
        _person(actor, sent_by, "sent_by", crisis,
                _("communication of the crisis cell of incident %(incident)s") % {"incident": crisis.incident.reference})
    entry = Communication.objects.create(
        crisis=crisis, audience=audience, channel=channel, template=template, text=text,
        facts=template_facts(crisis) if template else {}, recipients=(recipients or "").strip()[:300],
        language=language if language in ("en", "fr") else "", sent_by=sent_by,
        sent_at=_moment(sent_at, "sent_at", not_before=crisis.escalated_at), recorded_by=actor,
        created_at=context.now())
    ledger.record(actor=actor, action="incidents.crisis.communication", obj=crisis,
                  after={"audience": audience, "channel": channel, "template": template, "text": text,
                         "facts": entry.facts, "sent_by": sent_by.pk, "sent_at": entry.sent_at.isoformat()})
    return entry


@transaction.atomic
def stand_down(*, actor, crisis: Crisis, reason: str, at: datetime | None = None) -> Crisis:
    """End the crisis: the cell stands down with its reason; its logs are kept as they were."""
    require(actor, CHANGE, crisis)
    _active(crisis)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the crisis cell stands down.")})
    at = _moment(at, "at", not_before=crisis.escalated_at)
    crisis = _save_with_changes(actor=actor, obj=crisis, expected_version=None, reason=reason,
                                action="incidents.crisis.stand_down",
                                changes={"status": Crisis.Status.STOOD_DOWN, "stood_down_by": actor,
                                         "stood_down_at": at, "stand_down_reason": reason})
    TimelineEntry.objects.create(incident=crisis.incident, kind=TimelineEntry.Kind.NOTE, at=at, source=str(actor),
                                 recorded_by=actor, created_at=context.now(),
                                 note=reason)
    return crisis
