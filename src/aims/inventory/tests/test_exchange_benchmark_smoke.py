"""The inventory benchmark runs end to end at a tiny scale and writes the documented figures (timings are not
asserted: speed is measured by running it at full scale, not in tests)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_benchmark_writes_its_figures(tmp_path):
    out = tmp_path / "inventory.json"
    completed = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "inventory.py"), "--scale", "0.004",
                                "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    figures = json.loads(out.read_text())
    for key in ("systems", "components", "page_admin_p50_ms", "page_admin_p95_ms", "page_admin_queries",
                "page_viewer_p95_ms", "page_viewer_queries", "page_p95_ms", "api_url", "csv_import_rows",
                "csv_plan_seconds", "csv_import_seconds", "cyclonedx_components", "cyclonedx_import_seconds",
                "goals", "goals_met", "machine"):
        assert key in figures, key
    assert figures["benchmark"] == "inventory" and figures["cyclonedx_model_card"] is True
    assert all(isinstance(n, int) for n in figures["page_admin_queries"])
    assert "portfolio page" in completed.stdout
