"""Every page of the demo, read in French: no English left, no raw codes, one date format.

The test loads the demo organisation (`aims demo` without serving), signs in as each demo person with French as their
language, and walks the site from the home page by following every link and htmx GET a page offers, as a curious
person would. New pages are therefore checked as soon as a page links to them and the demo has an object for them;
the English walk fails when a page (a route answering GET) is never reached, so nothing escapes by being unlinked.

On each French page, what a person reads (text, and the title/placeholder/aria-label/alt attributes) must not hold:
- a string the product ships in English with a different French version (the gettext catalogues, and the `*_en` fields
  of the YAML catalogues), unless it is the current value of a field people write themselves (a risk's title copied
  from a suggestion is then the organisation's own text);
- a raw code: a ledger action or object type (`core.user.update`, `inventory.aisystem`), or a stored choice value
  (`system_owner`, `quality_reliability`, `draft`) where its label belongs;
- a date in any format but the locale's one (`4 avr. 2026` in French; `4 Apr 2026` in English);
- English quotation marks (“ ”) on a French page, where French uses « ».
English pages are walked too (as the administrator), for the codes and the date format.
"""

from __future__ import annotations

import gettext
import re
from collections import defaultdict, deque
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import yaml
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

import aims
from aims.core import demo, registry
from aims.core.models import RoleAssignment, User
from aims.core.permissions import Role

# Rendered words only, on any database: CI runs the walks in its SQLite pass (marker sqlite_pass).
pytestmark = [pytest.mark.django_db, pytest.mark.sqlite_pass]

SOURCE = Path(aims.__file__).resolve().parent
# How many pages of one kind (same route, same query keys, same tab) the walk opens: enough to meet objects in
# different states, bounded so the walk stays fast however rich the demo grows.
PAGES_PER_KIND = 3
# Links the walk never follows: leaving (logout), switching language, and the API (JSON; its docs page is Swagger's).
NOT_FOLLOWED = re.compile(r"^/(accounts/logout|language/|api/|static/|media/)")
# Pages the walk cannot reach, each with the reason. An entry the walk does reach fails the test, so the list only
# shrinks: when the demo gains the objects below, remove their entries.
_DEMO_HAS_NONE = "the demo organisation has no such object yet (issue 16, point 9)"
NOT_REACHED = {
    "history": "each page's History tab shows it in place; this address serves htmx pagination",
    "journal": "each page's Journal tab shows it in place; this address serves htmx and no-JavaScript posts",
    "token_revoke": "the demo creates no API token",
    "risks:method_edit": "the demo's only method version is active, and only drafts are edited",
    "risks:method_activate": "the demo's only method version is active, and only drafts are activated",
    "monitoring:drift_progress": "a drift run's page polls it only while the worker runs it; the demo's runs are done",
    "supplier_questionnaire": "the private link's secret is never stored, so no page links to it (its French page is "
                              "tested in suppliers/tests/test_questionnaire_link.py)",
    "suppliers:questionnaire_detail": "the demo sends no questionnaire yet (its pages are tested in "
                                      "suppliers/tests/test_questionnaire_link.py and test_questionnaires.py)",
    "cvd_case": "the reporter's private link: its secret is never stored, so no page links to it (its French page is "
                "tested in incidents/tests/test_disclosure_intake.py)",
    "security_txt": "/.well-known/security.txt is read by machines, in plain text (incidents/tests/test_security_txt.py)",
    "incidents:disclosure_attachment": "a download; the demo's disclosure case carries no file (tested in "
                                       "incidents/tests/test_disclosure_intake.py)",
    **{name: _DEMO_HAS_NONE for name in ("inventory:playbook_edit",)},
}

FRENCH_MONTHS = "jan\\.|fév\\.|mars|avr\\.|mai|juin|juil\\.|août|sept\\.|oct\\.|nov\\.|déc\\."
DATES = {
    "fr": re.compile(rf"^\d{{1,2}} ({FRENCH_MONTHS}) \d{{4}}$"),
    "en": re.compile(r"^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}$"),
}
# Anything that looks like a date: ISO, numeric with slashes or dots, day-month-year and month-day-year in words.
_MONTH_WORDS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
                "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|janvier|février|avril|juillet|septembre|octobre|"
                "novembre|décembre|" + FRENCH_MONTHS.replace("\\.", "\\.?"))
DATE_LIKE = re.compile(
    r"(?<![\w-])(\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"
    rf"|\d{{1,2}}(?:er)? (?:{_MONTH_WORDS})\.?,? \d{{4}}|(?:{_MONTH_WORDS})\.? \d{{1,2}}, \d{{4}})(?![\w-])")
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """What a person reads on a page (text pieces) and where it leads (links and htmx GETs).

    Scripts and styles are not read; nor is text marked as another language than the page's (`lang="en"` on the
    language switch's "English")."""

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.texts: list[str] = []
        self.links: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, whether its text is skipped)

    def _skipping(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "hx-get"):
            if attributes.get(name):
                self.links.append(attributes[name])
        other_language = tag != "html" and attributes.get("lang", self.language) != self.language
        # A journal note is what a person wrote, in their words and language ("Meets **monthly**" is not a code).
        written = "note-body" in (attributes.get("class") or "").split()
        skipped = self._skipping() or tag in ("script", "style", "template") or other_language or written
        if not skipped:
            self.texts.extend(attributes[name] for name in READ_ATTRIBUTES if attributes.get(name))
        if tag not in _VOID:
            self._open.append((tag, skipped))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.texts.append(" ".join(data.split()))


# --- What counts as English, as a code, as a date -------------------------------------------------------------------

@cache
def english_strings() -> tuple[frozenset[str], tuple[str, ...]]:
    """(short strings matched as a whole text piece, long ones matched anywhere) that French pages must not show."""
    english: set[str] = set()
    french: set[str] = set()
    for mo_file in SOURCE.glob("**/locale/fr/LC_MESSAGES/django.mo"):
        with mo_file.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog
        for msgid, msgstr in catalogue.items():
            if isinstance(msgid, tuple):
                msgid = msgid[0]
            french.add(" ".join(msgstr.split()).strip(" .,:;"))
            if msgid and "\x04" not in msgid and msgstr and msgid != msgstr:
                english.update(_fixed_parts(msgid))
    for yaml_file in (SOURCE / "catalogs").glob("**/*.yaml"):
        content = yaml.safe_load(yaml_file.read_text())
        _collect_yaml(content, english)
        _collect_french(content, french)
    # Words both languages use ("Date", or "Importer", a French verb and an English noun) prove nothing.
    english = {s for s in english if re.search(r"[A-Za-z]{2}", s) and s not in french}
    short = frozenset(s for s in english if len(s.split()) < 4)
    long_ones = tuple(sorted(s for s in english if len(s.split()) >= 4))
    return short, long_ones


def _fixed_parts(msgid: str) -> list[str]:
    """The pieces of a message that do not depend on its parameters."""
    parts = re.split(r"%\(\w+\)[sdfr]|%[sd]|\{\{?[^}]*\}?\}|\n", msgid)
    return [" ".join(p.split()).strip(" .,:;") for p in parts if len(p.split()) >= (1 if len(parts) == 1 else 4)]


def _collect_yaml(node, english: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.endswith("_en") and isinstance(value, str):
                french = node.get(key[:-3] + "_fr")
                if french != value:
                    english.update(" ".join(line.split()) for line in value.splitlines() if line.strip())
            else:
                _collect_yaml(value, english)
    elif isinstance(node, list):
        for item in node:
            _collect_yaml(item, english)


def _collect_french(node, french: set[str]) -> None:
    """The catalogues' French texts (`*_fr` fields and `fr:` entries): "Direction" is French there, whatever an English
    message of the same spelling says."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and (key == "fr" or key.endswith("_fr")) and isinstance(value, str):
                french.add(" ".join(value.split()).strip(" .,:;"))
            else:
                _collect_french(value, french)
    elif isinstance(node, list):
        for item in node:
            _collect_french(item, french)


@cache
def codes() -> tuple[re.Pattern, frozenset[str]]:
    """(a pattern for ledger actions and object types, the stored choice values people must never read raw)."""
    app_labels = sorted({config.label for config in apps.get_app_configs()} | {"auth"}, key=len, reverse=True)
    dotted = re.compile(rf"(?<![\w./@-])(?:{'|'.join(app_labels)})\.[a-z_]+(?:\.[a-z_]+)?(?![\w/@-])")
    values = {str(role) for role in Role.values}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
                    values.add(value)
    for yaml_file in (SOURCE / "catalogs").glob("**/*.yaml"):
        _collect_keys(yaml.safe_load(yaml_file.read_text()), values)
    return dotted, frozenset(values)


def _collect_keys(node, values: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "key" and isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
                values.add(value)
            _collect_keys(value, values)
    elif isinstance(node, list):
        for item in node:
            _collect_keys(item, values)


def people_text() -> set[str]:
    """Current values of the text fields people write on governed objects (not catalogue copies: no `_en` fields)."""
    written: set[str] = set()
    for object_type in registry.registered_types():
        model = registry.model_for(object_type)
        names = [f.name for f in model._meta.concrete_fields
                 if isinstance(f, (models.CharField, models.TextField)) and not f.choices and not f.name.endswith("_en")]
        for row in model._default_manager.values_list(*names):
            for value in row:
                if value:
                    written.update(" ".join(line.split()) for line in str(value).splitlines() if line.strip())
    return written


def problems_on(texts: list[str], language: str, written: set[str]) -> list[str]:
    found = []
    dotted, values = codes()
    short, long_ones = english_strings() if language == "fr" else (frozenset(), ())
    whole = " ¶ ".join(texts)
    for text in texts:
        stripped = text.strip(" .,:;·()")
        if stripped in written:
            continue
        if stripped in short:
            found.append(f"English: {stripped!r}")
        # A single-word code ("draft") is also an English word: it can only be told from one on French pages.
        if stripped in values and (language == "fr" or "_" in stripped):
            found.append(f"raw code: {stripped!r}")
        for match in re.finditer(r"(?<![\w./-])[a-z][a-z0-9]*_[a-z0-9_]+(?![\w/-])", text):
            if match.group() in values and match.group() != stripped:  # a whole piece is reported above
                found.append(f"raw code: {match.group()!r} in {text!r}")
        for match in dotted.finditer(text):
            found.append(f"raw code: {match.group()!r} in {text!r}")
        if language == "fr" and re.search("[“”]", text) and not any(w in text for w in written if re.search("[“”]", w)):
            found.append(f"English quotes in French: {text!r}")
        for match in DATE_LIKE.finditer(text):
            if not DATES[language].match(match.group()) and not any(match.group() in w for w in written if w in text):
                found.append(f"date format: {match.group()!r} in {text!r}")
    for sentence in long_ones:
        if sentence in whole and not any(sentence in w for w in written):
            found.append(f"English: {sentence!r}")
    return found


# --- The walk ---------------------------------------------------------------------------------------------------------

def _kind(path: str, query: str) -> tuple | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    params = dict(parse_qsl(query))
    return (match.view_name, tuple(sorted(params)), params.get("tab", ""))


def walk(client: Client, language: str, written: set[str], reached: set[str]) -> dict[str, list[str]]:
    """Follow every link from the home page; return the problems found, by page."""
    seen_kinds: dict[tuple, int] = defaultdict(int)
    queue, queued = deque(["/"]), {"/"}
    linked_from: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        kind = _kind(parts.path, parts.query)
        if kind is None or seen_kinds[kind] >= PAGES_PER_KIND:
            continue
        seen_kinds[kind] += 1
        response = client.get(url)
        reached.add(kind[0])
        if response.status_code >= 400:
            problems[url] = [f"answered {response.status_code} (linked from {linked_from.get(url)})"]
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page(language)
        page.feed(response.content.decode())
        found = problems_on(page.texts, language, written)
        if found:
            problems[url] = sorted(set(found))
        for link in page.links:
            target = urlsplit(link)
            if target.scheme or target.netloc or not target.path.startswith("/") or NOT_FOLLOWED.match(target.path):
                continue
            query = urlencode(sorted(parse_qsl(target.query)))
            address = target.path + (f"?{query}" if query else "")
            if address not in queued:
                queued.add(address)
                linked_from[address] = url
                queue.append(address)
    return problems


def _roles(person) -> frozenset:
    return frozenset(RoleAssignment.objects.filter(user=person).values_list("role", flat=True))


# The French walk's readers: the administrator, then the first demo person of each role. The walk's cost grows with
# the kinds of readers, not with the size of the demo; one test per reader, so that the walks share the test workers.
READERS = [demo.ADMIN_EMAIL, *{role: email for email, *_person, role, _scope in reversed(demo.PEOPLE)}.values()]


@pytest.fixture
def demo_people(demo_admin):
    """The demo's administrator first, then one person for each other combination of roles."""
    chosen, seen = [], set()
    for person in User.objects.filter(is_active=True).order_by("-is_superuser", "pk"):
        roles = _roles(person)
        if roles not in seen:
            seen.add(roles)
            chosen.append(person)
    return chosen


def test_the_french_walk_reads_as_every_kind_of_reader(demo_people):
    readers = User.objects.filter(email__in=READERS)
    assert {_roles(person) for person in readers} == {_roles(person) for person in demo_people}


def _walk_as_everyone(people, language: str) -> tuple[dict, set]:
    User.objects.update(language=language)
    written = people_text()
    reached: set[str] = set()
    problems: dict[str, list[str]] = {}
    for person in people:
        client = Client()
        client.force_login(person)
        for url, found in walk(client, language, written, reached).items():
            problems.setdefault(f"{person.email} {url}", found)
    return problems, reached


def _report(problems: dict) -> str:
    return "\n".join(f"{where}:\n    " + "\n    ".join(found) for where, found in sorted(problems.items()))


@pytest.mark.parametrize("reader", READERS)
def test_french_pages_hold_no_english_no_code_and_one_date_format(demo_admin, reader):
    problems, _reached = _walk_as_everyone([User.objects.get(email=reader)], "fr")
    assert not problems, "French pages of the demo:\n" + _report(problems)


def _page_patterns(resolver=None, prefix="", path="") -> list[tuple[str, str]]:
    """(name, route) of every named URL pattern but the API's and the sign-in flows' (the walk is signed in)."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = path + str(pattern.pattern)
        if route.startswith(("api/", "accounts/")):
            continue
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += _page_patterns(pattern, namespace, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((prefix + pattern.name, route))
    return found


def _answers_get(client: Client, name: str, route: str) -> bool:
    """Whether the route is a page (answers GET) rather than an action (POST only, 405 on GET), probed with an
    object that does not exist: a page answers 404, an action 405 before looking anything up."""
    arguments = {key: "999999" if converter == "int" else "x"
                 for converter, key in re.findall(r"<(?:(\w+):)?(\w+)>", route)}
    url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: arguments[m.group(1)], route)
    return client.get(url).status_code != 405


def test_english_pages_hold_no_code_one_date_format_and_the_walk_reaches_every_page(demo_people):
    # In English, as the administrator (who sees every page): the French walk covers each role's pages.
    admin = demo_people[0]
    problems, reached = _walk_as_everyone([admin], "en")
    assert not problems, "English pages of the demo:\n" + _report(problems)
    client = Client()
    client.force_login(admin)
    pages = [(name, route) for name, route in _page_patterns() if _answers_get(client, name, route)]
    missing = [name for name, _route in pages if name not in reached and name not in NOT_REACHED]
    assert not missing, f"No link in the demo leads to these pages (link them, give the demo an object for them, or " \
                        f"say why in NOT_REACHED): {missing}"
    stale = [name for name in NOT_REACHED if name in reached]
    assert not stale, f"The walk now reaches these pages: remove them from NOT_REACHED: {stale}"


def test_the_checks_catch_what_they_look_for():
    """Each rule of the walk, on pieces of text a page could hold (so a walk that passes has really looked)."""
    clean = ["Système d'IA", "4 avr. 2026 à 15:53", "Propriétaire du système", "« Chatbot RH »"]
    assert problems_on(clean, "fr", written=set()) == []
    caught = problems_on(["Suggested risks", "system_owner", "inventory.aisystem", "2026-04-04", "4 avril 2026",
                          "Le “Chatbot”"], "fr", written=set())
    assert [problem.split(":")[0] for problem in caught] == [
        "English", "raw code", "raw code", "date format", "date format", "English quotes in French"]
    # What people wrote themselves is theirs, in whatever language.
    assert problems_on(["Suggested risks"], "fr", written={"Suggested risks"}) == []
    assert problems_on(["4 Apr 2026", "draft"], "en", written=set()) == []  # "draft" is English there
