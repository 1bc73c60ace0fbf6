"""Shared fixtures for the whole suite."""

import pytest

from aims.core.testing import OrgUnitFactory, person_with_role


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Each test process's database starts as a copy of one migrated once (aims.core.testing_databases: migrating from
    nothing costs 45-60 CPU-seconds a process); Django's set-up then migrates it as usual, which applies nothing.

    On SQLite the test database is a *file* (unique to this run), as production's, not Django's default in-memory
    database: that one uses SQLite's shared cache, whose table locks fail at once ("database table is locked") instead
    of waiting, so concurrent writers could not be tested; a file gets WAL and the busy timeout."""
    import os

    from django.conf import settings

    from aims.core import testing_databases

    database = settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if database["ENGINE"].endswith("sqlite3"):
        if not test.get("NAME"):
            test["NAME"] = str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")
        testing_databases.copy_sqlite_template(test["NAME"])
    elif not test.get("TEMPLATE"):
        test["TEMPLATE"] = testing_databases.postgres_template(os.environ["DATABASE_URL"])


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """Django's SQLite set-up deletes the test database's file unless told to keep it: keep the migrated copy (it lives
    in this run's temporary directory). PostgreSQL's copy is made by Django itself, from the TEMPLATE set above."""
    from django.conf import settings

    return request.config.getvalue("reuse_db") or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


@pytest.fixture
def org(db):
    """A small tree: root > (north > north-east), south."""
    root = OrgUnitFactory(name="Root", code="root")
    north = OrgUnitFactory(name="North", code="north", parent=root)
    north_east = OrgUnitFactory(name="North-East", code="north-east", parent=north)
    south = OrgUnitFactory(name="South", code="south", parent=root)
    return {"root": root, "north": north, "north_east": north_east, "south": south}


@pytest.fixture
def admin_user(db):
    return person_with_role("administrator")


@pytest.fixture
def role_user(db):
    """Factory fixture: role_user("viewer", unit)."""
    return person_with_role


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 costs a good fraction of a second per password and factories hash one per person, so tests use MD5.

    Tests about hashing itself are marked `production_hasher` and keep the configured list."""
    if not request.node.get_closest_marker("production_hasher"):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    """Files the product keeps in its data directory (ledger anchors, catalogue overrides) stay per test: a developer's
    ./var from `make demo` must not leak into the suite."""
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "files"  # uploaded evidence too


TEST_CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aims-tests"}}


@pytest.fixture(autouse=True)
def _language_reset():
    """A request activates its reader's language and Django leaves it active in the thread afterwards: without this,
    a test run after one that read a French page would see French messages."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """The cache holds login-failure counters (lockout) and used TOTP codes: no test may inherit another's.

    Tests use a memory cache: the product's database cache would need the database in every test. The test of the
    lockout across processes puts the product's cache back."""
    settings.CACHES = TEST_CACHES
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Background tasks run inline in tests, so their effects can be asserted."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture(autouse=True)
def _fresh_checkpoint_clock():
    """Each process remembers when it last signed a ledger checkpoint: every test starts as a fresh process."""
    from aims.core.ledger_checkpoints import _State

    _State.last_time, _State.last_head = float("-inf"), None


def _on_postgresql() -> bool:
    import os

    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config, items):
    """The scale-out test (marker `scaleout`, tests/test_scale_out.py) runs web nodes on PostgreSQL: without
    DATABASE_URL on PostgreSQL it is deselected (and said so in the header), never skipped and counted as a pass. CI's
    PostgreSQL pass runs it."""
    if _on_postgresql():
        return
    deselected = [item for item in items if item.get_closest_marker("scaleout")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("scaleout")]


GROUPED = {"tests/browser/": "browser", "tests/test_scale_out.py": "scaleout"}  # xdist groups (one worker each)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """Under `--dist loadgroup` each worker names a grouped test with its group (`...::test@browser`), which is how the
    scheduler keeps a group on one worker. A pytest whose node ids ignore that (pytest-xdist#1386) spreads the groups
    silently: two demo servers, two scale-out clusters, and the longest work last. Refuse instead."""
    if node.config.getoption("dist") != "loadgroup":
        return
    lost = [nodeid for nodeid in ids for prefix, group in GROUPED.items()
            if nodeid.startswith(prefix) and not nodeid.endswith(f"@{group}")]
    if lost:
        raise pytest.UsageError(f"pytest-xdist could not keep {len(lost)} tests in their group (e.g. {lost[0]}): use "
                                "the pytest version pyproject.toml pins (pytest-xdist#1386)")


def pytest_report_header(config):
    if not _on_postgresql():
        return "scaleout: the scale-out test is deselected (it needs DATABASE_URL on PostgreSQL: scripts/pg-test)"
    return None


@pytest.fixture
def demo_admin(db):
    """The demo organisation, loaded; returns its administrator (every demo person's password is
    `aims.core.testing_demo.PASSWORD`). Loaded once per test process, then copied back for the next tests."""
    from aims.core.testing_demo import load_demo

    return load_demo()
