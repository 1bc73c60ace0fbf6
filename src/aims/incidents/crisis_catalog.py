"""The crisis catalogue (catalogs/crisis.yaml): the crisis cell's roles, the first-hour checklist, the audiences and
channels of communications, the message templates, and the scenarios of crisis exercises. Keys are stored; words are
read here each time, in the reader's language."""

from __future__ import annotations

from aims.catalogs import localised, shared_catalog
from aims.core.labels import language

NAME = "crisis"


def _data() -> dict:
    return shared_catalog(NAME)


def version() -> str:
    return str(_data().get("version", ""))


def _entries(section: str, lang: str | None = None) -> list[dict]:
    lang = lang or language()
    rows = []
    for entry in _data().get(section) or ():
        row = dict(entry)
        for name in ("label", "help", "summary", "text"):
            if name in entry:
                row[name] = localised(entry[name], lang)
        rows.append(row)
    return rows


def _label(section: str, key: str, lang: str | None = None) -> str:
    for entry in _data().get(section) or ():
        if entry["key"] == key:
            return localised(entry["label"], lang or language())
    return key


def roles(lang: str | None = None) -> list[dict]:
    """[{key, label, help, required}] in the catalogue's order."""
    return [{**row, "required": bool(row.get("required"))} for row in _entries("roles", lang)]


def role_keys() -> list[str]:
    return [entry["key"] for entry in _data().get("roles") or ()]


def role_label(key: str, lang: str | None = None) -> str:
    return _label("roles", key, lang)


def role_choices() -> list[tuple[str, str]]:
    return [(row["key"], row["label"]) for row in roles()]


def checklist(lang: str | None = None) -> list[dict]:
    """The first-hour checklist: [{key, label, help}] in order."""
    return _entries("first_hour", lang)


def checklist_item(key: str, lang: str | None = None) -> dict:
    return next((row for row in checklist(lang) if row["key"] == key), {"key": key, "label": key, "help": ""})


def audiences(lang: str | None = None) -> list[dict]:
    return _entries("audiences", lang)


def audience_keys() -> list[str]:
    return [entry["key"] for entry in _data().get("audiences") or ()]


def audience_label(key: str, lang: str | None = None) -> str:
    return _label("audiences", key, lang)


def channels(lang: str | None = None) -> list[dict]:
    return _entries("channels", lang)


def channel_keys() -> list[str]:
    return [entry["key"] for entry in _data().get("channels") or ()]


def channel_label(key: str, lang: str | None = None) -> str:
    return _label("channels", key, lang)


def templates(lang: str | None = None) -> list[dict]:
    """[{key, audience, label, text}] with the text's placeholders unfilled."""
    return _entries("templates", lang)


def template(key: str, lang: str | None = None) -> dict | None:
    return next((row for row in templates(lang) if row["key"] == key), None)


def render_template(key: str, facts: dict, lang: str | None = None) -> str:
    """The template's words in `lang` (the reader's by default) filled with the stored facts; "" if it is gone."""
    found = template(key, lang)
    if found is None:
        return ""
    values = {name: facts.get(name, "") for name in ("incident", "title", "systems", "organisation", "since")}
    values["since"] = _moment(values["since"])
    try:
        return found["text"] % values
    except (KeyError, ValueError, TypeError):
        return found["text"]


def _moment(value) -> str:
    """A stored ISO moment in the reader's time zone and date format."""
    from datetime import datetime

    from django.utils import formats, timezone

    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    if not isinstance(moment, datetime):
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def scenarios(lang: str | None = None) -> list[dict]:
    """[{key, label, summary, injects: [{minutes, text}]}]."""
    lang = lang or language()
    return [{"key": entry["key"], "label": localised(entry["label"], lang),
             "summary": localised(entry.get("summary"), lang),
             "injects": [{"minutes": int(inject["minutes"]), "text": localised(inject["text"], lang)}
                         for inject in entry.get("injects") or ()]}
            for entry in _data().get("scenarios") or ()]


def scenario(key: str, lang: str | None = None) -> dict | None:
    return next((row for row in scenarios(lang) if row["key"] == key), None)


def scenario_keys() -> list[str]:
    return [entry["key"] for entry in _data().get("scenarios") or ()]


def scenario_label(key: str, lang: str | None = None) -> str:
    return _label("scenarios", key, lang)


def scenario_choices() -> list[tuple[str, str]]:
    return [(row["key"], row["label"]) for row in scenarios()]
