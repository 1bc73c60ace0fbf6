"""`/healthz` and `/readyz` for load balancers and orchestrators.

- `/healthz`: the process is alive and answers. No database, no cache, no session, no authentication: a liveness
  probe that restarts a process because its database is down would only make things worse.
- `/readyz`: this process can serve, because the database, the cache (login-failure counters, sessions' neighbours),
  the task queue and the file storage all answer. 200 when all do; 503 naming what failed otherwise, so a load
  balancer takes the node out of rotation and an operator reads which dependency to look at.

Both are answered by a middleware placed first, before the host check, sessions, CSRF, language and MFA: probes come
with whatever Host header the load balancer uses (often the node's address, not a name in AIMS_ALLOWED_HOSTS), and
must not open sessions or write anything. The bodies never carry exception messages (a database URL or a bucket
policy may be quoted in them): the failed check's name and the kind of error only; the details go to the log.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"


def check_database() -> None:
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """Write and read back a key of this process's own: the cache must be reachable and keep what it is given."""
    from django.core.cache import cache

    key = f"aims:readyz:{os.getpid()}"
    token = uuid.uuid4().hex
    cache.set(key, token, timeout=30)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not return the value just written")


def check_queue() -> None:
    """The task queue's storage answers (Redis when REDIS_URL is set, else the SQLite queue file)."""
    from huey.contrib.djhuey import HUEY

    HUEY.storage.queue_size()


def check_storage() -> None:
    """Uploaded files can be stored: a local directory that exists (or can be made) and is writable, or a bucket
    that answers a lookup (a missing object is an answer; a refused connection or denied access is not)."""
    from django.core.files.storage import default_storage

    bucket = getattr(default_storage, "bucket_name", None)
    if bucket:  # S3-compatible: the bucket exists and these credentials may use it (a lookup of a missing object
        # would answer 404 for a missing bucket too)
        default_storage.connection.meta.client.head_bucket(Bucket=bucket)
        return
    location = getattr(default_storage, "location", None)
    if location is not None and hasattr(default_storage, "path"):  # local files
        directory = Path(location)
        directory.mkdir(parents=True, exist_ok=True)
        if not os.access(directory, os.W_OK):
            raise PermissionError("the files directory is not writable")
        return
    default_storage.exists("aims-readyz-probe")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
    "storage": check_storage,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; each answers "ok" or "failed (<kind of error>)"."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 (any failure makes the node unready; the reason goes to the log)
            logger.warning("readiness check %s failed: %s: %s", name, type(error).__name__, error)
            results[name] = f"failed ({type(error).__name__})"
        else:
            results[name] = "ok"
    return all(value == "ok" for value in results.values()), results


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answers the two probes before any other middleware runs (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/") or "/"
        if path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return _no_store(JsonResponse({"status": "ok"}))
        if path == READY_PATH and request.method in ("GET", "HEAD"):
            ready, checks = readiness()
            failed = [name for name, result in checks.items() if result != "ok"]
            body = {"status": "ok" if ready else "unavailable", "checks": checks}
            if failed:
                body["failed"] = failed
            return _no_store(JsonResponse(body, status=200 if ready else 503))
        return self.get_response(request)
