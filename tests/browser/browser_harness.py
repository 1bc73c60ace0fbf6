"""Machinery shared by the browser tests and scripts/screenshot.py.

It runs the real product the way a person does (`aims demo --no-serve`, then `aims serve`) in a throwaway data
directory, and drives Debian's Chromium through Playwright. Kept free of pytest so the screenshot script can use it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Playwright's pip package ships no browser; Debian's Chromium runs as root only without the sandbox, and the
# remaining switches stop it from phoning home, which would slow start-up and make runs depend on the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
# Generous: on a loaded 2-core machine (CI beside other jobs) preparing the demo alone has taken a minute.
START_TIMEOUT_SECONDS = 300
# The product's own configuration variables and those that point it at shared services: a test server must use
# its defaults (SQLite in its own data directory), whatever the calling shell has exported.
_FOREIGN_ENV = re.compile(r"^(AIMS_.*|DATABASE_URL(_FILE)?|REDIS_URL(_FILE)?|DJANGO_SETTINGS_MODULE)$")


class ServerFailed(RuntimeError):
    """The product did not start; the message carries its output so the cause is visible in the test report."""


def aims_command() -> str:
    """The `aims` console script of the virtualenv running us (what `make install` puts in .venv/bin)."""
    beside_python = Path(sys.executable).with_name("aims")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("aims")
    if found is None:
        raise ServerFailed("The `aims` command is not installed; run `make install` first.")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(data_dir: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not _FOREIGN_ENV.match(name)}
    env["AIMS_DATA_DIR"] = str(data_dir)
    # CI also runs the journeys on PostgreSQL: it names an empty database for the server in this variable.
    if os.environ.get("AIMS_BROWSER_DATABASE_URL"):
        env["DATABASE_URL"] = database_of_this_worker(os.environ["AIMS_BROWSER_DATABASE_URL"])
    return env


def database_of_this_worker(url: str) -> str:
    """Under pytest-xdist, a database per worker (named after it), should journeys ever run on two workers at once:
    two demo servers migrating one database collide (CI saw "duplicate key ... pg_type"). DemoServer.start creates
    it afresh."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{url}_{worker}" if worker else url


def recreate_worker_database(env: dict[str, str]) -> None:
    """A migrated, empty database for this worker's server, copied from the migrated template
    (aims.core.testing_databases): `aims demo` then migrates nothing and loads the demo. On PostgreSQL, CI's throwaway
    cluster lets the test role create databases."""
    from aims.core import testing_databases

    shared = os.environ.get("AIMS_BROWSER_DATABASE_URL")
    if not shared:
        testing_databases.copy_sqlite_template(Path(env["AIMS_DATA_DIR"]) / "aims.sqlite3")
    elif env.get("DATABASE_URL") != shared:  # under pytest-xdist: a database of this worker's
        testing_databases.create_postgres_database(shared, env["DATABASE_URL"].rpartition("/")[2])


@dataclass
class DemoServer:
    """A demo installation served on loopback; start() prepares and serves it, stop() ends the server."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    email: str = ""
    password: str = ""
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "serve.log"

    def start(self) -> DemoServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = clean_env(self.data_dir)
        recreate_worker_database(env)
        demo = subprocess.run([aims_command(), "demo", "--no-serve"], env=env, capture_output=True, text=True,
                              timeout=START_TIMEOUT_SECONDS)
        login = re.search(r"^\s*Login:\s+(\S+)", demo.stdout, re.M)
        password = re.search(r"^\s*Password:\s+(\S+)", demo.stdout, re.M)
        if demo.returncode != 0 or not login or not password:
            raise ServerFailed(f"`aims demo --no-serve` failed (exit {demo.returncode}):\n{demo.stdout}\n{demo.stderr}")
        self.email, self.password = login.group(1), password.group(1)
        with self.log_path.open("wb") as log:
            # A session of its own, so stopping the server can also reach gunicorn's workers if the master hangs.
            self.process = subprocess.Popen(
                [aims_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-worker",
                 "--workers", "1"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_answering()
        return self

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"`aims serve` exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/accounts/login/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerFailed(f"`aims serve` did not answer on {self.base_url} within {START_TIMEOUT_SECONDS}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no output)"

    def command(self, *args: str) -> str:
        """Run `aims ARGS` on this installation (its data directory and database), as an operator would beside the
        server (e.g. `aims tasks run NAME`, what the worker does on schedule); returns its output."""
        done = subprocess.run([aims_command(), *args], env=clean_env(self.data_dir), capture_output=True, text=True,
                              timeout=START_TIMEOUT_SECONDS)
        if done.returncode != 0:
            raise ServerFailed(f"`aims {' '.join(args)}` failed (exit {done.returncode}):\n"
                               f"{done.stdout}\n{done.stderr}")
        return done.stdout

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def launch_chromium(playwright):
    if not CHROMIUM.exists():
        raise RuntimeError(f"Browser tests need Debian's Chromium at {CHROMIUM}: run scripts/ensure-chromium.")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def new_context(browser):
    # A fixed English locale, so the language a page starts in does not depend on the machine running the tests.
    return browser.new_context(viewport=VIEWPORT, locale="en-GB")


def log_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the login form; located by field names so it works whatever the interface language."""
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def choose(scope, select_id: str, text: str, *, value: str | None = None) -> None:
    """Choose in a searchable picker (Tom Select over `<select id=select_id>`, see aims.core.widgets) as a person does:
    type `text` into its search box, then click the option offered (the one with `value` if given, else the first
    whose label holds `text`).

    `scope` is the page or a locator holding the form (several forms of a page may share field ids). For several
    options of a multiple choice, call it once for each.
    """
    control = scope.locator(f"#{select_id}-ts-control")
    control.scroll_into_view_if_needed()
    control.focus()  # a keyboard user's way in (a click may land on the wrapper the control sits in)
    control.fill(text)
    offered = scope.locator(f"#{select_id}-ts-dropdown [data-selectable]")
    option = (scope.locator(f"#{select_id}-ts-dropdown [data-selectable][data-value='{value}']") if value is not None
              else offered.filter(has_text=text)).first
    option.click()
    # Close the list: it stays open after a choice among several, and on a loaded machine a single choice's list
    # may still be open (CI saw it cover the form's button). Escape closes it and keeps the choice.
    control.press("Escape")
    from playwright.sync_api import expect

    expect(scope.locator(f"#{select_id}-ts-dropdown")).to_be_hidden()


def start_incident_report(page, base_url: str, title: str, system_reference: str, *, severity: str) -> str:
    """Open the incident form and fill what every attack journey states: the title, a security attack on the AI system
    `system_reference` (picked as a person does), its severity. The caller adds its own facts, then reports. Returns
    the system's key in the pickers (other forms of the journey offer it too)."""
    page.goto(f"{base_url}/incidents/new/")
    page.locator("#id_title").fill(title)
    page.locator("#id_category").select_option("security_attack")
    page.locator("#id_nature").select_option("attack")
    page.locator("#id_severity").select_option(severity)
    system = page.locator("#id_systems option", has_text=system_reference).get_attribute("value")
    choose(page, "id_systems", system_reference, value=system)
    return system
