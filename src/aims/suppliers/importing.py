"""Import of a supplier register (CSV or XLSX), the product's one import pattern: read, check every row, show the
result (dry run), then apply all or nothing.

    report = import_suppliers(actor=user, data=upload_bytes, filename="suppliers.xlsx", dry_run=True)
    report.to_create, [str(p) for p in report.problems]
    report = import_suppliers(actor=user, data=upload_bytes, filename="suppliers.xlsx")  # applies only if no problem

The columns are the register export's (register.COLUMNS): a header is read in English or French, or as the column's
key, so an exported file imports again. Cells hold codes (a unit's code, a person's e-mail or username, choice codes;
a choice's label in either language is accepted too). Onboarding status, criticality and the re-assessment columns are
facts the application computes: checked when present, never imported (every imported supplier starts being
onboarded, and passes the onboarding gate like any other). Every imported row is a new supplier: one already in the
register the person sees (same legal name, LEI, VAT or registration number), or twice in the file, is a row problem.

Applying calls `services.create_supplier` for each row inside ONE transaction (permission-checked and ledgered as if
typed in the form); any refusal rolls the whole file back. Cell text is data: "=cmd|..." or "<script>" is stored as
that text (pages escape it; exports defuse formulas).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from aims.core.assignment import grants_access
from aims.core.exports import unescape_cell
from aims.core.models import OrgUnit, User
from aims.core.permissions import ADD, CHANGE, can_anywhere, can_in_unit, role_for_assignment
from aims.inventory.exchange import files
from aims.inventory.exchange.files import ImportFileError, Problem

from . import services
from .models import Art25Agreement, Criticality, Status, Supplier, TrainsOnData, ValueChainRole
from .register import COLUMNS

MAX_REPORTED_PROBLEMS = 200
COMPUTED = ("status", "criticality", "last_assessed_on", "reassessment_due_on", "reassessment")
LIMITS = {"legal_name": 200, "registration_number": 60, "vat_number": 40, "website": 200, "score_exception": 20000,
          "services": 20000}
NUMBERS = {"required_score": 100, "prompt_retention_days": None, "output_retention_days": None,
           "model_change_notice_days": None}
CHOICES = {"trains_on_our_data": TrainsOnData, "value_chain_role": ValueChainRole, "art25_agreement": Art25Agreement,
           "status": Status, "criticality": Criticality}
_COUNTRY = re.compile(r"[A-Za-z]{2}")


@dataclass
class ImportReport:
    filename: str
    format: str = ""
    rows: int = 0
    to_create: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    applied: bool = False
    created_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(problem)


class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def column_keys() -> dict[str, str]:
    """{a header as read, in either language or as the key: the column's key}."""
    keys = {}
    for language in ("en", "fr"):
        with translation.override(language):
            for key, label in COLUMNS:
                keys[_normal(str(label))] = key
    keys.update({key: key for key, _label in COLUMNS})
    return keys


def _choice_values(choices) -> dict[str, str]:
    mapping = {}
    for language in ("en", "fr"):
        with translation.override(language):
            for key, label in choices.choices:
                mapping[_normal(str(label))] = key
    mapping.update({key: key for key in choices.values})
    return mapping


class Lookups:
    """What the rows refer to, fetched once per file and restricted to what `actor` may use."""

    def __init__(self, actor, cells: dict[str, set[str]]):
        self.actor = actor
        names = {_normal(v) for column in ("owner", "backup") for v in cells.get(column, ())}
        self.people = {}
        if names:
            people = User.objects.annotate(lower_email=Lower("email"), lower_username=Lower("username")).filter(
                is_active=True)
            for person in people.filter(lower_email__in=names):
                self.people[person.lower_email] = person
            for person in people.filter(lower_username__in=names):
                self.people.setdefault(person.lower_username, person)
        self.units = {u.code.casefold(): u for u in OrgUnit.objects.filter(is_active=True)}
        self.adding_units = [u for u in self.units.values() if can_in_unit(actor, ADD, "suppliers", u)]
        self.existing = {}  # (kind, normalised value): legal name of the supplier already registered
        for supplier in Supplier.objects.restrict(actor, "view").only("legal_name", "lei", "vat_number",
                                                                      "registration_number"):
            for kind in ("legal_name", "lei", "vat_number", "registration_number"):
                value = getattr(supplier, kind)
                if value:
                    self.existing.setdefault((kind, _normal(value)), supplier.legal_name)
        self.choices = {column: _choice_values(choices) for column, choices in CHOICES.items()}
        self.clauses = {c["key"] for c in services.clause_catalogue()}
        self._may_act = {}

    def may_act(self, person, unit) -> bool:
        """Whether `person` may own a supplier of `unit` (or would be given the access, as the organisation chose)."""
        key = (person.pk, unit.pk)
        if key not in self._may_act:
            self._may_act[key] = can_in_unit(person, CHANGE, "suppliers", unit) or (
                grants_access() and role_for_assignment(CHANGE, "suppliers") is not None)
        return self._may_act[key]


# --- Row checks ----------------------------------------------------------------------------------------------------

def _text(values: dict, column: str) -> str:
    text = values.get(column, "")
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        raise RowError(column, _("contains control characters"))
    limit = LIMITS.get(column)
    if limit and len(text) > limit:
        raise RowError(column, _("at most %(n)d characters") % {"n": limit})
    return text


def _number(raw: str, column: str, maximum: int | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise RowError(column, _("give a whole number of zero or more"))
    value = int(raw)
    if maximum is not None and value > maximum:
        raise RowError(column, _("at most %(n)d") % {"n": maximum})
    if value > 100_000:
        raise RowError(column, _("at most %(n)d") % {"n": 100_000})
    return value


def _person(lookups: Lookups, raw: str, column: str, unit):
    if not raw:
        return None
    person = lookups.people.get(_normal(raw))
    if person is None:
        raise RowError(column, _("no active person with the e-mail address or username “%(value)s”")
                       % {"value": raw[:80]})
    if unit is not None and not lookups.may_act(person, unit):
        raise RowError(column, _("%(person)s may not act on suppliers of “%(unit)s”: choose someone who can, or ask "
                                 "an administrator to give them access there") % {"person": person,
                                                                                  "unit": unit.name})
    return person


def check_row(lookups: Lookups, values: dict) -> dict:
    """The create_supplier arguments for one row, or RowError for its first problem."""
    clean = {}
    for column in ("legal_name", "registration_number", "vat_number", "score_exception", "services", "website"):
        if column in values:
            clean[column] = _text(values, column)
    if not clean.get("legal_name"):
        raise RowError("legal_name", _("the legal name is required"))
    if clean.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(clean["website"])
        except ValidationError:
            raise RowError("website", _("not a web address (https://...)")) from None
    lei = values.get("lei", "").upper()
    if lei and (len(lei) != 20 or not lei.isalnum() or not lei.isascii()):
        raise RowError("lei", _("a LEI has 20 letters and digits"))
    if "lei" in values:
        clean["lei"] = lei
    country = values.get("country", "")
    if country and not _COUNTRY.fullmatch(country):
        raise RowError("country", _("give the two-letter ISO 3166 code, e.g. FR"))
    if "country" in values:
        clean["country"] = country.upper()
    hosting = [c for c in re.split(r"[\s,;]+", values.get("hosting_countries", "")) if c]
    if any(not _COUNTRY.fullmatch(c) for c in hosting):
        raise RowError("hosting_countries", _("give two-letter ISO 3166 codes separated by spaces, e.g. FR DE"))
    if "hosting_countries" in values:
        clean["hosting_countries"] = list(dict.fromkeys(c.upper() for c in hosting))
    clauses = [c for c in re.split(r"[\s,;]+", values.get("clauses", "")) if c]
    unknown = [c for c in clauses if c not in lookups.clauses]
    if unknown:
        raise RowError("clauses", _("unknown clauses: %(keys)s") % {"keys": ", ".join(unknown)[:200]})
    if "clauses" in values:
        clean["clauses"] = clauses
    for column, choices in lookups.choices.items():
        raw = values.get(column, "")
        key = choices.get(_normal(raw)) if raw else ""
        if key is None:
            raise RowError(column, _("“%(value)s” is not one of the accepted values") % {"value": raw[:60]})
        if column in values and column not in COMPUTED:
            clean[column] = key
    for column, maximum in NUMBERS.items():
        if column in values:
            clean[column] = _number(values[column], column, maximum)
    if values.get("dpa_signed_on"):
        try:
            clean["dpa_signed_on"] = date.fromisoformat(values["dpa_signed_on"][:10])
        except ValueError:
            raise RowError("dpa_signed_on", _("give the date as YYYY-MM-DD")) from None
    raw_unit = values.get("unit", "")
    if raw_unit:
        unit = lookups.units.get(raw_unit.casefold())
        if unit is None:
            raise RowError("unit", _("no active unit with the code “%(value)s”") % {"value": raw_unit[:60]})
        if unit not in lookups.adding_units:
            raise RowError("unit", _("you may not add suppliers to “%(unit)s”") % {"unit": unit.name})
    elif len(lookups.adding_units) == 1:
        unit = lookups.adding_units[0]
    else:
        raise RowError("unit", _("give the code of the managing unit"))
    clean["unit"] = unit
    clean["owner"] = _person(lookups, values.get("owner", ""), "owner", unit)
    clean["backup"] = _person(lookups, values.get("backup", ""), "backup", unit)
    if clean["owner"] is not None and clean["owner"] == clean["backup"]:
        raise RowError("backup", _("the backup must be someone other than the owner"))
    return clean


def _duplicate(lookups: Lookups, seen: dict, clean: dict, row: int) -> None:
    for kind in ("legal_name", "lei", "vat_number", "registration_number"):
        value = clean.get(kind)
        if not value:
            continue
        key = (kind, _normal(value))
        if key in lookups.existing:
            raise RowError(kind, _("already in the register: %(supplier)s") % {"supplier": lookups.existing[key]})
        if key in seen:
            raise RowError(kind, _("the same as row %(row)d of this file") % {"row": seen[key]})
    for kind in ("legal_name", "lei", "vat_number", "registration_number"):
        if clean.get(kind):
            seen[(kind, _normal(clean[kind]))] = row


# --- The import ----------------------------------------------------------------------------------------------------

def _read(report: ImportReport, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    try:
        files.check_size(data)
        report.format = files.detect_format(report.filename, data)
        if report.format == "json":
            raise ImportFileError(_("Give the register as a CSV file or an .xlsx workbook."))
        table = files.read_table(data, report.format)
    except ImportFileError as error:
        for problem in error.problems:
            report.add(problem)
        return None
    known = column_keys()
    keys = []
    for header in table.header:
        key = known.get(_normal(header)) if header.strip() else ""
        if key is None:
            report.add(Problem(_("Unknown column “%(name)s”: use the columns of the register export.")
                               % {"name": header[:60]}))
        elif key and key in keys:
            report.add(Problem(_("The column “%(name)s” appears twice.") % {"name": header[:60]}))
        keys.append(key or "")
    if "legal_name" not in keys:
        report.add(Problem(_("The file has no “%(name)s” column.") % {"name": str(COLUMNS[0][1])}))
    return (keys, table.rows) if report.ok else None


def import_suppliers(*, actor, data: bytes, filename: str, dry_run: bool = False) -> ImportReport:
    """Check every row of the file; unless `dry_run` and only if nothing is wrong, create every supplier in one
    transaction. Raises PermissionDenied for someone who may add suppliers nowhere."""
    if not can_anywhere(actor, ADD, "suppliers"):
        raise PermissionDenied(_("You may not add suppliers."))
    report = ImportReport(filename=(filename or "")[-200:])
    table = _read(report, data)
    if table is None:
        return report
    keys, rows = table
    labels = {key: str(label) for key, label in COLUMNS}  # problems name the column in the reader's language
    records = []
    for number, cells in rows:
        values = {key: unescape_cell(cell.strip()) for key, cell in zip(keys, cells, strict=False) if key}
        records.append((number, values))
    cells = {key: {v[key] for _n, v in records if v.get(key)} for key in ("owner", "backup")}
    lookups = Lookups(actor, cells)
    report.rows = len(records)
    plans, seen = [], {}
    for number, values in records:
        try:
            clean = check_row(lookups, values)
            _duplicate(lookups, seen, clean, number)
        except RowError as error:
            report.add(Problem(error.message, row=number, column=labels.get(error.column, error.column)))
            continue
        plans.append((number, clean))
    report.to_create = len(plans)
    if dry_run or not report.ok:
        return report
    _apply(actor, report, plans)
    return report


def _apply(actor, report: ImportReport, plans: list) -> None:
    reason = _("Imported from %(file)s") % {"file": report.filename}
    try:
        with transaction.atomic():
            for number, clean in plans:
                try:
                    supplier = services.create_supplier(actor=actor, reason=reason, **clean)
                except (ValidationError, PermissionDenied) as error:
                    messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                    report.add(Problem("; ".join(messages), row=number))
                    raise _RolledBack from None
                report.created_ids.append(supplier.pk)
    except _RolledBack:
        report.created_ids = []
        return
    report.applied = True


class _RolledBack(Exception):
    pass
