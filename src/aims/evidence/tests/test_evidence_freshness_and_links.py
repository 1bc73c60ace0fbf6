"""Validity dates give freshness; events on what the evidence proves (a major change, a new model version) mark it
"to re-confirm" until its owner confirms or replaces it; the expiry job tells owners once."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from aims.core import context
from aims.core.models import Notification, Task
from aims.core.testing import person_with_role
from aims.evidence import services, tasks
from aims.evidence.links import evidence_for
from aims.evidence.models import EvidenceItem, Freshness
from aims.inventory import services as inventory

from .conftest import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(manager, unit):
    owner = person_with_role("system_owner", unit)
    return inventory.create_system(actor=manager, name="Credit scoring", unit=unit, owner=owner,
                                   purpose="Scores credit applications")


def test_freshness_follows_validity_dates(contributor, unit):
    today = context.today()
    item = services.create_evidence(actor=contributor, title="ISO certificate", unit=unit, file=pdf(),
                                    valid_until=today + timedelta(days=90))
    assert item.freshness() == Freshness.VALID
    assert item.freshness(on=today + timedelta(days=70)) == Freshness.EXPIRING
    assert item.freshness(on=today + timedelta(days=91)) == Freshness.EXPIRED
    renewed = services.create_evidence(actor=contributor, title="Pen test", unit=unit, file=pdf(),
                                       effective_date=date(2026, 1, 31), renewal_months=1)
    assert renewed.expires_on == date(2026, 2, 28)  # a month after 31 January, not 3 March


def test_validity_needs_consistent_dates(contributor, unit):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not both"):
        services.create_evidence(actor=contributor, title="X", unit=unit, file=pdf(), valid_until=date(2027, 1, 1),
                                 effective_date=date(2026, 1, 1), renewal_months=12)
    with pytest.raises(ValidationError, match="effective date"):
        services.create_evidence(actor=contributor, title="X", unit=unit, file=pdf(), renewal_months=12)


def test_a_major_change_marks_linked_evidence_to_reconfirm(manager, unit, system):
    item = services.create_evidence(actor=manager, title="Bias test report", unit=unit, file=pdf(),
                                    owner=system.owner, link_to=[system])
    assert list(evidence_for(system)) == [item]
    from aims.core import services as core

    committee_member = person_with_role("viewer")
    core.create_group(actor=person_with_role("administrator"), name="AI governance committee",
                      members=[committee_member])
    decision = inventory.request_change(actor=manager, system=system, kind="major_update",
                                        description="Retrained on 2026 data")
    decision.status = "approved"
    decision.save(update_fields=["status"])
    inventory.make_change_effective(actor=manager, decision=decision)
    item.refresh_from_db()
    assert item.freshness() == Freshness.TO_RECONFIRM and "Retrained on 2026 data" in item.reconfirm_reason
    # Stored as a fact: the owner reads it in French, the typed description as typed.
    assert item.reconfirm_fact["message"] == "Major change of %(system)s: %(description)s"
    with translation.override("fr"):
        french = item.reconfirm_reason_text
    assert "Retrained on 2026 data" in french and "Major change of" not in french
    task = Task.objects.get(assignee=system.owner, source=f"evidence.reconfirm.{item.pk}")
    assert task.url == item.get_absolute_url() and task.done_at is None
    services.reconfirm_evidence(actor=system.owner, item=item, note="Re-ran the bias tests: unchanged")
    item.refresh_from_db()
    task.refresh_from_db()
    assert item.freshness() == Freshness.VALID and task.done_at is not None


def test_a_new_model_version_marks_evidence_of_the_old_version_and_its_systems(manager, unit, system):
    model = inventory.create_component(actor=manager, kind="model", name="scorer", version_label="1.0",
                                       owner_unit=unit)
    inventory.link_component(actor=manager, system=system, component=model)
    on_model = services.create_evidence(actor=manager, title="Model card v1", unit=unit, file=pdf(),
                                        link_to=[model])
    on_system = services.create_evidence(actor=manager, title="Go-live approval", unit=unit,
                                         file=pdf("b.pdf", extra=b"%b\n"), link_to=[system])
    unrelated = services.create_evidence(actor=manager, title="Unrelated", unit=unit,
                                         file=pdf("c.pdf", extra=b"%c\n"))
    inventory.create_component_version(actor=manager, component=model, version_label="2.0")
    for item in (on_model, on_system, unrelated):
        item.refresh_from_db()
    assert on_model.reconfirm_required and on_system.reconfirm_required and not unrelated.reconfirm_required
    assert "2.0" in on_model.reconfirm_reason
    with translation.override("fr"):
        assert "2.0" in on_model.reconfirm_reason_text and "New version" not in on_model.reconfirm_reason_text
    # Uploading a replacement answers it as well.
    services.add_version(actor=manager, item=on_model, file=pdf("v2.pdf", extra=b"%v2\n"))
    on_model.refresh_from_db()
    assert not on_model.reconfirm_required


def test_linking_needs_the_right_to_change_the_target(contributor, unit, system):
    item = services.create_evidence(actor=contributor, title="Report", unit=unit, file=pdf())
    viewer = person_with_role("viewer", unit)
    with pytest.raises(PermissionDenied):
        services.link_evidence(actor=viewer, item=item, target=system)
    link = services.link_evidence(actor=system.owner, item=item, target=system)  # the named owner may
    assert link.object_type == "inventory.aisystem" and link.object_label == str(system)


def test_expiry_job_tells_the_owner_once(contributor, unit):
    item = services.create_evidence(actor=contributor, title="Certificate", unit=unit, file=pdf(),
                                    valid_until=context.today() + timedelta(days=10))
    assert tasks.warn_expiring() == 1
    assert tasks.warn_expiring() == 0  # already told about this expiry date
    task = Task.objects.get(assignee=contributor, source__startswith=f"evidence.expiry.{item.pk}.")
    assert task.due_date == item.expires_on
    assert Notification.objects.filter(recipient=contributor, kind="evidence.expiry").count() == 1


def test_the_migration_turns_stored_reasons_into_facts(manager, unit):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("aims.evidence.migrations.0004_reconfirm_fact")
    item = services.create_evidence(actor=manager, title="Bias test", unit=unit, file=pdf())
    typed = services.create_evidence(actor=manager, title="Other", unit=unit, file=pdf("o.pdf", extra=b"%o\n"))
    EvidenceItem.objects.filter(pk=item.pk).update(reconfirm_required=True,
                                                   reconfirm_reason="New version 2.0 of scorer (was 1.0).")
    EvidenceItem.objects.filter(pk=typed.pk).update(reconfirm_required=True, reconfirm_reason="Checked by hand")
    migration.convert(apps, None)
    item.refresh_from_db()
    typed.refresh_from_db()
    assert item.reconfirm_fact == {"message": "New version %(new)s of %(name)s (was %(old)s).",
                                   "params": {"new": "2.0", "name": "scorer", "old": "1.0"}}
    assert typed.reconfirm_fact == {"text": "Checked by hand"}
    with translation.override("fr"):
        assert "New version" not in item.reconfirm_reason_text and "scorer" in item.reconfirm_reason_text
