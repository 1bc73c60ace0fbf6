"""Framework pages: the list, one framework's requirement tree, one requirement (guidance, cross-mappings, what
satisfies it) and the cross-mapping view between two frameworks."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from aims.core.permissions import can_anywhere

from . import queries
from .models import Framework, Requirement


def require_compliance_reader(user) -> None:
    if not can_anywhere(user, "view", "compliance"):
        raise PermissionDenied


@login_required
def framework_list(request):
    require_compliance_reader(request.user)
    frameworks = (Framework.objects.restrict(request.user, "view")
                  .annotate(assessable=Count("requirements", filter=Q(requirements__assessable=True,
                                                                      requirements__is_active=True))))
    return render(request, "compliance/framework_list.html", {"subnav": "frameworks", "frameworks": frameworks})


@login_required
def framework_detail(request, pk: int):
    user = request.user
    require_compliance_reader(user)
    framework = get_object_or_404(Framework.objects.restrict(user, "view"), pk=pk)
    requirements = list(Requirement.objects.filter(framework=framework, is_active=True).order_by("position"))
    ids = [r.pk for r in requirements]
    mapped = queries.mapped_requirements(ids)
    controls = queries.controls_by_requirement(user, ids, mapped)
    depth: dict[int, int] = {}
    for requirement in requirements:  # parents come before their children in file order
        depth[requirement.pk] = depth.get(requirement.parent_id, -1) + 1 if requirement.parent_id else 0
        requirement.depth = min(depth[requirement.pk], 4)
        requirement.mapped = mapped.get(requirement.pk, [])
        requirement.controls_direct, requirement.controls_via = controls.get(requirement.pk, ([], []))
    return render(request, "compliance/framework_detail.html", {
        "subnav": "frameworks", "framework": framework, "requirements": requirements,
        "frameworks": Framework.objects.restrict(user, "view").exclude(pk=framework.pk),
    })


@login_required
def requirement_detail(request, pk: int):
    user = request.user
    require_compliance_reader(user)
    requirement = get_object_or_404(Requirement.objects.restrict(user, "view").select_related("framework", "parent"),
                                    pk=pk)
    mapped = queries.mapped_requirements([requirement.pk]).get(requirement.pk, [])
    by_framework = defaultdict(list)
    for other in mapped:
        by_framework[other.framework].append(other)
    direct, via = queries.controls_by_requirement(user, [requirement.pk], {requirement.pk: mapped}).get(
        requirement.pk, ([], []))
    return render(request, "compliance/requirement_detail.html", {
        "subnav": "frameworks", "requirement": requirement, "mapped_by_framework": dict(by_framework),
        "controls_direct": direct, "controls_via": via,
        "children": requirement.children.filter(is_active=True).order_by("position"),
        **queries.requirement_extras(user, requirement),
    })


@login_required
def mapping_view(request):
    """Two frameworks side by side: each requirement of the first and what it maps to in the second."""
    user = request.user
    require_compliance_reader(user)
    frameworks = list(Framework.objects.restrict(user, "view"))
    by_key = {f.key: f for f in frameworks}
    left = by_key.get(request.GET.get("from", "")) or (frameworks[0] if frameworks else None)
    right = by_key.get(request.GET.get("to", "")) or next((f for f in frameworks if f != left), None)
    rows = []
    if left is not None and right is not None and left != right:
        requirements = list(Requirement.objects.filter(framework=left, is_active=True, assessable=True)
                            .order_by("position"))
        mapped = queries.mapped_requirements([r.pk for r in requirements])
        for requirement in requirements:
            rows.append((requirement, [m for m in mapped.get(requirement.pk, []) if m.framework_id == right.pk]))
    return render(request, "compliance/mappings.html", {
        "subnav": "mappings", "frameworks": frameworks, "left": left, "right": right, "rows": rows,
        "mapped_count": sum(1 for _r, targets in rows if targets),
    })
