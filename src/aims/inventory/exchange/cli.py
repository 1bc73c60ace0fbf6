"""The inventory targets of `aims import` and `aims export` (see aims/core/management/commands/import.py, export.py).

    aims import inventory FILE [--system REF] [--dry-run] [--as EMAIL]
    aims export inventory --format csv|xlsx|cyclonedx [--system ID|REF] OUT [--as EMAIL]

CSV/XLSX files hold AI systems; JSON files are CycloneDX BOMs (components, dependencies, model card of --system).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from ..models import AISystem
from . import cyclonedx_export, cyclonedx_import, tabular
from .files import ImportFileError, detect_format

# Options the shared commands add for this target: (flags, argparse keyword arguments).
IMPORT_OPTIONS = [(("--system",), {"metavar": "REF", "help": "CycloneDX only: the AI system (reference code or id) "
                                                             "the components, links and model card belong to."}),
                  (("--refresh",), {"action": "store_true",
                                    "help": "CycloneDX only: also update the components and dependencies already in "
                                            "the inventory with what the file states about them (the dry run lists "
                                            "the differences)."})]


class OperatorActor:
    """The trusted operator running the command line without --as: may do everything, ledgered under the command's
    system actor name (e.g. "cli:import:inventory"). Someone with a shell on the server can edit the database anyway;
    --as EMAIL limits an import to a person's permissions and records it under their name."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    email = ""

    def get_username(self) -> str:
        return ""

    def __str__(self) -> str:
        return "operator"


@dataclass
class Report:
    rows: int = 0
    to_create: int = 0
    to_update: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    applied: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # printed by `aims import`; --strict refuses to import


def find_system(actor, text: str | None) -> AISystem | None:
    if not text:
        return None
    condition = Q(reference_code=text) | (Q(pk=int(text)) if text.isdigit() else Q(pk__in=[]))
    system = AISystem.objects.restrict(actor, "view").filter(condition).first()
    if system is None:
        raise LookupError(f"no AI system {text!r} (or you may not see it)")
    return system


def import_file(*, actor, path, dry_run: bool = False, progress=None, system: str | None = None,
                refresh: bool = False) -> Report:
    actor = actor or OperatorActor()
    data = Path(path).read_bytes()
    name = Path(path).name
    step = (lambda done, total: progress("import", done, total)) if progress else None
    report = Report()
    try:
        target = find_system(actor, system)
        fmt = detect_format(name, data)
        if fmt == "json":
            if dry_run:
                plan = cyclonedx_import.plan_bom(actor=actor, data=data, filename=name, system=target)
                problems = plan.problems
            else:
                result = cyclonedx_import.apply_bom(actor=actor, data=data, filename=name, system=target,
                                                    progress=step, refresh=refresh)
                plan, problems, report.applied = result.plan, result.problems, result.applied
            summary = plan.summary()
            report.rows = len(plan.items)
            report.to_create = summary["components_to_create"] + summary["dependencies_to_create"]
            report.unchanged = summary["already_known"]
            report.to_update = sum(1 for card in plan.cards if card.diff)
            report.unchanged += sum(1 for card in plan.cards if card.exists and not card.diff)
            if refresh:
                report.to_update += summary["components_to_refresh"]
                report.unchanged -= summary["components_to_refresh"]
            for item in plan.items:
                if item.diff:
                    label = f"{item.fields['name']} {item.fields.get('version_label', '')}".strip()
                    report.notes.append(f"{label}: {len(item.diff)} field(s) differ"
                                        + ("" if refresh else " (add --refresh to update it)"))
                    report.notes.extend(f"    {row['label']}: {row['before']} -> {row['after']}" for row in item.diff)
            report.warnings = [str(w) for w in plan.warnings]
            for card in plan.cards:
                report.notes.append(f"model card of {card.source!r} in {plan.system}: "
                                    + (f"{len(card.diff)} field(s) to change" if card.diff else "unchanged"))
                report.notes.extend(f"    {row['label']}: {row['before']} -> {row['after']}" for row in card.diff)
        else:
            if system:
                raise ImportFileError("--system applies to CycloneDX files; a CSV/XLSX file names systems by row")
            if dry_run:
                plan = tabular.plan_import(actor=actor, data=data, filename=name)
                problems = plan.problems
            else:
                result = tabular.apply_import(actor=actor, data=data, filename=name, progress=step)
                plan, problems, report.applied = result.plan, result.problems, result.applied
            report.rows = len(plan.to_create) + len(plan.to_update) + plan.unchanged
            report.to_create, report.to_update, report.unchanged = (len(plan.to_create), len(plan.to_update),
                                                                    plan.unchanged)
    except ImportFileError as error:
        problems = error.problems
    except (LookupError, PermissionDenied) as error:
        problems = [str(error)]
    report.problems = [str(p) for p in problems[:100]]
    report.problem_count = len(problems)
    return report


def export_file(*, actor, out, fmt: str, system: str | None = None, progress=None) -> str:
    """Write the export to `out` (a path, or "-" for standard output); returns a one-line summary."""
    import sys

    actor = actor or OperatorActor()
    if fmt == "cyclonedx":
        target = find_system(actor, system)
        if target is None:
            raise LookupError("--system is required for a CycloneDX export (one BOM per AI system)")
        text = cyclonedx_export.system_bom_json(target)
        problems = cyclonedx_export.validate_bom(text)
        if problems:
            raise RuntimeError("the generated BOM does not validate: " + "; ".join(str(p) for p in problems[:5]))
        _write(out, text.encode())
        return f"CycloneDX {cyclonedx_export.SPEC_VERSION} BOM of {target} (validated against the official schema)"
    systems = AISystem.objects.restrict(actor, "view").order_by("reference_code", "pk")
    if system:
        systems = systems.filter(pk=find_system(actor, system).pk)
    total = systems.count()
    rows = _counting(tabular.export_rows(systems), total, progress)
    if fmt == "csv":
        if out == "-":
            for piece in tabular.csv_lines(tabular.HEADERS, rows):
                sys.stdout.write(piece)
        else:
            with open(out, "w", encoding="utf-8", newline="") as handle:
                for piece in tabular.csv_lines(tabular.HEADERS, rows):
                    handle.write(piece)
    else:
        _write(out, tabular.xlsx_bytes(tabular.HEADERS, rows, title="AI systems"))
    return f"{total} AI systems written as {fmt.upper()}"


def _counting(rows, total, progress):
    for index, row in enumerate(rows, start=1):
        yield row
        if progress and (index % 100 == 0 or index == total):
            progress("export", index, total)


def _write(out, data: bytes) -> None:
    import sys

    if out == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(out).write_bytes(data)
