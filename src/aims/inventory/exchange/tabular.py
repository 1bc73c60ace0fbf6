"""AI systems as a table (CSV or XLSX): the template, the export of a portfolio selection, and the import.

An import is planned first (`plan_import`): every row is checked, with bulk look-ups (no query per row), into
systems to create, systems to update (matched by reference code, with the fields that change) and problems located
by row and column. `apply_import` re-plans from the same bytes (a file is never trusted twice) and, only if nothing
is wrong, makes every change through the inventory services in one transaction: each change is ledgered, and any
refusal (a gate, a permission) rolls the whole import back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import dates
from aims.core.exports import csv_lines, unescape_cell, xlsx_bytes
from aims.core.models import OrgUnit, User
from aims.core.permissions import ADD, CHANGE, can_in_unit

from .. import gates, services, signals
from ..forms import PipeLinesField
from ..models import STAGE_ORDER, AISystem, Autonomy, Criticality, DeploymentMode, Exposure, Stage
from ..models.common import validate_links
from .files import MAX_PROBLEMS, ImportFileError, Problem, check_size, detect_format, read_table

TRUE_WORDS = {"yes", "y", "true", "1", "x", "oui", "o", "vrai"}
FALSE_WORDS = {"no", "n", "false", "0", "non", "faux", ""}


@dataclass(frozen=True)
class Column:
    key: str  # the header in the file
    field: str  # the AISystem field it fills
    kind: str  # text, choice, bool, date, int, unit, person, links
    label: object
    required: bool = False
    choices: type | None = None
    export_only: bool = False


# A system's links in one cell, as on its form: one "label | https://address" per line.
LINKS = PipeLinesField(keys=("label", "url"))

COLUMNS = (
    Column("reference_code", "reference_code", "text", gettext_lazy("Reference (empty for a new system: one is "
                                                                     "assigned; existing reference: that system is updated)")),
    Column("name", "name", "text", gettext_lazy("Name"), required=True),
    Column("purpose", "purpose", "text", gettext_lazy("Purpose")),
    Column("intended_use", "intended_use", "text", gettext_lazy("Intended use")),
    Column("unit_code", "unit", "unit", gettext_lazy("Business unit code"), required=True),
    Column("owner_email", "owner", "person", gettext_lazy("Owner's e-mail (an active person)"), required=True),
    Column("backup_owner_email", "backup_owner", "person", gettext_lazy("Backup owner's e-mail")),
    Column("business_referent_email", "business_referent", "person", gettext_lazy("Business referent's e-mail")),
    Column("technical_lead_email", "technical_lead", "person", gettext_lazy("Technical lead's e-mail")),
    Column("incident_contact_email", "incident_contact", "person", gettext_lazy("Incident contact's e-mail")),
    Column("stage", "stage", "choice", gettext_lazy("Lifecycle stage"), choices=Stage),
    Column("criticality", "criticality", "choice", gettext_lazy("Business criticality"), choices=Criticality),
    Column("personal_data", "personal_data", "bool", gettext_lazy("Processes personal data (yes/no)")),
    Column("special_category_data", "special_category_data", "bool",
           gettext_lazy("Processes special categories of personal data (yes/no)")),
    Column("confidential_data", "confidential_data", "bool", gettext_lazy("Processes confidential data (yes/no)")),
    Column("external_exposure", "external_exposure", "choice", gettext_lazy("External exposure"), choices=Exposure),
    Column("autonomy", "autonomy", "choice", gettext_lazy("Autonomy"), choices=Autonomy),
    Column("human_oversight", "human_oversight", "text", gettext_lazy("Human oversight arrangement")),
    Column("deployment_mode", "deployment_mode", "choice", gettext_lazy("Deployment mode"), choices=DeploymentMode),
    Column("users_and_affected", "users_and_affected", "text", gettext_lazy("Users and affected people")),
    Column("value", "value", "text", gettext_lazy("Value")),
    Column("priority", "priority", "int", gettext_lazy("Priority, 1 (lowest) to 5 (highest)")),
    Column("next_review_date", "next_review_date", "date", gettext_lazy("Next review date (YYYY-MM-DD)")),
    Column("escalation_path", "escalation_path", "text", gettext_lazy("Escalation path")),
    Column("links", "links", "links", gettext_lazy("Links, one per line: label | https://address")),
    # Shown in exports, ignored by imports: classification has its own guided process.
    Column("ai_act_tier", "ai_act_tier", "choice", gettext_lazy("EU AI Act tier (read only)"), export_only=True),
    Column("ai_act_role", "ai_act_role", "choice", gettext_lazy("EU AI Act role (read only)"), export_only=True),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = [c.key for c in COLUMNS]
# Choice columns with a default: an empty cell keeps the current value (update) or takes the default (creation).
_DEFAULTED = {"stage", "criticality", "external_exposure", "autonomy", "priority"}
# A new system may enter the inventory at most here; later stages pass the go-live gate on the system's page.
LAST_IMPORTABLE_STAGE_FOR_NEW = Stage.VALIDATION


@dataclass
class RowPlan:
    row: int
    reference: str
    name: str
    fields: dict  # model field -> value (creation: every given field; update: only the changes)
    system: AISystem | None = None  # set for an update
    stage: str = ""  # a lifecycle move to make after creation/update, through the gates

    @property
    def changed_labels(self) -> list[str]:
        return sorted(self.fields) + (["stage"] if self.stage else [])


@dataclass
class TablePlan:
    filename: str
    format: str
    to_create: list[RowPlan] = field(default_factory=list)
    to_update: list[RowPlan] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict:
        return {"to_create": len(self.to_create), "to_update": len(self.to_update), "unchanged": self.unchanged,
                "errors": len(self.problems)}


# --- Template and export -------------------------------------------------------------------------------------------

def _instructions() -> list[list[str]]:
    rows = []
    for column in COLUMNS:
        allowed = ""
        if column.choices is not None:
            allowed = ", ".join(str(v) for v in column.choices.values if v)
        elif column.kind == "bool":
            allowed = "yes, no"
        elif column.kind == "links":
            allowed = "Runbook | https://wiki.example.com/runbook"
        note = _("required") if column.required else (_("ignored on import") if column.export_only else "")
        rows.append([column.key, str(column.label), note, allowed])
    return rows


def template_csv() -> str:
    return "".join(csv_lines(HEADERS, []))


def template_xlsx() -> bytes:
    return xlsx_bytes(HEADERS, [], title=_("AI systems"),
                      extra_sheets=[(_("Instructions"), [_("column"), _("meaning"), _("note"), _("allowed values")],
                                     _instructions())])


def _person(user) -> str:
    return user.email if user is not None else ""


def export_rows(systems) -> Iterable[list]:
    """One row per system, in HEADERS order; values as an import reads them back (codes, e-mails, ISO dates)."""
    systems = systems.select_related("unit", "owner", "backup_owner", "business_referent", "technical_lead",
                                     "incident_contact")
    for s in systems.iterator(chunk_size=2000):
        yield [
            s.reference_code, s.name, s.purpose, s.intended_use, s.unit.code, _person(s.owner),
            _person(s.backup_owner), _person(s.business_referent), _person(s.technical_lead),
            _person(s.incident_contact), s.stage, s.criticality, "yes" if s.personal_data else "no",
            "yes" if s.special_category_data else "no", "yes" if s.confidential_data else "no", s.external_exposure,
            s.autonomy, s.human_oversight, s.deployment_mode, s.users_and_affected, s.value, s.priority,
            s.next_review_date.isoformat() if s.next_review_date else "", s.escalation_path,
            LINKS.prepare_value(s.links or []), s.ai_act_tier, s.ai_act_role,
        ]


def portfolio_selection(user, params):
    """Exactly the systems the portfolio shows `user` for these query parameters, in the same order."""
    from .. import portfolio

    systems = portfolio.apply(AISystem.objects.restrict(user, "view"), user,
                              portfolio.PortfolioFilter.from_query(params))
    return systems.order_by(*portfolio.ordering(params.get("sort"))[0])


def export_csv_lines(systems) -> Iterable[str]:
    return csv_lines(HEADERS, export_rows(systems))


def export_xlsx(systems) -> bytes:
    return xlsx_bytes(HEADERS, export_rows(systems), title=_("AI systems"))


# --- Reading and checking ------------------------------------------------------------------------------------------

def _normalise_header(text: str) -> str:
    return unescape_cell(text).strip().lower().replace(" ", "_").replace("-", "_")


def _map_header(header: list[str]) -> tuple[dict[int, Column], list[Problem]]:
    problems, mapping, seen = [], {}, set()
    labels = {_normalise_header(str(c.label)): c for c in COLUMNS}
    unknown = []
    for index, raw in enumerate(header):
        key = _normalise_header(raw)
        if not key:
            continue
        column = COLUMN_BY_KEY.get(key) or labels.get(key)
        if column is None:
            unknown.append(raw)
            continue
        if column.key in seen:
            problems.append(Problem(_("The column appears twice."), row=1, column=column.key))
        seen.add(column.key)
        if not column.export_only:
            mapping[index] = column
    if unknown:
        problems.append(Problem(_("Unknown columns: %(names)s. Expected columns are those of the template: %(expected)s.")
                                % {"names": ", ".join(unknown), "expected": ", ".join(HEADERS)}, row=1))
    missing = [c.key for c in COLUMNS if (c.required or c.key == "reference_code") and c.key not in seen]
    if missing:
        problems.append(Problem(_("Missing required columns: %(names)s.") % {"names": ", ".join(missing)}, row=1))
    return mapping, problems


class _CellError(Exception):
    pass


def _choice(column: Column, text: str) -> str:
    lowered = text.strip().lower()
    for value, label in column.choices.choices:
        if lowered in (str(value).lower(), str(label).lower()) and value != "":
            return value
    raise _CellError(_("“%(value)s” is not one of: %(allowed)s.")
                     % {"value": text, "allowed": ", ".join(v for v in column.choices.values if v)})


def _convert(column: Column, text: str):
    """The cell as a Python value for its field (people and units are resolved later, in bulk)."""
    model_field = AISystem._meta.get_field(column.field)
    if column.kind == "text":
        value = text.strip()
        if model_field.max_length and len(value) > model_field.max_length:
            raise _CellError(_("At most %(max)s characters (this has %(n)s).")
                             % {"max": model_field.max_length, "n": len(value)})
        return value
    if column.kind == "choice":
        return _choice(column, text)
    if column.kind == "bool":
        lowered = text.strip().lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise _CellError(_("Write yes or no."))
    if column.kind == "date":
        try:
            return date.fromisoformat(text.strip()[:10])
        except ValueError:
            raise _CellError(_("“%(value)s” is not a date; write YYYY-MM-DD.") % {"value": text}) from None
    if column.kind == "int":
        try:
            value = int(text.strip())
        except ValueError:
            raise _CellError(_("“%(value)s” is not a whole number.") % {"value": text}) from None
        try:
            model_field.run_validators(value)
        except ValidationError as error:
            raise _CellError(" ".join(error.messages)) from None
        return value
    if column.kind == "links":
        try:
            links = LINKS.to_python(text)
            validate_links(links)
        except ValidationError as error:
            raise _CellError(" ".join(error.messages)) from None
        return links
    return text.strip().lower() if column.kind == "person" else text.strip()


def plan_import(*, actor, data: bytes, filename: str) -> TablePlan:
    """Check a whole CSV/XLSX file of AI systems without changing anything. Raises ImportFileError when the file
    cannot be read at all; row problems are collected in the plan."""
    check_size(data)
    fmt = detect_format(filename, data)
    if fmt == "json":
        raise ImportFileError(_("This is a JSON file; AI systems are imported from CSV or XLSX (JSON is for "
                                "CycloneDX component imports)."))
    table = read_table(data, fmt)
    plan = TablePlan(filename=filename, format=fmt)
    mapping, header_problems = _map_header(table.header)
    if header_problems:
        plan.problems = header_problems
        return plan

    parsed: list[tuple[int, dict]] = []
    for number, cells in table.rows:
        values, row_problems = {}, []
        for index, column in mapping.items():
            text = unescape_cell(cells[index]) if index < len(cells) else ""
            if "\x00" in text:
                row_problems.append(Problem(_("NUL characters are not allowed."), row=number, column=column.key))
                continue
            if not text.strip():
                if column.required:
                    row_problems.append(Problem(_("This cell is required."), row=number, column=column.key))
                elif column.key not in _DEFAULTED:
                    values[column.key] = None if column.kind in ("unit", "person", "date") else (
                        False if column.kind == "bool" else [] if column.kind == "links" else "")
                continue
            try:
                values[column.key] = _convert(column, text)
            except _CellError as error:
                row_problems.append(Problem(str(error), row=number, column=column.key))
        plan.problems.extend(row_problems)
        parsed.append((number, values))
        if len(plan.problems) >= MAX_PROBLEMS:
            return plan

    _resolve(actor, plan, parsed)
    return plan


def _resolve(actor, plan: TablePlan, parsed: list[tuple[int, dict]]) -> None:
    """Bulk look-ups (units, people, existing systems), permissions, and the create/update split."""
    codes = {v["unit_code"] for _n, v in parsed if v.get("unit_code")}
    units = {u.code.lower(): u for u in OrgUnit.objects.filter(code__in=codes | {c.lower() for c in codes})}
    emails = {v[c.key] for _n, v in parsed for c in COLUMNS if c.kind == "person" and v.get(c.key)}
    people = {u.email_lower: u for u in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)}
    references = [v["reference_code"] for _n, v in parsed if v.get("reference_code")]
    existing = {s.reference_code: s for s in AISystem.objects.filter(reference_code__in=references)}
    changeable = set(AISystem.objects.restrict(actor, CHANGE).filter(reference_code__in=list(existing))
                     .values_list("reference_code", flat=True))
    first_row_of: dict[str, int] = {}

    for number, values in parsed:
        problems: list[Problem] = []

        def fail(column: str, message: str) -> None:
            problems.append(Problem(message, row=number, column=column))

        reference = values.get("reference_code") or ""
        if reference:
            if reference in first_row_of:
                fail("reference_code", _("The same reference is already on row %(n)s.") % {"n": first_row_of[reference]})
            first_row_of.setdefault(reference, number)
        fields: dict = {}
        for column in COLUMNS:
            if column.key not in values or column.key == "reference_code":
                continue
            value = values[column.key]
            if column.kind == "unit" and value is not None:
                value = units.get(value.lower())
                if value is None:
                    fail(column.key, _("No business unit has the code “%(code)s”.") % {"code": values[column.key]})
                    continue
            elif column.kind == "person" and value is not None:
                person = people.get(value)
                if person is None:
                    fail(column.key, _("No person has the e-mail address “%(email)s”.") % {"email": value})
                    continue
                if column.key == "owner_email" and not person.is_active:
                    fail(column.key, _("The owner must be an active person."))
                    continue
                value = person
            fields[column.field] = value
        system = existing.get(reference) if reference else None
        stage = fields.pop("stage", None)
        owner, backup = fields.get("owner", ...), fields.get("backup_owner", ...)
        if system is not None:
            owner = system.owner if owner is ... else owner
            backup = system.backup_owner if backup is ... else backup
        if owner not in (None, ...) and backup not in (None, ...) and owner.pk == backup.pk:
            fail("backup_owner_email", _("The backup owner must be someone other than the owner."))
        review = fields.get("next_review_date")  # the service's rule, told by the dry run
        if review is not None and review != getattr(system, "next_review_date", None) and dates.is_past(review):
            fail("next_review_date", dates.past_message())

        if system is None:
            unit = fields.get("unit")
            if unit is not None and not can_in_unit(actor, ADD, "inventory", unit):
                fail("unit_code", _("You may not add AI systems to the unit “%(unit)s”.") % {"unit": unit.code})
            if stage and STAGE_ORDER.index(stage) > STAGE_ORDER.index(LAST_IMPORTABLE_STAGE_FOR_NEW):
                fail("stage", _("A new system can be imported up to the validation stage; deployment and later stages "
                                "pass the go-live gate on the system's page."))
            row_plan = RowPlan(number, reference, fields.get("name", ""), fields,
                               stage=stage if stage and stage != Stage.IDEA else "")
            if not problems:
                plan.to_create.append(row_plan)
        else:
            if reference not in changeable:
                fail("reference_code", _("The reference %(ref)s belongs to a system you may not change.")
                     % {"ref": reference})
            elif system.is_frozen:
                fail("reference_code", _("%(ref)s is retired and read-only.") % {"ref": reference})
            changes = {f: v for f, v in fields.items() if _differs(system, f, v)}
            new_unit = changes.get("unit")
            if new_unit is not None and not can_in_unit(actor, ADD, "inventory", new_unit):
                fail("unit_code", _("You may not move AI systems to the unit “%(unit)s”.") % {"unit": new_unit.code})
            move = stage if stage and stage != system.stage else ""
            if move == Stage.RETIRED:
                fail("stage", _("A system is retired through a retirement change decision, not by import."))
            elif move and not problems:
                failures = [r for r in gates.evaluate_move(system, move) if not r.passed]
                if failures:
                    fail("stage", _("The gate to “%(stage)s” refuses: %(reasons)s") % {
                        "stage": Stage(move).label, "reasons": "; ".join(f"{r.label}: {r.message}" for r in failures)})
            if not problems:
                if changes or move:
                    plan.to_update.append(RowPlan(number, reference, system.name, changes, system=system, stage=move))
                else:
                    plan.unchanged += 1
        plan.problems.extend(problems)
        if len(plan.problems) >= MAX_PROBLEMS:
            return


def _differs(system: AISystem, field_name: str, value) -> bool:
    current = getattr(system, AISystem._meta.get_field(field_name).attname)
    if hasattr(value, "pk"):
        value = value.pk
    return current != value


# --- Applying --------------------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    plan: TablePlan
    applied: bool
    created: list[AISystem] = field(default_factory=list)
    updated: list[AISystem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _problems_from(error: Exception, row: int) -> list[Problem]:
    if isinstance(error, PermissionDenied):
        return [Problem(str(error) or _("You are not allowed to do this."), row=row)]
    if hasattr(error, "error_dict"):
        columns = {c.field: c.key for c in COLUMNS}
        return [Problem(" ".join(messages), row=row, column=columns.get(name, "" if name == "__all__" else name))
                for name, messages in error.message_dict.items()]
    return [Problem(" ".join(error.messages), row=row)]


def apply_import(*, actor, data: bytes, filename: str,
                 progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Plan again from the bytes and, if the plan is clean, make every change in one transaction (all or nothing)."""
    plan = plan_import(actor=actor, data=data, filename=filename)
    result = ImportResult(plan=plan, applied=False)
    if not plan.ok:
        result.problems = list(plan.problems)
        return result
    total = len(plan.to_create) + len(plan.to_update)
    reason = _("Imported from %(file)s") % {"file": filename}
    with transaction.atomic(), signals.registering_in_bulk(actor=actor):
        done = 0
        for item in plan.to_create:
            try:
                fields = dict(item.fields)
                if item.reference:
                    fields["reference_code"] = item.reference
                system = services.create_system(actor=actor, name=fields.pop("name"), unit=fields.pop("unit"),
                                                owner=fields.pop("owner"), reason=reason, **fields)
                if item.stage:
                    system = services.move_to_stage(actor=actor, system=system, stage=item.stage, reason=reason)
                result.created.append(system)
            except (ValidationError, PermissionDenied) as error:
                result.problems.extend(_problems_from(error, item.row))
            done += 1
            if progress:
                progress(done, total)
        for item in plan.to_update:
            try:
                system = item.system
                if item.fields:
                    system = services.update_system(actor=actor, system=system, changes=item.fields, reason=reason)
                if item.stage:
                    system = services.move_to_stage(actor=actor, system=system, stage=item.stage, reason=reason)
                result.updated.append(system)
            except (ValidationError, PermissionDenied) as error:
                result.problems.extend(_problems_from(error, item.row))
            done += 1
            if progress:
                progress(done, total)
        if result.problems:
            transaction.set_rollback(True)
            result.created, result.updated = [], []
            return result
    result.applied = True
    return result
