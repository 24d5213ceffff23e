"""Built-in plugin: canonical tables as Parquet, typed and nested as they are in memory.

Writing stores the canonical table as is (decimals, dates, lists of structs). Reading takes a
file with the canonical columns of one entity (the one the caller names, else the one whose
columns the file has), casts them to the canonical types and keeps every row: a Parquet file is
already typed, so there is nothing to normalize. Extra columns are ignored and noted.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sahel_core.errors import FormatError
from sahel_core.hookspecs import hookimpl
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, WriteOptions

__all__ = ["read_parquet", "sahel_register_formats", "sniff_parquet", "write_parquet"]

_MAGIC = b"PAR1"


def _entity(columns: list[str], options: ReadOptions) -> str:
    from sahel_core.entities import ENTITY_TYPES
    from sahel_core.tables import entity_type, schema

    if options.entity is not None:
        return entity_type(options.entity).__name__.lower()
    present = set(columns)
    fits = [name for name in ENTITY_TYPES if set(schema(name)) <= present]
    if not fits:
        raise FormatError("the columns are not those of any canonical table")
    return max(fits, key=lambda name: len(schema(name)))


def read_parquet(path: Path, options: ReadOptions) -> ReadResult:
    """Read a canonical table from Parquet."""
    from sahel_core.tables import schema

    source = str(path)
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise FormatError(f"not a readable Parquet file: {exc}", source=source) from None
    try:
        entity = _entity(frame.columns, options)
    except FormatError as exc:
        raise exc.located(source=source) from None
    columns = schema(entity)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FormatError(
            f"not a canonical {entity} table: missing {', '.join(missing)}", source=source
        )
    try:
        table = frame.select([pl.col(c).cast(t) for c, t in columns.items()])
    except pl.exceptions.PolarsError as exc:
        raise FormatError(f"columns of the wrong type: {exc}", source=source) from None
    extra = [c for c in frame.columns if c not in columns]
    notes = ["ignored columns: " + ", ".join(extra)] if extra else []
    return ReadResult(
        format="parquet",
        source=source,
        tables={entity: table},
        read=table.height,
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
