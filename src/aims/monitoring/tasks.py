"""Periodic jobs of the monitoring module."""

from __future__ import annotations

from aims.core.periodic import crontab, periodic


@periodic("monitoring-stale-kpis", crontab(minute="17"), "Alert the owners of KPIs that stopped receiving values")
def stale_kpis() -> int:
    from .services.alerts import find_stale

    return find_stale()

