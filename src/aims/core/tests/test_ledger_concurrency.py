"""Concurrent writers keep one valid hash chain (on SQLite and on PostgreSQL, whichever DATABASE_URL selects).

Each writer thread has its own database connection and really commits, so this test cannot run inside the usual
per-test transaction: it uses a transactional test database, which pytest-django empties with DELETE/TRUNCATE
afterwards. The ledger's triggers refuse exactly that, hence `triggers_off_before_flush` (conftest.py), and why this
file holds only tests that use it.
"""

import threading

import pytest
from django.db import connection

from aims.core import ledger, ledger_chain, services
from aims.core.models import LedgerEvent, OrgUnit, User
from aims.core.testing import OrgUnitFactory, drop_ledger_triggers, person_with_role, restore_ledger_triggers

WRITERS = 8
CHANGES_EACH = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain_and_lose_no_event(triggers_off_before_flush):
    root = OrgUnitFactory(name="Root", code="root")
    units = [OrgUnitFactory(name=f"Team {i}", code=f"team-{i}", parent=root) for i in range(WRITERS)]
    admin_id = person_with_role("administrator").pk
    events_before = LedgerEvent.objects.count()
    start = threading.Barrier(WRITERS, timeout=60)
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            actor = User.objects.get(pk=admin_id)  # each thread its own instance (permission caches live on it)
            unit = OrgUnit.objects.get(pk=units[index].pk)
            start.wait()
            for n in range(CHANGES_EACH):
                unit = services.update_org_unit(actor=actor, unit=unit, changes={"name": f"Team {index} v{n}"},
                                                reason=f"writer {index}")
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)
        finally:
            connection.close()  # this thread's connection; left open it would block the flush on PostgreSQL

    threads = [threading.Thread(target=writer, args=(i,), name=f"writer-{i}") for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    result = ledger.verify()
    assert result.ok, result.problem
    assert result.count == events_before + WRITERS * CHANGES_EACH
    hashes = list(LedgerEvent.objects.values_list("hash", flat=True))
    assert len(set(hashes)) == len(hashes)
    # Every writer's changes are all there, in its own order.
    for index, unit in enumerate(units):
        names = [e.after_data["name"] for e in LedgerEvent.objects.filter(object_id=str(unit.pk)).order_by("id")]
        assert names == [f"Team {index} v{n}" for n in range(CHANGES_EACH)]
        unit.refresh_from_db()
        assert unit.version == 1 + CHANGES_EACH


@pytest.mark.django_db(transaction=True)
def test_parallel_verification_agrees_with_the_sequential_walk(triggers_off_before_flush, monkeypatch):
    """Large ledgers are verified by worker processes, each taking a slice; their verdict must be the same."""
    admin = person_with_role("administrator")
    unit = OrgUnitFactory(name="Team", code="team")
    for n in range(30):
        unit = services.update_org_unit(actor=admin, unit=unit, changes={"name": f"Team v{n}"})
    monkeypatch.setattr(ledger_chain, "_cpus", lambda: 3)
    workers = []
    real_run_worker = ledger_chain._run_worker
    monkeypatch.setattr(ledger_chain, "_run_worker", lambda job: workers.append(job) or real_run_worker(job))

    intact = ledger.verify(parallel=True)
    assert [(job["lo"], job["hi"]) for job in workers] == [(10, 20), (20, 30)]
    assert intact == ledger.verify(parallel=False)
    assert intact.ok and intact.count == 30

    drop_ledger_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_ledgerevent SET reason = 'forged' WHERE id = 25")
    restore_ledger_triggers()
    broken = ledger.verify(parallel=True)
    assert broken == ledger.verify(parallel=False)
    assert not broken.ok and broken.bad_id == 25 and broken.count == 24

    drop_ledger_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_ledgerevent WHERE id = 11")  # at a slice boundary
    restore_ledger_triggers()
    broken = ledger.verify(parallel=True)
    assert broken == ledger.verify(parallel=False)
    assert not broken.ok and broken.bad_id == 12 and "gap" in broken.problem
