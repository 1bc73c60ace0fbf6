"""The drift statistics, vectorised with NumPy and SciPy, with the same formulas and verdicts as Evidently's
(evidently 0.7, `legacy/calculations/stattests`): users moving from it keep their verdicts, which the parity tests check
against SciPy to 1e-9 and the benchmark against Evidently itself.

A numerical sample is held sorted (`Numeric`): sorting once serves the distinct count, the Kolmogorov-Smirnov and
Wasserstein statistics, the histograms and the charts. A categorical sample is held as counts over a vocabulary
shared with the other sample (`Counts`). Nothing here loops over rows in Python.

Verdicts (as Evidently): p-value tests drift when p <= threshold for KS and p < threshold for chi-square and the
Z-test; distances (Wasserstein, Jensen-Shannon) and PSI drift when the value >= threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.spatial import distance

KS, CHI_SQUARE, Z, WASSERSTEIN, JENSEN_SHANNON, PSI = "ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"
DEFAULT_THRESHOLDS = {KS: 0.05, CHI_SQUARE: 0.05, Z: 0.05, WASSERSTEIN: 0.1, JENSEN_SHANNON: 0.1, PSI: 0.1}
P_VALUE_METHODS = (KS, CHI_SQUARE, Z)
NUMERIC_ONLY = (KS, WASSERSTEIN)
# Evidently bins a numerical column by value up to this many distinct reference values, in equal-width bins beyond.
BIN_BY_VALUE_UP_TO = 20


@dataclass(frozen=True)
class Numeric:
    """A numerical sample without missing or infinite values, sorted ascending."""

    values: np.ndarray

    @classmethod
    def of(cls, values) -> Numeric:
        array = np.asarray(values, dtype=np.float64)
        return cls(np.sort(array[np.isfinite(array)]))

    @property
    def n(self) -> int:
        return int(self.values.size)

    def distinct(self) -> np.ndarray:
        """The distinct values, ascending (from the sorted array: one comparison per value)."""
        values = self.values
        if values.size == 0:
            return values
        keep = np.empty(values.size, dtype=bool)
        keep[0] = True
        np.not_equal(values[1:], values[:-1], out=keep[1:])
        return values[keep]

    def counts_at(self, keys: np.ndarray) -> np.ndarray:
        """How many values equal each of the sorted `keys`."""
        return (np.searchsorted(self.values, keys, side="right")
                - np.searchsorted(self.values, keys, side="left")).astype(np.int64)


@dataclass(frozen=True)
class Counts:
    """A categorical sample: counts per category, aligned with another sample's (zeros where absent). `labels` name
    the categories (the same list for both samples)."""

    counts: np.ndarray
    labels: tuple = ()

    @property
    def n(self) -> int:
        return int(self.counts.sum())


def distinct_union(reference, current) -> int:
    """Distinct values over both samples (Evidently's `pd.concat([reference, current]).nunique()`)."""
    if isinstance(reference, Numeric):
        both = np.concatenate([reference.distinct(), current.distinct()])
        return int(np.unique(both).size)
    return int(np.count_nonzero((reference.counts + current.counts) > 0))


def distinct_count(sample) -> int:
    if isinstance(sample, Numeric):
        return int(sample.distinct().size)
    return int(np.count_nonzero(sample.counts))


def aligned_counts(reference, current) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Counts of both samples over the categories present in either, and the keys when the samples are numbers
    (ascending, as Evidently's Z-test sorts them)."""
    if isinstance(reference, Numeric):
        keys = np.union1d(reference.distinct(), current.distinct())
        return reference.counts_at(keys), current.counts_at(keys), keys
    present = np.flatnonzero((reference.counts + current.counts) > 0)
    if reference.labels:  # in label order, as Evidently sorts the values (it matters to the Z-test's coding)
        present = present[np.argsort(np.asarray(reference.labels, dtype=object)[present].astype(str), kind="stable")]
    return reference.counts[present], current.counts[present], None


# --- Statistics ---------------------------------------------------------------------------------------------------

def ks(reference: Numeric, current: Numeric) -> float:
    """Two-sample Kolmogorov-Smirnov p-value (SciPy's ks_2samp, method 'auto', as Evidently calls it)."""
    return float(stats.ks_2samp(reference.values, current.values).pvalue)


def wasserstein_distance_sorted(u: np.ndarray, v: np.ndarray) -> float:
    """The first Wasserstein distance between two sorted samples: SciPy's formula (the area between the empirical
    CDFs), computed by merging the two sorted arrays instead of sorting their union again.

    Where merged values tie, the step between them is zero, so only the count of values at or below each distinct
    breakpoint matters; the running count of the merge is that count wherever the next value is larger.
    """
    n, m = u.size, v.size
    # Position of each v value in the merged order (after the equal u values, as a stable merge puts them).
    v_positions = np.searchsorted(u, v, side="right") + np.arange(m)
    from_v = np.zeros(n + m, dtype=bool)
    from_v[v_positions] = True
    merged = np.empty(n + m, dtype=np.float64)
    merged[v_positions] = v
    merged[~from_v] = u
    deltas = np.diff(merged)
    v_count = np.cumsum(from_v[:-1])
    u_count = np.arange(1, n + m) - v_count
    return float(np.sum(np.multiply(np.abs(u_count / n - v_count / m), deltas)))


def wasserstein_normed(reference: Numeric, current: Numeric) -> float:
    """Wasserstein distance divided by the reference's standard deviation (at least 0.001), as Evidently."""
    norm = max(float(np.std(reference.values)), 0.001)
    return wasserstein_distance_sorted(reference.values, current.values) / norm


def chi_square(reference, current) -> float:
    """Chi-square goodness of fit of the current counts to the reference proportions (p-value)."""
    ref_counts, cur_counts, _keys = aligned_counts(reference, current)
    expected = ref_counts * (cur_counts.sum() / ref_counts.sum())
    # A category absent from the reference has an expected count of zero: the statistic is infinite and p is 0,
    # as with Evidently; NumPy's warning about it says nothing the result does not.
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(stats.chisquare(cur_counts, expected).pvalue)


def z_test(reference, current) -> float:
    """Two-sided Z-test of the difference of proportions of a binary column (p-value); 1 when both samples hold the
    same single value."""
    ref_counts, cur_counts, _keys = aligned_counts(reference, current)
    if ref_counts.size == 1:
        return 1.0
    # The first category (in sorted order for numbers) is 0, every other one 1, as Evidently codes it.
    n1, n2 = ref_counts.sum(), cur_counts.sum()
    p1 = float(n1 - ref_counts[0]) / n1
    p2 = float(n2 - cur_counts[0]) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - stats.norm.cdf(np.abs(z))))


def sturges_edges(low: float, high: float, size: int) -> np.ndarray:
    """np.histogram_bin_edges(data, bins="sturges") for data of `size` values spanning [low, high], without the data."""
    if low == high:
        low, high = low - 0.5, high + 0.5
        return np.linspace(low, high, 2)
    width = (high - low) / (np.log2(size) + 1.0)
    bins = int(np.ceil((high - low) / width)) if width else 1
    return np.linspace(low, high, bins + 1)


def histogram_sorted(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """np.histogram(values, edges)[0] for sorted values: the last bin includes its right edge."""
    cumulative = np.concatenate([np.searchsorted(values, edges[:-1], side="left"),
                                 np.searchsorted(values, edges[-1:], side="right")])
    return np.diff(cumulative)


def binned_shares(reference, current, *, numerical: bool, fill_zeros: bool) -> tuple[np.ndarray, np.ndarray]:
    """Share of each sample per bin, as Evidently's get_binned_data: a numerical column with more than 20 distinct
    reference values goes into Sturges bins over both samples; any other column is counted per value. With
    `fill_zeros` (PSI), empty bins get a small share so the logarithm stays finite."""
    if numerical and isinstance(reference, Numeric) and distinct_count(reference) > BIN_BY_VALUE_UP_TO:
        low = min(reference.values[0], current.values[0])
        high = max(reference.values[-1], current.values[-1])
        edges = sturges_edges(float(low), float(high), reference.n + current.n)
        ref_share = histogram_sorted(reference.values, edges) / reference.n
        cur_share = histogram_sorted(current.values, edges) / current.n
    else:
        ref_counts, cur_counts, _keys = aligned_counts(reference, current)
        ref_share, cur_share = ref_counts / reference.n, cur_counts / current.n
    if fill_zeros:
        ref_share, cur_share = _fill_zeros(ref_share), _fill_zeros(cur_share)
    return ref_share, cur_share


def _fill_zeros(shares: np.ndarray) -> np.ndarray:
    smallest = shares[shares != 0].min()
    filled = shares.copy()
    filled[filled == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return filled


def jensen_shannon(reference, current, *, numerical: bool) -> float:
    ref_share, cur_share = binned_shares(reference, current, numerical=numerical, fill_zeros=False)
    return float(distance.jensenshannon(ref_share, cur_share))


def psi(reference, current, *, numerical: bool) -> float:
    ref_share, cur_share = binned_shares(reference, current, numerical=numerical, fill_zeros=True)
    return float(np.sum((ref_share - cur_share) * np.log(ref_share / cur_share)))


def drifted(method: str, statistic: float, threshold: float) -> bool:
    """Evidently's verdict for each method (note KS's <= against chi-square's and the Z-test's <)."""
    if method == KS:
        return bool(statistic <= threshold)
    if method in (CHI_SQUARE, Z):
        return bool(statistic < threshold)
    return bool(statistic >= threshold)


def compute(method: str, reference, current, *, numerical: bool) -> float:
    if method == KS:
        return ks(reference, current)
    if method == WASSERSTEIN:
        return wasserstein_normed(reference, current)
    if method == CHI_SQUARE:
        return chi_square(reference, current)
    if method == Z:
        return z_test(reference, current)
    if method == JENSEN_SHANNON:
        return jensen_shannon(reference, current, numerical=numerical)
    if method == PSI:
        return psi(reference, current, numerical=numerical)
    raise ValueError(f"unknown drift method {method!r}")


def default_method(*, numerical: bool, reference_rows: int, distinct: int) -> str:
    """Evidently's choice: up to 1,000 reference rows, KS for numerical columns with more than 5 distinct values and
    chi-square otherwise (the Z-test for two values or fewer); above, the normed Wasserstein distance for numerical
    columns with more than 5 distinct values and Jensen-Shannon otherwise. Distinct values count over both samples."""
    if reference_rows <= 1000:
        if numerical and distinct > 5:
            return KS
        return CHI_SQUARE if distinct > 2 else Z
    if numerical and distinct > 5:
        return WASSERSTEIN
    return JENSEN_SHANNON


# --- Histograms pushed instead of samples (approximations: the values inside a bin are not known) ------------------

def ks_binned(reference: Counts, current: Counts) -> float:
    """KS p-value from two histograms on the same bins: the largest gap between the CDFs at the bin edges (a lower
    bound of the statistic on the raw values), with SciPy's asymptotic distribution of ks_2samp."""
    n1, n2 = reference.n, current.n
    gap = float(np.max(np.abs(np.cumsum(reference.counts) / n1 - np.cumsum(current.counts) / n2)))
    return float(stats.kstwo.sf(gap, np.round(n1 * n2 / (n1 + n2))))


def wasserstein_binned(edges: np.ndarray, reference: Counts, current: Counts) -> float:
    """Normed Wasserstein distance between two histograms, each bin's mass at its centre."""
    centres = (edges[:-1] + edges[1:]) / 2
    weights = reference.counts.astype(np.float64)
    mean = np.average(centres, weights=weights)
    norm = max(float(np.sqrt(np.average((centres - mean) ** 2, weights=weights))), 0.001)
    return float(stats.wasserstein_distance(centres, centres, reference.counts, current.counts)) / norm
