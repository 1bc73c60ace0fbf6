"""Reading reference and current samples (CSV or Parquet) in chunks with pyarrow, into the columns the engine tests.

Memory stays proportional to what the statistics need: a numerical column keeps its values (float64, to be sorted);
a text column keeps only its category counts, the chunk's values mapped to a vocabulary shared by both samples.

Column types follow Evidently's inference on the current sample, as pandas would load it: floating-point columns are
numerical; integer columns are categorical with at most 10 distinct values and numerical beyond (an integer column
with missing values is floating-point in pandas, so numerical); booleans are categorical; text is categorical unless
more than half its values are distinct (free text, not tested); dates and times are not tested.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from .engine import CATEGORICAL, NUMERICAL, SKIPPED, ColumnData
from .stats import Counts, Numeric

CSV_BLOCK_BYTES = 8 << 20
PARQUET_BATCH_ROWS = 262_144
INTEGER_CARDINALITY_LIMIT = 10
# Beyond this many distinct strings a column is free text whatever its share of distinct values: stop counting.
VOCABULARY_LIMIT = 200_000
FORMATS = ("csv", "parquet")


class SampleError(ValueError):
    """A sample that cannot be read (malformed, or a column whose type changes along the file)."""


@dataclass
class _Accumulator:
    """One column of one sample, as read so far."""

    family: str = ""  # "number", "integer", "boolean", "text", "temporal", "other"
    chunks: list = field(default_factory=list)
    nulls: int = 0
    rows: int = 0
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    too_many: bool = False


def _family(arrow_type: pa.DataType) -> str:
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "number"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_dictionary(arrow_type):
        return "text"
    if pa.types.is_temporal(arrow_type):
        return "temporal"
    if pa.types.is_null(arrow_type):
        return "null"
    return "other"


class _Vocabulary:
    """Category labels shared by both samples of a text column; each chunk's dictionary is mapped onto it."""

    def __init__(self):
        self.codes: dict[str, int] = {}

    def count(self, array: pa.Array, accumulator: _Accumulator) -> None:
        if accumulator.too_many:
            return
        encoded = array.dictionary_encode() if not pa.types.is_dictionary(array.type) else array
        labels = encoded.dictionary.to_pylist()
        codes = self.codes
        lookup = np.fromiter((codes.setdefault(str(label), len(codes)) for label in labels), dtype=np.int64,
                             count=len(labels))
        if len(codes) > VOCABULARY_LIMIT:
            accumulator.too_many = True
            return
        indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        present = lookup[indices[indices >= 0]]
        counts = np.bincount(present, minlength=len(codes))
        if accumulator.counts.size < counts.size:
            accumulator.counts = np.pad(accumulator.counts, (0, counts.size - accumulator.counts.size))
        accumulator.counts[:counts.size] += counts


def _batches(source, file_format: str):
    """(record batches, total size for progress, a function telling how far the reading is)."""
    if file_format == "parquet":
        try:
            parquet = pq.ParquetFile(source)
        except (pa.ArrowInvalid, OSError) as exc:
            raise SampleError(f"not a readable Parquet file ({exc})") from None
        total = parquet.metadata.num_rows
        state = {"rows": 0}

        def batches():
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                state["rows"] += batch.num_rows
                yield batch

        return batches(), total, lambda: state["rows"]
    if file_format == "csv":
        handle = open(source, "rb") if isinstance(source, (str, os.PathLike)) else source
        handle.seek(0, os.SEEK_END)
        total = handle.tell()
        handle.seek(0)
        try:
            reader = pa_csv.open_csv(handle, read_options=pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES))
        except (pa.ArrowInvalid, OSError) as exc:
            raise SampleError(f"not a readable CSV file ({exc})") from None

        def batches():
            try:
                yield from reader
            except pa.ArrowInvalid as exc:
                raise SampleError(f"the CSV changes format after its first rows ({exc}); give each column one "
                                  "format throughout, or send Parquet") from None

        return batches(), total, handle.tell
    raise SampleError(f"unknown format {file_format!r}; use CSV or Parquet")


def _read(source, file_format: str, vocabularies: dict[str, _Vocabulary],
          progress: Callable[[float], None] | None) -> dict[str, _Accumulator]:
    batches, total, position = _batches(source, file_format)
    columns: dict[str, _Accumulator] = {}
    for batch in batches:
        for name, array in zip(batch.schema.names, batch.columns):
            accumulator = columns.setdefault(name, _Accumulator(family=_family(array.type)))
            family = _family(array.type)
            if family != accumulator.family and "null" not in (family, accumulator.family):
                raise SampleError(f"the column “{name}” changes type along the file")
            if accumulator.family == "null":
                accumulator.family = family
            accumulator.rows += len(array)
            accumulator.nulls += array.null_count
            if family in ("number", "integer"):
                accumulator.chunks.append(pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False))
            elif family in ("text", "boolean"):
                if family == "boolean":  # as pandas shows them (True, False): labels and Z-test order alike
                    array = pc.if_else(array, "True", "False")
                vocabularies.setdefault(name, _Vocabulary()).count(array, accumulator)
        if progress is not None and total:
            progress(min(position() / total, 1.0))
    return columns


def _numeric(accumulator: _Accumulator) -> Numeric:
    if not accumulator.chunks:
        return Numeric(np.zeros(0))
    return Numeric.of(np.concatenate(accumulator.chunks))


def read_pair(reference, reference_format: str, current, current_format: str, *,
              progress: Callable[[str, float], None] | None = None) -> list[ColumnData]:
    """Both samples, column by column in the current sample's order, typed as Evidently types the current sample."""
    vocabularies: dict[str, _Vocabulary] = {}
    ref_columns = _read(reference, reference_format, vocabularies,
                        (lambda f: progress("reference", f)) if progress else None)
    cur_columns = _read(current, current_format, vocabularies,
                        (lambda f: progress("current", f)) if progress else None)
    result = []
    for name, cur in cur_columns.items():
        ref = ref_columns.get(name)
        if ref is None:
            result.append(ColumnData(name, SKIPPED, note="missing_in_reference"))
            continue
        result.append(_column(name, ref, cur, vocabularies.get(name)))
    return result


def _column(name: str, ref: _Accumulator, cur: _Accumulator, vocabulary: _Vocabulary | None) -> ColumnData:
    family = cur.family
    if family in ("temporal", "other", "null") or cur.rows == cur.nulls:
        return ColumnData(name, SKIPPED, note="not_testable")
    if family == "boolean" and cur.nulls:
        return ColumnData(name, SKIPPED, note="not_testable")  # pandas reads it as objects: Evidently skips it
    if family in ("number", "integer"):
        if ref.family not in ("number", "integer", "null"):
            return ColumnData(name, SKIPPED, note="type_mismatch")
        reference, current = _numeric(ref), _numeric(cur)
        kind = NUMERICAL
        if family == "integer" and not cur.nulls and current.distinct().size <= INTEGER_CARDINALITY_LIMIT:
            kind = CATEGORICAL
        return ColumnData(name, kind, reference, current)
    if ref.family not in ("text", "boolean", "null"):
        return ColumnData(name, SKIPPED, note="type_mismatch")
    if cur.too_many or ref.too_many:
        return ColumnData(name, SKIPPED, note="free_text")
    size = len(vocabulary.codes)
    labels = tuple(vocabulary.codes)
    ref_counts = np.pad(ref.counts, (0, size - ref.counts.size))
    cur_counts = np.pad(cur.counts, (0, size - cur.counts.size))
    if family == "text" and np.count_nonzero(cur_counts) > 0.5 * cur_counts.sum():
        return ColumnData(name, SKIPPED, note="free_text")
    return ColumnData(name, CATEGORICAL, Counts(ref_counts, labels), Counts(cur_counts, labels))
