"""Which models the generic History and Journal views may open, by ledger object type ("app.model").

Only registered models are reachable through `/history/<object_type>/<id>/` and the journal URLs, so a URL can never
name an arbitrary model. Each app registers its governed entities once, e.g. in its `AppConfig.ready()`:

    registry.register(AISystem, url_name="inventory:system_detail")
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from .ledger import object_type_of


@dataclass(frozen=True)
class Entry:
    model: type[Model]
    url_name: str | None


_ENTRIES: dict[str, Entry] = {}


def register(model: type[Model], *, url_name: str | None = None) -> type[Model]:
    """Make `model` reachable by its object type; `url_name` (one argument: the pk) names its detail page."""
    _ENTRIES[object_type_of(model)] = Entry(model, url_name)
    return model


def model_for(object_type: str) -> type[Model] | None:
    entry = _ENTRIES.get(object_type)
    return entry.model if entry else None


def registered_types() -> list[str]:
    return sorted(_ENTRIES)


def resolve(object_type: str, object_id, user, action: str = "view") -> Model:
    """The object if `user` may perform `action` on it; Http404 otherwise (unknown, missing or out of scope alike,
    so the answer never tells whether an object exists outside the person's scope)."""
    entry = _ENTRIES.get(object_type)
    if entry is None:
        raise Http404
    manager = entry.model._default_manager
    try:
        obj = manager.restrict(user, action).filter(pk=object_id).first()
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise Http404
    return obj


def detail_url(object_type: str, object_id) -> str | None:
    """The detail page of an object of a registered type, or None when the type has none."""
    entry = _ENTRIES.get(object_type)
    if entry is None or not entry.url_name or object_id in ("", None):
        return None
    try:
        return reverse(entry.url_name, args=[object_id])
    except NoReverseMatch:
        return None


def _register_core() -> None:
    from .models import OrgUnit, PeopleGroup, User

    register(OrgUnit, url_name="unit_detail")
    register(User, url_name="person_detail")
    register(PeopleGroup, url_name="group_detail")


_register_core()
