"""Heatmaps: how many risks sit in each (likelihood, impact) cell, inherent and residual, in one GROUP BY query."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from .models import Risk, RiskMethod
from .services._common import active_method


@dataclass
class Heatmap:
    method: RiskMethod | None
    inherent: Counter = field(default_factory=Counter)  # (likelihood, impact) -> count
    residual: Counter = field(default_factory=Counter)
    unscored: int = 0  # risks not yet given an inherent score
    total: int = 0

    def grid(self, kind: str = "inherent") -> list[list[dict]]:
        """Rows from the highest likelihood down, each cell {likelihood, impact, count, level} for rendering."""
        if self.method is None:
            return []
        definition = self.method.definition
        counts = self.inherent if kind == "inherent" else self.residual
        return [
            [{"likelihood": lk, "impact": im, "count": counts.get((lk, im), 0), "level": definition.level_of(lk, im)}
             for im in range(1, definition.impact_count + 1)]
            for lk in range(definition.likelihood_count, 0, -1)
        ]


def heatmap(user, *, system=None, method: RiskMethod | None = None) -> Heatmap:
    """Counts over the open risks `user` may see, scored with `method` (default: the active one), optionally for
    one system. Cells only mean something within one method version, so risks of other versions are left out."""
    method = method or active_method()
    result = Heatmap(method=method)
    if method is None:
        return result
    risks = Risk.objects.restrict(user, "view").filter(method=method).exclude(status=Risk.Status.CLOSED)
    if system is not None:
        risks = risks.filter(systems=system)
    rows = (risks.order_by().values_list("inherent_likelihood", "inherent_impact", "residual_likelihood",
                                         "residual_impact").annotate(n=Count("*")))
    for inherent_l, inherent_i, residual_l, residual_i, n in rows:
        result.total += n
        if inherent_l is None:
            result.unscored += n
            continue
        result.inherent[(inherent_l, inherent_i)] += n
        # A risk without a residual score still sits somewhere: where its inherent score put it.
        result.residual[(residual_l, residual_i) if residual_l is not None else (inherent_l, inherent_i)] += n
    return result
