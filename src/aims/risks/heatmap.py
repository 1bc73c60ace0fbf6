"""Heatmaps: how many risks sit in each (likelihood, impact) cell, inherent and residual.

A reader scoped to units, or a map of one system, counts its risks in one GROUP BY query. The organisation-wide map
of a reader who sees every risk would count every open risk, a cost that grows with the register (3 ms at 10,000
risks, 38 ms at 200,000: issue 10). Its counts are kept instead, in a table of risks per method version, closed or
not, and score combination (`COUNTS`, at most a few hundred rows), by triggers on the risks table, so that every
write (services, bulk imports, `QuerySet.update`, deletions, a flush) keeps it right, as the text index's triggers
do. The same table gives the register's unfiltered total (`kept_total`). A score not given yet is stored as 0, since
scales start at 1 and a key column cannot be NULL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count

from aims.core.permissions import VIEW, can_everywhere

from .models import Risk, RiskMethod
from .services._common import active_method

COUNTS = "risks_risk_count"
RISKS = "risks_risk"
CLOSED = "closed"  # Risk.Status.CLOSED when the triggers were written
SCORES = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")
KEY = ("method_id", "closed", *SCORES)


@dataclass
class Heatmap:
    method: RiskMethod | None
    inherent: Counter = field(default_factory=Counter)  # (likelihood, impact) -> count
    residual: Counter = field(default_factory=Counter)
    unscored: int = 0  # risks not yet given an inherent score
    total: int = 0

    def grid(self, kind: str = "inherent") -> list[list[dict]]:
        """Rows from the highest likelihood down, each cell {likelihood, impact, count, level} for rendering."""
        if self.method is None:
            return []
        definition = self.method.definition
        counts = self.inherent if kind == "inherent" else self.residual
        return [
            [{"likelihood": lk, "impact": im, "count": counts.get((lk, im), 0), "level": definition.level_of(lk, im)}
             for im in range(1, definition.impact_count + 1)]
            for lk in range(definition.likelihood_count, 0, -1)
        ]


def heatmap(user, *, system=None, method: RiskMethod | None = None) -> Heatmap:
    """Counts over the open risks `user` may see, scored with `method` (default: the active one), optionally for
    one system. Cells only mean something within one method version, so risks of other versions are left out."""
    method = method or active_method()
    result = Heatmap(method=method)
    if method is None:
        return result
    rows = kept_counts(method) if system is None and can_everywhere(user, VIEW, "risks") else counted(
        user, method, system)
    for inherent_l, inherent_i, residual_l, residual_i, n in rows:
        result.total += n
        if inherent_l is None:
            result.unscored += n
            continue
        result.inherent[(inherent_l, inherent_i)] += n
        # A risk without a residual score still sits somewhere: where its inherent score put it.
        result.residual[(residual_l, residual_i) if residual_l is not None else (inherent_l, inherent_i)] += n
    return result


def counted(user, method: RiskMethod, system=None) -> list[tuple]:
    """(inherent L, I, residual L, I, risks) over the open risks of `method` that `user` may see, counted now."""
    risks = Risk.objects.restrict(user, VIEW).filter(method=method).exclude(status=Risk.Status.CLOSED)
    if system is not None:
        risks = risks.filter(systems=system)
    return list(risks.order_by().values_list(*SCORES).annotate(n=Count("*")))


def kept_counts(method: RiskMethod) -> list[tuple]:
    """The same rows over every open risk of `method`, read from the counts the triggers keep."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(SCORES)}, risks FROM {COUNTS} WHERE method_id = %s AND closed = 0 "
                       "AND risks > 0", [method.pk])
        return [(*(score or None for score in row[:4]), row[4]) for row in cursor.fetchall()]


def kept_total() -> int:
    """How many risks the register holds, closed ones included, from the kept counts: 2.6 ms of counting at 200,000
    risks, against a few rows summed."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(risks), 0) FROM {COUNTS}")
        return cursor.fetchone()[0]


# --- The kept counts: table and triggers (migration risks/0012) -----------------------------------------------------

def _key_values(row: str) -> list[str]:
    return [f"{row}.method_id", f"CASE WHEN {row}.status = '{CLOSED}' THEN 1 ELSE 0 END",
            *(f"COALESCE({row}.{score}, 0)" for score in SCORES)]


def _key_of(row: str) -> str:
    return ", ".join(_key_values(row))


_ADD_NEW = (f"INSERT INTO {COUNTS} ({', '.join(KEY)}, risks) VALUES ({_key_of('NEW')}, 1) "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET risks = {COUNTS}.risks + 1")
_REMOVE_OLD = (f"UPDATE {COUNTS} SET risks = risks - 1 WHERE "
               + " AND ".join(f"{column} = {value}" for column, value in zip(KEY, _key_values("OLD"))))

CREATE_TABLE = (f"CREATE TABLE {COUNTS} ({', '.join(f'{column} integer NOT NULL' for column in KEY)}, "
                f"risks integer NOT NULL, PRIMARY KEY ({', '.join(KEY)}))")
FILL = (f"INSERT INTO {COUNTS} ({', '.join(KEY)}, risks) SELECT {_key_of(RISKS)}, COUNT(*) FROM {RISKS} "
        f"GROUP BY {', '.join(str(i) for i in range(1, len(KEY) + 1))}")

# Whether a change moves the risk to another row of the counts: most edits do not.
_MOVES = " OR ".join([f"(OLD.status = '{CLOSED}') IS NOT (NEW.status = '{CLOSED}')",
                      *(f"OLD.{column} IS NOT NEW.{column}" for column in ("method_id", *SCORES))])

SQLITE_INSTALL = [
    CREATE_TABLE,
    f"CREATE TRIGGER {COUNTS}_insert AFTER INSERT ON {RISKS} BEGIN {_ADD_NEW}; END",
    f"CREATE TRIGGER {COUNTS}_delete AFTER DELETE ON {RISKS} BEGIN {_REMOVE_OLD}; END",
    f"CREATE TRIGGER {COUNTS}_update AFTER UPDATE OF status, method_id, {', '.join(SCORES)} ON {RISKS} "
    f"WHEN {_MOVES} BEGIN {_REMOVE_OLD}; {_ADD_NEW}; END",
    FILL,
]
SQLITE_REMOVE = [*(f"DROP TRIGGER IF EXISTS {COUNTS}_{event}" for event in ("insert", "delete", "update")),
                 f"DROP TABLE IF EXISTS {COUNTS}"]

POSTGRES_INSTALL = [
    CREATE_TABLE,
    # Two transactions moving risks between the same two rows, in opposite directions, would each lock one row and
    # wait for the other's: the two rows are always changed in key order.
    f"""CREATE OR REPLACE FUNCTION {COUNTS}_keep() RETURNS trigger AS $$
        DECLARE old_key integer[]; new_key integer[];
        BEGIN
          IF TG_OP = 'TRUNCATE' THEN DELETE FROM {COUNTS}; RETURN NULL; END IF;
          IF TG_OP <> 'INSERT' THEN old_key := ARRAY[{_key_of('OLD')}]; END IF;
          IF TG_OP <> 'DELETE' THEN new_key := ARRAY[{_key_of('NEW')}]; END IF;
          IF old_key IS NOT DISTINCT FROM new_key THEN RETURN NULL; END IF;
          IF old_key IS NOT NULL AND (new_key IS NULL OR old_key < new_key) THEN
            {_REMOVE_OLD};
            old_key := NULL;
          END IF;
          IF new_key IS NOT NULL THEN {_ADD_NEW}; END IF;
          IF old_key IS NOT NULL THEN {_REMOVE_OLD}; END IF;
          RETURN NULL;
        END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {COUNTS}_keep AFTER INSERT OR DELETE OR UPDATE ON {RISKS}
        FOR EACH ROW EXECUTE FUNCTION {COUNTS}_keep()""",
    # Django's flush (and an operator's TRUNCATE) empties the risks without firing row triggers.
    f"""CREATE TRIGGER {COUNTS}_truncate AFTER TRUNCATE ON {RISKS}
        FOR EACH STATEMENT EXECUTE FUNCTION {COUNTS}_keep()""",
    FILL,
]
POSTGRES_REMOVE = [f"DROP TRIGGER IF EXISTS {COUNTS}_keep ON {RISKS}",
                   f"DROP TRIGGER IF EXISTS {COUNTS}_truncate ON {RISKS}",
                   f"DROP FUNCTION IF EXISTS {COUNTS}_keep()", f"DROP TABLE IF EXISTS {COUNTS}"]


def install_counts(schema_editor) -> None:
    for statement in POSTGRES_INSTALL if schema_editor.connection.vendor == "postgresql" else SQLITE_INSTALL:
        schema_editor.execute(statement)


def remove_counts(schema_editor) -> None:
    for statement in POSTGRES_REMOVE if schema_editor.connection.vendor == "postgresql" else SQLITE_REMOVE:
        schema_editor.execute(statement)
