"""The growth benchmarks measure their base scale in a second process that takes turns with the first, one measurement
each (benchmarks/_common.py): the two p95s of a list are then taken seconds apart, not minutes."""

import itertools
import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

SCRIPT = f"""
import argparse, json, os, sys, time
sys.path.insert(0, {str(BENCHMARKS)!r})
from _common import Baseline, time_calls

parser = argparse.ArgumentParser()
parser.add_argument("--scale", type=float)
parser.add_argument("--growth-base", type=float, default=0)
parser.add_argument("--measurements", type=int)
parser.add_argument("--base-measurements", type=int, default=0)
parser.add_argument("--log")
parser.add_argument("--json")
args = parser.parse_args()
base = Baseline(__file__, args.growth_base, ["--measurements", str(args.base_measurements), "--log", args.log]) \\
    if args.growth_base else None

def call():
    with open(args.log, "a") as log:
        log.write(f"{{os.getpid()}}\\n")
    time.sleep(0.01)

for _ in range(args.measurements):
    time_calls(call, 2)
figures = {{"pid": os.getpid(), "scale": args.scale}}
if base:
    figures["base"] = base.figures()
open(args.json, "w").write(json.dumps(figures))
"""


def _run(tmp_path, measurements_here: int, measurements_there: int):
    script, log, out = tmp_path / "turns.py", tmp_path / "calls.log", tmp_path / "out.json"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), "--scale", "1", "--growth-base", "0.5", "--measurements",
                           str(measurements_here), "--base-measurements", str(measurements_there), "--log", str(log),
                           "--json", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    calls = log.read_text().split()
    return figures, [(int(pid), len(list(run))) for pid, run in itertools.groupby(calls)]


def test_the_two_processes_measure_in_turns_one_measurement_each(tmp_path):
    figures, runs = _run(tmp_path, 4, 4)
    leader, base = figures["pid"], figures["base"]["pid"]
    assert figures["base"]["scale"] == 0.5
    # Each measurement is a warm-up call and two timed ones, never interrupted by the other process: the leader first,
    # once the base process is ready, then each in turn.
    assert runs == [(leader, 3), (base, 3)] * 4


def test_when_one_process_measures_more_it_goes_on_alone_once_the_other_is_done(tmp_path):
    figures, runs = _run(tmp_path, 5, 3)
    leader, base = figures["pid"], figures["base"]["pid"]
    assert runs == [(leader, 3), (base, 3)] * 3 + [(leader, 6)]
    again = tmp_path / "again"
    again.mkdir()
    figures, runs = _run(again, 2, 4)
    leader, base = figures["pid"], figures["base"]["pid"]
    assert runs == [(leader, 3), (base, 3), (leader, 3), (base, 9)]

