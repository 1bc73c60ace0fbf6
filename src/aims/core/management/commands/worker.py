"""`aims worker`: the Huey consumer that runs e-mails, webhooks, reminders and periodic jobs."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (Huey consumer)."

    def handle(self, *args, **options):
        call_command("run_huey")
