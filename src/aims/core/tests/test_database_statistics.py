"""The daily job that gives SQLite's query planner its statistics (PostgreSQL's autovacuum keeps its own); the plan it
buys for a list sorted by owner is tested in risks/tests/test_pages_register.py."""

from __future__ import annotations

import pytest
from django.db import connection

from aims.core.periodic import run_periodic

pytestmark = pytest.mark.django_db


def test_the_job_analyses_sqlite_and_leaves_postgresql_to_its_autovacuum(admin_user):
    ran = run_periodic("database-statistics")
    if connection.vendor != "sqlite":
        assert ran is False
        return
    assert ran is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'core_user'")
        assert cursor.fetchone()[0] > 0
