"""The bulk paths give what the validating model gives, row for row.

Normalization reads canonical-layout figures without Python and materialization assembles
entities after bulk checks; both must agree exactly with the attrs constructors, including on
the rows those refuse.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sahel_core.entities import Seizure, SourceRef
from sahel_core.errors import SahelError, ValidationError
from sahel_core.io import read, write
from sahel_core.materialize import _CHUNK
from sahel_core.money import Money
from sahel_core.normalize import blank_to_null, normalize
from sahel_core.quantities import Amount
from sahel_core.specs import ReadOptions
from sahel_core.tables import _unflatten, from_entities, schema, to_entities

QUALIFIERS = ["exact", "approx", "at_least", "more_than", "at_most", "less_than", "range"]
NUMBERS = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False).map(str),
    st.sampled_from(["0", "-5", "1e3", "2,5", "0.0000000015", "99999999999999999.5", " 7 "]),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            NUMBERS,
            st.sampled_from(["kg", "g", "t", "tablet", "barrels", None]),
            st.one_of(st.none(), st.sampled_from([*QUALIFIERS, "roughly", " approx "])),
            NUMBERS,
            NUMBERS,
        ),
        min_size=1,
        max_size=12,
    )
)
def test_canonical_figures_read_as_the_amount_constructor_reads_them(rows: list[Any]) -> None:
    raw = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(rows))],
            "drug": ["cocaine"] * len(rows),
            "quantity": [r[0] for r in rows],
            "quantity_unit": [r[1] for r in rows],
            "quantity_qualifier": [r[2] for r in rows],
            "quantity_low": [r[3] for r in rows],
            "quantity_high": [r[4] for r in rows],
        },
        schema=dict.fromkeys(
            ["id", "drug", "quantity", "quantity_unit", "quantity_qualifier", "quantity_low",
             "quantity_high"],
            pl.String,
        ),
    )  # fmt: skip
    table, rejections = normalize(raw, "seizure", source="x.csv", locale="en")
    assert table.height + len(rejections) == raw.height
    refused = {r.row for r in rejections}
    accepted = iter(table.iter_rows(named=True))
    for number, (magnitude, unit, qualifier, low, high) in enumerate(rows, start=2):
        try:
            expected = None if magnitude is None else _amount(magnitude, unit, qualifier, low, high)
        except SahelError:
            assert number in refused
            continue
        if number in refused:  # refused for another reason: only the figure is compared
            continue
        row = next(accepted)
        if expected is None:
            assert row["quantity"] is None
            continue
        assert (row["quantity"], row["quantity_unit"], row["quantity_qualifier"]) == (
            expected.magnitude,
            expected.unit,
            expected.qualifier.value,
        )
        assert (row["quantity_low"], row["quantity_high"]) == (expected.low, expected.high)


def _amount(magnitude: str, unit: Any, qualifier: Any, low: Any, high: Any) -> Amount | None:
    """What the model makes of the cells, as a careful reader would feed them."""
    from sahel_core.numbers import parse_number
    from sahel_core.quantities import parse_amount

    if not magnitude.strip():
        return None
    if qualifier is None or not qualifier.strip():
        return parse_amount(magnitude.strip(), unit=unit, locale="en")
    return Amount(
        parse_number(magnitude.strip(), locale="en"),
        unit,
        qualifier.strip(),
        None if low is None or not low.strip() else parse_number(low.strip(), locale="en"),
        None if high is None or not high.strip() else parse_number(high.strip(), locale="en"),
    )


def test_currency_words_that_depend_on_the_row_are_read_per_row() -> None:
    raw = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "drug": ["cocaine"] * 4,
            "value": ["100", "100", "100", "100"],
            "value_currency": ["FCFA", "FCFA", "ouguiya", "EUR"],
            "country": ["MLI", "TCD", "MRT", "MLI"],
            "date": ["2016-05-01", "2016-05-01", "2019-01-01", "2016-05-01"],
        }
    )
    table, rejections = normalize(raw, "seizure", source="x.csv")
    assert rejections == []
    assert table["value_currency"].to_list() == ["XOF", "XAF", "MRU", "EUR"]


def test_a_table_sahel_core_wrote_reads_back_with_three_decimals(tmp_path: Path) -> None:
    record = Seizure(
        id="a",
        drug="cocaine",
        quantity=Amount(Decimal("16.134"), "kg", "approx"),
        value=Money(Decimal("1.500"), "EUR"),
    )
    path = tmp_path / "seizures.csv"
    write(from_entities([record]), path, "seizure")
    result = read(path)
    assert result.rejections == []
    assert list(to_entities(result.tables["seizure"], "seizure")) == [record]


def test_blank_cells_become_null_and_clean_columns_are_not_copied() -> None:
    frame = pl.DataFrame({"a": ["x", " ", "", None], "b": ["1", "2", "3", "4"]})
    cleaned = blank_to_null(frame)
    assert cleaned["a"].to_list() == ["x", None, None, None]
    assert cleaned["b"].to_list() == ["1", "2", "3", "4"]


def test_every_cell_python_strips_blank_passes_the_cheap_blank_test() -> None:
    # blank_to_null strips only the cells _may_be_blank lets through: it must let through
    # every character that str.strip() (the model's test of blank text) removes, in every
    # position of a blank cell.
    from sahel_core.normalize import WHITESPACE, _may_be_blank

    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    assert "".join(c for c in chars if c.isspace()) == WHITESPACE
    frame = pl.DataFrame({"c": chars}).filter(pl.col("c").str.strip_chars(WHITESPACE) == "")
    assert frame.height == len(WHITESPACE)
    longer = frame.select(pl.col("c") + pl.col("c").reverse() + " ")
    for cells in (frame, longer, pl.DataFrame({"c": [""]})):
        assert cells.select(_may_be_blank(pl.col("c")).all()).item()
    assert blank_to_null(frame)["c"].null_count() == frame.height


def test_a_generated_register_reads_with_exact_accounting(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from generate import generate

    path = tmp_path / "register.csv"
    generate(2000, seed=3).write_csv(path)
    result = read(path, options=ReadOptions(entity="seizure", locale="en"))
    assert result.read == 2000
    assert result.tables["seizure"].height + len(result.rejections) == 2000
    assert len(result.rejections) == 20  # the generator's 1 %: every bad row, nothing else
    assert {r.row for r in result.rejections} <= set(range(2, 2002))


def test_the_benchmark_peer_and_the_library_agree_on_a_small_register(tmp_path: Path) -> None:
    """The figures ``make bench`` compares, on 3,000 rows: a change to the package data or to
    the rules must show here, not only in a benchmark run."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import run
    from generate import generate

    path = tmp_path / "register.csv"
    generate(3000, seed=5).write_csv(path)
    peer, library = run.peer(path), run.library(path)
    assert peer["groups"] and run.compare(peer["groups"], library["groups"]) == []
    assert peer["accepted"] == library["accepted"] == 3000 - library["rejected"]
    # The report's CPU columns: each side's CPU time over its own measured interval.
    assert peer["cpu_seconds"] > 0 and library["cpu_seconds"] > 0


def test_the_benchmark_growth_measures_run_on_small_inputs(tmp_path: Path) -> None:
    """``make bench``'s growth rows (reconcile of a register and its copy, a sentence
    without a full stop), on inputs small enough for the test suite."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import run
    from generate import generate

    path = tmp_path / "register.csv"
    generate(600, seed=11).write_csv(path)
    merged = run.reconcile_registers(path)
    # Every record is reported twice, by two sources: each pair is one event.
    assert merged["events"] * 2 == merged["records"] == 2 * (600 - 6)
    assert not (tmp_path / "copy_register.csv").exists()
    text = run.run_on(30)
    assert text["records"] >= 30 and text["seconds"] > 0


# -- materialization ---------------------------------------------------------------------------


def _seizures(count: int) -> list[Seizure]:
    return [
        Seizure(
            id=f"s{i}",
            drug="cannabis_resin",
            quantity=Amount(Decimal(i) / 8, "kg", "approx" if i % 3 else "exact"),
            value=Money(Decimal(i * 10), "XOF", "more_than") if i % 2 else None,
            sources=(SourceRef(file="register.csv", row=i + 2),),
        )
        for i in range(count)
    ]


def test_materializing_many_rows_gives_the_records_back() -> None:
    records = _seizures(_CHUNK * 2 + 100)  # two batches, the second with the short tail
    assert list(to_entities(from_entities(records), Seizure)) == records


BREAKAGES = [
    ("quantity_low", pl.lit(Decimal("999999"))),  # low above the magnitude
    ("quantity_unit", pl.lit("barrels")),
    ("quantity_qualifier", pl.lit("roughly")),
    ("quantity_low", pl.lit(None, pl.Decimal(38, 9))),  # both bounds gone: defaults again
    ("value_currency", pl.lit("euro")),
    ("date_latest", pl.lit(dt.date(1990, 1, 1))),
    ("id", pl.lit("  ")),
    ("country", pl.lit("ZZZ")),
    ("sources", pl.lit(None)),  # set below: a source whose file is blank
]


@pytest.mark.parametrize(("column", "value"), BREAKAGES)
def test_a_row_the_checks_refuse_raises_what_the_model_raises(column: str, value: pl.Expr) -> None:
    records = [
        *_seizures(_CHUNK * 3 // 2 + 3),
        Seizure(
            id="dated",
            drug="cocaine",
            quantity=Amount(Decimal(5), "kg"),
            value=Money(Decimal(7), "EUR"),
            date=__import__("sahel_core.dates", fromlist=["parse_date"]).parse_date("2016"),
        ),
    ]
    table = from_entities(records)
    bad = table.height - 1  # in the second batch
    if column == "sources":
        blank = ("url", "line", "start", "end", "quote", "published", "retrieved", "note")
        source = dict.fromkeys(blank) | {"file": " ", "row": 3}
        value = pl.lit(pl.Series([[source]], dtype=table.schema["sources"]))
    broken = table.with_columns(
        pl.when(pl.int_range(pl.len()) == bad)
        .then(value.cast(table.schema[column]))
        .otherwise(pl.col(column))
        .alias(column)
    )
    expected: SahelError | Seizure
    try:
        expected = _unflatten(Seizure, broken.row(bad, named=True))
    except SahelError as exc:
        expected = exc
    found = to_entities(broken, Seizure)
    assert [next(found) for _ in range(bad)] == records[:bad]
    if isinstance(expected, Seizure):  # a change the model accepts (bounds filled again)
        assert next(found) == expected
        return
    with pytest.raises(type(expected)) as raised:
        next(found)
    assert raised.value.message == expected.message
    if isinstance(expected, ValidationError):  # located at its row; other errors pass as raised
        assert f"row {bad + 1}" in str(raised.value)


def test_an_empty_table_gives_no_records() -> None:
    empty = pl.DataFrame(schema=schema("seizure"))
    assert list(to_entities(empty, "seizure")) == []


def test_the_indicators_command_reads_numbers_in_the_locale_given(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from sahel_core.cli import app

    path = tmp_path / "register.csv"
    path.write_text(
        "id,drug,quantity,quantity_unit,country,date\n"
        "a,cocaine,1.500,kg,MLI,2016-05-01\nb,cocaine,2.250,t,MLI,2016-06-01\n",
        encoding="utf-8",
    )
    command = ["indicators", str(path), "-i", "seized_mass", "-b", "country", "--json"]
    english = CliRunner().invoke(app, [*command, "--locale", "en"])
    assert english.exit_code == 0, english.output
    assert json.loads(english.stdout)[0]["kg"] == "2251.5"
    french = CliRunner().invoke(app, [*command, "--locale", "fr"])
    assert json.loads(french.stdout)[0]["kg"] == "2251500"  # "1.500" is 1500 in French
    unknown = CliRunner().invoke(app, [*command, "--locale", "xx-nope"])
    assert unknown.exit_code == 2
    assert "--locale" not in english.stderr
    # Without a locale both figures read two ways: left out, and the option that settles it named.
    neither = CliRunner().invoke(app, command)
    assert (neither.exit_code, json.loads(neither.stdout)) == (0, [])
    assert "2 of them for numbers that read two ways, such as '1.500': --locale en" in (
        neither.stderr
    )
