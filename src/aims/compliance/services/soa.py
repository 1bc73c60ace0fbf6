"""The Statement of Applicability: its live entries (one per ISO/IEC 42001 Annex A control), submission of a version
for approval, approval by the AIMS manager through the approvals inbox (never by its submitter), and what changed.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals, context, ledger
from aims.core.models import LedgerEvent
from aims.core.notifications import notify
from aims.core.permissions import ADD, CHANGE, require
from aims.core.services import _save_with_changes, clean_for_create

from ..models import Control, Framework, Requirement, SoAEntry, SoAVersion
from ._common import check_compliance_person, clean_text, reject_unknown

APPROVAL = "compliance.soa"
ISO = "iso42001"
EDITABLE = ("applicability", "justification", "implementation", "owner")
COMPARED = ("applicability", "justification", "implementation", "owner", "controls")


def annex_a_controls():
    return Requirement.objects.filter(framework__key=ISO, kind="control")


def sync_soa_entries() -> int:
    """One entry per Annex A control of the loaded catalogue (new controls start undecided). Returns how many were
    added. Trusted code (a catalogue load): not ledgered as a person's change, the load itself is."""
    missing = annex_a_controls().filter(is_active=True, soa_entry__isnull=True)
    entries = [SoAEntry(requirement=requirement) for requirement in missing]
    SoAEntry.objects.bulk_create(entries)
    return len(entries)


def entries_with_links(user=None):
    """The entries in Annex A order, each with `linked_controls` (visible to `user` when given) and `risks` derived
    from those controls' risk treatment. A fixed number of queries."""
    entries = list(SoAEntry.objects.select_related("requirement", "owner").order_by("requirement__position"))
    requirement_ids = [e.requirement_id for e in entries]
    through = Control.requirements.through
    controls_of = defaultdict(list)
    pairs = list(through.objects.filter(requirement_id__in=requirement_ids).values_list("requirement_id",
                                                                                        "control_id"))
    controls = Control.objects.all() if user is None else Control.objects.restrict(user, "view")
    controls = {c.pk: c for c in controls.filter(pk__in={c for _r, c in pairs}).only(
        "pk", "reference", "title", "is_ready", "status")}
    for requirement_id, control_id in pairs:
        if control_id in controls:
            controls_of[requirement_id].append(controls[control_id])
    risk_through = Control.risks.through
    risk_pairs = list(risk_through.objects.filter(control_id__in=list(controls)).values_list("control_id", "risk_id"))
    from aims.risks.models import Risk

    risks = Risk.objects.all() if user is None else Risk.objects.restrict(user, "view")
    risks = {r.pk: r for r in risks.filter(pk__in={r for _c, r in risk_pairs}).only("pk", "title")}
    risks_of_control = defaultdict(list)
    for control_id, risk_id in risk_pairs:
        if risk_id in risks:
            risks_of_control[control_id].append(risks[risk_id])
    for entry in entries:
        entry.linked_controls = sorted(controls_of[entry.requirement_id], key=lambda c: c.reference)
        seen = {}
        for control in entry.linked_controls:
            for risk in risks_of_control[control.pk]:
                seen[risk.pk] = risk
        entry.risks = sorted(seen.values(), key=lambda r: r.title)
    return entries


def _check_entry(entry: SoAEntry) -> None:
    if entry.applicability != SoAEntry.Applicability.UNDECIDED and not entry.justification.strip():
        message = (_("Say why this control is applicable.") if entry.applicability == SoAEntry.Applicability.APPLICABLE
                   else _("Say why this control is excluded."))
        raise ValidationError({"justification": message})
    if entry.applicability == SoAEntry.Applicability.EXCLUDED and \
            entry.implementation != SoAEntry.Implementation.NOT_STARTED:
        raise ValidationError({"implementation": _("An excluded control has no implementation status.")})


@transaction.atomic
def update_soa_entry(*, actor, entry: SoAEntry, changes: dict, controls=None, expected_version: int | None = None,
                     reason: str = "") -> SoAEntry:
    """Decide applicability (with its justification), implementation and owner; `controls` (when given) become the
    controls linked to this Annex A control (their requirement links change)."""
    require(actor, CHANGE, entry)
    reject_unknown(changes, EDITABLE)
    if "justification" in changes:
        changes["justification"] = clean_text(changes["justification"], "justification")
    if changes.get("owner") is not None and changes["owner"] != entry.owner:
        check_compliance_person(actor=actor, person=changes["owner"], unit=None, field="owner",
                                what=_("owner of %(control)s in the Statement of Applicability")
                                % {"control": entry.requirement.code})
    if changes.get("applicability") == SoAEntry.Applicability.EXCLUDED:
        changes["implementation"] = SoAEntry.Implementation.NOT_STARTED
    probe = SoAEntry(**{f: changes.get(f, getattr(entry, f)) for f in ("applicability", "justification",
                                                                         "implementation")})
    _check_entry(probe)
    entry = _save_with_changes(actor=actor, obj=entry, changes=changes, reason=reason,
                               expected_version=expected_version)
    if controls is not None:
        from .controls import set_control_links

        wanted = {c.pk: c for c in controls}
        current = {c.pk: c for c in Control.objects.filter(requirements=entry.requirement)}
        for control in [c for pk, c in wanted.items() if pk not in current]:
            set_control_links(actor=actor, control=control, reason=reason,
                              requirements=[*control.requirements.all(), entry.requirement])
        for control in [c for pk, c in current.items() if pk not in wanted]:
            set_control_links(actor=actor, control=control, reason=reason,
                              requirements=[r for r in control.requirements.all() if r.pk != entry.requirement_id])
    return entry


def snapshot(entries=None) -> list[dict]:
    """The entries as they are now, JSON-ready, both languages kept (the version is shown in either)."""
    rows = []
    for entry in entries if entries is not None else entries_with_links():
        requirement = entry.requirement
        rows.append({
            "ref": requirement.ref, "code": requirement.code, "title_en": requirement.title_en,
            "title_fr": requirement.title_fr, "applicability": entry.applicability,
            "justification": entry.justification, "implementation": entry.implementation,
            "owner": str(entry.owner) if entry.owner_id else "",
            "controls": [{"reference": c.reference, "title": c.title, "ready": c.is_ready}
                         for c in entry.linked_controls],
            "risks": [{"id": r.pk, "title": r.title} for r in entry.risks],
        })
    return rows


def _comparable(row: dict, field: str):
    if field == "controls":
        return sorted(c["reference"] for c in row.get("controls", []))
    return row.get(field, "")


def _reasons_since(since, entries_by_ref: dict[str, SoAEntry]) -> dict[str, list[str]]:
    """The reasons people gave for changing each entry (and the links of its controls) since `since`."""
    reasons = defaultdict(list)
    ids = {str(e.pk): ref for ref, e in entries_by_ref.items()}
    events = LedgerEvent.objects.filter(object_type="compliance.soaentry", object_id__in=list(ids)).exclude(reason="")
    if since is not None:
        events = events.filter(created_at__gt=since)
    for object_id, reason in events.order_by("id").values_list("object_id", "reason"):
        if reason not in reasons[ids[object_id]]:
            reasons[ids[object_id]].append(reason)
    return reasons


def compare(before: list[dict], after: list[dict], reasons: dict[str, list[str]] | None = None) -> list[dict]:
    """What changed between two snapshots, field by field, with the reasons recorded for each entry."""
    old = {row["ref"]: row for row in before}
    changes = []
    for row in after:
        previous = old.get(row["ref"], {})
        for field in COMPARED:
            if _comparable(previous, field) != _comparable(row, field):
                changes.append({"ref": row["ref"], "code": row["code"], "field": field,
                                "before": _comparable(previous, field) if previous else None,
                                "after": _comparable(row, field),
                                "reasons": (reasons or {}).get(row["ref"], [])})
    return changes


def last_approved() -> SoAVersion | None:
    return SoAVersion.objects.filter(status=SoAVersion.Status.APPROVED).order_by("-number").first()


@transaction.atomic
def submit_soa_version(*, actor, summary: str) -> SoAVersion:
    """Freeze the current entries as a new version waiting for the AIMS manager's approval."""
    require(actor, ADD, domain="compliance", unit=None)
    summary = clean_text(summary, "summary", required=True, message=_("Say what changed and why."))
    if SoAVersion.objects.select_for_update().filter(status=SoAVersion.Status.SUBMITTED).exists():
        raise ValidationError(_("A version is already waiting for approval: it must be approved or returned first."))
    entries = entries_with_links()
    if not entries:
        raise ValidationError(_("The ISO/IEC 42001 catalogue is not loaded: there is nothing to submit."))
    # A version may leave controls undecided (an organisation builds its SoA in phases); it says how many, and the
    # approver sees them as "not decided" in the frozen entries.
    if all(e.applicability == SoAEntry.Applicability.UNDECIDED for e in entries):
        raise ValidationError(_("Decide at least one Annex A control before submitting a version."))
    previous = last_approved()
    frozen = snapshot(entries)
    changes = compare(previous.entries if previous else [], frozen,
                      _reasons_since(previous.decided_at if previous else None,
                                     {e.requirement.ref: e for e in entries}))
    iso = Framework.objects.filter(key=ISO).first()
    version = SoAVersion(
        number=(SoAVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1, summary=summary, submitted_by=actor,
        submitted_at=context.now(), catalogue_version=iso.catalogue_version if iso else "", entries=frozen,
        changes=changes, previous=previous)
    clean_for_create(version)
    version.save()
    ledger.record(actor=actor, action="compliance.soaversion.submit", obj=version, reason=summary,
                  after={**ledger.snapshot(version), "changes": len(changes)})
    approvals.request(APPROVAL, version, body=summary)
    return version


@transaction.atomic
def approve_soa_version(*, actor, version: SoAVersion, comment: str = "") -> SoAVersion:
    """The AIMS manager's sign-off (never the submitter's): the version becomes the approved Statement of
    Applicability and the previous one is superseded."""
    version = SoAVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != SoAVersion.Status.SUBMITTED:
        raise ValidationError(_("Only a version waiting for approval can be approved (this one is: %(status)s).")
                              % {"status": version.get_status_display()})
    approvals.require_approver(actor, APPROVAL, version)
    for older in SoAVersion.objects.filter(status=SoAVersion.Status.APPROVED):
        _save_with_changes(actor=actor, obj=older, changes={"status": SoAVersion.Status.SUPERSEDED},
                           expected_version=None, reason="", action="compliance.soaversion.supersede")
    version = _save_with_changes(actor=actor, obj=version, expected_version=None, reason=comment,
                                 action="compliance.soaversion.approve",
                                 changes={"status": SoAVersion.Status.APPROVED, "decided_by": actor,
                                          "decided_at": context.now(), "decision_comment": clean_text(comment,
                                                                                                     "comment")})
    approvals.settle(APPROVAL, version)
    notify(recipient=version.submitted_by, title=gettext_lazy("Statement of Applicability v%(number)s approved"),
           params={"number": version.number}, url=version.get_absolute_url(), kind="compliance.soa")
    return version


@transaction.atomic
def return_soa_version(*, actor, version: SoAVersion, comment: str) -> SoAVersion:
    """Send a submitted version back with the reason; the live entries stay as they are, to be corrected."""
    version = SoAVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != SoAVersion.Status.SUBMITTED:
        raise ValidationError(_("Only a version waiting for approval can be returned."))
    approvals.require_approver(actor, APPROVAL, version)
    comment = clean_text(comment, "comment", required=True, message=_("Say what must be corrected."))
    version = _save_with_changes(actor=actor, obj=version, expected_version=None, reason=comment,
                                 action="compliance.soaversion.return",
                                 changes={"status": SoAVersion.Status.RETURNED, "decided_by": actor,
                                          "decided_at": context.now(), "decision_comment": comment})
    approvals.settle(APPROVAL, version)
    notify(recipient=version.submitted_by, title=gettext_lazy("Statement of Applicability v%(number)s returned"),
           body=comment, params={"number": version.number}, url=version.get_absolute_url(), kind="compliance.soa")
    return version
