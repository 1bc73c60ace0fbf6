"""Core API: the caller's profile, organisation units, journal notes, notifications, tasks and the ledger.

People, groups and role assignments are in api_people.py. Every read goes through `restrict()`, every write through
a service in services.py; errors are turned into structured JSON by api_errors.py.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from . import approvals, ledger, registry, services
from .api_utils import InputSchema, ListParams, ordering_for, page_of, paginate, search, visible_or_field_error
from .models import JournalNote, LedgerEvent, Notification, OrgUnit, Task, User
from .permissions import VIEW, can_in_unit, readable_data, user_scopes

router = Router(tags=["core"])

LANGUAGES = Literal[tuple(User.Language.values)]


def visible(queryset: QuerySet, pk) -> Model:
    """The row if the caller may see it; 404 otherwise (never telling whether it exists outside their scope)."""
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def changes_of(payload: Schema, *, exclude=("version", "reason")) -> dict:
    """Only the fields the client actually sent: PATCH leaves everything else alone."""
    return payload.model_dump(exclude_unset=True, exclude=set(exclude))


@router.get("/health", auth=None, summary="Liveness check")
def health(request):
    return {"status": "ok"}


# --- The caller's own profile -----------------------------------------------------------------------------------------

class MeRead(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    job_title: str
    language: str
    unit_id: int | None
    is_active: bool
    mfa_required: bool
    roles: list[str] = Field(description="Roles held, directly or through groups.")
    version: int

    @staticmethod
    def resolve_roles(obj) -> list[str]:
        return sorted({scope.role for scope in user_scopes(obj)})


class MeUpdate(InputSchema):
    NOT_NULL = ("first_name", "last_name", "job_title", "language")
    version: int
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    language: LANGUAGES | None = None
    reason: str = Field("", max_length=5000)


@router.get("/me", response=MeRead, summary="The caller's profile")
def me(request):
    return request.user


@router.patch("/me", response=MeRead, summary="Change the caller's own profile")
def me_update(request, payload: MeUpdate):
    person = User.objects.get(pk=request.user.pk)
    return services.update_person(actor=request.user, person=person, changes=changes_of(payload),
                                  expected_version=payload.version, reason=payload.reason)


# --- Organisation units -----------------------------------------------------------------------------------------------

class OrgUnitRead(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    path: str
    depth: int
    description: str
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class OrgUnitCreate(InputSchema):
    name: str
    code: str
    parent_id: int | None = None
    description: str = ""
    reason: str = Field("", max_length=5000)


class OrgUnitUpdate(InputSchema):
    NOT_NULL = ("name", "code", "description", "is_active")  # parent_id: null makes it a top-level unit
    version: int
    name: str | None = None
    code: str | None = None
    parent_id: int | None = None
    description: str | None = None
    is_active: bool | None = None
    reason: str = Field("", max_length=5000)


UNIT_SORTS = {"name": ("name",), "code": ("code",), "path": ("path",), "updated": ("updated_at",)}


class OrgUnitFilters(ListParams):
    SORTS = UNIT_SORTS
    parent: int | None = Field(None, description="Only the direct children of this unit.")
    active: bool | None = None




@router.get("/org-units", response=page_of(OrgUnitRead), summary="Organisation units")
def unit_list(request, filters: Query[OrgUnitFilters]):
    units = search(OrgUnit.objects.restrict(request.user, VIEW), filters.q, ["name", "code", "description"])
    if filters.parent is not None:
        units = units.filter(parent_id=filters.parent)
    if filters.active is not None:
        units = units.filter(is_active=filters.active)
    return paginate(units, filters, sorts=UNIT_SORTS, default="path")


@router.post("/org-units", response={201: OrgUnitRead}, summary="Create an organisation unit")
def unit_create(request, payload: OrgUnitCreate):
    parent = visible_or_field_error(OrgUnit, request.user, payload.parent_id, "parent_id")
    unit = services.create_org_unit(actor=request.user, name=payload.name, code=payload.code, parent=parent,
                                    description=payload.description, reason=payload.reason)
    return Status(201, unit)


@router.get("/org-units/{int:unit_id}", response=OrgUnitRead, summary="One organisation unit")
def unit_detail(request, unit_id: int):
    return visible(OrgUnit.objects.restrict(request.user, VIEW), unit_id)


@router.patch("/org-units/{int:unit_id}", response=OrgUnitRead, summary="Change an organisation unit")
def unit_update(request, unit_id: int, payload: OrgUnitUpdate):
    unit = visible(OrgUnit.objects.restrict(request.user, VIEW), unit_id)
    changes = changes_of(payload)
    if "parent_id" in changes:
        changes["parent"] = visible_or_field_error(OrgUnit, request.user, changes.pop("parent_id"), "parent_id")
    return services.update_org_unit(actor=request.user, unit=unit, changes=changes,
                                    expected_version=payload.version, reason=payload.reason)


@router.delete("/org-units/{int:unit_id}", response={204: None}, summary="Delete an empty organisation unit")
def unit_delete(request, unit_id: int, reason: str = ""):
    unit = visible(OrgUnit.objects.restrict(request.user, VIEW), unit_id)
    services.delete_org_unit(actor=request.user, unit=unit, reason=reason[:5000])
    return Status(204, None)


# --- Journal notes on any registered object ---------------------------------------------------------------------------

class NoteRead(Schema):
    id: int
    object_type: str
    object_id: str
    author_id: int
    author_label: str
    body: str
    body_html: str = Field(description="The body rendered from Markdown and sanitised.")
    created_at: datetime

    @staticmethod
    def resolve_author_label(obj) -> str:
        return str(obj.author)


class NoteCreate(InputSchema):
    body: str


NOTE_SORTS = {"created": ("created_at",)}


class NoteFilters(ListParams):
    SORTS = NOTE_SORTS


@router.get("/journal/{object_type}/{object_id}/notes", response=page_of(NoteRead),
            summary="Notes on an object (object_type like core.orgunit)")
def note_list(request, object_type: str, object_id: str, filters: Query[NoteFilters]):
    obj = registry.resolve(object_type, object_id, request.user, VIEW)
    notes = (JournalNote.objects.filter(object_type=ledger.object_type_of(obj), object_id=str(obj.pk))
             .select_related("author"))
    return paginate(search(notes, filters.q, ["body"]), filters, sorts=NOTE_SORTS, default="-created")


@router.post("/journal/{object_type}/{object_id}/notes", response={201: NoteRead}, summary="Add a note to an object")
def note_add(request, object_type: str, object_id: str, payload: NoteCreate):
    obj = registry.resolve(object_type, object_id, request.user, VIEW)
    return Status(201, services.add_note(actor=request.user, obj=obj, body=payload.body))


# --- Notifications and tasks (always the caller's own) ----------------------------------------------------------------

class NotificationRead(Schema):
    id: int
    title: str
    body: str
    url: str
    kind: str
    created_at: datetime
    read_at: datetime | None


NOTIFICATION_SORTS = {"created": ("created_at",)}


class NotificationFilters(ListParams):
    SORTS = NOTIFICATION_SORTS
    unread: bool | None = None


class NotificationMarkRead(InputSchema):
    ids: list[int] | None = Field(None, max_length=1000, description="The notifications to mark read.")
    all: bool = Field(False, description="Mark every unread notification read.")


class MarkedRead(Schema):
    marked: int




@router.get("/notifications", response=page_of(NotificationRead), summary="The caller's notifications")
def notification_list(request, filters: Query[NotificationFilters]):
    notes = search(Notification.objects.filter(recipient=request.user), filters.q, ["title", "body"])
    if filters.unread is not None:
        notes = notes.filter(read_at__isnull=filters.unread)
    return paginate(notes, filters, sorts=NOTIFICATION_SORTS, default="-created")


@router.post("/notifications/read", response=MarkedRead, summary="Mark some or all notifications read")
def notification_mark_read(request, payload: NotificationMarkRead):
    if payload.all == (payload.ids is not None):
        raise ValidationError({"ids": _("Send either a list of ids or \"all\": true.")})
    return {"marked": services.mark_notifications_read(actor=request.user, ids=None if payload.all else payload.ids)}


class TaskRead(Schema):
    id: int
    title: str
    url: str
    due_date: date | None
    source: str
    created_at: datetime


TASK_SORTS = {"due": ("due_date", "created_at"), "created": ("created_at",)}


class TaskFilters(ListParams):
    SORTS = TASK_SORTS


@router.get("/tasks", response=page_of(TaskRead), summary="The caller's open tasks")
def task_list(request, filters: Query[TaskFilters]):
    tasks = search(Task.objects.filter(assignee=request.user, done_at__isnull=True), filters.q, ["title"])
    return paginate(tasks, filters, sorts=TASK_SORTS, default="due")


# --- The "To approve" inbox (aims.core.approvals) ---------------------------------------------------------------------

class ApprovalRead(Schema):
    kind: str = Field(description="The kind of sign-off, e.g. inventory.classification.")
    kind_label: str
    object_id: int
    title: str
    url: str = Field(description="The page where one reads and approves it.")
    author_id: int | None
    since: datetime | None
    overdue: bool = Field(description="Waiting longer than the kind's reminder delay.")


class ApprovalFilters(ListParams):
    SORTS = {"since": ("since",)}  # waiting since: oldest first unless -since
    kind: str | None = Field(None, max_length=60, description="Only this kind of sign-off.")


class ApprovalGive(InputSchema):
    comment: str = Field("", max_length=5000)
    details: dict[str, str] = Field(default_factory=dict, description="What some kinds need beyond a comment, e.g. "
                                    "{\"expires_on\": \"2031-01-31\"} for a risk acceptance.")


class ApprovalDone(Schema):
    kind: str
    object_id: int


def _approval_row(row) -> dict:
    return {"kind": row.kind.key, "kind_label": str(row.kind.label), "object_id": row.obj.pk, "title": row.title,
            "url": row.url, "author_id": getattr(row.author, "pk", None), "since": row.since, "overdue": row.overdue}


@router.get("/approvals", response=page_of(ApprovalRead), summary="What the caller may approve, every module's "
            "sign-offs together (oldest first)")
def approval_list(request, filters: Query[ApprovalFilters]):
    rows = approvals.waiting_for(request.user)
    if ordering_for(filters.sort, ApprovalFilters.SORTS, "since")[0] == "-since":
        rows = sorted(rows, key=lambda row: row.since, reverse=True)
    if filters.kind:
        rows = [row for row in rows if row.kind.key == filters.kind]
    for term in (filters.q or "").lower().split()[:10]:
        rows = [row for row in rows if term in row.title.lower()]
    return {"count": len(rows), "items": [_approval_row(r) for r in rows[filters.offset:filters.offset + filters.limit]]}


@router.post("/approvals/{kind}/{int:object_id}/approve", response=ApprovalDone,
             summary="Approve one waiting object (the caller must be one of its approvers; never its author)")
def approval_give(request, kind: str, object_id: int, payload: ApprovalGive):
    try:
        approval_kind = approvals.get(kind)
    except LookupError:
        raise Http404 from None
    obj = approval_kind.waiting().filter(pk=object_id).first()
    author = approval_kind.author(obj) if obj is not None else None
    if obj is None or not (approvals.may_approve(request.user, kind, obj) or getattr(author, "pk", None) == request.user.pk):
        raise Http404  # nothing the caller may approve here (and no word on who may, to someone not involved)
    approvals.require_approver(request.user, kind, obj)  # the author learns why not
    approval_kind.approve(actor=request.user, obj=obj, comment=payload.comment, **payload.details)
    return {"kind": kind, "object_id": object_id}


# --- The ledger ----------------------------------------------------------------------------------------------------------

class LedgerEventRead(Schema):
    id: int
    created_at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    before: dict
    after: dict
    reason: str
    request_id: str
    prev_hash: str
    hash: str

    @staticmethod
    def resolve_before(obj, context) -> dict:
        return readable_data(context["request"].user, obj, obj.before_data)

    @staticmethod
    def resolve_after(obj, context) -> dict:
        return readable_data(context["request"].user, obj, obj.after_data)


LEDGER_SORTS = {"id": ("id",)}


class LedgerFilters(ListParams):
    SORTS = LEDGER_SORTS
    actor: int | None = Field(None, description="Id of the person who acted.")
    object_type: str | None = Field(None, max_length=60)
    object_id: str | None = Field(None, max_length=64)
    action: str | None = Field(None, max_length=60)
    date_from: date | None = Field(None, description="First day included (local time).")
    date_to: date | None = Field(None, description="Last day included (local time).")


class LedgerVerifyRead(Schema):
    ok: bool
    count: int
    head: str
    bad_id: int | None
    problem: str




def _require_ledger_reader(user) -> None:
    # The ledger is not scoped by unit: only roles granted it over the whole organisation may read it.
    if not can_in_unit(user, VIEW, "ledger", None):
        raise PermissionDenied(_("Reading the ledger is reserved to auditors, AIMS managers and administrators."))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@router.get("/ledger/events", response=page_of(LedgerEventRead), summary="Ledger events (audit trail)")
def ledger_events(request, filters: Query[LedgerFilters]):
    _require_ledger_reader(request.user)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError({"date_to": _("The end date is before the start date.")})
    events = search(LedgerEvent.objects.restrict(request.user, VIEW), filters.q,
                    ["object_label", "actor_label", "reason"])
    exact = {"actor_id": filters.actor, "object_type": filters.object_type, "object_id": filters.object_id,
             "action": filters.action}
    events = events.filter(**{field: value for field, value in exact.items() if value not in (None, "")})
    if filters.date_from:
        events = events.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return paginate(events, filters, sorts=LEDGER_SORTS, default="-id")


@router.get("/ledger/verify", response=LedgerVerifyRead, summary="Verify the ledger's hash chain")
def ledger_verify(request):
    _require_ledger_reader(request.user)
    result = ledger.verify()
    return {"ok": result.ok, "count": result.count, "head": result.head, "bad_id": result.bad_id,
            "problem": result.problem}
