"""The portfolio: every AI system the person may see, filtered, sorted, counted, with orphans flagged."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.core.models import OrgUnit, User
from aims.core.permissions import can_anywhere

from . import portfolio
from .models import AiActTier, Criticality, Stage

PER_PAGE = 50


def optional_url(name: str) -> str:
    """A page another helper may not have built yet: its URL, or "" so the template leaves the button out."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def require_inventory_reader(user) -> None:
    if not can_anywhere(user, "view", "inventory"):
        raise PermissionDenied(_("You are not allowed to see the inventory."))


@login_required
def portfolio_page(request):
    user = request.user
    require_inventory_reader(user)
    filters = portfolio.PortfolioFilter.from_query(request.GET)
    visible = portfolio.visible_systems(user)
    systems = portfolio.apply(visible, user, filters)
    order, sort, descending = portfolio.ordering(request.GET.get("sort"))
    page = Paginator(systems.order_by(*order), PER_PAGE).get_page(request.GET.get("page"))
    # Two grouped counts over the filtered set, whatever its size.
    tier_counts = dict(systems.order_by().values_list("ai_act_tier").annotate(n=Count("pk")))
    stage_counts = dict(systems.order_by().values_list("stage").annotate(n=Count("pk")))
    today = timezone.localdate()
    rows = [{"system": s, "orphan": portfolio.is_orphan(s),
             "overdue": bool(s.next_review_date and s.next_review_date < today)} for s in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    export_url = optional_url("inventory:portfolio_export")
    return render(request, "inventory/portfolio.html", {
        "page": page, "rows": rows, "filters": filters, "sort": sort, "descending": descending,
        "query": query.urlencode(), "sort_query": sort_query.urlencode(),
        "tier_counts": [(c.value or portfolio.UNCLASSIFIED, c.label, tier_counts.get(c.value, 0)) for c in AiActTier],
        "stage_counts": [(c.value, c.label, stage_counts.get(c.value, 0)) for c in Stage],
        "tiers": [(c.value or portfolio.UNCLASSIFIED, c.label) for c in AiActTier],
        "stages": Stage.choices, "criticalities": Criticality.choices,
        "units": OrgUnit.objects.restrict(user, "view").order_by("path"),
        "owners": User.objects.filter(pk__in=visible.values("owner_id")).order_by("last_name", "first_name"),
        "columns": [("reference", _("Reference")), ("name", _("Name")), ("unit", _("Unit")), ("owner", _("Owner")),
                    ("stage", _("Stage")), ("tier", _("EU AI Act tier")), ("criticality", _("Criticality")),
                    ("review", _("Next review"))],
        "can_add": can_anywhere(user, "add", "inventory"),
        "export_url": export_url, "import_url": optional_url("inventory:import"),
    })
