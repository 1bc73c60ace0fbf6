"""Failed sign-ins counted per account, in the cache every web process and node shares, and the lock they trigger.

django-allauth's own counter keys on the site (the Host header) and its per-address limit on the client address: a
second host name in AIMS_ALLOWED_HOSTS, or a second node reached under its own address, would start a fresh count,
and behind a proxy every person shares one address. Here the count belongs to the account, named by its normalised
login e-mail, whatever node, host name or address the attempts come through:

- AIMS_LOGIN_LOCKOUT_ATTEMPTS (5) failed sign-ins within AIMS_LOGIN_LOCKOUT_MINUTES (15) lock the account for
  AIMS_LOGIN_LOCKOUT_MINUTES from the last of them: the right password is then refused too, without being checked.
- Attempts refused by the lock do not lengthen it (an attacker cannot keep an account locked without failing again
  once it has expired).
- A successful sign-in, and a password reset, start the count again.
- Identifiers that name nobody are counted too, so the message does not reveal which accounts exist.

The state lives in the Django cache: Redis when REDIS_URL is set, else the database (never a per-process memory
cache in production; `aims check --deploy` refuses one). A short lock in the same cache serialises the read-modify-
write of one account's count across processes.
"""

from __future__ import annotations

import hashlib
import math
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "aims:login-failures:"
LOCK_WAIT_SECONDS = 1.0


def clock() -> float:
    """The time the counts and locks are measured in (a module function so tests can move it)."""
    return time.time()


def attempts_allowed() -> int:
    return max(1, int(getattr(settings, "LOGIN_LOCKOUT_ATTEMPTS", 5)))


def lock_seconds() -> int:
    return max(1, int(getattr(settings, "LOGIN_LOCKOUT_MINUTES", 15))) * 60


def normalise(login: str) -> str:
    """The account a login names: e-mail addresses are matched without regard to case or surrounding spaces."""
    return (login or "").strip().lower()


def _key(login: str) -> str:
    return KEY_PREFIX + hashlib.sha256(normalise(login).encode()).hexdigest()


@contextmanager
def _serialised(key: str):
    """Hold a short cache lock on one account's count (cache.add is atomic on Redis and on the database cache). If the
    lock cannot be had within a second, go on without it: a lost increment only delays a lock by one attempt."""
    lock_key = f"{key}:lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.01
    held = cache.add(lock_key, 1, timeout=10)
    while not held and time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
        held = cache.add(lock_key, 1, timeout=10)
    try:
        yield
    finally:
        if held:
            cache.delete(lock_key)


def _state(key: str, now: float) -> dict:
    """{"failures": [timestamps within the window], "locked_until": timestamp or 0}."""
    state = cache.get(key) or {}
    window = lock_seconds()
    return {"failures": [t for t in state.get("failures", []) if t > now - window],
            "locked_until": state.get("locked_until", 0)}


def seconds_locked(login: str) -> int:
    """How many seconds the account stays locked (0: not locked)."""
    if not normalise(login):
        return 0
    now = clock()
    locked_until = _state(_key(login), now)["locked_until"]
    return max(0, math.ceil(locked_until - now))


def record_failure(login: str) -> int:
    """Count one failed sign-in for the account; answer how many seconds it is now locked (0: not yet)."""
    if not normalise(login):
        return 0
    key = _key(login)
    with _serialised(key):
        now = clock()
        state = _state(key, now)
        if state["locked_until"] > now:  # refused by the lock, not a new failure (see the module's docstring)
            return math.ceil(state["locked_until"] - now)
        state["failures"].append(now)
        if len(state["failures"]) >= attempts_allowed():
            state = {"failures": [], "locked_until": now + lock_seconds()}
        # The cache forgets the entry once nothing in it can matter any more.
        cache.set(key, state, timeout=lock_seconds() + 60)
        return max(0, math.ceil(state["locked_until"] - now))


def clear(login: str) -> None:
    """A successful sign-in or a password reset: the account's count starts again."""
    if normalise(login):
        cache.delete(_key(login))
