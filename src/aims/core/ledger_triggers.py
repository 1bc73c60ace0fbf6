"""Database triggers that make the ledger table append-only (UPDATE and DELETE are refused by the database itself).

The hash chain is what proves integrity; the triggers stop the application (or a careless script) from rewriting
history in the first place. Someone with rights to drop triggers can still tamper, and `aims ledger verify` catches it.
"""

from __future__ import annotations

TABLE = "core_ledgerevent"

SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS ledger_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: DELETE refused'); END""",
]
SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS ledger_no_update", "DROP TRIGGER IF EXISTS ledger_no_delete"]

POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION aims_ledger_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the ledger is append-only: % refused', TG_OP; END; $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS ledger_no_update_delete ON {TABLE}",
    f"""CREATE TRIGGER ledger_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION aims_ledger_append_only()""",
    f"DROP TRIGGER IF EXISTS ledger_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION aims_ledger_append_only()""",
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS ledger_no_update_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS ledger_no_truncate ON {TABLE}",
]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_REMOVE
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    raise NotImplementedError(f"no ledger triggers for {vendor}")


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True):
            cursor.execute(sql)


def remove(connection) -> None:
    """Only for tests that must empty the database between runs, and for tamper drills."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, False):
            cursor.execute(sql)
