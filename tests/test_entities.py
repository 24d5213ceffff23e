"""Entities validate on construction and name the bad field; nothing but SahelError escapes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sahel_core.dates import PartialDate
from sahel_core.entities import (
    Agency,
    Operation,
    Place,
    Seizure,
    SourceRef,
    Workshop,
)
from sahel_core.errors import SahelError, ValidationError
from sahel_core.money import Money
from sahel_core.qualifiers import Qualifier
from sahel_core.quantities import Amount
from sahel_core.testing import entities


def test_seizure_from_the_seed_page() -> None:
    seizure = Seizure(
        id="ocs-2016-05",
        drug="cannabis_herb",
        quantity=Amount("2.7", "t", "more_than", text="more than 2.7 tons"),
        date=PartialDate("2016-05-01", "2016-05-31", "May 2016"),
        place=Place("mli", "Bamako"),
        agency="OCS",
        sources=[SourceRef(url="https://www.unodc.org/", start=10, end=30)],
    )
    assert seizure.place == Place("MLI", "Bamako")
    assert seizure.quantity is not None
    assert (seizure.quantity.low, seizure.quantity.high) == (Decimal("2.7"), None)
    assert isinstance(seizure.sources, tuple)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Amount("-1", "kg"), "magnitude"),
        (lambda: Amount(1.5, "kg"), None),  # floats are refused
        (lambda: Amount("1", "kg", "roughly"), "qualifier"),
        (lambda: Amount("3", "kg", "range"), "low"),
        (lambda: Amount("3", "kg", "range", low="4", high="5"), "low"),
        (lambda: Money("10", "francs"), "currency"),
        (lambda: Place("XXX"), "country"),
        (lambda: PartialDate("2016-05-31", "2016-05-01"), "latest"),
        (lambda: SourceRef(), "url"),
        (lambda: SourceRef(file="a.txt", start=5, end=2), "end"),
        (lambda: Seizure(id="", drug="cocaine"), "id"),
        (lambda: Seizure(id="a", drug="cocaine", quantity="2 kg"), "quantity"),
        (lambda: Operation(id="a", agencies="OCS"), "agencies"),
        (lambda: Operation(id="a", kind="raid"), "kind"),
        (lambda: Operation(id="a", fatalities=-1), "fatalities"),
        (lambda: Workshop(id="a", countries=["MLI", "Atlantis"]), "country"),
        (lambda: Agency(acronym="OCS", name_en="x", kind="spies"), "kind"),
    ],
)
def test_bad_values_name_their_field(build: Any, field: str | None) -> None:
    with pytest.raises(ValidationError) as info:
        build()
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_a_message_shows_a_bad_value_as_a_person_writes_it() -> None:
    # "(got Decimal('-5'))" put Python's spelling on a CLI user's screen.
    with pytest.raises(ValidationError) as info:
        Amount(Decimal("-5"), "kg")
    assert str(info.value).endswith("(got -5)")
    with pytest.raises(ValidationError) as info:
        PartialDate("2016-05-31", "2016-05-01")
    assert "(got 2016-05-01)" in str(info.value) and "datetime" not in str(info.value)


def test_figures_keep_table_precision() -> None:
    with pytest.raises(ValidationError, match="decimal places"):
        Amount("0.0000000001", "kg")
    assert Amount("400", "g", "approx").low == Decimal("360.0")


@given(entities())
def test_entities_are_frozen_and_comparable(record: Any) -> None:
    assert record == attrs.evolve(record)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record.sources = ()  # type: ignore[misc]


@given(
    st.dictionaries(
        st.sampled_from(["id", "drug", "quantity", "place", "date", "sources"]),
        st.one_of(st.none(), st.integers(), st.text(), st.floats(), st.lists(st.text())),
    )
)
def test_fuzzed_construction_raises_only_sahel_errors(kwargs: dict[str, Any]) -> None:
    try:
        Seizure(**kwargs)
    except SahelError:
        pass
    except TypeError as exc:  # a missing required argument is a programming error, not data
        assert "required" in str(exc) or "missing" in str(exc)


def test_ordering_of_dates() -> None:
    may = PartialDate(dt.date(2016, 5, 1), dt.date(2016, 5, 31))
    late_may = PartialDate(dt.date(2016, 5, 21), dt.date(2016, 5, 31))
    assert may < late_may
    assert may.contains(late_may)
    assert may.overlaps(late_may)
    assert Qualifier("approx") is Qualifier.APPROX


@given(st.integers(min_value=0, max_value=10**45))
def test_counts_must_fit_a_table_column(number: int) -> None:
    # Counts are Int64 columns: a larger one is refused naming its field, never stored as
    # null or left to overflow when the table is built.
    if number < 2**63:
        assert SourceRef(file="a.csv", row=number).row == number
        assert Operation(id="a", fatalities=number).fatalities == number
        return
    with pytest.raises(ValidationError, match="too large") as info:
        SourceRef(file="a.csv", row=number)
    assert info.value.field == "row"
    with pytest.raises(ValidationError, match="too large") as info:
        Operation(id="a", fatalities=number)
    assert info.value.field == "fatalities"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Seizure(id="a\ud800", drug="cocaine"),
        lambda: SourceRef(file="registre\udcc3.csv"),  # a file name in another encoding
        lambda: Operation(id="o", kind="arrest", actors=("JNIM\udc80",)),
        lambda: Amount(1, "kg", text="2 kg\ud83d"),
        lambda: Money(1, "XOF", text=5),
        lambda: PartialDate(dt.date(2016, 1, 1), text=["2016"]),
    ],
)
def test_text_no_table_or_file_can_hold_is_refused_where_it_is_given(build: Any) -> None:
    # A lone surrogate passed here, then failed from_entities and to_tables with a
    # UnicodeEncodeError; a text that is no str failed only when its JSON was read back.
    with pytest.raises(ValidationError):
        build()
