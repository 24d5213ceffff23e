"""Canonical table rows → entities in bulk, for :func:`sahel_core.tables.to_entities`.

Building an entity through its attrs constructor runs every converter and validator on every
value: tens of microseconds per record. Here a slice of the table is read column by column and
checked in bulk instead: the rules of figures (:func:`sahel_core.qualifiers.settle_bounds`),
dates and source references (:class:`~sahel_core.entities.SourceRef`) as column expressions;
text fields by stripping the whole column at once; other plain fields once per distinct value
with the field's own converter and validator; dates and places built once per distinct value.
Rows that pass are assembled without running the checks again (:func:`assemble`, no Python
code per record); a row that does not is marked :data:`UNTRUSTED` and the caller builds it
with the validating constructors, which raise the model's own error. So is every row of a
table whose column types are not the canonical ones, which the bulk checks assume.

What is left is mostly making the Python objects: some 60 ns per field and 200 ns per record
in :func:`assemble`, 250 ns per Decimal, 60 ns per string and 300 ns per date from polars. So
columns become Python objects only as far as needed, and an object is shared wherever the
values are equal: a bound equal to its figure shares the figure's Decimal, the last day of a
one-day date its first day, a column of one distinct value (a currency, a source file) its
one object; absent parts (no packaging, no stated values) are not read.
"""

from __future__ import annotations

import typing
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Context, Decimal, localcontext
from functools import cache, partial
from itertools import accumulate, pairwise, repeat, starmap
from operator import is_, is_not, mul
from typing import Any

import attrs
import polars as pl

from sahel_core.collector import collector_paused
from sahel_core.dates import PartialDate
from sahel_core.entities import Place, SourceRef
from sahel_core.tables import (
    _FIGURES,
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    _build,
    _hints,
    schema,
)

__all__ = ["UNTRUSTED", "assemble", "batches"]

#: Rows materialized per batch (up to half as many again for the last one, see
#: :func:`_slices`): enough to amortize the queries, small enough that a large table is not
#: turned into Python objects all at once.
_CHUNK = 8192
#: A row the bulk checks did not clear: the caller builds (or refuses) it with the validating
#: constructors.
UNTRUSTED: Any = object()
# The validator that only checks the type of a value (entities._instance).
_TYPE = "_instance.<locals>.check"
# It, the one that checks the kind of a tuple's items and the converter that turns lists into
# tuples: the values the bulk path builds itself (value classes, tuples of records) satisfy
# them by construction.
_BY_CONSTRUCTION = frozenset((_TYPE, "_items.<locals>.check", "_tuple"))
# The validator of text fields (qualifiers.text_check, behind entities._text): it refuses
# what is not text, is blank for str.strip (where blank is refused), or holds a lone
# surrogate, which a String column's values cannot: they clear it when all strip to something.
_TEXT = "text_check.<locals>.check"
# Canonical decimals have at most DECIMAL_PRECISION digits: arithmetic in this context is
# exact on them (see _decimals).
_DECIMALS = Context(prec=DECIMAL_PRECISION)
_SCALE = Decimal(1).scaleb(-DECIMAL_SCALE)
# Fields of source references that usually hold one value for a whole table.
_PER_FILE = frozenset(("url", "file", "published", "retrieved", "note"))
_CODE = "__code"
_INDEX = "__index"


def batches(
    frame: pl.DataFrame, cls: type
) -> Iterator[tuple[int, pl.DataFrame, list[Any], list[int]]]:
    """``(offset, slice, records, untrusted)`` for successive slices of a canonical
    ``frame``: ``untrusted`` lists, in order, the indices into the slice of the rows the checks
    did not clear, whose records are :data:`UNTRUSTED`."""
    canonical = dict(frame.schema) == schema(cls)
    for offset, length in _slices(frame.height):
        chunk = frame.slice(offset, length)
        if not canonical:
            yield offset, chunk, [UNTRUSTED] * chunk.height, list(range(chunk.height))
            continue
        # The records are the caller's result: promoted, they are not walked by the
        # collections that follow (see collector_paused).
        with collector_paused(promote=True):
            records, untrusted = _Chunk(cls, chunk).build()
        yield offset, chunk, records, untrusted


def _slices(height: int) -> list[tuple[int, int]]:
    """``(offset, length)`` of the slices of a ``height``-row table: :data:`_CHUNK` rows
    each, but a last slice of less than half a chunk joins the one before. Each slice costs a
    dozen queries whatever its length: on a few hundred rows they would cost more than the
    rows themselves."""
    starts = list(range(0, height, _CHUNK))
    if len(starts) > 1 and height - starts[-1] < _CHUNK // 2:
        del starts[-1]
    return [(start, end - start) for start, end in pairwise([*starts, height])]


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
    if nulls == len(values):
        return True
    texts: Iterable[str] = filter(partial(is_not, None), values) if nulls else values
    return all(map(str.strip, texts))


def _qualname(function: Any) -> Any:
    """A converter's or validator's name, as the sets above hold them."""
    return getattr(function, "__qualname__", function)


def _python(column: pl.Series, *, shared: bool = False) -> list[Any]:
    """A column as Python values; nothing to read for an all-null column. ``shared``: for a
    column that usually holds one value (the file of source references), one object for all
    rows when it does, instead of one per row."""
    if column.null_count() == len(column):
        return [None] * len(column)
    if shared and not column.null_count() and column.n_unique() == 1:
        return [column[0]] * len(column)
    if not isinstance(column.dtype, pl.Decimal):
        return column.to_list()
    if not column.null_count():
        return _decimals(column.to_physical().to_list())
    values: list[Any] = [None] * len(column)
    present = column.is_not_null().arg_true().to_list()
    _each(values.__setitem__, present, _decimals(column.drop_nulls().to_physical().to_list()))
    return values


def _decimals(scaled: list[int]) -> list[Any]:
    """The Decimals of a canonical Decimal column from its integers (``to_physical``)."""
    # The column holds each value times 10**DECIMAL_SCALE: that integer times 1E-9 is the
    # Decimal polars gives for the value, exponent included (Decimal("1.500000000")), made
    # in 60 % of the time it takes to have the value's text and read it. Exact: the context
    # has room for the 38 digits a canonical decimal may have.
    with localcontext(_DECIMALS):
        return list(map(mul, repeat(_SCALE), scaled))


@cache
def _figure_query(name: str, part: str, wide: bool) -> list[pl.Expr]:
    """For :meth:`_Chunk.figure`, in one query: the figure (as :func:`_decimals` reads
    it), the distinct values of its ``part`` (unit, currency) and qualifier, its text; for
    each bound, the rows where it differs from the figure and is set, its value there, and
    the rows where it is null instead. Last, whether a value needs more than 64 bits (see
    :func:`_integers`)."""
    figure = pl.col(name)
    query = [
        _integers(figure, wide),
        *(pl.col(f"{name}_{p}").unique() for p in (part, "qualifier")),
        pl.col(f"{name}_text"),
    ]
    for side in ("low", "high"):
        query += _departures(figure, pl.col(f"{name}_{side}"), partial(_integers, wide=wide))
    columns = [pl.col(c) for c in (name, f"{name}_low", f"{name}_high")]
    too_wide = pl.any_horizontal(_integers(c, wide).is_null() & c.is_not_null() for c in columns)
    return [*(e.implode() for e in query), too_wide.any().alias("too_wide")]


def _integers(column: pl.Expr, wide: bool) -> pl.Expr:
    """The integers of a canonical Decimal column (see :func:`_decimals`): 128-bit when
    ``wide``, else 64-bit, null where that is too narrow. Python reads 64-bit integers in
    half the time, and they hold any value below 9.2 billion."""
    scaled = column.to_physical()
    return scaled if wide else scaled.cast(pl.Int64, strict=False)


def _departures(
    base: pl.Expr, other: pl.Expr, read: Callable[[pl.Expr], pl.Expr] | None = None
) -> list[pl.Expr]:
    """For :func:`_shared`, where column ``other`` departs from ``base``: the rows where it
    differs and is set, its values there (through ``read``), the rows where it is null."""
    differs = other.ne_missing(base)
    name, values = other.meta.output_name(), other.filter(differs).drop_nulls()
    return [
        pl.arg_where(differs & other.is_not_null()).alias(f"{name}_rows"),
        (values if read is None else read(values)).alias(f"{name}_values"),
        pl.arg_where(differs & other.is_null()).alias(f"{name}_nulls"),
    ]


def _shared(values: list[Any], rows: list[int], others: list[Any], nulls: list[int]) -> list[Any]:
    """A column that mostly equals another, from ``values`` (the other's Python objects)
    and its :func:`_departures`: where they are equal it shares their objects (a bound equal
    to its figure, the end of a one-day span), one conversion instead of two."""
    if not rows and not nulls:
        return values
    out = values.copy()
    _each(out.__setitem__, rows, others)
    _each(out.__setitem__, nulls, repeat(None))
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

    def build(self) -> tuple[list[Any], list[int]]:
        """The records and the sorted indices of the untrusted ones."""
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
        return records, sorted(self.bad)

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
        :func:`_text_clears`; type checks: once for all values)."""
        column = self.frame[name]
        nulls = column.null_count()
        if nulls == self.size:
            values: list[Any] = [None] * self.size
            distinct: Iterable[Any] = [None]
        else:
            values = _python(column)
            check = _qualname(attribute.validator) if attribute.converter is None else None
            if check == _TEXT and _text_clears(values, nulls):
                # Text that clears the check in bulk leaves only null to the validator.
                distinct = [None] if nulls else []
            elif check == _TYPE:
                # The values of a column are null or all of one type: one of them stands for
                # the others before a check of their type.
                distinct = {None, next(filter(partial(is_not, None), values))}
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

    def distinct(
        self,
        columns: list[str],
        make: Callable[..., list[Any]],
        read: Callable[[pl.Expr], list[pl.Expr]] | None = None,
    ) -> list[Any]:
        """One value per row, ``make`` giving them for the distinct combinations of
        ``columns``: each is built once, from lists of values at the first row of each
        combination, ``read(first)`` if given (``first``: whether a row is the first), else
        the columns; rows whose value is :data:`UNTRUSTED` are refused."""
        # A combination's code is the index of its first row: a window over hashed groups,
        # cheaper than joining the rows to their unique combinations.
        code, index = pl.col(_CODE), pl.col(_INDEX)
        first = code == index
        wanted = [pl.col(c).filter(first) for c in columns] if read is None else read(first)
        codes, firsts, *found = (  # eager steps: the optimizer of a lazy query costs more
            self.frame.select(columns)
            .with_row_index(_INDEX)
            .with_columns(index.min().over(columns).alias(_CODE))
            .select(code.implode(), index.filter(first).implode(), *(e.implode() for e in wanted))
            .row(0)
        )
        built = dict(zip(firsts, make(*found), strict=True))
        out = list(map(built.__getitem__, codes))
        if any(map(is_, built.values(), repeat(UNTRUSTED))):
            self.refuse(i for i, value in enumerate(out) if value is UNTRUSTED)
        return out

    def dates(self, name: str) -> list[Any]:
        """Partial dates, checked as :class:`~sahel_core.dates.PartialDate` checks them (the
        table's Date columns need no conversion), one object per distinct date; the last day
        of a one-day date is its first day's object."""
        earliest, latest = f"{name}_earliest", f"{name}_latest"
        self.checks.append(_date_rule(earliest, latest))

        def read(first: pl.Expr) -> list[pl.Expr]:
            days = pl.col(earliest).filter(first)
            texts = pl.col(name).filter(first)
            return [days, texts, *_departures(days, pl.col(latest).filter(first))]

        def make(days: list[Any], texts: list[Any], *lasts: Any) -> list[Any]:
            columns = [days, _shared(days, *lasts), texts]
            built = assemble(PartialDate, columns, len(days))
            if None not in days:
                return built
            return [None if day is None else date for day, date in zip(days, built, strict=True)]

        return self.distinct([earliest, latest, name], make, read)

    def figure(self, name: str, kind: type) -> list[Any]:
        """Amounts or Money, checked as :func:`sahel_core.qualifiers.settle_bounds` checks
        them; a figure without bounds gets them from its constructor."""
        nulls = self.frame[name].null_count()
        if nulls == self.size:  # nothing to check either: the rule holds for a null figure
            return [None] * self.size
        self.checks.append(_figure_rule(name))
        frame, rows = self.frame, None
        if nulls:  # only the rows with a figure are read: the others are None
            present = frame[name].is_not_null()
            frame, rows = frame.filter(present), present.arg_true().to_list()
        number, part = _FIGURES[kind]
        fields = attrs.fields_dict(kind)
        *found, too_wide = frame.select(_figure_query(name, part, wide=False)).row(0)
        if too_wide:  # a value of 9.2 billion or more: read them all as 128-bit integers
            *found, _ = frame.select(_figure_query(name, part, wide=True)).row(0)
        scaled, parts, qualifiers, texts, *bounds = found
        values = _decimals(scaled)
        columns = {
            number: values,
            part: self.converted(fields[part], frame[f"{name}_{part}"], parts, rows),
            "qualifier": self.converted(
                fields["qualifier"], frame[f"{name}_qualifier"], qualifiers, rows
            ),
            "low": _shared(values, bounds[0], _decimals(bounds[1]), bounds[2]),
            "high": _shared(values, bounds[3], _decimals(bounds[4]), bounds[5]),
            "text": texts,
        }
        built = assemble(kind, [columns[f] for f in fields], len(values))
        if rows is None:
            return built
        out: list[Any] = [None] * self.size
        _each(out.__setitem__, rows, built)
        return out

    def converted(
        self, attribute: Any, column: pl.Series, distinct: list[Any], rows: list[int] | None
    ) -> list[Any]:
        """``column`` through the ``attribute``'s converter, called once per ``distinct``
        value; rows whose value it refuses are untrusted (``rows``: the chunk's row of each
        value, when not all). Read per row only when there are several values."""
        found: dict[Any, Any] = {}
        for value in distinct:
            try:
                found[value] = attribute.converter(value)
            except Exception:  # the validating constructor raises it again for the row
                found[value] = UNTRUSTED
        if len(found) == 1:  # one currency, one qualifier...: one object for all rows
            out = [*found.values()] * len(column)
        else:
            values = column.to_list()
            if all(type(new) is type(old) and new == old for old, new in found.items()):
                return values  # already as the converter gives them (canonical units)
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
        columns = {
            f.name: _python(flat[f.name], shared=f.name in _PER_FILE)
            for f in attrs.fields(SourceRef)
        }
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


def _places(countries: list[Any], localities: list[Any]) -> list[Any]:
    """Places by their validating constructor, :data:`UNTRUSTED` where it refuses."""
    out: list[Any] = []
    for country, locality in zip(countries, localities, strict=True):
        try:
            out.append(None if country is None else Place(country, locality))
        except Exception:  # the validating constructor raises it again for the row
            out.append(UNTRUSTED)
    return out
