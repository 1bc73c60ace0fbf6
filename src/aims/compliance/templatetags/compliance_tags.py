"""Template helpers of the compliance and evidence pages: bilingual catalogue text in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from aims.catalogs import localised

register = template.Library()


def reader_language() -> str:
    return "fr" if (get_language() or "en").startswith("fr") else "en"


@register.filter
def tr(obj, field: str) -> str:
    """`obj.<field>_fr` for French readers when filled, else `obj.<field>_en`; a {en, fr} dict works too."""
    if isinstance(obj, dict):
        return localised(obj.get(field) if field in obj else obj, reader_language())
    language = reader_language()
    if language == "fr":
        value = getattr(obj, f"{field}_fr", "") or getattr(obj, f"{field}_en", "")
    else:
        value = getattr(obj, f"{field}_en", "")
    if not value and field == "short_name":  # frameworks imported without a short name
        return tr(obj, "name")
    return value


@register.filter
def bilingual(value) -> str:
    """A {en, fr} mapping (catalogue data) in the reader's language."""
    return localised(value, reader_language())


@register.filter
def isodate(value):
    """An ISO date string from catalogue data as a date, so templates format it the reader's way (|date)."""
    import datetime

    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return value
