"""Choices and helpers shared by the inventory models."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from aims.core.permissions import can_anywhere


def shared_catalogue_view(user, action) -> Q:
    """Shared components and dependencies are visible to anyone who may view the inventory somewhere.

    They are a common catalogue: a unit-scoped owner must find the model or library another unit already registered
    in order to link it instead of duplicating it. Changing them stays scoped by their steward unit.
    """
    if action == "view" and can_anywhere(user, "view", "inventory"):
        return Q(pk__isnull=False)  # always true; an empty Q() would vanish when OR-ed with the unit condition
    return Q(pk__in=[])


def validate_links(value, field: str = "links") -> None:
    """A list of {"label": text, "url": http(s) URL}."""
    if not isinstance(value, list):
        raise ValidationError({field: _("Links must be a list of {label, url} items.")})
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) - {"label", "url"} or not item.get("url"):
            raise ValidationError({field: _("Link %(n)s must have a label and a URL.") % {"n": index}})
        parts = urlsplit(str(item["url"]))
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValidationError({field: _("Link %(n)s: only http and https addresses are accepted.") % {"n": index}})
        if not isinstance(item.get("label", ""), str) or len(item.get("label", "")) > 200:
            raise ValidationError({field: _("Link %(n)s: the label is limited to 200 characters.") % {"n": index}})


def page_url(name: str, *args, fallback: str = "") -> str:
    """The URL of a page other modules may not have built yet: the named route if it exists, else `fallback`."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback
