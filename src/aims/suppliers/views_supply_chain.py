"""The supply chain pages: which systems depend on which supplier, transitively (through components resting on a
supplied dependency), paginated; filtered by supplier or by system name."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.shortcuts import render

from aims.core.permissions import can_anywhere

from . import dependencies
from .models import Supplier

PER_PAGE = 50


def _page_of_systems(request, user, supplier_ids, *, page_param: str = "page", q: str = ""):
    """One page of the systems depending on `supplier_ids`, and their number, in one query (a window count: the
    dependency test is the page's cost, paid once); a page past the end falls back to the last one."""
    systems = dependencies.systems_depending_on(supplier_ids).restrict(user, "view")
    if q:
        systems = systems.filter(name__icontains=q)
    systems = systems.only("name", "reference_code", "criticality", "unit_id").order_by("name", "pk")
    paginator = Paginator(systems, PER_PAGE)
    raw = request.GET.get(page_param, "1")
    number = int(raw) if raw.isdigit() and 0 < int(raw) < 10**6 else 1
    rows = list(systems.annotate(total_rows=Window(Count("pk")))[(number - 1) * PER_PAGE:number * PER_PAGE])
    if not rows and number > 1:
        number = max(1, -(-systems.count() // PER_PAGE))
        rows = list(systems.annotate(total_rows=Window(Count("pk")))[(number - 1) * PER_PAGE:number * PER_PAGE])
    paginator.count = rows[0].total_rows if rows else 0
    return Page(rows, number, paginator)


def require_reader(user) -> None:
    if not can_anywhere(user, "view", "suppliers"):
        raise PermissionDenied


@login_required
def dependency_view(request):
    """Every system depending on a supplier the reader sees, each with its suppliers and through what."""
    user = request.user
    require_reader(user)
    chosen = None
    raw = request.GET.get("supplier", "")
    if raw.isdigit() and len(raw) < 12:
        chosen = Supplier.objects.restrict(user, "view").filter(pk=int(raw)).only("legal_name").first()
    supplier_ids = [chosen.pk] if chosen is not None else dependencies.visible_supplier_ids(user)
    q = request.GET.get("q", "").strip()[:200]
    page = _page_of_systems(request, user, supplier_ids, q=q)
    rows = dependencies.paths_for(list(page.object_list), supplier_ids)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "suppliers/dependency_view.html", {
        "page": page, "rows": rows, "chosen": chosen, "q": q, "query": query.urlencode(),
        "filtered": bool(q or chosen)})


def supplier_systems(request, supplier: Supplier) -> dict:
    """The supplier page's "Systems depending on it", one page at a time (?systems_page=), with the paths."""
    page = _page_of_systems(request, request.user, [supplier.pk], page_param="systems_page")
    rows = dependencies.paths_for(list(page.object_list), [supplier.pk])
    return {"systems_page": page, "system_rows": rows}
