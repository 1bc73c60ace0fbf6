"""A supplier's CycloneDX BOM: imported through the inventory's import (aims.inventory.exchange.cyclonedx_import, the
same checks, dry run and ledger), and every component it lists recorded as supplied by the supplier (a Supply each),
all or nothing. The libraries and platforms the document lists become dependencies of those components as usual; they
are not the supplier's own products, so no Supply is recorded for them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from aims.core.permissions import CHANGE, VIEW, require
from aims.inventory.exchange import cyclonedx_import
from aims.inventory.models import Component

from . import services
from .models import Supplier, Supply


@dataclass
class SupplierBomResult:
    bom: object  # cyclonedx_import.BomResult (or, for a dry run, the BomPlan)
    applied: bool
    supplies: list[Supply] = field(default_factory=list)
    already_linked: int = 0
    not_visible: int = 0  # components the BOM named that exist outside what the importer may see: not linked

    @property
    def problems(self) -> list:
        return list(self.bom.problems)


def plan_supplier_bom(*, actor, supplier: Supplier, data: bytes, filename: str, system=None):
    """The dry run: what importing the supplier's BOM would do (cyclonedx_import.BomPlan), nothing changed."""
    require(actor, CHANGE, supplier)
    return cyclonedx_import.plan_bom(actor=actor, data=data, filename=filename, system=system, unit=supplier.unit)


def import_supplier_bom(*, actor, supplier: Supplier, data: bytes, filename: str, system=None,
                        refresh: bool = False) -> SupplierBomResult:
    """Import the BOM (new components placed in the supplier's managing unit; linked to `system` when given) and
    record the supplier as the provider of each component it lists. Nothing is kept when anything is refused."""
    require(actor, CHANGE, supplier)
    with transaction.atomic():
        bom = cyclonedx_import.apply_bom(actor=actor, data=data, filename=filename, system=system,
                                         unit=supplier.unit, refresh=refresh)
        if not bom.applied:
            return SupplierBomResult(bom=bom, applied=False)
        named = {obj.pk: obj for item, obj in bom.imported if item.target == "component"}
        visible = set(Component.objects.restrict(actor, VIEW).filter(pk__in=named).values_list("pk", flat=True))
        components = [obj for pk, obj in named.items() if pk in visible]
        known = set(Supply.objects.filter(supplier=supplier, component__in=components)
                    .values_list("component_id", flat=True))
        supplies = [services.link_supply(actor=actor, supplier=supplier, component=component)
                    for component in components if component.pk not in known]
    return SupplierBomResult(bom=bom, applied=True, supplies=supplies, already_linked=len(known),
                             not_visible=len(named) - len(visible))
