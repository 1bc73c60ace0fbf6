"""Load benchmark: 50 simulated people reading and writing against one web node, then two, on PostgreSQL.

    DATABASE_URL=postgres://owner@host/db python benchmarks/load.py [--scale 1] [--users 50] [--duration 60]
        [--think-ms 5000] --json OUT
    scripts/pg-run .venv/bin/python benchmarks/load.py --json OUT      (a throwaway PostgreSQL, as CI's)

The deployment is the scaled-out one of docs/deployment.md, started by tests/scaleout_cluster.py: a fresh database
next to DATABASE_URL's (whose role must be allowed to create databases), Redis when Debian's redis-server is
installed (the shared cache; else the database cache), `aims serve --no-worker --workers 2` per node. The data is the
risk benchmark's generator (benchmarks/risks.py: 5,000 systems, 50,000 risks, 500 people in 50 units at scale 1),
written before the nodes start; 50 of the people get a password and a role (one in five an AIMS manager over the
whole organisation, the others system owners over their unit).

Each simulated person signs in through the login form (not measured), then loops over a mix of requests, pausing
between two of them as a person reads (--think-ms, the mean of an exponential pause: 5 s by default), each request to
the node it was given (people are spread over the nodes round-robin, as a load balancer would):
  reads   the portfolio page (pages 1-5), a system's page, the risk register (pages 1-5), the API lists of systems and
          of risks (offsets 0-200)                                                       85 %
  writes  an API PATCH of one of the person's own systems (its purpose, with the version read), a journal note
          on one of them (API POST)                                                      15 %
Four configurations, each after a warm-up and for --duration seconds: one node, then two, with the people at their
pace (`one_node`, `two_nodes`: what they wait for); then one node and two with no pause at all (`*_saturated`: how
much each configuration can serve). For each: requests, throughput (requests/s), p50/p95 of reads and of writes, errors
(anything but the expected status, and failed connections), the CPU seconds of the server processes (every process of
each node's group, from /proc) and of this client, beside the wall time; then the two-node/one-node throughput ratio,
at saturation (at a person's pace the throughput is what the people ask for, whatever the nodes).
Goals (the issue's): 0 errors, read p95 <= 300 ms with 50 people (at their pace), two nodes serving more than one
(saturated throughput ratio > 1). On a machine with few cores both nodes share them, and the client too: the ratio
then measures contention more than capacity; the CPU figures say how busy the machine was.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, load_average, machine, percentiles, setup_django  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from scaleout_cluster import Cluster, redis_server_binary  # noqa: E402

USERS = 50
PASSWORD = "Load-Benchmark-Passphrase-7"
GOALS = {"errors": 0, "read_p95_ms": 300, "two_node_ratio_min": 1.0}
READS = (("portfolio", 20), ("system_page", 20), ("risk_register", 15), ("api_systems", 15), ("api_risks", 15))
WRITES = (("api_patch_system", 10), ("journal_note", 5))
TIMEOUT_SECONDS = 60
RUNS = ("one_node", "two_nodes", "one_node_saturated", "two_nodes_saturated")  # the configurations, in their order


# --- Data ------------------------------------------------------------------------------------------------------------

def prepare(scale: float, users: int) -> dict:
    """The risk benchmark's data, then `users` people who may sign in, each with the systems they own."""
    from django.contrib.auth.hashers import make_password
    from django.db import connections

    from aims.core.models import RoleAssignment, User
    from aims.inventory.models import AISystem

    data = risk_benchmark().generate(scale)
    owners = list(User.objects.filter(username__startswith="owner").order_by("pk")[:users])
    password = make_password(PASSWORD)
    people = []
    for n, person in enumerate(owners):
        person.password = password
        person.save(update_fields=["password"])
        owned = AISystem.objects.filter(owner=person).order_by("pk")
        if n % 5 == 0:
            RoleAssignment.objects.create(role="aims_manager", user=person)
        else:  # over the units of the systems they own (their own unit at scale 1)
            for unit_id in sorted(set(owned.values_list("unit_id", flat=True))):
                RoleAssignment.objects.create(role="system_owner", user=person, unit_id=unit_id)
        systems = list(owned.values_list("pk", flat=True)[:20])
        people.append({"email": person.email, "systems": systems})
    all_systems = list(AISystem.objects.order_by("pk").values_list("pk", flat=True))
    connections.close_all()
    return {"people": people, "systems": all_systems, "counts": data["counts"]}


def risk_benchmark():
    """benchmarks/risks.py as a module (its generator): _common took this folder off sys.path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("risk_benchmark", Path(__file__).resolve().parent / "risks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- Server CPU ------------------------------------------------------------------------------------------------------

def group_cpu_seconds(groups: set[int]) -> float:
    """User + system CPU seconds of every live process in these process groups (a node: `aims serve`, gunicorn's
    master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) in groups:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


# --- The simulated people --------------------------------------------------------------------------------------------

class Person:
    def __init__(self, httpx, base_url: str, email: str, systems: list[int], all_systems: list[int], seed: int):
        # Each person has an address of their own behind the proxy (the nodes trust one: AIMS_TRUSTED_PROXY_COUNT=1);
        # from one address, fifty sign-ins a minute would meet allauth's per-address login limit (429).
        self.client = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT_SECONDS, follow_redirects=False,
                                        headers={"X-Forwarded-For": f"10.20.{seed // 250}.{seed % 250 + 1}"})
        self.email, self.own, self.all = email, systems, all_systems
        self.rng = random.Random(seed)
        self.versions: dict[int, int] = {}

    async def sign_in(self) -> None:
        page = await self.client.get("/accounts/login/")
        page.raise_for_status()
        answer = await self.client.post("/accounts/login/", data={
            "login": self.email, "password": PASSWORD, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken")})
        if answer.status_code != 302:
            raise RuntimeError(f"{self.email} could not sign in: {answer.status_code}")

    def _headers(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken") or ""}

    async def step(self, kind: str):
        """One request of `kind`: (status, expected statuses)."""
        rng = self.rng
        if kind == "portfolio":
            response = await self.client.get(f"/inventory/?page={rng.randint(1, 5)}")
        elif kind == "system_page":
            response = await self.client.get(f"/inventory/systems/{rng.choice(self.own or self.all)}/")
        elif kind == "risk_register":
            response = await self.client.get(f"/risks/?page={rng.randint(1, 5)}")
        elif kind == "api_systems":
            response = await self.client.get(f"/api/v1/systems?limit=50&offset={rng.randrange(0, 250, 50)}")
        elif kind == "api_risks":
            response = await self.client.get(f"/api/v1/risks?limit=50&offset={rng.randrange(0, 250, 50)}")
        elif kind == "api_patch_system":
            system = rng.choice(self.own)
            if system not in self.versions:
                current = await self.client.get(f"/api/v1/systems/{system}")
                self.versions[system] = current.json()["version"]
            response = await self.client.patch(f"/api/v1/systems/{system}", headers=self._headers(), json={
                "version": self.versions[system], "purpose": f"Reviewed under load ({rng.random():.6f})"})
            if response.status_code == 200:
                self.versions[system] = response.json()["version"]
            else:
                self.versions.pop(system, None)
        elif kind == "journal_note":
            system = rng.choice(self.own)
            response = await self.client.post(f"/api/v1/journal/inventory.aisystem/{system}/notes",
                                              headers=self._headers(), json={"body": "Checked under load."})
            return response.status_code, (201,)
        else:
            raise ValueError(kind)
        return response.status_code, (200,)

    async def close(self) -> None:
        await self.client.aclose()


def choose(rng: random.Random) -> tuple[str, str]:
    kinds = [(kind, weight, "read") for kind, weight in READS] + [(kind, weight, "write") for kind, weight in WRITES]
    kind, _weight, family = rng.choices(kinds, weights=[weight for _kind, weight, _family in kinds])[0]
    return kind, family


async def drive(nodes: list[str], data: dict, users: int, warmup: float, duration: float, think_ms: float,
                groups: set[int]) -> dict:
    import httpx

    people = [Person(httpx, nodes[n % len(nodes)], p["email"], p["systems"], data["systems"], seed=n)
              for n, p in enumerate(data["people"][:users])]
    for start in range(0, len(people), 10):  # sign in ten at a time (Argon2 is the point of a login: not measured)
        await asyncio.gather(*(person.sign_in() for person in people[start:start + 10]))
    samples = {"read": [], "write": []}
    by_kind: dict[str, list[float]] = {}
    errors: list[str] = []
    state = {"measuring": False, "stop": False}

    async def loop(person: Person):
        while not state["stop"]:
            kind, family = choose(person.rng)
            if family == "write" and not person.own:  # owns nothing to change (tiny scales): reads instead
                kind, family = "system_page", "read"
            started = time.perf_counter()
            try:
                status, expected = await person.step(kind)
                failed = None if status in expected else f"{kind}: HTTP {status}"
            except Exception as error:  # noqa: BLE001 (a failed request is an error of the run, not of the client)
                failed = f"{kind}: {type(error).__name__}: {error}"[:300]
            elapsed_ms = (time.perf_counter() - started) * 1000
            if state["measuring"]:
                if failed:
                    errors.append(failed)
                else:
                    samples[family].append(elapsed_ms)
                    by_kind.setdefault(kind, []).append(elapsed_ms)
            if think_ms:
                await asyncio.sleep(person.rng.expovariate(1 / (think_ms / 1000)))

    tasks = [asyncio.create_task(loop(person)) for person in people]
    await asyncio.sleep(warmup)
    cpu_server, cpu_client = group_cpu_seconds(groups), time.process_time()
    started = time.perf_counter()
    state["measuring"] = True
    await asyncio.sleep(duration)
    state["measuring"] = False
    wall = time.perf_counter() - started
    cpu_server, cpu_client = group_cpu_seconds(groups) - cpu_server, time.process_time() - cpu_client
    state["stop"] = True
    await asyncio.gather(*tasks)
    for person in people:
        await person.close()
    done = len(samples["read"]) + len(samples["write"])
    figures = {"nodes": len(nodes), "users": len(people), "requests": done + len(errors), "errors": len(errors),
               "error_samples": sorted(set(errors))[:10], "wall_seconds": round(wall, 2),
               "throughput_rps": round(done / wall, 1), "server_cpu_seconds": round(cpu_server, 2),
               "client_cpu_seconds": round(cpu_client, 2),
               "server_cpu_ms_per_request": round(cpu_server * 1000 / done, 1) if done else None}
    for family, values in samples.items():
        if values:
            figures.update({f"{family}_{k}": v for k, v in percentiles(values).items()})
            figures[f"{family}_requests"] = len(values)
    figures["by_kind"] = {kind: {**percentiles(values), "requests": len(values)} for kind, values in sorted(by_kind.items())}
    return figures


# --- The run ---------------------------------------------------------------------------------------------------------

def run(database_url: str, scale: float, users: int, warmup: float, duration: float, think_ms: float,
        workers: int) -> dict:
    try:
        redis_server_binary()
        with_redis = True
    except Exception:  # noqa: BLE001 (the database cache then: the product's default)
        with_redis = False
    folder = Path(tempfile.mkdtemp(prefix="aims-load-"))
    cluster = Cluster(folder=folder, admin_database_url=database_url, database_name="aims_load", nodes=2,
                      with_redis=with_redis, with_s3=False)
    figures: dict = {"benchmark": "load", "scale": scale, "users": users, "duration_seconds": duration,
                     "warmup_seconds": warmup, "think_ms": think_ms, "web_workers_per_node": workers,
                     "redis": with_redis, "goals": GOALS, "machine": machine(), "load_average_before": load_average()}
    try:
        cluster.start()
        setup_django(str(folder / "setup"), cluster.database_url)  # the cluster migrated it
        started = time.perf_counter()
        data = prepare(scale, users)
        figures["data"] = {**data["counts"], "signed_in_people": len(data["people"]),
                           "prepare_seconds": round(time.perf_counter() - started, 1)}
        nodes = [cluster.start_web(f"node{n}", workers=workers) for n in (1, 2)]
        for node in nodes:
            cluster.wait_ready(node)
        groups = {node.process.pid for node in nodes}  # each node runs in a session (process group) of its own
        urls = {"one_node": [nodes[0].url], "two_nodes": [node.url for node in nodes]}
        for pause, suffix in ((think_ms, ""), (0, "_saturated")) if think_ms else ((0, ""),):
            for key, targets in urls.items():
                figures[key + suffix] = asyncio.run(drive(targets, data, users, warmup, duration, pause, groups))
        one, two = (figures.get(f"{key}_saturated", figures[key]) for key in urls)
        figures["two_node_throughput_ratio"] = (round(two["throughput_rps"] / one["throughput_rps"], 2)
                                                if one["throughput_rps"] else None)
        figures["load_average_after"] = load_average()
        figures["verdicts"] = {
            "errors": all(figures[key]["errors"] == 0 for key in RUNS if key in figures),
            "read_p95_ms": max(figures[key].get("read_p95_ms", 0) for key in urls) <= GOALS["read_p95_ms"],
            "second_node_adds_throughput": (figures["two_node_throughput_ratio"] or 0) > GOALS["two_node_ratio_min"],
        }
    finally:
        cluster.stop()
    return figures


def summary(figures: dict) -> str:
    lines = [f"load: {figures['users']} people, {figures['duration_seconds']} s per configuration, "
             f"data {figures['data']}, machine {figures['machine']}"]
    for key in RUNS:
        if key not in figures:
            continue
        f = figures[key]
        lines.append(f"  {key:19} {f['throughput_rps']:7.1f} req/s  reads p50/p95 {f.get('read_p50_ms')}/"
                     f"{f.get('read_p95_ms')} ms  writes p50/p95 {f.get('write_p50_ms')}/{f.get('write_p95_ms')} ms  "
                     f"errors {f['errors']}  CPU server {f['server_cpu_seconds']} s, client "
                     f"{f['client_cpu_seconds']} s in {f['wall_seconds']} s wall")
    lines.append(f"  two nodes / one node throughput (saturated): {figures['two_node_throughput_ratio']}  "
                 f"verdicts {figures['verdicts']}  load average {figures['load_average_before']} -> "
                 f"{figures['load_average_after']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL URL of a role that may create databases (default: DATABASE_URL)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think-ms", type=float, default=5000.0,
                        help="mean pause of a person between two requests (0: no pause, and no saturated runs apart)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node (docs/deployment.md: 2)")
    parser.add_argument("--json", required=True)
    options = parser.parse_args(argv)
    if not re.match(r"^postgres(ql)?://", options.database_url or ""):
        parser.error("needs PostgreSQL: --database-url or DATABASE_URL (scripts/pg-run gives a throwaway one)")
    figures = run(options.database_url, options.scale, options.users, options.warmup, options.duration,
                  options.think_ms, options.workers)
    Path(options.json).write_text(json.dumps(figures, indent=2))
    print(summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
