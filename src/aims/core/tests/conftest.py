"""Fixtures shared by the core tests."""

import pytest

from aims.core import services
from aims.core.models import LedgerEvent


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
