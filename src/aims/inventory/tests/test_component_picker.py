"""The component and dependency pickers stay light at thousands of components: above the widget's threshold the page
carries only the chosen option and the browser asks the API for matches; the server still validates any choice
against what the reader may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aims.core.widgets import RemoteSelect
from aims.inventory import services
from aims.inventory.forms import LinkComponentForm
from aims.inventory.models import ComponentKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def components(manager):
    return [services.create_component(actor=manager, kind=ComponentKind.MODEL, name=f"Model {n}", version_label="1")
            for n in range(5)]


def test_a_short_register_is_sent_whole(manager, components):
    html = str(LinkComponentForm(user=manager)["component"])
    assert "data-search-url" not in html and all(f">Model {n} 1<" in html for n in range(5))


def test_a_long_register_sends_only_the_chosen_option_and_where_to_search(manager, components, monkeypatch):
    monkeypatch.setattr(RemoteSelect, "threshold", 3)
    empty = str(LinkComponentForm(user=manager)["component"])
    assert f'data-search-url="{reverse("api:component_list")}"' in empty and 'data-search-label="name version_label"' \
        in empty
    assert "Model" not in empty
    chosen = components[3]
    bound = LinkComponentForm({"component": chosen.pk}, user=manager)
    html = str(bound["component"])
    assert f'<option value="{chosen.pk}" selected>Model 3 1</option>' in html and "Model 0" not in html
    # A choice the page never listed is still accepted when the reader may see it, and refused otherwise.
    assert LinkComponentForm({"component": components[0].pk}, user=manager).is_valid()
    assert not LinkComponentForm({"component": 10**9}, user=manager).is_valid()


def test_the_search_url_answers_the_reader_with_matches(client, manager, components):
    client.force_login(manager)
    page = client.get(reverse("api:component_list"), {"q": "Model 4", "limit": 25}).json()
    assert [item["name"] for item in page["items"]] == ["Model 4"] and page["items"][0]["version_label"] == "1"
