"""Heads recorded outside the database catch what the chain alone cannot: events cut from its end, and a chain
rewritten with fresh hashes."""

import json

import pytest
from django.urls import reverse

from aims.core import ledger
from aims.core.models import LedgerEvent
from aims.core.testing import drop_ledger_triggers, restore_ledger_triggers, run_ledger_verify

pytestmark = pytest.mark.django_db


def behind_the_back(change):
    drop_ledger_triggers()
    try:
        change()
    finally:
        restore_ledger_triggers()


def test_an_anchor_file_from_before_signed_checkpoints_is_still_honoured(five_events):
    ledger.record_anchor()
    assert ledger.anchor_path().read_text().count("\n") == 1
    assert run_ledger_verify() == (0, "")


def test_events_cut_from_the_end_are_found(five_events):
    ledger.record_anchor()
    behind_the_back(lambda: LedgerEvent.objects.filter(pk__gte=five_events[3].pk).delete())
    assert ledger.verify_rows(ledger.reader().rows()).ok  # the shortened chain alone looks fine...
    code, err = run_ledger_verify()  # ...but not against the recorded head
    assert code == 1 and f"#{five_events[4].pk}" in err and "removed from its end" in err


def test_a_chain_rewritten_with_fresh_hashes_is_found(five_events):
    ledger.record_anchor()

    def rewrite():
        previous = five_events[1].hash
        for event in five_events[2:]:
            if event.pk == five_events[2].pk:
                event.reason = "nothing happened here"
            event.prev_hash = previous
            event.hash = ledger.hash_of(event, previous)
            LedgerEvent.objects.filter(pk=event.pk).update(reason=event.reason, prev_hash=event.prev_hash,
                                                          hash=event.hash)
            previous = event.hash

    behind_the_back(rewrite)
    assert ledger.verify_rows(ledger.reader().rows()).ok  # a consistent forgery...
    code, err = run_ledger_verify()
    assert code == 1 and f"#{five_events[4].pk}" in err and "rewritten" in err


def test_a_torn_last_line_does_not_hide_earlier_anchors(five_events):
    ledger.record_anchor()
    with ledger.anchor_path().open("a") as handle:
        handle.write('{"id": 99, "hash"')  # a crash in the middle of writing
    behind_the_back(lambda: LedgerEvent.objects.filter(pk=five_events[4].pk).delete())
    assert run_ledger_verify()[0] == 1


def test_the_ledger_page_explains_a_cut_chain(client, five_events, admin_user):
    client.force_login(admin_user)  # logging in is an event too: the head is the login
    head = ledger.record_anchor()
    behind_the_back(lambda: LedgerEvent.objects.filter(pk=head["id"]).delete())
    page = client.get(reverse("ledger_verify")).content.decode()
    assert f"Chain broken at event #{head['id']}:" in page and "events were removed from the end" in page


def test_an_auditor_checks_an_export_against_a_copy_of_the_anchors_offline(five_events, tmp_path):
    ledger.record_anchor()
    anchors = tmp_path / "anchors-copy.jsonl"
    anchors.write_text(ledger.anchor_path().read_text())
    lines = list(ledger.export_lines())
    assert ledger.verify_export(lines, anchors).ok
    # The newest event left out, and the trailer rewritten to match: consistent on its own...
    cut = [line for line in lines[:-1] if f'"id":{five_events[4].pk},' not in line]
    cut.append(json.dumps({"type": "aims-ledger-head", "count": 4, "head": five_events[3].hash}))
    assert ledger.verify_export(cut).ok
    result = ledger.verify_export(cut, anchors)  # ...but not against the recorded head
    assert not result.ok and result.kind == ledger.TRUNCATED and result.bad_id == five_events[4].pk
    export = tmp_path / "cut.jsonl"
    export.write_text("\n".join(cut) + "\n")
    code, err = run_ledger_verify("--file", str(export), "--anchors", str(anchors))
    assert code == 1 and "removed from its end" in err
