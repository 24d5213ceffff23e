"""JSON ⇄ entity round-trips, and structuring errors that list every bad field."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sahel_core.entities import Operation, Seizure
from sahel_core.errors import SahelError, StructureError
from sahel_core.serialization import dumps, loads, structure, unstructure
from sahel_core.testing import entities, seizures


@given(entities())
def test_json_round_trip(record: Any) -> None:
    assert loads(dumps(record), type(record)) == record


@given(st.lists(seizures(), max_size=4))
def test_lists_round_trip(records: list[Seizure]) -> None:
    assert loads(dumps(records), list[Seizure]) == records


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
