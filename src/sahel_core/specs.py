"""The records plugins return from their hooks, and what a format reader returns.

A plugin describes what it adds with these frozen records; the host validates them, rejects
duplicates and keeps going when one plugin misbehaves. Callables inside the records are only
called on use, so building a registry stays cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import Attribute, define, field

from sahel_core.errors import PluginError

if TYPE_CHECKING:
    import polars as pl

    from sahel_core.extract import RuleMatch

__all__ = [
    "ExtractionRule",
    "FormatSpec",
    "IndicatorParam",
    "IndicatorSpec",
    "RateProviderSpec",
    "ReadOptions",
    "ReadResult",
    "Rejection",
    "WriteOptions",
]


def _name(_: object, attribute: Attribute[str], value: str) -> None:
    # Names are used on the command line and as keys, so they must be simple.
    if not (isinstance(value, str) and value.replace("_", "").replace("-", "").isalnum()):
        raise PluginError(
            "a spec name is letters, digits, '-' and '_'", field=attribute.name, value=value
        )


@define(frozen=True)
class Rejection:
    """One input record a reader refused, and why.

    ``row`` is the record's number as the user sees it (spreadsheet row with the header as
    row 1, line number in a text file, element index in XML); ``field`` the column or
    attribute at fault; ``value`` the raw value as text.
    """

    row: int | None
    field: str | None
    value: str | None
    reason: str


@define(frozen=True)
class ReadOptions:
    """What a caller asks of a reader.

    ``entity`` restricts the output to one entity table; ``mapping`` maps source column names
    to canonical ones (``{"pays": "country"}``) on top of the format's own; ``locale`` settles
    number conventions ("fr": "1,6" is 1.6); ``encoding`` overrides detection; ``published``
    is a prose document's publication date, from which its relative dates ("yesterday", "last
    week") are read when it has no dateline.
    """

    entity: str | None = None
    mapping: Mapping[str, str] = field(factory=dict)
    locale: str | None = None
    encoding: str | None = None
    published: dt.date | None = None


@define
class ReadResult:
    """What a reader returns: canonical tables, and exact accounting of the input.

    ``tables`` maps an entity name ("seizure") to its canonical polars table.
    ``read == accepted + len(rejections)``: each rejected record has exactly one
    :class:`Rejection` (its first fault). ``notes`` tells what the reader did that the
    tables do not show (ignored columns, skipped empty rows, the encoding it detected).
    """

    format: str
    source: str
    tables: dict[str, pl.DataFrame]
    read: int
    rejections: list[Rejection] = field(factory=list)
    notes: list[str] = field(factory=list)

    @property
    def rejected(self) -> int:
        """How many input records were refused."""
        return len(self.rejections)

    @property
    def accepted(self) -> int:
        """How many input records became rows of ``tables``."""
        return self.read - self.rejected


@define(frozen=True)
class WriteOptions:
    """What a caller asks of a writer: ``hxl`` adds an HXL hashtag row where the format can."""

    hxl: bool = False


@define(frozen=True)
class FormatSpec:
    """A file format a plugin can read and/or write.

    ``sniff(head, name)`` gets the first 64 KiB and the file name and says whether the content
    is in this format; ``read(path, options)`` returns a :class:`ReadResult`;
    ``write(table, path, entity, options)`` writes one canonical table. ``entities`` lists the
    entity names the format can carry.
    """

    name: str = field(validator=_name)
    description: str
    extensions: tuple[str, ...] = ()
    media_types: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    read: Callable[[Path, ReadOptions], ReadResult] | None = None
    write: Callable[[pl.DataFrame, Path, str, WriteOptions], None] | None = None
    sniff: Callable[[bytes, str], bool] | None = None


@define(frozen=True)
class IndicatorParam:
    """One parameter of an indicator: name, Python type name, default and meaning."""

    name: str
    type: str
    default: Any
    description: str


@define(frozen=True)
class IndicatorSpec:
    """A computation over a canonical table that returns a tidy table.

    ``compute(table, by, params)`` receives the table of ``entity`` (lazy), the grouping keys and
    the parameters, and returns a frame whose columns are ``by`` then ``measures``.
    """

    name: str = field(validator=_name)
    description: str
    entity: str
    compute: Callable[[pl.LazyFrame, Sequence[str], Mapping[str, Any]], pl.DataFrame]
    by: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    params: tuple[IndicatorParam, ...] = ()


@define(frozen=True)
class RateProviderSpec:
    """A source of exchange rates.

    ``load()`` returns a polars frame with columns ``currency`` (ISO 4217), ``base`` ("EUR" or
    "USD"), ``date`` (the day the rate is for: a day, a month's last day for a month-end
    rate, the first day of a year's average), ``period`` ("fixed", "day", "month", "year"),
    ``rate`` (Decimal, or text: units of ``currency`` per one ``base``) and optionally
    ``places`` (the decimal places the rate is published to, when its figure dropped trailing
    zeros; a text rate counts the places it is written with, "1.1000" four) and ``increment``
    (Decimal: the step the rate is published in, when coarser than a unit of its places, as
    the ECB's 0.0005 for the rupee in 2019); both set the rounding a conversion reports.
    Providers with a lower
    ``priority`` number are consulted first. A large table can be a ``LazyFrame`` (a
    ``pl.scan_parquet``): conversions then collect only the rows of the currency pairs they
    use, the first time they use them (the pairs with a fixed rate when the table is built).
    """

    name: str = field(validator=_name)
    description: str
    load: Callable[[], pl.DataFrame | pl.LazyFrame]
    currencies: tuple[str, ...] = ()
    priority: int = 100


def _rule_kind(_: object, attribute: Attribute[str], value: str) -> None:
    if value not in ("seizure", "operation", "workshop", "figure"):
        raise PluginError(
            "a rule's kind is seizure, operation, workshop or figure",
            field=attribute.name,
            value=value,
        )


def _rule_lang(_: object, attribute: Attribute[str | None], value: str | None) -> None:
    if value not in (None, "en", "fr"):
        raise PluginError("a rule's lang is 'en', 'fr' or None", field=attribute.name, value=value)


@define(frozen=True)
class ExtractionRule:
    """A pattern that turns a phrase of prose into a record, for :func:`sahel_core.extract.extract`.

    ``pattern`` is a regular expression, tried (``re.match``) where each figure the built-in
    rules left starts ("more than 9,000", "45", "CFA 700 million"), on the text folded to lower
    case without accents (:func:`sahel_core.extract.fold_same_length`); build it from
    :data:`sahel_core.extract.NUMBER_PATTERN`. ``build(match)`` gets a
    :class:`~sahel_core.extract.RuleMatch` (the match, its sentence, the sentence's date,
    place, countries and agencies, and parsers) and returns the fields of a ``kind`` record
    (without ``id`` and ``sources``, which the host adds) or ``None`` to skip the match.
    ``lang`` limits the rule to English or French text.
    """

    name: str = field(validator=_name)
    kind: str = field(validator=_rule_kind)
    pattern: str
    build: Callable[[RuleMatch], Mapping[str, Any] | None]
    lang: str | None = field(default=None, validator=_rule_lang)
    description: str = ""
