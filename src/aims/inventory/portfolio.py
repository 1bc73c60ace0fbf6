"""The portfolio filters and sorts, shared by the portfolio page, the API list and the export of what a filter shows.

Filtering is one function of plain values (from a query string or an API schema) so the three always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from aims.core.models import OrgUnit

from .models import AISystem
from .models.systems import CRITICALITY_RANK, STAGE_RANK, TIER_RANK

UNCLASSIFIED = "unclassified"  # how the filter names the empty tier (an empty parameter means "any")

# Sort key -> ordering expressions (the primary key is appended to make the order total). Each has an index.
SORTS = {
    "name": ("name",),
    "reference": ("reference_code",),
    "stage": (STAGE_RANK, "name"),
    "tier": (TIER_RANK, "name"),
    "criticality": (CRITICALITY_RANK, "name"),
    # A related table's sort names a unique field of it (the unit's code, the person's username) before the list's
    # own: the database then walks that table's unique index and, for each row, this one's (unit, name) or
    # (owner, name) index, with no sort at all (the owner sort at offset 100,000: 0.7 s with a sort, 20 ms without).
    "unit": ("unit__name", "unit__code", "name"),
    "owner": ("owner__last_name", "owner__first_name", "owner__username", "name"),
    "review": (F("next_review_date"), "name"),  # systems without a review date come last
    "updated": ("updated_at",),
}
DEFAULT_SORT = "name"


@dataclass
class PortfolioFilter:
    q: str = ""
    tier: str = ""
    stage: str = ""
    unit: int | None = None
    owner: int | None = None
    criticality: str = ""
    overdue: bool = False
    reclassify: bool = False
    orphans: bool = False

    @classmethod
    def from_query(cls, params) -> PortfolioFilter:
        def number(name):
            raw = (params.get(name) or "").strip()
            return int(raw) if raw.isdigit() else None

        def flag(name):
            return (params.get(name) or "") in {"1", "true", "yes", "on"}

        return cls(q=(params.get("q") or "").strip()[:200], tier=params.get("tier") or "",
                   stage=params.get("stage") or "", unit=number("unit"), owner=number("owner"),
                   criticality=params.get("criticality") or "", overdue=flag("overdue"),
                   reclassify=flag("reclassify"), orphans=flag("orphans"))

    @property
    def active(self) -> bool:
        return any((self.q, self.tier, self.stage, self.unit, self.owner, self.criticality, self.overdue,
                    self.reclassify, self.orphans))


def orphan_condition() -> Q:
    """No owner, or an owner who left (deactivated): nobody answers for the system."""
    return Q(owner__isnull=True) | Q(owner__is_active=False)


def apply(systems: QuerySet, user, f: PortfolioFilter) -> QuerySet:
    """`systems` (already restricted to what `user` may see) narrowed by the filter. Unknown values match nothing."""
    for term in f.q.split()[:10]:
        systems = systems.filter(Q(name__icontains=term) | Q(reference_code__icontains=term)
                                 | Q(purpose__icontains=term) | Q(intended_use__icontains=term))
    if f.tier:
        systems = systems.filter(ai_act_tier="" if f.tier == UNCLASSIFIED else f.tier)
    if f.stage:
        systems = systems.filter(stage=f.stage)
    if f.unit is not None:
        path = OrgUnit.objects.restrict(user, "view").filter(pk=f.unit).values_list("path", flat=True).first()
        systems = systems.filter(unit__path__startswith=path) if path else systems.none()
    if f.owner is not None:
        systems = systems.filter(owner_id=f.owner)
    if f.criticality:
        systems = systems.filter(criticality=f.criticality)
    if f.overdue:
        systems = systems.filter(next_review_date__lt=timezone.localdate())
    if f.reclassify:
        systems = systems.filter(needs_reclassification=True)
    if f.orphans:
        systems = systems.filter(orphan_condition())
    return systems


def ordering(sort: str | None) -> tuple[list, str, bool]:
    """(ORM ordering, sort key, descending) for `?sort=key` / `?sort=-key`; unknown keys fall back to the name."""
    raw = sort or DEFAULT_SORT
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    if key not in SORTS:
        key, descending = DEFAULT_SORT, False
    fields = []
    for item in SORTS[key]:
        if isinstance(item, str):
            fields.append(("-" if descending else "") + item)
        else:
            fields.append(item.desc(nulls_last=True) if descending else item.asc(nulls_last=True))
    fields.append("-pk" if descending else "pk")
    return fields, key, descending


def visible_systems(user) -> QuerySet:
    """What a portfolio row needs, in one query: the unit and the owner come with the system."""
    return AISystem.objects.restrict(user, "view").select_related("unit", "owner")


def is_orphan(system: AISystem) -> bool:
    return system.owner_id is None or not system.owner.is_active
