"""The lockout counts failed logins across processes (gunicorn runs several workers): failures made in one process
count in another, because the counters live in the cache every process shares (the database when there is no
Redis). With a per-process memory cache, this test fails: the second process would count only its own failures.

The first process is forked from this one and really commits (a transactional test database), hence the fixture that
lets pytest-django empty the ledger afterwards; this file holds only tests that use it.
"""

import os

import pytest
from django.db import connections
from django.test import Client

from aims.core.testing import DEFAULT_PASSWORD, UserFactory


def log_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.django_db(transaction=True)
def test_failures_in_one_process_count_in_another(triggers_off_before_flush, settings):
    from aims import settings as product_settings

    assert not product_settings.REDIS_URL  # the default installation: no Redis
    settings.CACHES = product_settings.CACHES  # the product's shared cache (tests otherwise use a memory cache)
    person = UserFactory()
    connections.close_all()  # the child opens its own connection
    child = os.fork()
    if child == 0:  # another web process: three wrong passwords
        try:
            client = Client()
            codes = [log_in(client, person.email, "Wrong-Password-123").status_code for _ in range(3)]
            os._exit(0 if codes == [200, 200, 200] else 1)
        except BaseException:  # noqa: BLE001 (the child must never return into pytest)
            os._exit(2)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0

    client = Client()  # this process: two more wrong passwords, then the right one
    for _ in range(2):
        assert log_in(client, person.email, "Wrong-Password-123").status_code == 200
    response = log_in(client, person.email, DEFAULT_PASSWORD)
    assert "Too many failed sign-ins for this account" in response.content.decode()
    assert "_auth_user_id" not in client.session
