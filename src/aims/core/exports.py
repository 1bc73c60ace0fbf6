"""CSV and XLSX writers shared by every export (inventory portfolio, risk register...).

Both protect against formula injection (CWE-1236). CSV has no cell types, so a text cell that a spreadsheet would
read as a formula is written with a leading apostrophe, which spreadsheets show as text: one starting with =, +, -
or @ (or their full-width forms), after any leading spaces or line breaks, or starting with a tab, carriage return or
line feed. Importers that read our own exports back call `unescape_cell` to remove it again. XLSX cells are typed:
text is written as text, so it shows exactly as stored and is never evaluated.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

# =, +, - and @, and the full-width forms spreadsheets also accept (＝ ＋ － ＠).
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CONTROL_STARTS = ("\t", "\r", "\n")
_LEADING_BLANKS = " \t\r\n\u00a0\u3000"


def looks_like_formula(text: str) -> bool:
    return text.startswith(CONTROL_STARTS) or text.lstrip(_LEADING_BLANKS).startswith(FORMULA_STARTS)


def safe_cell(value):
    """A value ready for a CSV cell: numbers, booleans and dates as they are, text defused."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, date, datetime)):
        return value
    text = str(value)
    if looks_like_formula(text):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undo `safe_cell` on text read back from one of our exports."""
    if len(text) > 1 and text[0] == "'" and looks_like_formula(text[1:]):
        return text[1:]
    return text


def _csv_value(value):
    value = safe_cell(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text piece by piece (for a StreamingHttpResponse or a file). UTF-8 with a BOM so spreadsheet programs
    read accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow([_csv_value(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    return "".join(csv_lines(headers, rows))


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "Export",
               extra_sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]] = ()) -> bytes:
    """An .xlsx workbook: one sheet `title` with `headers` then `rows`, plus optional (title, headers, rows) sheets.

    Written in write-only mode so a large export keeps memory flat."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet_title, sheet_headers, sheet_rows in ((title, headers, rows), *extra_sheets):
        sheet = workbook.create_sheet(_sheet_title(sheet_title))
        sheet.append([_xlsx_value(h, sheet) for h in sheet_headers])
        for row in sheet_rows:
            sheet.append([_xlsx_value(v, sheet) for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# XML 1.0 (so XLSX) cannot hold most control characters and openpyxl raises on them; they carry no meaning in a
# cell, so an export drops them rather than fail on one stray character in an imported title.
_XML_FORBIDDEN = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _xlsx_value(value, sheet):
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # XLSX has no time zones (openpyxl refuses aware datetimes)
    if isinstance(value, (bool, int, float, date, datetime)):
        return value
    # A text cell, typed as text: openpyxl would otherwise store "=..." as a formula. No apostrophe is needed.
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=str(value).translate(_XML_FORBIDDEN))
    cell.data_type = "s"
    return cell


def _sheet_title(title: str) -> str:
    # Excel limits sheet names to 31 characters and forbids a few characters.
    cleaned = "".join(" " if c in '[]:*?/\\' else c for c in str(title))
    return cleaned[:31] or "Sheet"


# --- HTTP downloads -----------------------------------------------------------------------------------------------

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _disposition(filename: str) -> str:
    safe = "".join(c for c in filename if c.isalnum() or c in "-_.") or "export"
    return f'attachment; filename="{safe}"'


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]):
    """A streamed CSV download: `rows` may be a generator over a large queryset, memory stays flat."""
    from django.http import StreamingHttpResponse

    response = StreamingHttpResponse(csv_lines(headers, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "Export",
                  extra_sheets=()):
    from django.http import HttpResponse

    response = HttpResponse(xlsx_bytes(headers, rows, title=title, extra_sheets=extra_sheets),
                            content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response
