"""`aims tasks list` and `aims tasks run NAME`: the periodic jobs other modules register with `@periodic`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aims.core.periodic import PERIODIC_TASKS, run_periodic


class Command(BaseCommand):
    help = "List the periodic jobs, or run one now (as its system actor, in this process)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("list", help="Name, schedule (minute hour day month weekday) and purpose of every job.")
        run = sub.add_parser("run", help="Run one job now instead of waiting for its schedule.")
        run.add_argument("name", help="The job's name, as `aims tasks list` shows it.")

    def handle(self, *args, subcommand, **options):
        if subcommand == "list":
            width = max((len(name) for name in PERIODIC_TASKS), default=0)
            for name in sorted(PERIODIC_TASKS):
                entry = PERIODIC_TASKS[name]
                self.stdout.write(f"{name.ljust(width)}  {entry['schedule_text']:<16}  {entry['description']}")
            return
        name = options["name"]
        try:
            result = run_periodic(name)
        except LookupError:
            known = ", ".join(sorted(PERIODIC_TASKS)) or "none"
            raise CommandError(f"no periodic job named {name!r} (known: {known})") from None
        self.stdout.write(f"{name}: done ({result!r})")
