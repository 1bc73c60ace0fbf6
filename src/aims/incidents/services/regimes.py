"""Regulatory regimes and their clocks: proposed from the facts, applied or dismissed by a person, recomputed when the
facts or a submission move an anchor, stopped by submissions, and swept for reminders."""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from datetime import timezone
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, ledger
from aims.core.models import User
from aims.core.notifications import close_tasks, notify_many, open_task
from aims.core.permissions import CHANGE, VIEW, can_in_unit, load_scopes, require
from aims.core.services import _create, _save_with_changes, lock_and_reload

from .. import clocks, facts
from ._common import FUTURE_TOLERANCE
from ..models import Clock, Incident, RegimeDecision, Status, Submission, TimelineEntry

LIVE = (Clock.State.WAITING, Clock.State.RUNNING)


def _regime_label(key: str, language: str | None = None) -> str:
    entry = clocks.regime(key)
    return entry.label_in(language or "en") if entry else key


def _deadline_label(clock: Clock, language: str | None = None) -> str:
    definition = clock.definition()
    return definition.label_in(language or "en") if definition else clock.deadline


# --- Proposals ------------------------------------------------------------------------------------------------------

def proposals_for(incident: Incident, *, systems=None) -> list[tuple[str, list[str]]]:
    """(regime key, the facts that call for it) for every regime of the catalogue whose facts all hold."""
    held = facts.facts_of(incident, systems=systems)
    return [(key, list(regime.applies_when)) for key, regime in clocks.catalogue().regimes.items()
            if regime.applies_when and set(regime.applies_when) <= held]


def refresh(*, actor, incident: Incident, systems=None) -> list[RegimeDecision]:
    """Propose the regimes the facts now call for (each once: a dismissed one is not proposed again) and recompute the
    clocks of the regimes that apply. Runs inside the caller's transaction."""
    existing = set(incident.regimes.values_list("regime", flat=True))
    version = clocks.catalogue().version
    proposed = []
    for key, because in proposals_for(incident, systems=systems):
        if key in existing:
            continue
        decision = _create(actor=actor, obj=RegimeDecision(incident=incident, regime=key, facts=because,
                                                          catalogue_version=version))
        open_task(assignee=incident.handler, source=f"incidents.regime.{decision.pk}", url=incident.get_absolute_url(),
                  title=gettext_lazy("Confirm whether %(regime)s applies to %(incident)s"),
                  params={"regime": _regime_label(key, incident.handler.language), "incident": str(incident)})
        proposed.append(decision)
    recompute(actor=actor, incident=incident)
    return proposed


def _decide(decision: RegimeDecision, *, actor, state: str, reason: str) -> RegimeDecision:
    return _save_with_changes(actor=actor, obj=decision, expected_version=None, reason=reason,
                              action=f"incidents.regimedecision.{'apply' if state == 'applied' else 'dismiss'}",
                              changes={"state": state, "decided_by": actor, "decided_at": context.now(),
                                       "reason": reason})


@transaction.atomic
def apply_regime(*, actor, incident: Incident, regime: str, reason: str = "") -> RegimeDecision:
    """Confirm that a regime applies (a proposal, or one the person adds): its clocks start counting."""
    require(actor, CHANGE, incident)
    if incident.status == Status.CLOSED:
        raise ValidationError(_("A closed incident is kept as it was closed; it cannot be changed."))
    entry = clocks.regime(regime)
    if entry is None:
        raise ValidationError({"regime": _("Unknown regulatory regime.")})
    decision = incident.regimes.filter(regime=regime).first()
    if decision is None:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why this regime applies although the facts do not call for it.")})
        decision = _create(actor=actor, obj=RegimeDecision(incident=incident, regime=regime,
                                                          catalogue_version=clocks.catalogue().version))
    elif decision.state == RegimeDecision.State.APPLIED:
        return decision
    decision = _decide(decision, actor=actor, state=RegimeDecision.State.APPLIED, reason=reason)
    close_tasks(source=f"incidents.regime.{decision.pk}")
    for deadline in entry.deadlines:
        clock = decision.clocks.filter(deadline=deadline.key).first()
        if clock is None:
            _create(actor=actor, obj=Clock(incident=incident, decision=decision, regime=regime,
                                           deadline=deadline.key))
        elif clock.state == Clock.State.CANCELLED:
            _save_with_changes(actor=actor, obj=clock, expected_version=None, reason=reason,
                               changes={"state": Clock.State.WAITING})
    recompute(actor=actor, incident=incident)
    return decision


@transaction.atomic
def dismiss_regime(*, actor, decision: RegimeDecision, reason: str) -> RegimeDecision:
    """Decide that a regime does not apply, with the reason; its clocks (if it applied) are cancelled, unless a report
    was already submitted under it."""
    incident = decision.incident
    require(actor, CHANGE, incident)
    if incident.status == Status.CLOSED:
        raise ValidationError(_("A closed incident is kept as it was closed; it cannot be changed."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why this regime does not apply.")})
    if Submission.objects.filter(clock__decision=decision).exists():
        raise ValidationError(_("A report was already submitted under this regime: it cannot be dismissed."))
    if decision.state == RegimeDecision.State.DISMISSED:
        return decision
    decision = _decide(decision, actor=actor, state=RegimeDecision.State.DISMISSED, reason=reason)
    for clock in decision.clocks.filter(state__in=LIVE):
        _save_with_changes(actor=actor, obj=clock, expected_version=None, reason=reason,
                           changes={"state": Clock.State.CANCELLED, "next_reminder_at": None})
        close_tasks(source=f"incidents.clock.{clock.pk}")
    close_tasks(source=f"incidents.regime.{decision.pk}")
    from .containment import sync_holds

    sync_holds(actor=actor, incident=incident)
    return decision


# --- Clocks ---------------------------------------------------------------------------------------------------------

def _anchors(incident: Incident, decision_clocks: list[Clock]) -> dict:
    anchors = facts.anchors_of(incident)
    latest = {}
    for submission in Submission.objects.filter(clock__in=[c.pk for c in decision_clocks]).select_related("clock"):
        key = clocks.SUBMITTED + submission.clock.deadline
        if latest.get(key) is None or submission.submitted_at > latest[key]:
            latest[key] = submission.submitted_at
    anchors.update(latest)
    return anchors


def _next_reminder(clock: Clock, regime) -> object:
    """The moment of the first escalation point not yet reminded of (None once the deadline itself was)."""
    return _next_point(clock.anchor_at, clock.due_at, clock.reminders_sent, clocks.reminder_points(regime))


def _next_point(anchor_at, due_at, sent: list, points: tuple) -> object:
    if due_at is None or anchor_at is None:
        return None
    for point in points:
        if point not in sent:
            return clocks.point_moment(anchor_at, due_at, point)
    return None


def recompute(*, actor, incident: Incident) -> list[Clock]:
    """Recompute the deadlines of the incident's live clocks from the current anchors (ledgered when they move)."""
    held = facts.facts_of(incident)
    changed = []
    decisions = incident.regimes.filter(state=RegimeDecision.State.APPLIED)
    for decision in decisions:
        regime = clocks.regime(decision.regime)
        if regime is None:
            continue
        decision_clocks = list(decision.clocks.all())
        anchors = _anchors(incident, decision_clocks)
        for clock in decision_clocks:
            if clock.state not in LIVE:
                continue
            try:
                deadline = regime.deadline(clock.deadline)
            except StopIteration:
                continue
            when = clocks.due(deadline, anchors, held)
            state = Clock.State.RUNNING if when.due_at is not None else Clock.State.WAITING
            if (clock.anchor_at, clock.due_at, clock.state) == (when.anchor_at, when.due_at, state):
                continue
            moved = clock.due_at is not None and when.due_at != clock.due_at
            probe = Clock(anchor_at=when.anchor_at, due_at=when.due_at,
                          reminders_sent=[] if moved else clock.reminders_sent)
            clock = _save_with_changes(
                actor=actor, obj=clock, expected_version=None, reason="", action="incidents.clock.compute",
                changes={"anchor_at": when.anchor_at, "due_at": when.due_at, "basis": when.basis, "state": state,
                         "reminders_sent": probe.reminders_sent, "next_reminder_at": _next_reminder(probe, regime)})
            if state == Clock.State.RUNNING:
                language = incident.handler.language
                open_task(assignee=incident.handler, source=f"incidents.clock.{clock.pk}", url=clock.get_absolute_url(),
                          due_date=clock.due_at.date(),
                          title=gettext_lazy("Submit the %(deadline)s of %(incident)s by %(due)s"),
                          params={"deadline": _deadline_label(clock, language), "incident": incident.reference,
                                  "due": clock.due_at})
            changed.append(clock)
    from .containment import sync_holds

    sync_holds(actor=actor, incident=incident)
    return changed


@transaction.atomic
def record_submission(*, actor, clock: Clock, authority: str, reference: str = "", submitted_at=None,
                      submitted_by=None, complete: bool = True, late_reason: str = "", note: str = "",
                      report=None) -> Submission:
    """Record a report sent to an authority: it stops the clock (the first one; later ones are updates) and may start
    the clocks anchored on it. A late first submission needs its reason; the report file is kept as evidence."""
    incident = clock.incident
    require(actor, CHANGE, incident)
    lock_and_reload(clock)
    if clock.state not in (Clock.State.RUNNING, Clock.State.SUBMITTED):
        raise ValidationError(_("This deadline is not running: nothing can be submitted for it yet."))
    now = context.now()
    submitted_at = submitted_at or now
    errors = {}
    if submitted_at > now + FUTURE_TOLERANCE:
        errors["submitted_at"] = _("This moment is in the future.")
    if clock.anchor_at and submitted_at < clock.anchor_at:
        errors["submitted_at"] = _("A report cannot be submitted before its deadline started counting.")
    if not (authority or "").strip():
        errors["authority"] = _("Name the authority the report was sent to.")
    definition = clock.definition()
    if not complete and not (definition and definition.incomplete_allowed):
        errors["complete"] = _("This report must be complete.")
    first = clock.state == Clock.State.RUNNING
    late = first and clock.due_at is not None and submitted_at > clock.due_at
    if late and not (late_reason or "").strip():
        errors["late_reason"] = _("The deadline was %(due)s: say why the report is late.") % {
            "due": clock.due_at.isoformat(timespec="minutes")}
    if errors:
        raise ValidationError(errors)
    submitted_by = submitted_by or actor
    if not can_in_unit(submitted_by, VIEW, "incidents", incident.unit):
        raise ValidationError({"submitted_by": _("%(person)s cannot see this incident.") % {"person": submitted_by}})
    evidence = None
    if report is not None:
        from aims.evidence import services as evidence_services

        evidence = evidence_services.create_evidence(
            actor=actor, title=f"{incident.reference} · {_deadline_label(clock)} · {authority}"[:200],
            unit=incident.unit, file=report, link_to=[incident], reason=_("Report submitted to an authority"))
    submission = Submission.objects.create(
        clock=clock, submitted_at=submitted_at, submitted_by=submitted_by, recorded_by=actor, authority=authority,
        reference=reference, complete=complete, late_reason=late_reason if late else "", note=note,
        evidence=evidence, created_at=now)
    changes = {"state": Clock.State.SUBMITTED, "next_reminder_at": None}
    if first:
        changes.update(submitted_at=submitted_at, late=late)
    _save_with_changes(actor=actor, obj=clock, expected_version=None, reason=late_reason,
                       action="incidents.clock.submit", changes=changes)
    ledger.record(actor=actor, action="incidents.submission.create", obj=clock, after={
        "submission": submission.pk, "authority": authority, "reference": reference,
        "submitted_at": submitted_at.isoformat(), "submitted_by": submitted_by.pk, "complete": complete,
        "late": late, "late_reason": submission.late_reason, "evidence": evidence.pk if evidence else None})
    TimelineEntry.objects.create(
        incident=incident, kind=TimelineEntry.Kind.NOTIFIED, at=submitted_at, recorded_by=actor,
        source=f"{authority} {reference}".strip()[:300], note=_deadline_label(clock), created_at=now)
    close_tasks(source=f"incidents.clock.{clock.pk}")
    recompute(actor=actor, incident=incident)
    return submission


# --- Reminders ------------------------------------------------------------------------------------------------------

# One object each, so a sweep renders each text once per language (core.notifications memoises by identity).
REMINDER_OVERDUE = gettext_lazy("Deadline passed: %(deadline)s of %(incident)s")
REMINDER_APPROACHING = gettext_lazy("Deadline approaching: %(deadline)s of %(incident)s")
REMINDER_BODY = gettext_lazy("Due on %(due)s (%(authority)s). Record the submission on the incident's page once the "
                             "report is sent.")
# Several deadlines reached at once for one person (a sweep after the worker was down, or many incidents together) make
# one reminder, which opens the deadlines page; each deadline still has its task in "my tasks".
REMINDER_SEVERAL = gettext_lazy("%(count)s regulatory deadlines approaching, the nearest: %(deadline)s of %(incident)s")
REMINDER_SEVERAL_OVERDUE = gettext_lazy("%(count)s regulatory deadlines need you, %(overdue)s of them passed")
REMINDER_SEVERAL_BODY = gettext_lazy("The nearest: %(deadline)s of %(incident)s, due on %(due)s (%(authority)s). The "
                                     "deadlines page lists them all; record each submission on its incident's page once "
                                     "the report is sent.")

# reverse("incidents:clocks"), written out: the worker's first sweep would otherwise load the whole URLconf (the API
# and its libraries, seconds) to name one page. test_incident_clocks.py opens it as each recipient.
CLOCKS_PAGE = "/incidents/clocks/"

SWEEP_BATCH = 2_000
# What the sweep reads of each due clock, as plain values: building thousands of models with their incident, handler,
# manager and unit cost more than all the rest of its work.
_SWEEP_COLUMNS = ("id", "regime", "deadline", "anchor_at", "due_at", "reminders_sent", "incident_id",
                  "incident__reference", "incident__unit__path", "incident__handler_id",
                  "incident__handler__manager_id", "incident__title")


class _Words:
    """What the sweep looks up in the catalogue, once per sweep: each regime's escalation points, and the deadline
    labels and authorities the reminders say, per language."""

    def __init__(self):
        self.memo = {}

    def _once(self, key: tuple, compute):
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def deadline(self, regime, key: str, language: str) -> str:
        def label():
            found = next((d for d in regime.deadlines if d.key == key), None)
            return found.label_in(language) if found else key
        return self._once(("deadline", regime.key, key, language), label)

    def authority(self, regime, language: str) -> str:
        return self._once(("authority", regime.key, language), lambda: regime.authority_in(language))


class _Unit:
    """An incident's unit as the permission check reads it (its path)."""

    def __init__(self, path: str):
        self.path = path


class _Reached(NamedTuple):
    """A clock that reached an escalation point in this sweep, as its reminder names it (a tuple: built for each of
    thousands of clocks, where a frozen dataclass costs several times more)."""

    pk: int
    incident_id: int
    reference: str
    regime: object
    deadline: str
    due_at: object
    overdue: bool


def _reminder(person, reached: list[_Reached], words: _Words) -> dict:
    """One person's reminder for the clocks that reached a point in this batch: about the clock itself when there is
    one, else how many (and how many passed) and the nearest, opening the deadlines page."""
    nearest = min(reached, key=lambda clock: (clock.due_at, clock.pk))
    params = {"deadline": words.deadline(nearest.regime, nearest.deadline, person.language),
              "incident": nearest.reference, "due": nearest.due_at,
              "authority": words.authority(nearest.regime, person.language)}
    if len(reached) == 1:
        return dict(recipient=person, kind="incidents.clock", title=REMINDER_OVERDUE if nearest.overdue
                    else REMINDER_APPROACHING, body=REMINDER_BODY, params=params,
                    url=f"/incidents/{nearest.incident_id}/#clock-{nearest.pk}")  # Clock.get_absolute_url
    overdue = sum(clock.overdue for clock in reached)
    return dict(recipient=person, kind="incidents.clock", url=CLOCKS_PAGE, body=REMINDER_SEVERAL_BODY,
                title=REMINDER_SEVERAL_OVERDUE if overdue else REMINDER_SEVERAL,
                params={**params, "count": len(reached), "overdue": overdue})


def _people(ids: set, memo: dict) -> None:
    """Load the people not met yet in this sweep (one instance each, whose role scopes are then read once)."""
    missing = [pk for pk in ids if pk is not None and ("person", pk) not in memo]
    people = list(User.objects.filter(pk__in=missing))
    load_scopes(people)
    for person in people:
        memo[("person", person.pk)] = person


def _recipients_of(handler_id, manager_id, unit_path, memo: dict) -> list:
    """The handler and the handler's manager, each only if they may open the incident (answered once per person and
    unit: the same people handle many incidents)."""
    result = []
    for pk in dict.fromkeys((handler_id, manager_id)):
        person = memo.get(("person", pk)) if pk is not None else None
        if person is None or not person.is_active:
            continue
        key = (pk, unit_path)
        if key not in memo:
            memo[key] = can_in_unit(person, VIEW, "incidents", _Unit(unit_path) if unit_path is not None else None)
        if memo[key]:
            result.append(person)
    return result


def _due_clocks(now) -> list[tuple]:
    """The next batch of running clocks whose next point has come, oldest first, locked, as _SWEEP_COLUMNS values.

    The query is Django's, its rows are read through the cursor and converted here: Django's converters (a regular
    expression per date on SQLite, a JSON decoding per list) cost two thirds of the read, while the dates need
    only their time zone and the clocks share a handful of lists of points sent, decoded once each."""
    query = (Clock.objects.select_for_update(of=("self",))
             .filter(state=Clock.State.RUNNING, next_reminder_at__lte=now)
             .order_by("next_reminder_at", "id").values_list(*_SWEEP_COLUMNS)[:SWEEP_BATCH]).query
    sql, params = query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    lists = {sent: json.loads(sent) if isinstance(sent, str) else sent for sent in {row[5] for row in rows}}
    return [(pk, regime, deadline, _aware(anchor_at), _aware(due_at), lists[sent], *rest)
            for pk, regime, deadline, anchor_at, due_at, sent, *rest in rows]


def _aware(value):
    """A datetime column's value as an aware datetime: PostgreSQL's driver gives one, SQLite's a naive one in UTC."""
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def _points_reached(anchor_at, due_at, sent: list, every: tuple, now) -> tuple[list, object]:
    """The clock's escalation points not reminded yet whose moment has come, in order, and the moment of the first
    one still ahead (None when none is): the reminder and the next_reminder_at the sweep stores, in one pass."""
    if anchor_at is None or due_at is None:
        return [], None
    reached, next_at = [], None
    for point in every:
        if point in sent:
            continue
        moment = clocks.point_moment(anchor_at, due_at, point)
        if moment <= now:
            reached.append(point)
        elif next_at is None:
            next_at = moment
    return reached, next_at


def _store_reminder_state(rows: list[tuple]) -> None:
    """Write each clock's reminders sent and next point, (id, reminders_sent, next_reminder_at) per row, in one
    prepared statement run for every row: Django's bulk_update builds a CASE over the whole batch, which costs more
    to compose than the sweep's other work."""
    sent_field, next_field = (Clock._meta.get_field(name) for name in ("reminders_sent", "next_reminder_at"))
    # The connection itself: through the `connection` proxy, each of the fields' lookups of `ops` (two per clock)
    # would cost a context-local read.
    database = connections[DEFAULT_DB_ALIAS]
    quote = database.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in (sent_field, next_field))
    lists = {}  # each distinct list of points sent, encoded once: a few lists for thousands of clocks
    values = []
    for pk, sent, next_at in rows:
        if (key := tuple(sent)) not in lists:
            lists[key] = sent_field.get_db_prep_value(sent, database)
        values.append((lists[key], next_field.get_db_prep_value(next_at, database), pk))
    with database.cursor() as cursor:
        cursor.executemany(f"UPDATE {quote(Clock._meta.db_table)} SET {assignments} WHERE id = %s", values)


def send_reminders(*, now=None) -> int:
    """Remind the handler and their manager of every running clock whose next escalation point has come (several
    points passed since the last sweep make one reminder, about the latest; several clocks for one person, one
    reminder naming the nearest: see _reminder). Returns the number of clocks reminded.

    Reads only the clocks whose `next_reminder_at` has come (an index), in batches of plain values, each batch in its
    own transaction with its notifications inserted and its ledger events appended together: one event per incident,
    on the incident (its History tab), naming each deadline reminded with its points and who was reminded. An
    incident's clocks share their recipients (its handler and their manager), and a catch-up after the worker was down
    reaches them together: one event each would triple the sweep's writes for no fact more."""
    with _collector_paused():
        return _send_reminders(now or context.now())


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off for the sweep: it makes tens of thousands of short-lived tuples, dicts
    and lists, none in a cycle, and each pass of the collector over a worker's heap found nothing to free while it
    took a fifth of a catch-up (200-260 ms of 1.0-1.25 s, timed with gc.callbacks in benchmarks/incidents.py's
    process). Reference counting still frees everything; the collector runs again once the sweep is over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _send_reminders(now) -> int:
    regimes = clocks.catalogue().regimes
    points_of = {key: clocks.reminder_points(regime) for key, regime in regimes.items()}
    words, memo, reminded = _Words(), {}, 0
    while True:
        with transaction.atomic():
            batch = _due_clocks(now)
            if not batch:
                return reminded
            _people({row[9] for row in batch} | {row[10] for row in batch}, memo)
            by_incident, due_for, state = {}, {}, []
            for (pk, regime_key, deadline, anchor_at, due_at, sent, incident_id, reference, unit_path, handler_id,
                 manager_id, title) in batch:
                points, next_at = _points_reached(anchor_at, due_at, sent, points_of.get(regime_key, ()), now)
                if points:
                    people = _recipients_of(handler_id, manager_id, unit_path, memo)
                    reached = _Reached(pk, incident_id, reference, regimes.get(regime_key), deadline, due_at,
                                       points[-1] >= 1.0)
                    for person in people:  # by key: hashing a model instance costs more than the lookup
                        due_for.setdefault(person.pk, (person, []))[1].append(reached)
                    sent = sorted(set(sent) | set(points))
                    if incident_id not in by_incident:  # Incident.__str__, and the people its clocks share
                        by_incident[incident_id] = (f"{reference} · {title}", [p.pk for p in people], [])
                    by_incident[incident_id][2].append({"clock": pk, "regime": regime_key, "deadline": deadline,
                                                        "points": points})
                    reminded += 1
                state.append((pk, sent, next_at))
            _store_reminder_state(state)
            notify_many([_reminder(person, reached, words) for person, reached in due_for.values()])
            if by_incident:
                ledger.record_many(actor=None, changes=[
                    ("incidents.incident.remind", ledger.ObjectRef("incidents.incident", incident_id, label), None,
                     {"deadlines": deadlines, "people": people})
                    for incident_id, (label, people, deadlines) in by_incident.items()])
