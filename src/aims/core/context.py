"""Per-request (or per-job) context that the ledger records: the request id, for jobs the system actor name, and the
clock that dates changes.

The clock is the wall clock, except while a block binds another one: only the demo does, to write a history spread
over the past year (`aims.core.demo`). The ledger and the services read the time through `now()` and `today()`, so
the events, the objects they create and the dates they compute agree with each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_request_id: ContextVar[str] = ContextVar("aims_request_id", default="")
_system_actor: ContextVar[str] = ContextVar("aims_system_actor", default="system")
_clock: ContextVar[Callable[[], datetime] | None] = ContextVar("aims_clock", default=None)


def request_id() -> str:
    return _request_id.get()


def system_actor() -> str:
    return _system_actor.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def now() -> datetime:
    """The time of the change being made: the wall clock, or the bound clock's time (an aware datetime)."""
    clock = _clock.get()
    return timezone.now() if clock is None else clock()


def today() -> date:
    """The local date of `now()`."""
    return timezone.localdate(now())


def clock_bound() -> bool:
    """True while a block replays the past with its own clock (nothing then happens "now": no e-mail is sent)."""
    return _clock.get() is not None


@contextmanager
def bound(*, request_id: str | None = None, system_actor: str | None = None,
          clock: Callable[[], datetime] | None = None):
    """Bind a request id, a system actor label (e.g. "job:reminders") and/or a clock for the duration of a block.

    A clock must return aware datetimes that never go back: the ledger chains events in the order they happen.
    """
    tokens = []
    if request_id is not None:
        tokens.append((_request_id, _request_id.set(request_id)))
    if system_actor is not None:
        tokens.append((_system_actor, _system_actor.set(system_actor)))
    if clock is not None:
        tokens.append((_clock, _clock.set(clock)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
