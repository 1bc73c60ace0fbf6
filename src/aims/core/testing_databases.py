"""Migrated databases to start from, for the test suite, the benchmarks and the test servers and clusters.

Migrating an empty database costs 45-60 CPU-seconds: Django re-renders the states of the related models after each
operation (16,558 model renders for the product's migrations). A CI run needs about a dozen fresh databases (each test
worker's, each benchmark smoke run's, each demo server's and scale-out cluster's), so it would spend minutes there.
They start instead from a copy of one database that `aims migrate` migrated once, in its own process, from nothing:
- on SQLite, a file in the temporary directory;
- on PostgreSQL, a template database beside the others (`CREATE DATABASE ... TEMPLATE`).
A template is named after the content of the migration files, so a change to the migrations builds a new one. Its
users still run `migrate` on their copy: that applies nothing, and the post-migrate steps (the runtime role's grants)
run as on any start. A lock makes a process that needs the template while another builds it wait for it rather than
build it too. Templates of other migrations are removed once nobody can be using them (a day old on SQLite, not
connected to on PostgreSQL), since two checkouts may run their tests side by side.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from functools import cache
from pathlib import Path

TEMPLATE_PREFIX = "aims_template_"
FOLDER = Path(tempfile.gettempdir()) / "aims-migrated-databases"
STALE_AFTER_SECONDS = 24 * 3600


# The packages whose installed apps have migrations. Read from the files, not from Django's app registry, so that a
# process may ask for a template before it sets Django up (benchmarks/load.py starts its cluster first). An app with
# migrations from another package would only make a copy lack them, and the `migrate` run on every copy applies them.
MIGRATING_PACKAGES = ("django", "allauth", "aims")


@cache
def migrations_key() -> str:
    """A digest of the migration files (names and content) of MIGRATING_PACKAGES, and of their versions."""
    import importlib

    digest = hashlib.sha256()
    for name in MIGRATING_PACKAGES:
        package = importlib.import_module(name)
        root = Path(package.__file__).parent
        digest.update(f"{name} {getattr(package, '__version__', '')}".encode())
        for path in sorted(root.rglob("migrations/*.py")):
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _migrate_from_nothing(**environment: str) -> None:
    """`aims migrate` in a process of its own, on the database `environment` names (DATABASE_URL, else SQLite in
    AIMS_DATA_DIR), with nothing of this process's database settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AIMS_"))}
    env.update(environment, DJANGO_SETTINGS_MODULE="aims.settings")
    done = subprocess.run([sys.executable, "-c", "from aims.cli import main; main()", "migrate", "--verbosity", "0"],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"aims migrate failed while building the migrated template:\n{done.stdout}\n{done.stderr}")


@contextmanager
def _file_lock(name: str):
    FOLDER.mkdir(exist_ok=True)
    with open(FOLDER / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def sqlite_template() -> Path:
    """The migrated SQLite file, built on first use (and the templates of other migrations removed)."""
    template = FOLDER / f"{migrations_key()}.sqlite3"
    with _file_lock(template.stem):
        if template.exists():
            return template
        for stale in FOLDER.glob("*.sqlite3"):
            if time.time() - stale.stat().st_mtime > STALE_AFTER_SECONDS:
                stale.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory() as data_dir:
            _migrate_from_nothing(AIMS_DATA_DIR=data_dir)
            partial = template.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            database = sqlite3.connect(Path(data_dir) / "aims.sqlite3")
            try:
                database.execute("VACUUM INTO ?", (str(partial),))  # a whole copy, whatever the write-ahead log holds
            finally:
                database.close()
            partial.replace(template)
    return template


def copy_sqlite_template(target: Path) -> None:
    """`target` becomes a migrated SQLite database (replacing any file there)."""
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template(), target)


def database_url(server_url: str, name: str) -> str:
    """`server_url` (postgres://user:password@host:port/any) naming the database `name` instead."""
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


def postgres_template(server_url: str) -> str:
    """The name of the migrated template database on the server of `server_url`, whose user must be allowed to create
    databases; built on first use. An advisory lock keeps two builders apart, even from two machines: taken in the
    server's `postgres` database, because advisory locks are per database and callers name different ones."""
    import psycopg
    from psycopg import sql

    name = f"{TEMPLATE_PREFIX}{migrations_key()}"
    partial = f"{name}_partial"
    with psycopg.connect(database_url(server_url, "postgres"), autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(hashtext(%s))", [TEMPLATE_PREFIX])
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return name
        _drop(connection, partial)  # a build that was interrupted
        stale = connection.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                   [f"{TEMPLATE_PREFIX}%"]).fetchall()
        for (old,) in stale:  # other migrations' templates, unless in use (being copied)
            try:
                connection.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(old)))
            except psycopg.errors.ObjectInUse:
                pass
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(partial)))
        _migrate_from_nothing(DATABASE_URL=database_url(server_url, partial))
        connection.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(partial),
                                                                           sql.Identifier(name)))
    return name  # closing the connection releases the lock


def _drop(connection, name: str) -> None:
    from psycopg import sql

    connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create_postgres_database(server_url: str, name: str) -> str:
    """A migrated database `name` (replacing any), copied from the template; returns its URL."""
    import psycopg
    from psycopg import sql

    template = postgres_template(server_url)
    with psycopg.connect(server_url, autocommit=True) as connection:
        _drop(connection, name)
        connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                           sql.Identifier(template)))
    return database_url(server_url, name)
