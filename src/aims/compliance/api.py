"""Compliance API: frameworks, requirements and their cross-mappings (read-only catalogue data; files are loaded
with `aims catalogs`). Controls, the SoA, assessments, obligations and policies add their routes below.

Every read goes through `restrict()`; writes call the services, whose errors api_errors.py turns into JSON.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Query, Router, Schema

from aims.core.api import visible
from aims.core.api_utils import ListParams, page_of, paginate, search

from . import queries
from .models import Framework, Requirement

router = Router(tags=["compliance"])


class FrameworkRead(Schema):
    id: int
    key: str
    name_en: str
    name_fr: str
    description_en: str
    description_fr: str
    catalogue_version: str
    publisher: str
    licence: str
    url: str
    source: str
    version: int
    updated_at: datetime


class MappedRequirement(Schema):
    id: int
    framework: str = Field(description="The framework's key.")
    ref: str
    code: str


class RequirementRead(Schema):
    id: int
    framework: str = Field(description="The framework's key.")
    ref: str
    code: str
    kind: str
    parent_id: int | None
    title_en: str
    title_fr: str
    guidance_en: str
    guidance_fr: str
    assessable: bool
    is_active: bool
    facts: dict

    @staticmethod
    def resolve_framework(obj) -> str:
        return obj.framework.key


class RequirementDetail(RequirementRead):
    mapped: list[MappedRequirement] = Field(description="Requirements of other frameworks mapped to this one.")

    @staticmethod
    def resolve_mapped(obj) -> list[dict]:
        return [{"id": r.pk, "framework": r.framework.key, "ref": r.ref, "code": r.code}
                for r in queries.mapped_requirements([obj.pk]).get(obj.pk, [])]


FRAMEWORK_SORTS = {"key": ("key",), "position": ("position", "key")}
REQUIREMENT_SORTS = {"position": ("framework__position", "framework_id", "position"), "ref": ("ref",)}


class FrameworkFilters(ListParams):
    SORTS = FRAMEWORK_SORTS


class RequirementFilters(ListParams):
    framework: str | None = Field(None, max_length=40, description="A framework key, e.g. iso42001.")
    assessable: bool | None = None
    kind: str | None = Field(None, max_length=30)
    include_retired: bool = False

    SORTS = REQUIREMENT_SORTS


@router.get("/frameworks", response=page_of(FrameworkRead), summary="Frameworks loaded")
def framework_list(request, filters: Query[FrameworkFilters]):
    frameworks = search(Framework.objects.restrict(request.user, "view"), filters.q, ["key", "name_en", "name_fr"])
    return paginate(frameworks, filters, sorts=FRAMEWORK_SORTS, default="position")


@router.get("/frameworks/{int:framework_id}", response=FrameworkRead, summary="One framework")
def framework_detail(request, framework_id: int):
    return visible(Framework.objects.restrict(request.user, "view"), framework_id)


@router.get("/requirements", response=page_of(RequirementRead), summary="Requirements of the frameworks")
def requirement_list(request, filters: Query[RequirementFilters]):
    requirements = Requirement.objects.restrict(request.user, "view").select_related("framework")
    if filters.framework:
        requirements = requirements.filter(framework__key=filters.framework)
    if filters.assessable is not None:
        requirements = requirements.filter(assessable=filters.assessable)
    if filters.kind:
        requirements = requirements.filter(kind=filters.kind)
    if not filters.include_retired:
        requirements = requirements.filter(is_active=True)
    requirements = search(requirements, filters.q, ["ref", "code", "title_en", "title_fr"])
    return paginate(requirements, filters, sorts=REQUIREMENT_SORTS, default="position")


@router.get("/requirements/{int:requirement_id}", response=RequirementDetail,
            summary="One requirement with its cross-mappings")
def requirement_detail(request, requirement_id: int):
    return visible(Requirement.objects.restrict(request.user, "view").select_related("framework"), requirement_id)


from .api_controls import router as controls_router  # noqa: E402

router.add_router("", controls_router)

from .api_soa import router as soa_router  # noqa: E402

router.add_router("", soa_router)

from .api_assessments import router as assessments_router  # noqa: E402

router.add_router("", assessments_router)

from .api_obligations import router as obligations_router  # noqa: E402

router.add_router("", obligations_router)

from .api_policies import router as policies_router  # noqa: E402

router.add_router("", policies_router)
