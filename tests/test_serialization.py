"""JSON ⇄ entity round-trips, and structuring errors that list every bad field."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sahel_core.entities import Amount, Operation, Seizure
from sahel_core.errors import SahelError, StructureError
from sahel_core.money import Conversion, Money, RateStep
from sahel_core.serialization import decimal_text, dumps, loads, structure, unstructure
from sahel_core.testing import decimals, entities, moneys, seizures

_CURRENCIES = ("XOF", "XAF", "EUR", "USD", "GHS")

# Rates as providers publish them, trailing zeros included ("1.1000"), and in any exponent.
published = st.builds(
    lambda units, exponent: Decimal(units).scaleb(exponent),
    st.integers(1, 10**12),
    st.integers(-16, 3),
)
rate_steps = st.builds(
    RateStep,
    from_currency=st.sampled_from(_CURRENCIES),
    to_currency=st.sampled_from(_CURRENCIES),
    rate=decimals().filter(bool) | published,
    rate_date=st.dates(),
    source=st.sampled_from(["peg", "ECB", "IMF IFS", "World Bank"]) | st.text(max_size=12),
    period=st.sampled_from(["fixed", "day", "month", "year"]),
    inverted=st.booleans(),
    increment=st.none() | published,
)
conversions = st.builds(
    Conversion,
    original=moneys(_CURRENCIES),
    result=moneys(_CURRENCIES),
    on=st.dates(),
    steps=st.lists(rate_steps, max_size=3).map(tuple),
    rounding=decimals(),
    via=st.none() | st.sampled_from(_CURRENCIES),
)


@given(entities())
def test_json_round_trip(record: Any) -> None:
    assert loads(dumps(record), type(record)) == record


@given(st.lists(seizures(), max_size=4))
def test_lists_round_trip(records: list[Seizure]) -> None:
    assert loads(dumps(records), list[Seizure]) == records


@given(conversions)
@example(
    Conversion(
        Money("655957", "XOF"),
        Money("1000", "EUR"),
        dt.date(2016, 6, 1),
        (RateStep("XOF", "EUR", "655.957", dt.date(1999, 1, 1), "peg", "fixed", inverted=True),),
    )
)
def test_conversions_round_trip(conversion: Conversion) -> None:
    # An inverted step (a peg read as EUR → XOF) could be written but not read back.
    assert loads(dumps(conversion), Conversion) == conversion


@given(rate_steps)
@example(RateStep("EUR", "USD", Decimal("1.1000"), dt.date(2020, 5, 21), "ECB"))
@example(RateStep("USD", "GNF", Decimal("9E+3"), dt.date(2017, 10, 31), "IMF IFS", "month"))
def test_a_rate_steps_json_keeps_the_places_of_its_rate(step: RateStep) -> None:
    """The ECB's 1.1000 was written "1.1" in JSON and in its quote, losing the places that
    Conversion.rounding counts; it reads back with the same digits, as its quote writes it."""
    text = json.loads(dumps(step))["rate"]
    assert step.quote.split(" = ")[1].split(" ")[0] == text
    back = loads(dumps(step), RateStep)
    assert back == step
    assert (back.rate.as_tuple(), back.increment) == (step.rate.as_tuple(), step.increment)
    conversion = Conversion(Money(1, step.from_currency), Money(1, step.to_currency),
                            step.rate_date, (step,))  # fmt: skip
    assert conversion.as_dict()["steps"][0]["rate"] == text
    (again,) = loads(dumps(conversion), Conversion).steps
    assert again.rate.as_tuple() == step.rate.as_tuple()


@given(st.booleans())
def test_booleans_round_trip(value: bool) -> None:
    assert loads(dumps(value), bool) is value


@pytest.mark.parametrize("value", [0, 1, "true", None, Decimal(1)])
def test_booleans_are_only_true_or_false(value: Any) -> None:
    # bool is a subclass of int: the strict hook for whole numbers must not swallow it, and
    # a bool must not take 0 or 1 either (JSON true/false only).
    with pytest.raises(StructureError, match="true or false"):
        structure(value, bool)
    with pytest.raises(StructureError, match="whole number"):
        structure(True, int)


def test_decimals_travel_as_text() -> None:
    data = json.loads(dumps(Seizure(id="a", drug="cocaine", quantity=None)))
    assert data["quantity"] is None
    data["quantity"] = {
        "magnitude": 0.4,
        "unit": "kg",
        "qualifier": "more_than",
        "low": None,
        "high": None,
        "text": None,
    }
    # JSON numbers are read as exact decimals, never floats.
    record = loads(json.dumps(data), Seizure)
    assert record.quantity is not None
    assert str(record.quantity.magnitude) == "0.4"


@given(st.decimals(allow_nan=False, allow_infinity=False))
@example(Decimal("1.20E-7"))
@example(Decimal("1234567890123456789012345678.901234567"))  # more digits than the context's
@example(Decimal("-0E-9"))
def test_decimal_text_is_plain_exact_and_short(value: Decimal) -> None:
    text = decimal_text(value)
    assert re.fullmatch(r"-?\d+(\.\d*[1-9])?", text), text  # what sahel schema allows
    assert Decimal(text) == value


def test_entity_json_writes_no_exponent() -> None:
    # A register's 0.00000012 kg came back as "1.20E-7", refused by the entity's own schema.
    amount = Amount(Decimal("1.20E-7"), "kg")
    data = unstructure(Seizure(id="a", drug="cocaine", quantity=amount))
    assert data["quantity"]["magnitude"] == "0.00000012"


def test_every_bad_field_is_listed_with_its_path() -> None:
    bad = unstructure(Seizure(id="a", drug="cocaine"))
    bad["quantity"] = {
        "magnitude": "-3",
        "unit": "kg",
        "qualifier": "exact",
        "low": None,
        "high": None,
        "text": None,
    }
    bad["place"] = {"country": "XYZ", "locality": None}
    bad["agency"] = 5
    bad["sources"] = [{"file": "a.csv"}, {"file": "b.csv", "row": "x"}]
    bad["colour"] = "red"
    with pytest.raises(StructureError) as info:
        structure(bad, Seizure)
    paths = {path for path, _, _ in info.value.errors}
    assert paths == {
        "$.quantity.magnitude",
        "$.place.country",
        "$.agency",
        "$.sources[1].row",
        "$.colour",
    }
    assert ("$.place.country", "not an ISO 3166 alpha-3 country code", "XYZ") in (info.value.errors)


def test_strings_are_not_lists() -> None:
    with pytest.raises(StructureError, match=r"\$\.agencies"):
        structure({"id": "a", "agencies": "OCS"}, Operation)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text() | st.floats(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_fuzzed_json_raises_only_structure_errors(data: Any) -> None:
    try:
        structure(data, Seizure)
    except SahelError as exc:
        assert isinstance(exc, StructureError)


@given(st.binary(max_size=200))
def test_fuzzed_json_text(text: bytes) -> None:
    with contextlib.suppress(StructureError):
        loads(text, list[Seizure])
