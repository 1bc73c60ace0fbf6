"""The incidents module's periodic job: reminders before (and at) each notification deadline."""

from __future__ import annotations

from aims.core.periodic import crontab, periodic


@periodic("incident-clock-reminders", crontab(minute="*/5"),
          "Remind incident handlers and their managers as notification deadlines approach and pass")
def remind_clock_deadlines() -> int:
    """See aims.incidents.services.regimes.send_reminders (points in catalogs/incident_clocks.yaml)."""
    from .services import send_reminders

    return send_reminders()


@periodic("vulnerability-mitigation-reminders", crontab(minute="30", hour="6"),
          "Remind the owners of vulnerability mitigations that are due or overdue")
def remind_mitigations_due() -> int:
    """See aims.incidents.services.vulnerabilities.send_mitigation_reminders (interval in catalogs/incidents.yaml)."""
    from .services import send_mitigation_reminders

    return send_mitigation_reminders()
