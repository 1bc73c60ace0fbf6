"""A gate's "Fix this" lands on the form that fixes the check, at the field concerned: the page answers and holds it."""

import pytest

from aims.inventory import services
from aims.inventory.models import Stage

pytestmark = pytest.mark.django_db


def fix_links(system) -> dict[str, str]:
    return {r.key: r.fix_url for r in services.gate_status(system, Stage.DEPLOYMENT) if not r.passed}


def lands_on_its_form(client, url: str) -> None:
    path, _hash, anchor = url.partition("#")
    response = client.get(path)
    assert response.status_code == 200, url
    assert "<form" in response.content.decode()
    if anchor:
        assert f'id="{anchor}"' in response.content.decode(), url


def test_each_failed_check_links_to_the_form_that_fixes_it(client, make_system, manager, owner, supplier_model):
    system = make_system(intended_use="Rank applications")
    services.link_component(actor=manager, system=system, component=supplier_model)
    links = fix_links(system)
    assert links["inventory.escalation_path"] == f"/inventory/systems/{system.pk}/edit/#id_incident_contact"
    assert links["inventory.documentation"] == f"/inventory/systems/{system.pk}/model-card/#id_technical_limitations"
    assert links["inventory.supplier_evidence"] == f"/inventory/components/{supplier_model.pk}/edit/#id_evidence_links"
    assert links["inventory.owner_approval"] == f"/inventory/systems/{system.pk}/#go-live"
    client.force_login(manager)
    for key in ("inventory.escalation_path", "inventory.documentation", "inventory.supplier_evidence"):
        lands_on_its_form(client, links[key])


def test_a_missing_intended_use_alone_links_to_its_field_and_several_gaps_to_the_tab(client, make_system, manager):
    system = make_system()
    assert fix_links(system)["inventory.documentation"] == f"/inventory/systems/{system.pk}/#documentation"
    services.save_model_card(actor=manager, system=system, changes={"technical_limitations": "English CVs only"})
    link = fix_links(system)["inventory.documentation"]
    assert link == f"/inventory/systems/{system.pk}/edit/#id_intended_use"
    client.force_login(manager)
    lands_on_its_form(client, link)


def test_the_lifecycle_tab_shows_the_links(client, make_system, manager):
    system = make_system(intended_use="Rank applications")
    client.force_login(manager)
    page = client.get(f"/inventory/systems/{system.pk}/", {"tab": "lifecycle", "target": "deployment"}).content.decode()
    assert f'href="/inventory/systems/{system.pk}/edit/#id_incident_contact"' in page
