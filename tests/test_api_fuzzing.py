"""The API against its own OpenAPI schema, with schemathesis: every operation gets a bounded number of generated
requests (AIMS_FUZZ_EXAMPLES, 8 by default), sent in-process through the WSGI application with an administrator's
token, on a small organisation. Any 5xx, an undocumented status code, a wrong content type or a body that does not
match the documented schema fails the test. Runs in both CI passes (SQLite and PostgreSQL)."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

EXAMPLES = int(os.environ.get("AIMS_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(db):
    """The schema, served by the application in this process (it sees the test's data, in the test's transaction)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # As Django's test client does: a request must not close the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(org, admin_user):
    """An administrator's read-and-write token, over a small organisation with an AI system and a risk method."""
    from aims.core import services
    from aims.inventory.services import create_system

    create_system(actor=admin_user, name="Credit scoring", unit=org["north"], owner=admin_user)
    _token, secret = services.create_api_token(actor=admin_user, name="fuzz", scopes=["read", "write"])
    return secret


def test_every_operation_answers_as_its_schema_says(api_schema, token):
    """Each operation in turn (schemathesis' own pytest plugin does not run under this pytest, hence the loop); the
    failures of every operation are reported together."""
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except BaseException as exc:  # noqa: BLE001 (collected: every operation is checked, all failures reported)
            failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
    assert operations > 50  # the whole API, not an empty schema
    assert not failures, f"{len(failures)} of {operations} operations fail:\n\n" + "\n\n".join(failures)
