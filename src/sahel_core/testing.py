"""Testing helpers for sahel_core and its plugins: hypothesis strategies and a conformance kit.

Needs hypothesis (``pip install "sahel-core[testing]"``). Plugin authors test a format with::

    from sahel_core.testing import check_format

    def test_my_format(tmp_path):
        check_format("myformat", tmp_path)

Strategies generate valid entities and values; :func:`check_format` round-trips generated
entities through a format and feeds it junk, which must raise only
:class:`~sahel_core.errors.SahelError`.
"""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sahel_core.dates import PartialDate
from sahel_core.entities import (
    Agency,
    AgencyKind,
    Donor,
    DonorKind,
    Operation,
    OperationKind,
    Place,
    Seizure,
    SourceRef,
    Workshop,
)
from sahel_core.money import Money
from sahel_core.qualifiers import MAX_DECIMAL_PLACES, Qualifier
from sahel_core.quantities import Amount

__all__ = [
    "ISO3_SAMPLE",
    "amounts",
    "check_format",
    "decimals",
    "entities",
    "entity_strategies",
    "moneys",
    "partial_dates",
    "places",
    "seizures",
    "source_refs",
]

#: Countries the strategies draw from: the Sahel and its neighbours and donors.
ISO3_SAMPLE = ("MLI", "NER", "BFA", "SEN", "TCD", "MRT", "GHA", "TGO", "NGA", "CMR", "DEU", "JPN")

_text = st.text(
    alphabet=string.ascii_letters + string.digits + " éèàçô'-", min_size=1, max_size=20
).filter(lambda s: s.strip() != "")
_ids = st.text(alphabet=string.ascii_lowercase + string.digits + ":-_", min_size=1, max_size=12)


def decimals(max_value: int = 10**12) -> st.SearchStrategy[Decimal]:
    """Non-negative decimals with at most the places tables keep (9)."""
    return st.decimals(
        min_value=0,
        max_value=max_value,
        places=MAX_DECIMAL_PLACES,
        allow_nan=False,
        allow_infinity=False,
    ).map(lambda d: d.normalize() if d == d.to_integral_value() else d)


def _figure(cls: type, units: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    def build(magnitude: Decimal, unit: str, qualifier: Qualifier, spread: Decimal) -> Any:
        if qualifier is Qualifier.RANGE:
            return cls(magnitude, unit, qualifier, low=magnitude, high=magnitude + spread)
        return cls(magnitude, unit, qualifier)

    return st.builds(build, decimals(), units, st.sampled_from(Qualifier), decimals(10**6))


def amounts(units: tuple[str, ...] = ("kg", "g", "t", "tablet", "l")) -> st.SearchStrategy[Amount]:
    """Amounts with any qualifier in the given canonical units."""
    return _figure(Amount, st.sampled_from(units))


def moneys(currencies: tuple[str, ...] = ("XOF", "EUR", "USD", "GHS")) -> st.SearchStrategy[Money]:
    """Money with any qualifier in the given currencies."""
    return _figure(Money, st.sampled_from(currencies))


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    """Day, month, year, span and open intervals between 2000 and 2030."""
    start = draw(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
    span = draw(st.one_of(st.none(), st.integers(0, 400)))
    latest = None if span is None else start + dt.timedelta(days=span)
    return PartialDate(start, latest, draw(st.one_of(st.none(), _text)))


def places() -> st.SearchStrategy[Place]:
    """A country of :data:`ISO3_SAMPLE` with or without a locality."""
    return st.builds(Place, st.sampled_from(ISO3_SAMPLE), st.one_of(st.none(), _text))


@st.composite
def source_refs(draw: st.DrawFn) -> SourceRef:
    """A file or URL source with an optional row or character span."""
    start = draw(st.one_of(st.none(), st.integers(0, 10**6)))
    return SourceRef(
        url=draw(st.one_of(st.none(), st.just("https://www.unodc.org/westandcentralafrica/"))),
        file=draw(st.one_of(st.just("seizures.csv"), _text)),
        row=draw(st.one_of(st.none(), st.integers(1, 10**6))),
        start=start,
        end=None if start is None else start + draw(st.integers(0, 500)),
        quote=draw(st.one_of(st.none(), _text)),
        published=draw(st.one_of(st.none(), st.dates(dt.date(2000, 1, 1)))),
    )


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _several(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(strategy, max_size=3).map(tuple)


def seizures() -> st.SearchStrategy[Seizure]:
    """Valid seizures with every optional field sometimes set."""
    return st.builds(
        Seizure,
        id=_ids,
        drug=st.sampled_from(("cannabis_herb", "cocaine", "tramadol", "heroin")),
        quantity=_opt(amounts()),
        packaging=_opt(amounts(("carton", "packet"))),
        value=_opt(moneys()),
        stated_values=_several(moneys()),
        date=_opt(partial_dates()),
        place=_opt(places()),
        agency=_opt(st.sampled_from(("OCS", "OCRTIS", "BIS"))),
        operation=_opt(_ids),
        drug_text=_opt(_text),
        sources=_several(source_refs()),
    )


def entity_strategies() -> dict[str, st.SearchStrategy[Any]]:
    """A strategy per entity name, except Country (whose fields come from ISO 3166)."""
    counts = amounts(("person",))
    return {
        "seizure": seizures(),
        "operation": st.builds(
            Operation,
            id=_ids,
            kind=st.sampled_from(OperationKind),
            title=_opt(_text),
            date=_opt(partial_dates()),
            places=_several(places()),
            agencies=_several(_text),
            actors=_several(_text),
            arrested=_opt(counts),
            fatalities=_opt(st.integers(0, 1000)),
            seizures=_several(_ids),
            donors=_several(st.sampled_from(ISO3_SAMPLE)),
            sectors=_several(_text),
            funding=_several(moneys()),
            sources=_several(source_refs()),
        ),
        "workshop": st.builds(
            Workshop,
            id=_ids,
            title=_opt(_text),
            topic=_opt(_text),
            date=_opt(partial_dates()),
            place=_opt(places()),
            participants=_opt(counts),
            institutions=_opt(amounts(("institution",))),
            countries=_several(st.sampled_from(ISO3_SAMPLE)),
            agencies=_several(_text),
            donors=_several(st.sampled_from(ISO3_SAMPLE)),
            sources=_several(source_refs()),
        ),
        "donor": st.builds(
            Donor,
            id=_ids,
            name=_text,
            kind=st.sampled_from(DonorKind),
            country=_opt(st.sampled_from(ISO3_SAMPLE)),
            sources=_several(source_refs()),
        ),
        "agency": st.builds(
            Agency,
            acronym=_text,
            name_en=_text,
            name_fr=_opt(_text),
            country=_opt(st.sampled_from(ISO3_SAMPLE)),
            kind=st.sampled_from(AgencyKind),
        ),
    }


def entities() -> st.SearchStrategy[Any]:
    """Any entity except Country."""
    return st.one_of(*entity_strategies().values())


def _key(record: Any) -> str:
    return str(getattr(record, "id", None) or getattr(record, "acronym", ""))


def check_format(
    name: str, directory: Path, *, entity: str = "seizure", examples: int = 25
) -> None:
    """Conformance check for a format plugin that reads and writes ``entity`` tables.

    Writes generated entities with the format, reads them back and requires the same records
    and exact accounting; then feeds random bytes and requires only ``SahelError``.
    """
    from sahel_core.errors import SahelError
    from sahel_core.io import read, write
    from sahel_core.plugins import get_manager
    from sahel_core.tables import from_entities, to_entities

    spec = get_manager().format(name)
    suffix = spec.extensions[0] if spec.extensions else ".dat"
    strategy = entity_strategies()[entity]

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(records=st.lists(strategy, min_size=1, max_size=5, unique_by=_key))
    def round_trip(records: list[Any]) -> None:
        path = directory / f"round-trip{suffix}"
        write(from_entities(records), path, entity, format=name)
        result = read(path, format=name)
        assert result.read == len(records) and result.rejected == 0, result.rejections
        assert list(to_entities(result.tables[entity], entity)) == records

    @settings(max_examples=examples, deadline=None)
    @given(junk=st.binary(max_size=2000))
    def junk_is_refused_cleanly(junk: bytes) -> None:
        path = directory / f"junk{suffix}"
        path.write_bytes(junk)
        try:
            result = read(path, format=name)
        except SahelError:
            return
        assert result.read == result.accepted + result.rejected

    if spec.write is not None and spec.read is not None:
        round_trip()
    if spec.read is not None:
        junk_is_refused_cleanly()
