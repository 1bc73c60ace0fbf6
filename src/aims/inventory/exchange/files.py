"""Reading uploaded files safely: size and row limits, format detection from name *and* content, and CSV/XLSX
readers that turn every structural problem into a clear message instead of an exception."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.utils.translation import gettext as _

# Limits; settings may raise them for installations that import larger inventories from the command line.
MAX_BYTES = getattr(settings, "AIMS_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
MAX_ROWS = getattr(settings, "AIMS_IMPORT_MAX_ROWS", 10_000)
MAX_COLUMNS = 200
# An .xlsx is a zip: its unpacked size is bounded so a small "zip bomb" cannot exhaust memory.
MAX_XLSX_UNPACKED = 20 * MAX_BYTES
MAX_PROBLEMS = 200  # beyond this, more messages help nobody

FORMATS = ("csv", "xlsx", "json")
# Where an uploaded file waits between its preview and the confirmation (file storage: any web process can read it).
UPLOAD_DIR = "imports/inventory"
UPLOAD_MAX_AGE_HOURS = 24


@dataclass
class Problem:
    """One thing wrong with an import, located as precisely as possible."""

    message: str
    row: int | None = None  # the row (line) number as a spreadsheet shows it: the header is row 1
    column: str = ""
    path: str = ""  # JSON path, for CycloneDX
    line: int | None = None
    col: int | None = None

    def location(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(_("row %(n)s") % {"n": self.row})
        if self.column:
            parts.append(_("column %(name)s") % {"name": self.column})
        if self.line is not None:
            parts.append(_("line %(line)s, column %(col)s") % {"line": self.line, "col": self.col})
        if self.path:
            parts.append(_("at %(path)s") % {"path": self.path})
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"message": self.message, "row": self.row, "column": self.column, "path": self.path,
                "line": self.line, "col": self.col, "text": str(self)}


class ImportFileError(Exception):
    """The file cannot be read at all (wrong type, too big, broken JSON...): nothing was imported."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, cells)


def check_size(data: bytes, limit: int | None = None) -> None:
    limit = limit or MAX_BYTES
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > limit:
        raise ImportFileError(_("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                              % {"size": round(len(data) / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)})


def _looks_like_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def detect_format(filename: str, data: bytes) -> str:
    """csv, xlsx or json, from the extension checked against the content (a renamed file is refused, not guessed)."""
    name = (filename or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension == "xlsx":
        if not _looks_like_zip(data):
            raise ImportFileError(_("The file is named .xlsx but is not an Excel workbook (it is not a zip archive). "
                                    "Save it from your spreadsheet program as “Excel Workbook (.xlsx)”."))
        return "xlsx"
    if extension in ("xls", "xlsm", "ods"):
        raise ImportFileError(_("Only .xlsx workbooks, CSV and CycloneDX JSON files are accepted; save the file as "
                                "“Excel Workbook (.xlsx)” or CSV."))
    if extension == "json":
        if not _looks_like_json(data):
            raise ImportFileError(_("The file is named .json but does not contain a JSON document."))
        return "json"
    if extension in ("csv", "txt"):
        if _looks_like_zip(data):
            raise ImportFileError(_("The file is named .csv but is a zip archive (perhaps an Excel workbook): "
                                    "rename it .xlsx or save it as CSV."))
        return "csv"
    if _looks_like_zip(data):
        return "xlsx"
    if _looks_like_json(data):
        return "json"
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("This is not a CSV, XLSX or CycloneDX JSON file."))
    return "csv"


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed), or a message saying where the first unreadable byte is."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ImportFileError(Problem(
            _("The file is not UTF-8 text: byte 0x%(byte)02X cannot be read. Save it as “CSV UTF-8” (or JSON in "
              "UTF-8) and try again.") % {"byte": data[error.start]}, row=line)) from None
    if "\x00" in text:
        raise ImportFileError(_("The file contains NUL characters; it is not a text file."))
    return text


def read_csv(data: bytes) -> Table:
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many European locales write ";" instead of ","; the header line tells which one it is.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table = None
    try:
        for cells in reader:
            if table is None:
                table = Table(header=[c.strip() for c in cells])
                continue
            if not any(c.strip() for c in cells):
                continue
            table.rows.append((reader.line_num, cells))
            if len(table.rows) > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(max)s rows; split it into several files.")
                                      % {"max": f"{MAX_ROWS:,}"})
    except csv.Error as error:
        raise ImportFileError(Problem(_("The CSV structure is broken: %(error)s.") % {"error": error},
                                      row=reader.line_num)) from None
    if table is None:
        raise ImportFileError(_("The file is empty."))
    return table


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportFileError(_("The workbook is damaged (not a valid zip archive).")) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportFileError(_("The workbook unpacks to more than %(mb)s MB; it is refused.")
                              % {"mb": MAX_XLSX_UNPACKED // 1024 // 1024})
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (openpyxl raises many types for a bad workbook; all mean the same to a person)
        raise ImportFileError(_("The file cannot be read as an Excel workbook (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        table = None
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_text(v) for v in values[:MAX_COLUMNS]]
            if table is None:
                if not any(c.strip() for c in cells):
                    continue
                while cells and not cells[-1].strip():
                    cells.pop()
                table = Table(header=[c.strip() for c in cells])
                continue
            if not any(c.strip() for c in cells):
                continue
            table.rows.append((number, cells))
            if len(table.rows) > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(max)s rows; split it into several files.")
                                      % {"max": f"{MAX_ROWS:,}"})
    finally:
        workbook.close()
    if table is None:
        raise ImportFileError(_("The first sheet of the workbook is empty."))
    return table


def read_table(data: bytes, fmt: str) -> Table:
    return read_xlsx(data) if fmt == "xlsx" else read_csv(data)


def purge_stale_uploads(max_age_hours: int = UPLOAD_MAX_AGE_HOURS, directory: str = UPLOAD_DIR) -> int:
    """Delete uploads whose preview was never confirmed nor cancelled (in `directory` of the file storage: each
    import page keeps its own); returns how many were removed."""
    from aims.core.pending_uploads import purge_stale

    return purge_stale(directory, max_age_hours)
