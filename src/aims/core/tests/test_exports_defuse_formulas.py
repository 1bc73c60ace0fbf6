"""CSV cells that a spreadsheet would run as formulas are defused with an apostrophe, including the forms the first
version missed (a leading space or line break, full-width signs); XLSX cells are typed as text instead, so they show
exactly as stored."""

import io

import pytest
from openpyxl import load_workbook

from aims.core import exports

HOSTILE = ["=1+1", " =1+1", "\n=1+1", "\r\n@SUM(A1)", "\u3000+1", "\uff1dHYPERLINK(\"x\")", "\uff20SUM(A1)",
           "\uff0d1", "-2", "+3", "\t=1"]
HARMLESS = ["plain", "a = b", "e-mail", "2 + 2", ""]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_is_defused_in_csv_and_read_back_unchanged(text):
    cell = exports.safe_cell(text)
    assert cell == "'" + text
    assert exports.unescape_cell(cell) == text


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_left_alone(text):
    assert exports.safe_cell(text) == text == exports.unescape_cell(text)


def test_xlsx_writes_text_as_text_without_an_apostrophe():
    texts = [t for t in HOSTILE + HARMLESS if t]
    rows = [[text, 7] for text in texts]
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(["text", "n"], rows))).active
    cells = list(sheet.iter_rows(min_row=2))
    # Exactly as stored (XML reads a CR LF line break back as LF): no apostrophe, nothing evaluated.
    assert [row[0].value for row in cells] == [t.replace("\r\n", "\n") for t in texts]
    assert all(row[0].data_type == "s" for row in cells)
    assert [row[1].value for row in cells] == [7] * len(texts)
