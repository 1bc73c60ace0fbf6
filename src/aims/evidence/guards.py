"""Database triggers that protect evidence even from code or people who bypass the services:

- an item under legal hold or before its `retain_until` date cannot be deleted, nor can its versions;
- `retain_until` can only move later;
- a version's content columns (which item, number, hash, size, file, address, who uploaded it and when) never change;
  only its approval may be recorded afterwards.

Someone with rights to drop triggers can still delete rows; `aims evidence verify` and the ledger then show it.
The database's own date is used (UTC): a retention ending today may be enforced until the end of the UTC day.
"""

from __future__ import annotations

ITEM, VERSION = "evidence_evidenceitem", "evidence_evidenceversion"
CONTENT_COLUMNS = ("item_id", "number", "sha256", "size", "content_type", "filename", "storage_name", "url",
                   "uploaded_by_id", "uploaded_at")
RETAINED = "evidence under retention or legal hold: DELETE refused"
IMMUTABLE = "evidence versions are immutable: UPDATE of their content refused"
ONLY_LATER = "evidence retention can only be extended"

SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS evidence_item_retained BEFORE DELETE ON {ITEM}
        WHEN OLD.legal_hold OR OLD.retain_until > date('now')
        BEGIN SELECT RAISE(ABORT, '{RETAINED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS evidence_item_retention_only_extends BEFORE UPDATE OF retain_until ON {ITEM}
        WHEN NEW.retain_until < OLD.retain_until
        BEGIN SELECT RAISE(ABORT, '{ONLY_LATER}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS evidence_version_retained BEFORE DELETE ON {VERSION}
        WHEN EXISTS (SELECT 1 FROM {ITEM} i WHERE i.id = OLD.item_id AND (i.legal_hold OR i.retain_until > date('now')))
        BEGIN SELECT RAISE(ABORT, '{RETAINED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS evidence_version_immutable BEFORE UPDATE ON {VERSION}
        WHEN {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in CONTENT_COLUMNS)}
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {name}" for name in (
    "evidence_item_retained", "evidence_item_retention_only_extends", "evidence_version_retained",
    "evidence_version_immutable")]

POSTGRES_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION aims_evidence_item_guard() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            IF OLD.legal_hold OR OLD.retain_until > CURRENT_DATE THEN RAISE EXCEPTION '{RETAINED}'; END IF;
            RETURN OLD;
          END IF;
          IF NEW.retain_until < OLD.retain_until THEN RAISE EXCEPTION '{ONLY_LATER}'; END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS evidence_item_guard ON {ITEM}",
    f"""CREATE TRIGGER evidence_item_guard BEFORE UPDATE OR DELETE ON {ITEM}
        FOR EACH ROW EXECUTE FUNCTION aims_evidence_item_guard()""",
    f"""CREATE OR REPLACE FUNCTION aims_evidence_version_guard() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            IF EXISTS (SELECT 1 FROM {ITEM} i WHERE i.id = OLD.item_id
                       AND (i.legal_hold OR i.retain_until > CURRENT_DATE)) THEN
              RAISE EXCEPTION '{RETAINED}';
            END IF;
            RETURN OLD;
          END IF;
          IF {" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CONTENT_COLUMNS)} THEN
            RAISE EXCEPTION '{IMMUTABLE}';
          END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS evidence_version_guard ON {VERSION}",
    f"""CREATE TRIGGER evidence_version_guard BEFORE UPDATE OR DELETE ON {VERSION}
        FOR EACH ROW EXECUTE FUNCTION aims_evidence_version_guard()""",
]
POSTGRES_REMOVE = [f"DROP TRIGGER IF EXISTS evidence_item_guard ON {ITEM}",
                   f"DROP TRIGGER IF EXISTS evidence_version_guard ON {VERSION}"]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_REMOVE
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    raise NotImplementedError(f"no evidence triggers for {vendor}")


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True):
            cursor.execute(sql)


def remove(connection) -> None:
    """Only for tests that must empty the database between runs."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, False):
            cursor.execute(sql)
