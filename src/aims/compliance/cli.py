"""The compliance module's part of `aims catalogs` (see aims.core.catalog_commands): `load` loads the shipped
frameworks and cross-mappings; `import-framework FILE` adds or updates a framework from a YAML or CSV file."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import transaction

from aims.core import catalog_commands

from .framework_files import CatalogError


def load(write) -> None:
    from . import services

    for key, counts in services.load_packaged_frameworks(actor=None).items():
        write(f"{key}: " + ", ".join(f"{value} {name}" for name, value in counts.items()))


class _DryRun(Exception):
    pass


def _arguments(parser) -> None:
    parser.add_argument("file", help="A framework file: YAML (format aims-framework) or CSV (see docs/frameworks.md)")
    parser.add_argument("--dry-run", action="store_true", help="Check the file and report what would change; "
                                                                "load nothing.")
    parser.add_argument("--key", default="", help="CSV only: the framework's key, e.g. acme_ai_policy")
    parser.add_argument("--version", dest="framework_version", default="", help="CSV only: the catalogue version")
    parser.add_argument("--name-en", default="", help="CSV only: the framework's name in English")
    parser.add_argument("--name-fr", default="", help="CSV only: the framework's name in French")


def _import(options: dict, write) -> None:
    from . import services

    csv_header = {"key": options["key"], "version": options["framework_version"], "name_en": options["name_en"],
                  "name_fr": options["name_fr"]}
    if not options["file"].lower().endswith(".csv"):
        csv_header = {}
    try:
        with transaction.atomic():
            framework, counts = services.import_framework_file(actor=None, path=options["file"], **csv_header)
            summary = ", ".join(f"{value} {name}" for name, value in counts.items())
            if options["dry_run"]:
                write(f"dry run, nothing loaded: {framework.key} {framework.catalogue_version}: {summary}")
                raise _DryRun
    except _DryRun:
        return
    except CatalogError as exc:
        raise CommandError(f"nothing imported: {exc}") from None
    write(f"{framework.key} {framework.catalogue_version} imported: {summary}")


def register() -> None:
    catalog_commands.register_subcommand(
        "import-framework", arguments=_arguments, handler=_import,
        help="Add or update a compliance framework from a YAML or CSV file. All or nothing: a file with any problem "
             "imports nothing and every problem is listed.")
