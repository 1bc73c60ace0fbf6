"""Retention and legal hold block deletion in the service layer AND in the database; `aims evidence verify` names a
stored file changed or removed behind the product's back."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from aims.core.models import LedgerEvent
from aims.evidence import services
from aims.evidence.models import EvidenceItem, EvidenceVersion

from .conftest import clock_at, days_ago, pdf

pytestmark = pytest.mark.django_db


def run_verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("evidence", "verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_service_refuses_to_delete_evidence_under_retention(manager, unit):
    item = services.create_evidence(actor=manager, title="Signed AI policy", unit=unit, evidence_type="policy",
                                    file=pdf())
    events = LedgerEvent.objects.count()
    with pytest.raises(ValidationError, match="must be kept until"):
        services.delete_evidence(actor=manager, item=item, reason="clean-up")
    assert EvidenceItem.objects.filter(pk=item.pk).exists() and LedgerEvent.objects.count() == events


def test_database_refuses_to_delete_retained_evidence(manager, unit):
    """Even code or a person that bypasses the services cannot delete it: the database itself refuses."""
    item = services.create_evidence(actor=manager, title="Signed AI policy", unit=unit, file=pdf())
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        EvidenceItem.objects.filter(pk=item.pk).delete()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM evidence_evidenceversion WHERE item_id = %s", [item.pk])
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        with connection.cursor() as cursor:  # shortening retention first is refused too
            cursor.execute("UPDATE evidence_evidenceitem SET retain_until = '2000-01-01' WHERE id = %s", [item.pk])
    assert EvidenceItem.objects.filter(pk=item.pk).exists()
    assert EvidenceVersion.objects.filter(item_id=item.pk).count() == 1


def test_legal_hold_blocks_deletion_after_retention_in_service_and_database(manager, unit):
    with clock_at(days_ago(4 * 366)):  # uploaded four years ago as "other" (kept 36 months)
        item = services.create_evidence(actor=manager, title="Old screenshot", unit=unit, evidence_type="other",
                                        file=pdf())
    services.set_legal_hold(actor=manager, item=item, reason="Litigation with a customer")
    with pytest.raises(ValidationError, match="legal hold"):
        services.delete_evidence(actor=manager, item=item, reason="clean-up")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        EvidenceItem.objects.filter(pk=item.pk).delete()
    services.release_legal_hold(actor=manager, item=item, reason="Case closed")
    item.refresh_from_db()
    services.delete_evidence(actor=manager, item=item, reason="Retention over, case closed")
    assert not EvidenceItem.objects.filter(pk=item.pk).exists()
    deleted = LedgerEvent.objects.get(action="evidence.evidenceitem.delete")
    assert deleted.reason == "Retention over, case closed" and deleted.before_data["versions"]


def test_only_delete_rights_may_put_a_hold_or_delete(contributor, unit):
    item = services.create_evidence(actor=contributor, title="Report", unit=unit, file=pdf())
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_legal_hold(actor=contributor, item=item, reason="x")
    with pytest.raises(PermissionDenied):
        services.delete_evidence(actor=contributor, item=item, reason="x")


def test_verify_passes_when_every_file_is_intact(contributor, unit):
    services.create_evidence(actor=contributor, title="A", unit=unit, file=pdf("a.pdf"))
    services.create_evidence(actor=contributor, title="B", unit=unit, file=pdf("b.pdf", extra=b"%b\n"))
    code, out, _err = run_verify()
    assert code == 0 and "2 stored files intact" in out


def test_verify_fails_naming_a_file_edited_on_disk(contributor, unit, settings):
    item = services.create_evidence(actor=contributor, title="Model validation report", unit=unit, file=pdf())
    services.create_evidence(actor=contributor, title="Other", unit=unit, file=pdf("o.pdf", extra=b"%o\n"))
    stored = settings.MEDIA_ROOT / item.current_version.storage_name
    stored.write_bytes(stored.read_bytes().replace(b"/Count 0", b"/Count 9"))  # behind the product's back
    code, _out, err = run_verify()
    assert code == 1
    assert f"CHANGED  {item.current_version.storage_name}" in err and f"{item.reference} v1" in err
    assert "1 of 2 stored files failed" in err


def test_verify_fails_naming_a_missing_file(contributor, unit, settings):
    item = services.create_evidence(actor=contributor, title="Report", unit=unit, file=pdf())
    (settings.MEDIA_ROOT / item.current_version.storage_name).unlink()
    code, _out, err = run_verify()
    assert code == 1 and f"MISSING  {item.current_version.storage_name}" in err and item.reference in err
