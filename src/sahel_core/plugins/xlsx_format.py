"""Built-in plugin: Excel workbooks (.xlsx), read and written with openpyxl.

Reading never evaluates a formula: the workbook is opened with ``data_only=True``, so a formula
cell gives the value the spreadsheet program cached when it last saved the file, and a formula
that was never calculated (a file written by a script) reads as an empty cell. Every cell is
read, whatever size the sheet declares (programs leave it stale). The header is the row, within
the first 20 of the first sheet that has one, whose cells name the most canonical columns (two at
least; the first of equals), so that a row of column groups over it ("Identification | Lieu |
Produit") is not taken for it (:class:`~sahel_core.tabular.HeaderSearch`, as the CSV reader
does); rows above it are skipped as titles, a note naming them (and those that name columns too),
and rows keep their sheet numbers in rejections. Numbers are read as the spreadsheet
shows them, to 15 significant digits (:func:`~sahel_core.tabular.float_text`: "0.3", never the
binary noise of "0.30000000000000004"), dates as ISO text.

A sheet with an HXL hashtag row (HDX publishes workbooks with one under the header) is read by
its hashtags, as the ``hxl`` format reads the same table saved as CSV: the hashtags, not the
header, say what each column holds, whatever language the header is in. The hashtag row is a
row of at least two hashtags (one tag-like cell is a record), found within the first 25 rows
before a header, or right under the header; a hashtag row is never taken for the header. A
value right of the last hashtag is in a column without one, dropped with a note, its row
kept, as in the sheet's CSV copy (as wide as its widest row).

One sheet is read, the first with a header or a hashtag row; the note naming it lists the
sheets after it, not read.

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
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from sahel_core.errors import FormatError, SahelError, UnsafeInput
from sahel_core.hookspecs import hookimpl
from sahel_core.plugins.hxl import (
    SCAN_ROWS,
    Tagged,
    hashtags,
    hxl_locale,
    is_hashtag_row,
    read_tagged,
    tagged,
)
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, WriteOptions
from sahel_core.tabular import (
    HEADER_SEARCH_ROWS,
    HeaderSearch,
    filled_width,
    float_text,
    typed_number_text,
    unique_headers,
)

__all__ = ["read_xlsx", "sahel_register_formats", "sniff_xlsx", "write_xlsx"]


def _cell_text(value: Any) -> str | None:
    """A cell value as the text a person would type for it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return float_text(value) if value == value else None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


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
        # openpyxl reads no cell outside the size the sheet declares, and programs that write
        # workbooks leave it stale: without it every row is read to its last cell.
        sheet.reset_dimensions()
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


#: A sheet read by its header: the cells under the header, the row number of each row and the
#: notes on the header's choice.
_Plain = tuple[pl.DataFrame, list[int], list[str]]


def _load(path: Path, options: ReadOptions) -> tuple[_Plain | Tagged, str, list[str]]:
    """The table of the first sheet that has a header or an HXL hashtag row (see
    :func:`_sheet`), the sheet's name and the names of the sheets after it (not read)."""
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
            for at, sheet in enumerate(sheets):
                found = _sheet(_rows(sheet, source), options)
                if found is not None:
                    return found, sheet.title, [later.title for later in sheets[at + 1 :]]
        finally:
            workbook.close()
    raise FormatError(
        f"no header row (a row naming at least two known columns) in the first "
        f"{HEADER_SEARCH_ROWS} rows of any sheet, nor an HXL hashtag row in the first {SCAN_ROWS}",
        source=str(path),
    )


def _sheet(rows: Iterator[tuple[Any, ...]], options: ReadOptions) -> _Plain | Tagged | None:
    """One sheet's table: read by its HXL hashtag row when one comes before the header or
    right under it, else by its header (:class:`~sahel_core.tabular.HeaderSearch`); None when
    it has neither."""
    searched: list[tuple[Any, ...]] = []
    search = HeaderSearch(options)
    above: list[str | None] = []
    for number, values in enumerate(rows, start=1):
        cells = [_cell_text(v) for v in values]
        # A row of HXL hashtags is not a header ("#date", "#value" fold to column names).
        tags = is_hashtag_row(cells)
        if tags and search.at in (0, number - 1):
            return _tagged(above, cells, number, rows, options)
        searched.append(values)
        search.see(number, cells, candidate=not tags)
        # One row past the search: a hashtag row right under a header on its last row.
        if (search.at and number > HEADER_SEARCH_ROWS) or number >= SCAN_ROWS:
            break
        above = cells
    if not search.at:
        return None
    rest = itertools.chain(searched[search.at :], rows)
    frame, numbers = _plain(search.cells, search.at, rest, options)
    return frame, numbers, search.notes()


def _tagged(
    header: list[str | None],
    tags: list[str | None],
    tag_row: int,
    rows: Iterator[tuple[Any, ...]],
    options: ReadOptions,
) -> Tagged:
    """The rows under the hashtag row ``tags`` as the sheet's CSV copy holds them, read by
    the HXL CSV reader's rules (:func:`sahel_core.plugins.hxl.tagged`)."""
    # The copy is as wide as the sheet's widest row: a value right of the last hashtag is in
    # a column without one, dropped with a note, its row kept.
    width = max(filled_width(header), filled_width(tags))
    body = _text_rows(rows, width, hxl_locale(options))
    width = max([width, *map(len, body)])
    header = [*header[:width], *[None] * (width - len(header))]
    tags = [*tags[:width], *[None] * (width - len(tags))]
    return tagged([h or "" for h in header], hashtags(tags), body, tag_row)


def _text_rows(rows: Iterator[tuple[Any, ...]], width: int, locale: str) -> list[list[str]]:
    """The rows as text cells, ``""`` for an empty one: ``width`` cells, or up to the last
    value of a row that has one further right (in a column without a hashtag, then).
    Numbers typed as numbers are written in ``locale``'s notation, the one they are read in."""
    body: list[list[str]] = []
    typed: list[tuple[int, int]] = []
    for values in rows:
        cells = values[: filled_width(values, width)]
        typed.extend((len(body), i) for i, v in enumerate(cells) if isinstance(v, float))
        body.append([_cell_text(v) or "" for v in cells])
    if typed:
        numbers = pl.Series("n", [body[r][c] for r, c in typed], dtype=pl.String)
        written = pl.select(typed_number_text(pl.lit(numbers), locale)).to_series()
        for (r, c), text in zip(typed, written, strict=True):
            body[r][c] = text
    return body


def _plain(
    header: list[str | None], header_at: int, rows: Iterator[tuple[Any, ...]], options: ReadOptions
) -> tuple[pl.DataFrame, list[int]]:
    """The cells under the header row of one sheet and their row numbers."""
    # A sheet formatted out to its last column (XFD) pads every row to 16,384 cells: columns
    # after the last named one are not read.
    named = filled_width(header)
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
    return frame, list(range(header_at + 1, header_at + 1 + count))


def read_xlsx(path: Path, options: ReadOptions) -> ReadResult:
    """Read the first sheet with a header row or an HXL hashtag row of an .xlsx workbook (see
    the module docstring)."""
    from sahel_core.tabular import read_table

    try:
        table, sheet, later = _load(path, options)
    except OSError as exc:
        raise FormatError(f"cannot read the file: {exc}", source=str(path)) from None
    # One sheet is read: a table on a later sheet must not go unseen.
    unread = f"; sheets not read: {', '.join(map(repr, later))}" if later else ""
    notes = [f"sheet {sheet!r}{unread}"]
    if isinstance(table, Tagged):
        return read_tagged(table, path, options, format="xlsx", notes=notes)
    frame, rows, header_notes = table
    return read_table(
        frame, path, options, format="xlsx", rows=rows, notes=notes + header_notes, consume=True
    )


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
