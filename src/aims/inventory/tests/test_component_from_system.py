""""Register a new component" from a system's Components tab: the component is registered, linked to the system with
its role, and the person is back on the system's tab; both or neither."""

import pytest
from django.urls import reverse

from aims.core.models import LedgerEvent
from aims.inventory import services
from aims.inventory.models import Component, SystemComponent

pytestmark = pytest.mark.django_db


def test_the_tab_links_to_the_form_for_this_system(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    page = client.get(reverse("inventory:system_detail", args=[system.pk]), {"tab": "components"}).content.decode()
    assert f'href="{reverse("inventory:component_create")}?system={system.pk}"' in page


def test_a_component_registered_from_a_system_is_linked_and_leads_back(client, make_system, manager, org):
    system = make_system()
    client.force_login(manager)
    url = f"{reverse('inventory:component_create')}?system={system.pk}"
    form = client.get(url).content.decode()
    assert f'data-for-system="{system.pk}"' in form and system.name in form and 'name="role"' in form
    response = client.post(url, {"kind": "model", "name": "RankNet", "origin": "in_house", "role": "ranking model",
                                 "owner_unit": org["north"].pk})
    assert response.status_code == 302
    assert response["Location"] == f"{system.get_absolute_url()}?tab=components"
    link = SystemComponent.objects.select_related("component").get(system=system)
    assert (link.component.name, link.role) == ("RankNet", "ranking model")
    assert LedgerEvent.objects.filter(action="inventory.component.create").count() == 1
    assert LedgerEvent.objects.filter(action="inventory.systemcomponent.create").count() == 1


def test_without_the_right_to_change_the_system_the_component_is_registered_alone(client, make_system, contributor,
                                                                                 org):
    system = make_system(unit=org["south"])  # outside the contributor's scope (North)
    client.force_login(contributor)
    url = f"{reverse('inventory:component_create')}?system={system.pk}"
    assert 'name="role"' not in client.get(url).content.decode()
    response = client.post(url, {"kind": "model", "name": "RankNet", "origin": "in_house",
                                 "owner_unit": org["north"].pk})
    component = Component.objects.get()
    assert response["Location"] == reverse("inventory:component_detail", args=[component.pk])
    assert not SystemComponent.objects.exists()


def test_the_service_registers_and_links_both_or_neither(make_system, manager, contributor, org):
    system = make_system()
    frozen_out = make_system(name="Elsewhere", unit=org["south"])
    component = services.create_component_for_system(actor=manager, system=system, kind="model", name="RankNet",
                                                     role="ranking model", origin="in_house")
    assert system.component_links.get().component == component
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.create_component_for_system(actor=contributor, system=frozen_out, kind="model", name="Other",
                                             origin="in_house", owner_unit=org["north"])
    assert not Component.objects.filter(name="Other").exists()


def test_without_organisation_wide_rights_the_unit_is_asked_not_refused(client, contributor, org):
    """A person whose rights stop at their units used to get a 403 page when leaving the owning unit empty (the
    service refuses a component outside their units); the form now asks for it."""
    client.force_login(contributor)
    url = reverse("inventory:component_create")
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "model", "name": "RankNet", "origin": "in_house"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Component.objects.exists()
