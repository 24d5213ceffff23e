"""Canonical table rows → entities in bulk, for :func:`sahel_core.tables.to_entities`.

Building an entity through its attrs constructor runs every converter and validator on every
value: tens of microseconds per record. Here a slice of the table is read column by column and
checked in bulk instead: the rules of figures (:func:`sahel_core.qualifiers.settle_bounds`),
dates and source references (:class:`~sahel_core.entities.SourceRef`) as column expressions;
text fields by stripping the whole column at once; other plain fields once per distinct value
with the field's own converter and validator; dates and places built once per distinct value.
Columns become Python objects only as far as needed: decimals through their text, a bound
equal to its figure shares the figure's Decimal, a column of one distinct value shares it,
absent parts (no packaging, no stated values) are not read. Rows that pass are assembled
without running the checks again (:func:`assemble`, no Python code per record); a row that
does not is marked :data:`UNTRUSTED` and the caller builds it with the validating
constructors, which raise the model's own error. So is every row of a table whose column
types are not the canonical ones, which the bulk checks assume.
"""

from __future__ import annotations

import typing
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Context
from functools import cache, partial
from itertools import accumulate, repeat, starmap
from operator import is_not
from typing import Any

import attrs
import polars as pl

from sahel_core.collector import collector_paused
from sahel_core.dates import PartialDate
from sahel_core.entities import Place, SourceRef
from sahel_core.tables import _FIGURES, DECIMAL_PRECISION, _build, _hints, schema

__all__ = ["UNTRUSTED", "assemble", "batches"]

#: Rows materialized per batch: enough to amortize the column conversions, small enough that
#: a large table is not turned into Python objects all at once.
_CHUNK = 8192
#: A row the bulk checks did not clear: the caller builds (or refuses) it with the validating
#: constructors.
UNTRUSTED: Any = object()
# Validators that only check the type of a value class field or the kind of a tuple's items,
# and the converter that turns lists into tuples: the values the bulk path builds itself
# (value classes, tuples of records) satisfy them by construction.
_BY_CONSTRUCTION = frozenset(("_instance.<locals>.check", "_items.<locals>.check", "_tuple"))
# The validator of text fields (entities._text): it refuses only what is not text or is blank
# for str.strip, which a String column's values are not when all strip to something.
_TEXT = "_text.<locals>.check"
# Canonical decimals have at most DECIMAL_PRECISION digits, so reading their text in this
# context is exact, and faster than Decimal(text).
_DECIMALS = Context(prec=DECIMAL_PRECISION)
_CODE = "__code"


def batches(frame: pl.DataFrame, cls: type) -> Iterator[tuple[int, pl.DataFrame, list[Any]]]:
    """``(offset, slice, records)`` for successive slices of a canonical ``frame``; a record
    is :data:`UNTRUSTED` where a check failed."""
    canonical = dict(frame.schema) == schema(cls)
    for offset in range(0, frame.height, _CHUNK):
        chunk = frame.slice(offset, _CHUNK)
        if not canonical:
            yield offset, chunk, [UNTRUSTED] * chunk.height
            continue
        with collector_paused():
            records = _Chunk(cls, chunk).build()
        yield offset, chunk, records


def assemble(cls: type, columns: Sequence[list[Any]], size: int) -> list[Any]:
    """``size`` records of the slotted attrs class ``cls`` from one list per field (in field
    order), without converters, validators or ``__attrs_post_init__``: for values already
    checked.

    One pass per field over all records, each in C: no Python code runs per record.
    ``starmap`` hands each call the tuple ``zip``/``repeat`` recycles, where ``map`` would
    build one per call: half the cost.
    """
    records = list(starmap(object.__new__, repeat((cls,), size)))
    for set_value, column in zip(_setters(cls), columns, strict=True):
        deque(starmap(set_value, zip(records, column, strict=True)), maxlen=0)
    return records


@cache
def _setters(cls: type) -> tuple[Any, ...]:
    # The slot descriptors themselves: they bypass the frozen __setattr__, as attrs' own
    # __init__ does with object.__setattr__.
    return tuple(getattr(cls, f.name).__set__ for f in attrs.fields(cls))


def _each(function: Callable[..., Any], *columns: Iterable[Any]) -> None:
    """``function`` over the items of ``columns`` taken together, for its effect."""
    deque(map(function, *columns), maxlen=0)


def _rows(frame: pl.DataFrame, condition: pl.Expr) -> list[int]:
    """The indices of the rows of ``frame`` where ``condition`` holds."""
    return frame.select(pl.arg_where(condition)).to_series().to_list()


def _text_clears(values: list[Any], nulls: int) -> bool:
    """Whether every value of a String column with ``nulls`` nulls is null or strips to
    something: then a text check would refuse none of them. Found without a Python call per
    value."""
    texts: Iterable[str] = filter(partial(is_not, None), values) if nulls else values
    return all(map(str.strip, texts))


def _qualname(function: Any) -> Any:
    """A converter's or validator's name, as the sets above hold them."""
    return getattr(function, "__qualname__", function)


def _python(column: pl.Series) -> list[Any]:
    """A column as Python values; Decimals through text, nothing for an all-null column."""
    if column.null_count() == len(column):
        return [None] * len(column)
    if isinstance(column.dtype, pl.Decimal):
        texts = column.cast(pl.String).to_list()
        return [None if t is None else _DECIMALS.create_decimal(t) for t in texts]
    return column.to_list()


@cache
def _numbers_query(name: str) -> list[pl.Expr]:
    """For :func:`_numbers`: the figure's text; for each bound, the rows where it differs
    from the figure and is set, its text there, and the rows where it is null instead."""
    figure = pl.col(name)
    query = [figure.cast(pl.String).implode().alias(name)]
    for side in ("low", "high"):
        bound = pl.col(f"{name}_{side}")
        differs = bound.ne_missing(figure)
        query += [
            pl.arg_where(differs & bound.is_not_null()).implode().alias(f"{side}_rows"),
            bound.filter(differs).drop_nulls().cast(pl.String).implode().alias(f"{side}_texts"),
            pl.arg_where(differs & bound.is_null()).implode().alias(f"{side}_nulls"),
        ]
    return query


def _numbers(frame: pl.DataFrame, name: str) -> list[list[Any]]:
    """The Decimals of figure ``name`` (no nulls) and of its two bounds, in one query. A
    bound equal to its figure (exact figures) shares the figure's Decimal: one conversion
    instead of three."""
    texts, *parts = frame.select(_numbers_query(name)).row(0)
    values = list(map(_DECIMALS.create_decimal, texts))
    out = [values]
    for rows, bound_texts, nulls in (parts[:3], parts[3:]):
        if not rows and not nulls:
            out.append(values)
            continue
        bounds: list[Any] = values.copy()
        _each(bounds.__setitem__, rows, map(_DECIMALS.create_decimal, bound_texts))
        _each(bounds.__setitem__, nulls, repeat(None))
        out.append(bounds)
    return out


class _Chunk:
    """The records of one slice of a canonical table: :data:`UNTRUSTED` where a check
    failed."""

    def __init__(self, cls: type, frame: pl.DataFrame) -> None:
        self.cls = cls
        self.frame = frame
        self.size = frame.height
        self.bad: set[int] = set()
        self.checks: list[pl.Expr] = []

    def build(self) -> list[Any]:
        fields = attrs.fields(self.cls)
        hints = _hints(self.cls)
        columns = [self.field(f, hints[f.name]) for f in fields]
        if self.checks:
            self.refuse(_rows(self.frame, ~pl.all_horizontal(self.checks).fill_null(False)))
        records = assemble(self.cls, columns, self.size)
        post_init = getattr(self.cls, "__attrs_post_init__", None)
        if post_init is not None:  # cross-field rules of the entity itself
            for index, record in enumerate(records):
                try:
                    post_init(record)
                except Exception:  # the validating constructor raises it again for the row
                    self.bad.add(index)
        for index in self.bad:
            records[index] = UNTRUSTED
        return records

    def refuse(self, indices: Iterable[int], rows: list[int] | None = None) -> None:
        """Mark rows untrusted: ``indices`` into ``rows`` (the chunk's rows when None)."""
        self.bad.update(indices if rows is None else (rows[i] for i in indices))

    def field(self, attribute: Any, hint: Any) -> list[Any]:
        name = attribute.name
        if hint in _FIGURES:
            values = self.figure(name, hint)
        elif hint is PartialDate:
            values = self.dates(name)
        elif hint is Place:
            values = self.distinct(["country", "locality"], _places)
        elif typing.get_origin(hint) is tuple and attrs.has(typing.get_args(hint)[0]):
            values = self.records(name, typing.get_args(hint)[0])
        elif typing.get_origin(hint) is tuple:
            return self.per_row(attribute, self.frame[name].to_list())
        else:
            return self.plain(attribute, name)
        checks = {_qualname(c) for c in (attribute.converter, attribute.validator)}
        if checks <= _BY_CONSTRUCTION | {None}:
            return values
        return self.per_row(attribute, values)

    def plain(self, attribute: Any, name: str) -> list[Any]:
        """A column of hashable values: converted and validated once per distinct value
        (text fields: not at all when every value strips to something, see
        :func:`_text_clears`)."""
        column = self.frame[name]
        nulls = column.null_count()
        if nulls == self.size:
            values: list[Any] = [None] * self.size
            distinct: Iterable[Any] = [None]
        else:
            values = _python(column)
            text = attribute.converter is None and _qualname(attribute.validator) == _TEXT
            # Text that clears the check in bulk leaves only null to the validator.
            if text and _text_clears(values, nulls):
                distinct = [None] if nulls else []
            else:
                distinct = set(values)
        verdicts: dict[Any, Any] = {}
        for value in distinct:
            try:
                result = value if attribute.converter is None else attribute.converter(value)
                if attribute.validator is not None:
                    attribute.validator(None, attribute, result)
            except Exception:  # the validating constructor raises it again for the row
                result = UNTRUSTED
            verdicts[value] = result
        refused = {v for v, result in verdicts.items() if result is UNTRUSTED}
        if refused:
            self.refuse(i for i, v in enumerate(values) if v in refused)
        if attribute.converter is None:
            return values
        return list(map(verdicts.__getitem__, values))

    def per_row(self, attribute: Any, values: list[Any]) -> list[Any]:
        """Values that cannot be grouped (lists): converter and validator on each."""
        out = []
        for index, value in enumerate(values):
            try:
                if attribute.converter is not None:
                    value = attribute.converter(value)
                elif isinstance(value, list):
                    value = tuple(value)
                if attribute.validator is not None:
                    attribute.validator(None, attribute, value)
            except Exception:  # the validating constructor raises it again for the row
                self.bad.add(index)
            out.append(value)
        return out

    def distinct(self, columns: list[str], make: Callable[[pl.DataFrame], list[Any]]) -> list[Any]:
        """One value per row, ``make`` giving them for the distinct combinations of
        ``columns`` (a frame of those): each is built once; rows whose value is
        :data:`UNTRUSTED` are refused."""
        keys = self.frame.select(columns)
        found = keys.unique().with_row_index(_CODE)
        codes = keys.join(found, on=columns, how="left", nulls_equal=True, maintain_order="left")
        built = make(found)
        out = list(map(built.__getitem__, codes[_CODE].to_list()))
        if any(value is UNTRUSTED for value in built):
            self.refuse(i for i, value in enumerate(out) if value is UNTRUSTED)
        return out

    def dates(self, name: str) -> list[Any]:
        """Partial dates, checked as :class:`~sahel_core.dates.PartialDate` checks them (the
        table's Date columns need no conversion), one object per distinct date."""
        earliest, latest = f"{name}_earliest", f"{name}_latest"
        self.checks.append(_date_rule(earliest, latest))

        def make(found: pl.DataFrame) -> list[Any]:
            days = found[earliest].to_list()
            columns = [days, found[latest].to_list(), found[name].to_list()]
            built = assemble(PartialDate, columns, len(days))
            return [None if day is None else date for day, date in zip(days, built, strict=True)]

        return self.distinct([earliest, latest, name], make)

    def figure(self, name: str, kind: type) -> list[Any]:
        """Amounts or Money, checked as :func:`sahel_core.qualifiers.settle_bounds` checks
        them; a figure without bounds gets them from its constructor."""
        self.checks.append(_figure_rule(name))
        nulls = self.frame[name].null_count()
        if nulls == self.size:
            return [None] * self.size
        frame, rows = self.frame, None
        if nulls:  # only the rows with a figure are read: the others are None
            present = frame[name].is_not_null()
            frame, rows = frame.filter(present), present.arg_true().to_list()
        number, part = _FIGURES[kind]
        fields = attrs.fields_dict(kind)
        values, lows, highs = _numbers(frame, name)
        columns = {
            number: values,
            part: self.converted(fields[part].converter, frame[f"{name}_{part}"], rows),
            "qualifier": self.converted(
                fields["qualifier"].converter, frame[f"{name}_qualifier"], rows
            ),
            "low": lows,
            "high": highs,
            "text": frame[f"{name}_text"].to_list(),
        }
        built = assemble(kind, [columns[f] for f in fields], len(values))
        if rows is None:
            return built
        out: list[Any] = [None] * self.size
        _each(out.__setitem__, rows, built)
        return out

    def converted(self, converter: Any, column: pl.Series, rows: list[int] | None) -> list[Any]:
        """``column`` through ``converter`` once per distinct value; rows whose value it
        refuses are untrusted (``rows``: the chunk's row of each value, when not all)."""
        values = column.to_list()
        found: dict[Any, Any] = {}
        for value in set(values):
            try:
                found[value] = converter(value)
            except Exception:  # the validating constructor raises it again for the row
                found[value] = UNTRUSTED
        if all(type(new) is type(old) and new == old for old, new in found.items()):
            return values  # already as the converter gives them (canonical units)
        if len(found) == 1:  # one currency, one qualifier...: no lookup per row
            out = [*found.values()] * len(values)
        else:
            out = list(map(found.__getitem__, values))
        if any(value is UNTRUSTED for value in found.values()):
            self.refuse((i for i, value in enumerate(out) if value is UNTRUSTED), rows)
        return out

    def records(self, name: str, item: type) -> list[Any]:
        """A list column of records: source references assembled after bulk checks, other
        records by their validating constructors."""
        column = self.frame[name]
        lengths = column.list.len()
        if lengths.null_count():  # no list at all: the validating constructor refuses it
            self.refuse(lengths.is_null().arg_true().to_list())
        if not lengths.sum():  # the usual case for lists such as stated_values: all empty
            return [()] * self.size
        flat = column.explode(empty_as_null=False, keep_nulls=False).struct.unnest()
        if item is SourceRef:
            items, refused = self.sources(flat)
        else:
            items, refused = [], []
            for index, record in enumerate(flat.iter_rows(named=True)):
                try:
                    items.append(_build(item, record))
                except Exception:  # the validating constructor raises it again for the row
                    items.append(UNTRUSTED)
                    refused.append(index)
        if lengths.null_count() == 0 and lengths.min() == lengths.max() == 1:
            # One record per row, as readers give: no slicing needed.
            self.refuse(refused)
            return list(zip(items))
        counts = lengths.fill_null(0).to_list()
        ends = list(accumulate(counts))
        self.refuse(bisect_right(ends, index) for index in refused)
        return [tuple(items[end - n : end]) for n, end in zip(counts, ends, strict=True)]

    def sources(self, flat: pl.DataFrame) -> tuple[list[Any], list[int]]:
        """Source references, checked as :class:`~sahel_core.entities.SourceRef` checks them;
        the few the column checks do not clear are built by its validating constructor.
        Also the indices of those it refuses."""
        columns = {f.name: _python(flat[f.name]) for f in attrs.fields(SourceRef)}
        doubtful = set(_rows(flat, ~_source_rule()))
        for name in ("url", "file"):  # optional text, checked as the text fields of entities
            if not _text_clears(columns[name], flat[name].null_count()):
                doubtful.update(i for i, v in enumerate(columns[name]) if v is not None)
        items = assemble(SourceRef, list(columns.values()), flat.height)
        refused = []
        for index in doubtful:
            try:
                items[index] = _build(SourceRef, flat.row(index, named=True))
            except Exception:  # the validating constructor raises it again for the row
                items[index] = UNTRUSTED
                refused.append(index)
        return items, refused


# The rules as column expressions, built once: they are the same for every batch.


@cache
def _figure_rule(name: str) -> pl.Expr:
    """What :func:`sahel_core.qualifiers.settle_bounds` checks, for figure ``name``."""
    magnitude, low, high = (pl.col(c) for c in (name, f"{name}_low", f"{name}_high"))
    return magnitude.is_null() | (
        (magnitude >= 0)
        & (low.is_not_null() | high.is_not_null())
        & ((pl.col(f"{name}_qualifier") != "range") | (low.is_not_null() & high.is_not_null()))
        & (low.is_null() | ((low >= 0) & (low <= magnitude)))
        & (high.is_null() | ((high >= 0) & (high >= magnitude)))
    )


@cache
def _date_rule(earliest: str, latest: str) -> pl.Expr:
    """What :class:`~sahel_core.dates.PartialDate` checks: no range ending before it starts."""
    first, last = pl.col(earliest), pl.col(latest)
    return first.is_null() | last.is_null() | (last >= first)


@cache
def _source_rule() -> pl.Expr:
    """What :class:`~sahel_core.entities.SourceRef` checks, but for its text fields."""
    counts = [pl.col(c).is_null() | (pl.col(c) >= 0) for c in ("row", "line", "start", "end")]
    start, end = pl.col("start"), pl.col("end")
    return pl.all_horizontal(
        pl.col("url").is_not_null() | pl.col("file").is_not_null(),
        start.is_null() == end.is_null(),
        start.is_null() | (end >= start),
        *counts,
    ).fill_null(False)


def _places(found: pl.DataFrame) -> list[Any]:
    """Places by their validating constructor, :data:`UNTRUSTED` where it refuses."""
    out: list[Any] = []
    for country, locality in zip(found["country"], found["locality"], strict=True):
        try:
            out.append(None if country is None else Place(country, locality))
        except Exception:  # the validating constructor raises it again for the row
            out.append(UNTRUSTED)
    return out
