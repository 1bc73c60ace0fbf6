"""The register page (filters, sort, search, pages, pinned queries) and a supplier's page."""

import pytest
from django.urls import reverse

from aims.core.testing import person_with_role
from aims.suppliers import services
from aims.suppliers.models import Supplier

pytestmark = pytest.mark.django_db


def test_the_register_filters_sorts_and_pages(client, make_supplier, procurement, django_assert_max_num_queries):
    for number in range(55):
        make_supplier(legal_name=f"Vendor {number:02d}", country="FR" if number % 2 else "DE")
    client.force_login(procurement)
    url = reverse("suppliers:supplier_list")
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert "Vendor 00" in page and "Vendor 54" not in page and "Page 1 of 2" in page
    page = client.get(url + "?sort=-name").content.decode()
    assert page.index("Vendor 54") < page.index("Vendor 53")
    page = client.get(url + "?country=de&q=vendor").content.decode()
    assert "Vendor 02" in page and "Vendor 01" not in page
    assert "No supplier matches these filters." in client.get(url + "?status=approved").content.decode()


def test_the_register_query_count_does_not_grow_with_rows(client, make_supplier, procurement,
                                                          django_assert_max_num_queries):
    make_supplier(legal_name="One")
    client.force_login(procurement)
    url = reverse("suppliers:supplier_list")
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for number in range(20):
        make_supplier(legal_name=f"More {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_person_without_a_suppliers_role_is_refused(client, org):
    client.force_login(person_with_role(None))
    assert client.get(reverse("suppliers:supplier_list")).status_code == 403


def test_registering_and_completing_a_supplier_through_the_pages(client, procurement, backup, org, manager):
    client.force_login(procurement)
    response = client.post(reverse("suppliers:supplier_create"), {
        "legal_name": "Lumen Language Models Ltd", "unit": org["north"].pk, "owner": procurement.pk,
        "backup": backup.pk, "country": "IE", "hosting_countries": "ie, nl",
        "subprocessors": "Safety filter | US | abuse detection | ai", "trains_on_our_data": "no",
        "clauses": ["incident_notification", "data_return"], "value_chain_role": "gpai_provider"})
    assert response.status_code == 302, response.content.decode()[:3000]
    supplier = Supplier.objects.get(legal_name="Lumen Language Models Ltd")
    assert supplier.hosting_countries == ["IE", "NL"]
    assert supplier.subprocessors == [{"name": "Safety filter", "country": "US", "purpose": "abuse detection",
                                       "ai": True}]
    base = supplier.get_absolute_url()
    assert client.post(base + "contacts/", {"name": "Nora", "email": "nora@lumen.example.com"}).status_code == 302
    assert client.post(base + "certifications/", {"scheme": "iso27001", "valid_until": "2028-05-31"}
                       ).status_code == 302
    assert client.post(base + "assessments/").status_code == 302
    assessment = supplier.assessments.get()
    assert client.post(base + f"assessments/{assessment.pk}/score/", {"score": "85"}).status_code == 302
    page = client.get(base).content.decode()
    assert "Nothing is missing for approval." in page and "nora@lumen.example.com" in page
    assert client.post(base + "submit/").status_code == 302
    assert Supplier.objects.get(pk=supplier.pk).status == "submitted"


def test_the_supplier_page_shows_gaps_and_history(client, make_supplier, procurement):
    supplier = make_supplier(clauses=["incident_notification"])
    client.force_login(procurement)
    page = client.get(supplier.get_absolute_url()).content.decode()
    assert "Missing contract clauses: Return and deletion of data." in page
    history = client.get(supplier.get_absolute_url() + "?tab=history").content.decode()
    assert "Lumen Language Models Ltd" in history
    services.update_supplier(actor=procurement, supplier=supplier, changes={"country": "IE"})
    assert client.get(supplier.get_absolute_url() + "?tab=journal").status_code == 200
