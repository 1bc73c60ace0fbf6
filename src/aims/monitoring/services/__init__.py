"""State changes of the monitoring module: each function checks permission, changes state and writes its ledger
event in one transaction. Views, the API, the command line and the worker all call these."""

from .alerts import (
    acknowledge_alert, confirm_suggestion, dismiss_suggestion, find_stale, policy_for, resolve_alert, update_policy,
)
from .ingest import push_measurements
from .kpis import change_thresholds, create_kpi, update_kpi
from .tokens import create_push_token, revoke_push_token

__all__ = [
    "acknowledge_alert", "change_thresholds", "confirm_suggestion", "create_kpi", "create_push_token",
    "dismiss_suggestion", "find_stale", "policy_for", "push_measurements", "resolve_alert", "revoke_push_token",
    "update_kpi", "update_policy",
]
