"""A runtime role that cannot turn the ledger's guards off: on PostgreSQL it owns nothing, may read and append to the
ledger but not update, delete or truncate it, nor disable, drop or replace its triggers; `aims migrate` with
AIMS_MIGRATE_DATABASE_URL migrates as the owner and grants the runtime role exactly that.

The PostgreSQL tests need a second login role, named with its password in AIMS_TEST_RUNTIME_ROLE ("user:password");
.ci/run creates it for CI's PostgreSQL pass.
"""

import os
import subprocess
import sys

import pytest
from django.db import connection

from aims.core import db_roles, ledger_chain

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                     reason="database roles are PostgreSQL's; SQLite has none")


def _params(**override) -> dict:
    settings = connection.settings_dict
    params = {"dbname": settings["NAME"], "user": settings["USER"], "password": settings["PASSWORD"],
              "host": settings["HOST"], "port": settings["PORT"] or 5432}
    params.update(override)
    return params


def _url(user, password) -> str:
    p = _params()
    return f"postgres://{user}:{password}@{p['host']}:{p['port']}/{p['dbname']}"


@pytest.fixture
def runtime_role():
    value = os.environ.get("AIMS_TEST_RUNTIME_ROLE", "")
    if ":" not in value:
        if os.environ.get("CI"):
            pytest.fail("AIMS_TEST_RUNTIME_ROLE is not set, although .ci/run creates the role for CI")
        pytest.skip("set AIMS_TEST_RUNTIME_ROLE=user:password of a second login role to run this test (see .ci/run)")
    return tuple(value.split(":", 1))


def _aims(*args, env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AIMS_"))}
    return subprocess.run([sys.executable, "-m", "aims.cli", *args], env={**clean, **env}, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def runtime_connection(runtime_role, tmp_path):
    """The runtime role's own connection, after `aims migrate` ran as the owner with both URLs set."""
    import psycopg

    user, password = runtime_role
    migrated = _aims("migrate", "--no-input", env={
        "AIMS_DATA_DIR": str(tmp_path), "DATABASE_URL": _url(user, password),
        "AIMS_MIGRATE_DATABASE_URL": _url(connection.settings_dict["USER"], connection.settings_dict["PASSWORD"])})
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    with psycopg.connect(**_params(user=user, password=password)) as runtime:
        yield runtime


def _refused(conn, sql, params=()):
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(sql, params)
    conn.rollback()


@postgresql_only
def test_migrate_grants_the_runtime_role_only_insert_and_select_on_the_ledger(runtime_connection, runtime_role):
    user = runtime_role[0]
    with connection.cursor() as cursor:
        def may(table, privilege):
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [user, table, privilege])
            return cursor.fetchone()[0]

        assert may("core_ledgerevent", "SELECT") and may("core_ledgerevent", "INSERT")
        for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"):
            assert not may("core_ledgerevent", privilege), privilege
        assert all(may("core_orgunit", p) for p in ("SELECT", "INSERT", "UPDATE", "DELETE"))
        assert not may("core_orgunit", "TRUNCATE")
        assert may("django_migrations", "SELECT") and not may("django_migrations", "INSERT")
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'core_ledgerevent'")
        assert cursor.fetchone()[0] == connection.settings_dict["USER"] != user


@postgresql_only
def test_the_runtime_role_appends_but_cannot_turn_the_guards_off(runtime_connection):
    conn = runtime_connection
    digest = ledger_chain.hash_v2(ledger_chain.GENESIS, 1, "2025-01-02 03:04:05.000000", None, "job:test", "x", "y",
                                  "1", "label", "{}", "{}", "", "")
    conn.execute("INSERT INTO core_ledgerevent (id, created_at, actor_id, actor_label, action, object_type, object_id,"
                 " object_label, before, after, reason, request_id, prev_hash, hash, recipe) VALUES (1, "
                 "'2025-01-02 03:04:05+00', NULL, 'job:test', 'x', 'y', '1', 'label', '{}', '{}', '', '', %s, %s, 2)",
                 [ledger_chain.GENESIS, digest])
    assert conn.execute("SELECT count(*) FROM core_ledgerevent").fetchone()[0] == 1
    conn.rollback()  # leave the shared test database as it was
    _refused(conn, "UPDATE core_ledgerevent SET reason = 'rewritten'")
    _refused(conn, "DELETE FROM core_ledgerevent")
    _refused(conn, "TRUNCATE core_ledgerevent")
    _refused(conn, "ALTER TABLE core_ledgerevent DISABLE TRIGGER ALL")
    _refused(conn, "DROP TRIGGER ledger_no_update_delete ON core_ledgerevent")
    _refused(conn, "CREATE OR REPLACE FUNCTION aims_ledger_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END;"
                   " $$ LANGUAGE plpgsql")
    _refused(conn, "ALTER TABLE core_ledgerevent ADD COLUMN note text")
    conn.execute("UPDATE core_orgunit SET name = name WHERE id = -1")  # ordinary tables stay writable


def test_aims_migrate_alone_uses_the_migration_url(tmp_path):
    """The settings pick AIMS_MIGRATE_DATABASE_URL only for `aims migrate` (which sets AIMS_DATABASE_ROLE)."""
    probe = ("from django.conf import settings; import django; django.setup(); "
             "print(settings.DATABASES['default']['USER'], settings.RUNTIME_DATABASE_USER)")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AIMS_"))},
           "AIMS_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "aims.settings",
           "DATABASE_URL": "postgres://app:x@db/aims", "AIMS_MIGRATE_DATABASE_URL": "postgres://owner:y@db/aims"}
    runtime = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    migrating = subprocess.run([sys.executable, "-c", probe], env={**env, "AIMS_DATABASE_ROLE": "migrate"},
                               capture_output=True, text=True, timeout=60)
    assert runtime.stdout.split() == ["app", "None"], runtime.stderr
    assert migrating.stdout.split() == ["owner", "app"], migrating.stderr
    assert "UPDATE, DELETE ON" in " ".join(db_roles.runtime_grants("public", "app", connection.ops.quote_name))
