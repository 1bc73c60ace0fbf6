"""Periodic jobs of the supplier module."""

from __future__ import annotations

from aims.core.periodic import crontab, periodic


@periodic("suppliers-criticality", crontab(hour="4", minute="40"),
          "Recompute each supplier's criticality from the systems depending on it")
def refresh_supplier_criticality() -> int:
    from .services import refresh_all_criticalities

    return refresh_all_criticalities()


@periodic("suppliers-questionnaire-expiry", crontab(hour="4", minute="45"),
          "Mark the questionnaire links past their date as expired")
def expire_supplier_questionnaires() -> int:
    from .services import expire_questionnaires

    return expire_questionnaires()


@periodic("suppliers-reassessment", crontab(hour="4", minute="50"),
          "Ask the owners of approved suppliers due for re-assessment to re-assess them")
def open_supplier_reassessment_tasks() -> int:
    """See aims.suppliers.services_reassessment (intervals by criticality in catalogs/suppliers.yaml)."""
    from .services_reassessment import open_reassessment_tasks

    return open_reassessment_tasks()


@periodic("suppliers-import-uploads", crontab(hour="3", minute="50"),
          "Delete supplier register uploads whose check was never confirmed (older than a day)")
def purge_supplier_import_uploads() -> int:
    from .views_import import PENDING

    return PENDING.purge_stale()
