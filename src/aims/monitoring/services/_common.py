"""Rules shared by the monitoring services."""

from __future__ import annotations

from aims.core.permissions import require


def require_or_system(actor, action: str, obj=None, *, domain: str = "monitoring", unit=None) -> None:
    """`require`, except that actor None means trusted code (the command line on the server, a job). Views and the
    API always pass a person."""
    if actor is None:
        return
    require(actor, action, obj, domain=domain, unit=unit)
