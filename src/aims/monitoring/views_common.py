"""What every monitoring page needs: the system or KPI the reader may see, and whether they may change it."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from aims.core.permissions import can_in_unit
from aims.inventory.models import AISystem

from .models import Kpi


def visible_system(request, pk: int) -> AISystem:
    """The system, if the reader may see its monitoring (404 otherwise, as for a system out of scope)."""
    system = get_object_or_404(AISystem.objects.restrict(request.user, "view").select_related("unit", "owner"), pk=pk)
    if not can_in_unit(request.user, "view", "monitoring", system.unit):
        raise Http404
    return system


def can_change_monitoring(user, system) -> bool:
    return not system.is_frozen and can_in_unit(user, "change", "monitoring", system.unit)


def visible_kpi(request, pk: int) -> Kpi:
    return get_object_or_404(Kpi.objects.restrict(request.user, "view").select_related("system__unit", "owner"),
                             pk=pk)
