"""A scaled-out AIMS on one machine, started the way docs/deployment.md says: PostgreSQL, Redis, an S3-compatible
server, `aims migrate`, web nodes (`aims serve --no-worker`) and `aims worker`, each node with a data directory of
its own (as if on a machine of its own) and the environment deploy/aims.env.example lists.

Used by tests/test_scale_out.py (the CI test); free of pytest. The commands below are the
ones the deployment kit documents: tests/test_deployment_kit.py fails when docs/deployment.md, deploy/compose.yaml or
the systemd units say anything else.

Needs: PostgreSQL (an owner URL that may create databases, as CI's throwaway server gives), Debian's `redis-server`,
and moto's server (the `test` extra) for S3.
"""

from __future__ import annotations

import json
import os
import re
import secrets
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

# --- What the deployment kit documents (placeholders in braces) ------------------------------------------------------
MIGRATE_COMMAND = "aims migrate"
CHECK_COMMAND = "aims check --deploy"
WEB_COMMAND = "aims serve --host {host} --port {port} --no-worker --workers {workers}"
WORKER_COMMAND = "aims worker"
VERIFY_COMMAND = "aims ledger verify"
# The values docs/deployment.md, compose.yaml and the systemd units use for the placeholders.
DOCUMENTED_VALUES = {"host": "0.0.0.0", "port": "8000", "workers": "2"}
# Every process (web node, worker, migration, checks) gets these; deploy/aims.env.example lists each of them.
PROCESS_ENVIRONMENT = (
    "DATABASE_URL", "REDIS_URL", "AIMS_SECRET_KEY_FILE", "AIMS_LEDGER_SIGNING_KEY_FILE", "AIMS_S3_BUCKET",
    "AIMS_S3_ENDPOINT_URL", "AIMS_S3_ACCESS_KEY", "AIMS_S3_SECRET_KEY", "AIMS_S3_REGION", "AIMS_NODES",
    "AIMS_ALLOWED_HOSTS", "AIMS_SITE_URL", "AIMS_DATA_DIR", "AIMS_TRUSTED_PROXY_COUNT",
)
MIGRATE_ENVIRONMENT = ("AIMS_MIGRATE_DATABASE_URL",)  # `aims migrate` only: the schema owner's URL

START_TIMEOUT_SECONDS = 180  # a loaded 2-core machine: several Django processes start at once
S3_BUCKET = "aims-files"
S3_REGION = "us-east-1"
SITE_URL = "http://aims.scaleout.test"  # a name, not the loopback (aims check --deploy wants links that work)
# Every variable that could point a child at another installation (the developer's shell, pytest's settings).
_FOREIGN_ENV = re.compile(r"^(AIMS_.*|DATABASE_URL(_FILE)?|REDIS_URL(_FILE)?|DJANGO_SETTINGS_MODULE)$")


class ClusterFailed(RuntimeError):
    """A part of the cluster did not start; the message carries its output."""


def command(template: str, **values) -> list[str]:
    """A documented command as argv, `aims` being the console script of the virtualenv running us."""
    words = template.format(**values).split()
    assert words[0] == "aims"
    return [aims_command(), *words[1:]]


def aims_command() -> str:
    beside_python = Path(sys.executable).with_name("aims")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("aims")
    if found is None:
        raise ClusterFailed("The `aims` command is not installed; run `make install` first.")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """A child process with its output in a log file; stop() ends it and everything it started."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self, lines: int = 200) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no output)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if not self.running():
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)


def wait_until(check, what: str, process: Process | None = None, timeout: float = START_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.running():
            raise ClusterFailed(f"{process.name} exited with {process.popen.returncode}:\n{process.log()}")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 (not up yet)
            pass
        time.sleep(0.2)
    raise ClusterFailed(f"{what} within {timeout:.0f} s" + (f":\n{process.log()}" if process else ""))


def http_status(url: str, timeout: float = 3) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# --- The services every node shares ---------------------------------------------------------------------------------

def postgres_database(admin_url: str, name: str, runtime_role: str | None = None) -> tuple[str, str]:
    """A fresh database `name` on the server of `admin_url` (owned by its user): (runtime URL, owner URL). With
    `runtime_role` ("user:password", CI's AIMS_TEST_RUNTIME_ROLE), processes run as that role and only `aims migrate`
    as the owner, as in production (README: Database roles); else both are the owner. It is a copy of the migrated
    template (aims.core.testing_databases), which the cluster's `aims migrate` then finds up to date."""
    from aims.core.testing_databases import create_postgres_database

    create_postgres_database(admin_url, name)
    scheme, rest = admin_url.split("://", 1)
    credentials, location = rest.rsplit("@", 1)
    server = location.split("/", 1)[0]
    owner = f"{scheme}://{credentials}@{server}/{name}"
    runtime = f"{scheme}://{runtime_role}@{server}/{name}" if runtime_role else owner
    return runtime, owner


def drop_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def redis_server_binary() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if found is None:
        raise ClusterFailed("Debian's redis-server is not installed (apt-get install redis-server; .ci/run installs "
                            "it on a fresh machine).")
    return found


def start_redis(folder: Path) -> tuple[Process, str]:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = Process("redis-server", [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no", "--dir", str(folder)],
                      dict(os.environ), folder / "redis.log").start()
    return process, f"redis://127.0.0.1:{port}/0"


def redis_answers(url: str) -> bool:
    import redis

    return bool(redis.Redis.from_url(url, socket_timeout=1).ping())


def start_s3(folder: Path) -> tuple[Process, str]:
    """moto's S3 in server mode (a Python process speaking the S3 protocol on loopback)."""
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not _FOREIGN_ENV.match(k)}, "MOTO_PORT": str(port)}
    process = Process("s3 (moto)", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                      env, folder / "s3.log").start()
    return process, f"http://127.0.0.1:{port}"


def s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="aims", aws_secret_access_key="aims-secret",
                        region_name=S3_REGION)


def ledger_signing_key_pem() -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


# --- The cluster -----------------------------------------------------------------------------------------------------

@dataclass
class Node:
    name: str
    port: int
    process: Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """Shared services up (start()); web nodes and workers added on demand; stop() ends them all."""

    folder: Path
    admin_database_url: str
    runtime_role: str | None = None
    database_name: str = "aims_scaleout"
    nodes: int = 2
    with_redis: bool = True
    with_s3: bool = True
    database_url: str = ""
    migrate_database_url: str = ""
    redis_url: str = ""
    s3_endpoint: str = ""
    services: list[Process] = field(default_factory=list)
    web: list[Node] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)

    # Shared services
    def start(self) -> Cluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        secrets_dir = self.folder / "secrets"
        secrets_dir.mkdir(exist_ok=True)
        (secrets_dir / "secret-key").write_text(secrets.token_urlsafe(50))
        (secrets_dir / "ledger-signing-key.pem").write_bytes(ledger_signing_key_pem())
        for path in secrets_dir.iterdir():
            path.chmod(0o600)
        if self.with_redis:
            redis_process, self.redis_url = start_redis(self.folder / "redis")
            self.services.append(redis_process)
        if self.with_s3:
            s3_process, self.s3_endpoint = start_s3(self.folder / "s3")
            self.services.append(s3_process)
        self.database_url, self.migrate_database_url = postgres_database(
            self.admin_database_url, self.database_name, self.runtime_role)
        if self.with_redis:
            wait_until(lambda: redis_answers(self.redis_url), "Redis did not answer", self.services[0], timeout=30)
        if self.with_s3:
            s3 = self.services[-1]
            wait_until(lambda: s3_client(self.s3_endpoint).list_buckets() is not None, "S3 did not answer", s3)
            s3_client(self.s3_endpoint).create_bucket(Bucket=S3_BUCKET)
        return self

    def environment(self, data_dir: Path, **extra: str) -> dict[str, str]:
        """What a process of this deployment gets (deploy/aims.env.example), with a data directory of its own."""
        env = {k: v for k, v in os.environ.items() if not _FOREIGN_ENV.match(k)}
        data_dir.mkdir(parents=True, exist_ok=True)
        env.update({
            "DATABASE_URL": self.database_url,
            "AIMS_SECRET_KEY_FILE": str(self.folder / "secrets" / "secret-key"),
            "AIMS_LEDGER_SIGNING_KEY_FILE": str(self.folder / "secrets" / "ledger-signing-key.pem"),
            "AIMS_NODES": str(self.nodes),
            "AIMS_ALLOWED_HOSTS": "127.0.0.1,localhost,aims.scaleout.test",
            "AIMS_SITE_URL": SITE_URL,
            "AIMS_DATA_DIR": str(data_dir),
            "AIMS_TRUSTED_PROXY_COUNT": "1",
        })
        if self.with_redis:
            env["REDIS_URL"] = self.redis_url
        if self.with_s3:
            env.update({"AIMS_S3_BUCKET": S3_BUCKET, "AIMS_S3_ENDPOINT_URL": self.s3_endpoint,
                        "AIMS_S3_ACCESS_KEY": "aims", "AIMS_S3_SECRET_KEY": "aims-secret", "AIMS_S3_REGION": S3_REGION})
        env.update(extra)
        return env

    def run(self, template: str, name: str, *args: str, timeout: float = 600, input: str | None = None,
            migrate: bool = False, **env_extra) -> subprocess.CompletedProcess:
        """Run a documented one-shot command (migrate, check, ledger verify, shell) in the environment of `name`."""
        env = self.environment(self.folder / name, **env_extra)
        if migrate:
            env["AIMS_MIGRATE_DATABASE_URL"] = self.migrate_database_url
        argv = command(template, **DOCUMENTED_VALUES) + list(args)
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, input=input)

    def migrate(self) -> None:
        done = self.run(MIGRATE_COMMAND, "migrate", "--verbosity", "0", migrate=True)
        if done.returncode != 0:
            raise ClusterFailed(f"aims migrate failed:\n{done.stdout}\n{done.stderr}")

    def python(self, code: str, name: str = "admin") -> str:
        """Run Python in a Django shell of this deployment (set-up only); its standard output."""
        env = self.environment(self.folder / name)
        done = subprocess.run([aims_command(), "shell", "--no-startup", "--interface", "python", "-c", code], env=env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise ClusterFailed(f"aims shell failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    # Web nodes and workers
    def start_web(self, name: str, workers: int = 2, **env_extra) -> Node:
        port = free_port()
        env = self.environment(self.folder / name, **env_extra)
        argv = command(WEB_COMMAND, host="127.0.0.1", port=port, workers=workers)
        node = Node(name, port, Process(name, argv, env, self.folder / name / "serve.log").start())
        self.web.append(node)
        return node

    def wait_ready(self, node: Node) -> dict:
        """Until the node's /readyz answers 200 (database, cache, queue and storage all reachable): its checks."""
        answer = {}

        def ready():
            with urllib.request.urlopen(f"{node.url}/readyz", timeout=5) as response:
                answer.update(json.loads(response.read()))
                return response.status == 200

        wait_until(ready, f"{node.name} was not ready (/readyz)", node.process)
        return answer

    def start_worker(self, name: str = "worker") -> Process:
        env = self.environment(self.folder / name)
        process = Process(name, command(WORKER_COMMAND), env, self.folder / name / "worker.log").start()
        self.workers.append(process)
        return process

    def stop_worker(self, process: Process) -> None:
        process.stop()
        self.workers.remove(process)

    def stop(self, drop: bool = True) -> None:
        for process in [*self.workers, *(node.process for node in self.web), *self.services]:
            process.stop()
        self.workers.clear()
        self.web.clear()
        if drop and self.database_url:
            try:
                drop_database(self.admin_database_url, self.database_name)
            except Exception:  # noqa: BLE001 (best effort: the throwaway server goes anyway)
                pass

    def logs(self) -> str:
        parts = [f"--- {p.name} ---\n{p.log(80)}" for p in [*self.services, *(n.process for n in self.web),
                                                              *self.workers]]
        return "\n".join(parts)
