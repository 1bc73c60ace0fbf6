"""The hook through which monitoring alerts open incidents.

The incidents module does not exist yet; when it arrives it registers one opener in its AppConfig.ready, and alerts
whose system's policy says so start opening incidents (monitoring never imports the incidents module):

    from aims.monitoring import hooks

    def open_from_alert(*, actor, system, title, description, severity, source_url) -> hooks.IncidentRef:
        incident = services.create_incident(actor=actor, system=system, title=title, ...)
        return hooks.IncidentRef(reference=incident.reference, url=incident.get_absolute_url())

    hooks.register_incident_opener(open_from_alert)

The opener runs inside the alert's transaction (so the incident and the alert commit together, or neither does);
`actor` is the person or job whose push or run raised the alert (None for a job: the ledger names it). `severity` is
"warning" or "critical"; `title` and `description` are plain text in the system owner's language; `source_url` is the
alert's page. It returns an IncidentRef (stored on the alert and in the ledger), or None when it decided not to open
one (e.g. an incident is already open for the same cause).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class IncidentRef:
    reference: str
    url: str = ""


IncidentOpener = Callable[..., IncidentRef | None]
_incident_opener: IncidentOpener | None = None


def register_incident_opener(opener: IncidentOpener | None) -> None:
    """Install the incidents module's opener (None removes it, for tests)."""
    global _incident_opener
    _incident_opener = opener


def incidents_available() -> bool:
    return _incident_opener is not None


def open_incident(*, actor, system, title: str, description: str, severity: str, source_url: str) -> IncidentRef | None:
    """Open an incident through the registered opener; None when no incidents module is installed."""
    if _incident_opener is None:
        return None
    return _incident_opener(actor=actor, system=system, title=title, description=description, severity=severity,
                            source_url=source_url)
