"""Issue 16, point 7: the long forms come in sections, every picker of people, AI systems, components, threats and
controls is searchable (Tom Select, vendored and loaded under the CSP), and its words come in the reader's language.

The browser side (typing, choosing by keyboard, saving) is tests/browser/test_forms_journey.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

import aims

pytestmark = pytest.mark.django_db

# The longest forms of the product, each with the sections it is grouped in.
SECTIONED = {
    "inventory:system_create": ["identity", "people", "profile", "use"],
    "risks:risk_create": ["risk", "scope", "scenario", "scores"],
    "compliance:control_create": ["control", "operation", "coverage"],
    "incidents:create": ["incident", "when", "scope", "facts", "damage"],
}


def _selects(page: str) -> dict[str, str]:
    """id -> the <select ...> opening tag, for every select of the page."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<select[^>]*\bid="([^"]+)"[^>]*>', page)}


@pytest.mark.parametrize("route", sorted(SECTIONED))
def test_long_forms_come_in_sections_with_every_field(client, admin_user, route):
    client.force_login(admin_user)
    response = client.get(reverse(route))
    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r'<fieldset class="form-section" data-section="([a-z]+)">', page) == SECTIONED[route]
    form = response.context["form"]
    shown = {f.name for s in form.sections() for f in s.fields} | {f.name for f in form.unsectioned_fields()}
    assert shown == {f.name for f in form.visible_fields()}  # no field lost by the grouping
    assert [f.name for f in form.unsectioned_fields()] in ([], ["reason"])


@pytest.mark.parametrize(("route", "searchable"), [
    ("inventory:system_create", {"id_owner", "id_backup_owner", "id_business_referent", "id_technical_lead",
                                 "id_incident_contact"}),
    ("risks:risk_create", {"id_owner"}),
    ("compliance:control_create", {"id_owner", "id_backup"}),
    ("incidents:create", {"id_handler"}),
])
def test_people_pickers_are_searchable_and_lists_are_multiple(client, admin_user, route, searchable):
    client.force_login(admin_user)
    selects = _selects(client.get(reverse(route)).content.decode())
    marked = {name for name, tag in selects.items() if "data-searchable" in tag}
    assert searchable <= marked
    assert "id_unit" not in marked  # a short list of units stays a plain select
    # Several AI systems, threats, controls...: a multiple select, which the page makes searchable too.
    for name in {"id_systems", "id_threats", "id_controls", "id_components"} & set(selects):
        assert "multiple" in selects[name]


def test_single_system_and_component_pickers_are_searchable(client, admin_user):
    from aims.inventory.forms import LinkComponentForm, LinkDependencyForm
    from aims.risks.forms import SystemChoiceForm

    for form in (LinkComponentForm(user=admin_user), LinkDependencyForm(user=admin_user),
                 SystemChoiceForm(user=admin_user)):
        for field in form.fields.values():
            if hasattr(field, "queryset"):
                assert "data-searchable" in field.widget.attrs, (type(form).__name__, field.label)


def test_no_help_text_asks_for_ctrl_click(client, admin_user):
    client.force_login(admin_user)
    for route in SECTIONED:
        assert "Ctrl" not in client.get(reverse(route)).content.decode()


@pytest.mark.parametrize(("language", "no_results", "remove"), [("en", "No match", "Remove"),
                                                                  ("fr", "Aucun résultat", "Retirer")])
def test_every_page_loads_the_vendored_picker_with_its_words_in_the_readers_language(client, admin_user, language,
                                                                                    no_results, remove):
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)
    page = client.get(reverse("home")).content.decode()
    assert re.search(r'<script src="/static/vendor/tom-select/tom-select\.popular\.min(\.\w+)?\.js" defer>', page)
    assert re.search(r'<link rel="stylesheet" href="/static/vendor/tom-select/tom-select\.default\.min(\.\w+)?\.css">',
                     page)
    script = re.search(r'<script src="/static/aims/forms(\.\w+)?\.js"[^>]*>', page).group(0)
    assert f'data-no-results="{no_results}"' in script and f'data-remove="{remove}"' in script


def test_tom_select_is_vendored_with_its_licence_and_version():
    folder = Path(aims.__file__).parent / "static" / "vendor" / "tom-select"
    assert "Apache License" in (folder / "LICENSE").read_text()
    notes = (folder / "README.md").read_text()
    assert re.search(r"Tom Select 2\.\d+\.\d+", notes)
    for name in ("tom-select.popular.min.js", "tom-select.default.min.css"):
        assert (folder / name).stat().st_size > 1000
    # No inline script anywhere: the policy allows scripts from the product's own files only.
    assert "script-src 'self'" in settings.CONTENT_SECURITY_POLICY
