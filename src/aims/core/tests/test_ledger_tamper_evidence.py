"""The ledger is append-only and any tampering behind the application's back is found by `aims ledger verify`."""

import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from aims.core import ledger, services
from aims.core.models import LedgerEvent
from aims.core.testing import drop_ledger_triggers, restore_ledger_triggers, run_ledger_verify

pytestmark = pytest.mark.django_db


def tamper(sql, params=()):
    drop_ledger_triggers()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    restore_ledger_triggers()


def test_intact_chain_verifies(five_events):
    assert run_ledger_verify() == (0, "")
    result = ledger.verify()
    assert result.ok and result.count == 5 and result.head == five_events[-1].hash


def test_each_event_links_to_the_previous_hash(five_events):
    assert five_events[0].prev_hash == ledger.GENESIS
    for previous, event in zip(five_events, five_events[1:]):
        assert event.prev_hash == previous.hash


@pytest.mark.parametrize("sql", ["UPDATE core_ledgerevent SET reason = 'x'", "DELETE FROM core_ledgerevent"])
def test_database_refuses_update_and_delete(five_events, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert LedgerEvent.objects.count() == 5


def test_modified_value_is_named(five_events):
    tamper("UPDATE core_ledgerevent SET object_label = 'Forged' WHERE id = 3")
    code, err = run_ledger_verify()
    assert code == 1 and "#3" in err and "modified" in err


def test_modified_before_after_json_is_named(five_events):
    tamper("UPDATE core_ledgerevent SET after = %s WHERE id = 2", [json.dumps({"name": "Other"})])
    code, err = run_ledger_verify()
    assert code == 1 and "#2" in err


def test_deleted_row_is_named(five_events):
    tamper("DELETE FROM core_ledgerevent WHERE id = 2")
    code, err = run_ledger_verify()
    assert code == 1 and "#3" in err and "gap" in err


def test_inserted_row_is_named(five_events):
    # Re-number the tail to make room, then insert a forged event with a self-consistent hash of its own.
    first = five_events[0]
    forged_hash = "f" * 64
    drop_ledger_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_ledgerevent SET id = id + 100 WHERE id >= 2")
        cursor.execute(
            "INSERT INTO core_ledgerevent (id, created_at, actor_label, action, object_type, object_id, object_label,"
            " before, after, reason, request_id, prev_hash, hash) VALUES (2, %s, 'mallory', 'x', 'y', '1', 'z', '{}',"
            " '{}', '', '', %s, %s)", [first.created_at, first.hash, forged_hash])
    restore_ledger_triggers()
    code, err = run_ledger_verify()
    assert code == 1 and "#2" in err


def test_swapped_rows_are_named(five_events):
    a, b = five_events[1], five_events[2]
    drop_ledger_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_ledgerevent SET id = -1 WHERE id = %s", [a.id])
        cursor.execute("UPDATE core_ledgerevent SET id = %s WHERE id = %s", [a.id, b.id])
        cursor.execute("UPDATE core_ledgerevent SET id = %s WHERE id = -1", [b.id])
    restore_ledger_triggers()
    code, err = run_ledger_verify()
    assert code == 1 and f"#{a.id}" in err


def test_dropped_trigger_then_edit_is_still_caught(five_events):
    drop_ledger_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_ledgerevent SET actor_label = 'someone-else' WHERE id = 5")
    code, err = run_ledger_verify()
    restore_ledger_triggers()
    assert code == 1 and "#5" in err


def test_export_can_be_verified_offline(five_events, tmp_path):
    out = tmp_path / "ledger.jsonl"
    call_command("ledger", "export", str(out), stdout=__import__("io").StringIO())
    lines = out.read_text().splitlines()
    assert json.loads(lines[0])["type"] == "aims-ledger-export"
    trailer = json.loads(lines[-1])
    assert {k: trailer[k] for k in ("type", "count", "head")} == {"type": "aims-ledger-head", "count": 5,
                                                                  "head": five_events[-1].hash}
    assert trailer["key"] and trailer["sig"]  # signed with the ledger key
    assert ledger.verify_export(lines).ok
    forged = json.loads(lines[3])
    forged["reason"] = "rewritten"
    lines[3] = json.dumps(forged)
    result = ledger.verify_export(lines)
    assert not result.ok and result.bad_id == 3


def test_change_and_event_commit_together(admin_user, org):
    """If the service fails after writing, neither the change nor its event remains."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.create_org_unit(actor=admin_user, name="Dup", code="root")  # code already used
    assert LedgerEvent.objects.count() == 0



def test_an_export_cut_short_or_empty_does_not_verify(five_events, tmp_path):
    """The offline check holds the export to its own trailer: events dropped, trailer kept, fails; so does a file
    without its trailer, without its header, or with nothing in it."""
    lines = list(ledger.export_lines())
    assert ledger.verify_export(lines).ok
    dropped = [line for line in lines if '"id":5,' not in line]
    assert ledger.verify_export(dropped).kind == ledger.EXPORT_INCOMPLETE
    assert ledger.verify_export(lines[:-1]).kind == ledger.EXPORT_INCOMPLETE
    assert ledger.verify_export(lines[1:]).kind == ledger.EXPORT_INCOMPLETE
    assert not ledger.verify_export([]).ok
    assert not ledger.verify_export(lines + [lines[1]]).ok
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    code, err = run_ledger_verify("--file", str(empty))
    assert code == 1 and "export header" in err
