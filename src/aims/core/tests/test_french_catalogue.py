"""The French catalogues are complete: every message has a translation, none is left fuzzy, and the compiled file the
product loads says the same as the catalogue (run `make messages` after changing texts).

The project catalogue (aims/locale) holds core and the shared templates; each app with its own locale/ folder keeps its
own catalogue."""

import ast
import gettext
from pathlib import Path

import aims

import pytest

PACKAGE = Path(aims.__file__).resolve().parent
CATALOGUES = sorted(PACKAGE.glob("**/locale/fr/LC_MESSAGES"))
catalogues = pytest.mark.parametrize("lc_messages", CATALOGUES, ids=lambda path: str(path.relative_to(PACKAGE)))


def test_the_project_and_every_app_with_a_locale_folder_have_a_catalogue():
    assert PACKAGE / "locale" / "fr" / "LC_MESSAGES" in CATALOGUES
    for app_locale in PACKAGE.glob("*/locale"):
        assert app_locale / "fr" / "LC_MESSAGES" in CATALOGUES
    assert sum(len(_entries(path)) for path in CATALOGUES) > 1000


def _entries(lc_messages: Path) -> list[dict]:
    """Each live entry of django.po as {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr[0]", ...}."""
    entries = []
    for block in (lc_messages / "django.po").read_text(encoding="utf-8").split("\n\n"):
        entry, key = {"flags": ""}, None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, quoted = line.split(" ", 1)
                entry[key] = ast.literal_eval(quoted)
        if "msgid" in entry and entry["msgid"]:  # the header has an empty msgid
            entries.append(entry)
    return entries


def _translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@catalogues
def test_every_message_is_translated_and_none_is_fuzzy(lc_messages):
    entries = _entries(lc_messages)
    assert entries
    untranslated = [e["msgid"] for e in entries if not all(_translations(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, untranslated[:20]
    assert not fuzzy, fuzzy[:20]


@catalogues
def test_the_compiled_catalogue_says_what_the_catalogue_says(lc_messages):
    with (lc_messages / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for entry in _entries(lc_messages):
        if "msgid_plural" in entry:
            got = [catalogue.npgettext(entry["msgctxt"], entry["msgid"], entry["msgid_plural"], n)
                   if "msgctxt" in entry else catalogue.ngettext(entry["msgid"], entry["msgid_plural"], n)
                   for n in (1, 2)]
            expected = [entry["msgstr[0]"], entry["msgstr[1]"]]
        else:
            got = [catalogue.pgettext(entry["msgctxt"], entry["msgid"]) if "msgctxt" in entry
                   else catalogue.gettext(entry["msgid"])]
            expected = [entry["msgstr"]]
        if got != expected:
            stale.append(entry["msgid"])
    assert not stale, f"django.mo is older than django.po for: {stale[:10]}"
