"""Per-request (or per-job) context that the ledger records: the request id and, for jobs, the system actor name."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("aims_request_id", default="")
_system_actor: ContextVar[str] = ContextVar("aims_system_actor", default="system")


def request_id() -> str:
    return _request_id.get()


def system_actor() -> str:
    return _system_actor.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound(*, request_id: str | None = None, system_actor: str | None = None):
    """Bind a request id and/or a system actor label (e.g. "job:reminders") for the duration of a block."""
    tokens = []
    if request_id is not None:
        tokens.append((_request_id, _request_id.set(request_id)))
    if system_actor is not None:
        tokens.append((_system_actor, _system_actor.set(system_actor)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
