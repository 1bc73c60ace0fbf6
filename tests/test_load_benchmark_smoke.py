"""benchmarks/load.py keeps working (CI's PostgreSQL pass runs it tiny): one node then two on PostgreSQL, a few
simulated people for a few seconds at their pace then with no pause, one JSON object with the figures of the four
configurations and the throughput ratio.
Marked `scaleout` (web nodes on PostgreSQL): deselected without DATABASE_URL on PostgreSQL (conftest.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "load.py"
pytestmark = [pytest.mark.scaleout, pytest.mark.xdist_group("scaleout")]


def test_load_benchmark_runs_on_one_node_then_two_and_writes_its_figures(tmp_path):
    out = tmp_path / "load.json"
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DATA_DIR", "DJANGO_SETTINGS_MODULE")}
    done = subprocess.run([sys.executable, str(BENCHMARK), "--scale", "0.01", "--users", "4", "--warmup", "1",
                           "--duration", "3", "--think-ms", "100", "--workers", "1", "--json", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["benchmark"] == "load" and figures["goals"]["read_p95_ms"] == 300
    assert figures["data"]["systems"] == 50 and figures["data"]["risks"] == 500
    for key, nodes in (("one_node", 1), ("two_nodes", 2), ("one_node_saturated", 1), ("two_nodes_saturated", 2)):
        run = figures[key]
        assert run["nodes"] == nodes and run["errors"] == 0, run["error_samples"]
        assert run["requests"] > 0 and run["throughput_rps"] > 0 and run["read_p95_ms"] > 0
        assert run["server_cpu_seconds"] > 0 and run["wall_seconds"] >= 3
    assert figures["two_node_throughput_ratio"] > 0
    assert set(figures["verdicts"]) == {"errors", "read_p95_ms", "second_node_adds_throughput"}
