"""The risk register as a query: filters, sort keys, level decoration and exports, shared by the register page,
its CSV/XLSX exports and the API list, so the three always show the same rows.

Filters arrive as plain values (from a query string or an API schema); bad values filter nothing rather than fail,
except in the API, whose schema types them first.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.core import labels
from aims.core.text_search import indexed_search
from aims.inventory.models import AISystem

from .choices import RiskCategory
from .models import Risk, RiskMethod

# Sort key -> ordering (the API and the page share it; the primary key is appended for a total order).
RISK_SORTS = {
    "title": ("title",),
    "category": ("category",),
    "owner": ("owner__last_name", "owner__first_name", "owner__username"),  # see inventory.portfolio.SORTS
    "inherent": ("inherent_rank", "inherent_score"),
    "residual": ("residual_rank", "residual_score"),
    "status": ("status",),
    "next_review": ("next_review_date",),
    "updated": ("updated_at",),
}
DEFAULT_SORT = "-inherent"
SEARCH_FIELDS = ["title", "risk_source", "event", "consequence"]  # the columns of its text index (migration 0010)
OPEN = "open"  # pseudo-status: every status but closed (what the heatmap counts)
CELL_KINDS = ("inherent", "residual")


def parse_cell(value: str) -> tuple[str, int, int] | None:
    """"residual-3-2" -> ("residual", 3, 2); anything else -> None."""
    parts = (value or "").split("-")
    if len(parts) != 3 or parts[0] not in CELL_KINDS or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return parts[0], int(parts[1]), int(parts[2])


def _system_condition(system) -> Q | None:
    if system in (None, ""):
        return None
    if isinstance(system, int) or str(system).isdigit():
        return Q(systems__pk=int(system))
    return Q(systems__reference_code__iexact=str(system).strip())


def apply_filters(risks: QuerySet, *, system=None, category: str = "", owner=None, unit=None,
                  inherent_level: str = "", residual_level: str = "", status: str = "", above_appetite=None,
                  review_overdue: bool = False, q: str = "", cell: str = "", method=None,
                  many_matches: bool = False) -> QuerySet:
    """Narrow an already restricted queryset of risks. `system` is a pk or a reference code; `cell` a heatmap cell
    ("inherent-L-I" or "residual-L-I": a risk without residual score sits in its inherent cell, as on the heatmap);
    `many_matches` that the text search `q` is known to match many risks (text_search.indexed_search)."""
    condition = _system_condition(system)
    if condition is not None:
        risks = risks.filter(condition)
    if category:
        risks = risks.filter(category=category)
    if owner not in (None, ""):
        if str(owner).isdigit():
            risks = risks.filter(owner_id=int(owner))
        else:
            risks = risks.filter(owner__email__iexact=str(owner)) if "@" in str(owner) else risks.none()
    if unit not in (None, ""):
        risks = risks.filter(unit_id=int(unit)) if str(unit).isdigit() else risks.none()
    if inherent_level:
        risks = risks.filter(inherent_level=inherent_level)
    if residual_level:
        risks = risks.filter(residual_level=residual_level)
    if status == OPEN:
        risks = risks.exclude(status=Risk.Status.CLOSED)
    elif status:
        risks = risks.filter(status=status)
    if above_appetite is not None:
        risks = risks.filter(above_appetite=above_appetite)
    if review_overdue:
        risks = risks.filter(next_review_date__lt=timezone.localdate()).exclude(status=Risk.Status.CLOSED)
    if method not in (None, ""):
        risks = risks.filter(method_id=int(method)) if str(method).isdigit() else risks.none()
    parsed = parse_cell(cell)
    if parsed:
        kind, likelihood, impact = parsed
        if kind == "inherent":
            risks = risks.filter(inherent_likelihood=likelihood, inherent_impact=impact)
        else:
            risks = risks.filter(Q(residual_likelihood=likelihood, residual_impact=impact)
                                 | Q(residual_likelihood__isnull=True, inherent_likelihood=likelihood,
                                     inherent_impact=impact))
    elif cell:
        risks = risks.none()
    return indexed_search(risks, q, SEARCH_FIELDS, many_matches=many_matches)


def filters_from_query(data) -> dict:
    """The keyword arguments of `apply_filters` from a query string, unknown values dropped."""
    yes_no = {"yes": True, "no": False}
    category = data.get("category", "")
    status = data.get("status", "")
    return {
        "system": data.get("system", "").strip()[:60],
        "category": category if category in RiskCategory.values else "",
        "owner": _owner_filter(data.get("owner", "").strip()),
        "unit": data.get("unit", "") if data.get("unit", "").isdigit() else None,
        "inherent_level": data.get("inherent_level", "")[:40],
        "residual_level": data.get("residual_level", "")[:40],
        "status": status if status in Risk.Status.values or status == OPEN else "",
        "above_appetite": yes_no.get(data.get("above_appetite", "")),
        "review_overdue": data.get("review_overdue", "") in ("1", "yes", "on", "true"),
        "q": data.get("q", "").strip()[:200],
        "cell": data.get("cell", "")[:30],
        "method": data.get("method", "") if data.get("method", "").isdigit() else None,
    }


def chosen_filters(filters: dict) -> dict:
    """The filters of `filters` (keyword arguments of `apply_filters`) that narrow the register: a value, review overdue
    when on, above appetite either way ("no" keeps the risks within appetite)."""
    return {key: value for key, value in filters.items()
            if value not in (None, "") and not (key == "review_overdue" and value is False)}


def _owner_filter(value: str) -> str | None:
    """A person's id (the drop-down) or e-mail address (the text box of large organisations)."""
    return value[:254] if value.isdigit() or "@" in value else None


# What a register row shows (views_register.register_rows): a page reads these columns only, not the risk's long
# texts nor its unit, about 2 ms of a page of 50 (issue 10).
ROW_FIELDS = ("pk", "title", "above_appetite", "category", "status", "next_review_date", "method_id",
              "inherent_level", "residual_level", "owner__first_name", "owner__last_name", "owner__email",
              "owner__username")


def visible_risks(user) -> QuerySet:
    return Risk.objects.restrict(user, "view").select_related("owner", "unit")


def with_systems(risks: QuerySet, user) -> QuerySet:
    """Prefetch only the linked systems the viewer may see (one query per page, whatever its length)."""
    systems = AISystem.objects.restrict(user, "view").only("pk", "name", "reference_code").order_by("name")
    return risks.prefetch_related(Prefetch("systems", queryset=systems, to_attr="visible_systems"))


def method_definitions(method_ids) -> dict:
    """{method id: RiskMethod} for these ids, one query."""
    return {m.pk: m for m in RiskMethod.objects.filter(pk__in=set(method_ids))}


def decorate(risks, methods: dict | None = None) -> list:
    """Attach `inherent_chip` / `residual_chip` (scoring.Level or None) and scale labels to each risk, reading each
    method version once for the whole list."""
    risks = list(risks)
    methods = methods if methods is not None else method_definitions(r.method_id for r in risks)
    for risk in risks:
        method = methods.get(risk.method_id)
        definition = method.definition if method else None
        risk.method_cached = method
        for prefix in ("inherent", "residual"):
            key = getattr(risk, f"{prefix}_level")
            setattr(risk, f"{prefix}_chip", definition.levels.get(key) if definition and key else None)
    return risks


def scale_label(definition, axis: str, value, language: str = "en") -> str:
    if definition is None or value is None:
        return ""
    scale = definition.likelihood_scale if axis == "likelihood" else definition.impact_scale
    if not 1 <= value <= len(scale):
        return str(value)
    step = scale[value - 1]
    return (step.get("label_fr") if language == "fr" and step.get("label_fr") else step.get("label_en")) or str(value)


def level_choices(methods) -> list[tuple[str, str]]:
    """(key, label) of every level of these methods, each key once, by rank (for filter drop-downs)."""
    seen: dict[str, tuple[int, str]] = {}
    for method in methods:
        try:
            levels = method.definition.levels.values()
        except Exception:  # noqa: BLE001 - a broken draft must not break the register
            continue
        for level in levels:
            seen.setdefault(level.key, (level.rank, level.label(labels.language())))
    return [(key, label) for key, (_rank, label) in sorted(seen.items(), key=lambda item: item[1][0])]


# --- Exports ---------------------------------------------------------------------------------------------------------

def export_headers() -> list[str]:
    return [_("Id"), _("Title"), _("Category"), _("AI systems"), _("Owner"), _("Unit"), _("Inherent likelihood"),
            _("Inherent impact"), _("Inherent level"), _("Residual likelihood"), _("Residual impact"),
            _("Residual level"), _("Above appetite"), _("Treatment"), _("Status"), _("Next review"),
            _("Method version")]


def export_rows(risks, language: str = "en"):
    """One list per risk, in the order of `risks` (a decorated iterable)."""
    for risk in risks:
        method = risk.method_cached
        definition = method.definition if method else None
        yield [
            risk.pk, risk.title, risk.get_category_display(), ", ".join(str(s) for s in risk.visible_systems),
            str(risk.owner), str(risk.unit or ""),
            scale_label(definition, "likelihood", risk.inherent_likelihood, language),
            scale_label(definition, "impact", risk.inherent_impact, language),
            risk.inherent_chip.label(language) if risk.inherent_chip else "",
            scale_label(definition, "likelihood", risk.residual_likelihood, language),
            scale_label(definition, "impact", risk.residual_impact, language),
            risk.residual_chip.label(language) if risk.residual_chip else "",
            _("yes") if risk.above_appetite else _("no"), risk.get_treatment_display(), risk.get_status_display(),
            risk.next_review_date.isoformat() if isinstance(risk.next_review_date, date) else "",
            str(method) if method else "",
        ]


def iter_decorated(risks: QuerySet, chunk: int = 2000):
    """All rows of a (large) queryset, decorated chunk by chunk so memory stays flat."""
    methods = method_definitions(RiskMethod.objects.values_list("pk", flat=True))
    offset = 0
    while True:
        batch = list(risks[offset:offset + chunk])
        if not batch:
            return
        yield from decorate(batch, methods)
        offset += chunk
