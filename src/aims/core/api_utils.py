"""Building blocks every API module reuses: strict input schemas, list parameters, and one list helper that
filters, sorts (against an allow-list) and paginates with a total count.

A list endpoint looks like:

    class UnitFilters(ListParams):
        parent: int | None = None

    @router.get("/org-units", response=page_of(OrgUnitRead))
    def list_units(request, filters: Query[UnitFilters]):
        units = OrgUnit.objects.restrict(request.user, "view")
        units = search(units, filters.q, ["name", "code"])
        return paginate(units, filters, sorts=UNIT_SORTS, default="name")
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator

from .api_pages import Page
from .paging import rows_between

MAX_LIMIT = getattr(settings, "NINJA_PAGINATION_MAX_LIMIT", 500)
DEFAULT_LIMIT = getattr(settings, "NINJA_PAGINATION_PER_PAGE", 50)


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _refuse_nul(value):
    # PostgreSQL cannot store NUL in text, and it never belongs in a name or a note: refuse it with a field error
    # instead of letting the database fail with a 500. Likewise integers beyond the 64 bits both databases store (an
    # id of 99999999999999999999 is no id): the schema documents the range (api_schema.py).
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(_("Text may not contain NUL characters."))
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(_("This number is out of range."))
    if isinstance(value, list):
        for item in value:
            _refuse_nul(item)
    return value


def _without_null(schema: dict, model: type) -> None:
    """json_schema_extra of every input schema: the fields named in NOT_NULL are documented without null."""
    for name in getattr(model, "NOT_NULL", ()):
        field = schema.get("properties", {}).get(name)
        if field is None or "anyOf" not in field:
            continue
        kept = [option for option in field["anyOf"] if option.get("type") != "null"]
        if len(kept) == 1:
            del field["anyOf"]
            field.update(kept[0])
        else:
            field["anyOf"] = kept
        if field.get("default", 0) is None:
            del field["default"]


class InputSchema(Schema):
    """Base of every request body: unknown fields are an error (a typo must not be silently ignored).

    An update (PATCH) declares its fields `X | None = None` so that a field left out means "unchanged"; the fields that
    cannot be cleared are named in NOT_NULL: the schema documents them without null and an explicit null is refused
    with a field error (only clearable fields, such as an optional manager, accept null)."""

    NOT_NULL: ClassVar[tuple[str, ...]] = ()

    model_config = ConfigDict(extra="forbid", json_schema_extra=_without_null)

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_it_clears(cls, value, info: ValidationInfo):
        if value is None and info.field_name in cls.NOT_NULL:
            raise ValueError(_("This field cannot be emptied: leave it out to keep its value."))
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value):
        return _refuse_nul(value)


class RowSchema(BaseModel):
    """Base of the items of a bulk body (thousands in one request, e.g. measurements): InputSchema's checks (unknown
    fields refused, no NUL, integers within 64 bits) on a plain pydantic model. ninja's Schema runs a root validator
    per object (to read Django objects, which a request body never is) that cost more than the rows' own storing."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value):
        return _refuse_nul(value)


class ListParams(Schema):
    """Query parameters shared by every list: ?limit=&offset=&sort=&q=

    A subclass that names its sort keys in `SORTS` (the dict given to `paginate`) gets them documented as the allowed
    values of `sort` in the OpenAPI schema (api_schema.py).
    """

    SORTS: ClassVar[dict[str, tuple[str, ...]] | None] = None

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    offset: int = Field(0, ge=0, description="How many items to skip.")
    sort: str | None = Field(None, max_length=60, description="A sort key; prefix with '-' for descending order.")
    q: str | None = Field(None, max_length=200, description="Text search.")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value):
        return _refuse_nul(value)


_PAGE_MODELS: dict[type, type] = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The response schema {"count": N, "items": [...]} for a list of `item_schema` (named e.g. OrgUnitReadPage)."""
    if item_schema not in _PAGE_MODELS:
        page = create_model(
            f"{item_schema.__name__}Page", __base__=Page,
            count=(int, Field(..., description="Total number of matching items, over all pages.")),
            items=(list[item_schema], ...),
        )
        page.ITEM = item_schema
        _PAGE_MODELS[item_schema] = page
    return _PAGE_MODELS[item_schema]


def search(queryset: QuerySet, q: str | None, fields: list[str]) -> QuerySet:
    """Every word of `q` must appear (case-insensitively) in at least one of `fields`."""
    for term in (q or "").split()[:10]:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(condition)
    return queryset


def ordering_for(sort: str | None, sorts: dict[str, tuple[str, ...]], default: str) -> list[str]:
    """The ORM ordering for `?sort=key` or `?sort=-key`; an unknown key is a 422 naming the allowed ones."""
    raw = sort or default
    descending = raw.startswith("-")
    key = raw[1:] if descending else raw
    if key not in sorts:
        allowed = ", ".join(sorted(sorts))
        raise ValidationError({"sort": _("Unknown sort key “%(key)s”; use one of: %(allowed)s (prefix with - "
                                         "for descending).") % {"key": key, "allowed": allowed}})
    ordering = [("-" if descending else "") + field for field in sorts[key]]
    # The primary key last makes the order total, so offset pages never repeat or skip a row.
    ordering.append("-pk" if descending else "pk")
    return ordering


def paginate(queryset: QuerySet, params: ListParams, *, sorts: dict[str, tuple[str, ...]], default: str,
             total: int | None = None) -> dict:
    """{"count": total, "items": [one page]}: two queries (count, page) whatever the page size. `total`, when the
    caller has it from elsewhere, is not counted again."""
    ordering = ordering_for(params.sort, sorts, default)
    total = queryset.count() if total is None else total
    items = list(rows_between(queryset.order_by(*ordering), params.offset, params.offset + params.limit))
    return {"count": total, "items": items}


def attach_linked_ids(objects: list, field_name: str, attr: str, visible: QuerySet | None = None) -> None:
    """Set `attr` on each of `objects` to the ids it links through its many-to-many `field_name` (only those in
    `visible`, a queryset of the targets), in the targets' own order, from one query of id pairs.

    An API answer needs the ids only. Django's prefetch builds a target object, and a related manager per object,
    for each link: about 3 ms per link field on a page of 50 risks. The same question through the ORM's query
    builder still took 1-1.5 ms a field, against 0.1 ms for its SQL, so the SQL is written here from the models'
    metadata (issue 10); only `visible`, whose conditions depend on the reader, is compiled by the ORM."""
    if not objects:
        return
    field = type(objects[0])._meta.get_field(field_name)
    quote = connection.ops.quote_name
    link, target = field.remote_field.through._meta, field.related_model._meta
    source_column = quote(link.get_field(field.m2m_field_name()).column)
    target_column = quote(link.get_field(field.m2m_reverse_field_name()).column)
    ids = [obj.pk for obj in objects]
    sql = (f"SELECT l.{source_column}, l.{target_column} FROM {quote(link.db_table)} l "
           f"JOIN {quote(target.db_table)} t ON t.{quote(target.pk.column)} = l.{target_column} "
           f"WHERE l.{source_column} IN ({', '.join(['%s'] * len(ids))})")
    params = list(ids)
    if visible is not None and visible.query.where:  # a reader who sees every target needs no condition
        try:
            visible_sql, visible_params = visible.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # the reader sees none of the targets
            for obj in objects:
                setattr(obj, attr, [])
            return
        # Each link looks its target up among the visible ones; an IN list would first read every visible target.
        sql += f" AND EXISTS (SELECT 1 FROM ({visible_sql}) v WHERE v.pk = l.{target_column})"
        params.extend(visible_params)
    order = [f"t.{quote(target.get_field(key.lstrip('-')).column)}{' DESC' if key.startswith('-') else ''}"
             for key in target.ordering]
    sql += f" ORDER BY {', '.join([*order, f'l.{target_column}'])}"
    linked = {pk: [] for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for source_id, target_id in cursor.fetchall():
            linked[source_id].append(target_id)
    for obj in objects:
        setattr(obj, attr, linked[obj.pk])


def visible_or_field_error(model: type[Model], user, pk: Any, field: str, action: str = "view"):
    """The `model` row `pk` if `user` may see it, else a 422 on `field` (a reference the caller cannot see is, to
    them, a reference that does not exist). None passes through, meaning "no reference"."""
    if pk is None:
        return None
    obj = model._default_manager.restrict(user, action).filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: _("No such %(model)s, or not visible to you.")
                               % {"model": model._meta.verbose_name}})
    return obj


def visible_set_or_field_error(model: type[Model], user, pks: list[int], field: str) -> list:
    """All rows named in `pks` (which the caller must be able to see), in one query."""
    wanted = set(pks)
    found = list(model._default_manager.restrict(user, "view").filter(pk__in=wanted))
    missing = wanted - {obj.pk for obj in found}
    if missing:
        raise ValidationError({field: _("Unknown or invisible ids: %(ids)s.")
                               % {"ids": ", ".join(str(i) for i in sorted(missing))}})
    return found


def list_sorts(api, path_prefix: str) -> dict[tuple[str, str], dict]:
    """{(method, path as in the OpenAPI schema): SORTS} for every list operation whose filters declare SORTS."""
    found = {}
    for router_prefix, router in api._routers:
        for path, view in router.path_operations.items():
            full = "/" + "/".join(part.strip("/") for part in (path_prefix, router_prefix, path) if part.strip("/"))
            full = re.sub(r"{\w+:(\w+)}", r"{\1}", full)  # /systems/{int:system_id} is /systems/{system_id} there
            for operation in view.operations:
                for param in operation.signature.params:
                    sorts = getattr(param.annotation, "SORTS", None)
                    if isinstance(param.annotation, type) and issubclass(param.annotation, ListParams) and sorts:
                        for method in operation.methods:
                            found[(method.lower(), full)] = sorts
    return found
