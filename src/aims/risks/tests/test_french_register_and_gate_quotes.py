"""French pages of the risk module: the register's column headers and the gate's risk titles are French (issue 16)."""

import re

import pytest
from django.test import Client
from django.utils import translation

from aims.risks import gates, services

pytestmark = pytest.mark.django_db


def test_the_register_headers_are_in_the_readers_language(make_risk, risk_manager):
    make_risk(inherent_likelihood=3, inherent_impact=3)
    client = Client()
    client.force_login(risk_manager)
    english = client.get("/risks/").content.decode()
    assert re.search(r"<th[^>]*>\s*(<a[^>]*>)?\s*Inherent", english)
    risk_manager.language = "fr"
    risk_manager.save(update_fields=["language"])
    french = client.get("/risks/").content.decode()
    headers = " ".join(re.findall(r"<th[^>]*>(.*?)</th>", french, re.S))
    for word in ("Inhérent", "Résiduel", "Prochaine revue"):
        assert word in headers
    for word in ("Inherent", "Residual", "Next review"):
        assert word not in headers


def test_the_gate_quotes_risk_titles_the_french_way_on_french_pages(make_system, threats, method):
    system = make_system(name="Public chatbot", external_exposure="public", personal_data=True)
    suggestion = services.suggest_by_rules(system=system)[0]
    with translation.override("fr"):
        _passed, message, _url = gates.suggestions_decided(system)
    assert f"« {suggestion.title('fr')} »" in message and "“" not in message
    with translation.override("en"):
        assert f"“{suggestion.title_en}”" in gates.suggestions_decided(system)[1]
