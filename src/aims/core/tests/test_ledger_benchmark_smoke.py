"""benchmarks/ledger.py keeps working (CI runs it tiny): it writes one JSON object with the named figures."""

import json
import os
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[4] / "benchmarks" / "ledger.py"


def test_ledger_benchmark_runs_and_writes_its_figures(tmp_path):
    out = tmp_path / "ledger.json"
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DATA_DIR", "DJANGO_SETTINGS_MODULE")}
    done = subprocess.run([sys.executable, str(BENCHMARK), "--scale", "0.001", "--json", str(out)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["appends"] == 20 and figures["appends_per_s"] > 0 and figures["append_event_bytes"] > 2000
    assert figures["append_floor_per_s"] > 0 and "checkpoints_off_appends_per_s" in figures
    assert figures["verify_events"] == 1000 and figures["verify_ok"] is True and figures["verify_events_per_s"] > 0
    assert "signed checkpoint: event #1000" in figures["verify_output"]  # the command, as the user runs it
    assert figures["verify_floor_events_per_s"] > 0 and 0.2 < figures["verify_snapshot_share"] < 0.5
    assert figures["goals"] == {"appends_per_s": 1000, "verify_events_per_s": 200000}
    assert figures["machine"]["cpus"] >= 1
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        assert figures["pg_writers"] == 8 and figures["pg_events"] == 16
        assert figures["pg_broken_chain"] is False and figures["pg_lost_events"] == 0
    else:
        assert "pg_skipped" in figures
    assert "/s (goal >= 1,000" in done.stdout and "events/s (goal >= 200,000" in done.stdout
