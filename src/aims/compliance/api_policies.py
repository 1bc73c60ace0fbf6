"""Policy API: policies and their versions, the sign-off, publication, acknowledgements pinned to the text's hash."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404
from ninja import Field, Router, Schema, Status

from aims.core.api import visible
from aims.core.api_utils import InputSchema

from . import services
from .models import Policy, PolicyAcknowledgement, PolicyVersion
from .services import policies

router = Router(tags=["compliance"])


class PolicyRead(Schema):
    id: int
    reference: str
    title: str
    kind: str
    owner_id: int
    audience_roles: list[str]
    review_every_months: int
    next_review_date: date | None
    published_version: int | None = Field(description="The number of the version in force.")
    acknowledged: bool = Field(description="Whether the caller has acknowledged the text in force (or a later one).")
    version: int

    @staticmethod
    def resolve_published_version(obj) -> int | None:
        return obj.published_version.number if obj.published_version_id else None


class VersionRead(Schema):
    id: int
    number: int
    status: str
    body: str
    sha256: str
    material: bool
    change_summary: str
    author_id: int
    approved_by_id: int | None
    approved_at: datetime | None
    published_at: datetime | None
    version: int


class AcknowledgementRead(Schema):
    version: int
    sha256: str
    acknowledged_at: datetime

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.version.number


class Decision(InputSchema):
    comment: str = Field("", max_length=20000)


def _policies(user):
    return Policy.objects.restrict(user, "view").select_related("published_version")


@router.get("/policies", response=list[PolicyRead], summary="Policies the caller may read")
def policy_list(request):
    rows = list(_policies(request.user).order_by("reference"))
    for policy in rows:
        policy.acknowledged = policies.has_acknowledged(request.user, policy)
    return rows


@router.get("/policies/{int:policy_id}", response=PolicyRead, summary="One policy")
def policy_detail(request, policy_id: int):
    policy = visible(_policies(request.user), policy_id)
    policy.acknowledged = policies.has_acknowledged(request.user, policy)
    return policy


@router.get("/policies/{int:policy_id}/versions", response=list[VersionRead], summary="Versions, newest first")
def version_list(request, policy_id: int):
    return list(visible(_policies(request.user), policy_id).versions.order_by("-number"))


@router.post("/policies/{int:policy_id}/versions/{int:number}/approve", response=VersionRead,
             summary="Approve a version in review (never its author)")
def version_approve(request, policy_id: int, number: int, payload: Decision):
    policy = visible(_policies(request.user), policy_id)
    version = PolicyVersion.objects.filter(policy=policy, number=number).first()
    if version is None:
        raise Http404
    return services.approve_policy_version(actor=request.user, version=version, comment=payload.comment)


@router.post("/policies/{int:policy_id}/acknowledge", response={201: AcknowledgementRead},
             summary="Acknowledge the text in force (its SHA-256 is kept)")
def acknowledge(request, policy_id: int):
    policy = visible(_policies(request.user), policy_id)
    return Status(201, services.acknowledge(actor=request.user, policy=policy))


@router.get("/policies/{int:policy_id}/acknowledgements", response=list[AcknowledgementRead],
            summary="The caller's acknowledgements of this policy")
def my_acknowledgements(request, policy_id: int):
    policy = visible(_policies(request.user), policy_id)
    return list(PolicyAcknowledgement.objects.filter(version__policy=policy, person=request.user)
                .select_related("version").order_by("-version__number"))
