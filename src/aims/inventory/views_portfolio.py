"""The portfolio: every AI system the person may see, filtered, sorted, counted, with orphans flagged."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import CharField, Count, Exists, F, Func, OuterRef
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from aims.core import table_rows
from aims.core.models import OrgUnit, User
from aims.core.paging import Paginator
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


def _tier_and_stage_counts(systems, *, searched: bool):
    """(tier, stage, systems) for the filtered systems. Without a text search SQLite counts them inside the portfolio's
    counts index. With one, every system's text is read anyway; walking that index in group order would read each
    system's row out of order (46 ms at 20,000 systems), so on SQLite the groups are written `+column`, which no index
    serves, and it scans the table once (9 ms)."""
    if searched and connections[systems.db].vendor == "sqlite":
        read = {f"{name}_read": Func(F(name), template="+%(expressions)s", output_field=CharField())
                for name in ("ai_act_tier", "stage")}
        return systems.annotate(**read).order_by().values_list(*read).annotate(n=Count("pk"))
    return systems.order_by().values_list("ai_act_tier", "stage").annotate(n=Count("pk"))


@login_required
def portfolio_page(request):
    user = request.user
    require_inventory_reader(user)
    filters = portfolio.PortfolioFilter.from_query(request.GET)
    visible = portfolio.visible_systems(user)
    systems = portfolio.apply(visible, user, filters)
    order, sort, descending = portfolio.ordering(request.GET.get("sort"))
    # One pass over the filtered systems gives the page its three figures: the total and the counts per tier and per
    # stage. Each was a pass of its own, and under a text search each pass reads every system (issue 10).
    tier_counts, stage_counts = Counter(), Counter()
    for tier, stage, n in _tier_and_stage_counts(systems, searched=bool(filters.q)):
        tier_counts[tier] += n
        stage_counts[stage] += n
    paginator = Paginator(systems.order_by(*order), PER_PAGE)
    paginator.count = sum(stage_counts.values())  # the total, which the paginator would count once more
    page = paginator.get_page(request.GET.get("page"))
    rows = portfolio_rows(page.object_list)
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
        # People owning a visible system: one index probe per person, not a pass over every system.
        "owners": User.objects.filter(Exists(visible.filter(owner=OuterRef("pk")))).order_by("last_name", "first_name")
                  .only("pk", "first_name", "last_name", "email", "username"),
        "columns": [("reference", _("Reference")), ("name", _("Name")), ("unit", _("Unit")), ("owner", _("Owner")),
                    ("stage", _("Stage")), ("tier", _("EU AI Act tier")), ("criticality", _("Criticality")),
                    ("review", _("Next review"))],
        "can_add": can_anywhere(user, "add", "inventory"),
        "export_url": export_url, "import_url": optional_url("inventory:import"),
    })


_ROW = ('<tr data-system="{}">\n    <td><code>{}</code></td>\n    <td><a href="{}">{}</a>{}{}</td>\n    <td>{}</td>\n'
        '    <td>{}{}{}</td>\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n  </tr>')


def portfolio_rows(systems) -> list[str]:
    """The table rows, written in Python (aims.core.table_rows): a page renders 50 of them, and the template
    language spent about 1 ms on each (issue 10); the labels and dates are written once per page, not once per row."""
    today = timezone.localdate()
    detail = table_rows.detail_url("inventory:system_detail")
    stages, tiers = {k: str(v) for k, v in Stage.choices}, {k: str(v) for k, v in AiActTier.choices}
    criticalities = {k: str(v) for k, v in Criticality.choices}
    reclassify = format_html(' <span class="tag tag-alert">{}</span>', _("re-classify"))
    retired = format_html(' <span class="tag">{}</span>', _("retired"))
    orphan = format_html('<span class="tag tag-alert" data-orphan="1">{}</span> ', _("orphan"))
    deactivated = format_html(' <span class="muted">({})</span>', _("deactivated"))
    overdue = format_html(' <span class="tag tag-alert">{}</span>', _("overdue"))
    reviews = {None: "—"}
    rows = []
    for s in systems:
        review = s.next_review_date
        if review not in reviews:
            reviews[review] = format_html("{}{}", date_format(review, "SHORT_DATE_FORMAT"),
                                          overdue if review < today else "")
        rows.append(table_rows.format_row(
            _ROW, s.pk, s.reference_code, detail(s.pk), s.name,
            reclassify if s.needs_reclassification else "", retired if s.is_frozen else "", s.unit.name,
            orphan if portfolio.is_orphan(s) else "", s.owner if s.owner_id else "—",
            deactivated if s.owner_id and not s.owner.is_active else "",
            stages.get(s.stage, s.stage), tiers.get(s.ai_act_tier, s.ai_act_tier),
            criticalities.get(s.criticality, s.criticality), reviews[review]))
    return rows
