"""Canonical tables: schemas follow the entities; table ⇄ entity is lossless."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sahel_core.entities import ENTITY_TYPES, Seizure
from sahel_core.errors import ReferenceNotFound, StructureError, ValidationError
from sahel_core.tables import from_entities, schema, to_entities
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
