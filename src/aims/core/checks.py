"""`aims check --deploy`: the configuration mistakes that break a deployment, said in plain words.

Django's own deployment checks run too (HSTS, cookie flags...). Ours are errors, so the command exits 1 when one is
found: each says what goes wrong for the people using AIMS and which variable fixes it. "Several nodes" means
AIMS_NODES > 1 (how many machines run AIMS processes); "several processes" also counts the web workers of one node
(AIMS_WEB_WORKERS, 2 by default), which is why an in-memory cache is always wrong.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", ""}


def _nodes() -> int:
    return int(getattr(settings, "AIMS_NODES", 1) or 1)


def _web_workers() -> int:
    try:
        return int(os.environ.get("AIMS_WEB_WORKERS", "2"))
    except ValueError:
        return 2


@register(Tags.security, deploy=True)
def check_deployment(app_configs=None, **kwargs) -> list:
    problems: list = []
    nodes = _nodes()
    several_nodes = nodes > 1
    engine = settings.DATABASES["default"]["ENGINE"]
    site = urlsplit(settings.SITE_URL or "")

    if settings.DEBUG:
        problems.append(Error(
            "Debug mode is on (AIMS_DEBUG): error pages would show code, settings and data to anyone. "
            "Unset AIMS_DEBUG in production.", id="aims.E001"))
    if "*" in settings.ALLOWED_HOSTS:
        problems.append(Error(
            "AIMS_ALLOWED_HOSTS accepts any host name (*): links in password-reset e-mails could be made to point "
            "to another site. List the names people use to reach AIMS.", id="aims.E002"))
    if several_nodes and getattr(settings, "SECRET_KEY_GENERATED", False):
        problems.append(Error(
            f"AIMS_NODES is {nodes} but no shared secret key is set: each node would generate its own, so a "
            "person signed in on one node would be signed out by the next request reaching another. "
            "Give every node the same AIMS_SECRET_KEY (or AIMS_SECRET_KEY_FILE).", id="aims.E003"))
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in LOCAL_CACHES and (several_nodes or _web_workers() > 1):
        problems.append(Error(
            "The cache is kept in each process's memory while several processes serve AIMS: each counts failed "
            "logins on its own (the lockout never triggers) and a used two-factor code could be replayed on another "
            "process. Set REDIS_URL, or keep the default database cache.", id="aims.E004"))
    if several_nodes and engine.endswith("sqlite3"):
        problems.append(Error(
            f"AIMS_NODES is {nodes} but the database is SQLite, a file on one machine: the other nodes would each "
            "have a database of their own. Set DATABASE_URL to a PostgreSQL database every node reaches.",
            id="aims.E005"))
    if several_nodes and not settings.REDIS_URL:
        problems.append(Error(
            f"AIMS_NODES is {nodes} but the task queue is a SQLite file on each machine: reminders and e-mails queued "
            "by one node would never reach the workers of another. Set REDIS_URL on every node.", id="aims.E006"))
    if several_nodes and not settings.LEDGER_SIGNING_KEY:
        problems.append(Error(
            f"AIMS_NODES is {nodes} but no ledger signing key is set: each node would sign ledger checkpoints with a "
            "key of its own, and verification with one public key would fail. Give every node the same "
            "AIMS_LEDGER_SIGNING_KEY (or AIMS_LEDGER_SIGNING_KEY_FILE).", id="aims.E007"))
    if several_nodes and "FileSystemStorage" in settings.STORAGES["default"]["BACKEND"]:
        problems.append(Warning(
            f"AIMS_NODES is {nodes} but uploaded files are kept in {settings.MEDIA_ROOT} on each machine: a file "
            "uploaded through one node is missing on the others unless that directory is shared. Set AIMS_S3_BUCKET "
            "(S3-compatible storage).", id="aims.W008"))
    if site.scheme == "https":
        if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
            problems.append(Error(
                "AIMS is reached over HTTPS (AIMS_SITE_URL) but its cookies are not marked secure: a browser would "
                "also send the sign-in cookie over plain HTTP. Remove AIMS_SECURE_COOKIES=off (or set it on).",
                id="aims.E009"))
        origin = f"{site.scheme}://{site.netloc}"
        if settings.SECURE_PROXY_SSL_HEADER is None and origin not in settings.CSRF_TRUSTED_ORIGINS:
            problems.append(Error(
                "AIMS is reached over HTTPS (AIMS_SITE_URL) but does not trust the reverse proxy's X-Forwarded-Proto: "
                "behind a proxy that ends TLS, every form (sign-in included) would be refused as a cross-site "
                "request. Set AIMS_BEHIND_PROXY=on.", id="aims.E010"))
    elif settings.SECURE_PROXY_SSL_HEADER is not None:
        problems.append(Error(
            f"AIMS_BEHIND_PROXY is on (HTTPS ends at the proxy) but AIMS_SITE_URL is {settings.SITE_URL}: the "
            "sign-in cookie is not marked secure and links in e-mails use plain HTTP. Set AIMS_SITE_URL to the "
            "https:// address people use.", id="aims.E013"))
    if site.hostname in LOOPBACK_HOSTS or site.hostname is None:
        problems.append(Error(
            f"AIMS_SITE_URL is {settings.SITE_URL}: links in e-mails (reminders, approvals, password resets) would "
            "point to the recipient's own machine. Set it to the address people use, e.g. https://aims.example.org.",
            id="aims.E011"))
    if settings.SECURE_PROXY_SSL_HEADER is not None and not getattr(settings, "TRUSTED_PROXY_COUNT", 0):
        problems.append(Warning(
            "AIMS_BEHIND_PROXY is on but AIMS_TRUSTED_PROXY_COUNT is 0: the ledger and the sign-in history record the "
            "proxy's address for every person, and the limit of failed sign-ins per address counts them all "
            "together. Set AIMS_TRUSTED_PROXY_COUNT to the number of proxies in front of AIMS (usually 1).",
            id="aims.W014"))
    if settings.HUEY.get("immediate"):
        problems.append(Warning(
            "AIMS_TASKS_IMMEDIATE is on: background work (e-mails, webhooks) runs inside web requests, which then "
            "wait for it, and periodic reminders never run. Unset it and run `aims worker`.", id="aims.W012"))
    return problems
