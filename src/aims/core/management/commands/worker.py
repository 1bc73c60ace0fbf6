"""`aims worker`: the Huey consumer that runs e-mails, webhooks, reminders and periodic jobs."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from aims.core import instance


class Command(BaseCommand):
    help = "Run the background worker (Huey consumer)."

    def handle(self, *args, **options):
        instance.hold(settings.DATA_DIR)  # `aims restore` refuses to run meanwhile
        call_command("run_huey")
