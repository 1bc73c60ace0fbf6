"""Crisis exercise pages: the exercises in the reader's scope, planning one from a scenario, and an exercise's page
(injects on its timeline, participants, measured times, findings and actions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core import context
from aims.core.forms import errors_on
from aims.core.labels import language
from aims.core.permissions import can_anywhere, can_in_unit, get_for
from aims.core.views_org import tab_context

from . import crisis_catalog, services
from .display import span
from .forms_crisis import (
    ActionDoneForm, CompleteForm, ExerciseActionForm, ExerciseForm, ExerciseMomentForm, FindingForm, InjectForm,
    ParticipantForm,
)
from .models_crisis import Exercise, ExerciseAction

PER_PAGE = 50


def visible_exercise(request, pk: int, action: str = "view") -> Exercise:
    return get_for(request.user, Exercise.objects.select_related("unit", "lead", "system"), action, pk=pk)


@login_required
def exercise_list(request):
    status = request.GET.get("status", "")
    exercises = Exercise.objects.restrict(request.user, "view").select_related("lead")
    if status in Exercise.Status.values:
        exercises = exercises.filter(status=status)
    page = Paginator(exercises.order_by("-planned_for", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    labels = dict(crisis_catalog.scenario_choices())
    for exercise in rows:
        exercise.scenario_label = labels.get(exercise.scenario, exercise.scenario)
    return render(request, "incidents/exercise_list.html", {
        "subnav": "exercises", "page": page, "rows": rows, "status": status, "statuses": Exercise.Status.choices,
        "query": f"status={status}" if status else "", "can_add": can_anywhere(request.user, "add", "incidents")})


@login_required
def exercise_create(request):
    if not can_anywhere(request.user, "add", "incidents"):
        raise PermissionDenied
    initial = {"lead": request.user, "unit": request.user.unit_id, "planned_for": context.now()}
    form = ExerciseForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        exercise = None
        with errors_on(form):
            exercise = services.plan_exercise(actor=request.user, **form.cleaned_data)
        if exercise is not None and not form.errors:
            messages.success(request, _("The exercise was planned with its scenario's injects."))
            return redirect(exercise.get_absolute_url())
    return render(request, "incidents/exercise_form.html", {
        "subnav": "exercises", "form": form, "scenarios": crisis_catalog.scenarios()},
        status=400 if request.method == "POST" and form.errors else 200)


def _duration(delta) -> str:
    return span(delta) if delta is not None else ""


def exercise_context(request, exercise: Exercise, **bound) -> dict:
    user, lang = request.user, language()
    can_change = can_in_unit(user, "change", "incidents", exercise.unit)
    editable = can_change and exercise.status != Exercise.Status.COMPLETED
    running = can_change and exercise.status == Exercise.Status.RUNNING
    after_start = can_change and exercise.status != Exercise.Status.PLANNED
    injects = [{"inject": inject, "words": inject.words(lang)}
               for inject in exercise.injects.order_by("minutes", "id")]
    roles = {row["key"]: row["label"] for row in crisis_catalog.roles(lang)}
    participants = [{"participant": p, "role": roles.get(p.role, p.role)}
                    for p in exercise.participants.select_related("person").order_by("id")]
    findings = list(exercise.findings.order_by("id"))
    actions = list(exercise.actions.select_related("owner", "finding").order_by("due_date", "id"))
    bound_done = bound.get("done_form")
    action_rows = [{"action": a, "done_form": (bound_done if bound_done is not None and bound_done.prefix == f"d{a.pk}"
                                               else ActionDoneForm(prefix=f"d{a.pk}"))
                    if a.status == ExerciseAction.Status.OPEN and (can_change or a.owner_id == user.pk) else None}
                   for a in actions]
    measured = [(_("Time to detect"), exercise.time_to_detect, exercise.detected_at),
                (_("Time to contain"), exercise.time_to_contain, exercise.contained_at),
                (_("Time to notify"), exercise.time_to_notify, exercise.notified_at)]
    return {
        "subnav": "exercises", "exercise": exercise, "can_change": can_change,
        "scenario": crisis_catalog.scenario(exercise.scenario, lang) or {"label": exercise.scenario, "summary": ""},
        "injects": injects, "participants": participants, "findings": findings, "action_rows": action_rows,
        "measured": [{"label": label, "value": _duration(delta), "at": at} for label, delta, at in measured],
        "participant_form": bound.get("participant_form") or (ParticipantForm(user=user, unit=exercise.unit)
                                                              if editable else None),
        "inject_form": bound.get("inject_form") or (InjectForm() if editable else None),
        "moment_form": bound.get("moment_form") or (ExerciseMomentForm() if running else None),
        "complete_form": bound.get("complete_form") or (CompleteForm() if running else None),
        "finding_form": bound.get("finding_form") or (FindingForm() if after_start else None),
        "action_form": bound.get("action_form") or (ExerciseActionForm(user=user, exercise=exercise)
                                                    if after_start else None),
        "can_start": can_change and exercise.status == Exercise.Status.PLANNED,
        **tab_context(request, exercise),
    }


@login_required
def exercise_detail(request, pk: int):
    exercise = visible_exercise(request, pk)
    return render(request, "incidents/exercise_detail.html", exercise_context(request, exercise))


def _back(exercise: Exercise, anchor: str = ""):
    return redirect(reverse("incidents:exercise_detail", args=[exercise.pk]) + (f"#{anchor}" if anchor else ""))


def _post(request, pk: int, form_class, key: str, call, success: str, anchor: str, **form_kwargs):
    exercise = visible_exercise(request, pk, "change")
    kwargs = {name: (value(exercise) if callable(value) else value) for name, value in form_kwargs.items()}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        with errors_on(form):
            call(exercise, form.cleaned_data)
        if not form.errors:
            messages.success(request, success)
            return _back(exercise, anchor)
    return render(request, "incidents/exercise_detail.html", exercise_context(request, exercise, **{key: form}),
                  status=400)


@login_required
@require_POST
def exercise_start(request, pk: int):
    exercise = visible_exercise(request, pk, "change")
    try:
        services.start_exercise(actor=request.user, exercise=exercise)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The exercise started: its clock is running."))
    return _back(exercise, "timeline")


@login_required
@require_POST
def exercise_moment(request, pk: int):
    return _post(request, pk, ExerciseMomentForm, "moment_form",
                 lambda e, d: services.record_moment(actor=request.user, exercise=e, **d),
                 _("The moment was recorded."), "measured")


@login_required
@require_POST
def exercise_complete(request, pk: int):
    return _post(request, pk, CompleteForm, "complete_form",
                 lambda e, d: services.complete_exercise(actor=request.user, exercise=e, **d),
                 _("The exercise is completed."), "measured")


@login_required
@require_POST
def exercise_inject_add(request, pk: int):
    return _post(request, pk, InjectForm, "inject_form",
                 lambda e, d: services.add_inject(actor=request.user, exercise=e, **d),
                 _("The inject was added."), "timeline")


@login_required
@require_POST
def exercise_participant_add(request, pk: int):
    return _post(request, pk, ParticipantForm, "participant_form",
                 lambda e, d: services.add_participant(actor=request.user, exercise=e, **d),
                 _("The participant was added."), "participants", user=request.user, unit=lambda e: e.unit)


@login_required
@require_POST
def exercise_finding_add(request, pk: int):
    return _post(request, pk, FindingForm, "finding_form",
                 lambda e, d: services.add_finding(actor=request.user, exercise=e, **d),
                 _("The finding was recorded."), "findings")


@login_required
@require_POST
def exercise_action_add(request, pk: int):
    return _post(request, pk, ExerciseActionForm, "action_form",
                 lambda e, d: services.add_exercise_action(actor=request.user, exercise=e, **d),
                 _("The action was added."), "actions", user=request.user, exercise=lambda e: e)


@login_required
@require_POST
def exercise_action_done(request, pk: int):
    action = get_object_or_404(ExerciseAction.objects.select_related("exercise"), pk=pk,
                               exercise__in=Exercise.objects.restrict(request.user, "view"))
    exercise = visible_exercise(request, action.exercise_id)
    form = ActionDoneForm(request.POST, prefix=f"d{action.pk}")
    if form.is_valid():
        with errors_on(form):
            services.complete_exercise_action(actor=request.user, action=action, note=form.cleaned_data["note"])
        if not form.errors:
            messages.success(request, _("The action is done."))
            return _back(exercise, "actions")
    return render(request, "incidents/exercise_detail.html", exercise_context(request, exercise, done_form=form),
                  status=400)
