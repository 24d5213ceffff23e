"""compute_many: several indicators over one table, two at a time, as compute gives each."""

from __future__ import annotations

import decimal
import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sahel_core import Money, Place, Seizure, parse_date
from sahel_core._threads import in_threads
from sahel_core.errors import RateNotFound, ReferenceNotFound, ValidationError
from sahel_core.indicators import compute, compute_many, share_params
from sahel_core.plugins import get_manager
from sahel_core.tables import from_entities
from sahel_core.testing import seizures

KEYS = ["country", "drug", "year"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(seizures(), max_size=12, unique_by=lambda s: s.id))
def test_each_result_is_what_compute_gives(records: list[Seizure]) -> None:
    table = from_entities(records, "seizure")
    try:
        expected = {
            "seized_mass": compute("seized_mass", table, KEYS),
            "seized_value": compute(
                "seized_value", table, KEYS, currency="EUR", skip_unconverted=True
            ),
            "seizure_count": compute("seizure_count", table, KEYS),
        }
    except ValidationError:  # figures too large to add up: compute_many raises it too
        with pytest.raises(ValidationError):
            compute_many(list(expected), table, KEYS, currency="EUR", skip_unconverted=True)
        return
    found = compute_many(
        ["seized_mass", "seized_value", "seizure_count"],
        table,
        KEYS,
        currency="EUR",
        skip_unconverted=True,
    )
    assert list(found) == list(expected)
    for name, frame in expected.items():
        assert found[name].equals(frame), name


def test_each_parameter_goes_to_the_indicators_that_declare_it() -> None:
    specs = [get_manager().indicator(n) for n in ("seized_mass", "seized_value")]
    assert share_params(specs, {"currency": "USD"}) == [{}, {"currency": "USD"}]
    with pytest.raises(ValidationError) as nobody:
        share_params(specs, {"colour": "red"})
    assert nobody.value.field == "colour"
    # One indicator gets every parameter: compute names the one it does not have.
    assert share_params(specs[:1], {"colour": "red"}) == [{"colour": "red"}]


def test_everything_is_checked_before_anything_runs() -> None:
    table = from_entities([Seizure("a", "cocaine", value=Money("10", "EUR"))], "seizure")
    with pytest.raises(ValidationError) as bad_key:
        compute_many(["seizure_count", "seized_value"], table, ["planet"], currency="USD")
    assert bad_key.value.field == "by"
    with pytest.raises(ValidationError) as bad_value:
        compute_many(["seized_mass", "seized_value"], table, currency="dollars")
    assert bad_value.value.field == "currency"
    with pytest.raises(ReferenceNotFound):
        compute_many(["seized_mass", "seized_volume"], table)


def test_the_first_failure_in_the_order_given_is_raised() -> None:
    # A value in a currency without rates fails seized_value.
    table = from_entities(
        [
            Seizure(
                "a",
                "cocaine",
                value=Money("10", "XAU"),
                date=parse_date("2016-05-02"),
                place=Place("MLI"),
            )
        ],
        "seizure",
    )
    with pytest.raises(RateNotFound):
        compute_many(["seizure_count", "seized_value"], table, currency="USD")
    found = compute_many(["seizure_count"], table, ["country"])
    assert list(found) == ["seizure_count"] and found["seizure_count"]["records"][0] == 1


def test_names_are_a_list_of_distinct_names() -> None:
    table = from_entities([Seizure("a", "cocaine")], "seizure")
    with pytest.raises(ValidationError) as text:
        compute_many("seized_mass", table)  # type: ignore[arg-type]  # a slip: one name
    assert text.value.field == "names"
    with pytest.raises(ValidationError, match="'seizure_count' is given twice"):
        compute_many(["seizure_count", "seized_mass", "seizure_count"], table)


def test_the_calls_run_in_the_callers_decimal_context_and_keep_their_order() -> None:
    # Each runs in a copy of the caller's context (a thread starts with the default one), as
    # it would run in the caller's thread; results come in the order given.
    def precision(n: int) -> tuple[int, int]:
        return n, decimal.getcontext().prec

    calls = [functools.partial(precision, n) for n in range(5)]
    with decimal.localcontext(prec=50):
        assert in_threads(calls) == [(n, 50) for n in range(5)]
