"""The pieces of the bulk materialization path (sahel_core.materialize) against plain polars.

End-to-end agreement with the validating constructors is in test_tables and test_bulk_path;
here each shortcut is checked on its own, over the whole range of its input.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sahel_core.entities import Seizure
from sahel_core.materialize import (
    _BY_CONSTRUCTION,
    _CHUNK,
    _TEXT,
    _TYPE,
    _Chunk,
    _python,
    _qualname,
    _slices,
)
from sahel_core.tables import DECIMAL_PRECISION, DECIMAL_SCALE

CANONICAL = pl.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE)
# Every value a canonical Decimal column holds: 29 digits before the point, 9 after, either
# sign; past the 64-bit range of its integers too.
DECIMALS = st.one_of(
    st.none(),
    st.integers(-(10**38) + 1, 10**38 - 1).map(lambda n: Decimal(f"{n}E-{DECIMAL_SCALE}")),
    st.decimals(min_value=-(10**6), max_value=10**6, places=DECIMAL_SCALE),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(DECIMALS, max_size=20))
def test_decimals_are_read_as_polars_reads_them(values: list[Decimal | None]) -> None:
    column = pl.Series(values, dtype=CANONICAL)
    # Same repr: the same value and the same exponent (Decimal("1.500000000")).
    assert list(map(repr, _python(column))) == list(map(repr, column.to_list()))


@given(st.integers(0, 20 * _CHUNK))
def test_slices_cover_a_table_once_without_a_short_tail(height: int) -> None:
    slices = _slices(height)
    ends = [offset + length for offset, length in slices]
    assert [offset for offset, _ in slices] == [0, *ends][: len(slices)]  # one after another
    assert ends[-1:] == ([height] if height else [])
    assert all(n == _CHUNK for _, n in slices[:-1])
    if len(slices) > 1:
        assert _CHUNK // 2 <= slices[-1][1] < _CHUNK + _CHUNK // 2


PLACES = st.tuples(
    st.one_of(st.none(), st.sampled_from(["MLI", "NER", "SEN"])),
    st.one_of(st.none(), st.sampled_from(["Bamako", "Niamey", " "])),
)


@given(st.lists(PLACES, min_size=1, max_size=40))
def test_each_distinct_combination_is_made_once_and_shared(rows: list[tuple[Any, Any]]) -> None:
    frame = pl.DataFrame(rows, schema={"country": pl.String, "locality": pl.String}, orient="row")
    made: list[tuple[Any, Any]] = []

    def make(countries: list[Any], localities: list[Any]) -> list[Any]:
        made.extend(zip(countries, localities, strict=True))
        return [[pair] for pair in zip(countries, localities, strict=True)]  # one object each

    values = _Chunk(Seizure, frame).distinct(["country", "locality"], make)
    assert sorted(made, key=repr) == sorted(set(rows), key=repr)  # each combination once
    assert [value[0] for value in values] == rows  # each row gets its combination's value
    shared = {row: id(value) for row, value in zip(rows, values, strict=True)}
    assert all(id(value) == shared[row] for row, value in zip(rows, values, strict=True))


# Scaled by 10**9, the largest figure a 64-bit integer holds, and the next one.
LIMIT = Decimal(2**63 - 1).scaleb(-DECIMAL_SCALE)
WIDE = st.sampled_from([LIMIT, LIMIT + Decimal("1E-9"), Decimal("9E+28"), Decimal("0.5")])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(WIDE, WIDE, st.booleans()), min_size=1, max_size=6))
def test_figures_past_64_bits_are_read_whole(figures: list[tuple[Decimal, Decimal, bool]]) -> None:
    from sahel_core.money import Money
    from sahel_core.quantities import Amount
    from sahel_core.tables import _unflatten, from_entities, to_entities

    records = [
        Seizure(
            id=f"s{i}",
            drug="cocaine",
            quantity=Amount(max(a, b), "kg", "at_least", min(a, b)) if ranged else None,
            value=Money(a, "XOF", "approx"),
        )
        for i, (a, b, ranged) in enumerate(figures)
    ]
    table = from_entities(records)
    expected = [repr(_unflatten(Seizure, row)) for row in table.iter_rows(named=True)]
    assert [repr(record) for record in to_entities(table, Seizure)] == expected


def test_the_bulk_path_knows_every_text_and_type_check_of_the_entities() -> None:
    # The bulk path clears a column of text at once by the name of its validator: when the
    # entities' text check moved to qualifiers.text_check, every text field went back to one
    # validator call per distinct value (10k seizures: 31 ms became 35 ms) without a test
    # failing.
    import attrs

    from sahel_core.entities import ENTITY_TYPES

    known = {_TEXT, _TYPE, *_BY_CONSTRUCTION}
    for cls in ENTITY_TYPES.values():
        for field in attrs.fields(cls):
            hint = str(field.type)
            if field.validator is not None and ("str" in hint and "tuple" not in hint):
                assert _qualname(field.validator) in known, (cls.__name__, field.name)
