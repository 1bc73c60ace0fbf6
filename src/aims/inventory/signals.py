"""What the inventory announces, so that other modules (risks, later incidents and suppliers) can react to it without
the inventory importing them.

Sent from inside the service's transaction: whatever a receiver writes commits or rolls back with the change itself.
Every signal carries `actor` (the person who made the change) and, except the bulk one, `system`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

# A system was registered.
system_registered = Signal()
# Many systems were registered at once (an import); carries `systems`. Receivers should defer heavy work.
systems_registered_in_bulk = Signal()
# A system was (re)classified under the AI Act; also carries `classification`.
system_classified = Signal()
# A system entered another lifecycle stage; also carries `previous` and `stage` (Stage values).
stage_changed = Signal()
# An approved change decision took effect; also carries `decision` (decision.kind tells minor, major, retirement).
change_effective = Signal()
# A new version of a component was recorded (e.g. a new model version); carries `component` (the new one),
# `previous` and `actor` (no `system`: the systems using `previous` are previous.system_links).
component_version_created = Signal()

_bulk_registrations: ContextVar[list | None] = ContextVar("inventory_bulk_registrations", default=None)


def announce_registered(*, system, actor) -> None:
    collected = _bulk_registrations.get()
    if collected is not None:
        collected.append(system)
    else:
        system_registered.send(sender=type(system), system=system, actor=actor)


@contextmanager
def registering_in_bulk(*, actor) -> Iterator[None]:
    """Within the block, registrations are announced once, together, at its end (if it ends without an error).

    An import of thousands of rows would otherwise make every receiver do its work row by row inside the import's
    transaction (for the risk module: rules, suggestions, ledger events), several times slower than the import."""
    collected: list = []
    token = _bulk_registrations.set(collected)
    try:
        yield
    finally:
        _bulk_registrations.reset(token)
    if collected:
        systems_registered_in_bulk.send(sender=type(collected[0]), systems=collected, actor=actor)
