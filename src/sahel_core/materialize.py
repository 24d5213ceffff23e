"""Canonical table rows → entities in bulk, for :func:`sahel_core.tables.to_entities`.

Building an entity through its attrs constructor runs every converter and validator on every
value: tens of microseconds per record. Here a slice of the table is read column by column and
checked in bulk instead: each distinct value of a plain field once, with the field's own
converter and validator; dates and places built once per distinct value by their validating
constructors; figures and source references checked by column expressions that state the
rules of :func:`sahel_core.qualifiers.settle_bounds` and
:class:`~sahel_core.entities.SourceRef`. Rows that pass are assembled without running the
checks again (:func:`assembler`); a row that does not is marked :data:`UNTRUSTED` and the
caller builds it with the validating constructors, which raise the model's own error.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache
from itertools import accumulate
from typing import Any

import attrs
import polars as pl

from sahel_core.dates import PartialDate
from sahel_core.entities import Place, SourceRef
from sahel_core.tables import _FIGURES, _build, _hints

__all__ = ["UNTRUSTED", "assembler", "batches"]

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


def batches(frame: pl.DataFrame, cls: type) -> Iterator[tuple[int, pl.DataFrame, list[Any]]]:
    """``(offset, slice, records)`` for successive slices of a canonical ``frame``; a record
    is :data:`UNTRUSTED` where a check failed."""
    for offset in range(0, frame.height, _CHUNK):
        chunk = frame.slice(offset, _CHUNK)
        yield offset, chunk, _Chunk(cls, chunk).build()


@cache
def assembler(cls: type, optional: bool = False) -> Any:
    """A function building a list of ``cls`` from one list per field (in field order),
    without converters, validators or ``__attrs_post_init__``: for values already checked.
    With ``optional``, a row whose first value is ``None`` gives ``None``.

    Generated code (as attrs generates ``__init__``): one loop, no call per record.
    """
    names = [f.name for f in attrs.fields(cls)]
    slots = "__slots__" in vars(cls)
    setters = {
        f"set{i}": vars(cls)[name].__set__ if slots else _setter(name)
        for i, name in enumerate(names)
    }
    values = ", ".join(f"v{i}" for i in range(len(names)))
    lines = [
        f"def assemble({', '.join(f'c{i}' for i in range(len(names)))}):",
        "    out = []",
        "    append = out.append",
        f"    for {values} in zip({', '.join(f'c{i}' for i in range(len(names)))}):",
        *(["        if v0 is None:", "            append(None)", "            continue"]
          if optional else []),
        "        o = new(cls)",
        *(f"        set{i}(o, v{i})" for i in range(len(names))),
        "        append(o)",
        "    return out",
    ]  # fmt: skip
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, **setters}
    exec("\n".join(lines), namespace)
    return namespace["assemble"]


def _setter(name: str) -> Any:
    def set_value(instance: Any, value: Any) -> None:
        object.__setattr__(instance, name, value)

    return set_value


def _decimals(column: pl.Series) -> list[Decimal | None]:
    """A Decimal column as Decimals, through text (faster than polars' own conversion)."""
    return [None if t is None else Decimal(t) for t in column.cast(pl.String).to_list()]


def _bound(values: list[Any], bound: pl.Series, same: list[bool]) -> list[Any]:
    """A bound column, reusing the value's Decimal where the bound equals it (exact
    figures): one conversion instead of three."""
    if all(same):
        return values
    texts = bound.cast(pl.String).to_list()
    return [
        value if equal else (None if text is None else Decimal(text))
        for value, text, equal in zip(values, texts, same, strict=True)
    ]


class _Chunk:
    """The records of one slice of a canonical table: :data:`UNTRUSTED` where a check
    failed."""

    def __init__(self, cls: type, frame: pl.DataFrame) -> None:
        self.cls = cls
        self.frame = frame
        self.bad: set[int] = set()
        self.checks: list[pl.Expr] = []

    def build(self) -> list[Any]:
        fields = attrs.fields(self.cls)
        hints = _hints(self.cls)
        columns = [self.field(f, hints[f.name]) for f in fields]
        if self.checks:
            passed = self.frame.select(pl.all_horizontal(self.checks).fill_null(False))
            self.bad.update(i for i, ok in enumerate(passed.to_series().to_list()) if not ok)
        records: list[Any] = assembler(self.cls)(*columns)
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

    def refuse(self, rows: Iterable[int]) -> None:
        self.bad.update(rows)

    def field(self, attribute: Any, hint: Any) -> list[Any]:
        name = attribute.name
        if hint in _FIGURES:
            values = self.figure(name, hint)
        elif hint is PartialDate:
            values = self.dates(name)
        elif hint is Place:
            values = self.cached(
                ["country", "locality"],
                lambda country, locality: None if country is None else Place(country, locality),
            )
        elif typing.get_origin(hint) is tuple and attrs.has(typing.get_args(hint)[0]):
            values = self.records(name, typing.get_args(hint)[0])
        elif typing.get_origin(hint) is tuple:
            values = self.per_row(attribute, self.frame[name].to_list())
            return values
        else:
            return self.plain(attribute, self.frame[name])
        checks = {getattr(c, "__qualname__", c) for c in (attribute.converter, attribute.validator)}
        if checks <= _BY_CONSTRUCTION | {None}:
            return values
        return self.per_row(attribute, values)

    def plain(self, attribute: Any, column: pl.Series) -> list[Any]:
        """A column of hashable values: converted and validated once per distinct value."""
        if isinstance(column.dtype, pl.Decimal):
            values: list[Any] = _decimals(column)
        else:
            values = column.to_list()
        converted: dict[Any, Any] = {}
        for value in set(values):
            try:
                result = value if attribute.converter is None else attribute.converter(value)
                if attribute.validator is not None:
                    attribute.validator(None, attribute, result)
            except Exception:  # the validating constructor raises it again for the row
                result = UNTRUSTED
            converted[value] = result
        out = [converted[v] for v in values]
        if UNTRUSTED in converted.values():
            self.refuse(i for i, v in enumerate(out) if v is UNTRUSTED)
        return out

    def per_row(self, attribute: Any, values: list[Any]) -> list[Any]:
        """Values that cannot be grouped (lists): converter and validator on each."""
        out = []
        for index, value in enumerate(values):
            try:
                if value is not None and attribute.converter is not None:
                    value = attribute.converter(value)
                elif isinstance(value, list):
                    value = tuple(value)
                if attribute.validator is not None:
                    attribute.validator(None, attribute, value)
            except Exception:  # the validating constructor raises it again for the row
                self.bad.add(index)
            out.append(value)
        return out

    def cached(self, columns: list[str], make: Any) -> list[Any]:
        """A value class built by its validating constructor once per distinct combination."""
        keys = list(zip(*(self.frame[c].to_list() for c in columns), strict=True))
        built: dict[Any, Any] = {}
        for key in set(keys):
            try:
                built[key] = make(*key)
            except Exception:  # the validating constructor raises it again for the row
                built[key] = UNTRUSTED
        out = [built[k] for k in keys]
        if UNTRUSTED in built.values():
            self.refuse(i for i, v in enumerate(out) if v is UNTRUSTED)
        return out

    def dates(self, name: str) -> list[Any]:
        """Partial dates, checked as :class:`~sahel_core.dates.PartialDate` checks them (the
        table's Date columns need no conversion), one object per distinct date."""
        earliest, latest = pl.col(f"{name}_earliest"), pl.col(f"{name}_latest")
        self.checks.append(earliest.is_null() | latest.is_null() | (latest >= earliest))
        keys = list(
            zip(*(self.frame[c].to_list() for c in (f"{name}_earliest", f"{name}_latest", name)),
                strict=True)
        )  # fmt: skip
        distinct = list(set(keys))
        built = assembler(PartialDate, optional=True)(*zip(*distinct, strict=True))
        found = dict(zip(distinct, built, strict=True))
        return [found[k] for k in keys]

    def figure(self, name: str, kind: type) -> list[Any]:
        """Amounts or Money, checked as :func:`sahel_core.qualifiers.settle_bounds` checks
        them; a figure without bounds gets them from its constructor."""
        part = _FIGURES[kind][1]
        frame = self.frame
        magnitude, low, high = (pl.col(c) for c in (name, f"{name}_low", f"{name}_high"))
        qualifier = pl.col(f"{name}_qualifier")
        self.checks.append(
            magnitude.is_null()
            | (
                (magnitude >= 0)
                & (low.is_not_null() | high.is_not_null())
                & ((qualifier != "range") | (low.is_not_null() & high.is_not_null()))
                & (low.is_null() | ((low >= 0) & (low <= magnitude)))
                & (high.is_null() | ((high >= 0) & (high >= magnitude)))
            )
        )
        fields = attrs.fields_dict(kind)
        values = _decimals(frame[name])
        same = frame.select(
            *((pl.col(c) == magnitude).fill_null(False).alias(c) for c in (f"{name}_low",
                                                                            f"{name}_high"))
        )  # fmt: skip
        lows = _bound(values, frame[f"{name}_low"], same[f"{name}_low"].to_list())
        highs = _bound(values, frame[f"{name}_high"], same[f"{name}_high"].to_list())
        units = self.converted(fields[part].converter, frame[f"{name}_{part}"].to_list(), values)
        qualifiers = self.converted(
            fields["qualifier"].converter, frame[f"{name}_qualifier"].to_list(), values
        )
        texts = frame[f"{name}_text"].to_list()
        built: list[Any] = assembler(kind, optional=True)(
            values, units, qualifiers, lows, highs, texts
        )
        return built

    def converted(self, converter: Any, values: list[Any], figures: list[Any]) -> list[Any]:
        """``values`` through ``converter`` once per distinct value; rows whose value it
        refuses are untrusted, unless their figure is null (then it is not looked at)."""
        found: dict[Any, Any] = {}
        for value in set(values):
            try:
                found[value] = converter(value)
            except Exception:  # the validating constructor raises it again for the row
                found[value] = UNTRUSTED
        out = [found[v] for v in values]
        if UNTRUSTED in found.values():
            self.refuse(
                i
                for i, (v, figure) in enumerate(zip(out, figures, strict=True))
                if v is UNTRUSTED and figure is not None
            )
        return out

    def records(self, name: str, item: type) -> list[Any]:
        """A list column of records: source references assembled after bulk checks, other
        records by their validating constructors."""
        column = self.frame[name]
        lengths = column.list.len().fill_null(0).to_list()
        flat = column.explode(empty_as_null=False, keep_nulls=False).struct.unnest()
        if item is SourceRef:
            items = self.sources(flat)
        else:
            items = []
            for record in flat.iter_rows(named=True):
                try:
                    items.append(_build(item, record))
                except Exception:  # the validating constructor raises it again for the row
                    items.append(UNTRUSTED)
        if not items:  # the usual case for lists such as stated_values: all empty
            return [()] * len(lengths)
        if all(length == 1 for length in lengths):  # one source per row, as readers give
            out = [(item,) for item in items]
        else:
            ends = list(accumulate(lengths))
            out = [tuple(items[end - n : end]) for n, end in zip(lengths, ends, strict=True)]
        if any(item is UNTRUSTED for item in items):
            self.refuse(i for i, values in enumerate(out) if UNTRUSTED in values)
        return out

    def sources(self, flat: pl.DataFrame) -> list[Any]:
        """Source references, checked as :class:`~sahel_core.entities.SourceRef` checks them."""
        counts = [pl.col(c).is_null() | (pl.col(c) >= 0) for c in ("row", "line", "start", "end")]
        start, end = pl.col("start"), pl.col("end")
        valid = (
            flat.select(
                pl.all_horizontal(
                    pl.col("url").is_not_null() | pl.col("file").is_not_null(),
                    start.is_null() == end.is_null(),
                    start.is_null() | (end >= start),
                    *counts,
                ).fill_null(False)
            )
            .to_series()
            .to_list()
        )
        texts = {c: _optional_text(flat[c].to_list()) for c in ("url", "file")}
        columns = [texts.get(f.name) or flat[f.name].to_list() for f in attrs.fields(SourceRef)]
        built: list[Any] = assembler(SourceRef)(*columns)
        return [
            record if ok and url is not UNTRUSTED and file is not UNTRUSTED else UNTRUSTED
            for record, ok, url, file in zip(built, valid, texts["url"], texts["file"],
                                             strict=True)
        ]  # fmt: skip


def _optional_text(values: list[Any]) -> list[Any]:
    """Optional text as SourceRef wants it: null, or text that is not blank."""
    verdict = {v: v if v is None or v.strip() else UNTRUSTED for v in set(values)}
    return [verdict[v] for v in values]
