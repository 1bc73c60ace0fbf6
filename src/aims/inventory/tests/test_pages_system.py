"""A system's page: tabs for the allowed roles, create and edit through the services, stale versions, retirement."""

import re

import pytest
from django.urls import reverse

from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.inventory import services
from aims.inventory.models import AISystem, ChangeDecision
from aims.inventory.testing import CV_SCREENING

pytestmark = pytest.mark.django_db

TABS = ("overview", "components", "classification", "lifecycle", "changes", "documentation", "history", "journal")


def detail(system, tab=None) -> str:
    url = reverse("inventory:system_detail", args=[system.pk])
    return f"{url}?tab={tab}" if tab else url


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_renders_for_a_viewer_of_the_unit(client, make_system, role_user, org, tab):
    system = make_system(purpose="Screen CVs")
    client.force_login(role_user("viewer", org["north"]))
    response = client.get(detail(system, tab))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-current="page">' in page and system.name in page
    # A viewer reads but never gets a button that would change the system.
    assert reverse("inventory:system_edit", args=[system.pk]) not in page
    assert 'action="/inventory/systems/' not in page


def test_a_system_outside_the_scope_is_not_found(client, make_system, role_user, org):
    system = make_system()
    client.force_login(role_user("viewer", org["south"]))
    assert client.get(detail(system)).status_code == 404
    client.force_login(person_with_role(None))
    assert client.get(detail(system)).status_code == 404


def test_the_overview_shows_every_field_and_the_responsibilities(client, make_system, manager, owner):
    system = make_system(purpose="Screen CVs", intended_use="Rank applications", human_oversight="A recruiter decides",
                         incident_contact=owner, escalation_path="Call the HR desk",
                         links=[{"label": "Wiki", "url": "https://wiki.example.com/cv"}])
    client.force_login(manager)
    page = client.get(detail(system)).content.decode()
    for text in ("Screen CVs", "Rank applications", "A recruiter decides", "Call the HR desk", str(owner),
                 'href="https://wiki.example.com/cv"', 'id="responsibilities"'):
        assert text in page


def test_registering_a_system_requires_an_owner_and_is_ledgered(client, manager, org, owner):
    client.force_login(manager)
    url = reverse("inventory:system_create")
    assert client.get(url).status_code == 200
    data = {"name": "CV screening", "unit": org["north"].pk, "criticality": "high", "external_exposure": "internal",
            "autonomy": "human_in_the_loop", "priority": 3}
    response = client.post(url, data)
    assert response.status_code == 400
    assert re.search(r'id="id_owner_error">[^<]+', response.content.decode())
    assert not AISystem.objects.exists()

    response = client.post(url, {**data, "owner": owner.pk, "links": "Wiki | https://wiki.example.com"})
    system = AISystem.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(system)
    assert system.reference_code == f"AIS-{system.pk:05d}"
    assert system.links == [{"label": "Wiki", "url": "https://wiki.example.com"}]
    assert LedgerEvent.objects.filter(action="inventory.aisystem.create", object_id=str(system.pk)).exists()


def test_a_contributor_cannot_register_outside_their_units(client, contributor, org, owner):
    client.force_login(contributor)
    response = client.post(reverse("inventory:system_create"), {
        "name": "Elsewhere", "unit": org["south"].pk, "owner": owner.pk, "criticality": "low",
        "external_exposure": "internal", "autonomy": "human_in_the_loop", "priority": 3})
    assert response.status_code == 400
    assert "id_unit_error" in response.content.decode()
    assert not AISystem.objects.exists()


def _edit_data(system, **changes):
    data = {"name": system.name, "reference_code": system.reference_code, "unit": system.unit_id,
            "owner": system.owner_id, "criticality": system.criticality, "external_exposure": system.external_exposure,
            "autonomy": system.autonomy, "priority": system.priority, "purpose": system.purpose,
            "intended_use": system.intended_use, "version": system.version}
    data.update(changes)
    return data


def test_editing_saves_through_the_service_and_a_stale_version_is_refused(client, make_system, manager):
    system = make_system(purpose="Screen CVs")
    url = reverse("inventory:system_edit", args=[system.pk])
    client.force_login(manager)
    assert client.get(url).status_code == 200
    stale = _edit_data(system, purpose="First edit")
    assert client.post(url, stale).status_code == 302
    system.refresh_from_db()
    assert system.purpose == "First edit" and system.version == 2
    assert LedgerEvent.objects.filter(action="inventory.aisystem.update", object_id=str(system.pk)).count() == 1

    response = client.post(url, {**stale, "purpose": "Lost edit"})
    assert response.status_code == 400
    assert "Someone else changed this record" in response.content.decode()
    system.refresh_from_db()
    assert system.purpose == "First edit"


def test_a_relevant_change_shows_the_reclassification_banner(client, make_system, manager):
    system = make_system(intended_use="Rank applications")
    services.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    client.force_login(manager)
    client.post(reverse("inventory:system_edit", args=[system.pk]),
                _edit_data(AISystem.objects.get(pk=system.pk), intended_use="Also decides promotions"))
    page = client.get(detail(system)).content.decode()
    assert 'data-banner="reclassify"' in page


def test_a_retired_system_is_read_only_with_a_banner(client, make_system, manager, groups, owner):
    system = make_system()
    decision = services.request_change(actor=manager, system=system, kind="retirement", description="Replaced")
    for person in groups.values():
        services.approve_change(actor=person, decision=decision)
    services.make_change_effective(actor=manager, decision=ChangeDecision.objects.get(pk=decision.pk))
    client.force_login(manager)
    for tab in TABS:
        page = client.get(detail(system, tab)).content.decode()
        assert 'data-banner="retired"' in page
        assert reverse("inventory:system_edit", args=[system.pk]) not in page
        assert 'method="post" action="/inventory/systems/' not in page
    response = client.get(reverse("inventory:system_edit", args=[system.pk]))
    assert response.status_code == 302


def test_the_history_tab_gathers_the_events_of_what_hangs_off_the_system(client, make_system, manager):
    system = make_system()
    services.save_model_card(actor=manager, system=system, changes={"task": "ranking"})
    client.force_login(manager)
    page = client.get(detail(system, "history")).content.decode()
    assert "Created</span>" in page and "Created · Model card" in page


def test_the_journal_tab_takes_notes(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    response = client.post(reverse("journal", args=["inventory.aisystem", system.pk]),
                           {"body": "Discussed with **HR**", "next": detail(system, "journal")})
    assert response.status_code == 302
    assert "<strong>HR</strong>" in client.get(detail(system, "journal")).content.decode()


def test_components_tab_links_and_unlinks_a_component_and_shows_what_the_system_rests_on(
        client, make_system, manager, supplier_model):
    system = make_system()
    library = services.create_dependency(actor=manager, kind="library", name="torch", version_label="2.3")
    services.link_component_dependency(actor=manager, component=supplier_model, dependency=library)
    client.force_login(manager)
    response = client.post(reverse("inventory:system_link_component", args=[system.pk]),
                           {"component": supplier_model.pk, "role": "main model"})
    assert response.status_code == 302
    link = system.component_links.get()
    assert link.role == "main model"
    page = client.get(detail(system, "components")).content.decode()
    assert "RankNet 2.1" in page and "torch 2.3" in page  # torch comes through the component
    assert "add evidence" in page  # a supplier component without evidence
    client.post(reverse("inventory:system_unlink_component", args=[system.pk, link.pk]))
    assert not system.component_links.exists()
    assert LedgerEvent.objects.filter(action="inventory.systemcomponent.delete").exists()


def test_linking_the_same_component_twice_shows_the_error_next_to_the_field(client, make_system, manager,
                                                                              supplier_model):
    system = make_system()
    services.link_component(actor=manager, system=system, component=supplier_model)
    client.force_login(manager)
    response = client.post(reverse("inventory:system_link_component", args=[system.pk]),
                           {"component": supplier_model.pk})
    assert response.status_code == 400
    assert "already linked" in response.content.decode()


def test_a_viewer_cannot_link_components(client, make_system, role_user, org, supplier_model):
    system = make_system()
    client.force_login(role_user("viewer", org["north"]))
    response = client.post(reverse("inventory:system_link_component", args=[system.pk]),
                           {"component": supplier_model.pk})
    assert response.status_code == 403
    assert not system.component_links.exists()


def test_the_risks_tab_loads_the_risk_modules_fragment_for_risk_readers(client, make_system, manager, role_user,
                                                                          org):
    system = make_system()
    client.force_login(manager)
    fragment = reverse("risks:system_risks", args=[system.pk])
    page = client.get(detail(system, "risks")).content.decode()
    assert f'hx-get="{fragment}?partial=1"' in page
    assert client.get(fragment, {"partial": "1"}, HTTP_HX_REQUEST="true").status_code == 200
