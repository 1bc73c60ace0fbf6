"""Periodic jobs of the inventory."""

from aims.core.periodic import crontab, periodic


@periodic("inventory-end-of-support", crontab(minute="20", hour="6"),
          "Remind owners 60 and 30 days before a dependency's end of support")
def remind_end_of_support() -> int:
    from .services.reminders import send_end_of_support_reminders

    return send_end_of_support_reminders()


@periodic("inventory-import-uploads", crontab(minute="40", hour="3"),
          "Delete import uploads whose preview was never confirmed (older than a day)")
def purge_import_uploads() -> int:
    from .exchange.files import purge_stale_uploads

    return purge_stale_uploads()
