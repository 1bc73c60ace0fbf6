"""A web server's process loads every view and the API before its first request and freezes what start-up made, so
that no request waits for the garbage collector to walk the whole application (aims.core.server_process)."""

import json
import os
import subprocess
import sys

SCRIPT = """
import gc, json, sys
import aims.wsgi
print(json.dumps({"frozen": gc.get_freeze_count(), "walked": len(gc.get_objects()), "api": "aims.api" in sys.modules,
                  "views": "aims.risks.views_register" in sys.modules}))
"""


def test_the_wsgi_application_loads_every_view_then_freezes_what_start_up_made(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env["AIMS_DATA_DIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert state["api"] and state["views"]  # imported before the first request, not by it
    assert state["frozen"] > 100_000  # the application's objects, out of the collector's walks
    assert state["walked"] < 1_000  # what a full collection still walks: what the process made since
