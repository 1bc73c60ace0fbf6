"""The supplier API's exchange operations: the register export (the page's selection, CSV or XLSX), the register
import and a supplier's CycloneDX BOM (dry run, then confirm=true: checked again and applied all or nothing),
permission-scoped."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from aims.core.models import LedgerEvent
from aims.core.testing import UserFactory, person_with_role
from aims.inventory import services as inventory
from aims.inventory.models import Component
from aims.suppliers import services
from aims.suppliers.models import Supplier, Supply
from aims.suppliers.tests.test_supplier_bom import standalone_bom

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def bom_file(data=None, name="vendor.cdx.json"):
    return SimpleUploadedFile(name, data if data is not None else standalone_bom(), content_type="application/json")


def register_file(text: str, name="suppliers.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


# --- Export ----------------------------------------------------------------------------------------------------------

def test_the_export_is_the_register_selection(client, make_supplier, procurement, org):
    make_supplier(legal_name="Zeta Data", country="US")
    make_supplier(legal_name="Alpha Models", country="FR")
    south = person_with_role("system_owner", org["south"])
    services.create_supplier(actor=south, legal_name="Southern Co", unit=org["south"], owner=south)
    client.force_login(procurement)
    response = client.get("/api/v1/suppliers/export?sort=-name")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = csv_rows(response)
    assert header[:2] == ["Legal name", "Registration number"] and [r[0] for r in rows] == ["Zeta Data", "Alpha Models"]
    assert [r[0] for r in csv_rows(client.get("/api/v1/suppliers/export?country=FR"))[1:]] == ["Alpha Models"]
    xlsx = client.get("/api/v1/suppliers/export?format=xlsx")
    assert xlsx.status_code == 200 and 'filename="suppliers.xlsx"' in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Legal name", "Alpha Models", "Zeta Data"]
    assert client.get("/api/v1/suppliers/export?format=pdf").status_code == 422


def test_the_export_is_refused_to_people_who_read_no_supplier(client):
    client.force_login(UserFactory())  # signed in, no role
    assert client.get("/api/v1/suppliers/export").status_code == 403


# --- Register import -----------------------------------------------------------------------------------------------

def test_register_import_dry_run_then_confirm(client, procurement):
    client.force_login(procurement)
    text = f"Legal name,Managing unit code,Internal owner\nAcme AI,north,{procurement.email}\n"
    dry = client.post("/api/v1/suppliers/import", {"file": register_file(text)})
    assert dry.status_code == 200 and dry.json()["applied"] is False and dry.json()["to_create"] == 1
    assert not Supplier.objects.exists()
    done = client.post("/api/v1/suppliers/import", {"file": register_file(text), "confirm": "true"})
    assert done.status_code == 200 and done.json()["applied"] is True
    assert Supplier.objects.get().pk == done.json()["created_ids"][0]
    refused = client.post("/api/v1/suppliers/import", {"file": register_file(text), "confirm": "true"})
    body = refused.json()
    assert refused.status_code == 400 and body["applied"] is False and body["problem_count"] == 1
    assert body["problems"][0]["row"] == 2 and "already in the register" in body["problems"][0]["text"]
    assert Supplier.objects.count() == 1


def test_register_import_needs_the_right_to_add_suppliers(client, org):
    client.force_login(person_with_role("contributor", org["north"]))
    response = client.post("/api/v1/suppliers/import", {"file": register_file("Legal name\nAcme\n"),
                                                        "confirm": "true"})
    assert response.status_code == 403 and not Supplier.objects.exists()


# --- A supplier's BOM ----------------------------------------------------------------------------------------------

def test_bom_dry_run_then_confirm(client, make_supplier, procurement, manager, org):
    supplier = make_supplier()
    system = inventory.create_system(actor=manager, name="CV screening", unit=org["north"], owner=procurement)
    client.force_login(procurement)
    url = f"/api/v1/suppliers/{supplier.pk}/bom"
    dry = client.post(url, {"file": bom_file(), "system_id": system.pk})
    body = dry.json()
    assert dry.status_code == 200 and body["applied"] is False and body["components_supplied"] == 3
    assert body["summary"]["components_to_create"] == 3 and not Component.objects.exists()
    done = client.post(url, {"file": bom_file(), "system_id": system.pk, "confirm": "true"})
    body = done.json()
    assert done.status_code == 200 and body["applied"] is True and body["supplies_recorded"] == 3
    assert Supply.objects.filter(supplier=supplier).count() == 3
    assert Supplier.objects.get(pk=supplier.pk).criticality != ""  # the system now depends on it


def test_a_broken_bom_is_refused_as_a_whole(client, make_supplier, procurement):
    supplier = make_supplier()
    client.force_login(procurement)
    document = json.loads(standalone_bom())
    document["components"][0]["type"] = "spaceship"
    events = LedgerEvent.objects.count()
    for confirm in ("false", "true"):
        response = client.post(f"/api/v1/suppliers/{supplier.pk}/bom",
                               {"file": bom_file(json.dumps(document).encode()), "confirm": confirm})
        assert response.status_code == 400 and response.json()["applied"] is False
        assert response.json()["problems"][0]["path"].startswith("$.components[0]")
    unreadable = client.post(f"/api/v1/suppliers/{supplier.pk}/bom", {"file": bom_file(b"{not json"),
                                                                      "confirm": "true"})
    assert unreadable.status_code == 400 and unreadable.json()["problems"]
    assert not Component.objects.exists() and LedgerEvent.objects.count() == events


def test_bom_is_permission_scoped(client, make_supplier, procurement, org):
    supplier = make_supplier()
    url = f"/api/v1/suppliers/{supplier.pk}/bom"
    client.force_login(person_with_role("viewer", org["north"]))  # reads the supplier, may not change it
    assert client.post(url, {"file": bom_file(), "confirm": "true"}).status_code == 403
    client.force_login(person_with_role("system_owner", org["south"]))  # does not see it
    assert client.post(url, {"file": bom_file(), "confirm": "true"}).status_code == 404
    client.force_login(procurement)
    south_system = inventory.create_system(actor=person_with_role("aims_manager", home_unit=org["root"]),
                                           name="South bot", unit=org["south"],
                                           owner=person_with_role("system_owner", org["south"]))
    answer = client.post(url, {"file": bom_file(), "system_id": south_system.pk, "confirm": "true"})
    assert answer.status_code == 422 and "system_id" in answer.json()["error"]["fields"]
    assert not Component.objects.exists()
