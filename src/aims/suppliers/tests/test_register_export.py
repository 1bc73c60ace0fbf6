"""The supplier register exported as CSV or XLSX: exactly what the register shows the reader (scope, filters, order),
labels in the header row in the reader's language, codes in the cells, through the shared writers (aims.core.exports:
formula injection defused)."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from aims.core.testing import person_with_role
from aims.suppliers import services
from aims.suppliers.models import Supplier

pytestmark = pytest.mark.django_db

URL = reverse("suppliers:supplier_export")
EXPORT_QUERIES = 5  # session, user, role scopes, the units they reach, the suppliers (one query, whatever their number)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.fixture
def register(ready_supplier, procurement, manager, make_supplier, org):
    services.submit_for_approval(actor=procurement, supplier=ready_supplier)
    services.approve_supplier(actor=manager, supplier=ready_supplier)
    Supplier.objects.filter(pk=ready_supplier.pk).update(criticality="high", country="IE")
    make_supplier(legal_name="=HYPERLINK(\"http://evil\")", country="FR")
    south_owner = person_with_role("system_owner", org["south"])
    services.create_supplier(actor=south_owner, legal_name="Southern Data Co", unit=org["south"], owner=south_owner)
    return ready_supplier


def test_csv_has_labels_in_the_header_and_codes_in_the_cells(client, register, procurement, backup):
    client.force_login(procurement)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'filename="suppliers.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:3] == ["Legal name", "Registration number", "VAT number"]
    assert "Onboarding status" in header and "Criticality" in header and "Re-assessment due on" in header
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    # The reader's scope: North's suppliers, not South's.
    assert set(by_name) == {"Lumen Language Models Ltd", "'=HYPERLINK(\"http://evil\")"}
    lumen = by_name["Lumen Language Models Ltd"]
    assert (lumen["Onboarding status"], lumen["Criticality"], lumen["Country"]) == ("approved", "high", "IE")
    assert lumen["Managing unit code"] == "north"
    assert (lumen["Internal owner"], lumen["Backup owner"]) == (procurement.email, backup.email)
    assert lumen["Clauses in the contract"].split() == register.clauses
    assert lumen["Last assessed on"] and lumen["Re-assessment due on"] > lumen["Last assessed on"]


def test_the_export_follows_the_register_filters_and_order(client, register, manager):
    client.force_login(manager)  # sees the whole organisation
    _header, *rows = csv_rows(client.get(URL, {"sort": "-name"}))
    assert [row[0] for row in rows] == ["Southern Data Co", "Lumen Language Models Ltd",
                                        "'=HYPERLINK(\"http://evil\")"]
    _header, *rows = csv_rows(client.get(URL, {"status": "approved"}))
    assert [row[0] for row in rows] == ["Lumen Language Models Ltd"]
    listing = client.get(reverse("suppliers:supplier_list"), {"status": "approved"}).content.decode()
    assert f'href="{URL}?status=approved&amp;format=xlsx"' in listing


def test_xlsx_in_french_keeps_codes(client, register, manager):
    manager.language = "fr"
    manager.save(update_fields=["language"])
    client.force_login(manager)
    response = client.get(URL, {"format": "xlsx", "q": "Lumen"})
    assert response.status_code == 200 and 'filename="suppliers.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[0] == "Raison sociale" and "Criticité" in header
    row = dict(zip(header, rows[0], strict=True))
    assert row["Raison sociale"] == "Lumen Language Models Ltd" and row["Criticité"] == "high"


def test_unknown_format_and_readers_without_a_role(client, register, org):
    client.force_login(person_with_role("aims_manager", None))
    assert client.get(URL, {"format": "pdf"}).status_code == 404
    client.force_login(person_with_role(None))
    assert client.get(URL).status_code == 403


def test_pinned_queries(client, register, procurement, make_supplier, django_assert_num_queries):
    client.force_login(procurement)
    client.get(URL)  # warm the caches a first request fills
    with django_assert_num_queries(EXPORT_QUERIES):
        b"".join(client.get(URL).streaming_content)
    for number in range(5):
        make_supplier(legal_name=f"Vendor {number}")
    with django_assert_num_queries(EXPORT_QUERIES):
        b"".join(client.get(URL).streaming_content)

