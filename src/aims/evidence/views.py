"""Evidence library pages: the list, adding evidence (a file or a link), one item with its versions and links,
editing, new versions, approval and download.

Downloads are always attachments (Content-Disposition), with nosniff and a sandbox policy: whatever a stored file
holds, the browser never renders it as a page of the product.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aims.core import approvals, context, registry
from aims.core.api_utils import ordering_for
from aims.core.forms import errors_on
from aims.core.permissions import can_anywhere
from aims.core.views_ledger import HISTORY_PER_PAGE, describe_events, journal_context

from . import catalog, services, storage
from .forms import (
    EvidenceCreateForm, EvidenceEditForm, LinkForm, ReasonRequiredForm, ReconfirmForm, VersionForm,
)
from .models import EvidenceItem, EvidenceVersion, Freshness
from .uploads import limited_upload

PER_PAGE = 50
SORTS = {"updated": ("updated_at",), "reference": ("reference",), "title": ("title",), "expires": ("expires_on",)}
DEFAULT_SORT = "-updated"
FRESHNESS_FILTERS = (Freshness.VALID, Freshness.EXPIRING, Freshness.EXPIRED, Freshness.NOT_YET_VALID,
                     Freshness.TO_RECONFIRM)


def require_evidence_reader(user) -> None:
    if not can_anywhere(user, "view", "evidence"):
        raise PermissionDenied


def language_of(request) -> str:
    return "fr" if (getattr(request, "LANGUAGE_CODE", "en") or "en").startswith("fr") else "en"


def freshness_filter(items, freshness: str, day=None):
    """The items in one freshness state, as an indexable condition (the list of 100,000 items filters in SQL)."""
    day = day or context.today()
    horizon = day + timedelta(days=catalog.expiring_within_days())
    live = items.exclude(current_version=None)
    if freshness == Freshness.TO_RECONFIRM:
        return live.filter(reconfirm_required=True)
    fresh = live.filter(reconfirm_required=False)
    if freshness == Freshness.EXPIRED:
        return fresh.filter(expires_on__lt=day)
    if freshness == Freshness.EXPIRING:
        return fresh.filter(expires_on__gte=day, expires_on__lte=horizon).exclude(valid_from__gt=day)
    if freshness == Freshness.NOT_YET_VALID:
        return fresh.filter(valid_from__gt=day).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
    if freshness == Freshness.VALID:
        return fresh.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=horizon)).exclude(valid_from__gt=day)
    return items


def filtered_items(request):
    user = request.user
    items = EvidenceItem.objects.restrict(user, "view")
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "type", "freshness", "owner", "unit",
                                                                 "attention")}
    if filters["q"]:
        for term in filters["q"].split()[:5]:
            items = items.filter(Q(reference__icontains=term) | Q(title__icontains=term))
    if filters["type"]:
        items = items.filter(evidence_type=filters["type"])
    if filters["freshness"] in FRESHNESS_FILTERS:
        items = freshness_filter(items, filters["freshness"])
    if filters["attention"] == "1":
        from .cards import attention_filter

        items = items.filter(attention_filter())
    if filters["owner"].isdigit():
        items = items.filter(owner_id=int(filters["owner"]))
    if filters["unit"].isdigit():
        items = items.filter(unit_id=int(filters["unit"]))
    raw = request.GET.get("sort", "") or DEFAULT_SORT
    try:
        ordering = ordering_for(raw, SORTS, DEFAULT_SORT)
    except ValidationError:
        raw, ordering = DEFAULT_SORT, ordering_for(DEFAULT_SORT, SORTS, DEFAULT_SORT)
    return items.order_by(*ordering), filters, raw


@login_required
def evidence_list(request):
    user = request.user
    require_evidence_reader(user)
    items, filters, sort = filtered_items(request)
    page = Paginator(items.select_related("owner", "current_version"), PER_PAGE).get_page(request.GET.get("page"))
    language = language_of(request)
    labels = dict(catalog.type_choices(language))
    day = context.today()
    for item in page.object_list:
        item.type_label = labels.get(item.evidence_type, item.evidence_type)
        item.state = item.freshness(day)
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(request, "evidence/list.html", {
        "subnav": "library", "page": page, "items": page.object_list, "filters": filters,
        "filtered": any(filters.values()), "types": catalog.type_choices(language),
        "freshness_choices": [(f.value, f.label) for f in FRESHNESS_FILTERS], "sort": sort.lstrip("-"),
        "descending": sort.startswith("-"), "query": query.urlencode(), "sort_query": sort_query.urlencode(),
        "can_add": can_anywhere(user, "add", "evidence"),
        "columns": [("reference", _("Reference")), ("title", _("Title")), ("expires", _("Valid until")),
                    ("updated", _("Updated"))],
    })


def _link_target(user, object_type: str, object_id: str):
    if not object_type:
        return None
    try:
        return registry.resolve(object_type, object_id, user, "view")
    except Http404:
        raise ValidationError(_("The object to attach this evidence to is not visible to you.")) from None


def _safe_next(request, url: str, fallback: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return fallback


@limited_upload
@login_required
def evidence_create(request):
    user = request.user
    if not can_anywhere(user, "add", "evidence"):
        raise PermissionDenied
    initial = {"owner": user.pk, "unit": getattr(user, "unit_id", None), "link_type": request.GET.get("link_type", ""),
               "link_id": request.GET.get("link_id", ""), "next": request.GET.get("next", ""),
               "title": request.GET.get("title", "")}
    form = EvidenceCreateForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    target = None
    if request.method == "POST":
        if request.evidence_upload_too_large:
            form.is_valid()
            form.add_error("file", _("The file is larger than the limit of %(limit)s MB.")
                           % {"limit": round(storage.max_upload_bytes() / 1024 / 1024)})
        elif form.is_valid():
            data = form.cleaned_data
            with errors_on(form):
                target = _link_target(user, data["link_type"], data["link_id"])
                item = services.create_evidence(
                    actor=user, title=data["title"], unit=data["unit"], owner=data["owner"] or user, kind=data["kind"],
                    evidence_type=data["evidence_type"], description=data["description"],
                    effective_date=data["effective_date"], valid_from=data["valid_from"],
                    valid_until=data["valid_until"], renewal_months=data["renewal_months"], file=data["file"],
                    url=data["url"], note=data["note"], link_to=[target] if target is not None else [])
            if not form.errors:
                messages.success(request, _("Evidence %(reference)s was added.") % {"reference": item.reference})
                return redirect(_safe_next(request, data["next"], item.get_absolute_url()))
    else:
        target = _link_target(user, initial["link_type"], initial["link_id"]) if initial["link_type"] else None
    return render(request, "evidence/create.html", {"subnav": "library", "form": form, "target": target},
                  status=400 if form.errors else 200)


def visible_item(request, pk: int) -> EvidenceItem:
    return get_object_or_404(EvidenceItem.objects.restrict(request.user, "view").select_related(
        "owner", "unit", "current_version", "legal_hold_by"), pk=pk)


def _live_labels(links) -> None:
    """What each link points at, named now in the reader's language (one query per object type); the label stored
    at link time stays for objects since deleted."""
    by_type: dict[str, list] = {}
    for link in links:
        by_type.setdefault(link.object_type, []).append(link)
    for object_type, group in by_type.items():
        model = registry.model_for(object_type)
        if model is None:
            continue
        objects = model._default_manager.in_bulk([int(link.object_id) for link in group if link.object_id.isdigit()])
        for link in group:
            found = objects.get(int(link.object_id)) if link.object_id.isdigit() else None
            if found is not None:
                link.object_label = str(found)


def detail_context(request, item: EvidenceItem, **bound) -> dict:
    user = request.user
    can_change = EvidenceItem.objects.restrict(user, "change").filter(pk=item.pk).exists()
    can_delete = EvidenceItem.objects.restrict(user, "delete").filter(pk=item.pk).exists()
    versions = list(item.versions.select_related("uploaded_by", "approved_by").order_by("-number"))
    links = list(item.links.order_by("object_type", "object_id"))
    _live_labels(links)
    for link in links:
        link.url = registry.detail_url(link.object_type, link.object_id)
    tab = request.GET.get("tab", "overview")
    context_ = {
        "subnav": "library", "item": item, "versions": versions, "links": links, "tab": tab,
        "tab_items": [("overview", _("Overview")), ("history", _("History")), ("journal", _("Journal"))],
        "type_label": catalog.type_label(item.evidence_type, language_of(request)),
        "state": item.freshness(), "can_change": can_change, "can_delete": can_delete,
        "is_owner": item.owner_id == user.pk, "refusal": services.deletion_refusal(item),
        "version_form": bound.get("version_form") or VersionForm(),
        "hold_form": bound.get("hold_form") or ReasonRequiredForm(),
        "reconfirm_form": bound.get("reconfirm_form") or ReconfirmForm(),
        "approval": None,
    }
    current = next((v for v in versions if v.pk == item.current_version_id), None)
    if current is not None and current.approved_at is None:
        context_["approval"] = approvals.context_for(user, services.APPROVAL, current)
    if tab == "history":
        from django.db.models import Q as _Q

        from aims.core.models import LedgerEvent

        events = LedgerEvent.objects.filter(_Q(object_type="evidence.evidenceitem", object_id=str(item.pk)))
        page = Paginator(events.order_by("-id"), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
        context_.update({"history_rows": describe_events(page.object_list, user), "history_page": page,
                         "history_object_type": "evidence.evidenceitem", "history_object_id": item.pk})
    elif tab == "journal":
        context_.update(journal_context(request, item, page_number=request.GET.get("page")))
    return context_


@login_required
def evidence_detail(request, pk: int):
    item = visible_item(request, pk)
    return render(request, "evidence/detail.html", detail_context(request, item))


@login_required
def evidence_edit(request, pk: int):
    user = request.user
    item = get_object_or_404(EvidenceItem.objects.restrict(user, "change"), pk=pk)
    form = EvidenceEditForm(request.POST or None, instance=item, user=user,
                            initial={"version": item.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.update_evidence(actor=user, item=item, changes=form.changes(),
                                     expected_version=form.cleaned_data["version"],
                                     reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The evidence was saved."))
            return redirect(item.get_absolute_url())
    return render(request, "evidence/edit.html", {"subnav": "library", "form": form, "item": item},
                  status=400 if form.errors else 200)


@limited_upload
@login_required
@require_POST
def version_add(request, pk: int):
    user = request.user
    item = visible_item(request, pk)
    form = VersionForm(request.POST, request.FILES)
    if request.evidence_upload_too_large:
        form.is_valid()
        form.add_error("file", _("The file is larger than the limit of %(limit)s MB.")
                       % {"limit": round(storage.max_upload_bytes() / 1024 / 1024)})
    elif form.is_valid():
        with errors_on(form):
            version = services.add_version(actor=user, item=item, file=form.cleaned_data["file"],
                                           url=form.cleaned_data["url"], note=form.cleaned_data["note"])
        if not form.errors:
            messages.success(request, _("Version %(n)s was added.") % {"n": version.number})
            return redirect(item.get_absolute_url())
    item.refresh_from_db()
    return render(request, "evidence/detail.html", detail_context(request, item, version_form=form), status=400)


@login_required
@require_GET
def version_download(request, pk: int, number: int):
    item = visible_item(request, pk)
    version = get_object_or_404(EvidenceVersion, item=item, number=number)
    if not version.storage_name:
        raise Http404
    try:
        handle = storage.open_blob(version.storage_name)
    except (FileNotFoundError, OSError):
        raise Http404(_("The stored file is missing; run `aims evidence verify`.")) from None
    # Never inline: whatever the bytes are, the browser saves them instead of rendering them in our origin.
    response = FileResponse(handle, as_attachment=True, filename=version.filename or f"{item.reference}-v{number}",
                            content_type=version.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    response["Digest"] = f"sha-256={version.sha256}"
    return response


@login_required
@require_POST
def version_approve(request, pk: int, number: int):
    item = visible_item(request, pk)
    version = get_object_or_404(EvidenceVersion, item=item, number=number)
    try:
        services.approve_version(actor=request.user, version=version, comment=request.POST.get("comment", ""))
        messages.success(request, _("Version %(n)s was approved.") % {"n": number})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:  # the approvals registry says why (own work, or who may)
        messages.error(request, str(error))
    return redirect(item.get_absolute_url())


@login_required
@require_POST
def link_add(request):
    """Attach an existing item to an object (from that object's page)."""
    user = request.user
    form = LinkForm(request.POST, user=user)
    back = _safe_next(request, request.POST.get("next", ""), "/")
    if not form.is_valid():
        messages.error(request, " ".join(m for messages_ in form.errors.values() for m in messages_))
        return redirect(back)
    data = form.cleaned_data
    try:
        target = _link_target(user, data["object_type"], data["object_id"])
        services.link_evidence(actor=user, item=data["reference"], target=target)
        messages.success(request, _("Evidence %(reference)s was attached.") % {"reference": data["reference"].reference})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(back)
