"""Crisis exercises (issue 12 point 8): planned from a scenario of the catalogue (catalogs/crisis.yaml), whose injects
are copied onto the exercise's timeline; participants in the crisis cell's roles; started, with the moments the
players detected, contained and notified (the measured times are computed from them); completed with findings and
actions, each action with an owner who gets a task (the post-incident action's shape).

Every change needs the right to change incidents of the exercise's unit (Model.objects.restrict through `require`),
runs in one transaction and writes its ledger event."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, ledger
from aims.core.assignment import check_assignee
from aims.core.notifications import close_tasks, open_task
from aims.core.permissions import ADD, CHANGE, VIEW, require
from aims.core.services import _create, _save_with_changes

from .. import crisis_catalog
from ..models_crisis import (
    Exercise, ExerciseAction, ExerciseFinding, ExerciseInject, ExerciseParticipant,
)
from ._common import FUTURE_TOLERANCE

MOMENTS = {"detected": "detected_at", "contained": "contained_at", "notified": "notified_at"}


def _not_future(at: datetime | None, field: str) -> datetime:
    now = context.now()
    at = at or now
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError({field: _("This moment is in the future.")})
    return at


def _editable(exercise: Exercise) -> None:
    if exercise.status == Exercise.Status.COMPLETED:
        raise ValidationError(_("The exercise is completed: only its findings and actions can still be added."))


def _check_person(actor, person, field: str, exercise: Exercise, what: str) -> None:
    if person is None:
        raise ValidationError({field: _("Name the person.")})
    check_assignee(actor=actor, person=person, action=VIEW, domain="incidents", unit=exercise.unit, field=field,
                   what=what)


@transaction.atomic
def plan_exercise(*, actor, title: str, scenario: str, unit, lead, planned_for: datetime, system=None,
                  objectives: str = "", participants=()) -> Exercise:
    """Plan an exercise from a scenario: its injects are copied onto the exercise's timeline (their words stay the
    catalogue's, in each reader's language); participants are (person, role) pairs."""
    require(actor, ADD, domain="incidents", unit=unit)
    found = crisis_catalog.scenario(scenario)
    errors = {}
    if found is None:
        errors["scenario"] = _("Choose a scenario of the catalogue.")
    if not (title or "").strip():
        errors["title"] = _("Give the exercise a title.")
    if planned_for is None:
        errors["planned_for"] = _("Say when the exercise is played.")
    if errors:
        raise ValidationError(errors)
    exercise = Exercise(title=title.strip()[:200], scenario=scenario, unit=unit, lead=lead, system=system,
                        planned_for=planned_for, objectives=(objectives or "").strip())
    _check_person(actor, lead, "lead", exercise, _("lead of the crisis exercise “%(title)s”") % {"title": title})
    exercise = _create(actor=actor, obj=exercise)
    ExerciseInject.objects.bulk_create([ExerciseInject(exercise=exercise, minutes=inject["minutes"],
                                                       catalogue_index=index)
                                        for index, inject in enumerate(found["injects"])])
    for person, role in participants:
        add_participant(actor=actor, exercise=exercise, person=person, role=role)
    return exercise


@transaction.atomic
def add_participant(*, actor, exercise: Exercise, person, role: str) -> ExerciseParticipant:
    require(actor, CHANGE, exercise)
    _editable(exercise)
    if role not in crisis_catalog.role_keys():
        raise ValidationError({"role": _("Choose a role of the crisis cell.")})
    _check_person(actor, person, "person", exercise,
                  _("participant in the crisis exercise “%(title)s”") % {"title": exercise.title})
    if ExerciseParticipant.objects.filter(exercise=exercise, person=person).exists():
        raise ValidationError({"person": _("%(person)s already plays this exercise.") % {"person": person}})
    participant = ExerciseParticipant.objects.create(exercise=exercise, person=person, role=role)
    ledger.record(actor=actor, action="incidents.exercise.participant", obj=exercise,
                  after={"person": person.pk, "role": role})
    return participant


@transaction.atomic
def add_inject(*, actor, exercise: Exercise, minutes: int, text: str) -> ExerciseInject:
    require(actor, CHANGE, exercise)
    _editable(exercise)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what the players are told.")})
    if minutes is None or minutes < 0:
        raise ValidationError({"minutes": _("Give the minutes after the start (0 or more).")})
    inject = ExerciseInject.objects.create(exercise=exercise, minutes=minutes, text=text)
    ledger.record(actor=actor, action="incidents.exercise.inject", obj=exercise,
                  after={"minutes": minutes, "text": text})
    return inject


@transaction.atomic
def start_exercise(*, actor, exercise: Exercise, at: datetime | None = None) -> Exercise:
    require(actor, CHANGE, exercise)
    if exercise.status != Exercise.Status.PLANNED:
        raise ValidationError(_("Only a planned exercise can start."))
    return _save_with_changes(actor=actor, obj=exercise, expected_version=None, reason="",
                              action="incidents.exercise.start",
                              changes={"status": Exercise.Status.RUNNING, "started_at": _not_future(at, "at")})


@transaction.atomic
def record_moment(*, actor, exercise: Exercise, moment: str, at: datetime | None = None) -> Exercise:
    """The moment the players detected, contained or notified: the measured times count from the start."""
    require(actor, CHANGE, exercise)
    if exercise.status != Exercise.Status.RUNNING:
        raise ValidationError(_("Moments are recorded while the exercise runs."))
    if moment not in MOMENTS:
        raise ValidationError({"moment": _("Choose what happened.")})
    at = _not_future(at, "at")
    if at < exercise.started_at:
        raise ValidationError({"at": _("This moment is before the exercise started.")})
    return _save_with_changes(actor=actor, obj=exercise, expected_version=None, reason="",
                              action="incidents.exercise.moment", changes={MOMENTS[moment]: at})


@transaction.atomic
def complete_exercise(*, actor, exercise: Exercise, summary: str = "", at: datetime | None = None) -> Exercise:
    require(actor, CHANGE, exercise)
    if exercise.status != Exercise.Status.RUNNING:
        raise ValidationError(_("Only a running exercise can be completed."))
    at = _not_future(at, "at")
    if at < exercise.started_at:
        raise ValidationError({"at": _("This moment is before the exercise started.")})
    return _save_with_changes(actor=actor, obj=exercise, expected_version=None, reason="",
                              action="incidents.exercise.complete",
                              changes={"status": Exercise.Status.COMPLETED, "completed_at": at,
                                       "summary": (summary or "").strip()})


@transaction.atomic
def add_finding(*, actor, exercise: Exercise, text: str, kind: str = ExerciseFinding.Kind.GAP) -> ExerciseFinding:
    require(actor, CHANGE, exercise)
    if exercise.status == Exercise.Status.PLANNED:
        raise ValidationError(_("Findings are recorded once the exercise has started."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the finding.")})
    if kind not in ExerciseFinding.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of finding.")})
    finding = ExerciseFinding.objects.create(exercise=exercise, kind=kind, text=text, recorded_by=actor,
                                             created_at=context.now())
    ledger.record(actor=actor, action="incidents.exercise.finding", obj=exercise, after={"kind": kind, "text": text})
    return finding


@transaction.atomic
def add_exercise_action(*, actor, exercise: Exercise, title: str, owner, due_date: date | None = None,
                        finding: ExerciseFinding | None = None) -> ExerciseAction:
    """An action that follows the exercise, with its owner (offered among people who can see it), who gets a task."""
    require(actor, CHANGE, exercise)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Say what is to be done.")
    if owner is None:
        errors["owner"] = _("Name the owner of the action.")
    if due_date is not None and due_date < context.now().date():
        errors["due_date"] = _("The due date is in the past.")
    if finding is not None and finding.exercise_id != exercise.pk:
        errors["finding"] = _("This finding belongs to another exercise.")
    if errors:
        raise ValidationError(errors)
    _check_person(actor, owner, "owner", exercise,
                  _("owner of an action after the crisis exercise “%(title)s”") % {"title": exercise.title})
    action = _create(actor=actor, obj=ExerciseAction(exercise=exercise, finding=finding, title=title[:300],
                                                     owner=owner, due_date=due_date))
    open_task(assignee=owner, source=f"incidents.exercise_action.{action.pk}", url=action.get_absolute_url(),
              due_date=due_date, title=gettext_lazy("Action after the crisis exercise %(exercise)s: %(action)s"),
              params={"exercise": exercise.title, "action": action.title})
    return action


@transaction.atomic
def complete_exercise_action(*, actor, action: ExerciseAction, note: str) -> ExerciseAction:
    """The owner (or whoever may change the exercise) records what was done."""
    exercise = action.exercise
    if getattr(actor, "pk", None) != action.owner_id:
        require(actor, CHANGE, exercise)
    else:
        require(actor, VIEW, exercise)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    if action.status == ExerciseAction.Status.DONE:
        raise ValidationError(_("This action is already done."))
    action = _save_with_changes(actor=actor, obj=action, expected_version=None, reason=note,
                                action="incidents.exerciseaction.done",
                                changes={"status": ExerciseAction.Status.DONE, "done_at": context.now(),
                                         "done_note": note})
    close_tasks(source=f"incidents.exercise_action.{action.pk}")
    return action
