"""`aims catalogs load` (every catalogue the installed modules ship) and the modules' import subcommands
(`aims catalogs import-atlas FILE`, `aims catalogs import-framework FILE`...). See aims.core.catalog_commands."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from aims.core import catalog_commands, context


class Command(BaseCommand):
    help = "Load the catalogues AIMS ships, or import one from a file."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("load", help="Load every catalogue the installed modules ship (risk catalogues and method, "
                                    "compliance frameworks and mappings...). Safe to run again.")
        for command in catalog_commands.subcommands():
            command.arguments(sub.add_parser(command.name, help=command.help))

    def handle(self, *args, subcommand, **options):
        # CLI runs are trusted operator actions: the ledger names them "cli:catalogs" instead of a person.
        with context.bound(system_actor="cli:catalogs", request_id=context.new_request_id()):
            if subcommand == "load":
                for loader in catalog_commands.loaders():
                    loader(self._write)
                return
            for command in catalog_commands.subcommands():
                if command.name == subcommand:
                    command.handler(options, self._write)

    def _write(self, text: str) -> None:
        self.stdout.write(text)
