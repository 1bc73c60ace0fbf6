"""Periodic job of supplier contracts: reminders before each contract's notice deadline."""

from __future__ import annotations

from aims.core.periodic import crontab, periodic


@periodic("suppliers-contract-notice", crontab(hour="6", minute="50"),
          "Remind supplier owners as a contract's notice deadline approaches")
def remind_contract_notice_deadlines() -> int:
    """See aims.suppliers.services_contracts.send_notice_reminders (days in catalogs/supplier_contracts.yaml)."""
    from .services_contracts import send_notice_reminders

    return send_notice_reminders()
