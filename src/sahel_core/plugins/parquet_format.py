"""Built-in plugin: canonical tables as Parquet, typed and nested as they are in memory.

Writing stores the canonical table as is (decimals, dates, lists of structs). Reading checks
every row as a CSV row is checked: a Parquet file is typed, but nothing says its figures are
not negative, its countries real or its ids unique, nor that its money is not a float. The
columns are turned into text (:func:`sahel_core.tabular.text_table`: exact decimals, ISO dates,
JSON records) and read by :func:`sahel_core.tabular.read_table`, so every record is accepted or
rejected with a reason, rows numbered from 1. A float column is read through its text:
``1e+20`` is refused, ``2.7`` is read as the decimal 2.7.

A date polars cannot show (years past -262143 to 262142, which a Parquet writer can store)
rejects its row, named by its field, with the number the file stores as the value; in an
ignored column it is ignored.

A datetime is written in its own time zone, so a date is the day it was there. polars refuses
a whole file with one time zone it does not know, such as the fixed offset "+05:30" pyarrow
writes for a pandas datetime with that offset: such a column is read as its instants (a Parquet
file stores them in UTC whatever the zone) and written at that offset as a known zone is. A
datetime in a list or record in such a zone, or in a zone that is no offset, is read in UTC,
with a note.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sahel_core.errors import FormatError
from sahel_core.hookspecs import hookimpl
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, Rejection, WriteOptions

if TYPE_CHECKING:
    from collections.abc import Iterator

    from polars._typing import PolarsDataType

__all__ = ["read_parquet", "sahel_register_formats", "sniff_parquet", "write_parquet"]

_MAGIC = b"PAR1"
_UNITS = {"ns": "nanoseconds", "us": "microseconds", "ms": "milliseconds"}
_TIMESTAMP = 10  # the Timestamp member of Arrow's Type union

_Offset = tuple[str, dt.timedelta]  # a fixed offset polars does not know, as the file names it


def read_parquet(path: Path, options: ReadOptions) -> ReadResult:
    """Read a table from Parquet, each row checked as in any other format."""
    from sahel_core.tabular import first_few, read_table

    source = str(path)
    try:
        frame, zones = _read_frame(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise FormatError(f"not a readable Parquet file: {exc}", source=source) from None
    offsets = {
        column: (zone, offset)
        for column, top, zone in zones
        if top and (offset := _offset(zone)) is not None
    }
    far = _far_dates(frame, offsets)
    cells, unreadable = _text_cells(frame, far, options.locale, offsets)
    notes = _unreadable_notes(frame.columns, unreadable, options, source)
    if in_utc := [f"{c} ({z})" for c, _, z in dict.fromkeys(zones) if c not in offsets]:
        notes.append(
            f"datetimes in a time zone polars does not know, read in UTC: {first_few(in_utc, 5)}"
        )
    text = pl.DataFrame(cells, height=frame.height)
    refused, keep = _refused_far_dates(text, far, frame.schema, options)
    rows = pl.int_range(1, frame.height + 1, eager=True)
    if refused:
        text, rows = text.filter(keep), rows.filter(keep)
    return read_table(
        text,
        path,
        options,
        format="parquet",
        rows=rows.to_list(),
        notes=notes,
        refused=refused,
        consume=True,
    )


def _read_frame(path: Path) -> tuple[pl.DataFrame, list[tuple[str, bool, str]]]:
    """``path`` as polars reads it, and each time zone in it polars does not know, with its
    column and whether that column itself holds the datetimes."""
    try:
        with path.open("rb") as file:
            file.seek(-8, os.SEEK_END)
            file.seek(-8 - int.from_bytes(file.read(4), "little"), os.SEEK_END)
            footer = file.read()  # with the footer's length and the magic bytes
        # The Arrow schema a writer keeps in the footer, in base64 right after its key.
        stored = re.search(rb"ARROW:schema\x18[\x80-\xff]*[\x00-\x7f]([A-Za-z0-9+/]+=*)", footer)
        encoded = stored.group(1) if stored else b""
        schema = bytearray(base64.b64decode(encoded))
        zones = [zone for zone in _arrow_zones(schema) if not _known_zone(zone[2])]
    except (OSError, IndexError, ValueError, RecursionError):  # polars says what is wrong
        zones = []
    if not zones:
        return pl.read_parquet(path), []
    # polars refuses the whole file for one such zone: it reads a copy where each is UTC,
    # the same instants, since a Parquet file stores them in UTC whatever their zone.
    for *_, at in zones:
        size = int.from_bytes(schema[at : at + 4], "little")
        utc = b"UTC" if size >= 3 else b""  # an empty zone is read as UTC, or as local time
        schema[at : at + 4 + size] = len(utc).to_bytes(4, "little") + utc.ljust(size, b"\0")
    data = path.read_bytes()
    data = data[: -len(footer)] + footer.replace(encoded, base64.b64encode(schema), 1)
    return pl.read_parquet(io.BytesIO(data)), [zone[:3] for zone in zones]


def _arrow_zones(schema: bytes | bytearray) -> list[tuple[str, bool, str, int]]:
    """Each time zone an Arrow schema names, with its column, whether that column itself holds
    the datetimes, and where the zone is (its length, then its text)."""
    # A flatbuffer Message (Arrow's Message.fbs, Schema.fbs) after its length, and since
    # Arrow 0.15 after 0xFFFFFFFF before that. Offsets count from where they are stored.
    seen: set[int] = set()

    def number(at: int, size: int = 4, signed: bool = False) -> int:
        if not 0 <= at <= len(schema) - size:  # a damaged file: offsets past its end
            raise ValueError("not an Arrow schema")
        return int.from_bytes(schema[at : at + size], "little", signed=signed)

    def field(table: int | None, index: int) -> int | None:
        """Where field ``index`` of ``table`` is stored, None when it is not."""
        if table is None:
            return None
        vtable = table - number(table, signed=True)
        at = number(vtable + 4 + 2 * index, 2) if 4 + 2 * index < number(vtable, 2) else 0
        return table + at if at else None

    def ref(at: int | None) -> int | None:
        return None if at is None else at + number(at)

    def tables(vector: int | None) -> list[int]:
        if vector is None:
            return []
        count = min(number(vector), len(schema) // 4)
        return [at + number(at) for at in range(vector + 4, vector + 4 + 4 * count, 4)]

    def text(at: int) -> str:
        if number(at) > len(schema) - at - 4:  # a length past the end: a damaged file
            raise ValueError("not an Arrow schema")
        return bytes(schema[at + 4 : at + 4 + number(at)]).decode(errors="replace")

    def walk(fields: list[int], column: str | None) -> Iterator[tuple[str, bool, str, int]]:
        for table in fields:
            if table in seen:  # a field met twice: a loop
                raise ValueError("not an Arrow schema")
            seen.add(table)
            name = ref(field(table, 0))
            own = column if column is not None else "" if name is None else text(name)
            kind = field(table, 2)
            if kind is not None and schema[kind] == _TIMESTAMP:
                zone = ref(field(ref(field(table, 3)), 1))
                if zone is not None:
                    yield own, column is None, text(zone), zone
            yield from walk(tables(ref(field(table, 5))), own)

    start = 8 if schema[:4] == b"\xff\xff\xff\xff" else 4
    header = ref(field(ref(start), 2))
    return list(walk(tables(ref(field(header, 1))), None))


@functools.lru_cache(maxsize=64)  # a file may name its zone in each of thousands of columns
def _known_zone(zone: str) -> bool:
    try:
        pl.Series(dtype=pl.Datetime("us", zone))
    except pl.exceptions.PolarsError:
        return False
    return True


def _offset(zone: str) -> dt.timedelta | None:
    """The fixed offset ``zone`` names ("+05:30", "Z"), None for a zone by name."""
    try:
        return dt.datetime.strptime(zone, "%z").utcoffset()
    except ValueError:
        return None


def _wall_clock(value: pl.Expr, offset: dt.timedelta) -> pl.Expr:
    """The instants ``value`` as the time of day at ``offset``."""
    return value.dt.replace_time_zone(None) + offset


def _text_cells(
    frame: pl.DataFrame, far: pl.DataFrame, locale: str | None, offsets: dict[str, _Offset]
) -> tuple[list[pl.Series], list[tuple[str, pl.DataType]]]:
    """Each column of ``frame`` as text, and the columns of a type that has no text."""
    cells, unreadable = [], []
    # Column by column (a type that has no text leaves the others readable), each taken out
    # of the frame: a select on a frame of thousands of columns costs in proportion to them.
    for column in frame.get_columns():
        far_rows = far.get_column(column.name) if column.name in far.columns else None
        try:
            cells.append(_column_text(column, far_rows, locale, offsets.get(column.name)))
        except pl.exceptions.PolarsError:  # a duration, binary data...: no text to check
            unreadable.append((column.name, column.dtype))
    return cells, unreadable


def _column_text(
    column: pl.Series, far_rows: pl.Series | None, locale: str | None, offset: _Offset | None
) -> pl.Series:
    """``column`` as text (:func:`~sahel_core.tabular.text_table`), at its ``offset`` if it
    has one; a date polars cannot show (where ``far_rows`` is true) as the number the file
    stores."""
    if far_rows is None:
        return _text(column, locale, offset)
    # polars panics writing such a date as text, even one nulled inside a list: the rows
    # are split, each part written as its own series.
    text = pl.Series(column.name, [None] * column.len(), dtype=pl.String)
    text = text.scatter((~far_rows).arg_true(), _text(column.filter(~far_rows), locale, offset))
    return text.scatter(far_rows.arg_true(), _text(column.filter(far_rows).to_physical(), locale))


def _text(column: pl.Series, locale: str | None, offset: _Offset | None = None) -> pl.Series:
    from sahel_core.tabular import text_table, typed_number_text

    if offset is not None:  # written as polars writes a datetime in a zone it knows
        zone, shift = offset
        wall_clock = column.to_frame().select(_wall_clock(pl.col(column.name), shift))
        return wall_clock.to_series().cast(pl.String) + zone
    text = text_table(column.to_frame())
    if column.dtype.is_float() or column.dtype.is_decimal():
        text = text.select(typed_number_text(pl.col(column.name), locale))
    return text.to_series()


def _unreadable_notes(
    columns: list[str],
    unreadable: list[tuple[str, pl.DataType]],
    options: ReadOptions,
    source: str,
) -> list[str]:
    """A column of a type that has no text is ignored, with a note, unless it holds a field:
    then the file is refused rather than read without that field."""
    from sahel_core.headers import map_headers
    from sahel_core.tabular import guess_entity

    if not unreadable:
        return []
    mapped = map_headers(columns, guess_entity(columns, options), options.mapping)
    described = {name: f"{name} ({dtype})" for name, dtype in unreadable}
    needed = [text for name, text in described.items() if name in mapped.rename]
    if needed:
        raise FormatError(f"a column of a type that cannot be read: {needed[0]}", source=source)
    return [f"ignored columns of a type that cannot be read: {', '.join(described.values())}"]


def _far_dates(frame: pl.DataFrame, offsets: dict[str, _Offset]) -> pl.DataFrame:
    """For each column holding a date polars cannot show (past the years -262143 to 262142,
    which a Parquet writer can store), which rows hold one, alone or in a list or record; a
    datetime at an offset is shown at it, which may take it past them."""
    tests = []
    for name, dtype in frame.schema.items():
        value = _wall_clock(pl.col(name), offsets[name][1]) if name in offsets else pl.col(name)
        if (test := _far_rows(value, dtype)) is not None:
            tests.append(test.fill_null(False).alias(name))
    if not tests:
        return pl.DataFrame()
    rows = frame.select(tests)
    found = rows.select(pl.all().any()).row(0, named=True)
    return rows.select(name for name, far in found.items() if far)


def _far_rows(value: pl.Expr, dtype: PolarsDataType) -> pl.Expr | None:
    """True for each row whose ``value`` (of ``dtype``) holds a date polars cannot show, null
    for a null list or record; ``None`` when the type holds no date."""
    if isinstance(dtype, pl.Date | pl.Datetime):
        # The year of such a date is null, and nothing panics finding it.
        return value.is_not_null() & value.dt.year().is_null()
    if isinstance(dtype, pl.Array):
        return _far_rows(value.arr.to_list(), pl.List(dtype.inner))
    if isinstance(dtype, pl.List):
        inner = _far_rows(pl.element(), dtype.inner)
        return None if inner is None else value.list.eval(inner).list.any()
    if isinstance(dtype, pl.Struct):
        fields = [_far_rows(value.struct.field(f.name), f.dtype) for f in dtype.fields]
        found = [test for test in fields if test is not None]
        return pl.any_horizontal(found) if found else None
    return None


def _refused_far_dates(
    text: pl.DataFrame, far: pl.DataFrame, schema: pl.Schema, options: ReadOptions
) -> tuple[list[Rejection], pl.Series]:
    """A rejection for each row with a date polars cannot show in a column that holds a field
    (the first such column), and which rows are left to read. In an ignored column such a
    date is ignored as the rest of the column is."""
    from sahel_core.headers import map_headers
    from sahel_core.tabular import guess_entity

    keep = pl.repeat(True, text.height, dtype=pl.Boolean, eager=True)
    if far.width == 0:
        return [], keep
    # The mapping read_table makes of these very columns, for the field's canonical name.
    rename = map_headers(text.columns, guess_entity(text.columns, options), options.mapping).rename
    mapped = [name for name in far.columns if name in rename]
    if not mapped:
        return [], keep
    first = pl.coalesce(
        pl.when(far.get_column(name)).then(
            pl.struct(
                field=pl.lit(rename[name]),
                value=pl.col(name),
                reason=pl.lit(_far_reason(schema[name])),
            )
        )
        for name in mapped
    )
    found = text.select(pl.int_range(1, pl.len() + 1).alias("row"), first.alias("far"))
    refused = [
        Rejection(row=row, field=cell["field"], value=cell["value"], reason=cell["reason"])
        for row, cell in found.filter(pl.col("far").is_not_null()).iter_rows()
    ]
    return refused, found.get_column("far").is_null()


def _far_reason(dtype: PolarsDataType) -> str:
    """Why a date of ``dtype`` is refused, and what the number given as its value counts."""
    units = " or ".join(dict.fromkeys(_counts(dtype)))
    return f"date out of range (years -262143 to 262142); the file counts {units} from 1970-01-01"


def _counts(dtype: PolarsDataType) -> list[str]:
    """What the dates in ``dtype`` count, as a Parquet file stores them."""
    if isinstance(dtype, pl.Date):
        return ["days"]
    if isinstance(dtype, pl.Datetime):
        return [_UNITS[dtype.time_unit]]
    if isinstance(dtype, pl.List | pl.Array):
        return _counts(dtype.inner)
    if isinstance(dtype, pl.Struct):
        return [unit for f in dtype.fields for unit in _counts(f.dtype)]
    return []


def write_parquet(table: pl.DataFrame, path: Path, entity: str, options: WriteOptions) -> None:
    """Write a canonical table to Parquet (zstd), types and nesting kept."""
    table.write_parquet(path, compression="zstd")


def sniff_parquet(head: bytes, name: str) -> bool:
    """Parquet files start with the magic bytes ``PAR1``."""
    return head.startswith(_MAGIC)


@hookimpl
def sahel_register_formats() -> list[FormatSpec]:
    """Parquet."""
    from sahel_core.entities import ENTITY_TYPES

    return [
        FormatSpec(
            name="parquet",
            description="Apache Parquet: canonical tables with their types",
            extensions=(".parquet",),
            media_types=("application/vnd.apache.parquet",),
            entities=tuple(ENTITY_TYPES),
            read=read_parquet,
            write=write_parquet,
            sniff=sniff_parquet,
        )
    ]
