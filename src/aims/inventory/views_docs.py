"""A system's documentation: model card (CycloneDX modelCard fields), decision log, playbooks, completeness."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on
from aims.core.permissions import refusal
from aims.core.views_org import _posted

from . import services
from .forms import DecisionForm, ModelCardForm, PlaybookForm
from .models import ComponentKind, ModelCard, Playbook, SystemComponent
from .views_systems import can_change, render_system, tab_context, tab_link, visible_system


@tab_context("documentation")
def documentation_context(request, system, **bound) -> dict:
    completeness = services.completeness(system)
    for item in completeness.missing:
        item.fix_url = tab_link(system, item.fix_url)
    return {
        "completeness": completeness, "card_rows": card_rows(system),
        "decisions": system.decision_log.select_related("decided_by", "recorded_by"),
        "decision_form": bound.get("decision_form") or DecisionForm(),
        "playbooks": system.playbooks.all(),
    }


def card_rows(system) -> list[dict]:
    """One model card per model the system uses (CycloneDX's way), and the system's own card when it has one or uses
    no model component. Two queries, whatever the number of models."""
    cards = {card.component_id: card for card in ModelCard.objects.filter(system=system)}
    models = [link.component for link in SystemComponent.objects.filter(system=system, component__kind=ComponentKind.MODEL)
              .select_related("component").order_by("component__name", "component__version_label", "component_id")]
    rows = [{"component": model, "card": cards.get(model.pk), "anchor": f"model-card-{model.pk}"} for model in models]
    if None in cards or not models:
        rows.insert(0, {"component": None, "card": cards.get(None), "anchor": "model-card-system"})
    for row in rows:
        card = row["card"]
        row["lists"] = {name: ModelCard.lines(getattr(card, name)) for name in (
            "users", "use_cases", "technical_limitations", "performance_tradeoffs")} if card else {}
    return rows


def _model_of(request, system):
    """The model component named by ?component= (a model the system uses), or None for the system's own card."""
    value = request.POST.get("component") or request.GET.get("component")
    if not value:
        return None
    link = get_object_or_404(SystemComponent.objects.select_related("component"), system=system,
                             component_id=value if str(value).isdigit() else 0, component__kind=ComponentKind.MODEL)
    return link.component


def _editable(request, pk: int):
    system = visible_system(request, pk)
    if not can_change(request.user, system):
        raise refusal(system, _("You cannot change this system."))
    return system


@login_required
def model_card_edit(request, pk: int):
    system = _editable(request, pk)
    model = _model_of(request, system)
    card = (ModelCard.objects.filter(system=system, component=model).first()
            or ModelCard(system=system, component=model))
    form = ModelCardForm(_posted(request), instance=card, initial={"version": card.version if card.pk else None})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.save_model_card(actor=request.user, system=system, changes=form.changes(), component=model,
                                     expected_version=form.cleaned_data.get("version") if card.pk else None,
                                     reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The model card was saved."))
            anchor = f"model-card-{model.pk}" if model else "model-card-system"
            return redirect(f"{system.get_absolute_url()}?tab=documentation#{anchor}")
    return render(request, "inventory/model_card_form.html", {"form": form, "system": system, "model": model},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
@require_POST
def decision_add(request, pk: int):
    system = visible_system(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.add_decision(actor=request.user, system=system, decision=form.cleaned_data["decision"],
                                  rationale=form.cleaned_data["rationale"], date=form.cleaned_data["date"])
        if not form.errors:
            messages.success(request, _("The decision was logged."))
            return redirect(f"{system.get_absolute_url()}?tab=documentation#decisions")
    return render_system(request, system, "documentation", status=400, decision_form=form)


@login_required
def playbook_create(request, pk: int):
    system = _editable(request, pk)
    form = PlaybookForm(_posted(request), creating=True)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.create_playbook(actor=request.user, system=system, title=form.cleaned_data["title"],
                                     body=form.cleaned_data["body"], reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The playbook was added."))
            return redirect(f"{system.get_absolute_url()}?tab=documentation#playbooks")
    return render(request, "inventory/playbook_form.html", {"form": form, "system": system, "creating": True},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
def playbook_edit(request, pk: int, playbook_pk: int):
    system = _editable(request, pk)
    playbook = get_object_or_404(Playbook, pk=playbook_pk, system=system)
    form = PlaybookForm(_posted(request), instance=playbook, initial={"version": playbook.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.update_playbook(actor=request.user, playbook=playbook,
                                     changes={"title": form.cleaned_data["title"], "body": form.cleaned_data["body"]},
                                     expected_version=form.cleaned_data["version"], reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The playbook was saved."))
            return redirect(f"{system.get_absolute_url()}?tab=documentation#playbook-{playbook.pk}")
    return render(request, "inventory/playbook_form.html", {"form": form, "system": system, "playbook": playbook},
                  status=400 if form.is_bound and form.errors else 200)
