"""The hash covers every column exactly as stored (recipe 2), events written with recipe 1 still verify, and a row
whose stored form is not the one the product writes is refused even when its hash matches."""

import json
from datetime import datetime, timezone as dt_timezone

import pytest
from django.db import DatabaseError, connection, transaction

from aims.core import context, ledger, ledger_chain, services
from aims.core.models import LedgerEvent
from aims.core.testing import drop_ledger_triggers, restore_ledger_triggers, run_ledger_verify, tamper

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's flexible column types")

TRICKY = [
    0, -1, 2**63, None, "", "plain", "é à ç", "日本語", "emoji 🙂", "quote \" backslash \\ slash /",
    "line\nbreak\ttab\rreturn", "\x00\x01\x1f\x7f", "\u2028\u2029", '{"name":"x","n":[1,2]}', "\ud7ff\ue000",
]


@pytest.mark.parametrize("value", TRICKY)
def test_the_recipe_1_encoder_matches_json_dumps(value):
    row = [1, "2025-01-02 03:04:05.000000", value, "label", value]
    assert ledger_chain.encode_array(row) == json.dumps(row, separators=(",", ":"), ensure_ascii=False)


def test_every_column_of_the_table_is_in_the_recipe():
    """A column added to LedgerEvent without being added to the hash recipe would be a field nobody protects."""
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "core_ledgerevent")}
    assert columns == set(ledger_chain.COLUMNS)
    assert {f.column for f in LedgerEvent._meta.concrete_fields} == set(ledger_chain.COLUMNS)


def test_recipe_2_is_length_prefixed_utf8_of_every_stored_value():
    digest = ledger_chain.hash_v2(ledger.GENESIS, 7, "2025-01-02 03:04:05.000001", None, "job:x", "a", "t", "1", "é",
                                  "{}", '{"k":1}', "", "r")
    body = (ledger.GENESIS + "\n2 7 - 26:2025-01-02 03:04:05.000001" + "5:job:x1:a1:t1:12:é2:{}7:{\"k\":1}0:1:r")
    import hashlib

    assert digest == hashlib.sha256(body.encode()).hexdigest()


@pytest.mark.parametrize("moment", [
    datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc),
    datetime(2025, 1, 2, 3, 4, 5, 500000, tzinfo=dt_timezone.utc),
    datetime(1999, 7, 1, 0, 0, 0, 1, tzinfo=dt_timezone.utc),
])
def test_the_time_verified_is_the_time_stored(admin_user, org, moment):
    """Even with no microseconds, the writer stores (SQLite) or renders (PostgreSQL) the 26-character canonical text."""
    with context.bound(clock=lambda: moment):
        services.create_org_unit(actor=admin_user, name="Team", code="team", parent=org["north"])
    (row,) = list(ledger.reader().rows())
    assert row[1] == ledger_chain.canonical_time(moment).encode() and row[14] == 2
    assert LedgerEvent.objects.get().created_at == moment
    assert ledger.verify().ok


def test_a_shifted_time_is_caught(five_events):
    if connection.vendor == "sqlite":  # what the finding did: the first 26 characters were all that was hashed
        tamper("UPDATE core_ledgerevent SET created_at = created_at || '+11:00' WHERE id = 3")
    else:
        tamper("UPDATE core_ledgerevent SET created_at = created_at + interval '11 hours' WHERE id = 3")
    code, err = run_ledger_verify()
    assert code == 1 and "#3" in err


@sqlite_only
def test_garbage_after_the_time_is_caught(five_events):
    tamper("UPDATE core_ledgerevent SET created_at = created_at || 'garbage' WHERE id = 2")
    code, err = run_ledger_verify()
    assert code == 1 and "#2" in err


@sqlite_only
def test_a_forged_event_with_a_matching_hash_but_a_time_not_written_as_the_product_writes_it_is_refused(five_events):
    last = five_events[-1]
    odd_time = "2025-01-02T03:04:05.000001"  # Django would read this back; the product never writes it
    texts = [getattr(last, name) for name in ledger_chain.COLUMNS[3:12]]
    forged = ledger_chain.hash_v2(last.prev_hash, last.id, odd_time, last.actor_id, *texts)
    tamper("UPDATE core_ledgerevent SET created_at = %s, hash = %s WHERE id = %s", [odd_time, forged, last.id])
    result = ledger.verify()
    assert not result.ok and result.bad_id == last.id and result.kind == ledger_chain.NONCANONICAL


@sqlite_only
@pytest.mark.parametrize("column", ["reason", "created_at", "prev_hash"])
def test_text_stored_as_a_blob_of_the_same_bytes_is_refused(five_events, column):
    """SQLite converts numbers written to a text column back to text (and text to numbers in an integer column),
    but keeps a BLOB: it reads back as the same bytes, yet the product would show it as b'...'."""
    change = f"{column} = CAST({column} AS BLOB)"
    tamper(f"UPDATE core_ledgerevent SET {change} WHERE id = 4")
    result = ledger.verify()
    assert not result.ok and result.bad_id == 4 and result.kind in (ledger_chain.NONCANONICAL, ledger_chain.MODIFIED)


def test_an_unknown_recipe_is_refused(five_events):
    tamper("UPDATE core_ledgerevent SET recipe = 3 WHERE id = 2")
    result = ledger.verify()
    assert not result.ok and result.bad_id == 2 and result.kind == ledger_chain.RECIPE


def test_a_recent_event_cannot_be_passed_off_as_a_recipe_1_event(five_events):
    tamper("UPDATE core_ledgerevent SET recipe = 1 WHERE id = 5")
    result = ledger.verify()
    assert not result.ok and result.bad_id == 5


def test_a_column_nobody_hashes_is_refused(five_events):
    tamper("ALTER TABLE core_ledgerevent ADD COLUMN approved_by varchar(60) DEFAULT 'nobody'")
    code, err = run_ledger_verify()
    assert code == 1 and "approved_by" in err and "outside the hash recipe" in err


# --- Events written before recipe 2 -----------------------------------------------------------------------------

def _legacy_chain(count=3):
    """Events as recipe 1 wrote them: the timestamp as Django stored it, hashed in its normalised form."""
    drop_ledger_triggers()
    prev = ledger.GENESIS
    rows = []
    for seq in range(1, count + 1):
        created = "2024-05-06 07:08:09" if seq == 2 else f"2024-05-06 07:08:09.00000{seq}"  # Django's str(datetime)
        fields = [seq, created, None, "job:legacy", "core.orgunit.update", "core.orgunit", str(seq), f"Unit {seq}",
                  "{}", json.dumps({"name": f"Unit {seq}"}), "", ""]
        digest = ledger_chain.hash_v1(prev, *fields)
        stored = created if connection.vendor == "sqlite" else datetime.fromisoformat(created + "+00:00")
        rows.append([seq, stored, *fields[2:], prev, digest, 1])
        prev = digest
    with connection.cursor() as cursor:
        columns = ", ".join(connection.ops.quote_name(c) for c in ledger_chain.COLUMNS)
        cursor.executemany(f"INSERT INTO core_ledgerevent ({columns}) VALUES ({', '.join(['%s'] * 15)})", rows)
    restore_ledger_triggers()
    return prev


def test_events_hashed_with_recipe_1_still_verify_and_new_ones_follow_with_recipe_2(admin_user, org):
    legacy_head = _legacy_chain()
    event = services.create_org_unit(actor=admin_user, name="Team", code="team", parent=org["north"])
    new = LedgerEvent.objects.get(pk=4)
    assert new.recipe == 2 and new.prev_hash == legacy_head and event.pk
    result = ledger.verify()
    assert result.ok and result.count == 4


def test_a_recipe_1_event_after_a_recipe_2_event_is_refused(admin_user, org):
    _legacy_chain()
    services.create_org_unit(actor=admin_user, name="Team", code="team", parent=org["north"])
    tamper("UPDATE core_ledgerevent SET recipe = 2 WHERE id = 2")
    assert ledger.verify().bad_id == 2


@sqlite_only
def test_the_finding_on_a_recipe_1_event_is_caught_too(admin_user, org):
    """Recipe 1 hashed only the first 26 characters of the time: the stored form must be exactly what was written."""
    _legacy_chain()
    tamper("UPDATE core_ledgerevent SET created_at = created_at || '+11:00' WHERE id = 1")
    result = ledger.verify()
    assert not result.ok and result.bad_id == 1 and result.kind == ledger_chain.NONCANONICAL


# --- The append-only guard ----------------------------------------------------------------------------------------

def _insert(row):
    columns = ", ".join(connection.ops.quote_name(c) for c in ledger_chain.COLUMNS)
    verb = "INSERT OR REPLACE" if connection.vendor == "sqlite" else "INSERT"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"{verb} INTO core_ledgerevent ({columns}) VALUES ({', '.join(['%s'] * 15)})", row)


def _row_like(event, **changes):
    values = {name: getattr(event, name) for name in ledger_chain.COLUMNS}
    values.update(changes)
    return [values[name] for name in ledger_chain.COLUMNS]


def test_an_event_cannot_replace_another_nor_be_added_anywhere_but_at_the_end(five_events):
    third, last = five_events[2], five_events[-1]
    with pytest.raises(DatabaseError, match="append-only"):  # SQLite: INSERT OR REPLACE deletes without DELETE trigger
        _insert(_row_like(third, reason="replaced"))
    with pytest.raises(DatabaseError, match="append-only"):  # a gap
        _insert(_row_like(last, id=last.id + 2, hash="a" * 64, prev_hash=last.hash))
    with pytest.raises(DatabaseError, match="append-only"):  # the next number, but not linked to the last event
        _insert(_row_like(last, id=last.id + 1, hash="b" * 64, prev_hash=third.hash))
    with pytest.raises(DatabaseError, match="append-only"):  # a hash already in the chain
        _insert(_row_like(last, id=last.id + 1, prev_hash=last.hash))
    assert list(LedgerEvent.objects.values_list("reason", flat=True)) == [e.reason for e in five_events]
    assert ledger.verify().ok
