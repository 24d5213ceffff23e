"""Canonical tables: schemas follow the entities; table ⇄ entity is lossless."""

from __future__ import annotations

import datetime as dt
from decimal import Context, Decimal, localcontext
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sahel_core.entities import ENTITY_TYPES, Operation, Seizure
from sahel_core.errors import ReferenceNotFound, StructureError, ValidationError
from sahel_core.money import Money
from sahel_core.qualifiers import MAX_DECIMAL_PLACES, MAX_MAGNITUDE
from sahel_core.quantities import Amount
from sahel_core.tables import _unflatten, entity_type, from_entities, schema, to_entities
from sahel_core.testing import entity_strategies


@pytest.mark.parametrize("name", sorted(set(entity_strategies())))
def test_round_trip_per_entity(name: str) -> None:
    @given(st.lists(entity_strategies()[name], max_size=5))
    def check(records: list[Any]) -> None:
        table = from_entities(records, name)
        assert dict(table.schema) == schema(name)
        assert list(to_entities(table, name)) == records

    check()


def test_seizure_columns_are_documented_names() -> None:
    columns = list(schema("seizure"))
    for expected in (
        "id",
        "date",
        "date_earliest",
        "date_latest",
        "country",
        "locality",
        "drug",
        "quantity",
        "quantity_unit",
        "quantity_qualifier",
        "quantity_low",
        "quantity_high",
        "value",
        "value_currency",
        "agency",
        "operation",
        "sources",
    ):
        assert expected in columns
    assert schema("seizure")["value"] == pl.Decimal(38, 9)


def test_every_entity_has_a_schema() -> None:
    for name in ENTITY_TYPES:
        assert schema(name)


def test_empty_and_mixed_inputs() -> None:
    assert from_entities([], "workshop").height == 0
    with pytest.raises(ValidationError):
        from_entities([])
    with pytest.raises(ReferenceNotFound):
        schema("raid")


def test_a_non_canonical_table_is_refused_with_the_missing_columns() -> None:
    with pytest.raises(StructureError, match=r"\$\.drug"):
        list(to_entities(pl.DataFrame({"id": ["a"]}), Seizure))


def test_a_bad_row_names_its_row() -> None:
    table = from_entities([Seizure(id="a", drug="cocaine"), Seizure(id="b", drug="heroin")])
    table = table.with_columns(
        pl.when(pl.col("id") == "b")
        .then(pl.lit("ZZZ"))
        .otherwise(pl.col("country"))
        .alias("country")
    )
    records = to_entities(table, "seizure")
    assert next(records).id == "a"
    with pytest.raises(ValidationError, match="row 2"):
        next(records)


# -- the bulk path against the validating constructors ----------------------------------------

_BLANKS = [None, "", " ", "\x1c", "\u3000"]  # all refused where text is required
_TEXTS = ["é", " a ", "t", "tablet", "barrels", "approx", "range", "roughly", "mli", "ZZZ", "euro"]
_POOLS: dict[Any, list[Any]] = {
    pl.String: _BLANKS + _TEXTS,
    pl.Decimal: [None, Decimal(0), Decimal(-1), Decimal("0.5"), Decimal(5), Decimal("1e20")],
    pl.Date: [None, dt.date(1990, 1, 1), dt.date(2016, 5, 1), dt.date(2030, 12, 31)],
    pl.Int64: [None, -1, 0, 3],
}


def _pool(dtype: pl.DataType) -> list[Any]:
    """Values a column of ``dtype`` may hold, good and bad for the model (lists: whole)."""
    if isinstance(dtype, pl.List):
        return [None, [], *([v] for v in _pool(dtype.inner)[:3])]
    if isinstance(dtype, pl.Struct):
        return [None, dict.fromkeys(f.name for f in dtype.fields)]
    return _POOLS[dtype.base_type()]


def _listed(columns: dict[str, pl.DataType]) -> list[str]:
    """The columns holding lists of records (sources, stated values...)."""
    return [c for c, t in columns.items() if isinstance(t, pl.List) and t.inner.is_nested()]


def _assert_bulk_path_agrees(table: pl.DataFrame, name: str) -> None:
    """Every row of ``table`` the model accepts comes out of :func:`to_entities` as the
    validating constructors build it (to the Decimal exponent: same repr); every other row
    raises what they raise."""
    expected: list[Any] = []
    for row in table.iter_rows(named=True):
        try:
            expected.append(_unflatten(entity_type(name), row))
        except Exception as exc:  # the bulk path must raise it too
            expected.append(exc)
    start = 0
    while start < table.height:  # up to the next refused row, then on from the row after
        end = next((i for i in range(start, table.height) if isinstance(expected[i], Exception)),
                   table.height - 1)  # fmt: skip
        built = to_entities(table.slice(start, end - start + 1), name)
        for wanted in expected[start : end + 1]:
            if isinstance(wanted, Exception):
                with pytest.raises(type(wanted)) as raised:
                    next(built)
                assert getattr(raised.value, "message", None) == getattr(wanted, "message", None)
            else:
                assert repr(next(built)) == repr(wanted)
        start = end + 1


def _single_damages(record: Any) -> pl.DataFrame:
    """``record``'s row, then one row per damage: each pool value in each column, and in
    each field of the first record of each list of records."""
    good = from_entities([record]).to_dicts()[0]
    columns = schema(type(record))
    rows = [good]
    for column, dtype in columns.items():
        rows += [good | {column: value} for value in _pool(dtype)]
    for column in _listed(columns):
        for field in columns[column].inner.fields if good[column] else ():  # type: ignore[attr-defined]
            rows += [
                good | {column: [good[column][0] | {field.name: value}, *good[column][1:]]}
                for value in _pool(field.dtype)
            ]
    return pl.DataFrame(rows, schema=columns)


@pytest.mark.parametrize("name", sorted(set(entity_strategies())))
def test_the_bulk_path_gives_what_the_constructors_give(name: str) -> None:
    columns = schema(name)

    @settings(max_examples=20, deadline=None)
    @given(st.lists(entity_strategies()[name], min_size=1, max_size=6), st.data())
    def several(records: list[Any], data: st.DataObject) -> None:
        rows = from_entities(records, name).to_dicts()
        for _ in range(data.draw(st.integers(0, 4))):
            column = data.draw(st.sampled_from(sorted(columns)))
            value = data.draw(st.sampled_from(_pool(columns[column])))
            data.draw(st.sampled_from(rows))[column] = value
        _assert_bulk_path_agrees(pl.DataFrame(rows, schema=columns), name)

    @settings(max_examples=1, deadline=None)
    @given(entity_strategies()[name])
    def each(record: Any) -> None:
        _assert_bulk_path_agrees(_single_damages(record), name)

    several()
    each()


def test_every_single_damage_to_a_complete_seizure() -> None:
    from sahel_core.dates import parse_date
    from sahel_core.entities import Place, SourceRef
    from sahel_core.money import Money

    complete = Seizure(
        id="s1",
        drug="cocaine",
        quantity=Amount(Decimal("16.5"), "kg", "approx"),
        packaging=Amount(Decimal(170), "carton"),
        value=Money(Decimal(13_000_000), "XOF", "more_than"),
        stated_values=(Money(Decimal(20_000), "USD", "approx"),),
        date=parse_date("May 2016"),
        place=Place("MLI", "Bamako"),
        agency="OCS",
        operation="op1",
        drug_text="cocaïne",
        sources=(SourceRef(file="x.csv", row=2, start=5, end=9, quote="16,5 kg"),),
    )
    _assert_bulk_path_agrees(_single_damages(complete), "seizure")


def test_a_table_with_other_column_types_is_built_by_the_constructors() -> None:
    record = Seizure(id="a", drug="cocaine", quantity=Amount(Decimal("1.5"), "kg", "approx"))
    table = from_entities([record])
    figures = pl.col("quantity", "quantity_low", "quantity_high")
    three_places = table.with_columns(figures.cast(pl.Decimal(20, 3)))
    assert list(to_entities(three_places, "seizure")) == [record]
    floats = table.with_columns(pl.col("quantity").cast(pl.Float64))  # the model refuses floats
    with pytest.raises(ValidationError, match="row 1"):
        list(to_entities(floats, "seizure"))


_WHOLE_DIGITS = MAX_MAGNITUDE.adjusted()  # 29: figures stay below 1e29


@st.composite
def _spellings(draw: st.DrawFn) -> Decimal:
    """A figure the tables hold, spelled with any exponent: 5E+18, 0.50000000000000000000..."""
    whole = draw(st.integers(0, 10 ** draw(st.integers(0, _WHOLE_DIGITS)) - 1))
    fraction = draw(st.integers(0, 10**MAX_DECIMAL_PLACES - 1))
    value = Decimal(f"{whole}.{fraction:0{MAX_DECIMAL_PLACES}}")
    with localcontext(Context(prec=80)):
        sign, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    zeros = draw(st.integers(0, 20))
    return Decimal((sign, (*digits, *(0,) * zeros), exponent - zeros))


@given(st.lists(_spellings(), min_size=1, max_size=4), st.lists(_spellings(), max_size=2))
def test_money_in_lists_survives_the_table_whatever_its_spelling(
    funding: list[Decimal], stated: list[Decimal]
) -> None:
    # polars once typed a list of structs by its widest decimal and nulled what did not fit.
    operation = Operation(id="op1", funding=tuple(Money(a, "XOF") for a in funding))
    seizure = Seizure(id="s1", drug="cocaine", stated_values=tuple(Money(a, "USD") for a in stated))
    assert list(to_entities(from_entities([operation]), Operation)) == [operation]
    assert list(to_entities(from_entities([seizure]), Seizure)) == [seizure]


def test_a_tiny_and_a_huge_amount_share_a_list() -> None:
    funding = (Money(Decimal("0.50000000000000000000"), "XOF"), Money(Decimal("5E+18"), "XOF"))
    table = from_entities([Operation(id="op1", funding=funding)])
    assert [m["amount"] for m in table["funding"][0]] == [Decimal("0.5"), Decimal("5E+18")]
