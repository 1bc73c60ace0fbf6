"""Uploads: stored under their SHA-256 (identical content kept once), checked by content and size, versions immutable
down to the database."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, transaction

from aims.core.models import LedgerEvent
from aims.evidence import services, storage
from aims.evidence.models import EvidenceItem, EvidenceVersion

from .conftest import PDF, pdf

pytestmark = pytest.mark.django_db


def test_a_file_is_stored_under_its_hash_and_ledgered(contributor, unit, settings):
    item = services.create_evidence(actor=contributor, title="Model validation report", unit=unit,
                                    evidence_type="test_report", file=pdf())
    version = item.current_version
    assert item.reference == f"EV-{item.pk:06d}" and version.number == 1
    assert version.sha256 == hashlib.sha256(PDF).hexdigest() and version.size == len(PDF)
    assert version.content_type == "application/pdf" and version.filename == "report.pdf"
    assert version.storage_name == storage.name_for(version.sha256)
    assert (settings.MEDIA_ROOT / version.storage_name).read_bytes() == PDF
    assert item.retention_months == 84 and item.retain_until.year == item.created_at.year + 7
    actions = list(LedgerEvent.objects.filter(object_type="evidence.evidenceitem", object_id=str(item.pk))
                   .values_list("action", flat=True))
    assert actions[:2] == ["evidence.evidenceitem.create", "evidence.evidenceversion.create"]


def test_identical_content_is_kept_once(contributor, unit, settings):
    first = services.create_evidence(actor=contributor, title="A", unit=unit, file=pdf("a.pdf"))
    second = services.create_evidence(actor=contributor, title="B", unit=unit, file=pdf("b.pdf"))
    assert first.current_version.storage_name == second.current_version.storage_name
    stored = [path for path in (settings.MEDIA_ROOT / "evidence").rglob("*") if path.is_file()]
    assert len(stored) == 1


@pytest.mark.parametrize("name, content, message", [
    ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "web markup"),
    ("diagram.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "web markup"),
    ("notes.txt", b"MZ\x90\x00\x03" + b"\x00" * 300, "is not accepted"),
    ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "its content is PNG"),
    ("empty.pdf", b"", "empty"),
    ("data.bin", b"\x01\x02\x03\x04 binary junk \xff\xfe", "not recognised"),
])
def test_uploads_are_checked_by_content_not_name(contributor, unit, name, content, message):
    with pytest.raises(ValidationError) as error:
        services.create_evidence(actor=contributor, title="Bad", unit=unit,
                                 file=SimpleUploadedFile(name, content))
    assert message in " ".join(error.value.message_dict["file"])
    assert not EvidenceItem.objects.exists()  # all or nothing


def test_text_and_office_files_are_accepted(contributor, unit):
    item = services.create_evidence(actor=contributor, title="Drift log", unit=unit,
                                    file=SimpleUploadedFile("drift.csv", "date,psi\n2026-12-01,0.12\n".encode()))
    assert item.current_version.content_type == "text/csv"


def test_size_limit(contributor, unit, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError, match="larger than the limit"):
        services.create_evidence(actor=contributor, title="Too big", unit=unit, file=pdf(extra=b"x" * 200))


def test_a_new_version_becomes_current_and_the_old_one_stays(contributor, unit):
    item = services.create_evidence(actor=contributor, title="Policy", unit=unit, file=pdf())
    second = services.add_version(actor=contributor, item=item, file=pdf(extra=b"% v2\n"), note="Annual update")
    item.refresh_from_db()
    assert item.current_version == second and second.number == 2
    assert list(item.versions.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_a_link_is_evidence_too(contributor, unit):
    item = services.create_evidence(actor=contributor, title="Model registry page", unit=unit, kind="link",
                                    url="https://mlflow.example.com/models/credit/7")
    assert item.current_version.url.endswith("/7") and item.current_version.sha256 == ""
    with pytest.raises(ValidationError):
        services.create_evidence(actor=contributor, title="Bad", unit=unit, kind="link", url="javascript:alert(1)")


def test_versions_are_immutable_in_the_database(contributor, unit):
    item = services.create_evidence(actor=contributor, title="Policy", unit=unit, file=pdf())
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        EvidenceVersion.objects.filter(pk=item.current_version_id).update(sha256="0" * 64)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        EvidenceVersion.objects.filter(pk=item.current_version_id).update(storage_name="elsewhere")
    # Recording an approval is the one change allowed.
    assert EvidenceVersion.objects.filter(pk=item.current_version_id).update(approved_by=contributor) == 1
