"""The records :func:`sahel_core.extract.extract` returns: evidence spans, figures, records."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from attrs import define, field, frozen

from sahel_core.dates import PartialDate
from sahel_core.entities import (
    Operation,
    Place,
    Seizure,
    SourceRef,
    Workshop,
    _instance,
)
from sahel_core.errors import ValidationError
from sahel_core.money import Money
from sahel_core.quantities import Amount

if TYPE_CHECKING:
    import polars as pl


#: The kinds of record :func:`extract` returns.
KINDS: Final = ("seizure", "operation", "workshop", "figure")

#: Relative disagreement allowed between a value and an equivalent the text states ("13 million
#: CFA (about 20,000 USD)"), after conversion at the record's date: 25 %, because sources round
#: and use rates of their own.
VALUE_TOLERANCE: Final = Decimal("0.25")

# --- value types ----------------------------------------------------------------------------


# The entities' own type check, so extracted records report bad fields the same way.
_check = _instance


def _tuple_of(kind: type, name: str) -> Any:
    def convert(value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    def check(_: object, __: object, value: object) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, kind) for v in value):
            raise ValidationError(f"expected a list of {kind.__name__}", field=name, value=value)

    return field(factory=tuple, converter=convert, validator=check)


@frozen
class Evidence:
    """A span of the text: ``text[start:end] == self.text``."""

    start: int
    end: int
    text: str


#: The longest sentence a record quotes whole, in characters.
QUOTE_LIMIT = 1000


def quote(sentence: Evidence, around: int) -> Evidence:
    """``sentence``, or when it is longer than :data:`QUOTE_LIMIT` characters, the part of
    it of at most that length centred on position ``around``, without a word cut at either
    end. Offsets are those of the text extracted from (before any :meth:`Extraction.remap`
    to a page's)."""
    size = len(sentence.text)
    if size <= QUOTE_LIMIT:
        return sentence
    # Offsets within the sentence's text.
    low = min(max(around - sentence.start - QUOTE_LIMIT // 2, 0), size - QUOTE_LIMIT)
    high = low + QUOTE_LIMIT
    text = sentence.text
    start, end = low, high
    if start > 0 and not text[start - 1].isspace():  # a word cut at the start is left out
        while start < end and not text[start].isspace():
            start += 1
    if end < size and not text[end].isspace():  # and one cut at the end
        while end > start and not text[end - 1].isspace():
            end -= 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:  # no space to cut at: one long token
        start, end = low, high
    return Evidence(sentence.start + start, sentence.start + end, text[start:end])


@frozen
class FieldEvidence:
    """Where one field of a record came from: the phrase and the sentence around it."""

    name: str
    phrase: Evidence
    sentence: Evidence


@define(frozen=True)
class Figure:
    """A figure a report states that is not a single event: "339 activities implemented as of
    June 2017", "over 10 tons of cannabis seized since 2014", "drugs worth CFA 700 million".

    ``amount`` is a count or quantity, ``value`` a sum of money (at least one is given),
    ``stated_values`` other equivalents of ``value`` the text gave. ``as_of`` is the date or
    period the figure refers to ("since 2015" is open-ended). ``place`` and ``countries`` are
    where it applies; ``operation`` the id of the operation it belongs to (a destruction).
    """

    id: str = field(validator=_check(str, "id", optional=False))
    label: str = field(validator=_check(str, "label", optional=False))
    amount: Amount | None = field(default=None, validator=_check(Amount, "amount"))
    value: Money | None = field(default=None, validator=_check(Money, "value"))
    stated_values: tuple[Money, ...] = _tuple_of(Money, "stated_values")
    as_of: PartialDate | None = field(default=None, validator=_check(PartialDate, "as_of"))
    drug: str | None = field(default=None, validator=_check(str, "drug"))
    place: Place | None = field(default=None, validator=_check(Place, "place"))
    countries: tuple[str, ...] = _tuple_of(str, "countries")
    operation: str | None = field(default=None, validator=_check(str, "operation"))
    sources: tuple[SourceRef, ...] = _tuple_of(SourceRef, "sources")

    def __attrs_post_init__(self) -> None:
        if self.amount is None and self.value is None:
            raise ValidationError("a figure needs an amount or a value", field="amount")
        if not self.label.strip():
            raise ValidationError("a figure needs a label", field="label", value=self.label)


Entity = Seizure | Operation | Workshop | Figure
_CLASSES: Final[dict[str, type]] = {
    "seizure": Seizure,
    "operation": Operation,
    "workshop": Workshop,
    "figure": Figure,
}


@define(frozen=True)
class Extracted:
    """One record found in the text: its kind, the entity, the evidence and any flags.

    ``evidence`` is the sentence the record was built from (of a sentence longer than
    ``QUOTE_LIMIT`` characters, the part of it around the record: :func:`quote`); ``fields``
    gives, for each field, the phrase it was read from (and that phrase's sentence, which may
    be another one: a workshop's participants are often counted in the next sentence).
    ``flags`` report doubts the text raised, e.g. a stated equivalent that disagrees with the
    value.
    """

    kind: str
    entity: Entity
    evidence: Evidence
    fields: tuple[FieldEvidence, ...] = ()
    flags: tuple[str, ...] = ()

    def field(self, name: str) -> FieldEvidence | None:
        """The evidence of field ``name``, or ``None``."""
        return next((f for f in self.fields if f.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data (the shape is in the module docstring)."""
        from sahel_core.extract._output import _as_dict

        return _as_dict(self)


@define(frozen=True)
class Extraction:
    """What :func:`extract` found: the records in text order, the language and the source.

    ``dropped`` lists what the text states but no record holds, as ``(kind, field, value,
    reason)``, so that readers can account for them: sums of money that cannot be read for
    a record (``("seizure", "value", "'50,000 cedis'", "'cedi' is GHC before 2007-07-01,
    then GHS, and the record has no date")``), then candidate records the model refused (a
    plugin rule that returned a bad field).
    """

    records: tuple[Extracted, ...]
    lang: str
    source: SourceRef
    dropped: tuple[tuple[str, str | None, str | None, str], ...] = ()

    def of_kind(self, kind: str) -> tuple[Extracted, ...]:
        """The records of one kind ("seizure", "operation", "workshop", "figure")."""
        return tuple(r for r in self.records if r.kind == kind)

    def entities(self, kind: str) -> list[Any]:
        """The entities of one kind, in text order."""
        return [r.entity for r in self.of_kind(kind)]

    def to_tables(self) -> dict[str, pl.DataFrame]:
        """Canonical tables (:mod:`sahel_core.tables`) for seizures, operations and workshops,
        and a ``figure`` table (columns follow the same rules: ``amount``, ``amount_unit``...)."""
        from sahel_core.tables import from_entities

        tables = {kind: from_entities(self.entities(kind), kind) for kind in KINDS[:3]}
        from sahel_core.extract._output import _figure_table

        tables["figure"] = _figure_table(self.entities("figure"))
        return tables

    def as_dicts(self) -> list[dict[str, Any]]:
        """Every record as plain data (see :meth:`Extracted.as_dict`)."""
        return [r.as_dict() for r in self.records]

    def explain(self) -> str:
        """For each record, what was read and the sentence each field came from."""
        from sahel_core.extract._output import _explain

        return _explain(self)

    def remap(
        self, start: Callable[[int], int], end: Callable[[int], int] | None = None
    ) -> Extraction:
        """The same records with every span's start passed through ``start`` and its end
        through ``end`` (default ``start``): e.g. offsets in the text of an HTML page mapped
        back to offsets in the page."""
        from sahel_core.extract._output import _remap

        return _remap(self, start, end or start)
