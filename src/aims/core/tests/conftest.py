"""Fixtures shared by the core tests."""

import pytest
from django.db import connection

from aims.core import services
from aims.core.models import LedgerEvent
from aims.core.testing import drop_ledger_triggers, restore_ledger_triggers


@pytest.fixture
def five_events(admin_user, org):
    """Five ledgered changes (the ledger holds nothing else)."""
    for i in range(5):
        services.create_org_unit(actor=admin_user, name=f"Team {i}", code=f"team-{i}", parent=org["north"])
    assert LedgerEvent.objects.count() == 5
    return list(LedgerEvent.objects.order_by("id"))


def environment(data_dir) -> dict:
    """The environment of an `aims` process of its own on `data_dir` (SQLite there, whatever this run uses)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AIMS_"))}
    return {**env, "AIMS_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "aims.settings"}


@pytest.fixture
def sqlite_installation(tmp_path):
    """A data directory of its own holding an empty, migrated AIMS SQLite database (the schema is copied from the
    test database, so the SQLite pass alone can use it)."""
    import sqlite3

    from django.conf import settings

    from aims.core import backup

    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("copies the SQLite test database's schema; the SQLite pass runs it")
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    target = sqlite3.connect(data_dir / "aims.sqlite3")
    source.backup(target)  # the test database's committed state: the migrated schema, no rows
    target.execute("PRAGMA journal_mode=WAL")
    source.close()
    target.close()
    return backup.Layout(data_dir=data_dir, database=data_dir / "aims.sqlite3", tasks=data_dir / "tasks.sqlite3",
                         media=data_dir / "files")


# Tests whose changes really commit (a transactional test database) leave ledger events that pytest-django's flush
# must delete, which the ledger's triggers refuse. Their order matters:
#     setup:    ledger_triggers_back_after_flush -> (pytest-django's DB set-up) -> triggers_off_before_flush
#     teardown: triggers_off_before_flush drops the triggers -> pytest-django flushes -> triggers come back
# pytest-django's DB fixture is autouse (through the django_db mark), so any function-scoped fixture is set up after it
# and torn down before it: good for dropping the triggers before the flush, useless for restoring them after. A
# module-scoped fixture is set up before and torn down after every function-scoped one, so it restores them: a module
# using `triggers_off_before_flush` must hold only tests that use it.

@pytest.fixture(scope="module")
def ledger_triggers_back_after_flush(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        restore_ledger_triggers()
        connection.close()


@pytest.fixture
def triggers_off_before_flush(ledger_triggers_back_after_flush):
    yield
    drop_ledger_triggers()


