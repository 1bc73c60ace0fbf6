"""ledger.record_many(): a batch of events appended as record() appends them one by one (one per object, chained,
verifiable, each object's history whole, webhooks queued), for imports of thousands of rows."""

import pytest
from django.db import transaction

from aims.core import ledger, services
from aims.core.models import LedgerEvent, OrgUnit, WebhookDelivery
from aims.core.testing import tamper

pytestmark = pytest.mark.django_db


def _units(count: int) -> list[OrgUnit]:
    return [OrgUnit.objects.create(name=f"Unit {i}", code=f"unit-{i}", path="/") for i in range(count)]


def test_a_batch_is_one_event_per_object_chained_after_the_head_and_verifiable(admin_user, django_assert_max_num_queries):
    services.create_org_unit(actor=admin_user, name="Before", code="before")  # a head to chain from
    head = LedgerEvent.objects.order_by("-id").first()
    units = _units(1203)  # more than two insert batches
    with transaction.atomic(), django_assert_max_num_queries(8):  # head, 3 inserts, webhook endpoints, savepoints
        count = ledger.record_many(actor=admin_user, reason="Imported from units.csv",
                                   changes=((("core.orgunit.create"), unit, None, ledger.snapshot(unit))
                                            for unit in units))

    assert count == 1203
    events = list(LedgerEvent.objects.filter(id__gt=head.id).order_by("id"))
    assert [e.id for e in events] == list(range(head.id + 1, head.id + 1204))
    assert events[0].prev_hash == head.hash and all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
    assert {e.actor_id for e in events} == {admin_user.pk} and {e.reason for e in events} == {"Imported from units.csv"}
    assert ledger.history(units[700]).get().object_label == "Unit 700"
    assert ledger.verify().ok

    services.create_org_unit(actor=admin_user, name="After", code="after")  # record() chains on after the batch
    assert ledger.verify().ok


def test_a_tampered_event_of_a_batch_is_found(admin_user):
    units = _units(5)
    with transaction.atomic():
        ledger.record_many(actor=admin_user, changes=[("core.orgunit.create", u, None, {"name": u.name}) for u in units])
    target = LedgerEvent.objects.get(object_id=str(units[2].pk))
    tamper("UPDATE core_ledgerevent SET after = %s WHERE id = %s", ['{"name":"Forged"}', target.pk])
    result = ledger.verify()
    assert not result.ok and result.bad_id == target.pk


def test_subscribed_webhooks_get_one_delivery_per_event_of_the_batch(admin_user):
    services.create_webhook(actor=admin_user, name="SIEM", url="https://siem.example.org/hook",
                            events=["core.orgunit.create"])
    units = _units(3)
    with transaction.atomic():
        ledger.record_many(actor=admin_user, changes=[("core.orgunit.create", u, None, {}) for u in units]
                           + [("core.orgunit.update", units[0], {}, {"name": "x"})])
    delivered = WebhookDelivery.objects.values_list("event__object_id", "event__action")
    assert sorted(delivered) == sorted((str(u.pk), "core.orgunit.create") for u in units)


def test_a_batch_crossing_the_checkpoint_interval_schedules_a_checkpoint(admin_user, settings,
                                                                         django_capture_on_commit_callbacks):
    from aims.core import ledger_checkpoints

    settings.LEDGER_CHECKPOINT_EVERY, settings.LEDGER_CHECKPOINT_SECONDS = 100, 0
    units = _units(250)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        ledger.record_many(actor=admin_user, changes=[("core.orgunit.create", u, None, {}) for u in units[:50]])
    assert ledger_checkpoints.write_checkpoint not in callbacks  # fewer than 100 events so far
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        ledger.record_many(actor=admin_user, changes=[("core.orgunit.create", u, None, {}) for u in units[50:]])
    assert ledger_checkpoints.write_checkpoint in callbacks
