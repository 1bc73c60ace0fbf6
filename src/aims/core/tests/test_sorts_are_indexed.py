"""Every sort a list offers is served by a database index, so a list page stays flat as its table grows (issue 10:
without one, the portfolio's default sort went from 87 to 271 ms p95 between 1,000 and 20,000 systems).

The sorts are found, not listed: every `SORTS` (or `*_SORTS`) dictionary of the product's modules and every API
filter class naming its `SORTS`, so a new module's lists are held to the rule the day they appear. For each sort key:
  - its leading fields on the list's own table (`("status", "reference")`) are the leading columns of an index;
  - a leading field of a related table (`("owner__last_name", "owner__first_name", "name")`) has the foreign key
    indexed on this table, followed by the sort's own fields (`(owner, name)`), and an index on the related table
    leading with the related fields (`(last_name, first_name)`);
  - a rank (aims.core.ordering.Rank) is the first expression of an index in the model's Meta.indexes, followed by
    the sort's next fields, and that index exists in the database.
The database's own indexes are read (introspection), so an index declared but never migrated fails too.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import F, ForeignObjectRel

import aims
from aims.core.api_utils import ListParams
from aims.core.ordering import Rank

pytestmark = pytest.mark.django_db

# Sorts whose model cannot be told from their field names alone (several models of the app have them all): the
# models each serves. A new ambiguous declaration fails below until it is named here.
MODELS_OF = {
    "aims.core.api.NOTE_SORTS": ["core.JournalNote"],
    "aims.core.api.NOTIFICATION_SORTS": ["core.Notification"],
    "aims.core.api.LEDGER_SORTS": ["core.LedgerEvent"],
    "aims.core.api_people.GROUP_SORTS": ["core.PeopleGroup"],
    "aims.inventory.api_components.COMPONENT_SORTS": ["inventory.Component"],
    "aims.risks.api_methods.IMPACT_SORTS": ["risks.ImpactAssessment"],
    "aims.monitoring.api.CreatedFilters": ["monitoring.ChangeSuggestion", "monitoring.ClosureReview"],
    "aims.monitoring.api_drift.RunFilters": ["monitoring.DriftRun"],
}
# Lists whose sort is not a database column, with the reason.
NOT_A_TABLE = {
    "aims.core.api.ApprovalFilters": "the inbox merges what each registered approval kind waits for, in Python; "
                                     "each kind's own query is bounded by the approver's open requests",
}


def _product_modules():
    import aims.urls  # noqa: F401  (every app's views and API)

    for info in pkgutil.walk_packages(aims.__path__, "aims."):
        if ".tests" in info.name or ".migrations" in info.name or info.name.endswith((".settings", ".wsgi")):
            continue
        if info.name in sys.modules:
            yield sys.modules[info.name]
        elif not info.ispkg and info.name.rsplit(".", 1)[-1].startswith(("views", "api", "portfolio", "register")):
            yield importlib.import_module(info.name)


def declarations() -> dict[str, dict]:
    """{label: SORTS}: one entry per dictionary, named after a module-level SORTS when there is one (the page and
    the API share it), else after the API filter class."""
    found: dict[int, tuple[str, dict]] = {}
    for module in sorted(_product_modules(), key=lambda m: m.__name__):
        for attr, value in vars(module).items():
            if isinstance(value, dict) and (attr == "SORTS" or attr.endswith("_SORTS")) and value:
                label = f"{module.__name__}.{attr}"
                if id(value) not in found or not found[id(value)][0].endswith(("_SORTS", ".SORTS")):
                    found[id(value)] = (label, value)
            elif (isinstance(value, type) and issubclass(value, ListParams) and value.SORTS
                  and value.__module__ == module.__name__):
                found.setdefault(id(value.SORTS), (f"{module.__name__}.{attr}", value.SORTS))
    return {label: sorts for label, sorts in found.values()}


def _path(item) -> str | None:
    if isinstance(item, str):
        return item.lstrip("-")
    if isinstance(item, F):
        return item.name
    if isinstance(item, Rank):
        return item.field_name
    return None


def _resolves(model, path: str) -> bool:
    for part in path.split("__"):
        if part == "pk":
            return True
        try:
            field = model._meta.get_field(part)
        except Exception:  # noqa: BLE001 (FieldDoesNotExist: not this model)
            return False
        if isinstance(field, ForeignObjectRel):
            return False
        if field.is_relation:
            model = field.related_model
    return True


def models_for(label: str, sorts: dict) -> list:
    if label in MODELS_OF:
        return [apps.get_model(name) for name in MODELS_OF[label]]
    app = apps.get_app_config(label.split(".")[1])
    paths = [_path(item) for ordering in sorts.values() for item in ordering]
    if None in paths:
        return []
    return [model for model in app.get_models() if all(_resolves(model, path) for path in paths)]


def _index_columns(model) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [[c for c in info["columns"] if c] for info in constraints.values()
            if info.get("index") or info.get("unique") or info.get("primary_key")]


def _index_names(model) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, model._meta.db_table))


def _column(model, name: str) -> str:
    return model._meta.pk.column if name == "pk" else model._meta.get_field(name).column


def _leads(model, columns: list[str]) -> bool:
    return any(index[:len(columns)] == columns for index in _index_columns(model))


def problems_of(model, key: str, ordering: tuple) -> list[str]:
    """What is missing for `ordering` (a SORTS value) on `model`: an empty list when indexes serve it."""
    where = f"{model._meta.label} sort {key!r} {ordering}"
    first = ordering[0]
    if isinstance(first, Rank):
        following = [_column(model, _path(item)) for item in ordering[1:]
                     if _path(item) and "__" not in _path(item)]
        for index in model._meta.indexes:
            if index.expressions and index.expressions[0] == first and [
                    model._meta.get_field(e.name).column for e in index.expressions[1:1 + len(following)]
                    if isinstance(e, F)] == following:
                return [] if index.name in _index_names(model) else [f"{where}: index {index.name} not migrated"]
        return [f"{where}: no index on ({first.field_name} rank, {', '.join(following)}) in Meta.indexes"]
    paths = [_path(item) for item in ordering]
    while len(paths) > 1 and paths[-1] in ("pk", "id"):
        paths.pop()  # a tie-breaker on the primary key: every index ends with it (SQLite) or it is unique anyway
    if "__" not in paths[0]:
        columns = []
        for path in paths:
            if "__" in path:
                break
            columns.append(_column(model, path))
        return [] if _leads(model, columns) else [f"{where}: no index leading with {columns}"]
    relation, _, _ = paths[0].partition("__")
    field = model._meta.get_field(relation)
    related = [p.partition("__")[2] for p in paths if p.startswith(relation + "__")]
    local = [_column(model, p) for p in paths[len(related):] if "__" not in p and _column(model, p) != field.column]
    out = []
    if not _leads(model, [field.column, *local]):
        out.append(f"{where}: no index leading with {[field.column, *local]}")
    target = field.related_model
    if not all("__" not in p for p in related):
        out.append(f"{where}: sorts across two relations")
    elif not _leads(target, [_column(target, p) for p in related]):
        out.append(f"{where}: no index on {target._meta.label} leading with {related}")
    return out


def test_sort_declarations_are_found():
    found = declarations()
    # The lists issue 10 names: the portfolio, components, dependencies, risks, impact assessments, monitoring.
    assert {"aims.inventory.portfolio.SORTS", "aims.risks.register.RISK_SORTS",
            "aims.inventory.api_components.COMPONENT_SORTS", "aims.inventory.api_components.DEPENDENCY_SORTS",
            "aims.risks.api_methods.IMPACT_SORTS", "aims.monitoring.api.KPI_SORTS"} <= set(found)


def test_every_offered_sort_is_served_by_an_index():
    missing, unknown = [], []
    for label, sorts in declarations().items():
        if label in NOT_A_TABLE:
            continue
        models = models_for(label, sorts)
        if len(models) != 1 and label not in MODELS_OF:
            unknown.append(f"{label}: {[m._meta.label for m in models] or 'no model'} (name it in MODELS_OF)")
            continue
        for model in models:
            for key, ordering in sorts.items():
                missing += problems_of(model, key, ordering)
    assert not unknown, "\n".join(unknown)
    assert not missing, "sorts without an index (add one in Meta.indexes and a migration):\n" + "\n".join(missing)


def test_the_rule_sees_a_missing_index():
    from aims.inventory.models import AISystem

    assert problems_of(AISystem, "purpose", ("purpose",))
    assert problems_of(AISystem, "unit_code", ("unit__code", "purpose"))
    assert problems_of(AISystem, "rank", (Rank("stage", ["idea"]), "name"))
    assert not problems_of(AISystem, "id", ("pk",))
