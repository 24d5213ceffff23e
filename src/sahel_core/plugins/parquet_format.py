"""Built-in plugin: canonical tables as Parquet, typed and nested as they are in memory.

Writing stores the canonical table as is (decimals, dates, lists of structs). Reading checks
every row as a CSV row is checked: a Parquet file is typed, but nothing says its figures are
not negative, its countries real or its ids unique, nor that its money is not a float. The
columns are turned into text (:func:`sahel_core.tabular.text_table`: exact decimals, ISO dates,
JSON records) and read by :func:`sahel_core.tabular.read_table`, so every record is accepted or
rejected with a reason, rows numbered from 1. A float column is read through its text:
``1e+20`` is refused, ``2.7`` is read as the decimal 2.7.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sahel_core.errors import FormatError
from sahel_core.hookspecs import hookimpl
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, WriteOptions

__all__ = ["read_parquet", "sahel_register_formats", "sniff_parquet", "write_parquet"]

_MAGIC = b"PAR1"


def read_parquet(path: Path, options: ReadOptions) -> ReadResult:
    """Read a table from Parquet, each row checked as in any other format."""
    from sahel_core.headers import map_headers
    from sahel_core.tabular import guess_entity, read_table, text_table, typed_number_text

    source = str(path)
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise FormatError(f"not a readable Parquet file: {exc}", source=source) from None
    cells, unreadable = [], []
    # Column by column (a type that has no text leaves the others readable), each taken out
    # of the frame: a select on a frame of thousands of columns costs in proportion to them.
    for column in frame.get_columns():
        name, dtype = column.name, column.dtype
        try:
            text = text_table(column.to_frame())
            if dtype.is_float() or dtype.is_decimal():
                text = text.select(typed_number_text(pl.col(name), options.locale))
            cells.append(text.to_series())
        except pl.exceptions.PolarsError:  # a duration, binary data...: no text to check
            unreadable.append((name, dtype))
    notes = []
    if unreadable:
        # A column of such a type is ignored, unless it holds a field: then the file is refused
        # rather than read without that field.
        mapped = map_headers(frame.columns, guess_entity(frame.columns, options), options.mapping)
        described = {name: f"{name} ({dtype})" for name, dtype in unreadable}
        needed = [text for name, text in described.items() if name in mapped.rename]
        if needed:
            raise FormatError(f"a column of a type that cannot be read: {needed[0]}", source=source)
        ignored = ", ".join(described.values())
        notes.append(f"ignored columns of a type that cannot be read: {ignored}")
    return read_table(
        pl.DataFrame(cells, height=frame.height),
        path,
        options,
        format="parquet",
        rows=range(1, frame.height + 1),
        notes=notes,
    )


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
