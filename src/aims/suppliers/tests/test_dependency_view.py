"""Which systems depend on which supplier, transitively: the dependency view and the supplier page's list, paginated,
scoped to what the reader sees, with pinned query counts that do not grow with the rows."""

import pytest
from django.urls import reverse

from aims.core.testing import person_with_role
from aims.inventory import services as inventory
from aims.suppliers import services

pytestmark = pytest.mark.django_db

# The queries of a page (session, user, roles, the units they reach, the page's own count, rows and paths, the layout's
# badges): pinned.
REGISTER_QUERIES = 8
DEPENDENCY_VIEW_QUERIES = 11


@pytest.fixture
def chain(org, manager, make_supplier, procurement):
    """Chatbot uses "LLM API" (supplied by Lumen); the "LLM API" rests on "GPU cloud" (supplied by Nimbus); the
    Search system uses "GPU cloud" directly; South's HR bot, out of procurement's reach, uses the LLM API too."""
    owner = person_with_role("system_owner", org["north"])
    chatbot = inventory.create_system(actor=manager, name="Chatbot", unit=org["north"], owner=owner,
                                      criticality="high")
    search = inventory.create_system(actor=manager, name="Search", unit=org["north"], owner=owner, criticality="low")
    hr_bot = inventory.create_system(actor=manager, name="HR bot", unit=org["south"],
                                     owner=person_with_role("system_owner", org["south"]))
    api = inventory.create_component(actor=manager, kind="external_api", name="LLM API", version_label="4")
    gpu = inventory.create_dependency(actor=manager, kind="cloud_service", name="GPU cloud")
    inventory.link_component(actor=manager, system=chatbot, component=api)
    inventory.link_component(actor=manager, system=hr_bot, component=api)
    inventory.link_component_dependency(actor=manager, component=api, dependency=gpu)
    inventory.link_system_dependency(actor=manager, system=search, dependency=gpu)
    lumen = make_supplier(legal_name="Lumen")
    nimbus = make_supplier(legal_name="Nimbus")
    services.link_supply(actor=procurement, supplier=lumen, component=api)
    services.link_supply(actor=procurement, supplier=nimbus, dependency=gpu)
    return {"chatbot": chatbot, "search": search, "hr_bot": hr_bot, "lumen": lumen, "nimbus": nimbus}


def test_the_view_lists_each_system_with_its_suppliers_and_the_path(client, chain, procurement):
    client.force_login(procurement)
    page = client.get(reverse("suppliers:dependency_view")).content.decode()
    assert "Chatbot" in page and "Search" in page
    assert "HR bot" not in page  # South's system: procurement sees North only
    chatbot_row = page[page.index("Chatbot"):page.index("Search")]
    assert "Lumen" in chatbot_row and "Nimbus" in chatbot_row  # Nimbus transitively, through the LLM API
    assert "LLM API 4 → GPU cloud" in chatbot_row


def test_the_view_filters_by_supplier_and_by_system(client, chain, procurement):
    client.force_login(procurement)
    url = reverse("suppliers:dependency_view")
    page = client.get(f"{url}?supplier={chain['lumen'].pk}").content.decode()
    assert "Chatbot" in page and "Search" not in page and "Systems depending on Lumen." in page
    page = client.get(f"{url}?q=sear").content.decode()
    assert "Search" in page and "Chatbot" not in page


def test_the_supplier_page_lists_the_systems_depending_on_it(client, chain, procurement):
    client.force_login(procurement)
    page = client.get(reverse("suppliers:supplier_detail", args=[chain["nimbus"].pk])).content.decode()
    systems = page[page.index('id="systems"'):]
    assert "Chatbot" in systems and "Search" in systems and "through LLM API 4 → GPU cloud" in systems


def test_the_supplier_page_pages_its_systems(client, org, manager, make_supplier, procurement):
    api = inventory.create_component(actor=manager, kind="external_api", name="LLM API")
    for number in range(55):
        system = inventory.create_system(actor=manager, name=f"System {number:02d}", unit=org["north"],
                                         owner=procurement)
        inventory.link_component(actor=manager, system=system, component=api)
    supplier = make_supplier()
    services.link_supply(actor=procurement, supplier=supplier, component=api)
    client.force_login(procurement)
    url = reverse("suppliers:supplier_detail", args=[supplier.pk])
    page = client.get(url).content.decode()
    assert "System 49" in page and "System 50" not in page and "Page 1 of 2" in page
    assert "System 54" in client.get(url + "?systems_page=2").content.decode()


def test_pinned_queries_that_do_not_grow(client, chain, org, manager, procurement, django_assert_num_queries):
    client.force_login(procurement)
    register, view = reverse("suppliers:supplier_list"), reverse("suppliers:dependency_view")
    client.get(view)  # warm the caches a first request fills (catalogues, translations)
    with django_assert_num_queries(REGISTER_QUERIES):
        client.get(register)
    with django_assert_num_queries(DEPENDENCY_VIEW_QUERIES):
        client.get(view)
    api = inventory.create_component(actor=manager, kind="model", name="More")
    for number in range(12):
        system = inventory.create_system(actor=manager, name=f"More {number}", unit=org["north"], owner=procurement)
        inventory.link_component(actor=manager, system=system, component=api)
        supplier = services.create_supplier(actor=procurement, legal_name=f"Vendor {number}", unit=org["north"])
        services.link_supply(actor=procurement, supplier=supplier, component=api)
    with django_assert_num_queries(REGISTER_QUERIES):
        client.get(register)
    with django_assert_num_queries(DEPENDENCY_VIEW_QUERIES):
        client.get(view)


def test_a_person_without_a_suppliers_role_is_refused(client, org):
    client.force_login(person_with_role(None))
    assert client.get(reverse("suppliers:dependency_view")).status_code == 403
