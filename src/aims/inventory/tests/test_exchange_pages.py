"""The import page (upload -> preview -> confirm), the template, the portfolio export and the CycloneDX download."""

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from aims.core.exports import csv_text
from aims.inventory.exchange import cyclonedx_export
from aims.inventory.models import AISystem, Component, ModelCard

FIXTURE = Path(__file__).parent / "data" / "cyclonedx_mlbom.json"
URL = "/inventory/import/"


@pytest.fixture(autouse=True)
def _storage_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def _systems_csv(owner, name="Uploaded system", reference="AIS-UP-1") -> SimpleUploadedFile:
    text = csv_text(["reference_code", "name", "unit_code", "owner_email"], [[reference, name, "north", owner.email]])
    return SimpleUploadedFile("systems.csv", text.encode(), content_type="text/csv")


def test_urls_are_named():
    assert reverse("inventory:import") == URL
    assert reverse("inventory:import_template") and reverse("inventory:portfolio_export")
    assert reverse("inventory:system_cyclonedx", args=[1])


def test_upload_preview_then_confirm(client, manager, owner):
    client.force_login(manager)
    response = client.post(URL, {"step": "preview", "file": _systems_csv(owner)})
    assert response.status_code == 200
    assert b"data-import-preview" in response.content and b"AIS-UP-1" in response.content
    assert not AISystem.objects.exists()
    token = response.context["token"]

    response = client.post(URL, {"step": "apply", "token": token})
    assert response.status_code == 302
    assert AISystem.objects.get(reference_code="AIS-UP-1").name == "Uploaded system"
    # The stored upload is gone: confirming twice imports nothing more.
    response = client.post(URL, {"step": "apply", "token": token})
    assert response.status_code == 302 and AISystem.objects.count() == 1


def test_confirmation_revalidates_the_file(client, manager, owner, org):
    """Between preview and confirmation the owner left: the confirmation checks again and refuses."""
    client.force_login(manager)
    response = client.post(URL, {"step": "preview", "file": _systems_csv(owner)})
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    response = client.post(URL, {"step": "apply", "token": response.context["token"]})
    assert response.status_code == 200 and not AISystem.objects.exists()
    assert [(p.row, p.column) for p in response.context["problems"]] == [(2, "owner_email")]


def test_preview_lists_errors_next_to_their_row_and_column(client, manager, owner):
    client.force_login(manager)
    bad = csv_text(["reference_code", "name", "unit_code", "owner_email"], [["", "X", "nowhere", owner.email]])
    response = client.post(URL, {"step": "preview", "file": SimpleUploadedFile("s.csv", bad.encode())})
    assert b"data-import-errors" in response.content and b"Import now" not in response.content
    assert "row 2, column unit_code" in response.content.decode()


def test_an_unreadable_file_is_explained(client, manager):
    client.force_login(manager)
    response = client.post(URL, {"step": "preview", "file": SimpleUploadedFile("s.xlsx", b"not a workbook")})
    assert "not an Excel workbook" in response.content.decode()


def test_cyclonedx_upload_for_a_system(client, manager, make_system):
    system = make_system()
    client.force_login(manager)
    upload = SimpleUploadedFile("bom.json", FIXTURE.read_bytes(), content_type="application/json")
    response = client.post(URL, {"step": "preview", "file": upload, "system": system.pk})
    assert response.context["summary"]["components_to_create"] == 3
    kinds = {item.kind for item in response.context["plan"].items}
    assert kinds and all(f"<td>{kind}</td>" not in response.content.decode() for kind in kinds)  # words, not codes
    response = client.post(URL, {"step": "apply", "token": response.context["token"]})
    assert response.status_code == 302 and response.url == system.get_absolute_url()
    assert Component.objects.count() == 3 and ModelCard.objects.filter(system=system).exists()


def test_import_needs_the_inventory_add_permission(client, role_user, org):
    client.force_login(role_user("viewer", org["north"]))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("inventory:import_template")).status_code == 403


def test_template_download(client, manager):
    client.force_login(manager)
    response = client.get(reverse("inventory:import_template") + "?format=xlsx")
    header = [c.value for c in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    assert "owner_email" in header and "next_review_date" in header


def test_portfolio_export_follows_the_filter_and_the_readers_scope(client, role_user, org, make_system):
    make_system(name="North high", criticality="high", reference_code="AIS-N1")
    make_system(name="North low", criticality="low", reference_code="AIS-N2")
    make_system(name="South high", criticality="high", unit=org["south"], reference_code="AIS-S1")
    client.force_login(role_user("viewer", org["north"]))
    response = client.get(reverse("inventory:portfolio_export") + "?criticality=high&format=csv")
    text = b"".join(response.streaming_content).decode()
    assert "AIS-N1" in text and "AIS-N2" not in text and "AIS-S1" not in text
    response = client.get(reverse("inventory:portfolio_export") + "?format=xlsx&sort=-name")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["AIS-N2", "AIS-N1"]


def test_cyclonedx_download_is_valid_and_scoped(client, role_user, org, make_system):
    north, south = make_system(), make_system(unit=org["south"], name="Southern")
    client.force_login(role_user("viewer", org["north"]))
    response = client.get(reverse("inventory:system_cyclonedx", args=[north.pk]))
    assert response["Content-Type"] == "application/vnd.cyclonedx+json"
    assert cyclonedx_export.validate_bom(response.content.decode()) == []
    assert json.loads(response.content)["metadata"]["component"]["name"] == north.name
    assert client.get(reverse("inventory:system_cyclonedx", args=[south.pk])).status_code == 404


def test_abandoned_uploads_are_purged(client, manager, owner, settings):
    import os
    import time

    from aims.inventory.exchange.files import UPLOAD_DIR, purge_stale_uploads

    client.force_login(manager)
    client.post(URL, {"step": "preview", "file": _systems_csv(owner)})
    stored = list((settings.MEDIA_ROOT / UPLOAD_DIR).iterdir())
    assert len(stored) == 1
    assert purge_stale_uploads() == 0  # a fresh upload stays until confirmed
    old = time.time() - 2 * 24 * 3600
    os.utime(stored[0], (old, old))
    assert purge_stale_uploads() == 1 and not stored[0].exists()
