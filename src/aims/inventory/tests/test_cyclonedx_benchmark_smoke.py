"""The CycloneDX benchmark runs end to end at a tiny size and writes its documented figures (timings are not asserted:
speed is measured by running it at 250 / 1,000 / 20,000 components, not in tests)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Its own SQLite database whatever DATABASE_URL names: CI runs it in the SQLite pass only (see conftest.py).
pytestmark = pytest.mark.sqlite_benchmark

ROOT = Path(__file__).resolve().parents[4]


def test_cyclonedx_benchmark_writes_its_figures(tmp_path):
    out = tmp_path / "cyclonedx.json"
    completed = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cyclonedx.py"), "--sizes", "12",
                                "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    figures = json.loads(out.read_text())
    size = figures["sizes"]["12"]
    for key in ("floor_seconds", "floor_cpu_seconds", "import_cli_seconds", "import_cli_cpu_seconds",
                "import_ratio_to_floor", "export_cli_seconds", "export_cli_cpu_seconds", "export_ratio_to_floor",
                "peer_jsonschema_seconds", "load_average"):
        assert key in size, key
    assert size["exported_components"] == 12 and "12 rows: 12 to create" in size["import_cli_output"]
    assert "x the floor" in completed.stdout
