"""`aims demo`: migrate, load the catalogues and a demo organisation, print every login with its roles, then serve."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from aims.core import demo


class Command(BaseCommand):
    help = "Prepare a demo installation (idempotent: re-running keeps the data) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Prepare the data and stop.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, no_serve, host, port, **options):
        call_command("migrate", interactive=False, verbosity=0)
        admin, password = demo.load()
        credentials = settings.DATA_DIR / "demo-login.txt"
        if password:
            # The demo password is kept beside the demo data so a re-run can print it again.
            credentials.write_text(f"{admin.email}\n{password}\n")
            credentials.chmod(0o600)
        elif credentials.exists():
            password = credentials.read_text().splitlines()[1]
        self.stdout.write(self.style.SUCCESS("AIMS demo is ready."))
        self.stdout.write(f"  URL:      http://{host}:{port}/")
        self.stdout.write(f"  Login:    {admin.email}")
        self.stdout.write(f"  Password: {password or '(unchanged since the first run; see ' + str(credentials) + ')'}")
        self.stdout.write("  Every demo person signs in with the same password:")
        rows = demo.logins()
        width = max((len(email) for email, _roles, _name in rows), default=0)
        for email, roles, name in rows:
            self.stdout.write(f"    {email:<{width}}  {roles} — {name}")
        if not no_serve:
            call_command("serve", host=host, port=port)
