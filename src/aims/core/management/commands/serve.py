"""`aims serve`: the web application under gunicorn, with a background worker alongside unless told not to."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from aims.core import instance


class Command(BaseCommand):
    help = "Serve AIMS over HTTP (gunicorn) and run a background worker next to it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("AIMS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("AIMS_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("AIMS_WEB_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true", help="Do not start a background worker.")

    def handle(self, *args, host, port, workers, no_worker, **options):
        instance.hold(settings.DATA_DIR)  # `aims restore` refuses to run meanwhile
        # Hashed, compressed copies of the static files, which browsers then cache for a year (3-4 s of work).
        call_command("collectstatic", interactive=False, verbosity=0)
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "aims.cli", "worker"])
        self.stdout.write(f"AIMS is serving on http://{host}:{port}/ (data in {settings.DATA_DIR}); Ctrl+C stops it.")
        try:
            from gunicorn.app.wsgiapp import run

            sys.argv = ["gunicorn", "aims.wsgi:application", "--bind", f"{host}:{port}", "--workers", str(workers),
                        "--threads", "4", "--access-logfile", "-", "--graceful-timeout", "5"]
            run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
