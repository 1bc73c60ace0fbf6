"""Components, the dependency register (end-of-support flags, impact both ways) and shadow-AI declaration and triage."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.inventory import services
from aims.inventory.models import AISystem, Component, Dependency, ShadowAIDeclaration

pytestmark = pytest.mark.django_db


def test_registering_a_dataset_keeps_its_kind_specific_fields(client, manager, org):
    client.force_login(manager)
    url = reverse("inventory:component_create")
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "dataset", "name": "Applications 2024", "origin": "in_house",
                                 "source": "ATS export", "contains_personal_data": "on", "task": "ignored",
                                 "owner_unit": org["north"].pk})
    assert response.status_code == 302
    component = Component.objects.get()
    assert (component.source, component.contains_personal_data, component.task) == ("ATS export", True, "")
    assert LedgerEvent.objects.filter(action="inventory.component.create").exists()


def test_a_supplier_component_needs_its_supplier_named(client, manager):
    client.force_login(manager)
    response = client.post(reverse("inventory:component_create"), {"kind": "model", "name": "RankNet",
                                                                    "origin": "supplier"})
    assert response.status_code == 400 and 'id="id_provider_error"' in response.content.decode()


def test_component_edit_refuses_a_stale_version(client, manager, supplier_model):
    client.force_login(manager)
    url = reverse("inventory:component_edit", args=[supplier_model.pk])
    data = {"kind": "model", "name": "RankNet", "version_label": "2.1", "origin": "supplier", "provider": "Acme AI",
            "evidence_links": "Contract | https://docs.example.com/contract", "version": supplier_model.version}
    assert client.post(url, data).status_code == 302
    assert Component.objects.get().evidence_links == [{"label": "Contract", "url": "https://docs.example.com/contract"}]
    response = client.post(url, {**data, "licence": "MIT"})
    assert response.status_code == 400 and "Someone else changed this record" in response.content.decode()


def test_component_pages_for_readers_and_refusal_without_role(client, supplier_model, make_system, role_user, org):
    system = make_system()
    services.link_component(actor=system.owner, system=system, component=supplier_model)
    client.force_login(role_user("viewer", org["south"]))  # shared catalogue: visible from any unit
    page = client.get(reverse("inventory:component_detail", args=[supplier_model.pk])).content.decode()
    assert "RankNet" in page and system.name not in page  # the using system is outside this viewer's scope
    assert client.get(reverse("inventory:component_list")).status_code == 200
    client.force_login(person_with_role(None))
    assert client.get(reverse("inventory:component_list")).status_code == 403
    assert client.get(reverse("inventory:component_detail", args=[supplier_model.pk])).status_code == 404


def test_dependency_list_flags_end_of_support_soon_and_ended(client, manager):
    today = timezone.localdate()
    services.create_dependency(actor=manager, kind="library", name="oldlib", end_of_support=today - dt.timedelta(days=1))
    services.create_dependency(actor=manager, kind="library", name="soonlib", end_of_support=today + dt.timedelta(days=20))
    services.create_dependency(actor=manager, kind="library", name="finelib", end_of_support=today + dt.timedelta(days=400))
    client.force_login(manager)
    page = client.get(reverse("inventory:dependency_list")).content.decode()
    assert page.count('data-support="overdue"') == 1 and page.count('data-support="soon"') == 1
    page = client.get(reverse("inventory:dependency_list"), {"support": "soon"}).content.decode()
    assert "soonlib" in page and "oldlib" not in page and "finelib" not in page


def test_dependency_detail_shows_what_depends_on_it(client, manager, make_system, supplier_model):
    direct, indirect = make_system(name="Direct user"), make_system(name="Through the model")
    torch = services.create_dependency(actor=manager, kind="library", name="torch")
    services.link_system_dependency(actor=manager, system=direct, dependency=torch)
    services.link_component_dependency(actor=manager, component=supplier_model, dependency=torch)
    services.link_component(actor=manager, system=indirect, component=supplier_model)
    client.force_login(manager)
    page = client.get(reverse("inventory:dependency_detail", args=[torch.pk])).content.decode()
    assert "Direct user" in page and "Through the model" in page and "RankNet" in page


def test_dependency_create_and_edit(client, manager):
    client.force_login(manager)
    response = client.post(reverse("inventory:dependency_create"), {"kind": "cloud_service", "name": "Blob store",
                                                                     "end_of_support": "2030-01-31"})
    assert response.status_code == 302
    dependency = Dependency.objects.get()
    url = reverse("inventory:dependency_edit", args=[dependency.pk])
    assert client.post(url, {"kind": "cloud_service", "name": "Blob store", "sla": "99.9 %",
                             "version": dependency.version}).status_code == 302
    assert Dependency.objects.get().sla == "99.9 %"


# --- Shadow AI ----------------------------------------------------------------------------------------------------------

def test_anyone_signed_in_can_declare_an_ai_tool(client, org):
    person = person_with_role(None, home_unit=org["south"])
    client.force_login(person)
    assert client.get(reverse("inventory:shadow_declare")).status_code == 200
    response = client.post(reverse("inventory:shadow_declare"), {"tool_name": "ChatGPT", "purpose": "Draft e-mails",
                                                                  "data_involved": "Customer names"})
    declaration = ShadowAIDeclaration.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("inventory:shadow_detail",
                                                                          args=[declaration.pk])
    assert declaration.declared_by == person and declaration.unit == org["south"]
    page = client.get(reverse("inventory:shadow_list")).content.decode()
    assert "ChatGPT" in page and "Add to the inventory" not in page


def test_a_declaration_without_a_purpose_shows_the_error(client):
    client.force_login(person_with_role(None))
    response = client.post(reverse("inventory:shadow_declare"), {"tool_name": "Copilot"})
    assert response.status_code == 400 and 'id="id_purpose_error"' in response.content.decode()


def test_the_home_page_links_to_the_declaration_form(client):
    client.force_login(person_with_role(None))
    assert reverse("inventory:shadow_declare") in client.get(reverse("home")).content.decode()


def test_an_aims_manager_converts_a_declaration_into_a_system(client, manager, org, owner):
    declarant = person_with_role(None, home_unit=org["north"])
    declaration = services.declare_shadow_ai(actor=declarant, tool_name="Resume ranker", purpose="Sort CVs")
    client.force_login(manager)
    assert "Resume ranker" in client.get(reverse("inventory:shadow_list")).content.decode()
    response = client.post(reverse("inventory:shadow_convert", args=[declaration.pk]),
                           {"name": "Resume ranker", "unit": org["north"].pk, "owner": owner.pk})
    system = AISystem.objects.get()
    assert response.status_code == 302 and system.owner == owner and system.purpose == "Sort CVs"
    declaration.refresh_from_db()
    assert declaration.status == ShadowAIDeclaration.Status.TRIAGED and declaration.system == system


def test_rejection_needs_a_reason_and_only_managers_triage(client, manager, contributor, org):
    declarant = person_with_role(None, home_unit=org["north"])
    declaration = services.declare_shadow_ai(actor=declarant, tool_name="Toy", purpose="Fun")
    client.force_login(contributor)
    assert client.post(reverse("inventory:shadow_reject", args=[declaration.pk]), {"reason": "no"}).status_code == 403
    client.force_login(manager)
    response = client.post(reverse("inventory:shadow_reject", args=[declaration.pk]), {"reason": ""})
    assert response.status_code == 400 and 'id="id_reason_error"' in response.content.decode()
    assert client.post(reverse("inventory:shadow_reject", args=[declaration.pk]),
                       {"reason": "Not an AI tool"}).status_code == 302
    declaration.refresh_from_db()
    assert (declaration.status, declaration.rejection_reason) == (ShadowAIDeclaration.Status.REJECTED, "Not an AI tool")
