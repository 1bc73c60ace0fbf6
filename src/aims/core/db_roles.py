"""Two PostgreSQL roles for production: a migration role that owns the schema (tables, triggers, functions) and a
runtime role that only reads and writes rows, with INSERT and SELECT alone on the ledger.

The owner of a table can disable its triggers (`ALTER TABLE ... DISABLE TRIGGER`) or replace the function they call;
a role that owns nothing cannot. `aims migrate` connects with AIMS_MIGRATE_DATABASE_URL when it is set (the command
line selects it, see aims.cli and settings) and, after every migration run, grants the runtime role (the user of
DATABASE_URL) what it needs on every table, sequence and the schema, nothing more.
"""

from __future__ import annotations

from aims.core.ledger_chain import TABLE as LEDGER_TABLE

# Tables the runtime role may only append to and read.
APPEND_ONLY_TABLES = (LEDGER_TABLE,)
# Tables only migrations write.
READ_ONLY_TABLES = ("django_migrations",)


def runtime_grants(schema: str, runtime_role: str, quote) -> list[str]:
    """The statements that give `runtime_role` its privileges, from nothing (revoked first, so a rerun is exact)."""
    role, schema_name = quote(runtime_role), quote(schema)
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema_name} FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema_name} FROM {role}",
        f"GRANT USAGE ON SCHEMA {schema_name} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_name} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_name} TO {role}",
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(f"REVOKE UPDATE, DELETE ON {schema_name}.{quote(table)} FROM {role}")
    for table in READ_ONLY_TABLES:
        statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {schema_name}.{quote(table)} FROM {role}")
    return statements


def grant_runtime_role(connection, runtime_role: str) -> list[str]:
    """Run runtime_grants on `connection` (the schema owner's) for its current schema; returns the statements."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema(), current_user")
        schema, current = cursor.fetchone()
        if runtime_role == current:
            return []
        statements = runtime_grants(schema, runtime_role, connection.ops.quote_name)
        for sql in statements:
            cursor.execute(sql)
    return statements


def after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate (connected for the core app only, so once per migrate run): when migrating as the migration role,
    grant the runtime role."""
    from django.conf import settings
    from django.db import connections

    runtime_role = getattr(settings, "RUNTIME_DATABASE_USER", None)
    if runtime_role and connections[using].vendor == "postgresql":
        grant_runtime_role(connections[using], runtime_role)
