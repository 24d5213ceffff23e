"""The domain model: who seized what, where and when, who was trained, who paid.

Entities are frozen attrs classes, validated on construction (a bad value raises a
:class:`~sahel_core.errors.ValidationError` naming the field). Entities refer to each other by
key (ISO3 code, agency acronym, record id), never by object, so they serialize flat and
materialize cheaply from tables. Every record carries ``sources`` so each figure is traceable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from attrs import Attribute, Factory, define, field

from sahel_core.dates import PartialDate
from sahel_core.errors import ValidationError
from sahel_core.money import Money
from sahel_core.qualifiers import text_check
from sahel_core.quantities import Amount

__all__ = [
    "ENTITY_TYPES",
    "MAX_COUNT",
    "Agency",
    "AgencyKind",
    "Country",
    "Donor",
    "DonorKind",
    "Operation",
    "OperationKind",
    "Place",
    "Seizure",
    "SourceRef",
    "Workshop",
]


E = TypeVar("E", bound=StrEnum)


@cache
def _iso3_codes() -> frozenset[str]:
    import pycountry  # Lazy: 60 ms of start-up otherwise.

    return frozenset(c.alpha_3 for c in pycountry.countries)


def _iso3(value: object) -> str:
    if isinstance(value, str) and value.upper() in _iso3_codes():
        return value.upper()
    raise ValidationError("not an ISO 3166 alpha-3 country code", field="country", value=value)


def _optional_iso3(value: object) -> str | None:
    return None if value is None else _iso3(value)


def _iso3_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("expected a list of ISO3 codes", field="countries", value=value)
    return tuple(_iso3(v) for v in value)


def _tuple(value: object) -> object:
    # Lenient on purpose: the validator rejects what is not a list, naming the field.
    if isinstance(value, list | set | frozenset):
        return tuple(value)
    return value


def _items(kind: type) -> Any:
    def check(_: object, attribute: Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, kind) for v in value):
            raise ValidationError(
                f"expected a list of {kind.__name__}", field=attribute.name, value=value
            )
        if kind is str:
            if not all(v.strip() for v in value):
                raise ValidationError(
                    "expected non-empty strings", field=attribute.name, value=value
                )
            each = text_check(attribute.name)  # what a single text field holds, each item holds
            for item in value:
                each(None, attribute, item)

    return check


def _tuple_of(kind: type) -> Any:
    return field(factory=tuple, converter=_tuple, validator=_items(kind))


def _to_enum(kind: type[E], value: object, name: str) -> E:
    if isinstance(value, str) and value in kind._value2member_map_:
        return kind(value)
    choices = ", ".join(k.value for k in kind)
    raise ValidationError(f"one of {choices}", field=name, value=value)


def _text(name: str, *, optional: bool = False) -> Any:
    return text_check(name, optional=optional, blank=False)


def _instance(kind: type | tuple[type, ...], name: str, *, optional: bool = True) -> Any:
    def check(_: object, __: object, value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, kind):
            raise ValidationError("wrong type", field=name, value=value)

    return check


#: The largest count (``fatalities``, a source's ``row``...) a table holds: an Int64 column.
MAX_COUNT = 2**63 - 1


def _count(name: str) -> Any:
    def check(_: object, __: object, value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError("expected a whole number >= 0", field=name, value=value)
        if value > MAX_COUNT:
            raise ValidationError(f"too large (at most {MAX_COUNT})", field=name, value=value)

    return check


@define(frozen=True)
class SourceRef:
    """Where a figure came from: a URL or file, the row/line or character span, and dates.

    ``start``/``end`` are character offsets of the evidence in the source text (end exclusive),
    ``quote`` the evidence itself; ``row`` counts as a spreadsheet user does (header = 1).
    """

    url: str | None = field(default=None, validator=_text("url", optional=True))
    file: str | None = field(default=None, validator=_text("file", optional=True))
    row: int | None = field(default=None, validator=_count("row"))
    line: int | None = field(default=None, validator=_count("line"))
    start: int | None = field(default=None, validator=_count("start"))
    end: int | None = field(default=None, validator=_count("end"))
    quote: str | None = field(default=None, validator=text_check("quote"))
    published: dt.date | None = field(default=None, validator=_instance(dt.date, "published"))
    retrieved: dt.date | None = field(default=None, validator=_instance(dt.date, "retrieved"))
    note: str | None = field(default=None, validator=text_check("note"))

    def __attrs_post_init__(self) -> None:
        if self.url is None and self.file is None:
            raise ValidationError("a source needs a url or a file", field="url", value=None)
        if (self.start is None) != (self.end is None):
            raise ValidationError("a span needs both start and end", field="end", value=self.end)
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValidationError("a span ends before it starts", field="end", value=self.end)


_sources = _tuple_of(SourceRef)


@define(frozen=True)
class Country:
    """A country by ISO 3166: alpha-3 (the key used everywhere), alpha-2, English and French name.

    Build one from any code or name with :func:`sahel_core.reference.country`.
    """

    alpha3: str = field(converter=_iso3)
    alpha2: str = field(validator=_text("alpha2"))
    name_en: str = field(validator=_text("name_en"))
    name_fr: str = field(validator=_text("name_fr"))


@define(frozen=True)
class Place:
    """A country (ISO3) and, when known, a locality as written ("Bamako", "Diffa")."""

    country: str = field(converter=_iso3)
    locality: str | None = field(default=None, validator=_text("locality", optional=True))


class AgencyKind(StrEnum):
    """What kind of institution an agency is."""

    POLICE = "police"
    GENDARMERIE = "gendarmerie"
    CUSTOMS = "customs"
    DRUG_CONTROL = "drug_control"
    JUDICIARY = "judiciary"
    FINANCIAL_INTELLIGENCE = "financial_intelligence"
    MILITARY = "military"
    REGIONAL_BODY = "regional_body"
    UN = "un"
    CIVIL_SOCIETY = "civil_society"
    OTHER = "other"


def _agency_kind(value: object) -> AgencyKind:
    return _to_enum(AgencyKind, value, "kind")


@define(frozen=True)
class Agency:
    """An institution of the field: ``OCS`` (Office Central des Stupéfiants, Mali), ``UNODC``...

    ``country`` is ``None`` for regional and international bodies. ``key`` is what other records
    use to refer to it: the acronym, country-qualified when two agencies share one
    (``OCRTIS-SEN``, ``OCRTIS-NER``). ``aliases`` are other names it goes by ("OCRETIS").
    """

    acronym: str = field(validator=_text("acronym"))
    name_en: str = field(validator=_text("name_en"))
    name_fr: str | None = field(default=None, validator=_text("name_fr", optional=True))
    country: str | None = field(default=None, converter=_optional_iso3)
    kind: AgencyKind = field(default=AgencyKind.OTHER, converter=_agency_kind)
    key: str = field(
        default=Factory(lambda self: self.acronym, takes_self=True), validator=_text("key")
    )
    aliases: tuple[str, ...] = _tuple_of(str)


class DonorKind(StrEnum):
    """A government (keyed by its ISO3 code) or an organisation (keyed by name or IATI ref)."""

    GOVERNMENT = "government"
    ORGANISATION = "organisation"


def _donor_kind(value: object) -> DonorKind:
    return _to_enum(DonorKind, value, "kind")


@define(frozen=True)
class Donor:
    """Who paid: a government ("Germany") or an organisation ("European Union").

    ``id`` is the key other records use: the ISO3 code for a government, else the IATI
    organisation identifier when known, else the name. ``aliases`` are other names it goes by
    ("EU", "Union européenne").
    """

    id: str = field(validator=_text("id"))
    name: str = field(validator=_text("name"))
    kind: DonorKind = field(default=DonorKind.GOVERNMENT, converter=_donor_kind)
    country: str | None = field(default=None, converter=_optional_iso3)
    sources: tuple[SourceRef, ...] = _tuple_of(SourceRef)
    aliases: tuple[str, ...] = _tuple_of(str)


@define(frozen=True)
class Seizure:
    """A seizure of a drug or commodity.

    ``drug`` is a term of the drug vocabulary (``cannabis_herb``, ``cocaine``...), ``drug_text``
    what the source called it. ``quantity`` is in the unit the source used; ``packaging`` holds a
    second count when the source gives one ("170 cartons ... containing 70,000 tablets").
    ``value`` is the estimated value as first stated; ``stated_values`` other equivalents the
    source gave ("13 million CFA (about 20,000 USD)").
    """

    id: str = field(validator=_text("id"))
    drug: str = field(validator=_text("drug"))
    quantity: Amount | None = field(default=None, validator=_instance(Amount, "quantity"))
    packaging: Amount | None = field(default=None, validator=_instance(Amount, "packaging"))
    value: Money | None = field(default=None, validator=_instance(Money, "value"))
    stated_values: tuple[Money, ...] = _tuple_of(Money)
    date: PartialDate | None = field(default=None, validator=_instance(PartialDate, "date"))
    place: Place | None = field(default=None, validator=_instance(Place, "place"))
    agency: str | None = field(default=None, validator=_text("agency", optional=True))
    operation: str | None = field(default=None, validator=_text("operation", optional=True))
    drug_text: str | None = field(default=None, validator=text_check("drug_text"))
    sources: tuple[SourceRef, ...] = _tuple_of(SourceRef)


class OperationKind(StrEnum):
    """What happened: an arrest, an operation, a destruction of seized goods, a reported event
    (ACLED), or a funded programme activity (IATI)."""

    ARREST = "arrest"
    OPERATION = "operation"
    DESTRUCTION = "destruction"
    EVENT = "event"
    PROGRAMME = "programme"


def _operation_kind(value: object) -> OperationKind:
    return _to_enum(OperationKind, value, "kind")


@define(frozen=True)
class Operation:
    """A police/customs operation, an arrest, a reported event or a programme activity.

    ``arrested`` is a count of persons as an :class:`Amount` (unit ``person``) so "several" or
    "more than 10" keep their qualifier; ``seizures`` lists the ids of linked seizures.
    """

    id: str = field(validator=_text("id"))
    kind: OperationKind = field(default=OperationKind.OPERATION, converter=_operation_kind)
    title: str | None = field(default=None, validator=_text("title", optional=True))
    date: PartialDate | None = field(default=None, validator=_instance(PartialDate, "date"))
    places: tuple[Place, ...] = _tuple_of(Place)
    agencies: tuple[str, ...] = _tuple_of(str)
    actors: tuple[str, ...] = _tuple_of(str)
    arrested: Amount | None = field(default=None, validator=_instance(Amount, "arrested"))
    fatalities: int | None = field(default=None, validator=_count("fatalities"))
    seizures: tuple[str, ...] = _tuple_of(str)
    donors: tuple[str, ...] = _tuple_of(str)
    sectors: tuple[str, ...] = _tuple_of(str)
    funding: tuple[Money, ...] = _tuple_of(Money)
    sources: tuple[SourceRef, ...] = _tuple_of(SourceRef)


@define(frozen=True)
class Workshop:
    """A workshop, training or meeting.

    ``participants`` and ``institutions`` are counts as :class:`Amount` (units ``person`` and
    ``institution``) so "over 160 participants" keeps its qualifier. ``countries`` are the ISO3
    codes represented, ``donors`` the keys of the :class:`Donor` records that funded it.
    """

    id: str = field(validator=_text("id"))
    title: str | None = field(default=None, validator=_text("title", optional=True))
    topic: str | None = field(default=None, validator=_text("topic", optional=True))
    date: PartialDate | None = field(default=None, validator=_instance(PartialDate, "date"))
    place: Place | None = field(default=None, validator=_instance(Place, "place"))
    participants: Amount | None = field(default=None, validator=_instance(Amount, "participants"))
    institutions: Amount | None = field(default=None, validator=_instance(Amount, "institutions"))
    countries: tuple[str, ...] = field(factory=tuple, converter=_iso3_tuple)
    agencies: tuple[str, ...] = _tuple_of(str)
    donors: tuple[str, ...] = _tuple_of(str)
    sources: tuple[SourceRef, ...] = _tuple_of(SourceRef)


#: Entity classes by the lower-case name used on the command line and in file headers.
ENTITY_TYPES: dict[str, type] = {
    cls.__name__.lower(): cls for cls in (Country, Agency, Donor, Operation, Seizure, Workshop)
}


def _repr_html_(self: object) -> str:
    """The record as an HTML table of its fields, for Jupyter (:mod:`sahel_core.display`)."""
    from sahel_core.display import entity_html

    return entity_html(self)


for _cls in (SourceRef, Country, Place, Agency, Donor, Seizure, Operation, Workshop):
    _cls._repr_html_ = _repr_html_  # type: ignore[union-attr]
