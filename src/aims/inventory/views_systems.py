"""An AI system's page (tabs: overview, components, classification, lifecycle, changes, documentation, risks,
history, journal), and creating and editing a system.

The small forms of the tabs post to their own URLs (views_governance, views_docs); on an error the page is rendered
again on that tab with the form bound, so the error shows next to its field.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on
from aims.core.models import User
from aims.core.permissions import can_anywhere, get_for
from aims.core.views_ledger import HISTORY_PER_PAGE, describe_events, journal_context
from aims.core.views_org import _posted

from . import queries, services
from .forms import LinkComponentForm, LinkDependencyForm, SystemForm
from .models import AISystem, ChangeDecision, Component, SystemComponent, SystemDependency
from .portfolio import is_orphan

TABS = (
    ("overview", gettext_lazy("Overview")),
    ("components", gettext_lazy("Components & dependencies")),
    ("classification", gettext_lazy("Classification")),
    ("lifecycle", gettext_lazy("Lifecycle")),
    ("changes", gettext_lazy("Change decisions")),
    ("documentation", gettext_lazy("Documentation")),
    ("risks", gettext_lazy("Risks")),
    ("history", gettext_lazy("History")),
    ("journal", gettext_lazy("Journal")),
)
# Anchors that gate checks, completeness items and notifications point at -> the tab holding them.
ANCHOR_TABS = {
    "overview": "overview", "responsibilities": "overview", "components": "components",
    "classification": "classification", "lifecycle": "lifecycle", "go-live": "lifecycle", "changes": "changes",
    "documentation": "documentation", "model-card": "documentation", "decisions": "documentation",
    "playbooks": "documentation", "sign-off": "classification", "obligations": "classification",
}


def risks_tab_url(system) -> str:
    """The risk module's fragment for this system, if that module offers one."""
    return _fragment_url("risks:system_risks", system)


def _fragment_url(name: str, system) -> str:
    try:
        return reverse(name, args=[system.pk])
    except NoReverseMatch:
        return ""


def tab_of_anchor(anchor: str) -> str | None:
    if anchor.startswith("change-"):
        return "changes"
    if anchor.startswith("playbook-"):
        return "documentation"
    return ANCHOR_TABS.get(anchor)


def tab_link(system, url: str) -> str:
    """Turn "<system page>#anchor" into a link that opens the right tab (fragments never reach the server)."""
    base = system.get_absolute_url()
    if url and url.startswith(base + "#"):
        anchor = url[len(base) + 1:]
        tab = tab_of_anchor(anchor)
        if tab:
            return f"{base}?tab={tab}#{anchor}"
    return url


def visible_system(request, pk: int, action: str = "view") -> AISystem:
    """The system if the person may `action` it; 404 if they may not see it, 403 naming its owner if they may."""
    return get_for(request.user, AISystem.objects.select_related(
        "unit", "owner", "backup_owner", "business_referent", "technical_lead", "incident_contact"), action, pk=pk)


def changeable_system(request, pk: int) -> AISystem:
    """The system for a write: visible, and not retired (the service would refuse it anyway, with a message)."""
    return visible_system(request, pk)


def can_change(user, system) -> bool:
    return not system.is_frozen and AISystem.objects.restrict(user, "change").filter(pk=system.pk).exists()


def _pending_approval_elsewhere(user, pk: int):
    """A pending change decision on system `pk` that `user` must approve, for approvers outside the inventory scope."""
    for decision in ChangeDecision.objects.filter(system_id=pk, status=ChangeDecision.Status.PENDING):
        if services.eligible_slots(decision, user):
            return decision
    return None


# tab key -> function(request, system, **bound) giving that tab's context. The tabs whose forms live in other view
# modules (views_governance, views_docs) register there with @tab_context, so those modules import this one and never
# the other way round.
TAB_CONTEXTS: dict = {}


def tab_context(tab: str):
    def decorator(func):
        TAB_CONTEXTS[tab] = func
        return func

    return decorator


def system_context(request, system: AISystem, tab: str, **bound) -> dict:
    """Everything the page needs for one tab; `bound` carries forms re-shown with their errors."""
    user = request.user
    risks_url = risks_tab_url(system) if can_anywhere(user, "view", "risks") else ""
    # The compliance module's per-system obligations register: below the classification they follow from.
    obligations_url = (_fragment_url("compliance:system_obligations", system)
                       if can_anywhere(user, "view", "obligations") else "")
    # The incidents module's panel: containment measures in force, evidence holds, open incidents.
    incidents_url = (_fragment_url("incidents:system_panel", system)
                     if can_anywhere(user, "view", "incidents") else "")
    tab_items = [(key, label) for key, label in TABS if key != "risks" or risks_url]
    if tab not in {key for key, _label in tab_items}:
        tab = "overview"
    context = {
        "system": system, "tab": tab, "tab_items": tab_items, "can_change": can_change(user, system),
        "orphan": is_orphan(system), "risks_url": risks_url, "obligations_url": obligations_url,
        "incidents_url": incidents_url, **bound,
        "anchor_tabs": " ".join(f"{anchor}={name}" for anchor, name in ANCHOR_TABS.items()),
    }
    if tab == "overview":
        context["links"] = system.links
        # A person's record opens for those who may see it; the others read the name only.
        named = [pk for pk in (system.owner_id, system.backup_owner_id, system.business_referent_id,
                               system.technical_lead_id, system.incident_contact_id) if pk]
        context["openable_people"] = set(User.objects.restrict(user, "view").filter(pk__in=named)
                                         .values_list("pk", flat=True))
    elif tab == "history":
        page = Paginator(queries.system_history(system), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
        context.update({"history_rows": describe_events(page.object_list, user), "history_page": page,
                        "history_object_type": "inventory.aisystem", "history_object_id": system.pk})
    elif tab == "journal":
        context.update(journal_context(request, system, page_number=request.GET.get("page")))
    elif tab in TAB_CONTEXTS:
        context.update(TAB_CONTEXTS[tab](request, system, **bound))
    return context


def render_system(request, system: AISystem, tab: str, *, status: int = 200, **bound):
    return render(request, "inventory/system_detail.html", system_context(request, system, tab, **bound),
                  status=status)


@login_required
def system_detail(request, pk: int):
    user = request.user
    system = AISystem.objects.restrict(user, "view").filter(pk=pk).first()
    if system is None:
        decision = _pending_approval_elsewhere(user, pk)
        if decision is not None:
            return redirect("inventory:change_detail", pk=decision.pk)
        raise Http404
    system = visible_system(request, pk)
    return render_system(request, system, request.GET.get("tab", "overview"))


# --- Create and edit ------------------------------------------------------------------------------------------------

@login_required
def system_create(request):
    user = request.user
    if not can_anywhere(user, "add", "inventory"):
        raise PermissionDenied
    form = SystemForm(_posted(request), user=user, creating=True, initial={"owner": user.pk})
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        name, unit, owner = fields.pop("name"), fields.pop("unit"), fields.pop("owner")
        with errors_on(form):
            system = services.create_system(actor=user, name=name, unit=unit, owner=owner,
                                            reason=form.cleaned_data["reason"], **fields)
        if not form.errors:
            messages.success(request, _("“%(name)s” was registered as %(ref)s.")
                             % {"name": system.name, "ref": system.reference_code})
            return redirect("inventory:system_detail", pk=system.pk)
    return render(request, "inventory/system_form.html", {"form": form, "creating": True}, status=_status(form))


@login_required
def system_edit(request, pk: int):
    user = request.user
    system = visible_system(request, pk, "change")
    if system.is_frozen:
        messages.error(request, _("This system is retired and read-only."))
        return redirect("inventory:system_detail", pk=pk)
    form = SystemForm(_posted(request), instance=system, user=user, initial={"version": system.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            system = services.update_system(actor=user, system=AISystem.objects.get(pk=pk), changes=form.changes(),
                                            expected_version=form.cleaned_data["version"],
                                            reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The system was saved."))
            if system.needs_reclassification:
                messages.warning(request, _("A change may alter the EU AI Act classification: please classify the "
                                            "system again."))
            return redirect("inventory:system_detail", pk=system.pk)
    return render(request, "inventory/system_form.html", {"form": form, "system": AISystem.objects.get(pk=pk)},
                  status=_status(form))


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


# --- Components and dependencies of a system --------------------------------------------------------------------------

@tab_context("components")
def components_context(request, system, **bound) -> dict:
    user = request.user
    foundations = queries.foundations_of(user, system)
    links = list(system.component_links.select_related("component").order_by("component__name"))
    # "Add evidence" leads to the component's form: offered only on the components the reader may change.
    changeable = set(Component.objects.restrict(user, "change").filter(
        pk__in=[link.component_id for link in links]).values_list("pk", flat=True))
    for link in links:
        link.component_changeable = link.component_id in changeable
    return {
        "component_links": links,
        "dependency_links": system.dependency_links.select_related("dependency").order_by("dependency__name"),
        "foundation_dependencies": foundations["dependencies"].order_by("name", "version_label"),
        "link_component_form": bound.get("link_component_form") or LinkComponentForm(user=user),
        "link_dependency_form": bound.get("link_dependency_form") or LinkDependencyForm(user=user),
    }


@login_required
@require_POST
def link_component(request, pk: int):
    system = changeable_system(request, pk)
    form = LinkComponentForm(request.POST, user=request.user)
    if form.is_valid():
        with errors_on(form):
            services.link_component(actor=request.user, system=system, component=form.cleaned_data["component"],
                                    role=form.cleaned_data["role"])
        if not form.errors:
            messages.success(request, _("The component was linked."))
            return redirect(f"{system.get_absolute_url()}?tab=components")
    return render_system(request, system, "components", status=400, link_component_form=form)


@login_required
@require_POST
def unlink_component(request, pk: int, link_pk: int):
    system = changeable_system(request, pk)
    link = get_object_or_404(SystemComponent, pk=link_pk, system=system)
    try:
        services.unlink_component(actor=request.user, link=link)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The component was unlinked."))
    return redirect(f"{system.get_absolute_url()}?tab=components")


@login_required
@require_POST
def link_dependency(request, pk: int):
    system = changeable_system(request, pk)
    form = LinkDependencyForm(request.POST, user=request.user)
    if form.is_valid():
        with errors_on(form):
            services.link_system_dependency(actor=request.user, system=system,
                                            dependency=form.cleaned_data["dependency"], notes=form.cleaned_data["notes"])
        if not form.errors:
            messages.success(request, _("The dependency was linked."))
            return redirect(f"{system.get_absolute_url()}?tab=components")
    return render_system(request, system, "components", status=400, link_dependency_form=form)


@login_required
@require_POST
def unlink_dependency(request, pk: int, link_pk: int):
    system = changeable_system(request, pk)
    link = get_object_or_404(SystemDependency, pk=link_pk, system=system)
    try:
        services.unlink_system_dependency(actor=request.user, link=link)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The dependency was unlinked."))
    return redirect(f"{system.get_absolute_url()}?tab=components")

