"""People, groups and role assignments over the API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from . import services
from .api import LANGUAGES, changes_of, visible
from .api_utils import (
    InputSchema, ListParams, page_of, paginate, search, visible_or_field_error, visible_set_or_field_error,
)
from .models import OrgUnit, PeopleGroup, RoleAssignment, User
from .permissions import VIEW, Role, can_anywhere

router = Router(tags=["people"])

ROLES = Literal[tuple(Role.values)]
REASON = Field("", max_length=5000)


# --- People -------------------------------------------------------------------------------------------------------------

class PersonRead(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    full_name: str
    job_title: str
    unit_id: int | None
    manager_id: int | None
    backup_id: int | None
    language: str
    is_active: bool
    mfa_required: bool
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_full_name(obj) -> str:
        return obj.get_full_name()


class PersonCreate(InputSchema):
    email: str = Field(..., max_length=254)
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    unit_id: int | None = None
    manager_id: int | None = None
    backup_id: int | None = None
    language: LANGUAGES = "en"
    mfa_required: bool = False
    reason: str = REASON


class PersonUpdate(InputSchema):
    NOT_NULL = ("email", "first_name", "last_name", "job_title", "language", "is_active", "mfa_required")
    version: int
    email: str | None = Field(None, max_length=254)
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    unit_id: int | None = None
    manager_id: int | None = None
    backup_id: int | None = None
    language: LANGUAGES | None = None
    is_active: bool | None = Field(None, description="false deactivates the person (there is no hard delete).")
    mfa_required: bool | None = None
    reason: str = REASON


PEOPLE_SORTS = {
    "name": ("last_name", "first_name"),
    "email": ("email",),
    "job_title": ("job_title", "last_name"),
    "unit": ("unit__name", "last_name"),
    "updated": ("updated_at",),
}


class PersonFilters(ListParams):
    SORTS = PEOPLE_SORTS
    unit: int | None = Field(None, description="People in this unit or any unit below it.")
    active: bool | None = None
    role: ROLES | None = Field(None, description="People holding this role, directly or through a group.")



# Foreign keys a client names by id -> (model, field the service expects).
PERSON_REFERENCES = {"unit_id": (OrgUnit, "unit"), "manager_id": (User, "manager"), "backup_id": (User, "backup")}


def _resolve_references(user, changes: dict, references: dict) -> dict:
    for key, (model, field) in references.items():
        if key in changes:
            changes[field] = visible_or_field_error(model, user, changes.pop(key), key)
    return changes


@router.get("/people", response=page_of(PersonRead), summary="People")
def person_list(request, filters: Query[PersonFilters]):
    user = request.user
    people = search(User.objects.restrict(user, VIEW), filters.q, ["first_name", "last_name", "email", "job_title"])
    if filters.unit is not None:
        path = OrgUnit.objects.restrict(user, VIEW).filter(pk=filters.unit).values_list("path", flat=True).first()
        people = people.filter(unit__path__startswith=path) if path else people.none()
    if filters.active is not None:
        people = people.filter(is_active=filters.active)
    if filters.role is not None:
        holders = RoleAssignment.objects.filter(role=filters.role)
        people = people.filter(Q(pk__in=holders.values("user_id"))
                               | Q(people_groups__in=holders.filter(group__isnull=False).values("group_id"))).distinct()
    return paginate(people, filters, sorts=PEOPLE_SORTS, default="name")


@router.post("/people", response={201: PersonRead}, summary="Add a person")
def person_create(request, payload: PersonCreate):
    fields = _resolve_references(request.user, payload.model_dump(exclude={"reason"}), PERSON_REFERENCES)
    return Status(201, services.create_person(actor=request.user, reason=payload.reason, **fields))


@router.get("/people/{int:person_id}", response=PersonRead, summary="One person")
def person_detail(request, person_id: int):
    return visible(User.objects.restrict(request.user, VIEW), person_id)


@router.patch("/people/{int:person_id}", response=PersonRead, summary="Change a person (is_active: false deactivates)")
def person_update(request, person_id: int, payload: PersonUpdate):
    person = visible(User.objects.restrict(request.user, VIEW), person_id)
    changes = _resolve_references(request.user, changes_of(payload), PERSON_REFERENCES)
    return services.update_person(actor=request.user, person=person, changes=changes,
                                  expected_version=payload.version, reason=payload.reason)


# --- Groups ------------------------------------------------------------------------------------------------------------

class GroupRead(Schema):
    id: int
    name: str
    description: str
    unit_id: int | None
    member_ids: list[int] = Field(description="Members visible to the caller.")
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_member_ids(obj) -> list[int]:
        return sorted(member.pk for member in obj.members.all())


class GroupCreate(InputSchema):
    name: str
    description: str = ""
    unit_id: int | None = None
    member_ids: list[int] = Field(default_factory=list, max_length=5000)
    reason: str = REASON


class GroupUpdate(InputSchema):
    NOT_NULL = ("name", "description")  # member_ids: null leaves the members as they are
    version: int
    name: str | None = None
    description: str | None = None
    unit_id: int | None = None
    member_ids: list[int] | None = Field(None, max_length=5000, description=(
        "The new member list. Members the caller cannot see are kept, so an edit never drops them silently."))
    reason: str = REASON


GROUP_SORTS = {"name": ("name",), "updated": ("updated_at",)}


class GroupFilters(ListParams):
    SORTS = GROUP_SORTS
    unit: int | None = None
    member: int | None = Field(None, description="Groups this person belongs to.")




def _groups_for(user):
    # Prefetching only visible members keeps the member list inside the caller's scope, in one extra query.
    return PeopleGroup.objects.restrict(user, VIEW).prefetch_related(
        Prefetch("members", queryset=User.objects.restrict(user, VIEW).only("pk")))


def _group_reloaded(user, pk: int) -> PeopleGroup:
    return _groups_for(user).get(pk=pk)


@router.get("/groups", response=page_of(GroupRead), summary="Groups of people")
def group_list(request, filters: Query[GroupFilters]):
    groups = search(_groups_for(request.user), filters.q, ["name", "description"])
    if filters.unit is not None:
        groups = groups.filter(unit_id=filters.unit)
    if filters.member is not None:
        groups = groups.filter(members=filters.member)
    return paginate(groups, filters, sorts=GROUP_SORTS, default="name")


@router.post("/groups", response={201: GroupRead}, summary="Create a group")
def group_create(request, payload: GroupCreate):
    user = request.user
    unit = visible_or_field_error(OrgUnit, user, payload.unit_id, "unit_id")
    members = visible_set_or_field_error(User, user, payload.member_ids, "member_ids")
    group = services.create_group(actor=user, name=payload.name, description=payload.description, unit=unit,
                                  members=members, reason=payload.reason)
    return Status(201, _group_reloaded(user, group.pk))


@router.get("/groups/{int:group_id}", response=GroupRead, summary="One group")
def group_detail(request, group_id: int):
    return visible(_groups_for(request.user), group_id)


@router.patch("/groups/{int:group_id}", response=GroupRead, summary="Change a group and its members")
def group_update(request, group_id: int, payload: GroupUpdate):
    user = request.user
    group = visible(PeopleGroup.objects.restrict(user, VIEW), group_id)
    changes = _resolve_references(user, changes_of(payload, exclude=("version", "reason", "member_ids")),
                                  {"unit_id": (OrgUnit, "unit")})
    members = None
    if payload.member_ids is not None:
        chosen = visible_set_or_field_error(User, user, payload.member_ids, "member_ids")
        hidden = list(group.members.exclude(pk__in=User.objects.restrict(user, VIEW).values("pk")))
        members = chosen + hidden
    services.edit_group(actor=user, group=group, changes=changes, members=members,
                        expected_version=payload.version, reason=payload.reason)
    return _group_reloaded(user, group_id)


# --- Role assignments ------------------------------------------------------------------------------------------------

class RoleAssignmentRead(Schema):
    id: int
    role: str
    user_id: int | None
    group_id: int | None
    unit_id: int | None = Field(description="The scope: this unit and those below it; null for the whole "
                                            "organisation.")
    version: int
    created_at: datetime


class RoleAssignmentCreate(InputSchema):
    role: ROLES
    user_id: int | None = None
    group_id: int | None = None
    unit_id: int | None = None
    reason: str = REASON


ROLE_SORTS = {"role": ("role",), "created": ("created_at",)}


class RoleAssignmentFilters(ListParams):
    SORTS = ROLE_SORTS
    role: ROLES | None = None
    user: int | None = None
    group: int | None = None
    unit: int | None = None




def _require_roles_reader(user) -> None:
    if not can_anywhere(user, VIEW, "roles"):
        raise PermissionDenied(_("You are not allowed to see role assignments."))


@router.get("/role-assignments", response=page_of(RoleAssignmentRead), summary="Role assignments")
def role_list(request, filters: Query[RoleAssignmentFilters]):
    _require_roles_reader(request.user)
    assignments = RoleAssignment.objects.restrict(request.user, VIEW)
    exact = {"role": filters.role, "user_id": filters.user, "group_id": filters.group, "unit_id": filters.unit}
    assignments = assignments.filter(**{field: value for field, value in exact.items() if value is not None})
    return paginate(assignments, filters, sorts=ROLE_SORTS, default="created")


@router.post("/role-assignments", response={201: RoleAssignmentRead}, summary="Grant a role")
def role_grant(request, payload: RoleAssignmentCreate):
    user = request.user
    _require_roles_reader(user)
    assignment = services.grant_role(
        actor=user, role=payload.role,
        user=visible_or_field_error(User, user, payload.user_id, "user_id"),
        group=visible_or_field_error(PeopleGroup, user, payload.group_id, "group_id"),
        unit=visible_or_field_error(OrgUnit, user, payload.unit_id, "unit_id"),
        reason=payload.reason)
    return Status(201, assignment)


@router.get("/role-assignments/{int:assignment_id}", response=RoleAssignmentRead, summary="One role assignment")
def role_detail(request, assignment_id: int):
    _require_roles_reader(request.user)
    return visible(RoleAssignment.objects.restrict(request.user, VIEW), assignment_id)


@router.delete("/role-assignments/{int:assignment_id}", response={204: None}, summary="Revoke a role")
def role_revoke(request, assignment_id: int, reason: str = ""):
    _require_roles_reader(request.user)
    assignment = visible(RoleAssignment.objects.restrict(request.user, VIEW), assignment_id)
    services.revoke_role(actor=request.user, assignment=assignment, reason=reason[:5000])
    return Status(204, None)
