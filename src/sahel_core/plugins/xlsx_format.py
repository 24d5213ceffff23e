"""Built-in plugin: Excel workbooks (.xlsx), read and written with openpyxl.

Reading never evaluates a formula: the workbook is opened with ``data_only=True``, so a formula
cell gives the value the spreadsheet program cached when it last saved the file, and a formula
that was never calculated (a file written by a script) reads as an empty cell. The header is the
first row, within the first 20 of the first sheet that has one, whose cells name at least two
canonical columns; title rows above it are skipped and rows keep their sheet numbers in
rejections. A row of HXL hashtags (HDX publishes workbooks with one under the header) is never
taken for the header, and right under it is not a record: the columns are read by the
header, and a note says so. Numbers are read as the shortest decimal that gives the stored
value back ("2.7"), dates as ISO text.

Writing puts one canonical table on a sheet named after the entity: numbers as numbers (except
decimals a spreadsheet cannot hold exactly, more than 15 significant digits, and whole numbers
beyond 2**53, which are written as text so nothing is rounded), dates as dates, lists and
records as JSON. Text that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``,
tab, CR) is stored as a text cell with Excel's "quote prefix" flag, the flag Excel itself sets
when a user types ``'=...``: it shows as text and never runs, and it reads back unchanged but
for one thing: a workbook's XML keeps no carriage return, so a CR reads back as a line feed
("a\\r\\nb" as "a\\nb"). Write CSV, JSON or Parquet to keep them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from sahel_core.errors import FormatError, SahelError, UnsafeInput
from sahel_core.hookspecs import hookimpl
from sahel_core.plugins.hxl import is_hashtag_row
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, WriteOptions
from sahel_core.tabular import typed_number_text, unique_headers

__all__ = ["read_xlsx", "sahel_register_formats", "sniff_xlsx", "write_xlsx"]

#: How many rows at the top of a sheet may hold titles before the header.
HEADER_SEARCH_ROWS = 20


def _cell_text(value: Any) -> str | None:
    """A cell value as the text a person would type for it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # The shortest decimal that gives the float back, written out: 1e-09 → "0.000000001".
        return format(Decimal(repr(value)), "f") if value == value else None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _header_score(cells: Sequence[str | None], options: ReadOptions) -> int:
    from sahel_core.headers import map_headers
    from sahel_core.tabular import guess_entity

    headers = [c for c in cells if c]
    if len(headers) < 2:
        return 0
    try:
        return map_headers(headers, guess_entity(headers, options), options.mapping).score
    except LookupError:
        return 0


#: The rows of an Excel sheet (Excel 2007 and later).
_MAX_ROWS = 1_048_576


def _unreadable(exc: Exception, source: str) -> SahelError:
    """The error for a workbook openpyxl failed on: unsafe XML, or not a readable workbook.

    openpyxl raises a wide, undocumented range of errors on damaged workbooks: zip and zlib
    errors, XML parse errors, ``ValueError``/``IndexError`` on a cell it cannot read, its own
    ``InvalidFileException``. Every one means the file is not a readable workbook.
    """
    from defusedxml import DefusedXmlException

    if isinstance(exc, DefusedXmlException):
        return UnsafeInput(f"unsafe XML in the workbook: {exc!r}", source=source)
    return FormatError(f"not a readable .xlsx workbook: {exc}", source=source)


def _rows(sheet: Any, source: str) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows of values, openpyxl's errors turned into :func:`_unreadable`'s.

    Only openpyxl's reading is guarded: errors raised by the code consuming the rows pass
    through unchanged.
    """
    # openpyxl fills a gap in the row numbers with empty rows: a damaged sheet that numbers a
    # row 10**20 would fill memory. A sheet holds at most _MAX_ROWS rows; one beyond is refused
    # rather than dropped.
    try:
        for number, row in enumerate(sheet.iter_rows(values_only=True, max_row=_MAX_ROWS + 1)):
            if number == _MAX_ROWS:
                raise FormatError(
                    f"a row numbered beyond a sheet's last row ({_MAX_ROWS:,})", source=source
                )
            yield row
    except (MemoryError, FormatError):
        raise
    except Exception as exc:
        raise _unreadable(exc, source) from None


def _load(path: Path, options: ReadOptions) -> tuple[pl.DataFrame, list[int], int | None, str]:
    """The data rows under the header of the first sheet that has one, their row numbers, the
    hashtag row left out and the sheet's name."""
    import openpyxl

    source = str(path)
    # A file object, not the path: openpyxl refuses names that do not end in .xlsx.
    with path.open("rb") as handle:
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            sheets = list(workbook.worksheets)
        except MemoryError:
            raise
        except Exception as exc:  # See _unreadable.
            raise _unreadable(exc, source) from None
        try:
            for sheet in sheets:
                found = _sheet(_rows(sheet, source), options)
                if found is not None:
                    return (*found, sheet.title)
        finally:
            workbook.close()
    raise FormatError(
        f"no header row (a row naming at least two known columns) in the first "
        f"{HEADER_SEARCH_ROWS} rows of any sheet",
        source=str(path),
    )


def _sheet(
    rows: Iterator[tuple[Any, ...]], options: ReadOptions
) -> tuple[pl.DataFrame, list[int], int | None] | None:
    """The cells under the header row of one sheet, their row numbers and the number of the
    HXL hashtag row left out (``None`` without one), or None when it has no header."""
    header: list[str | None] = []
    header_at = 0
    tags = None
    for values in rows:
        header_at += 1
        header = [_cell_text(v) for v in values]
        # A row of HXL hashtags is not a header ("#date", "#value" fold to column names).
        if not is_hashtag_row(header) and _header_score(header, options) >= 2:
            break
        if header_at >= HEADER_SEARCH_ROWS:
            return None
    else:
        return None
    # HDX's workbooks carry an HXL hashtag row under the header: tags, not a record.
    first = next(rows, None)
    if first is not None and is_hashtag_row([_cell_text(v) for v in first]):
        header_at += 1
        tags = header_at
    elif first is not None:
        rows = itertools.chain([first], rows)
    # A sheet formatted out to its last column (XFD) pads every row to 16,384 cells: columns
    # after the last named one are not read.
    named = max((i for i, h in enumerate(header) if h), default=-1) + 1
    names = unique_headers([h if h else f"column {i + 1}" for i, h in enumerate(header[:named])])
    width = len(names)
    data: list[list[str | None]] = [[] for _ in range(width)]
    # Where each column holds a number typed as a number: written in the locale's notation.
    typed: list[list[bool]] = [[] for _ in range(width)]
    # The first value of a row after the named columns: such a row is read, and rejected as
    # having no value in a recognised column, not skipped as empty.
    beyond: list[str | None] = []
    count = 0
    for values in rows:
        cells = [*values[:width], *(None,) * (width - len(values))]
        for column, kinds, value in zip(data, typed, cells, strict=True):
            column.append(_cell_text(value))
            kinds.append(isinstance(value, float))
        rest = values[width:]
        spilled = rest.count(None) < len(rest)  # count(): C speed over 16,384 cells
        texts = (_cell_text(v) for v in rest if v is not None) if spilled else iter(())
        beyond.append(next((t for t in texts if t and t.strip()), None))
        count += 1
    frame = pl.DataFrame(
        {n: pl.Series(n, column, dtype=pl.String) for n, column in zip(names, data, strict=True)}
    )
    if any(cell is not None for cell in beyond):
        extra = unique_headers([*names, f"column {width + 1}"])[-1]
        frame = frame.with_columns(pl.Series(extra, beyond, dtype=pl.String))
    frame = frame.with_columns(
        pl.when(pl.Series(kinds))
        .then(typed_number_text(pl.col(name), options.locale))
        .otherwise(pl.col(name))
        .alias(name)
        for name, kinds in zip(names, typed, strict=True)
        if any(kinds)
    )
    return frame, list(range(header_at + 1, header_at + 1 + count)), tags


def read_xlsx(path: Path, options: ReadOptions) -> ReadResult:
    """Read the first sheet with a header row of an .xlsx workbook (see the module docstring)."""
    from sahel_core.tabular import read_table

    try:
        frame, rows, tags, sheet = _load(path, options)
    except OSError as exc:
        raise FormatError(f"cannot read the file: {exc}", source=str(path)) from None
    notes = [f"sheet {sheet!r}"]
    if tags is not None:
        notes.append(f"HXL hashtag row on row {tags}: not a record (columns read by the header)")
    return read_table(frame, path, options, format="xlsx", rows=rows, notes=notes)


def _writer(dtype: pl.DataType) -> Callable[[Any], Any]:
    """How one column's values become cell values."""
    if isinstance(dtype, pl.Decimal):
        from sahel_core.serialization import decimal_text

        def number(value: Decimal | None) -> Any:
            if value is None:
                return None
            # Spreadsheets keep 15 significant digits: anything finer is written as text.
            as_float = float(value)
            exact = Decimal(format(as_float, ".15g")) == value
            return as_float if exact else decimal_text(value)

        return number
    if dtype.is_integer():
        # A spreadsheet's numbers are doubles: a whole number beyond 2**53 would be rounded.
        return lambda value: str(value) if value is not None and abs(value) > 2**53 else value
    return lambda value: value


def write_xlsx(table: pl.DataFrame, path: Path, entity: str, options: WriteOptions) -> None:
    """Write a canonical table to one sheet named after the entity."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    from sahel_core.tabular import needs_quote, text_table

    nested = [c for c, t in table.schema.items() if isinstance(t, pl.List | pl.Struct)]
    table = table.with_columns(text_table(table.select(nested))) if nested else table
    quoted = table.select(
        [
            (needs_quote(pl.col(c)) | pl.col(c).str.starts_with("=")).fill_null(False).alias(c)
            for c, t in table.schema.items()
            if t == pl.String
        ]
    )
    convert = [_writer(t) for t in table.schema.values()]
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(entity[:31])
    sheet.append(list(table.columns))
    string_columns = {c: i for i, c in enumerate(table.columns) if c in quoted.columns}
    flags = quoted.rows()
    for values, row_flags in zip(table.iter_rows(), flags, strict=True):
        cells: list[Any] = [fn(v) for fn, v in zip(convert, values, strict=True)]
        for flag, index in zip(row_flags, string_columns.values(), strict=True):
            if flag:
                cell = WriteOnlyCell(sheet, value=cells[index])
                cell.data_type = "s"  # Never a formula, whatever it starts with.
                cell.quotePrefix = True
                cells[index] = cell
        sheet.append(cells)
    workbook.save(path)


def sniff_xlsx(head: bytes, name: str) -> bool:
    """A zip archive holding ``xl/`` parts (the workbook) is an .xlsx file."""
    return head.startswith(b"PK\x03\x04") and b"xl/" in head


@hookimpl
def sahel_register_formats() -> list[FormatSpec]:
    """Excel .xlsx."""
    from sahel_core.entities import ENTITY_TYPES

    return [
        FormatSpec(
            name="xlsx",
            description="Excel workbook; finds the header row under titles; formulas never run",
            extensions=(".xlsx",),
            media_types=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
            entities=tuple(ENTITY_TYPES),
            read=read_xlsx,
            write=write_xlsx,
            sniff=sniff_xlsx,
        )
    ]
