"""Incident pages: the register (filters, sort, pages), reporting and editing, an incident's page (facts, timeline,
regimes and their clocks, submissions), the open clocks nearest their deadline, and the regulatory profile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.db.models import Case, IntegerField, Min, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core import approvals, context
from aims.core.forms import errors_on
from aims.core.labels import language
from aims.core.permissions import can_anywhere, can_in_unit, get_for
from aims.core.views_org import tab_context
from aims.inventory.models import AISystem

from . import catalog, clocks, facts, services
from .display import countdown
from .forms import (
    ActionDoneForm, ActionForm, ApplyRegimeForm, ContainmentForm, DismissRegimeForm, HoldReleaseForm, IncidentForm,
    LiftForm, ProfileForm, ReviewDecisionForm, ReviewForm, StatusForm, SubmissionForm, TimelineForm,
)
from .models import (
    OPEN_STATUSES, TRANSITIONS, Category, Clock, ContainmentDecision, EvidenceHold, Incident, PostIncidentReview,
    RegimeDecision, ReviewAction, Status,
)
from .services.review import APPROVAL as REVIEW_APPROVAL
from .services.review import REVIEWABLE
from .services.containment import is_aims_manager_for

PER_PAGE = 50
# Sort key -> ordering; each has an index (models.Incident.Meta.indexes).
SORTS = {
    "aware": ("aware_at",), "reported": ("created_at",), "severity": ("severity", "-aware_at"),
    "status": ("status", "-aware_at"), "title": ("title",),
}


def _incidents(user, action="view"):
    return Incident.objects.restrict(user, action)


def visible_incident(request, pk: int, action: str = "view") -> Incident:
    return get_for(request.user, Incident.objects.select_related("unit", "handler__manager", "reported_by"), action,
                   pk=pk)


def _ordering(sort: str):
    """The ordering for `sort` ("key" or "-key"); severity follows the catalogue's scale, not the alphabet."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        key, descending = "aware", True
    fields = []
    for name in SORTS[key]:
        if name == "severity":
            ranks = [When(severity=k, then=Value(i)) for i, k in enumerate(catalog.severity_keys())]
            expression = Case(*ranks, default=Value(-1), output_field=IntegerField())
            fields.append(expression.desc() if descending else expression.asc())
            continue
        flipped = name[1:] if name.startswith("-") else f"-{name}"
        fields.append(flipped if descending else name)
    return fields + ["-id" if descending else "id"]


@login_required
def incident_list(request):
    user = request.user
    incidents = _incidents(user).select_related("unit", "handler")
    status = request.GET.get("status", "open")
    if status == "open":
        incidents = incidents.filter(status__in=OPEN_STATUSES)
    elif status in Status.values:
        incidents = incidents.filter(status=status)
    severity = request.GET.get("severity", "")
    if severity in catalog.severity_keys():
        incidents = incidents.filter(severity=severity)
    category = request.GET.get("category", "")
    if category in Category.values:
        incidents = incidents.filter(category=category)
    system = request.GET.get("system", "")
    if system.isdigit():
        incidents = incidents.filter(systems=int(system))
    q = (request.GET.get("q") or "").strip()[:200]
    if q:
        incidents = incidents.filter(Q(title__icontains=q) | Q(reference__icontains=q))
    sort = request.GET.get("sort", "-aware")
    page = Paginator(incidents.order_by(*_ordering(sort)), PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    next_due = dict(Clock.objects.filter(incident__in=[i.pk for i in rows], state=Clock.State.RUNNING)
                    .values_list("incident").annotate(due=Min("due_at")).order_by())
    for incident in rows:
        incident.next_due = next_due.get(incident.pk)
    query = "&".join(f"{key}={value}" for key, value in (("status", status), ("severity", severity),
                                                          ("category", category), ("system", system), ("q", q),
                                                          ("sort", sort)) if value)
    return render(request, "incidents/list.html", {"subnav": "register",
        "page": page, "rows": rows, "status": status, "severity": severity, "category": category, "q": q,
        "system": system, "sort": sort, "query": query, "statuses": Status.choices,
        "severities": catalog.severity_choices(), "categories": Category.choices,
        "sorts": [("-aware", _("Most recent first")), ("aware", _("Oldest first")),
                  ("severity", _("Severity")), ("status", _("Status")), ("title", _("Title"))],
        "can_add": can_anywhere(user, "add", "incidents"), "now": context.now()})


def _save_form(request, form, incident=None):
    data = form.changes()
    systems = list(form.cleaned_data.get("systems") or [])
    components = list(form.cleaned_data.get("components") or [])
    reason = form.cleaned_data.get("reason", "")
    with errors_on(form):
        if incident is None:
            data.pop("version", None)
            unit, handler = data.pop("unit"), data.pop("handler")
            return services.create_incident(actor=request.user, unit=unit, handler=handler, systems=systems,
                                            components=components, reason=reason,
                                            title=data.pop("title"), category=data.pop("category"),
                                            severity=data.pop("severity"), aware_at=data.pop("aware_at"),
                                            detected_at=data.pop("detected_at"), **data)
        # The form has already written its values onto `incident` (ModelForm's cleaning): compare with the stored row.
        stored = Incident.objects.get(pk=incident.pk)
        changes = {k: v for k, v in data.items() if k != "version" and getattr(stored, k) != v}
        return services.update_incident(actor=request.user, incident=stored, changes=changes, systems=systems,
                                        components=components, expected_version=form.cleaned_data["version"],
                                        reason=reason)
    return None


@login_required
def incident_create(request):
    if not can_anywhere(request.user, "add", "incidents"):
        raise PermissionDenied
    initial = {"aware_at": context.now(), "detected_at": context.now(), "handler": request.user,
               "unit": request.user.unit_id}
    if request.GET.get("system", "").isdigit():
        initial["systems"] = [int(request.GET["system"])]
    form = IncidentForm(request.POST or None, user=request.user, creating=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        incident = _save_form(request, form)
        if incident is not None and not form.errors:
            messages.success(request, _("The incident %(reference)s was reported.") % {
                "reference": incident.reference})
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form, "creating": True},
                  status=400 if request.method == "POST" else 200)


@login_required
def incident_edit(request, pk: int):
    incident = visible_incident(request, pk, "change")
    form = IncidentForm(request.POST or None, instance=incident, user=request.user,
                        initial={"version": incident.version})
    if request.method == "POST" and form.is_valid():
        saved = _save_form(request, form, incident)
        if saved is not None and not form.errors:
            messages.success(request, _("The incident was saved."))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form, "incident": incident},
                  status=400 if request.method == "POST" else 200)


def clock_rows(clocks_, now, lang, *, user=None, incident=None, bound=None):
    rows = []
    for clock in clocks_:
        definition = clock.definition()
        remaining = (clock.due_at - now) if clock.due_at else None
        rows.append({"clock": clock, "label": definition.label_in(lang) if definition else clock.deadline,
                     "remaining": remaining, "countdown": countdown(remaining) if clock.state == Clock.State.RUNNING
                     else "", "overdue": remaining is not None and remaining.total_seconds() < 0
                     and clock.state == Clock.State.RUNNING,
                     "incomplete_allowed": bool(definition and definition.incomplete_allowed),
                     "submissions": list(clock.submissions.all()),
                     "form": (bound if bound is not None and bound.prefix == f"c{clock.pk}" else
                              SubmissionForm(user=user, incident=incident, prefix=f"c{clock.pk}")
                              if user is not None and clock.state in (Clock.State.RUNNING, Clock.State.SUBMITTED)
                              else None)})
    return rows


def incident_context(request, incident: Incident, **bound) -> dict:
    user, lang, now = request.user, language(), context.now()
    can_change = incident.status != Status.CLOSED and can_in_unit(user, "change", "incidents", incident.unit)
    catalogue = clocks.catalogue()
    decisions = list(incident.regimes.select_related("decided_by").order_by("regime"))
    all_clocks = list(incident.clocks.select_related("decision").prefetch_related(
        "submissions__submitted_by", "submissions__evidence").order_by("regime", "id"))
    regimes = []
    for decision in decisions:
        entry = catalogue.regimes.get(decision.regime)
        regimes.append({"decision": decision, "label": entry.label_in(lang) if entry else decision.regime,
                        "authority": entry.authority_in(lang) if entry else "",
                        "facts": [str(facts.LABELS.get(f, f)) for f in decision.facts],
                        "clocks": clock_rows([c for c in all_clocks if c.decision_id == decision.pk], now, lang,
                                             user=user if can_change else None, incident=incident,
                                             bound=bound.get("submission_form")),
                        "dismiss_form": (bound["dismiss_form"] if bound.get("dismiss_form") is not None
                                         and bound["dismiss_form"].prefix == f"r{decision.pk}"
                                         else DismissRegimeForm(prefix=f"r{decision.pk}"))})
    decided = {d.regime for d in decisions}
    others = [(key, entry.label_in(lang), bound["apply_form"] if bound.get("apply_form") is not None
               and bound["apply_form"].prefix == f"a-{key}" else ApplyRegimeForm(prefix=f"a-{key}"))
              for key, entry in catalogue.regimes.items() if key not in decided]
    decisions_taken = list(incident.containment.select_related("system", "component", "decided_by", "lifted_by")
                           .order_by("decided_at", "id"))
    kinds = {kind["key"]: kind for kind in catalog.containment_kinds()}
    bound_lift = bound.get("lift_form")
    containment = [{"decision": d, "label": kinds[d.kind]["label"] if d.kind in kinds else d.kind,
                    "lift_form": (bound_lift if bound_lift is not None and bound_lift.prefix == f"l{d.pk}"
                                  else LiftForm(prefix=f"l{d.pk}")) if can_change and d.in_force else None}
                   for d in decisions_taken]
    holds = list(incident.evidence_holds.select_related("system", "released_by").order_by("started_at", "id"))
    may_release = is_aims_manager_for(user, incident.unit)
    bound_release = bound.get("release_form")
    hold_rows = [{"hold": h, "components": len(h.snapshot.get("components") or ()),
                  "cards": len(h.snapshot.get("model_cards") or ()),
                  "release_form": (bound_release if bound_release is not None and bound_release.prefix == f"h{h.pk}"
                                   else HoldReleaseForm(prefix=f"h{h.pk}")) if may_release and h.active else None}
                 for h in holds]
    review = PostIncidentReview.objects.filter(incident=incident).select_related("author", "decided_by").first()
    review_editable = (can_change and incident.status in REVIEWABLE
                       and (review is None or review.status in (PostIncidentReview.Status.DRAFT,
                                                                PostIncidentReview.Status.RETURNED)))
    actions = list(review.actions.select_related("owner").order_by("due_date", "id")) if review else []
    bound_done = bound.get("done_form")
    action_rows = [{"action": a, "done_form": (bound_done if bound_done is not None and bound_done.prefix == f"d{a.pk}"
                                               else ActionDoneForm(prefix=f"d{a.pk}"))
                    if a.status == ReviewAction.Status.OPEN and (can_change or a.owner_id == user.pk) else None}
                   for a in actions]
    approval = (approvals.context_for(user, REVIEW_APPROVAL, review)
                if review is not None and review.status == PostIncidentReview.Status.SUBMITTED else None)
    return {
        "incident": incident, "can_change": can_change, "now": now,
        "review": review, "review_editable": review_editable, "action_rows": action_rows,
        "review_required": catalog.review_required(incident.severity), "approval": approval,
        "review_form": bound.get("review_form") or (ReviewForm(initial={
            "version": review.version if review else None, **{f: getattr(review, f) for f in (
                "root_cause", "what_worked", "what_did_not_work", "lessons_learned")}} if review else None)
            if review_editable else None),
        "action_form": bound.get("action_form") or (ActionForm(user=user, incident=incident)
                                                      if can_change and review is not None
                                                      and review.status != PostIncidentReview.Status.APPROVED
                                                      else None),
        "decision_form": bound.get("decision_form") or ReviewDecisionForm(),
        "containment": containment, "containment_kinds": list(kinds.values()), "holds": hold_rows,
        "containment_form": (bound.get("containment_form")
                             or (ContainmentForm(user=user, incident=incident, initial={"decided_at": now})
                                 if can_change else None)),
        "severity_label": catalog.severity_label(incident.severity),
        "systems": AISystem.objects.restrict(user, "view").filter(incidents=incident).order_by("name"),
        "components": incident.components.all().order_by("name"),
        "vulnerabilities": incident.vulnerabilities.restrict(user, "view").order_by("-created_at", "-id"),
        "timeline": incident.timeline.select_related("recorded_by").order_by("at", "id"),
        "regimes": regimes, "other_regimes": others,
        "status_form": bound.get("status_form") or StatusForm(incident=incident),
        "timeline_form": bound.get("timeline_form") or TimelineForm(initial={"at": now}),
        "bound_clock": bound.get("bound_clock"), "transitions": TRANSITIONS[Status(incident.status)],
        "time_zone": context_time_zone(),
        **tab_context(request, incident),
    }


def context_time_zone() -> str:
    from django.utils import timezone

    return timezone.get_current_timezone_name()


@login_required
def incident_detail(request, pk: int):
    incident = visible_incident(request, pk)
    return render(request, "incidents/detail.html", incident_context(request, incident))


@login_required
@require_POST
def incident_status(request, pk: int):
    incident = visible_incident(request, pk, "change")
    form = StatusForm(request.POST, incident=incident)
    if form.is_valid():
        with errors_on(form):
            services.change_status(actor=request.user, incident=incident, status=form.cleaned_data["status"],
                                   reason=form.cleaned_data["reason"], at=form.cleaned_data["at"])
        if not form.errors:
            messages.success(request, _("The status was changed."))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/detail.html", incident_context(request, incident, status_form=form), status=400)


@login_required
@require_POST
def timeline_add(request, pk: int):
    incident = visible_incident(request, pk, "change")
    form = TimelineForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.add_timeline_entry(actor=request.user, incident=incident, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The entry was added to the timeline."))
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#timeline")
    return render(request, "incidents/detail.html", incident_context(request, incident, timeline_form=form),
                  status=400)


@login_required
@require_POST
def regime_apply(request, pk: int, regime: str):
    incident = visible_incident(request, pk, "change")
    form = ApplyRegimeForm(request.POST, prefix=f"a-{regime}")
    if form.is_valid():
        with errors_on(form):
            services.apply_regime(actor=request.user, incident=incident, regime=regime,
                                  reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The regime applies: its deadlines are counting."))
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#regimes")
    return render(request, "incidents/detail.html", incident_context(request, incident, apply_form=form), status=400)


@login_required
@require_POST
def regime_dismiss(request, pk: int):
    decision = get_object_or_404(RegimeDecision.objects.restrict(request.user, "view").select_related("incident"),
                                 pk=pk)
    incident = visible_incident(request, decision.incident_id, "change")
    form = DismissRegimeForm(request.POST, prefix=f"r{decision.pk}")
    if form.is_valid():
        with errors_on(form):
            services.dismiss_regime(actor=request.user, decision=decision, reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The regime was dismissed."))
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#regimes")
    return render(request, "incidents/detail.html", incident_context(request, incident, dismiss_form=form),
                  status=400)


@login_required
@require_POST
def clock_submit(request, pk: int):
    clock = get_object_or_404(Clock.objects.restrict(request.user, "view").select_related("incident"), pk=pk)
    incident = visible_incident(request, clock.incident_id, "change")
    form = SubmissionForm(request.POST, request.FILES, user=request.user, incident=incident, prefix=f"c{clock.pk}")
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.record_submission(actor=request.user, clock=clock, authority=data["authority"],
                                       reference=data["reference"], submitted_at=data["submitted_at"],
                                       submitted_by=data["submitted_by"], complete=data["complete"],
                                       late_reason=data["late_reason"], note=data["note"], report=data["report"])
        if not form.errors:
            messages.success(request, _("The submission was recorded."))
            return redirect(reverse("incidents:detail", args=[incident.pk]) + f"#clock-{clock.pk}")
    return render(request, "incidents/detail.html",
                  incident_context(request, incident, submission_form=form, bound_clock=clock.pk), status=400)


@login_required
def clock_list(request):
    """Running clocks the reader may see, nearest deadline first."""
    lang, now = language(), context.now()
    running = (Clock.objects.restrict(request.user, "view").filter(state=Clock.State.RUNNING)
               .select_related("incident").order_by("due_at", "id"))
    page = Paginator(running, PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for clock in page.object_list:
        definition = clock.definition()
        entry = clocks.regime(clock.regime)
        rows.append({"clock": clock, "label": definition.label_in(lang) if definition else clock.deadline,
                     "regime": entry.label_in(lang) if entry else clock.regime, "countdown": countdown(clock.due_at - now),
                     "overdue": clock.due_at < now})
    return render(request, "incidents/clocks.html", {"subnav": "clocks", "page": page, "rows": rows,
                                                     "time_zone": context_time_zone()})


@login_required
def profile(request):
    if not can_anywhere(request.user, "view", "incidents"):
        raise PermissionDenied
    current = facts.profile()
    can_change = can_in_unit(request.user, "change", "organisation", None)
    form = ProfileForm(request.POST or None, instance=current, initial={"version": current.version})
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            with errors_on(form):
                changes = {k: v for k, v in form.changes().items() if k != "version"}
                services.update_profile(actor=request.user, changes=changes,
                                        expected_version=form.cleaned_data["version"] if current.pk else None,
                                        reason=form.cleaned_data["reason"])
            if not form.errors:
                messages.success(request, _("The regulatory profile was saved."))
                return redirect("incidents:profile")
    return render(request, "incidents/profile.html", {"subnav": "profile", "form": form, "profile": current, "can_change": can_change},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def decision_add(request, pk: int):
    incident = visible_incident(request, pk, "change")
    form = ContainmentForm(request.POST, user=request.user, incident=incident)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.record_decision(actor=request.user, incident=incident, kind=data["kind"], reason=data["reason"],
                                     system=data["system"], component=data["component"],
                                     decided_by=data["decided_by"], decided_at=data["decided_at"],
                                     effect=data["effect"])
        if not form.errors:
            messages.success(request, _("The decision was recorded."))
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#containment")
    return render(request, "incidents/detail.html", incident_context(request, incident, containment_form=form),
                  status=400)


@login_required
@require_POST
def decision_lift(request, pk: int):
    decision = get_object_or_404(ContainmentDecision.objects.restrict(request.user, "view"), pk=pk)
    incident = visible_incident(request, decision.incident_id, "change")
    form = LiftForm(request.POST, prefix=f"l{decision.pk}")
    if form.is_valid():
        with errors_on(form):
            services.lift_decision(actor=request.user, decision=decision, reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The measure was lifted."))
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#containment")
    return render(request, "incidents/detail.html", incident_context(request, incident, lift_form=form), status=400)


@login_required
@require_POST
def hold_release(request, pk: int):
    hold = get_object_or_404(EvidenceHold.objects.select_related("incident", "system"), pk=pk,
                             incident__in=Incident.objects.restrict(request.user, "view"))
    incident = visible_incident(request, hold.incident_id)
    if not is_aims_manager_for(request.user, incident.unit):
        raise PermissionDenied(_("Only an AIMS manager may release an evidence hold."))
    form = HoldReleaseForm(request.POST, prefix=f"h{hold.pk}")
    if form.is_valid():
        with errors_on(form):
            services.release_hold(actor=request.user, hold=hold, justification=form.cleaned_data["justification"])
        if not form.errors:
            messages.success(request, _("The evidence hold was released."))
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#evidence-hold")
    return render(request, "incidents/detail.html", incident_context(request, incident, release_form=form),
                  status=400)


@login_required
def system_panel(request, pk: int):
    """For an AI system's page: the containment measures in force on it, its evidence holds and its open incidents
    (what the reader may see of them)."""
    system = get_for(request.user, AISystem.objects.all(), "view", pk=pk)
    visible = Incident.objects.restrict(request.user, "view")
    measures = (ContainmentDecision.objects.filter(system=system, in_force=True, incident__in=visible)
                .select_related("incident", "decided_by").order_by("decided_at", "id"))
    holds = (EvidenceHold.objects.filter(system=system, released_at=None, incident__in=visible)
             .select_related("incident").order_by("started_at", "id"))
    open_incidents = list(visible.filter(systems=system, status__in=OPEN_STATUSES).order_by("-aware_at", "-id")[:10])
    kinds = {kind["key"]: kind for kind in catalog.containment_kinds()}
    rows = [{"decision": m, "label": kinds[m.kind]["label"] if m.kind in kinds else m.kind} for m in measures]
    template = ("incidents/_system_panel.html" if request.htmx or request.GET.get("partial")
                else "incidents/system_panel.html")
    return render(request, template, {
        "system": system, "measures": rows, "holds": list(holds), "open_incidents": open_incidents,
        "can_report": can_in_unit(request.user, "add", "incidents", system.unit)})


def _review_of(incident) -> PostIncidentReview:
    review = PostIncidentReview.objects.filter(incident=incident).first()
    if review is None:
        raise PermissionDenied
    return review


def _back_to_review(incident):
    return redirect(reverse("incidents:detail", args=[incident.pk]) + "#review")


@login_required
@require_POST
def review_save(request, pk: int):
    incident = visible_incident(request, pk, "change")
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        with errors_on(form):
            services.save_review(actor=request.user, incident=incident, changes=data, expected_version=version)
        if not form.errors and request.POST.get("submit"):
            with errors_on(form):
                services.submit_review(actor=request.user, review=_review_of(incident))
        if not form.errors:
            messages.success(request, _("The review was submitted for sign-off.") if request.POST.get("submit")
                             else _("The review was saved."))
            return _back_to_review(incident)
    return render(request, "incidents/detail.html", incident_context(request, incident, review_form=form), status=400)


@login_required
@require_POST
def review_decide(request, pk: int, verdict: str):
    """Approve or return the review: its approvers only (they may have no write access to incidents)."""
    if verdict not in ("approve", "return"):
        raise Http404
    incident = get_object_or_404(Incident, pk=pk)
    review = _review_of(incident)
    if not approvals.may_approve(request.user, REVIEW_APPROVAL, review):
        raise PermissionDenied(_("Only the review's approvers may decide on it."))
    form = ReviewDecisionForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            if verdict == "approve":
                services.approve_review(actor=request.user, review=review, comment=form.cleaned_data["comment"])
            else:
                services.return_review(actor=request.user, review=review, comment=form.cleaned_data["comment"])
        if not form.errors:
            messages.success(request, _("The review was approved.") if verdict == "approve"
                             else _("The review was returned to its author."))
            return _back_to_review(incident)
    return render(request, "incidents/detail.html", incident_context(request, incident, decision_form=form),
                  status=400)


@login_required
@require_POST
def review_action_add(request, pk: int):
    incident = visible_incident(request, pk, "change")
    review = _review_of(incident)
    form = ActionForm(request.POST, user=request.user, incident=incident)
    if form.is_valid():
        with errors_on(form):
            services.add_action(actor=request.user, review=review, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The action was added."))
            return _back_to_review(incident)
    return render(request, "incidents/detail.html", incident_context(request, incident, action_form=form), status=400)


@login_required
@require_POST
def review_action_done(request, pk: int):
    action = get_object_or_404(ReviewAction.objects.select_related("review__incident"), pk=pk)
    incident = visible_incident(request, action.review.incident_id)
    form = ActionDoneForm(request.POST, prefix=f"d{action.pk}")
    if form.is_valid():
        with errors_on(form):
            services.complete_action(actor=request.user, action=action, note=form.cleaned_data["note"])
        if not form.errors:
            messages.success(request, _("The action is done."))
            return _back_to_review(incident)
    return render(request, "incidents/detail.html", incident_context(request, incident, done_form=form), status=400)
