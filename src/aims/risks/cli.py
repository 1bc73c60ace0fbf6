"""The risk module's part of `aims catalogs` (see aims.core.catalog_commands): `load` loads the shipped threat
catalogues and the default method; `import-atlas FILE` imports MITRE ATLAS."""

from __future__ import annotations

from django.core.management.base import CommandError

from aims.core import catalog_commands

from .catalogs import CatalogError


def _counts(counts: dict) -> str:
    return ", ".join(f"{counts[k]} {k}" for k in ("created", "updated", "retired", "unchanged"))


def load(write) -> None:
    from . import services

    for key, counts in services.load_builtin_catalogs(actor=None).items():
        write(f"{key}: {_counts(counts)}")
    method = services.load_default_method(actor=None)
    write(f"risk method: {method} ({method.status})")


def _atlas_arguments(parser) -> None:
    parser.add_argument("file", help="Path to ATLAS.yaml")


def _import_atlas(options: dict, write) -> None:
    from . import services

    try:
        counts = services.import_atlas_file(actor=None, path=options["file"])
    except CatalogError as exc:
        raise CommandError(f"nothing imported: {exc}") from None
    write(f"MITRE ATLAS imported: {_counts(counts)}")


def register() -> None:
    catalog_commands.register_loader("risks", load, order=20)
    catalog_commands.register_subcommand(
        "import-atlas", arguments=_atlas_arguments, handler=_import_atlas,
        help="Import MITRE ATLAS (dist/ATLAS.yaml of mitre-atlas/atlas-data). All or nothing: a malformed file "
             "imports nothing.")
