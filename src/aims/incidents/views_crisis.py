"""Crisis pages: the crises in the reader's scope, escalating an incident, a crisis's page (cell, first-hour
checklist, decision log, communication log, stand-down) and the status summary for executives."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core import context
from aims.core.forms import errors_on
from aims.core.labels import language
from aims.core.permissions import can_in_unit, get_for
from aims.core.views_org import tab_context
from aims.inventory.models import AISystem

from . import catalog, crisis_catalog, services
from .forms_crisis import CommunicationForm, CrisisDecisionForm, EscalateForm, MemberForm, StandDownForm, TickForm
from .models import Clock, Status
from .models_crisis import ChecklistItem, Crisis, CrisisMember
from .services.crisis import template_facts
from .views import clock_rows, context_time_zone, visible_incident

PER_PAGE = 50
LAST = 5


def visible_crisis(request, pk: int, action: str = "view") -> Crisis:
    return get_for(request.user, Crisis.objects.select_related("incident__unit", "incident__handler",
                                                               "escalated_by", "stood_down_by"), action, pk=pk)


@login_required
def crisis_list(request):
    status = request.GET.get("status", "")
    crises = (Crisis.objects.restrict(request.user, "view").select_related("incident", "escalated_by")
              .annotate(open_items=Count("checklist", filter=Q(checklist__done_at=None))))
    if status in Crisis.Status.values:
        crises = crises.filter(status=status)
    page = Paginator(crises.order_by("-escalated_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "incidents/crisis_list.html", {
        "subnav": "crises", "page": page, "rows": list(page.object_list), "status": status,
        "statuses": Crisis.Status.choices, "query": f"status={status}" if status else ""})


@login_required
def crisis_escalate(request, pk: int):
    incident = visible_incident(request, pk, "change")
    existing = Crisis.objects.filter(incident=incident).first()
    if existing is not None and existing.is_active:
        return redirect(existing.get_absolute_url())
    form = EscalateForm(request.POST or None, user=request.user, incident=incident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        members = [("crisis_lead", data["lead"])] if data["lead"] else []
        crisis = None
        with errors_on(form):
            crisis = services.escalate(actor=request.user, incident=incident, reason=data["reason"], at=data["at"],
                                       members=members)
        if crisis is not None and not form.errors:
            messages.success(request, _("The crisis cell is active."))
            return redirect(crisis.get_absolute_url())
    return render(request, "incidents/crisis_escalate.html", {
        "incident": incident, "form": form, "checklist": crisis_catalog.checklist(), "roles": crisis_catalog.roles(),
        "previous": existing}, status=400 if request.method == "POST" else 200)


def _cell(crisis: Crisis) -> list[dict]:
    members = list(crisis.members.select_related("person").order_by("id"))
    return [{"role": role, "members": [m for m in members if m.role == role["key"]]}
            for role in crisis_catalog.roles()]


def crisis_context(request, crisis: Crisis, **bound) -> dict:
    user, lang, incident = request.user, language(), crisis.incident
    can_change = crisis.is_active and incident.status != Status.CLOSED and can_in_unit(user, "change", "incidents",
                                                                                        incident.unit)
    items = list(crisis.checklist.select_related("done_by").order_by("position", "id"))
    checklist = [{"item": item, **{k: v for k, v in crisis_catalog.checklist_item(item.key, lang).items()
                                    if k in ("label", "help")}} for item in items]
    communications = [{"entry": entry, "audience": crisis_catalog.audience_label(entry.audience, lang),
                       "channel": crisis_catalog.channel_label(entry.channel, lang),
                       "template": (crisis_catalog.template(entry.template, lang) or {}).get("label", ""),
                       "words": entry.words(lang)}
                      for entry in crisis.communications.select_related("sent_by").order_by("sent_at", "id")]
    facts = template_facts(crisis) if can_change else {}
    templates = [{**row, "audience_label": crisis_catalog.audience_label(row["audience"], lang),
                  "words": crisis_catalog.render_template(row["key"], facts, lang)} for row in crisis_catalog.templates(lang)]
    unit = incident.unit
    return {
        "subnav": "crises", "crisis": crisis, "incident": incident, "can_change": can_change, "cell": _cell(crisis),
        "checklist": checklist, "communications": communications, "templates": templates if can_change else [],
        "decisions": list(crisis.decisions.select_related("decided_by").order_by("decided_at", "id")),
        "member_form": bound.get("member_form") or (MemberForm(user=user, unit=unit) if can_change else None),
        "decision_form": bound.get("decision_form") or (CrisisDecisionForm(user=user, unit=unit)
                                                        if can_change else None),
        "communication_form": bound.get("communication_form") or (CommunicationForm(user=user, unit=unit)
                                                                  if can_change else None),
        "stand_down_form": bound.get("stand_down_form") or (StandDownForm() if can_change else None),
        "time_zone": context_time_zone(), **tab_context(request, crisis),
    }


@login_required
def crisis_detail(request, pk: int):
    crisis = visible_crisis(request, pk)
    return render(request, "incidents/crisis_detail.html", crisis_context(request, crisis))


def _back(crisis: Crisis, anchor: str):
    return redirect(reverse("incidents:crisis_detail", args=[crisis.pk]) + f"#{anchor}")


@login_required
@require_POST
def crisis_member_add(request, pk: int):
    crisis = visible_crisis(request, pk, "change")
    form = MemberForm(request.POST, user=request.user, unit=crisis.incident.unit)
    if form.is_valid():
        with errors_on(form):
            services.add_member(actor=request.user, crisis=crisis, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The member was added to the cell."))
            return _back(crisis, "cell")
    return render(request, "incidents/crisis_detail.html", crisis_context(request, crisis, member_form=form),
                  status=400)


@login_required
@require_POST
def crisis_member_remove(request, pk: int):
    member = get_object_or_404(CrisisMember.objects.select_related("crisis"), pk=pk,
                               crisis__in=Crisis.objects.restrict(request.user, "view"))
    crisis = visible_crisis(request, member.crisis_id, "change")
    try:
        services.remove_member(actor=request.user, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The member was removed from the cell."))
    return _back(crisis, "cell")


@login_required
@require_POST
def crisis_tick(request, pk: int):
    item = get_object_or_404(ChecklistItem.objects.select_related("crisis"), pk=pk,
                             crisis__in=Crisis.objects.restrict(request.user, "view"))
    crisis = visible_crisis(request, item.crisis_id, "change")
    form = TickForm(request.POST)
    if form.is_valid():
        done = request.POST.get("done", "1") != "0"
        with errors_on(form):
            services.tick_item(actor=request.user, item=item, done=done, note=form.cleaned_data["note"])
        if not form.errors:
            return _back(crisis, f"item-{item.pk}")
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _back(crisis, f"item-{item.pk}")


@login_required
@require_POST
def crisis_decision_add(request, pk: int):
    crisis = visible_crisis(request, pk, "change")
    form = CrisisDecisionForm(request.POST, user=request.user, unit=crisis.incident.unit)
    if form.is_valid():
        with errors_on(form):
            services.log_decision(actor=request.user, crisis=crisis, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The decision was logged."))
            return _back(crisis, "decisions")
    return render(request, "incidents/crisis_detail.html", crisis_context(request, crisis, decision_form=form),
                  status=400)


@login_required
@require_POST
def crisis_communication_add(request, pk: int):
    crisis = visible_crisis(request, pk, "change")
    form = CommunicationForm(request.POST, user=request.user, unit=crisis.incident.unit)
    if form.is_valid():
        with errors_on(form):
            services.log_communication(actor=request.user, crisis=crisis, language=language(), **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The communication was logged."))
            return _back(crisis, "communications")
    return render(request, "incidents/crisis_detail.html",
                  crisis_context(request, crisis, communication_form=form), status=400)


@login_required
@require_POST
def crisis_stand_down(request, pk: int):
    crisis = visible_crisis(request, pk, "change")
    form = StandDownForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.stand_down(actor=request.user, crisis=crisis, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The crisis cell stood down."))
            return redirect(crisis.get_absolute_url())
    return render(request, "incidents/crisis_detail.html", crisis_context(request, crisis, stand_down_form=form),
                  status=400)


@login_required
def crisis_summary(request, pk: int):
    """For executives: the incident's facts, its deadlines nearest first, what is contained, the first-hour items
    still open, the missing roles of the cell, and the last decisions and communications."""
    crisis = visible_crisis(request, pk)
    incident, lang, now = crisis.incident, language(), context.now()
    running = list(incident.clocks.filter(state__in=(Clock.State.RUNNING, Clock.State.WAITING))
                   .order_by("due_at", "id"))
    running.sort(key=lambda clock: (clock.due_at is None, clock.due_at or now))
    kinds = {kind["key"]: kind for kind in catalog.containment_kinds()}
    measures = [{"decision": d, "label": kinds[d.kind]["label"] if d.kind in kinds else d.kind}
                for d in incident.containment.filter(in_force=True).select_related("system").order_by("decided_at")]
    cell = _cell(crisis)
    decisions = list(crisis.decisions.select_related("decided_by").order_by("-decided_at", "-id")[:LAST])
    communications = [{"entry": entry, "audience": crisis_catalog.audience_label(entry.audience, lang),
                       "channel": crisis_catalog.channel_label(entry.channel, lang), "words": entry.words(lang)}
                      for entry in crisis.communications.select_related("sent_by").order_by("-sent_at", "-id")[:LAST]]
    open_items = [crisis_catalog.checklist_item(item.key, lang)["label"]
                  for item in crisis.checklist.filter(done_at=None).order_by("position", "id")]
    return render(request, "incidents/crisis_summary.html", {
        "subnav": "crises", "crisis": crisis, "incident": incident, "now": now,
        "severity_label": catalog.severity_label(incident.severity),
        "systems": AISystem.objects.restrict(request.user, "view").filter(incidents=incident).order_by("name"),
        "clocks": clock_rows(running, now, lang), "measures": measures, "open_items": open_items,
        "missing_roles": [row["role"]["label"] for row in cell if row["role"]["required"] and not row["members"]],
        "cell": [row for row in cell if row["members"]], "decisions": decisions, "communications": communications,
        "time_zone": context_time_zone()})
