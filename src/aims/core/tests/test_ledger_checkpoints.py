"""Signed checkpoints: written after commit every N events or after some seconds by whichever process appends, and by
the worker every minute; `aims ledger verify` checks their Ed25519 signature and that the chain still holds the signed
hash, so events cut from the end, a chain rewritten with fresh hashes, or a forged event put in place of one already
signed, are all caught."""

import json

import pytest

from aims.core import checkpoints, ledger, ledger_checkpoints, ledger_chain, services
from aims.core.models import LedgerEvent
from aims.core.periodic import run_periodic
from aims.core.testing import run_ledger_verify, tamper

pytestmark = pytest.mark.django_db


def change(admin, org, n, capture):
    with capture(execute=True):
        services.create_org_unit(actor=admin, name=f"Team {n}", code=f"team-{n}", parent=org["north"])


def written() -> list[dict]:
    return checkpoints.read(ledger_checkpoints.checkpoint_path()).records


@pytest.fixture
def signed_five(admin_user, org, settings, django_capture_on_commit_callbacks):
    """Five events, the fifth signed by a checkpoint written after its commit."""
    settings.LEDGER_CHECKPOINT_EVERY, settings.LEDGER_CHECKPOINT_SECONDS = 5, 0
    for n in range(5):
        change(admin_user, org, n, django_capture_on_commit_callbacks)
    assert [c["id"] for c in written()] == [5]
    return list(LedgerEvent.objects.order_by("id"))


def test_the_web_process_signs_every_nth_event_after_commit(admin_user, org, settings,
                                                           django_capture_on_commit_callbacks):
    settings.LEDGER_CHECKPOINT_EVERY, settings.LEDGER_CHECKPOINT_SECONDS = 3, 0
    for n in range(7):
        change(admin_user, org, n, django_capture_on_commit_callbacks)
    records = written()
    assert [c["id"] for c in records] == [3, 6]
    keys = ledger_checkpoints.trusted_keys()
    assert all(checkpoints.signature_valid(c, checkpoints.SIGNED_FIELDS, keys) for c in records)
    assert records[1]["hash"] == LedgerEvent.objects.get(pk=6).hash
    key_file = settings.DATA_DIR / "ledger-signing-key.pem"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"  # outside the database, readable by its owner only


def test_the_first_event_after_the_interval_is_signed(admin_user, org, settings, django_capture_on_commit_callbacks):
    settings.LEDGER_CHECKPOINT_EVERY, settings.LEDGER_CHECKPOINT_SECONDS = 0, 3600
    for n in range(3):
        change(admin_user, org, n, django_capture_on_commit_callbacks)
    assert [c["id"] for c in written()] == [1]  # the first in this process; the next one after an hour
    ledger_checkpoints._State.last_time -= 3600
    change(admin_user, org, 3, django_capture_on_commit_callbacks)
    assert [c["id"] for c in written()] == [1, 4]


def test_the_worker_signs_the_head_when_it_moved(signed_five, admin_user, org):
    assert run_periodic("ledger-checkpoint") is None  # already signed
    services.create_org_unit(actor=admin_user, name="Quiet", code="quiet", parent=org["north"])  # no commit hook here
    assert run_periodic("ledger-checkpoint") == 6
    assert [c["id"] for c in written()] == [5, 6]


def test_verify_reports_how_far_the_checkpoints_vouch(signed_five, admin_user, org):
    code, _err = run_ledger_verify()
    assert code == 0
    services.create_org_unit(actor=admin_user, name="Late", code="late", parent=org["north"])
    result = ledger.verify()
    assert result.ok and "signed checkpoint: event #5" in result.note and "1 newer event(s) not yet covered" in result.note


def test_a_forged_event_put_in_place_of_a_signed_one_is_caught(signed_five):
    """Triggers dropped: the last event deleted and a forged one appended with a correct hash. The chain alone is
    consistent; the signed checkpoint is not."""
    fourth, fifth = signed_five[3], signed_five[4]
    tamper("DELETE FROM core_ledgerevent WHERE id = 5")
    forged = LedgerEvent(**{name: getattr(fifth, name) for name in ("id", "created_at", "actor_id", "actor_label",
                                                                    "action", "object_type", "object_id", "before",
                                                                    "after", "reason", "request_id", "recipe")})
    forged.object_label, forged.prev_hash = "Nothing to see", fourth.hash
    forged.hash = ledger.hash_of(forged)
    forged.save(force_insert=True)
    assert ledger.verify_rows(ledger.reader().rows()).ok
    result = ledger.verify()
    assert not result.ok and result.bad_id == 5 and result.kind == ledger_chain.REWRITTEN


def test_events_cut_from_the_end_are_caught(signed_five):
    tamper("DELETE FROM core_ledgerevent WHERE id >= 4")
    code, err = run_ledger_verify()
    assert code == 1 and "#5" in err and "removed from its end" in err


@pytest.mark.parametrize("field,value", [("hash", "0" * 64), ("id", 4), ("at", "2020-01-01T00:00:00+00:00")])
def test_an_altered_checkpoint_is_refused(signed_five, field, value):
    path = ledger_checkpoints.checkpoint_path()
    record = json.loads(path.read_text())
    record[field] = value
    path.write_text(json.dumps(record) + "\n")
    result = ledger.verify()
    assert not result.ok and result.kind == ledger_chain.SIGNATURE


def test_a_checkpoint_signed_with_another_key_is_refused(signed_five):
    stranger = checkpoints.load_private_key(checkpoints.generate_private_key_pem())
    checkpoints.append(ledger_checkpoints.checkpoint_path(), checkpoints.make(stranger, 5, signed_five[4].hash, "now"))
    result = ledger.verify()
    assert not result.ok and result.kind == ledger_chain.SIGNATURE and "not signed by a trusted key" in result.problem


def test_a_line_written_into_the_checkpoint_file_is_refused_but_a_torn_last_line_is_not(signed_five):
    path = ledger_checkpoints.checkpoint_path()
    with path.open("a") as handle:
        handle.write('{"id": 9, "hash"')  # a crash in the middle of a write
    assert ledger.verify().ok
    path.write_text(path.read_text() + '\n{"note": "trust me"}\n')
    assert ledger.verify().kind == ledger_chain.SIGNATURE


def test_every_checkpoint_is_checked_on_request(signed_five, admin_user, org, settings,
                                               django_capture_on_commit_callbacks):
    change(admin_user, org, 99, django_capture_on_commit_callbacks)
    ledger_checkpoints.write_checkpoint(force=True)
    lines = ledger_checkpoints.checkpoint_path().read_text().splitlines()
    first = json.loads(lines[0])
    first["at"] = "2001-01-01T00:00:00+00:00"  # the older checkpoint, which the default check does not read
    ledger_checkpoints.checkpoint_path().write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    assert ledger.verify().ok
    assert ledger.verify(every_checkpoint=True).kind == ledger_chain.SIGNATURE
    code, err = run_ledger_verify("--all-checkpoints")
    assert code == 1 and "not signed by a trusted key" in err


def test_an_auditor_verifies_an_export_offline_with_the_checkpoints_and_the_public_key(signed_five, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    public = StringIO()
    call_command("ledger", "public-key", stdout=public)
    key_file = tmp_path / "ledger.pub"
    key_file.write_text(public.getvalue().split("fingerprint")[0])
    copy = tmp_path / "checkpoints.jsonl"
    copy.write_text(ledger_checkpoints.checkpoint_path().read_text())
    export = tmp_path / "export.jsonl"
    lines = list(ledger.export_lines())
    export.write_text("\n".join(lines) + "\n")
    args = ("--file", str(export), "--checkpoints", str(copy), "--public-key", str(key_file))
    assert run_ledger_verify(*args) == (0, "")

    cut = lines[:-2] + [json.dumps({"type": "aims-ledger-head", "count": 4, "head": signed_five[3].hash})]
    export.write_text("\n".join(cut) + "\n")  # the last event dropped and the trailer rewritten: unsigned now
    code, err = run_ledger_verify(*args)
    assert code == 1 and "trailer is not signed" in err

    stranger = checkpoints.load_private_key(checkpoints.generate_private_key_pem())
    from aims.core import ledger_verify

    cut[-1] = json.dumps(ledger_verify.sign_trailer(stranger, 4, signed_five[3].hash, "now"))
    export.write_text("\n".join(cut) + "\n")
    assert run_ledger_verify(*args)[0] == 1
    export.write_text("\n".join(lines[:-2] + [lines[-1]]) + "\n")  # signed trailer kept, last event dropped
    code, err = run_ledger_verify("--file", str(export))
    assert code == 1 and "events were removed or added" in err
