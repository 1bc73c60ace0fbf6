"""Vulnerabilities of AI components: recording one (its kind, CVE, CVSS vector scored by the `cvss` library, severity,
the component versions and dependencies it affects), its status workflow (open, being mitigated, mitigated,
accepted, closed) and its mitigations, each with an owner and a due date set by the severity (catalogs/incidents.yaml),
reminded when due. The AI systems affected are never stored: aims.incidents.queries.vulnerable_systems finds them
through the inventory when asked."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, ledger
from aims.core.assignment import check_assignee
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import ADD, CHANGE, VIEW, require
from aims.core.services import _create, _save_with_changes, clean_for_create

from .. import catalog, scoring
from ..models import (
    OPEN_VULNERABILITY_STATUSES, VULNERABILITY_TRANSITIONS, Mitigation, MitigationKind, Vulnerability,
    VulnerabilityKind, VulnerabilityStatus, VulnerableComponent,
)
from ._common import next_reference, save_with_free_reference

CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
VULNERABILITY_EDITABLE = ("title", "description", "kind", "cve_id", "cvss_vector", "severity", "unit", "owner",
                          "customer_impact", "incident")
# A status reached only with a reason, from these statuses (closing a mitigated vulnerability needs none).
REASON_NEEDED = {VulnerabilityStatus.ACCEPTED: None, VulnerabilityStatus.OPEN: (VulnerabilityStatus.ACCEPTED,
                                                                                VulnerabilityStatus.CLOSED),
                 VulnerabilityStatus.CLOSED: (VulnerabilityStatus.OPEN, VulnerabilityStatus.ACCEPTED)}
SETTLED = (VulnerabilityStatus.MITIGATED, VulnerabilityStatus.ACCEPTED, VulnerabilityStatus.CLOSED)


def _score(vulnerability: Vulnerability, severity_given: str | None) -> None:
    """Check the kind, the CVE and the vector; with a vector, its version, score and severity follow from it."""
    errors = {}
    if vulnerability.kind not in VulnerabilityKind.values:
        errors["kind"] = _("Choose a kind of vulnerability.")
    vulnerability.cve_id = (vulnerability.cve_id or "").strip().upper()
    if vulnerability.cve_id and not CVE.match(vulnerability.cve_id):
        errors["cve_id"] = _("A CVE identifier reads CVE-YYYY-NNNN (the year, then at least four digits), e.g. "
                             "CVE-2024-3094.")
    vector = (vulnerability.cvss_vector or "").strip()
    if vector:
        try:
            score = scoring.parse(vector)
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            derived = catalog.severity_for_score(float(score.score))
            if severity_given and severity_given != derived:
                errors["severity"] = _("The severity follows from the CVSS score %(score)s: %(severity)s.") % {
                    "score": score.score, "severity": catalog.severity_label(derived)}
            vulnerability.cvss_vector, vulnerability.cvss_version = score.vector, score.version
            vulnerability.cvss_score, vulnerability.severity = score.score, derived
    else:
        vulnerability.cvss_vector, vulnerability.cvss_version, vulnerability.cvss_score = "", "", None
        if vulnerability.kind == VulnerabilityKind.CLASSIC:
            errors["cvss_vector"] = _("A classic vulnerability is scored by its CVSS vector (3.1 or 4.0).")
        elif vulnerability.severity not in catalog.severity_keys():
            errors["severity"] = _("Choose a severity of the scale (%(keys)s), or give a CVSS vector.") % {
                "keys": ", ".join(catalog.severity_keys())}
    if errors:
        raise ValidationError(errors)


def _check_owner(*, actor, owner, unit) -> None:
    check_assignee(actor=actor, person=owner, action=CHANGE, domain="incidents", unit=unit, field="owner",
                   what=_("owner of a vulnerability"))


def _check_incident(actor, incident) -> None:
    if incident is not None:
        require(actor, VIEW, incident)


def _links(components) -> list[tuple]:
    """[(component, all_versions)] from components or (component, all_versions) pairs, each component once."""
    seen, links = set(), []
    for item in components or ():
        component, every = item if isinstance(item, tuple) else (item, False)
        if component.pk in seen:
            continue
        seen.add(component.pk)
        links.append((component, bool(every)))
    return links


def _link_rows(links) -> list[dict]:
    return sorted(({"component": c.pk, "all_versions": every} for c, every in links), key=lambda r: r["component"])


def _ask_owner(vulnerability: Vulnerability, *, reopen: bool = False) -> None:
    open_task(assignee=vulnerability.owner, source=f"incidents.vulnerability.{vulnerability.pk}",
              url=vulnerability.get_absolute_url(), reopen=reopen,
              title=gettext_lazy("Handle the vulnerability %(vulnerability)s"),
              params={"vulnerability": str(vulnerability)})


@transaction.atomic
def create_vulnerability(*, actor, title: str, kind: str, unit=None, owner=None, severity: str = "",
                         cvss_vector: str = "", cve_id: str = "", components=(), dependencies=(), incident=None,
                         description: str = "", customer_impact: str = "", reason: str = "") -> Vulnerability:
    """Record a vulnerability. `components`: component versions, or (component, all_versions) pairs. The unit defaults
    to the actor's, the owner to the actor. With a CVSS vector, the score and the severity follow from it."""
    unit = unit or getattr(actor, "unit", None)
    if unit is None:
        raise ValidationError({"unit": _("Choose the organisation unit the vulnerability belongs to.")})
    require(actor, ADD, domain="incidents", unit=unit)
    owner = owner or actor
    _check_owner(actor=actor, owner=owner, unit=unit)
    _check_incident(actor, incident)
    links, dependencies = _links(components), list(dependencies or ())
    vulnerability = Vulnerability(reference=next_reference(Vulnerability, "VUL"), title=(title or "").strip(),
                                  kind=kind, cve_id=cve_id, cvss_vector=cvss_vector, severity=severity or "", unit=unit,
                                  owner=owner, reported_by=actor if getattr(actor, "pk", None) else None,
                                  incident=incident, description=description, customer_impact=customer_impact)
    _score(vulnerability, severity or None)
    clean_for_create(vulnerability)
    save_with_free_reference(vulnerability, "VUL")
    VulnerableComponent.objects.bulk_create([VulnerableComponent(vulnerability=vulnerability, component=c,
                                                                 all_versions=every) for c, every in links])
    vulnerability.dependencies.set(dependencies)
    ledger.record(actor=actor, action="incidents.vulnerability.create", obj=vulnerability, reason=reason,
                  after={**ledger.snapshot(vulnerability), "component_versions": _link_rows(links),
                         "dependencies": sorted(d.pk for d in dependencies)})
    if owner.pk != getattr(actor, "pk", None):
        _ask_owner(vulnerability)
    return vulnerability


def _ensure_not_closed(vulnerability: Vulnerability) -> None:
    if vulnerability.status == VulnerabilityStatus.CLOSED:
        raise ValidationError(_("A closed vulnerability is kept as it was closed: reopen it to change it."))


@transaction.atomic
def update_vulnerability(*, actor, vulnerability: Vulnerability, changes: dict, components=None, dependencies=None,
                         expected_version: int | None = None, reason: str = "") -> Vulnerability:
    """Change what is known of a vulnerability (and, when given, the component versions and dependencies it
    affects). A new vector is scored again and gives the severity."""
    require(actor, CHANGE, vulnerability)
    _ensure_not_closed(vulnerability)
    unknown = set(changes) - set(VULNERABILITY_EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    for name in ("title", "kind", "unit", "owner"):
        if name in changes and changes[name] in (None, ""):
            raise ValidationError({name: _("This field cannot be emptied.")})
    if changes.get("unit") is not None and changes["unit"].pk != vulnerability.unit_id:
        require(actor, ADD, domain="incidents", unit=changes["unit"])
    if "owner" in changes or "unit" in changes:
        _check_owner(actor=actor, owner=changes.get("owner", vulnerability.owner),
                     unit=changes.get("unit", vulnerability.unit))
    if changes.get("incident") is not None and changes["incident"].pk != vulnerability.incident_id:
        _check_incident(actor, changes["incident"])
    previous_owner = vulnerability.owner_id
    probe = Vulnerability(kind=changes.get("kind", vulnerability.kind),
                          cve_id=changes.get("cve_id", vulnerability.cve_id),
                          cvss_vector=changes.get("cvss_vector", vulnerability.cvss_vector),
                          severity=changes.get("severity", vulnerability.severity))
    _score(probe, changes.get("severity") or None)
    changes = {**changes, "cve_id": probe.cve_id, "cvss_vector": probe.cvss_vector,
               "cvss_version": probe.cvss_version, "cvss_score": probe.cvss_score, "severity": probe.severity}
    vulnerability = _save_with_changes(actor=actor, obj=vulnerability, changes=changes, reason=reason,
                                       expected_version=expected_version)
    if components is not None:
        links = _links(components)
        before = _link_rows((link.component, link.all_versions)
                            for link in vulnerability.component_links.select_related("component"))
        after = _link_rows(links)
        if before != after:
            vulnerability.component_links.all().delete()
            VulnerableComponent.objects.bulk_create([VulnerableComponent(vulnerability=vulnerability, component=c,
                                                                         all_versions=every) for c, every in links])
            ledger.record(actor=actor, action="incidents.vulnerability.components", obj=vulnerability,
                          reason=reason, before={"component_versions": before},
                          after={"component_versions": after})
    if dependencies is not None:
        before = sorted(vulnerability.dependencies.values_list("pk", flat=True))
        after = sorted(d.pk for d in dependencies)
        if before != after:
            vulnerability.dependencies.set(dependencies)
            ledger.record(actor=actor, action="incidents.vulnerability.dependencies", obj=vulnerability,
                          reason=reason, before={"dependencies": before}, after={"dependencies": after})
    if vulnerability.owner_id != previous_owner:
        close_tasks(source=f"incidents.vulnerability.{vulnerability.pk}")
        if vulnerability.is_open and vulnerability.owner_id != getattr(actor, "pk", None):
            _ask_owner(vulnerability, reopen=True)
    return vulnerability


@transaction.atomic
def change_vulnerability_status(*, actor, vulnerability: Vulnerability, status: str,
                                reason: str = "") -> Vulnerability:
    """Move a vulnerability along its workflow. Mitigated needs its mitigations done (at least one); accepting needs
    a reason; closing needs one unless the vulnerability was mitigated, and no mitigation still planned; reopening
    needs one."""
    require(actor, CHANGE, vulnerability)
    if status not in VulnerabilityStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    current = VulnerabilityStatus(vulnerability.status)
    if status not in VULNERABILITY_TRANSITIONS[current]:
        raise ValidationError({"status": _("A vulnerability cannot go from “%(from)s” to “%(to)s”.") % {
            "from": current.label, "to": VulnerabilityStatus(status).label}})
    reason = (reason or "").strip()
    needs_reason = status in REASON_NEEDED and (REASON_NEEDED[status] is None or current in REASON_NEEDED[status])
    if needs_reason and not reason:
        raise ValidationError({"reason": _("Say why.")})
    planned = vulnerability.mitigations.filter(status=Mitigation.Status.OPEN).exists()
    if status == VulnerabilityStatus.MITIGATED and (planned or not vulnerability.mitigations.exists()):
        raise ValidationError({"status": _("A vulnerability is mitigated once its mitigations are done (at least "
                                           "one).")})
    if status == VulnerabilityStatus.CLOSED and planned:
        raise ValidationError({"status": _("A mitigation is still planned: mark it done before closing.")})
    changes = {"status": status, "closed_at": context.now() if status == VulnerabilityStatus.CLOSED else None}
    if needs_reason or status == VulnerabilityStatus.CLOSED:
        changes["status_reason"] = reason
    vulnerability = _save_with_changes(actor=actor, obj=vulnerability, changes=changes, reason=reason,
                                       expected_version=None, action="incidents.vulnerability.status")
    if status in SETTLED:
        close_tasks(source=f"incidents.vulnerability.{vulnerability.pk}")
    elif current in SETTLED and vulnerability.owner_id != getattr(actor, "pk", None):
        _ask_owner(vulnerability, reopen=True)
    return vulnerability


# --- Mitigations -------------------------------------------------------------------------------------------------------

def latest_due_date(vulnerability: Vulnerability, on=None):
    """The latest due date the catalogue allows a mitigation planned `on` (today) for this severity (None: no limit)."""
    days = catalog.mitigation_due_days(vulnerability.severity)
    return (on or context.today()) + timedelta(days=days) if days is not None else None


@transaction.atomic
def add_mitigation(*, actor, vulnerability: Vulnerability, kind: str, title: str, owner,
                   due_date=None) -> Mitigation:
    """Plan a mitigation with its owner (offered among people who can see the vulnerability; they get a task) and its
    due date: the catalogue's days for the severity, or an earlier date. An open vulnerability is then being
    mitigated."""
    require(actor, CHANGE, vulnerability)
    _ensure_not_closed(vulnerability)
    errors = {}
    if kind not in MitigationKind.values:
        errors["kind"] = _("Choose a kind of mitigation.")
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Say what is done.")
    if owner is None:
        errors["owner"] = _("Name the owner of the mitigation.")
    today = context.today()
    latest = latest_due_date(vulnerability, today)
    due_date = due_date or latest
    if due_date is None:
        errors["due_date"] = _("Give the due date.")
    elif due_date < today:
        errors["due_date"] = _("The due date is in the past.")
    elif latest is not None and due_date > latest:
        errors["due_date"] = _("A %(severity)s vulnerability is mitigated within %(days)s days: by %(date)s at the "
                               "latest.") % {"severity": catalog.severity_label(vulnerability.severity).lower(),
                                             "days": catalog.mitigation_due_days(vulnerability.severity),
                                             "date": latest.isoformat()}
    if errors:
        raise ValidationError(errors)
    check_assignee(actor=actor, person=owner, action=VIEW, domain="incidents", unit=vulnerability.unit,
                   field="owner", what=_("owner of a mitigation of %(vulnerability)s") % {
                       "vulnerability": vulnerability.reference})
    mitigation = _create(actor=actor, obj=Mitigation(vulnerability=vulnerability, kind=kind, title=title[:300],
                                                     owner=owner, due_date=due_date))
    open_task(assignee=owner, source=f"incidents.mitigation.{mitigation.pk}", url=mitigation.get_absolute_url(),
              due_date=due_date, title=gettext_lazy("Mitigate %(vulnerability)s: %(mitigation)s"),
              params={"vulnerability": vulnerability.reference, "mitigation": mitigation.title})
    if vulnerability.status == VulnerabilityStatus.OPEN:
        change_vulnerability_status(actor=actor, vulnerability=vulnerability, status=VulnerabilityStatus.MITIGATING)
    return mitigation


@transaction.atomic
def complete_mitigation(*, actor, mitigation: Mitigation, note: str, done_on=None) -> Mitigation:
    """The owner (or whoever may change the vulnerability) records what was done, and when (today unless given)."""
    vulnerability = mitigation.vulnerability
    if getattr(actor, "pk", None) == mitigation.owner_id:
        require(actor, VIEW, vulnerability)
    else:
        require(actor, CHANGE, vulnerability)
    _ensure_not_closed(vulnerability)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    if mitigation.status == Mitigation.Status.DONE:
        raise ValidationError(_("This mitigation is already done."))
    done_on = done_on or context.today()
    if done_on > context.today():
        raise ValidationError({"done_on": _("This date is in the future.")})
    mitigation = _save_with_changes(actor=actor, obj=mitigation, expected_version=None, reason=note,
                                    action="incidents.mitigation.done",
                                    changes={"status": Mitigation.Status.DONE, "done_on": done_on, "done_note": note})
    close_tasks(source=f"incidents.mitigation.{mitigation.pk}")
    return mitigation


def send_mitigation_reminders(on=None) -> int:
    """Mitigations of vulnerabilities still open whose due date has come: a reminder to their owner at the due date,
    then at most every `remind_every_days` (catalogue) while overdue. Returns how many were sent."""
    day = on or context.today()
    every = catalog.remind_every_days()
    not_recent = Q(reminded_on__isnull=True) | Q(reminded_on__lte=day - timedelta(days=every))
    count = 0
    due = (Mitigation.objects.filter(not_recent, status=Mitigation.Status.OPEN, due_date__lte=day,
                                     vulnerability__status__in=OPEN_VULNERABILITY_STATUSES)
           .select_related("owner", "vulnerability").order_by("due_date", "id"))
    for mitigation in due:
        with transaction.atomic():
            overdue = mitigation.due_date < day
            title = (gettext_lazy("Overdue: the mitigation “%(mitigation)s” of %(vulnerability)s was due on %(date)s")
                     if overdue else
                     gettext_lazy("Due today: the mitigation “%(mitigation)s” of %(vulnerability)s"))
            notify(recipient=mitigation.owner, title=title, url=mitigation.get_absolute_url(), kind="reminder",
                   params={"mitigation": mitigation.title, "vulnerability": mitigation.vulnerability.reference,
                           "date": mitigation.due_date})
            Mitigation.objects.filter(pk=mitigation.pk).update(reminded_on=day)
            ledger.record(actor=None, action="incidents.mitigation.remind", obj=mitigation,
                          after={"recipient_id": mitigation.owner_id, "due_date": mitigation.due_date.isoformat()})
        count += 1
    return count
