"""Set-up and measuring helpers shared by the benchmarks (benchmarks/*.py import it as `_common`)."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A benchmark runs with this folder first on sys.path; benchmarks/cyclonedx.py would then shadow the cyclonedx
# library. Every benchmark has imported this module by now, and needs nothing else from the folder.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]
# The product itself, importable from a checkout whether or not it is installed.
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))


def setup_django(data_dir: str, database_url: str | None = None) -> None:
    """Configure Django on a fresh data directory (SQLite there unless `database_url`) and migrate it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "aims.settings"
    os.environ["AIMS_DATA_DIR"] = data_dir
    os.environ["AIMS_TASKS_IMMEDIATE"] = "1"  # no worker runs here; nothing is queued without webhooks anyway
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("DATABASE_URL_FILE", None)
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    if not database_url:
        # A copy of a database migrated once (migrating from nothing costs 45-60 CPU-seconds, more than a small-scale
        # run's own work); migrate then applies nothing, or what the copy lacks.
        from aims.core.testing_databases import copy_sqlite_template

        copy_sqlite_template(settings.DATABASES["default"]["NAME"])
    call_command("migrate", verbosity=0, interactive=False)


def as_a_server_process() -> None:
    """Leave this process as `aims serve` leaves each web worker before its first request (aims.core.server_process:
    the URLconf loaded, what exists frozen out of the garbage collector's walks), so that pages are measured as they
    are served. Call it once the data is generated, before the first measured request."""
    from aims.core.server_process import warm_up_and_freeze

    warm_up_and_freeze()


def cpu_seconds() -> float:
    """CPU time of this process and of the worker processes it waited for: on a shared machine the wall clock also
    measures the neighbours, so both figures are reported."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def load_average():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def percentiles(samples_ms: list[float], cpu_ms: list[float] | None = None) -> dict:
    """p50 / p95 / max of a list of milliseconds (nearest-rank p95, so 50 samples give the 48th slowest), and the
    p50 / p95 of the CPU time of this process over the same calls when given: SQLite runs in-process, so the CPU
    time is the work itself, what the wall clock would be on an idle machine."""
    def rank95(ordered):
        return ordered[max(0, min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1))]

    ordered = sorted(samples_ms)
    figures = {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(rank95(ordered), 2),
               "max_ms": round(ordered[-1], 2)}
    if cpu_ms:
        cpu = sorted(cpu_ms)
        figures.update(cpu_p50_ms=round(statistics.median(cpu), 2), cpu_p95_ms=round(rank95(cpu), 2))
    return figures


def time_calls(function, repeat: int) -> dict:
    """Call `function` `repeat` times (after one warm-up call) and give the percentiles of its wall time."""
    with taking_turns():
        function()
        samples, cpu = [], []
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            function()
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return percentiles(samples, cpu)


def _timed_get(client, url: str):
    """GET `url` (a streamed answer read to its end): (wall ms, CPU ms, queries run, response)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000
    return wall, cpu, len(captured.captured_queries), response


def time_requests(client, urls: list[str], repeat: int) -> dict:
    """GET each of `urls` in turn (`repeat` requests in all, after one warm-up each) through Django's test client:
    percentiles of the server time, the queries of every request (min/max: a constant count has min == max) and
    the status codes seen."""
    with taking_turns():
        for url in urls:
            client.get(url)
        samples, cpu, queries, statuses = [], [], [], set()
        for n in range(repeat):
            wall, cpu_ms, queried, response = _timed_get(client, urls[n % len(urls)])
            samples.append(wall)
            cpu.append(cpu_ms)
            queries.append(queried)
            statuses.add(response.status_code)
    return {**percentiles(samples, cpu), "requests": repeat, "queries_min": min(queries), "queries_max": max(queries),
            "statuses": sorted(statuses)}


# --- Floors: the same database work without the product around it ------------------------------------------------

def _replayable(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    # The session lookup is the test client's login, not the list; savepoints and the like are not reads.
    return head == "SELECT" and '"django_session"' not in sql


def replay_seconds(statements: list[str]) -> tuple[float, float, int]:
    """Run `statements` (SQL as the request ran it, values inlined) on the raw DB-API connection and fetch every row:
    (wall seconds, CPU seconds, rows fetched). The floor a page or API list is compared with: the same queries, the
    same rows, columns, sort, page size, counts and facet counts, without the ORM, the views or the templates."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    started, started_cpu, rows = time.perf_counter(), time.process_time(), 0
    cursor = raw.cursor()
    for sql in statements:
        cursor.execute(sql)
        rows += len(cursor.fetchall())
    cursor.close()
    return time.perf_counter() - started, time.process_time() - started_cpu, rows


def rows_on_page(total: int, page: int, per_page: int = 50) -> int:
    """The rows page `page` of a list of `total` rows shows, the page clamped to the last one (as the pages do)."""
    page = min(page, max(1, -(-total // per_page)))
    return max(0, min(per_page, total - (page - 1) * per_page))


def measure_list(client, urls: list[str], repeat: int, rows_of=None) -> dict:
    """GET each of `urls` in turn (`repeat` requests after one warm-up each): wall and CPU percentiles, queries per
    request (min/max), statuses; then the floor, the SQL each URL ran replayed raw the same number of times (p50/p95
    wall and CPU), and the ratios product/floor. `rows_of(url)` (optional) gives the rows the URL shows: URLs that
    show none are counted apart (`empty_pages`), an empty page being cheaper than a full one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with taking_turns():
        statements = {}
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            statements[url] = [q["sql"] for q in captured.captured_queries if _replayable(q["sql"])]
        samples, cpu, queries, statuses, shown_json = [], [], [], set(), []
        for n in range(repeat):
            hand_over_every(n)
            wall, cpu_ms, queried, response = _timed_get(client, urls[n % len(urls)])
            samples.append(wall)
            cpu.append(cpu_ms)
            queries.append(queried)
            statuses.add(response.status_code)
            if n < len(urls) and rows_of is None and response.get("Content-Type", "").startswith("application/json"):
                items = response.json().get("items") if isinstance(response.json(), dict) else None
                if items is not None:
                    shown_json.append(len(items))
        floor_wall, floor_cpu = [], []
        for n in range(repeat):
            hand_over_every(n)
            seconds, cpu_seconds_, _rows = replay_seconds(statements[urls[n % len(urls)]])
            floor_wall.append(seconds * 1000)
            floor_cpu.append(cpu_seconds_ * 1000)
    figures = {**percentiles(samples, cpu), "requests": repeat, "queries_min": min(queries),
               "queries_max": max(queries), "statuses": sorted(statuses)}
    floor = percentiles(floor_wall, floor_cpu)
    figures.update({f"floor_{k}": v for k, v in floor.items() if k != "max_ms"})
    figures["floor_ratio_p95"] = _ratio(figures["p95_ms"], floor["p95_ms"])
    figures["floor_ratio_p50"] = _ratio(figures["p50_ms"], floor["p50_ms"])
    figures["floor_cpu_ratio_p95"] = _ratio(figures["cpu_p95_ms"], floor["cpu_p95_ms"])
    shown = [rows_of(url) for url in urls] if rows_of is not None else shown_json
    if shown:
        figures["empty_pages"] = sum(1 for count in shown if count == 0)
        figures["urls"] = len(shown)
        figures["rows_mean"] = round(statistics.mean(shown), 1)
    return figures


def _ratio(a, b):
    return round(a / b, 1) if a and b else None


# --- Growth: the same lists at a smaller scale, in a process of its own, measured in turns with this one ---------
#
# A growth ratio divides two p95s measured in two processes. Measured one after the other, minutes apart, they also
# divide the machine's speed at two moments: on a shared machine that moved the same code's ratio by up to 1.5 between
# runs. So the base process is started first and the two take turns, one measured list each, and within a list ten
# requests each: while one measures, the other waits on a pipe, and the two p95s of a list are taken over the same
# seconds. Both run the same sequence of measurements; should the sequences differ, the one left goes on alone once
# the other has finished.

TURNS_VARIABLE = "AIMS_BENCH_TURNS"  # "<read fd>,<write fd>,follower": set for the base process


class _Turns:
    def __init__(self, read_fd: int, write_fd: int, leader: bool):
        self.read_fd, self.write_fd, self.leader, self.started = read_fd, write_fd, leader, False

    def _pass(self, write: bool = True) -> None:
        """Hand the turn over (unless `write` is false), then wait until it comes back."""
        try:
            if write:
                os.write(self.write_fd, b".")
            if not os.read(self.read_fd, 1):
                self.close()  # the other process has finished: go on alone
        except OSError:
            self.close()

    def before_measuring(self) -> None:
        if not self.started:  # the leader waits until the base process is ready, which then waits for its turn
            self.started = True
            self._pass(write=not self.leader)

    def after_measuring(self) -> None:
        self._pass()

    def close(self) -> None:
        global _turns
        _turns = None
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass


def _turns_from_environment() -> _Turns | None:
    value = os.environ.pop(TURNS_VARIABLE, "")
    if not value:
        return None
    read_fd, write_fd, role = value.split(",")
    return _Turns(int(read_fd), int(write_fd), role == "leader")


_turns = _turns_from_environment()


HAND_OVER_EVERY = 10  # requests: the machine's speed also moves from one second to the next


def hand_over_every(n: int) -> None:
    """Inside a measured list, before its `n`th request: every HAND_OVER_EVERY requests, let the other process measure
    as many of the same list, so the two p95s are taken over the same seconds. The other process runs the same loop;
    the requests timed are the same either way."""
    if _turns and n and n % HAND_OVER_EVERY == 0:
        _turns.after_measuring()


class taking_turns:
    """Around one measurement (a list, a timed call): wait for this process's turn, hand it over when done."""

    def __enter__(self):
        if _turns:
            _turns.before_measuring()

    def __exit__(self, *exc):
        if _turns:
            _turns.after_measuring()


class Baseline:
    """`script` at `base_scale` in a process of its own (Django is configured once per process), started now and
    measuring in turns with this one; `figures()` waits for it and gives its figures."""

    def __init__(self, script: str, base_scale: float, args: list[str]):
        global _turns
        import subprocess
        import tempfile

        self.out = tempfile.NamedTemporaryFile(suffix=".json")
        to_base_read, to_base_write = os.pipe()
        from_base_read, from_base_write = os.pipe()
        environment = {**os.environ, TURNS_VARIABLE: f"{to_base_read},{from_base_write},follower"}
        self.process = subprocess.Popen(
            [sys.executable, script, "--scale", str(base_scale), "--growth-base", "0", *args, "--json", self.out.name],
            cwd=ROOT, stdout=subprocess.DEVNULL, env=environment, pass_fds=(to_base_read, from_base_write))
        os.close(to_base_read)
        os.close(from_base_write)
        _turns = _Turns(from_base_read, to_base_write, leader=True)

    def figures(self) -> dict:
        import json
        import subprocess

        if _turns:
            _turns.close()  # this process has measured all it measures: the base process goes on alone
        if self.process.wait() != 0:
            raise subprocess.CalledProcessError(self.process.returncode, self.process.args)
        with self.out:
            return json.loads(Path(self.out.name).read_text())


def growth(figures: dict, base: dict, keys: list[str]) -> dict:
    """p95 here / p95 at the base scale (wall and CPU) for every list key measured in both runs; the base's own p95
    and rows a page (`<key>_base_p95_ms`, `<key>_base_rows_mean`); the same ratio of the medians
    (`<key>_growth_p50`: the p95 of a few dozen requests is the slowest few, so a ratio of two p95s also carries their
    noise; the medians' ratio shows whether the typical request grew); and the ratio for its floor
    (`<key>_floor_growth`): how much of the growth is the SQL's own (the rows, counts and facets a page shows grow
    with the data, raw or not)."""
    out = {}
    for key in keys:
        for figure in ("p95_ms", "rows_mean"):  # the base's pages may show fewer rows (a filter matches fewer)
            if base.get(f"{key}_{figure}") is not None:
                out[f"{key}_base_{figure}"] = base[f"{key}_{figure}"]
        for metric in ("p95_ms", "cpu_p95_ms", "p50_ms"):
            here, there = figures.get(f"{key}_{metric}"), base.get(f"{key}_{metric}")
            if here is not None and there:
                out[f"{key}_growth_{metric.replace('_ms', '')}"] = round(here / there, 2)
        here, there = figures.get(f"{key}_floor_p95_ms"), base.get(f"{key}_floor_p95_ms")
        if here is not None and there:
            out[f"{key}_floor_growth"] = round(here / there, 2)
    return out
