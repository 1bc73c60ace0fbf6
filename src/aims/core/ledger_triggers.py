"""Database triggers that make the ledger table append-only: UPDATE, DELETE (and TRUNCATE on PostgreSQL) are refused,
and so is an INSERT anywhere but right after the last event (with its hash as link): on SQLite that is what stops
`INSERT OR REPLACE`, which deletes the row it replaces without firing DELETE triggers.

The hash chain is what proves integrity; the triggers stop the application (or a careless script) from rewriting
history in the first place. On PostgreSQL the runtime role should not own the table (README, "Database roles"), so it
cannot drop or disable them; whoever can is still caught by `aims ledger verify` and the signed checkpoints.
"""

from __future__ import annotations

TABLE = "core_ledgerevent"
GENESIS = "0" * 64
APPEND_ONLY = "the ledger is append-only"



def _not_at_end(differs: str) -> str:
    """True when the new row is not the next event: `differs` is the null-safe inequality of the dialect."""
    return (f"NEW.id {differs} (SELECT COALESCE(MAX(id), 0) + 1 FROM {TABLE}) "
            f"OR NEW.prev_hash {differs} COALESCE((SELECT hash FROM {TABLE} ORDER BY id DESC LIMIT 1), '{GENESIS}') "
            f"OR EXISTS (SELECT 1 FROM {TABLE} WHERE hash = NEW.hash)")


SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS ledger_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: DELETE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_append_at_end BEFORE INSERT ON {TABLE} WHEN {_not_at_end('IS NOT')}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: an event may only be added after the last one'); END""",
]
SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS ledger_no_update", "DROP TRIGGER IF EXISTS ledger_no_delete",
                 "DROP TRIGGER IF EXISTS ledger_append_at_end"]

POSTGRES_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION aims_ledger_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '{APPEND_ONLY}: % refused', TG_OP; END; $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION aims_ledger_append_at_end() RETURNS trigger AS $$
       BEGIN
         IF {_not_at_end('IS DISTINCT FROM')} THEN
           RAISE EXCEPTION '{APPEND_ONLY}: an event may only be added after the last one';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS ledger_no_update_delete ON {TABLE}",
    f"""CREATE TRIGGER ledger_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION aims_ledger_append_only()""",
    f"DROP TRIGGER IF EXISTS ledger_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION aims_ledger_append_only()""",
    f"DROP TRIGGER IF EXISTS ledger_append_at_end ON {TABLE}",
    f"""CREATE TRIGGER ledger_append_at_end BEFORE INSERT ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION aims_ledger_append_at_end()""",
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS ledger_no_update_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS ledger_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS ledger_append_at_end ON {TABLE}",
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
