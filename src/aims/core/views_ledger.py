"""History (the ledger seen from one object), the journal of notes, and the global ledger page for auditors."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import DateField, DateTimeField, ForeignKey, Model
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import labels, ledger, registry, services
from .forms import LedgerFilterForm, NoteForm, errors_on
from .models import JournalNote, LedgerEvent
from .permissions import SIGN_IN_DETAILS, can_in_unit, may_write_notes, sees_sign_in_details

HISTORY_PER_PAGE = 25
JOURNAL_PER_PAGE = 25
LEDGER_PER_PAGE = 50


# --- Turning ledger events into readable diffs ------------------------------------------------------------------------

# Keys that events carry without being model fields (journal notes, group membership, sign-in details).
_EXTRA_LABELS = {
    "body": gettext_lazy("Note"), "note_id": gettext_lazy("Note number"), "members": gettext_lazy("Members"),
    "ip": gettext_lazy("IP address"), "user_agent": gettext_lazy("Browser"), "identifier": gettext_lazy("Identifier"),
}

def _field_of(model: type[Model] | None, key: str):
    if model is None:
        return None
    for name in (key, key[:-3] if key.endswith("_id") else None):
        if not name:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        # A key that names a reverse relation ("kpis" of a system) is the event's own fact, not a field of the object.
        if getattr(field, "concrete", False) or getattr(field, "many_to_many", False) and hasattr(field, "verbose_name"):
            return field
    return None


def _display(value, field=None, names: dict | None = None) -> str:
    """A stored value as a person reads it: names for objects, labels for choices, dates the locale's way."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_display(v, field, names) for v in value) or "—"
    if names is not None and value in names:
        return names[value]
    if isinstance(value, dict):
        # A text kept in both languages, or an entry that carries its own label: read in the reader's language.
        if value and set(value) <= {"en", "fr"}:
            return str(value.get(_language()) or next(iter(value.values())))
        for key in ("label", "title", "name"):
            if key in value:
                return _display(value[key], None, names)
        return "; ".join(f"{k}: {_display(v, None, names)}" for k, v in value.items()) or "—"
    choices = dict(getattr(field, "flatchoices", None) or ()) if field is not None else {}
    if value in choices:
        return str(choices[value])
    if isinstance(value, str) and isinstance(field, (DateTimeField, DateField)):
        return _date_text(value, with_time=isinstance(field, DateTimeField))
    return str(value)


def _language() -> str:
    return "fr" if (get_language() or "en").startswith("fr") else "en"


def _shown_by_model(model, key: str):
    """A model's own rendering of one of its ledgered fields, for values no generic rule can read (level keys, JSON
    definitions, catalogue rule keys): `ledger_display = {field: f(value, snapshot, memo)}` where `snapshot` is the
    event's side holding the value and `memo` a dict shared for one page (to look things up once)."""
    display = getattr(model, "ledger_display", None) if model is not None else None
    return display.get(key) if display else None


def _date_text(value: str, *, with_time: bool) -> str:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if with_time:
        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return formats.date_format(parsed, "DATETIME_FORMAT")
    return formats.date_format(parsed.date(), "DATE_FORMAT")


def _pk(model: type[Model], object_id):
    try:
        return model._meta.pk.to_python(object_id)
    except (ValidationError, ValueError, TypeError):
        return None


def describe_events(events, user) -> list[dict]:
    """Rows for templates: the event, what it did and to what in words, and a field-by-field diff with labels.

    The object and foreign keys are shown by their current name in the reader's language, looked up in one query per
    model (so a page costs the same number of queries whatever its length), and only among objects the reader may
    see; others keep the name the ledger recorded (or "#id").
    """
    events = list(events)
    memo: dict = {}  # shared by the models' ledger_display functions for one page (e.g. level labels, one query)
    wanted: dict[type[Model], set] = defaultdict(set)
    plans = []
    for event in events:
        model = labels.model_for_type(event.object_type)
        if model is not None and (pk := _pk(model, event.object_id)) is not None:
            wanted[model].add(pk)
        else:
            pk = None
        changes = []
        hidden = () if sees_sign_in_details(user, event) else SIGN_IN_DETAILS
        for key, before, after in event.changes():
            if key in hidden:
                continue
            field = _field_of(model, key)
            related = None
            if isinstance(field, ForeignKey) or (field is not None and field.many_to_many):
                related = field.related_model
            if related is not None:
                for value in (before, after):
                    for item in value if isinstance(value, list) else [value]:
                        if item not in (None, ""):
                            wanted[related].add(item)
            if field is not None:
                label = capfirst(field.verbose_name)
            else:
                # Keys an event carries that are not fields: the model names its own (`ledger_labels`).
                extra = getattr(model, "ledger_labels", None) or {}
                label = extra.get(key) or _EXTRA_LABELS.get(key) or capfirst(key.replace("_", " "))
            changes.append((key, label, before, after, field, related))
        plans.append((event, model, pk, changes))
    names: dict[type[Model], dict] = {}
    for related, ids in wanted.items():
        manager = related._default_manager
        queryset = manager.restrict(user, "view") if hasattr(manager, "restrict") else manager.none()
        names[related] = {obj.pk: str(obj) for obj in queryset.filter(pk__in=ids)}
    rows = []
    for event, model, pk, changes in plans:
        diff = []
        for key, label, before, after, field, related in changes:
            known = names.get(related) if related is not None else None
            if known is not None:
                known = {**{i: f"#{i}" for i in _ids(before) + _ids(after)}, **known}
            shown = _shown_by_model(model, key)
            if shown is not None:
                before_text = shown(before, event.before_data, memo) if before not in (None, "") else "—"
                after_text = shown(after, event.after_data, memo) if after not in (None, "") else "—"
            else:
                before_text, after_text = _display(before, field, known), _display(after, field, known)
            diff.append({"field": key, "label": label, "before": before_text, "after": after_text,
                         "had_before": key in event.before_data, "has_after": key in event.after_data,
                         # Catalogue fields kept in both languages are marked as such (lang="en" / "fr").
                         "lang": key[-2:] if key.endswith(("_en", "_fr")) else ""})
        current = names.get(model, {}).get(pk) if model is not None else None
        # Reasons the product wrote are stored as English messages (ledger.record): each reader gets them in theirs.
        reason = _(event.reason) if event.reason else ""
        rows.append({"event": event, "diff": diff, "reason": reason, "action": labels.action_label(event.action),
                     "object_type": labels.object_type_label(event.object_type),
                     "object": current or event.object_label or event.object_id,
                     "url": registry.detail_url(event.object_type, event.object_id)})
    return rows


def _ids(value) -> list:
    return [v for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]


# --- History of one object --------------------------------------------------------------------------------------------

def history_context(request, obj: Model, page_number=None) -> dict:
    object_type = ledger.object_type_of(obj)
    events = LedgerEvent.objects.filter(object_type=object_type, object_id=str(obj.pk)).order_by("-id")
    page = Paginator(events, HISTORY_PER_PAGE).get_page(page_number)
    return {"history_rows": describe_events(page.object_list, request.user), "history_page": page,
            "history_object": obj, "history_object_type": object_type, "history_object_id": obj.pk}


@login_required
def history(request, object_type: str, object_id: str):
    """The History partial (for htmx) or a page holding it, for any registered object the person may see."""
    obj = registry.resolve(object_type, object_id, request.user)
    context = history_context(request, obj, request.GET.get("page"))
    template = "core/_history.html" if request.htmx else "core/history_page.html"
    return render(request, template, context)


# --- Journal ------------------------------------------------------------------------------------------------------------

def journal_context(request, obj: Model, form: NoteForm | None = None, page_number=None) -> dict:
    object_type = ledger.object_type_of(obj)
    notes = JournalNote.objects.filter(object_type=object_type, object_id=str(obj.pk)).select_related("author")
    page = Paginator(notes, JOURNAL_PER_PAGE).get_page(page_number)
    detail = registry.detail_url(object_type, obj.pk)
    return {"journal_page": page, "journal_form": form or NoteForm(), "journal_object": obj,
            "journal_object_type": object_type, "journal_object_id": obj.pk,
            "journal_can_write": may_write_notes(request.user),
            "journal_next": f"{detail}?tab=journal" if detail else ""}


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_http_methods(["GET", "POST"])
def journal(request, object_type: str, object_id: str):
    """List the notes on an object; POST adds one (htmx swaps the partial, a plain form post redirects back)."""
    obj = registry.resolve(object_type, object_id, request.user)
    form = None
    if request.method == "POST":
        form = NoteForm(request.POST)
        if form.is_valid():
            with errors_on(form):
                services.add_note(actor=request.user, obj=obj, body=form.cleaned_data["body"])
            if not form.errors:
                if not request.htmx:
                    messages.success(request, _("Your note was added."))
                    return redirect(_safe_next(request, request.path))
                form = None
    context = journal_context(request, obj, form, request.GET.get("page"))
    template = "core/_journal.html" if request.htmx else "core/journal_page.html"
    # htmx 2 does not swap 4xx answers by default, so the partial with the errors comes back as 200 to htmx.
    failed = form is not None and form.errors and not request.htmx
    return render(request, template, context, status=400 if failed else 200)


# --- The global ledger ----------------------------------------------------------------------------------------------

def _require_ledger_reader(user) -> None:
    # Only a grant over the whole organisation opens the ledger: it holds events from every unit.
    if not can_in_unit(user, "view", "ledger", None):
        raise PermissionDenied(_("You are not allowed to read the ledger."))


def filtered_events(user, form: LedgerFilterForm):
    """The events matching a valid filter form, newest first."""
    events = LedgerEvent.objects.restrict(user, "view").order_by("-id")
    data = form.cleaned_data
    if data["actor"]:
        events = events.filter(actor_label__icontains=data["actor"])
    if data["object_type"]:
        events = events.filter(object_type=data["object_type"])
    if data["action"]:
        events = events.filter(action=data["action"])
    tz = timezone.get_current_timezone()
    if data["date_from"]:
        events = events.filter(created_at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz))
    if data["date_to"]:
        end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        events = events.filter(created_at__lt=end)
    return events


@login_required
def ledger_page(request):
    _require_ledger_reader(request.user)
    object_types = sorted(set(registry.registered_types()) | set(
        LedgerEvent.objects.order_by().values_list("object_type", flat=True).distinct()))
    actions = LedgerEvent.objects.order_by().values_list("action", flat=True).distinct()
    form = LedgerFilterForm(request.GET, object_types=[t for t in object_types if t], actions=actions)
    events = filtered_events(request.user, form) if form.is_valid() else LedgerEvent.objects.none()
    page = Paginator(events, LEDGER_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/ledger.html", {
        "form": form, "page": page, "rows": describe_events(page.object_list, request.user),
        "query": query.urlencode(),
    })


@login_required
def ledger_verify(request):
    """Recompute the whole hash chain now (never cached: the answer must reflect the database as it is)."""
    _require_ledger_reader(request.user)
    result = ledger.verify()
    template = "core/_ledger_status.html" if request.htmx else "core/ledger_status_page.html"
    return render(request, template, {"result": result})


@login_required
def ledger_export(request):
    """The whole ledger as JSON Lines, streamed, with the header and trailer an auditor needs to re-verify it."""
    _require_ledger_reader(request.user)
    response = StreamingHttpResponse((line + "\n" for line in ledger.export_lines()),
                                     content_type="application/x-ndjson; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="aims-ledger-{stamp}.jsonl"'
    return response
