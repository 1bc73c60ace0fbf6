"""The response model of every API list ({"count": N, "items": [...]}), with items read at the speed of the rows.

django-ninja reads each field of each item through its `DjangoGetter`: a Python call per field that converts the
value, then hands it to pydantic. A page of 50 risks of 35 fields is 1,750 such calls, about 7 ms of the risks API's
30 (issue 10). A page model here reads the same values itself (a resolver where the item schema has one, else the
attribute, with ninja's conversions of managers, querysets, methods and files), validates them all in one call of
pydantic over plain dictionaries, against a twin of the item schema with the same fields, and builds the items
without validating them a second time. The response is the same JSON, checked against the same field types.

An item schema this cannot read the same way (aliased fields, validators of its own) keeps ninja's path, and so do
items that are neither model instances nor dictionaries and any page whose reading or validation fails, so that
the error is ninja's own.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from django.db.models import Manager, Model, QuerySet
from django.db.models.fields.files import FieldFile
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, TypeAdapter, create_model, model_validator


class _Reader:
    """How to read one item schema's fields from an object, and the twin that validates what was read."""

    def __init__(self, schema: type[Schema]):
        self.schema = schema
        self.fields = []  # (name, resolver function or None, whether the resolver takes the context)
        for name in schema.model_fields:
            resolver = _resolver(schema, name)
            takes_context = resolver is not None and _takes_context(resolver)
            self.fields.append((name, resolver, takes_context))
        twin = create_model(f"{schema.__name__}Row", __config__=ConfigDict(**schema.model_config),
                            **{name: (field.annotation, field) for name, field in schema.model_fields.items()})
        self.validate = TypeAdapter(list[twin]).validate_python

    def items(self, objects: list, context) -> list:
        rows = []
        for obj in objects:
            row = {}
            for name, resolver, takes_context in self.fields:
                if resolver is not None:
                    row[name] = _converted(resolver(obj, context=context) if takes_context else resolver(obj))
                elif isinstance(obj, dict):
                    if name in obj:
                        row[name] = _converted(obj[name])
                else:
                    try:
                        row[name] = _converted(getattr(obj, name))
                    except AttributeError:
                        pass  # left out: the field's default applies, or validation names it as missing
            rows.append(row)
        construct = self.schema.model_construct
        return [construct(row.model_fields_set, **vars(row)) for row in self.validate(rows, context=context)]


def _resolver(schema: type[Schema], name: str):
    for klass in schema.__mro__:
        found = vars(klass).get(f"resolve_{name}")
        if isinstance(found, staticmethod):
            return found.__func__
    return None


def _takes_context(function) -> bool:
    parameters = inspect.signature(function).parameters.values()
    return any(p.name == "context" or p.kind is p.VAR_KEYWORD for p in parameters)


def _converted(value: Any) -> Any:
    # ninja's conversions of what an attribute can be (DjangoGetter._convert_result), in the same order.
    if isinstance(value, Manager):
        return list(value.all())
    if isinstance(value, QuerySet):
        return list(value)
    if callable(value):
        return value()
    if isinstance(value, FieldFile):
        return value.url if value else None
    return value


_READERS: dict[type, _Reader | None] = {}


def _reader(schema: type[Schema]) -> _Reader | None:
    if schema not in _READERS:
        _READERS[schema] = _Reader(schema) if _readable(schema) else None
    return _READERS[schema]


def _readable(schema: type[Schema]) -> bool:
    """Whether the fast read gives what ninja's would: no aliases (ninja reads an attribute by its alias) and no
    validators beyond ninja's own (the twin would not run them)."""
    if any(field.alias or field.validation_alias for field in schema.model_fields.values()):
        return False
    decorators = schema.__pydantic_decorators__
    own = [name for name in decorators.model_validators if name != "_run_root_validator"]
    return not (own or decorators.field_validators or decorators.validators or decorators.root_validators)


class Page(Schema):
    """Base of the page models `api_utils.page_of` creates; `ITEM` is the item schema."""

    ITEM: ClassVar[type[Schema] | None] = None

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        # Named as ninja's root validator so that it replaces it for page models.
        if isinstance(values, dict) and values.keys() == {"count", "items"}:
            items = _converted(values["items"])
            values = {**values, "items": items}  # an iterator is read once, whichever path reads it
            reader = _reader(cls.ITEM)
            if reader is not None and isinstance(values["count"], int) and all(
                    isinstance(item, (dict, Model)) for item in items):
                try:
                    return cls.model_construct(count=values["count"], items=reader.items(items, info.context))
                except Exception:  # noqa: BLE001 - ninja's path below reports any failure as it always has
                    pass
        return handler(DjangoGetter(values, cls, info.context))
