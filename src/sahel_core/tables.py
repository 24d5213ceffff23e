"""Canonical polars tables for each entity, and lossless conversion to and from entities.

Bulk data lives in these tables; entities are materialized from them on demand. The columns of
every table follow from the entity's fields by a few rules, so there is one mapping to learn:

==========================  ===================================================================
field type                  columns
==========================  ===================================================================
``str``, ``int``, enums     one column of the same name (enums as their text value)
``Amount`` ``x``            ``x`` (Decimal), ``x_unit``, ``x_qualifier``, ``x_low``, ``x_high``,
                            ``x_text``
``Money`` ``x``             ``x`` (Decimal), ``x_currency``, ``x_qualifier``, ``x_low``,
                            ``x_high``, ``x_text``
``PartialDate`` ``x``       ``x`` (the text as written), ``x_earliest``, ``x_latest`` (Date)
``Place`` ``place``         ``country`` (ISO3), ``locality``
``tuple[str, ...]``         a list of strings
``tuple[<record>, ...]``    a list of structs with the record's fields (sources, places...)
==========================  ===================================================================

Decimals use :data:`DECIMAL` (38 digits, 9 after the point): enough for masses in grams and
amounts in francs CFA, and exact. Print the schema of any table with ``sahel schema --table``.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache
from itertools import chain
from typing import TYPE_CHECKING, Any

import attrs

from sahel_core.dates import PartialDate
from sahel_core.entities import ENTITY_TYPES, Place
from sahel_core.errors import ReferenceNotFound, StructureError, ValidationError
from sahel_core.money import Money
from sahel_core.qualifiers import MAX_DECIMAL_PLACES, round_places
from sahel_core.quantities import Amount

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "DECIMAL_PRECISION",
    "DECIMAL_SCALE",
    "entity_type",
    "from_entities",
    "schema",
    "to_entities",
]

DECIMAL_PRECISION = 38
DECIMAL_SCALE = MAX_DECIMAL_PLACES

_FIGURES: dict[type, tuple[str, str]] = {
    Amount: ("magnitude", "unit"),
    Money: ("amount", "currency"),
}


def entity_type(name: str | type) -> type:
    """The entity class for ``"seizure"`` (any case) or the class itself."""
    if isinstance(name, type):
        if name in ENTITY_TYPES.values():
            return name
        name = name.__name__
    try:
        return ENTITY_TYPES[name.lower()]
    except (KeyError, AttributeError):  # AttributeError: no name at all (5, None)
        known = ", ".join(ENTITY_TYPES)
        raise ReferenceNotFound(
            f"no entity {name!r}; known: {known}", field="entity", value=name
        ) from None


def _optional(hint: Any) -> Any:
    """``X | None`` → ``X``; anything else unchanged."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


@cache
def _hints(cls: type) -> dict[str, Any]:
    return {k: _optional(v) for k, v in typing.get_type_hints(cls).items()}


def _dtype(hint: Any) -> pl.DataType:
    import polars as pl

    if hint is Decimal:
        return pl.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE)
    if hint is dt.date:
        return pl.Date()
    if hint is int:
        return pl.Int64()
    if hint is str or (isinstance(hint, type) and issubclass(hint, enum.Enum)):
        return pl.String()
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return pl.List(_dtype(item))
    if attrs.has(hint):
        return pl.Struct({name: _dtype(h) for name, h in _hints(hint).items()})
    raise TypeError(f"no column type for {hint!r}")  # A programming error in entities.py.


@cache
def schema(entity: str | type) -> dict[str, pl.DataType]:
    """The canonical column names and polars types of ``entity``'s table, in order."""
    cls = entity_type(entity)
    columns: dict[str, pl.DataType] = {}
    for name, hint in _hints(cls).items():
        for column, kind in _flat_columns(name, hint):
            columns[column] = _dtype(kind)
    return columns


def _flat_columns(name: str, hint: Any) -> list[tuple[str, Any]]:
    if hint in _FIGURES:
        unit = _FIGURES[hint][1]
        return [
            (name, Decimal),
            (f"{name}_{unit}", str),
            (f"{name}_qualifier", str),
            (f"{name}_low", Decimal),
            (f"{name}_high", Decimal),
            (f"{name}_text", str),
        ]
    if hint is PartialDate:
        return [(name, str), (f"{name}_earliest", dt.date), (f"{name}_latest", dt.date)]
    if hint is Place:
        return [("country", str), ("locality", str)]
    return [(name, hint)]


# -- entity → row ----------------------------------------------------------------------------


def _record(value: Any) -> Any:
    """A nested record (SourceRef, Money, Place...) as a struct value for polars."""
    if attrs.has(type(value)):
        return {f.name: _record(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_record(v) for v in value]
    if isinstance(value, Decimal):
        # polars gives a list of structs the decimal type of its widest element and nulls the
        # elements that do not fit it: a valid figure written with more places than the
        # table's ("0.50000000000000000000") is put at them, exactly.
        return round_places(value)
    return value


def _flatten(record: Any) -> dict[str, Any]:
    row: dict[str, Any] = {}
    cls: type = type(record)
    for name, hint in _hints(cls).items():
        value = getattr(record, name)
        if hint in _FIGURES:
            magnitude, unit = _FIGURES[hint]
            row[name] = None if value is None else getattr(value, magnitude)
            row[f"{name}_{unit}"] = None if value is None else getattr(value, unit)
            for part in ("qualifier", "low", "high", "text"):
                row[f"{name}_{part}"] = None if value is None else _record(getattr(value, part))
        elif hint is PartialDate:
            row[name] = None if value is None else value.text
            row[f"{name}_earliest"] = None if value is None else value.earliest
            row[f"{name}_latest"] = None if value is None else value.latest
        elif hint is Place:
            row["country"] = None if value is None else value.country
            row["locality"] = None if value is None else value.locality
        else:
            row[name] = _record(value)
    return row


def from_entities(records: Iterable[Any], entity: str | type | None = None) -> pl.DataFrame:
    """A canonical table from entities of one type (``entity`` is needed when empty)."""
    import polars as pl

    rows = []
    cls: type | None = entity_type(entity) if entity is not None else None
    for record in records:
        if cls is None:
            cls = entity_type(type(record))
        elif type(record) is not cls:
            raise ValidationError(
                f"expected {cls.__name__} records, got {type(record).__name__}",
                field="entity",
            )
        rows.append(_flatten(record))
    if cls is None:
        raise ValidationError("an empty list needs entity= to choose a table", field="entity")
    return pl.DataFrame(rows, schema=schema(cls), orient="row" if not rows else None)


# -- row → entity ----------------------------------------------------------------------------


def _build(hint: Any, value: Any) -> Any:
    """A struct/list value from polars back to the field's Python type."""
    if value is None:
        return None
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_build(item, v) for v in value)
    if attrs.has(hint):
        return hint(**{k: _build(h, value.get(k)) for k, h in _hints(hint).items()})
    return value


def _unflatten(cls: type, row: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for name, hint in _hints(cls).items():
        if hint in _FIGURES:
            if row[name] is None:
                kwargs[name] = None
                continue
            magnitude, unit = _FIGURES[hint]
            kwargs[name] = hint(
                **{
                    magnitude: row[name],
                    unit: row[f"{name}_{unit}"],
                    "qualifier": row[f"{name}_qualifier"],
                    "low": row[f"{name}_low"],
                    "high": row[f"{name}_high"],
                    "text": row[f"{name}_text"],
                }
            )
        elif hint is PartialDate:
            earliest = row[f"{name}_earliest"]
            kwargs[name] = (
                None
                if earliest is None
                else PartialDate(earliest, row[f"{name}_latest"], row[name])
            )
        elif hint is Place:
            kwargs[name] = (
                None if row["country"] is None else Place(row["country"], row["locality"])
            )
        else:
            kwargs[name] = _build(hint, row[name])
    return cls(**kwargs)


def to_entities(table: pl.DataFrame, entity: str | type) -> Iterator[Any]:
    """Materialize ``entity`` records from a canonical table, one at a time.

    Filter the table first (``table.filter(...)``) to materialize only what you need. A row
    that breaks the model raises :class:`~sahel_core.errors.ValidationError` naming its row.

    Rows are read column by column, a few thousand at a time, and checked in bulk: each
    distinct value of a plain field once with the field's own converter and validator, the
    rules of figures, dates, places and sources as column expressions. Rows that pass are
    assembled without running the checks again; any other row is built by the validating
    constructors, which raise the model's own error for it.
    """
    # Each batch's records are handed out by chain, in C: a generator would be resumed once
    # per record.
    return chain.from_iterable(_record_lists(table, entity))


def _record_lists(table: pl.DataFrame, entity: str | type) -> Iterator[list[Any]]:
    """The records of :func:`to_entities` as lists, in order; a row that breaks the model
    raises when its turn comes."""
    cls = entity_type(entity)
    missing = [c for c in schema(cls) if c not in table.columns]
    if missing:
        raise StructureError(
            f"not a canonical {cls.__name__.lower()} table",
            [(f"$.{c}", "missing column", None) for c in missing],
        )
    from sahel_core.materialize import batches

    columns = list(schema(cls))
    if table.columns != columns:
        table = table.select(columns)
    for offset, chunk, built, untrusted in batches(table, cls):
        done = 0  # records handed out so far; those between untrusted rows go in bulk
        for index in untrusted:
            yield built[done:index]
            try:
                record = _unflatten(cls, chunk.row(index, named=True))
            except ValidationError as exc:
                raise exc.located(location=f"row {offset + index + 1}") from None
            yield [record]
            done = index + 1
        yield built[done:] if done else built
