"""The risk register page and its exports, the heatmaps, a system's risk tab, the reviews to do, and the level
stylesheet."""

from __future__ import annotations

import functools
import hashlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from aims.core import exports, table_rows
from aims.core.api_utils import ordering_for
from aims.core.models import User
from aims.core.paging import Paginator, filter_choices
from aims.core.permissions import VIEW, can_anywhere, can_everywhere
from aims.core.text_search import count_matches, walks_with_like
from aims.inventory.models import AISystem

from . import register
from .choices import RiskCategory
from .heatmap import heatmap, kept_total
from .models import Risk, RiskMethod, RiskReview
from .templatetags.risk_tags import colour_class, level_chip

PER_PAGE = 50
# Above this many visible systems the filter becomes a text box (a reference code) instead of a drop-down.
SYSTEM_SELECT_LIMIT = 300
SYSTEM_FIELDS = ("id", "name", "reference_code")  # what a system's name in a drop-down needs
# Likewise for owners: above this many, the owner filter takes an e-mail address.
OWNER_SELECT_LIMIT = 300
# For words a walk looks up among matches read from the text index first (not ASCII): above this many matches a text
# search reads its page through the sort's index; below, sorting the matches is cheaper (a walk of the index finds
# few of them). At 200,000 risks, a word 20,000 contain: page query 28 -> 6 ms. Only the
# pages within the first tenth of the matches are read so: with the matches spread along the sort, the walk then
# reads at most a tenth of the index, whatever their number.
MANY_MATCHES = 2000
WALKED_SHARE = 10
# When the search's words are matched row by row (text_search.walks_with_like), the walk reads no match beforehand:
# it is worth taking whenever it is short. It meets a match every seen/count risks, so the page ending at the n-th
# match is about n * seen / count risks into it; up to this many, it is cheaper than reading every match and sorting
# them (a unit owner's 1,000 risks at 50,000, every one a match of 5,000: page query 7-12 -> about 1 ms).
WALKED_RISKS = 2000
# Lazy: the headers are read in each reader's language, not in the language of whoever imported the module first.
COLUMNS = [("title", gettext_lazy("Title")), ("category", gettext_lazy("Category")), ("owner", gettext_lazy("Owner")),
           ("inherent", gettext_lazy("Inherent")), ("residual", gettext_lazy("Residual")),
           ("status", gettext_lazy("Status")), ("next_review", gettext_lazy("Next review"))]


def require_risk_reader(user) -> None:
    if not can_anywhere(user, "view", "risks"):
        raise PermissionDenied


def language_of(request) -> str:
    return "fr" if (getattr(request, "LANGUAGE_CODE", "en") or "en").startswith("fr") else "en"


def _sorted(risks, raw: str):
    try:
        return risks.order_by(*ordering_for(raw, register.RISK_SORTS, register.DEFAULT_SORT)), raw
    except ValidationError:
        return risks.order_by(*ordering_for(None, register.RISK_SORTS, register.DEFAULT_SORT)), register.DEFAULT_SORT


def system_filter(user) -> dict:
    """The AI-system filter of the register and the heatmap: a drop-down of the visible systems, or a text box (a
    reference code) when there are more than SYSTEM_SELECT_LIMIT."""
    choices = filter_choices(AISystem.objects.restrict(user, "view").order_by("name"), SYSTEM_FIELDS,
                             SYSTEM_SELECT_LIMIT)
    return {"systems": choices or [], "systems_as_text": choices is None}


def filtered_register(request, many_matches: bool = False):
    """(restricted, filtered and sorted queryset, the filters, the sort) from the query string."""
    filters = register.filters_from_query(request.GET)
    risks = register.apply_filters(register.visible_risks(request.user), **filters, many_matches=many_matches)
    risks, sort = _sorted(risks, request.GET.get("sort", "") or register.DEFAULT_SORT)
    return risks, filters, sort


def _shown(risks, user):
    """The register's page rows: only the columns they show, with the systems the reader may see."""
    return register.with_systems(risks.select_related(None).select_related("owner").only(*register.ROW_FIELDS), user)


def _walks_the_sort_index(filters: dict, sort: str, page, seen) -> bool:
    """Whether this page of a text search is read by walking the sort's index instead of sorting every match
    (text_search.indexed_search): a sort on the risk's own columns (every such sort has an index), and a short walk
    (`seen()`: how many risks the reader sees) or, for words the walk looks up in the text index, many matches and
    a page within their first tenth."""
    count = page.paginator.count
    own_columns = not any("__" in field for field in register.RISK_SORTS[sort.lstrip("-")])
    if not (filters["q"] and own_columns and count):
        return False
    if walks_with_like(filters["q"]):
        return page.end_index() * seen() <= WALKED_RISKS * count
    return count > MANY_MATCHES and page.end_index() * WALKED_SHARE <= count


def _search_count(filters: dict, only_searched: bool, everywhere: bool, walking, seen) -> int | None:
    """The register's count for a text search, when there is a cheaper way to it than counting the matches among the
    reader's risks (each match read from the table: 22 ms for 20,000 of 200,000 risks); None otherwise. The matches
    over the whole register are counted in the text index alone (2.5 ms). That is the count itself when the reader
    sees every risk (`everywhere`) and nothing but the search filters (`only_searched`). When the matches outnumber
    the risks the reader sees (`seen()`), the count walks the reader's risks and matches each as it comes instead
    (`walking()`, the register with its search written so: a unit's 4,000 risks, 20 -> 9 ms)."""
    matches = count_matches(Risk, filters["q"]) if filters["q"] else None
    if matches is None:
        return None
    if only_searched and everywhere:
        return matches
    if matches > seen():
        return walking().count()
    return None


@login_required
def risk_register(request):
    user = request.user
    require_risk_reader(user)
    risks, filters, sort = filtered_register(request)
    chosen = register.chosen_filters(filters)
    # The same register with its search written to walk an index (text_search.indexed_search), built once if asked.
    walking = functools.cache(lambda: filtered_register(request, many_matches=True)[0])
    everywhere = can_everywhere(user, VIEW, "risks")
    seen = functools.cache(lambda: kept_total() if everywhere else Risk.objects.restrict(user, VIEW).count())
    if chosen:
        count = _search_count(filters, set(chosen) == {"q"}, everywhere, walking, seen)
    else:  # the whole register, for a reader who sees all of it: the kept total
        count = seen() if everywhere else None
    paginator = Paginator(_shown(risks, user), PER_PAGE, count=count)
    page = paginator.get_page(request.GET.get("page"))  # counted; the page's rows are not read yet
    if _walks_the_sort_index(filters, sort, page, seen):
        paginator = Paginator(_shown(walking(), user), PER_PAGE, count=paginator.count)
        page = paginator.page(page.number)
    methods = list(RiskMethod.objects.all())
    risks = register.decorate(page.object_list, {m.pk: m for m in methods})
    visible = Risk.objects.restrict(user, "view")
    # People owning a visible risk: one index probe per person (in name order, up to the limit), not a pass over
    # every risk (31 ms at 200,000 risks, issue 10).
    owners = filter_choices(User.objects.filter(Exists(visible.filter(owner=OuterRef("pk")))).order_by(
        "last_name", "first_name"), ("id", "first_name", "last_name", "email", "username"), OWNER_SELECT_LIMIT)
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    export_query = query.urlencode()
    descending = sort.startswith("-")
    return render(request, "risks/register.html", {
        "subnav": "register",
        "page": page, "rows": register_rows(risks), "filters": filters, "filtered": bool(chosen),
        "sort": sort.lstrip("-"), "descending": descending, "columns": COLUMNS,
        "query": query.urlencode(), "sort_query": sort_query.urlencode(), "export_query": export_query,
        **system_filter(user), "owners": owners or [], "owners_as_text": owners is None,
        "categories": RiskCategory.choices, "statuses": [(register.OPEN, _("Open (not closed)"))] + list(
            Risk.Status.choices),
        "levels": register.level_choices(methods), "can_add": can_anywhere(user, "add", "risks"),
        "cell": register.parse_cell(filters["cell"]),
    })


_ROW = ('<tr data-risk="{}">\n    <td><a href="{}">{}</a>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n'
        '    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n  </tr>')


def register_rows(risks) -> list[str]:
    """The register's table rows (decorated risks), written in Python: the template language spent 27 ms on a page
    of 50, and each `get_..._display` rebuilt its choices (issue 10). The labels are translated, the chips and the
    dates written once per page."""
    categories = {key: str(label) for key, label in RiskCategory.choices}
    statuses = {key: str(label) for key, label in Risk.Status.choices}
    above = format_html(' <span class="tag tag-alert">{}</span>', _("above appetite"))
    detail = table_rows.detail_url("risks:risk_detail")
    chips, reviews = {}, {None: "—"}
    rows = []
    for risk in risks:
        for chip in (risk.inherent_chip, risk.residual_chip):
            if id(chip) not in chips:
                chips[id(chip)] = level_chip(chip)
        review = risk.next_review_date
        if review not in reviews:
            reviews[review] = format_html('<time datetime="{}">{}</time>', review.isoformat(), date_format(review))
        rows.append(table_rows.format_row(
            _ROW, risk.pk, detail(risk.pk), risk.title, above if risk.above_appetite else "",
            SafeString(", ".join(table_rows.escaped(system.name) for system in risk.visible_systems)) or "—",
            categories.get(risk.category, risk.category), risk.owner, chips[id(risk.inherent_chip)],
            chips[id(risk.residual_chip)], statuses.get(risk.status, risk.status), reviews[review]))
    return rows


@login_required
@require_GET
def risk_export(request, fmt: str):
    """Exactly the rows the register shows for the same query string, every page of them."""
    require_risk_reader(request.user)
    risks, _filters, _sort = filtered_register(request)
    risks = register.with_systems(risks, request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    language = language_of(request)
    rows = register.export_rows(register.iter_decorated(risks), language)
    filename = f"risk-register-{stamp}.{fmt}"
    if fmt == "xlsx":
        return exports.xlsx_response(filename, register.export_headers(), rows, title=_("Risks"))
    return exports.csv_response(filename, register.export_headers(), rows)


def _contrast_text(colour: str) -> str:
    """Black or white text, whichever reads better on `colour` (WCAG relative luminance)."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(hex_digits[i:i + 2], 16)) for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#fff"


@login_required
@require_GET
def levels_css(request):
    """One rule per level colour of every method version (colours are validated #RRGGBB, so the text is safe)."""
    colours = set()
    for levels in RiskMethod.objects.values_list("levels", flat=True):
        for level in levels if isinstance(levels, list) else ():
            colour = str(level.get("colour", "")) if isinstance(level, dict) else ""
            if colour.startswith("#") and len(colour) in (4, 7) and all(
                    c in "0123456789abcdefABCDEF" for c in colour[1:]):
                colours.add(colour.lower())
    css = "".join(f".{colour_class(c)}{{background-color:{c};color:{_contrast_text(c)}}}\n" for c in sorted(colours))
    etag = '"' + hashlib.sha256(css.encode()).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    # Revalidated on each page (a 304 costs one small query): a colour changed in a new method version shows at once.
    response["Cache-Control"] = "private, no-cache"
    return response


# --- Heatmaps --------------------------------------------------------------------------------------------------------

def heatmap_context(user, system=None) -> dict:
    data = heatmap(user, system=system)
    base = {"method": data.method.pk if data.method else "", "status": register.OPEN}
    if system is not None:
        base["system"] = system.pk
    register_url = reverse("risks:register")
    grids = []
    for kind, title in (("inherent", _("Inherent risk")), ("residual", _("Residual risk"))):
        rows = data.grid(kind)
        for row in rows:
            for cell in row:
                params = {**base, "cell": f"{kind}-{cell['likelihood']}-{cell['impact']}"}
                cell["url"] = register_url + "?" + "&".join(f"{k}={v}" for k, v in params.items())
                cell["key"] = params["cell"]
        grids.append({"kind": kind, "title": title, "rows": rows})
    definition = data.method.definition if data.method else None
    return {"heat": data, "grids": grids, "definition": definition,
            "impact_scale": definition.impact_scale if definition else (),
            "likelihood_scale": definition.likelihood_scale if definition else ()}


@login_required
def heatmap_page(request):
    user = request.user
    require_risk_reader(user)
    system = None
    raw = request.GET.get("system", "")
    if raw.isdigit():
        system = get_object_or_404(AISystem.objects.restrict(user, "view").only(*SYSTEM_FIELDS), pk=raw)
    return render(request, "risks/heatmap.html", {
        "subnav": "heatmap", **heatmap_context(user, system), "system": system, **system_filter(user),
    })


def system_risks_context(user, system) -> dict:
    """What `risks/_system_risks.html` needs, for a page that includes the fragment (e.g. the inventory's system
    page: `context.update(system_risks_context(request.user, system))`). `system` must be visible to `user`."""
    risks = register.decorate(register.visible_risks(user).filter(systems=system).order_by(
        *ordering_for(register.DEFAULT_SORT, register.RISK_SORTS, register.DEFAULT_SORT)))
    return {
        "system": system, "risks": risks,
        "pending_suggestions": system.risk_suggestions.filter(status="pending").count(),
        "above_appetite": sum(1 for r in risks if r.above_appetite and r.status != Risk.Status.CLOSED),
        "can_add": can_anywhere(user, "add", "risks"), **heatmap_context(user, system),
    }


@login_required
def system_risks(request, system_pk: int):
    """A system's risk tab: the whole page, or only the fragment for htmx (or ?partial=1)."""
    user = request.user
    require_risk_reader(user)
    system = get_object_or_404(AISystem.objects.restrict(user, "view"), pk=system_pk)
    template = "risks/_system_risks.html" if request.htmx or request.GET.get("partial") else "risks/system_risks.html"
    return render(request, template, {"subnav": "register", **system_risks_context(user, system)})


@login_required
def reviews_todo(request):
    user = request.user
    require_risk_reader(user)
    reviews = (RiskReview.objects.restrict(user, "view").filter(status=RiskReview.Status.PENDING)
               .select_related("risk", "risk__owner", "requested_by").order_by("due_date", "pk"))
    mine = request.GET.get("mine") == "1"
    if mine:
        reviews = reviews.filter(risk__owner=user)
    overdue_risks = (Risk.objects.restrict(user, "view").exclude(status=Risk.Status.CLOSED)
                     .filter(next_review_date__lt=timezone.localdate()).count())
    page = Paginator(reviews, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "risks/reviews_todo.html", {
        "subnav": "reviews",
        "page": page, "reviews": page.object_list, "mine": mine, "today": timezone.localdate(),
        "overdue_risks": overdue_risks, "query": "mine=1" if mine else "",
    })

