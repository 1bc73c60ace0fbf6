"""benchmarks/compliance.py keeps working (CI runs it tiny): it writes one JSON object with the named figures."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Its own SQLite database whatever DATABASE_URL names: CI runs it in the SQLite pass only (see conftest.py).
pytestmark = pytest.mark.sqlite_benchmark

BENCHMARK = Path(__file__).resolve().parents[4] / "benchmarks" / "compliance.py"


def test_compliance_benchmark_runs_and_writes_its_figures(tmp_path):
    out = tmp_path / "compliance.json"
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DATA_DIR", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    done = subprocess.run([sys.executable, str(BENCHMARK), "--scale", "0.002", "--repeat", "3", "--hash-mb", "4",
                           "--json", str(out)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert (figures["benchmark"], figures["controls"], figures["systems"], figures["evidence"]) == (
        "compliance", 3, 10, 200)
    assert figures["obligations"] == 10 * 12
    for page in ("soa", "evidence", "obligations"):
        assert figures[f"{page}_statuses"] == [200]
        assert figures[f"{page}_queries_min"] == figures[f"{page}_queries_max"] > 0
        assert figures[f"{page}_p50_ms"] <= figures[f"{page}_p95_ms"]
        assert figures[f"{page}_floor_p95_ms"] > 0 and figures[f"{page}_floor_ratio_p95"] > 0
    assert figures["hash_mb"] == 4 and figures["hash_floor_seconds"] > 0 and figures["hash_product_seconds"] > 0
    assert 0 < figures["hash_product_peak_mb"] < 100
    assert figures["queries_constant"] is True
    assert "hashing 4 MiB" in done.stdout
