"""Evidence pages and API: the list (pinned queries), uploading from an object's page, downloads that are never
rendered inline, the refusal to delete under retention, and the same through the API."""

import hashlib

import pytest
from django.urls import reverse

from aims.core.testing import person_with_role
from aims.evidence import services
from aims.evidence.models import EvidenceItem
from aims.inventory import services as inventory

from .conftest import PDF, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(contributor, unit):
    # Titles by word, not number: a search term must not also match the references, which depend on the database's
    # sequences (PostgreSQL's do not restart between tests).
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
             "lima"]
    return [services.create_evidence(actor=contributor, title=f"Report {words[n]}", unit=unit,
                                     file=pdf(f"r{n}.pdf", extra=f"%{n}\n".encode())) for n in range(12)]


def test_list_shows_the_library_in_a_fixed_number_of_queries(client, contributor, library,
                                                              django_assert_max_num_queries):
    client.force_login(contributor)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("evidence:list"))
    html = response.content.decode()
    assert response.status_code == 200 and library[0].reference in html and 'data-total="12"' in html
    with django_assert_max_num_queries(10):
        filtered = client.get(reverse("evidence:list"), {"freshness": "valid", "q": "report BRAVO", "sort": "reference"})
    assert library[1].reference in filtered.content.decode() and library[2].reference not in filtered.content.decode()


def test_list_shows_nothing_outside_the_readers_units(client, library, unit):
    from aims.core.testing import OrgUnitFactory

    elsewhere = OrgUnitFactory(name="Retail", code="retail", parent=unit.parent)
    client.force_login(person_with_role("viewer", elsewhere))
    assert library[0].reference not in client.get(reverse("evidence:list")).content.decode()
    assert client.get(reverse("evidence:detail", args=[library[0].pk])).status_code == 404


def test_upload_from_an_objects_page_links_and_returns(client, manager, unit):
    owner = person_with_role("system_owner", unit)
    system = inventory.create_system(actor=manager, name="Fraud detector", unit=unit, owner=owner, purpose="Flags")
    client.force_login(owner)
    back = system.get_absolute_url()
    response = client.post(reverse("evidence:create"), {
        "kind": "file", "file": pdf("validation.pdf"), "title": "Validation report", "evidence_type": "test_report",
        "unit": unit.pk, "owner": owner.pk, "link_type": "inventory.aisystem", "link_id": system.pk, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    item = EvidenceItem.objects.get(title="Validation report")
    assert item.links.get().object_id == str(system.pk)


def test_a_refused_upload_keeps_the_form_and_says_why(client, contributor, unit):
    client.force_login(contributor)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("evidence:create"), {
        "kind": "file", "file": SimpleUploadedFile("report.pdf", b"<html><script>x</script></html>"),
        "title": "Sneaky", "evidence_type": "other", "unit": unit.pk})
    assert response.status_code == 400 and "web markup" in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_an_oversized_upload_is_cut_while_it_streams(client, contributor, unit, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1000
    client.force_login(contributor)
    response = client.post(reverse("evidence:create"), {
        "kind": "file", "file": pdf(extra=b"x" * 5000), "title": "Big", "evidence_type": "other", "unit": unit.pk})
    assert response.status_code == 400 and "larger than the limit" in response.content.decode()


def test_download_is_an_attachment_never_rendered_inline(client, contributor, unit):
    item = services.create_evidence(actor=contributor, title="Report", unit=unit, file=pdf())
    client.force_login(contributor)
    response = client.get(reverse("evidence:download", args=[item.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF
    assert response["Digest"] == f"sha-256={hashlib.sha256(PDF).hexdigest()}"


def test_delete_page_refuses_under_retention(client, manager, unit):
    item = services.create_evidence(actor=manager, title="Signed policy", unit=unit, evidence_type="policy",
                                    file=pdf())
    client.force_login(manager)
    page = client.get(reverse("evidence:delete", args=[item.pk])).content.decode()
    assert "must be kept until" in page and "Delete for good" not in page
    response = client.post(reverse("evidence:delete", args=[item.pk]), {"reason": "clean-up"})
    assert response.status_code == 400 and EvidenceItem.objects.filter(pk=item.pk).exists()


def test_api_upload_list_link_and_refused_delete(client, manager, unit):
    owner = person_with_role("system_owner", unit)
    system = inventory.create_system(actor=manager, name="Chatbot", unit=unit, owner=owner, purpose="Answers")
    client.force_login(manager)
    created = client.post("/api/v1/evidence", {"title": "Red-team report", "unit_id": unit.pk,
                                               "evidence_type": "test_report", "file": pdf("redteam.pdf"),
                                               "link_object_type": "inventory.aisystem",
                                               "link_object_id": str(system.pk)})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["current_version"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["freshness"] == "valid" and body["retain_until"]
    listed = client.get("/api/v1/evidence", {"object_type": "inventory.aisystem", "object_id": str(system.pk)}).json()
    assert [i["reference"] for i in listed["items"]] == [body["reference"]]
    refused = client.delete(f"/api/v1/evidence/{body['id']}?reason=tidy")
    assert refused.status_code == 422 and "must be kept until" in refused.json()["error"]["message"]
    hold = client.post(f"/api/v1/evidence/{body['id']}/legal-hold", {"hold": True, "reason": "Audit"},
                       content_type="application/json")
    assert hold.json()["legal_hold"] is True


def test_api_refuses_html_uploads(client, contributor, unit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(contributor)
    response = client.post("/api/v1/evidence", {"title": "x", "unit_id": unit.pk,
                                                "file": SimpleUploadedFile("x.pdf", b"<html></html>")})
    assert response.status_code == 422 and "file" in response.json()["error"]["fields"]


def test_evidence_takes_files_larger_than_the_imports_limit(client, contributor, unit, settings):
    """The product-wide upload limit (AIMS_MAX_UPLOAD_BYTES, for imports) does not cap evidence: its pages and API
    have their own, larger limit (settings.UPLOAD_LIMITS); elsewhere the small one still holds."""
    settings.MAX_UPLOAD_BYTES, settings.EVIDENCE_MAX_UPLOAD_BYTES = 1000, 100_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5000
    client.force_login(contributor)
    response = client.post(reverse("evidence:create"), {
        "kind": "file", "file": pdf(extra=b"x" * 5000), "title": "Big", "evidence_type": "other", "unit": unit.pk})
    assert response.status_code == 302 and EvidenceItem.objects.get(title="Big").current_version.size > 5000
    response = client.post("/api/v1/evidence", {"title": "Big too", "unit_id": unit.pk, "evidence_type": "other",
                                                "file": pdf(extra=b"y" * 5000)})
    assert response.status_code == 201, response.content
    announced = client.generic("POST", reverse("inventory:import"), b"", "multipart/form-data; boundary=x",
                               CONTENT_LENGTH=str(50_000))
    assert announced.status_code == 413
