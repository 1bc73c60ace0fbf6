"""Scale-out, proven: two web nodes and a worker on PostgreSQL, Redis and S3-compatible storage, crossed by one HTTP
journey (README "Running at scale", docs/deployment.md).

Started as the deployment kit says (tests/scaleout_cluster.py holds the commands; tests/test_deployment_kit.py keeps
the documents identical): PostgreSQL from DATABASE_URL (CI's throwaway server, two roles as in production), Debian's
redis-server, moto's S3 server, `aims migrate`, `aims check --deploy`, two `aims serve --no-worker` nodes on two ports,
each with a data directory of its own, and `aims worker`.

The journey: sign in on node 1 and carry on on node 2 with the same session; failed sign-ins spread over both nodes
(and over host names and forwarded addresses) lock the account; a change made on either node is seen on the other; a
background task queued by a web node (a webhook delivery) waits in Redis while no worker runs and is delivered once
`aims worker` starts; an evidence file uploaded through one node lands in the bucket and reads back through the
other; after concurrent writers on both nodes, `aims ledger verify` exits 0.

It can fail, and two quick variants show it: no worker, no delivery; a per-process (memory) cache on two more nodes,
and the same failed sign-ins no longer lock the account.

Marker `scaleout`: CI's PostgreSQL pass runs it (`make test`; `scripts/pg-test -m scaleout tests/test_scale_out.py`
by hand). Without PostgreSQL it is deselected (conftest.py), never skipped and counted as passed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from scaleout_cluster import CHECK_COMMAND, S3_BUCKET, VERIFY_COMMAND, Cluster, Node, free_port, s3_client

pytestmark = [pytest.mark.scaleout, pytest.mark.xdist_group("scaleout")]

TESTS_DIR = Path(__file__).resolve().parent
PASSWORD = "Scale-Out-Passphrase-42"
WRONG = "Wrong-Password-123"
LOCKED = "Too many failed sign-ins for this account"
ATTEMPTS = 5  # the default AIMS_LOGIN_LOCKOUT_ATTEMPTS
TIMEOUT = 20  # seconds for one HTTP request on a loaded machine

SEED = """
import json
from aims.core import services
from aims.core.models import RoleAssignment, User
from aims.inventory.services import systems

def person(email, role=None):
    user = User.objects.create(username=email, email=email, first_name=email.split("@")[0].title(), last_name="Node")
    user.set_password({password!r})
    user.save()
    if role:
        RoleAssignment.objects.create(role=role, user=user)
    return user

admin = person("admin@scaleout.test", "administrator")
person("locked@scaleout.test", "viewer")
person("locmem@scaleout.test", "viewer")
root = services.create_org_unit(actor=admin, name="Scale-out", code="scaleout")
made = [systems.create_system(actor=admin, name=f"System {{n}}", unit=root, owner=admin, reason="seed") for n in range(4)]
hook = services.create_webhook(actor=admin, name="receiver", url={receiver!r}, events=["inventory.aisystem.update"])
print("SEED" + json.dumps({{"unit": root.pk, "systems": [s.pk for s in made], "secret": hook.secret}}))
"""


class Receiver:
    """A webhook receiver on loopback: what the worker delivers ends up in `received`."""

    def __init__(self):
        self.received: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def deliveries_of(self, name: str) -> list[dict]:
        return [r for r in self.received if json.loads(r["body"]).get("after", {}).get("name") == name]

    def close(self):
        self.server.shutdown()


def worker_suffix() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"_{worker}" if worker else ""


# The cluster and what it needs live for the worker's whole session, not the module: the durations of a full CI run
# showed the cluster set up twice (the module's tests ran in two stretches on one worker), migrations included.
@pytest.fixture(scope="session")
def receiver():
    hook = Receiver()
    yield hook
    hook.close()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, receiver):
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        pytest.fail("the scale-out test needs DATABASE_URL on PostgreSQL (conftest.py deselects it otherwise)")
    runtime = os.environ.get("AIMS_TEST_RUNTIME_ROLE")
    cluster = Cluster(folder=tmp_path_factory.mktemp("scaleout"), admin_database_url=admin_url, runtime_role=runtime,
                      database_name=f"aims_scaleout{worker_suffix()}")
    try:
        cluster.start()
        # `aims check --deploy` needs no database: it runs while `aims migrate` does.
        check = ThreadPoolExecutor(1).submit(cluster.run, CHECK_COMMAND, "check")
        cluster.migrate()
        seeded = cluster.python(SEED.format(password=PASSWORD, receiver=receiver.url))
        cluster.seed = json.loads(seeded.split("SEED", 1)[1])
        cluster.check = check.result()
        one, two = cluster.start_web("node1"), cluster.start_web("node2")
        # The negative variant: two more nodes whose cache is each process's memory (a settings module that only
        # swaps the cache; one web worker each, so a node is one process).
        memory = {"DJANGO_SETTINGS_MODULE": "scaleout_memory_cache_settings", "PYTHONPATH": str(TESTS_DIR)}
        three, four = (cluster.start_web(name, workers=1, **memory) for name in ("memory1", "memory2"))
        cluster.readiness = {node.name: cluster.wait_ready(node) for node in (one, two, three, four)}
        cluster.one, cluster.two, cluster.memory = one, two, (three, four)
        yield cluster
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.stop()


# --- HTTP helpers --------------------------------------------------------------------------------------------------

def log_in(session: requests.Session, node: Node, email: str, password: str) -> requests.Response:
    session.get(f"{node.url}/accounts/login/", timeout=TIMEOUT).raise_for_status()
    return session.post(f"{node.url}/accounts/login/", timeout=TIMEOUT, allow_redirects=False,
                        data={"login": email, "password": password,
                              "csrfmiddlewaretoken": session.cookies.get("csrftoken")})


def attempt(node: Node, email: str, password: str, **headers) -> requests.Response:
    """One sign-in by a fresh client, with these headers (Host, X-Forwarded-For) on both of its requests; cookies are
    passed by hand (a cookie jar files them under the Host header's name)."""
    page = requests.get(f"{node.url}/accounts/login/", headers=headers, timeout=TIMEOUT)
    page.raise_for_status()
    token = page.cookies["csrftoken"]
    return requests.post(f"{node.url}/accounts/login/", timeout=TIMEOUT, allow_redirects=False,
                         headers={**headers, "Cookie": f"csrftoken={token}"},
                         data={"login": email, "password": password, "csrfmiddlewaretoken": token})


def signed_in(response: requests.Response) -> bool:
    return response.status_code == 302 and response.headers["Location"] == "/"


def api(session: requests.Session, node: Node, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"X-CSRFToken": session.cookies.get("csrftoken") or "", **kwargs.pop("headers", {})}
    return session.request(method, f"{node.url}/api/v1{path}", headers=headers, timeout=TIMEOUT, **kwargs)


def rename(session, node: Node, system_id: int, name: str) -> requests.Response:
    current = api(session, node, "GET", f"/systems/{system_id}").json()
    return api(session, node, "PATCH", f"/systems/{system_id}", json={"version": current["version"], "name": name})


def lock_holds_across(first: Node, second: Node, email: str) -> bool:
    """ATTEMPTS wrong passwords spread over two nodes, host names and forwarded addresses, then the right one on the
    second node: True when that is refused with the lockout message."""
    spread = [(first, "127.0.0.1", "198.51.100.1"), (second, "localhost", "198.51.100.2"),
              (first, "aims.scaleout.test", "203.0.113.3"), (second, "127.0.0.1", "203.0.113.4"),
              (first, "localhost", "192.0.2.5")][:ATTEMPTS]
    for node, host, forwarded in spread:
        answer = attempt(node, email, WRONG, **{"X-Forwarded-For": forwarded, "Host": f"{host}:{node.port}"})
        assert answer.status_code == 200 and LOCKED not in answer.text, answer.text[-2000:]
    final = attempt(second, email, PASSWORD, **{"X-Forwarded-For": "192.0.2.99"})
    if signed_in(final):
        return False
    assert LOCKED in final.text, final.text[-2000:]
    return True


@pytest.fixture(scope="session")
def admin_session(cluster) -> requests.Session:
    session = requests.Session()
    assert signed_in(log_in(session, cluster.one, "admin@scaleout.test", PASSWORD))
    return session


# --- The journey ---------------------------------------------------------------------------------------------------

def test_the_deployment_checks_pass_and_every_node_is_ready(cluster):
    assert cluster.check.returncode == 0, cluster.check.stderr
    for name, answer in cluster.readiness.items():
        assert answer == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "queue": "ok",
                                                       "storage": "ok"}}, name
    for node in (cluster.one, cluster.two):
        assert requests.get(f"{node.url}/healthz", timeout=TIMEOUT).json() == {"status": "ok"}


def test_a_session_opened_on_node_1_carries_on_on_node_2(cluster, admin_session):
    # Only the cookies cross: another client, with the session and CSRF cookies node 1 set.
    other = requests.Session()
    for name in ("sessionid", "csrftoken"):
        other.cookies.set(name, admin_session.cookies.get(name), domain="127.0.0.1")
    me = api(other, cluster.two, "GET", "/me")
    assert me.status_code == 200 and me.json()["email"] == "admin@scaleout.test"
    page = other.get(f"{cluster.two.url}/", timeout=TIMEOUT, allow_redirects=False)
    assert page.status_code == 200  # not sent to the sign-in page
    # A write on node 2 with node 1's session and CSRF token.
    system = cluster.seed["systems"][0]
    assert rename(other, cluster.two, system, "Renamed on node 2").status_code == 200


def test_a_change_made_on_one_node_is_seen_on_the_other(cluster, admin_session):
    system = cluster.seed["systems"][1]
    assert rename(admin_session, cluster.one, system, "Changed through node 1").status_code == 200
    assert api(admin_session, cluster.two, "GET", f"/systems/{system}").json()["name"] == "Changed through node 1"
    assert rename(admin_session, cluster.two, system, "Changed back through node 2").status_code == 200
    assert api(admin_session, cluster.one, "GET", f"/systems/{system}").json()["name"] == "Changed back through node 2"
    portfolio = admin_session.get(f"{cluster.one.url}/inventory/", timeout=TIMEOUT)
    assert "Changed back through node 2" in portfolio.text


def test_failed_sign_ins_on_both_nodes_lock_the_account(cluster):
    assert lock_holds_across(cluster.one, cluster.two, "locked@scaleout.test")


def test_with_a_per_process_cache_the_same_failures_do_not_lock(cluster):
    """The variant that shows the test above can fail: each memory-cache node counts only its own failures."""
    first, second = cluster.memory
    assert not lock_holds_across(first, second, "locmem@scaleout.test")


def test_a_task_queued_by_a_web_node_waits_for_the_worker_and_runs_through_redis(cluster, admin_session, receiver):
    from huey import PriorityRedisHuey

    queue = PriorityRedisHuey("aims", url=cluster.redis_url)
    system = cluster.seed["systems"][2]
    assert rename(admin_session, cluster.one, system, "Queued for the worker").status_code == 200

    # No worker runs: the delivery waits in Redis, nobody receives it.
    time.sleep(3)
    assert receiver.deliveries_of("Queued for the worker") == []
    assert queue.pending_count() >= 1

    worker = cluster.start_worker()
    deadline = time.monotonic() + 90
    while not receiver.deliveries_of("Queued for the worker") and time.monotonic() < deadline:
        assert worker.running(), worker.log()
        time.sleep(0.3)
    [delivery] = receiver.deliveries_of("Queued for the worker")
    signature = dict(part.split("=", 1) for part in delivery["headers"]["x-aims-signature"].split(","))
    expected = hmac.new(cluster.seed["secret"].encode(), f"{signature['t']}.".encode() + delivery["body"],
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature["v1"], expected)
    assert delivery["headers"]["x-aims-event"] == "inventory.aisystem.update"

    # And a change made through node 2 is delivered too, by the same worker.
    assert rename(admin_session, cluster.two, system, "Queued through node 2").status_code == 200
    deadline = time.monotonic() + 60
    while not receiver.deliveries_of("Queued through node 2") and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(receiver.deliveries_of("Queued through node 2")) == 1


def test_an_evidence_file_uploaded_through_one_node_is_in_the_bucket_and_reads_back_through_the_other(
        cluster, admin_session):
    content = b"Model card reviewed on node 1\n" + os.urandom(16).hex().encode() + b"\n"
    created = api(admin_session, cluster.one, "POST", "/evidence",
                  data={"title": "Reviewed model card", "unit_id": str(cluster.seed["unit"]), "kind": "file"},
                  files={"file": ("model-card.txt", content, "text/plain")})
    assert created.status_code == 201, created.text
    item = created.json()

    digest = hashlib.sha256(content).hexdigest()
    stored = s3_client(cluster.s3_endpoint).get_object(
        Bucket=S3_BUCKET, Key=f"evidence/sha256/{digest[:2]}/{digest[2:4]}/{digest}")["Body"].read()
    assert stored == content

    download = api(admin_session, cluster.two, "GET", f"/evidence/{item['id']}/versions/1/download")
    assert download.status_code == 200 and download.content == content


def test_writers_on_both_nodes_at_once_leave_a_ledger_that_verifies(cluster, admin_session):
    systems = cluster.seed["systems"]

    def write(n):
        node = (cluster.one, cluster.two)[n % 2]
        session = requests.Session()  # one per thread, with the signed-in cookies
        session.cookies.update(admin_session.cookies)
        note = api(session, node, "POST", f"/journal/inventory.aisystem/{systems[n % len(systems)]}/notes",
                   json={"body": f"Note {n} through {node.name}"})
        return note.status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(write, range(24))) == {201}
    for name in ("node1", "node2"):  # each node's data directory holds the checkpoints it signed
        verified = cluster.run(VERIFY_COMMAND, name)
        assert verified.returncode == 0, verified.stdout + verified.stderr
