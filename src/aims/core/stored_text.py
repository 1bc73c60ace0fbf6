"""The product's messages stored as facts (English message + parameters) and rendered in the reader's language.

A notification or task written for someone in English must read in French once they switch: pages render the stored
message at display time. Parameters are kept as JSON: dates and times with a type marker (so they show in the reader's
date format), the product's own lazy texts as messages (so they are translated too), anything else as text.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import formats, timezone, translation
from django.utils.functional import Promise

from .labels import language


class Text:
    """A translatable message with its own parameters, for a parameter that is itself a sentence ("To approve:
    %(what)s", where `what` is "Closure grid of “%(system)s”"). It reads in the active language wherever it is shown,
    and a notification or task keeps it as a fact (message and parameters), rendered in each reader's language."""

    def __init__(self, message: Promise, **params):
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % {key: localised(value) for key, value in self.params.items()}

    def __repr__(self) -> str:
        return f"Text({message_of(self.message)!r}, {self.params!r})"


class CatalogueLabel:
    """A parameter that is a catalogue entry's name, given in each language ({"en": ..., "fr": ...}): catalogue labels
    are data, not messages, so gettext cannot translate them; the fact keeps every language and shows the reader's."""

    def __init__(self, by_language: dict[str, str]):
        self.by_language = dict(by_language)

    def __str__(self) -> str:
        return _in_active_language(self.by_language)

    def __repr__(self) -> str:
        return f"CatalogueLabel({self.by_language!r})"


def _in_active_language(by_language: dict) -> str:
    return str(by_language.get(language()) or by_language.get("en") or "")


def message_of(text) -> str:
    """The English message behind a lazy gettext text; "" for plain text (typed by a person: shown as typed)."""
    if not isinstance(text, Promise):
        return ""
    with translation.override(None):
        return str(text)


def stored_params(params: dict | None) -> dict:
    stored = {}
    for key, value in (params or {}).items():
        if isinstance(value, datetime):
            stored[key] = {"datetime": value.isoformat()}
        elif isinstance(value, date):
            stored[key] = {"date": value.isoformat()}
        elif isinstance(value, Text):
            stored[key] = {"message": message_of(value.message), "params": stored_params(value.params)}
        elif isinstance(value, Promise):
            stored[key] = {"message": message_of(value)}
        elif isinstance(value, CatalogueLabel):
            stored[key] = {"label": value.by_language}
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            stored[key] = value
        else:
            stored[key] = str(value)
    return stored


def localised(value):
    """A parameter the reader's way (dates in their one date format)."""
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def _loaded(value):
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return date.fromisoformat(value["date"])
        if "label" in value:
            return _in_active_language(value["label"])
        if "message" in value:
            text = translation.gettext(value["message"])
            if "params" in value:
                text = text % {key: localised(_loaded(inner)) for key, inner in value["params"].items()}
            return text
    return value


def fact_of(text) -> dict:
    """A reason as a fact to store: {"message", "params"} for the product's own (lazy) text, {"text"} for what a
    person typed (kept as typed). `render_fact` puts it into words in the active language."""
    if isinstance(text, Text):
        return {"message": message_of(text.message), "params": stored_params(text.params)}
    if isinstance(text, Promise):
        return {"message": message_of(text), "params": {}}
    return {"text": str(text or "")}


def render_fact(fact: dict | None, fallback: str = "") -> str:
    """A stored fact (`fact_of`) in the active language; `fallback` when there is none."""
    if not fact:
        return fallback
    if fact.get("message"):
        return render_stored(fact["message"], fact.get("params"), fact.get("text") or fallback or fact["message"])
    return str(fact.get("text", fallback))


def render_stored(message: str, params: dict | None, fallback: str) -> str:
    """`message` in the active language with its parameters; `fallback` (the text as sent) when there is none or it
    cannot be rendered (a message changed since, whose parameters no longer fit)."""
    if not message:
        return fallback
    try:
        return translation.gettext(message) % {key: localised(_loaded(value)) for key, value in (params or {}).items()}
    except (KeyError, ValueError, TypeError):
        return fallback
