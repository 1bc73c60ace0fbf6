"""The exchange format of the risk register: its columns, reading an uploaded CSV or XLSX file safely, the
downloadable template, and an export in the same columns (so an exported register can be edited and re-imported).

Reading never trusts the file: size and row limits, content checks (an .xlsx must be a real, reasonably sized ZIP
workbook; a CSV must be UTF-8 with the expected header) and every problem becomes a `FileProblem` with a message a
person can act on. Cells are returned as text exactly as written (formulas included: they are data, never run).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import exports

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# An XLSX is a ZIP: refuse archives that would inflate far beyond what a 50,000-row register needs (a "ZIP bomb").
MAX_XLSX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_CELL_CHARS = 20_000
XLSX_MAGIC = b"PK\x03\x04"

# (column, help text). The order is the template's and the export's.
COLUMNS: tuple[tuple[str, object], ...] = (
    ("id", gettext_lazy("Blank for a new risk; the risk's number to update an existing one.")),
    ("title", gettext_lazy("Required. At most 300 characters.")),
    ("category", gettext_lazy("Required. A category key or its English or French name.")),
    ("risk_source", gettext_lazy("Scenario: the source of the risk.")),
    ("event", gettext_lazy("Scenario: what could happen.")),
    ("consequence", gettext_lazy("Scenario: the consequence.")),
    ("ebios_risk_source", gettext_lazy("EBIOS RM view: risk source.")),
    ("ebios_target_objective", gettext_lazy("EBIOS RM view: target objective.")),
    ("ebios_operational_scenario", gettext_lazy("EBIOS RM view: operational scenario.")),
    ("owner_email", gettext_lazy("Required. The e-mail address of the risk owner, a person known to AIMS.")),
    ("unit_code", gettext_lazy("Code of the organisation unit; blank: the unit of the first linked system.")),
    ("systems", gettext_lazy("Reference codes of the linked AI systems, separated by semicolons.")),
    ("inherent_likelihood", gettext_lazy("Level number (1 = lowest) or its English or French label.")),
    ("inherent_impact", gettext_lazy("Level number (1 = lowest) or its English or French label.")),
    ("existing_measures", gettext_lazy("Measures already in place.")),
    ("treatment", gettext_lazy("reduce, accept, transfer or avoid (or their English or French names).")),
    ("treatment_rationale", gettext_lazy("Why this treatment.")),
    ("residual_likelihood", gettext_lazy("Level number or label; give both residual values or neither.")),
    ("residual_impact", gettext_lazy("Level number or label; give both residual values or neither.")),
    ("target_level", gettext_lazy("A risk level key or label of the method.")),
    ("status", gettext_lazy("Blank, or the status the scores and treatment give; 'closed' closes the risk.")),
    ("next_review_date", gettext_lazy("YYYY-MM-DD or DD/MM/YYYY; blank: set from the level by the method.")),
)
COLUMN_NAMES = tuple(name for name, _help in COLUMNS)
REQUIRED_COLUMNS = ("title", "category", "owner_email")


@dataclass(frozen=True)
class FileProblem(Exception):
    """Why a whole file is refused (nothing is imported)."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Table:
    format: str  # "csv" or "xlsx"
    columns: list[str]  # normalised header, in file order
    rows: list[tuple[int, dict[str, str]]]  # (row number as a spreadsheet shows it, {column: text})


def normalise_header(name) -> str:
    text = str(name or "").strip().lower().replace("e-mail", "email")
    return "_".join(text.replace("-", " ").split())


def check_header(raw_header: list) -> list[str]:
    """The normalised header, or FileProblem naming every unknown, missing or repeated column."""
    columns = [normalise_header(name) for name in raw_header]
    while columns and not columns[-1]:
        columns.pop()  # spreadsheets often carry empty trailing header cells
    problems = []
    unknown = [c or _("(empty)") for c in columns if c not in COLUMN_NAMES]
    if unknown:
        problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problems.append(_("missing required columns: %(columns)s") % {"columns": ", ".join(missing)})
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        problems.append(_("columns given twice: %(columns)s") % {"columns": ", ".join(repeated)})
    if problems:
        raise FileProblem(_("The first row must be the header of the risk register template (%(problems)s). "
                            "Expected columns: %(expected)s.")
                          % {"problems": "; ".join(problems), "expected": ", ".join(COLUMN_NAMES)})
    return columns


def cell_text(value) -> str:
    """A cell as text: integral numbers without '.0', dates as ISO, the export's anti-formula apostrophe removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return exports.unescape_cell(str(value).strip())


def _rows_from(records, columns: list[str], first_row: int) -> list[tuple[int, dict[str, str]]]:
    rows = []
    for number, record in enumerate(records, start=first_row):
        values = [cell_text(v) for v in record]
        if not any(values):
            continue  # blank lines are layout, not data
        if len(values) > len(columns) and any(values[len(columns):]):
            raise FileProblem(_("Row %(row)d has more cells than the header has columns.") % {"row": number})
        if len(rows) >= MAX_ROWS:
            raise FileProblem(_("The file has more than %(max)s risks; split it into several files.")
                              % {"max": f"{MAX_ROWS:,}"})
        for value in values:
            if len(value) > MAX_CELL_CHARS:
                raise FileProblem(_("Row %(row)d has a cell longer than %(max)d characters.")
                                  % {"row": number, "max": MAX_CELL_CHARS})
        rows.append((number, {c: (values[i] if i < len(values) else "") for i, c in enumerate(columns)}))
    return rows


def read_table(data: bytes, filename: str) -> Table:
    """Parse an uploaded register file. Raises FileProblem (with nothing read) for anything but a clean table."""
    if len(data) > MAX_BYTES:
        raise FileProblem(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    name = (filename or "").lower()
    if not data.strip():
        raise FileProblem(_("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        if name.endswith(".csv"):
            raise FileProblem(_("This file is a spreadsheet workbook, not CSV text: name it .xlsx or save it as CSV."))
        return _read_xlsx(data)
    if name.endswith((".xlsx", ".xlsm")):
        raise FileProblem(_("This is not an XLSX workbook (an .xlsx file is a ZIP archive; this one is not). "
                            "Save it again from your spreadsheet as “Excel workbook (.xlsx)”."))
    if name.endswith((".xls", ".ods", ".numbers")):
        raise FileProblem(_("This spreadsheet format is not supported: save it as .xlsx or as CSV (UTF-8)."))
    if name and not name.endswith((".csv", ".txt")):
        raise FileProblem(_("Upload a .csv or .xlsx file."))
    return _read_csv(data)


def _read_csv(data: bytes) -> Table:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise FileProblem(_("The file is UTF-16 text; save it as “CSV UTF-8” instead."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FileProblem(_("Line %(line)d is not valid UTF-8 text (the file may be in another encoding, such as "
                            "Windows-1252): save it as “CSV UTF-8” and try again.") % {"line": line}) from None
    if "\x00" in text:
        raise FileProblem(_("The file contains NUL characters: it is not CSV text."))
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to French (and others) write ';' between cells because ',' is their decimal separator.
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise FileProblem(_("The file is empty."))
        columns = check_header(header)
        return Table(format="csv", columns=columns, rows=_rows_from(reader, columns, first_row=2))
    except csv.Error as exc:
        raise FileProblem(_("The CSV text is malformed near line %(line)d (%(problem)s).")
                          % {"line": reader.line_num, "problem": exc}) from None


def _read_xlsx(data: bytes) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileProblem(_("The workbook is damaged (its ZIP structure cannot be read).")) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise FileProblem(_("The workbook unpacks to more than %(mb)d MB; it is not a register this size would need.")
                          % {"mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)})
    if "xl/workbook.xml" not in names:
        raise FileProblem(_("This ZIP file is not an Excel workbook."))
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula is read as its text ("=cmd|..."), stored as text, never evaluated.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on damaged files; all mean "unreadable"
        raise FileProblem(_("The workbook cannot be read; open it in your spreadsheet and save it again as .xlsx.")) from None
    try:
        sheet = _register_sheet(workbook)
        records = sheet.iter_rows(values_only=True)
        header = next(records, None)
        if header is None:
            raise FileProblem(_("The first sheet of the workbook is empty."))
        columns = check_header(list(header))
        rows = _rows_from(records, columns, first_row=2)
    except FileProblem:
        raise
    except Exception:  # noqa: BLE001 - a damaged sheet part surfaces only while reading rows
        raise FileProblem(_("The workbook cannot be read; open it in your spreadsheet and save it again as .xlsx.")) from None
    finally:
        workbook.close()
    return Table(format="xlsx", columns=columns, rows=rows)


def _register_sheet(workbook):
    """The sheet holding the register: the first one whose first row names the required columns (the template also
    carries a help sheet), else the first sheet, whose header check then explains what is wrong."""
    for sheet in workbook.worksheets:
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        if set(REQUIRED_COLUMNS) <= {normalise_header(v) for v in first}:
            return sheet
    return workbook.worksheets[0]


# --- Template and exchange export ---------------------------------------------------------------------------------

def _labels_help(method) -> list[list[str]]:
    """Help rows listing the allowed values, from the active method when there is one."""
    from .choices import RiskCategory
    from .models import Risk

    rows = [[name, str(text)] for name, text in COLUMNS]
    rows.append(["", ""])
    rows.append([_("category values"), "; ".join(f"{key} ({label})" for key, label in RiskCategory.choices)])
    rows.append([_("treatment values"), "; ".join(Risk.Treatment.values)])
    rows.append([_("status values"), "; ".join(Risk.Status.values)])
    if method is not None:
        definition = method.definition
        # One whole sentence per axis, so that a translation never has to splice a word into another language.
        for label, scale in ((_("likelihood levels (%(method)s)"), definition.likelihood_scale),
                             (_("impact levels (%(method)s)"), definition.impact_scale)):
            rows.append([label % {"method": method},
                         "; ".join(f"{n} = {s.get('label_en')} / {s.get('label_fr')}" for n, s in enumerate(scale, 1))])
        rows.append([_("risk levels (%(method)s)") % {"method": method},
                     "; ".join(f"{lv.key} ({lv.label_en} / {lv.label_fr})" for lv in definition.levels_by_rank())])
    return rows


def _example_row(method) -> list:
    from .models import Risk

    scale = method.definition.likelihood_scale if method is not None else ()
    likelihood = scale[2]["label_en"] if len(scale) > 2 else "3"
    values = {"title": "Prompt injection through customer messages", "category": "security",
              "risk_source": "Malicious customer", "event": "Instructions hidden in a message override the system prompt",
              "consequence": "Disclosure of other customers' data", "owner_email": "owner@example.com",
              "systems": "AIS-00001", "inherent_likelihood": likelihood, "inherent_impact": "3",
              "existing_measures": "Input filtering", "treatment": Risk.Treatment.REDUCE,
              "treatment_rationale": "Add output filtering and human review of account actions"}
    return [values.get(name, "") for name in COLUMN_NAMES]


def template_bytes(fmt: str) -> bytes:
    """The downloadable template: the header and one example row (XLSX: plus a help sheet of allowed values)."""
    from .services._common import active_method

    method = active_method()
    example = [_example_row(method)]
    if fmt == "xlsx":
        return exports.xlsx_bytes(COLUMN_NAMES, example, title=_("Risks"),
                                  extra_sheets=[(_("Help"), [_("column"), _("meaning")], _labels_help(method))])
    return exports.csv_text(COLUMN_NAMES, example).encode("utf-8")


def exchange_rows(risks):
    """The register in the import columns, one list per risk. `risks` should come with `owner`, `unit` selected and
    `systems` prefetched (see `exchange_queryset`); values are codes and numbers, so the file re-imports as is."""
    for risk in risks:
        values = {
            "id": risk.pk, "owner_email": risk.owner.email, "unit_code": risk.unit.code if risk.unit_id else "",
            "systems": ";".join(sorted(s.reference_code for s in risk.systems.all())),
            "next_review_date": risk.next_review_date.isoformat() if risk.next_review_date else "",
        }
        yield [values[name] if name in values else getattr(risk, name) for name in COLUMN_NAMES]


def exchange_queryset(risks):
    from aims.inventory.models import AISystem
    from django.db.models import Prefetch

    return risks.select_related("owner", "unit").prefetch_related(
        Prefetch("systems", queryset=AISystem.objects.only("pk", "reference_code")))


def iter_exchange_rows(risks, chunk: int = 2000):
    """`exchange_rows` over a large queryset, chunk by chunk (one prefetch query per chunk), for streaming."""
    risks = exchange_queryset(risks.order_by("pk"))
    last = 0
    while True:
        batch = list(risks.filter(pk__gt=last)[:chunk])
        if not batch:
            return
        yield from exchange_rows(batch)
        last = batch[-1].pk
