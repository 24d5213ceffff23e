"""Small input files for the readers' tests, written as a user's tool would write them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import openpyxl


def table_file(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """``rows`` written to ``path``: a CSV (cells joined by commas) for ``.csv``, else a
    workbook of one sheet, where an empty text cell is an empty cell. Returns ``path``."""
    if path.suffix == ".csv":
        path.write_text("\n".join(",".join(map(str, row)) for row in rows) + "\n", encoding="utf-8")
        return path
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    book.save(path)
    return path
