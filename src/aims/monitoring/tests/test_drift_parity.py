"""Parity of the drift engine with the reference formulas Evidently applies (SciPy), to 1e-9, on fixed samples:
numerical, categorical and binary columns, with a small (<= 1,000 rows) and a large reference; plus Evidently's choice
of method and threshold, the dataset verdict, and typed reading of CSV and Parquet samples in chunks."""

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from scipy import stats as sps
from scipy.spatial import distance

from aims.monitoring.drift import engine, readers, stats
from aims.monitoring.drift.engine import ColumnData
from aims.monitoring.drift.stats import Counts, Numeric

TOLERANCE = 1e-9


# --- The reference formulas, written from Evidently's definitions with plain SciPy on raw arrays ------------------

def clean(values):
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values)]


def ref_ks(r, c):
    return sps.ks_2samp(r, c).pvalue


def ref_wasserstein(r, c):
    return sps.wasserstein_distance(r, c) / max(float(np.std(r)), 0.001)


def ref_counts(r, c):
    keys = sorted(set(r) | set(c))
    rc, cc = Counter(r), Counter(c)
    return keys, np.array([rc[k] for k in keys], dtype=float), np.array([cc[k] for k in keys], dtype=float)


def ref_chi(r, c):
    _keys, rn, cn = ref_counts(r, c)
    return sps.chisquare(cn, rn * len(c) / len(r)).pvalue


def ref_z(r, c):
    keys = sorted(set(r) | set(c))
    if len(set(r)) == 1 and len(set(c)) == 1 and set(r) == set(c):
        return 1.0
    r1 = np.array([0 if x == keys[0] else 1 for x in r])
    c1 = np.array([0 if x == keys[0] else 1 for x in c])
    n1, n2 = len(r1), len(c1)
    p1, p2 = r1.sum() / n1, c1.sum() / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 2 * (1 - sps.norm.cdf(abs(z)))


def ref_shares(r, c, numerical, fill):
    if numerical and len(set(r)) > 20:
        edges = np.histogram_bin_edges(np.concatenate([r, c]), bins="sturges")
        rs, cs = np.histogram(r, edges)[0] / len(r), np.histogram(c, edges)[0] / len(c)
    else:
        _keys, rn, cn = ref_counts(list(r), list(c))
        rs, cs = rn / len(r), cn / len(c)
    if fill:
        for shares in (rs, cs):
            smallest = shares[shares != 0].min()
            shares[shares == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return rs, cs


def ref_js(r, c, numerical):
    return distance.jensenshannon(*ref_shares(r, c, numerical, False))


def ref_psi(r, c, numerical):
    rs, cs = ref_shares(r, c, numerical, True)
    return np.sum((rs - cs) * np.log(rs / cs))


REFERENCE = {"ks": lambda r, c, num: ref_ks(r, c), "wasserstein": lambda r, c, num: ref_wasserstein(r, c),
             "chisquare": lambda r, c, num: ref_chi(list(r), list(c)), "z": lambda r, c, num: ref_z(list(r), list(c)),
             "jensenshannon": ref_js, "psi": ref_psi}


# --- Fixed samples -------------------------------------------------------------------------------------------------

def samples():
    rng = np.random.default_rng(20260301)
    return {
        "numerical small": (rng.normal(50, 10, 800), rng.normal(53, 11, 600), "numerical"),
        "numerical large": (rng.normal(50, 10, 5000), rng.normal(52, 10, 4000), "numerical"),
        "numerical ties": (np.round(rng.normal(5, 2, 3000), 1), np.round(rng.normal(5.3, 2, 2500), 1), "numerical"),
        "numerical few values": (rng.integers(0, 4, 3000).astype(float), rng.integers(0, 5, 3000).astype(float),
                                 "numerical"),
        "categorical small": (rng.choice(list("abcde"), 900, p=[.3, .3, .2, .1, .1]),
                              rng.choice(list("abcdef"), 700, p=[.2, .3, .2, .1, .1, .1]), "categorical"),
        "categorical large": (rng.choice(list("abcdefgh"), 20000), rng.choice(list("abcdefg"), 15000), "categorical"),
        "binary small": (rng.choice(["no", "yes"], 500, p=[.7, .3]), rng.choice(["no", "yes"], 400, p=[.6, .4]),
                         "categorical"),
        "binary large": (rng.choice(["no", "yes"], 8000, p=[.7, .3]), rng.choice(["no", "yes"], 8000), "categorical"),
    }


def column(name, reference, current, kind):
    if reference.dtype.kind in "fi":
        return ColumnData(name, kind, Numeric.of(reference), Numeric.of(current))
    labels = tuple(sorted(set(reference) | set(current), reverse=True))  # not sorted: the engine must sort
    index = {label: i for i, label in enumerate(labels)}
    count = lambda values: np.bincount([index[v] for v in values], minlength=len(labels))  # noqa: E731
    return ColumnData(name, kind, Counts(count(reference), labels), Counts(count(current), labels))


CASES = [(name, method) for name in samples() for method in REFERENCE
         if not (method in ("ks", "wasserstein") and "categorical" in name or method in ("ks", "wasserstein")
                 and "binary" in name)]


@pytest.mark.parametrize("name, method", CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_every_statistic_and_verdict_equals_the_reference_formula(name, method):
    reference, current, kind = samples()[name]
    result = engine.test_column(column(name, reference, current, kind), {"method": method})
    expected = REFERENCE[method](clean(reference) if kind == "numerical" else reference,
                                 clean(current) if kind == "numerical" else current, kind == "numerical")
    assert result.statistic == pytest.approx(expected, rel=TOLERANCE, abs=TOLERANCE)
    threshold = stats.DEFAULT_THRESHOLDS[method]
    reference_verdict = (expected <= threshold if method == "ks" else expected < threshold
                         if method in ("chisquare", "z") else expected >= threshold)
    assert result.drifted == reference_verdict and result.threshold == threshold


@pytest.mark.parametrize("name, method", [
    ("numerical small", "ks"), ("numerical large", "wasserstein"), ("numerical ties", "wasserstein"),
    ("numerical few values", "jensenshannon"), ("categorical small", "chisquare"),
    ("categorical large", "jensenshannon"), ("binary small", "z"), ("binary large", "jensenshannon")])
def test_defaults_are_chosen_as_evidently_does(name, method):
    reference, current, kind = samples()[name]
    assert engine.test_column(column(name, reference, current, kind)).method == method


def test_the_switch_is_at_1000_reference_rows_and_5_distinct_values():
    rng = np.random.default_rng(7)
    at_1000 = ColumnData("x", "numerical", Numeric.of(rng.normal(size=1000)), Numeric.of(rng.normal(size=300)))
    at_1001 = ColumnData("x", "numerical", Numeric.of(rng.normal(size=1001)), Numeric.of(rng.normal(size=300)))
    assert (engine.test_column(at_1000).method, engine.test_column(at_1001).method) == ("ks", "wasserstein")
    five = rng.integers(0, 5, 500).astype(float)
    three = rng.integers(0, 3, 500).astype(float)
    two = rng.integers(0, 2, 500).astype(float)
    assert engine.test_column(ColumnData("x", "numerical", Numeric.of(five), Numeric.of(five))).method == "chisquare"
    assert engine.test_column(ColumnData("x", "numerical", Numeric.of(three), Numeric.of(three))).method == "chisquare"
    assert engine.test_column(ColumnData("x", "numerical", Numeric.of(two), Numeric.of(two))).method == "z"
    # Distinct values count over both samples: 5 in each but 6 together is "more than 5".
    six = ColumnData("x", "numerical", Numeric.of(np.arange(500) % 5), Numeric.of(np.arange(500) % 5 + 1))
    assert engine.test_column(six).method == "ks"


def test_missing_and_infinite_values_are_left_out_as_evidently_does():
    reference = np.array([1.0, 2.0, np.nan, 3.0, np.inf, 4.0, 5.0, 6.0, 7.0, -np.inf])
    current = np.array([2.0, 3.0, 4.0, np.nan, 8.0, 9.0, 10.0])
    result = engine.test_column(ColumnData("x", "numerical", Numeric.of(reference), Numeric.of(current)))
    assert (result.reference_rows, result.current_rows) == (7, 6)
    assert result.statistic == pytest.approx(ref_ks(clean(reference), clean(current)), abs=TOLERANCE)


def test_sturges_bins_equal_numpys():
    rng = np.random.default_rng(3)
    for size in (7, 1000, 123457):
        data = rng.normal(size=size)
        assert np.array_equal(stats.sturges_edges(data.min(), data.max(), size),
                              np.histogram_bin_edges(data, bins="sturges"))
        edges = np.histogram_bin_edges(data, bins="sturges")
        assert np.array_equal(stats.histogram_sorted(np.sort(data), edges), np.histogram(data, edges)[0])


def test_wasserstein_by_merging_equals_scipy_exactly_with_ties():
    rng = np.random.default_rng(11)
    u, v = np.sort(np.round(rng.normal(size=20000), 2)), np.sort(np.round(rng.normal(0.1, 1.1, size=15000), 2))
    assert stats.wasserstein_distance_sorted(u, v) == pytest.approx(sps.wasserstein_distance(u, v), rel=1e-12)


def test_overrides_change_method_and_threshold_and_the_dataset_verdict_uses_the_share():
    data = samples()
    columns = [column(name, *data[name]) for name in ("numerical large", "categorical large", "binary large",
                                                       "numerical ties")]
    default = engine.run(columns)
    assert [c.method for c in default.columns] == ["wasserstein", "jensenshannon", "jensenshannon", "wasserstein"]
    overridden = engine.run(columns, overrides={"numerical large": {"method": "psi", "threshold": 0.0001}},
                            drift_share=0.25)
    first = overridden.columns[0]
    assert (first.method, first.threshold, first.overridden, first.drifted) == ("psi", 0.0001, True, True)
    assert overridden.dataset_drift == (overridden.share >= 0.25)
    assert overridden.drifted_count >= 1
    ignored = engine.run(columns, ignored=["numerical large"])
    assert len(ignored.columns) == 3


def test_kolmogorov_smirnov_refuses_text_categories():
    data = samples()
    result = engine.test_column(column("c", *data["categorical small"]), {"method": "ks"})
    assert (result.kind, result.note) == ("skipped", "needs_numbers")
    with pytest.raises(engine.OverrideError):
        engine.check_override("categorical", {"method": "ks"}, numeric_values=False)


# --- Reading samples -----------------------------------------------------------------------------------------------

def table(rng, rows, shift=0.0):
    return pa.table({
        "income": rng.normal(3000 + shift * 300, 800, rows),
        "age": rng.integers(18, 80, rows),
        "children": rng.integers(0, 4, rows),
        "region": rng.choice(["north", "south", "east", "west"], rows, p=[.4, .3, .2, .1] if not shift
                             else [.1, .2, .3, .4]),
        "approved": rng.random(rows) < 0.6,
        "comment": [f"note {i} {rng.integers(1_000_000)}" for i in range(rows)],
        "applied_on": pa.array(np.datetime64("2026-01-01") + rng.integers(0, 90, rows).astype("timedelta64[D]")),
    })


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_samples_are_read_in_chunks_and_typed_as_evidently_types_them(tmp_path, file_format, monkeypatch):
    monkeypatch.setattr(readers, "PARQUET_BATCH_ROWS", 1000)
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 64 << 10)
    rng = np.random.default_rng(5)
    reference, current = table(rng, 6000), table(rng, 5000, shift=1.0)
    paths = []
    for name, data in (("reference", reference), ("current", current)):
        path = tmp_path / f"{name}.{file_format}"
        (pq.write_table if file_format == "parquet" else pa_csv.write_csv)(data, path)
        paths.append(path)
    seen = []
    columns = readers.read_pair(paths[0], file_format, paths[1], file_format,
                                progress=lambda stage, fraction: seen.append((stage, fraction)))
    kinds = {c.name: (c.kind, c.note) for c in columns}
    assert kinds == {"income": ("numerical", ""), "age": ("numerical", ""), "children": ("categorical", ""),
                     "region": ("categorical", ""), "approved": ("categorical", ""),
                     "comment": ("skipped", "free_text"), "applied_on": ("skipped", "not_testable")}
    assert seen and seen[-1] == ("current", 1.0)
    by_name = {c.name: c for c in columns}
    income = engine.test_column(by_name["income"])
    assert income.method == "wasserstein" and income.drifted
    assert income.statistic == pytest.approx(ref_wasserstein(reference["income"].to_numpy(),
                                                             current["income"].to_numpy()), rel=TOLERANCE)
    region = engine.test_column(by_name["region"])
    expected = ref_js(reference["region"].to_pylist(), current["region"].to_pylist(), False)
    assert (region.method, region.drifted) == ("jensenshannon", True)
    assert region.statistic == pytest.approx(expected, rel=TOLERANCE)
    approved = engine.test_column(by_name["approved"])
    assert approved.chart["labels"] == ["True", "False"] or approved.chart["labels"] == ["False", "True"]


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet")
    with pytest.raises(readers.SampleError, match="Parquet"):
        readers.read_pair(path, "parquet", path, "parquet")
