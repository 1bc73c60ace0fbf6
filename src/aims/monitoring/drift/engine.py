"""The drift verdict of a dataset: which columns are tested as numerical or categorical, with which method and
threshold (Evidently's defaults unless overridden per column), each column's result with its chart data, and the
dataset's verdict (it drifts when at least `drift_share` of its tested columns drift)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import stats
from .stats import Counts, Numeric

NUMERICAL, CATEGORICAL, SKIPPED = "numerical", "categorical", "skipped"
CHART_BINS = 20
CHART_CATEGORIES = 12


@dataclass
class ColumnData:
    """One column of both samples, ready for testing: `kind` as Evidently would type it, the two samples (Numeric or
    Counts), or a `note` saying why it cannot be tested. `approximate` marks samples rebuilt from histograms."""

    name: str
    kind: str
    reference: Numeric | Counts | None = None
    current: Numeric | Counts | None = None
    note: str = ""
    approximate: bool = False
    distinct: int | None = None  # given with histograms, where the values themselves are not known
    edges: np.ndarray | None = None  # bin edges of pushed numerical histograms


@dataclass
class ColumnResult:
    name: str
    kind: str
    method: str = ""
    threshold: float | None = None
    statistic: float | None = None
    drifted: bool = False
    reference_rows: int = 0
    current_rows: int = 0
    distinct: int = 0
    overridden: bool = False
    note: str = ""
    chart: dict = field(default_factory=dict)


@dataclass
class DatasetResult:
    columns: list[ColumnResult]
    drift_share: float

    @property
    def tested(self) -> list[ColumnResult]:
        return [c for c in self.columns if c.kind != SKIPPED]

    @property
    def drifted_count(self) -> int:
        return sum(1 for c in self.tested if c.drifted)

    @property
    def share(self) -> float:
        return self.drifted_count / len(self.tested) if self.tested else 0.0

    @property
    def dataset_drift(self) -> bool:
        return bool(self.tested) and self.share >= self.drift_share


class OverrideError(ValueError):
    """A per-column override that cannot apply (e.g. Kolmogorov-Smirnov on text categories)."""


def check_override(kind: str, override: dict, numeric_values: bool) -> None:
    method = override.get("method")
    if method and method not in stats.DEFAULT_THRESHOLDS:
        raise OverrideError(f"unknown method {method}")
    if method in stats.NUMERIC_ONLY and not numeric_values:
        raise OverrideError(f"{method} needs numerical values")
    threshold = override.get("threshold")
    if threshold is not None and not (isinstance(threshold, (int, float)) and threshold >= 0):
        raise OverrideError("the threshold must be a number, at least 0")


def test_column(column: ColumnData, override: dict | None = None) -> ColumnResult:
    """Test one column: Evidently's default method and threshold unless `override` gives them."""
    if column.kind == SKIPPED:
        return ColumnResult(name=column.name, kind=SKIPPED, note=column.note)
    reference, current = column.reference, column.current
    override = override or {}
    kind = override.get("kind") or column.kind
    numerical = kind == NUMERICAL
    if reference.n == 0 or current.n == 0:
        return ColumnResult(name=column.name, kind=SKIPPED, note="empty", reference_rows=reference.n,
                            current_rows=current.n)
    distinct = column.distinct if column.distinct is not None else stats.distinct_union(reference, current)
    method = override.get("method") or stats.default_method(numerical=numerical, reference_rows=reference.n,
                                                            distinct=distinct)
    binned = isinstance(reference, Counts) and column.edges is not None
    if method in stats.NUMERIC_ONLY and not isinstance(reference, Numeric) and not binned:
        return ColumnResult(name=column.name, kind=SKIPPED, method=method, note="needs_numbers",
                            reference_rows=reference.n, current_rows=current.n, distinct=distinct)
    threshold = override.get("threshold")
    threshold = float(stats.DEFAULT_THRESHOLDS[method] if threshold is None else threshold)
    if binned and method == stats.KS:
        statistic = stats.ks_binned(reference, current)
    elif binned and method == stats.WASSERSTEIN:
        statistic = stats.wasserstein_binned(column.edges, reference, current)
    else:
        statistic = stats.compute(method, reference, current, numerical=numerical)
    return ColumnResult(
        name=column.name, kind=kind, method=method, threshold=threshold, statistic=statistic,
        drifted=stats.drifted(method, statistic, threshold), reference_rows=reference.n, current_rows=current.n,
        distinct=distinct, overridden=bool(override.get("method") or override.get("threshold") is not None
                                           or override.get("kind")),
        note="approximate" if column.approximate else "", chart=chart_of(column))


def run(columns: list[ColumnData], *, drift_share: float = 0.5, overrides: dict | None = None,
        ignored=(), progress: Callable[[int, int], None] | None = None) -> DatasetResult:
    """Test every column not ignored; `progress(done, total)` is called after each."""
    overrides = overrides or {}
    chosen = [c for c in columns if c.name not in set(ignored)]
    results = []
    for index, column in enumerate(chosen, start=1):
        results.append(test_column(column, overrides.get(column.name)))
        if progress is not None:
            progress(index, len(chosen))
    return DatasetResult(results, drift_share)


def chart_of(column: ColumnData) -> dict:
    """What the page draws: both samples' shares per bin (numerical) or per category (the most frequent ones)."""
    reference, current = column.reference, column.current
    if column.edges is not None:
        return {"kind": "bins", "edges": [float(e) for e in column.edges],
                "reference": (reference.counts / max(reference.n, 1)).round(6).tolist(),
                "current": (current.counts / max(current.n, 1)).round(6).tolist()}
    if isinstance(reference, Numeric):
        if stats.distinct_count(reference) <= CHART_CATEGORIES and stats.distinct_count(current) <= CHART_CATEGORIES:
            ref_counts, cur_counts, keys = stats.aligned_counts(reference, current)
            return {"kind": "categories", "labels": [_short(k) for k in keys],
                    "reference": (ref_counts / reference.n).round(6).tolist(),
                    "current": (cur_counts / current.n).round(6).tolist()}
        low = float(min(reference.values[0], current.values[0]))
        high = float(max(reference.values[-1], current.values[-1]))
        edges = np.linspace(low, high, CHART_BINS + 1)
        ref_counts = stats.histogram_sorted(reference.values, edges)
        cur_counts = stats.histogram_sorted(current.values, edges)
        return {"kind": "bins", "edges": [float(e) for e in edges],
                "reference": (ref_counts / reference.n).round(6).tolist(),
                "current": (cur_counts / current.n).round(6).tolist()}
    total = reference.counts + current.counts
    order = np.argsort(-total, kind="stable")
    order = order[total[order] > 0]
    top, rest = order[:CHART_CATEGORIES], order[CHART_CATEGORIES:]
    labels = [str(reference.labels[i]) if reference.labels else str(i) for i in top]
    ref_share = [float(x) for x in (reference.counts[top] / reference.n).round(6)]
    cur_share = [float(x) for x in (current.counts[top] / current.n).round(6)]
    if rest.size:
        labels.append("…")
        ref_share.append(round(float(reference.counts[rest].sum() / reference.n), 6))
        cur_share.append(round(float(current.counts[rest].sum() / current.n), 6))
    return {"kind": "categories", "labels": labels, "reference": ref_share, "current": cur_share}


def _short(value) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.4g}"
