"""`aims catalogs load` (the risk catalogues and default method AIMS ships) and `aims catalogs import-atlas FILE`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aims.core import context
from aims.risks import services
from aims.risks.catalogs import CatalogError


class Command(BaseCommand):
    help = "Load the shipped risk catalogues, or import MITRE ATLAS tactics and techniques from an ATLAS.yaml file."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("load", help="Load the AI risk taxonomy, OWASP Top 10 for LLM, crisis threats, the ATLAS "
                                    "sample (unless ATLAS data is already loaded) and the default risk method.")
        atlas = sub.add_parser("import-atlas", help="Import MITRE ATLAS (dist/ATLAS.yaml of mitre-atlas/atlas-data). "
                                                    "All or nothing: a malformed file imports nothing.")
        atlas.add_argument("file", help="Path to ATLAS.yaml")

    def handle(self, *args, subcommand, **options):
        # CLI runs are trusted operator actions: the ledger names them "cli:catalogs" instead of a person.
        with context.bound(system_actor="cli:catalogs", request_id=context.new_request_id()):
            if subcommand == "load":
                self._load()
            else:
                self._import_atlas(options["file"])

    def _load(self) -> None:
        results = services.load_builtin_catalogs(actor=None)
        for key, counts in results.items():
            self.stdout.write(f"{key}: {self._counts(counts)}")
        method = services.load_default_method(actor=None)
        self.stdout.write(f"risk method: {method} ({method.status})")

    def _import_atlas(self, file: str) -> None:
        try:
            counts = services.import_atlas_file(actor=None, path=file)
        except CatalogError as exc:
            raise CommandError(f"nothing imported: {exc}") from None
        self.stdout.write(f"MITRE ATLAS imported: {self._counts(counts)}")

    @staticmethod
    def _counts(counts: dict) -> str:
        return ", ".join(f"{counts[k]} {k}" for k in ("created", "updated", "retired", "unchanged"))
