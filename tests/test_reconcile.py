"""Reconciliation: the same seizure reported twice is one event; conflicts are reported."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sahel_core import Amount, Money, PartialDate, Place, Seizure, SourceRef
from sahel_core.cli import app
from sahel_core.errors import SahelError, StructureError, ValidationError
from sahel_core.indicators import compute
from sahel_core.io import write
from sahel_core.quantities import format_amount, parse_amount
from sahel_core.reconcile import Reconciled, reconcile
from sahel_core.tables import from_entities, to_entities
from sahel_core.testing import seizures as seizure_strategy

D = Decimal
PAGE_001 = SourceRef(
    url="https://www.unodc.org/westandcentralafrica/en/001.html",
    quote="confiscating more than 2.7 tons of cannabis in Bamako",
)
PAGE_004 = SourceRef(
    url="https://www.unodc.org/westandcentralafrica/en/004.html",
    quote="the unprecedented seizure of 2.7 tons of cannabis seized in Bamako",
)


def month(year: int, number: int, text: str | None = None) -> PartialDate:
    end = dt.date(year + number // 12, number % 12 + 1, 1) - dt.timedelta(days=1)
    return PartialDate(dt.date(year, number, 1), end, text)


def cannabis(
    ident: str,
    quantity: Amount,
    date: PartialDate | None,
    source: SourceRef,
    locality: str | None = "Bamako",
    country: str = "MLI",
    drug: str = "cannabis_herb",
) -> Seizure:
    return Seizure(
        ident, drug, quantity, date=date, place=Place(country, locality), sources=(source,)
    )


def seed_pair() -> list[Seizure]:
    """The seed example: page 001 says May 2016, page 004 says May 2015."""
    return [
        cannabis(
            "001:s1",
            Amount("2.7", "t", "more_than", text="more than 2.7 tons"),
            month(2016, 5, "May 2016"),
            PAGE_001,
        ),
        cannabis(
            "004:s1", Amount("2.7", "t", text="2.7 tons"), month(2015, 5, "May 2015"), PAGE_004
        ),
    ]


def test_the_seed_seizure_is_one_event_with_its_conflicts() -> None:
    result = reconcile(from_entities(seed_pair()))
    assert result.table.height == 1
    event = result.table.row(0, named=True)
    # Primary: "2.7 tons" (exact) is narrower than "more than 2.7 tons" (unbounded).
    assert event["id"] == "004:s1"
    assert (event["quantity"], event["quantity_qualifier"]) == (D("2.7"), "exact")
    assert event["date"] == "May 2015"
    # The records by date: the page of May 2015 first.
    assert event["merged_from"] == ["004:s1", "001:s1"]
    assert [s["url"] for s in event["sources"]] == [PAGE_004.url, PAGE_001.url]
    conflicts = result.conflicts
    assert conflicts.columns == ["group", "field", "value", "record_ids", "sources"]
    assert [tuple(r) for r in conflicts.select("field", "value", "record_ids").iter_rows()] == [
        ("quantity", "2.7 tons", ["004:s1"]),
        ("quantity", "more than 2.7 tons", ["001:s1"]),
        ("date", "May 2015", ["004:s1"]),
        ("date", "May 2016", ["001:s1"]),
    ]
    assert set(conflicts["group"]) == {"004:s1"}
    assert conflicts["sources"][3].to_list() == [PAGE_001.url]
    # The merged row is a valid entity.
    (merged,) = to_entities(result.table, "seizure")
    assert len(merged.sources) == 2


def test_the_same_seizure_reported_twice_counts_once() -> None:
    table = from_entities(seed_pair())
    assert compute("seized_mass", table)["kg"][0] == D("5400")
    reconciled = reconcile(table).table
    mass = compute("seized_mass", reconciled)
    assert (mass["kg"][0], mass["records"][0]) == (D("2700"), 1)
    assert sorted(mass["record_ids"][0]) == ["001:s1", "004:s1"]
    assert compute("seizure_count", reconciled)["records"][0] == 1


def test_a_register_row_in_other_units_is_the_same_quantity() -> None:
    register = SourceRef(file="register.csv", row=2)
    records = [
        *seed_pair(),
        cannabis("reg:2", Amount("2700", "kg"), month(2015, 5), register, locality=None),
    ]
    result = reconcile(from_entities(records))
    # By date, then source: both of May 2015, the page's URL before the register's file.
    assert result.table["merged_from"].to_list() == [["004:s1", "reg:2", "001:s1"]]
    quantity = result.conflicts.filter(pl.col("field") == "quantity")
    # 2.7 t and 2700 kg are one value; "more than 2.7 tons" the other.
    assert sorted(quantity["record_ids"].to_list()) == [["001:s1"], ["004:s1", "reg:2"]]


@pytest.mark.parametrize(
    ("other", "why"),
    [
        (cannabis("x", Amount("2.7", "t"), month(2015, 5), PAGE_004, drug="cocaine"), "drug"),
        (
            cannabis(
                "x", Amount("2.7", "t"), month(2015, 5), PAGE_004, country="NER", locality=None
            ),
            "country",
        ),
        (cannabis("x", Amount("2.7", "t"), month(2015, 5), PAGE_004, locality="Mopti"), "locality"),
        (cannabis("x", Amount("3.5", "t"), month(2015, 5), PAGE_004), "quantity"),
        (cannabis("x", Amount("2700", "tablet"), month(2015, 5), PAGE_004), "dimension"),
        (cannabis("x", Amount("2.7", "t"), month(2017, 9), PAGE_004), "date"),
        (cannabis("x", Amount("2.7", "t"), None, PAGE_004), "no date"),
        (
            cannabis("x", Amount("2.7", "t"), PartialDate(dt.date(2014, 1, 1), None), PAGE_004),
            "open date",
        ),
        (cannabis("x", Amount("2.7", "t"), month(2016, 5), PAGE_001), "same source"),
    ],
)
def test_records_that_differ_are_not_grouped(other: Seizure, why: str) -> None:
    first = cannabis("first", Amount("2.7", "t"), month(2016, 5), PAGE_001)
    result = reconcile(from_entities([first, other]))
    assert result.table.height == 2, why
    assert result.conflicts.height == 0


def test_tolerance_and_window_are_options() -> None:
    a = cannabis("a", Amount("2.7", "t"), month(2016, 5), PAGE_001)
    b = cannabis("b", Amount("2.8", "t"), month(2016, 9), PAGE_004)
    table = from_entities([a, b])
    assert reconcile(table).table.height == 1  # 2.8 is within 5 % of 2.7 (widened both ways)
    assert reconcile(table, tolerance="0").table.height == 2
    assert reconcile(table, months=2).table.height == 2  # June to August: 3 months apart


def test_each_record_keeps_its_closest_match_only() -> None:
    page = cannabis("page", Amount("1", "t"), month(2016, 5), PAGE_001)
    register = SourceRef(file="register.csv")
    near = cannabis("near", Amount("1", "t"), month(2016, 5), register)
    far = cannabis("far", Amount("1", "t"), month(2016, 8), register)
    result = reconcile(from_entities([page, far, near]))
    assert sorted(map(sorted, result.table["merged_from"].to_list())) == [
        ["far"],
        ["near", "page"],
    ]


def test_groups_span_sources_transitively() -> None:
    a = cannabis("a", Amount("2", "t"), month(2016, 1), PAGE_001)
    b = cannabis("b", Amount("2", "t"), month(2016, 10), PAGE_004)
    c = cannabis("c", Amount("2", "t"), month(2017, 7), SourceRef(file="c.csv"))
    result = reconcile(from_entities([a, b, c]))
    assert result.table["merged_from"].to_list() == [["a", "b", "c"]]
    dates = result.conflicts.filter(pl.col("field") == "date")["record_ids"].to_list()
    assert dates == [["a"], ["b"], ["c"]]


def test_reconciling_twice_changes_nothing() -> None:
    once = reconcile(from_entities(seed_pair())).table
    twice = reconcile(once)
    assert twice.table.equals(once)
    assert twice.conflicts.height == 0


def test_large_sources_are_matched_against_each_other_only() -> None:
    # Register B repeats register A a year later: each A row pairs with its copy, never with
    # another row of A, although many A rows match each other on drug, country and date.
    base = [
        cannabis(
            f"a{i}",
            Amount(str(100 + i), "kg"),
            month(2016, 1 + i % 12),
            SourceRef(file="a.csv"),
            locality=None,
        )
        for i in range(200)
    ]
    table = from_entities(base)
    copy = table.with_columns(
        (pl.lit("b") + pl.col("id").str.slice(1)).alias("id"),
        pl.col("sources").list.eval(pl.element().struct.with_fields(pl.lit("b.csv").alias("file"))),
    )
    result = reconcile(pl.concat([table, copy]))
    assert result.table.height == 200
    assert all(len(ids) == 2 and ids[0][1:] == ids[1][1:] for ids in result.table["merged_from"])


def test_bad_input_names_the_fault() -> None:
    table = from_entities(seed_pair())
    with pytest.raises(ValidationError) as entity:
        reconcile(table, "workshop")
    assert entity.value.field == "entity"
    with pytest.raises(ValidationError) as months:
        reconcile(table, months=-1)
    assert months.value.field == "months"
    with pytest.raises(ValidationError) as tolerance:
        reconcile(table, tolerance="lots")
    assert tolerance.value.field == "tolerance"
    with pytest.raises(StructureError):
        reconcile(table.drop("quantity_unit"))
    with pytest.raises(ValidationError):
        reconcile([1, 2])  # type: ignore[arg-type]


@settings(max_examples=40)
@given(st.lists(seizure_strategy(), max_size=8), st.integers(0, 24))
def test_no_record_is_lost_and_merged_rows_are_valid(records: list[Seizure], months: int) -> None:
    table = from_entities(records, "seizure")
    try:
        result = reconcile(table, months=months)
    except SahelError:
        return
    merged = [i for ids in result.table["merged_from"] for i in ids]
    assert sorted(merged) == sorted(table["id"])
    assert len(list(to_entities(result.table, "seizure"))) == result.table.height
    assert set(result.conflicts["group"]) <= set(result.table["id"])


# -- CLI ----------------------------------------------------------------------------------------


def test_cli_reconcile_json(tmp_path: Path) -> None:
    first, second = seed_pair()
    page_1, page_4 = tmp_path / "page001.csv", tmp_path / "page004.csv"
    write(from_entities([first]), page_1, "seizure")
    write(from_entities([second]), page_4, "seizure")
    out = CliRunner().invoke(
        app, ["reconcile", str(page_1), str(page_4), "--json", "--out", str(tmp_path / "m.csv")]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert (data["records"], data["events"]) == (2, 1)
    (group,) = data["groups"]
    assert group["merged_from"] == ["004:s1", "001:s1"]
    assert group["sources"] == [PAGE_004.url, PAGE_001.url]
    assert {c["field"] for c in data["conflicts"]} == {"quantity", "date"}
    assert (tmp_path / "m.csv").is_file()
    human = CliRunner().invoke(app, ["reconcile", str(page_1), str(page_4)])
    assert human.exit_code == 0 and "2 records, 1 event: 1 group merges 2 records" in human.stdout


def test_cli_reconcile_reads_numbers_in_the_locale_given(tmp_path: Path) -> None:
    # "2,700" is 2.7 in French and 2700 in English; without --locale it reads two ways.
    header = "id,drug,country,date,quantity,quantity_unit,source\n"
    for name, row in (("fr", 'f1,cannabis,MLI,2016-05-10,"2,700",t,fr.html\n'),
                      ("en", "e1,cannabis,MLI,2016-05-12,2.7,t,en.html\n")):  # fmt: skip
        (tmp_path / f"{name}.csv").write_text(header + row, encoding="utf-8")
    files = [str(tmp_path / "fr.csv"), str(tmp_path / "en.csv")]
    runner = CliRunner()
    guessed = runner.invoke(app, ["reconcile", *files, "--json"])
    assert guessed.exit_code == 0 and json.loads(guessed.stdout)["records"] == 1
    french = runner.invoke(app, ["reconcile", *files, "--json", "--locale", "fr"])
    data = json.loads(french.stdout)
    assert (data["records"], data["events"]) == (2, 1), french.output
    unknown = runner.invoke(app, ["reconcile", *files, "--locale", "xx"])
    assert unknown.exit_code == 2


def test_a_reconciled_table_mixed_with_new_rows_keeps_every_id() -> None:
    once = reconcile(from_entities(seed_pair())).table
    register = cannabis("reg:9", Amount("2.7", "t"), month(2015, 6), SourceRef(file="r.csv"))
    mixed = pl.concat([once, from_entities([register])], how="diagonal")
    assert mixed["merged_from"].null_count() == 1
    assert sorted(compute("seized_mass", mixed)["record_ids"][0]) == ["001:s1", "004:s1", "reg:9"]
    again = reconcile(mixed).table
    # An earlier merge's ids stay together, in their order, dated as its row (May 2015).
    assert again["merged_from"].to_list() == [["004:s1", "001:s1", "reg:9"]]


def test_cli_indicators_on_reconciled_reports(tmp_path: Path) -> None:
    first, second = seed_pair()
    page_1, page_4 = tmp_path / "page001.csv", tmp_path / "page004.csv"
    write(from_entities([first]), page_1, "seizure")
    write(from_entities([second]), page_4, "seizure")
    args = ["indicators", str(page_1), str(page_4), "-i", "seized_mass", "--json"]
    twice = json.loads(CliRunner().invoke(app, args).stdout)
    once = json.loads(CliRunner().invoke(app, [*args, "--reconcile", "--ids"]).stdout)
    assert (twice[0]["kg"], twice[0]["records"]) == ("5400", 2)
    assert (once[0]["kg"], once[0]["records"]) == ("2700", 1)
    assert sorted(once[0]["record_ids"]) == ["001:s1", "004:s1"]


def test_value_on_a_reconciled_table_credits_the_original_records() -> None:
    import datetime as dt

    from sahel_core.dates import PartialDate
    from sahel_core.entities import Place, Seizure, SourceRef
    from sahel_core.indicators import compute
    from sahel_core.money import Money
    from sahel_core.quantities import Amount
    from sahel_core.tables import from_entities

    may = PartialDate(dt.date(2016, 5, 1), dt.date(2016, 5, 31))
    reports = [
        Seizure(id=i, drug="cannabis_herb", quantity=Amount("2.7", "t"),
                value=Money("1000000", "XOF"), date=may, place=Place("MLI", "Bamako"),
                sources=(SourceRef(file=f"page-{i}.txt"),))
        for i in ("a", "b")
    ]  # fmt: skip
    table = reconcile(from_entities(reports)).table
    for name in ("seized_value", "seized_mass"):
        row = compute(name, table, by=["country"]).row(0, named=True)
        assert row["records"] == 1, name
        assert sorted(row["record_ids"]) == ["a", "b"], name


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_merge_provenance_lives_in_memory_only(tmp_path: Path, suffix: str) -> None:
    """``merged_from`` is no canonical column: a written reconciled table keeps the events
    (so counts stay right) but not which reports each merged, as documented in
    Reconciled and in the how-to on indicators."""
    from sahel_core.io import read

    result = reconcile(from_entities(seed_pair()))
    in_memory = compute("seized_mass", result.table)
    assert sorted(in_memory["record_ids"][0]) == ["001:s1", "004:s1"]
    path = tmp_path / f"merged{suffix}"
    write(result.table, path, "seizure")
    back = read(path).tables["seizure"]
    assert "merged_from" not in back.columns
    again = compute("seized_mass", back)
    assert (again["kg"][0], again["records"][0]) == (in_memory["kg"][0], 1)
    assert again["record_ids"][0].to_list() == result.table["id"].to_list()


# --- the candidate pairs against every pair compared one by one -------------------------------

_KEY = st.fixed_dictionaries(
    {
        "drug": st.sampled_from(["cocaine", "cannabis"]),
        "country": st.sampled_from(["MLI", "NER"]),
        "_dimension": st.sampled_from(["mass", "count"]),
        "_locality": st.sampled_from([None, "bamako", "mopti"]),
        "_src": st.sampled_from(["a.csv", "b.csv", "c.txt", "row:9"]),
        "_lo": st.sampled_from([0.0, 0.5, 0.95, 2.0, 2.565, 3.0, 100.0, 2000.0]),
        "_width": st.sampled_from([0.0, 0.1, 1.0, 5.0, 1000.0, float("inf")]),
        "_mid": st.sampled_from([0.0, 0.5, 1.0, 2.7, 3.0, 150.0]),
        "_start": st.integers(16_000, 16_000 + 60),
        "_length": st.sampled_from([0, 0, 1, 30, 365]),
    }
)


def _by_brute_force(rows: list[dict[str, object]], window: int) -> list[tuple[int, int]]:
    """reconcile's module doc, one pair at a time: the rules, then each record's closest match
    per other source, then the pairs that chose each other."""

    def rules(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return (
            all(a[k] == b[k] for k in ("drug", "country", "_dimension"))
            and a["_src"] != b["_src"]
            and a["_start"] <= b["_end"] + window
            and b["_start"] <= a["_end"] + window
            and a["_lo"] <= b["_hi"]
            and b["_lo"] <= a["_hi"]
            and (a["_locality"] is None or b["_locality"] is None
                 or a["_locality"] == b["_locality"])
        )  # fmt: skip

    def distance(a: dict[str, Any], b: dict[str, Any]) -> tuple[float, float, int]:
        gap = max(0, max(a["_start"], b["_start"]) - min(a["_end"], b["_end"]))
        top = max(a["_mid"], b["_mid"])
        far = abs(a["_mid"] - b["_mid"]) / top if top else 0.0
        return gap, far, b["_row"]

    chosen = {}
    for a in rows:
        for source in {b["_src"] for b in rows}:
            candidates = [b for b in rows if b["_src"] == source and rules(a, b)]
            if candidates:
                chosen[a["_row"], source] = min(candidates, key=lambda b: distance(a, b))["_row"]
    return sorted(
        (a, b)
        for (a, _), b in chosen.items()
        if a < b and chosen.get((b, next(r["_src"] for r in rows if r["_row"] == a))) == a
    )


@pytest.mark.parametrize("large", [64, 2])
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_KEY, min_size=2, max_size=14), months=st.sampled_from([0, 1, 2, 12]))
def test_candidate_pairs_are_those_compared_one_by_one(
    large: int, rows: list[dict[str, Any]], months: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocking by time and quantity buckets, each pair found once, is only a faster way to
    # the pairs every rule allows; "large" sources (joined on their own) are tried too. The
    # patch is the same for every example.
    from sahel_core import reconcile as module

    monkeypatch.setattr(module, "_LARGE_SOURCE", large)
    window = math.ceil(months * 365.25 / 12)
    for number, row in enumerate(rows):
        row["_row"] = number
        row["_hi"] = row["_lo"] + row.pop("_width")
        row["_end"] = row["_start"] + row.pop("_length")
    keys = pl.DataFrame(
        rows,
        schema={"_row": pl.UInt32, "drug": pl.String, "country": pl.String,
                "_dimension": pl.String, "_locality": pl.String, "_src": pl.String,
                "_lo": pl.Float64, "_hi": pl.Float64, "_mid": pl.Float64, "_start": pl.Int32,
                "_end": pl.Int32},
    )  # fmt: skip
    found = module._candidate_pairs(keys, window)
    assert found.rows() == _by_brute_force(keys.to_dicts(), window)


# --- one record per source in a group, the same result in any order ---------------------------


def day(year: int, number: int, date: int, text: str | None = None) -> PartialDate:
    return PartialDate(dt.date(year, number, date), dt.date(year, number, date), text)


def test_a_chain_of_matches_never_puts_two_records_of_one_source_together() -> None:
    # Each link is a pair of mutual closest matches, yet Ra and Rb are two rows of one register:
    # the group is built closest pair first and the link that would join them is refused.
    def report(ident: str, date: PartialDate, file: str) -> Seizure:
        return cannabis(ident, Amount("100", "kg"), date, SourceRef(file=file), locality=None)

    records = [
        report("Ra", day(2017, 1, 1), "r2.csv"),
        report("Rb", day(2017, 7, 1), "r2.csv"),
        report("P", day(2017, 3, 1), "p.csv"),
        report("Q", day(2017, 5, 1), "q.csv"),
    ]
    for order in (records, records[::-1]):
        result = reconcile(from_entities(order))
        groups = sorted(sorted(ids) for ids in result.table["merged_from"])
        assert groups == [["P", "Q", "Ra"], ["Rb"]]


def test_equally_precise_reports_merge_alike_in_any_order() -> None:
    # 5 kg and 5.1 kg are both exact, the dates both a day: the ties go to the earliest report,
    # then to the first source by name, never to the first row.
    register = cannabis("R2", Amount("5", "kg"), day(2017, 5, 10), SourceRef(file="reg.csv"))
    press = cannabis("P2", Amount("5.1", "kg"), day(2017, 5, 12), SourceRef(file="press.csv"))
    same_day = attrs.evolve(register, date=press.date)
    for pair, primary in (([register, press], register), ([same_day, press], press)):
        for order in (pair, pair[::-1]):
            (event,) = reconcile(from_entities(order)).table.iter_rows(named=True)
            assert (event["id"], event["quantity"]) == (primary.id, primary.quantity.magnitude)
            assert event["date_earliest"] == primary.date.earliest


def test_each_part_comes_from_the_record_that_states_it_most_precisely() -> None:
    # The page's quantity is exact, the register's date is a day and its value exact: the event
    # keeps each, so it stays in 2016 rather than straddling two years.
    register = Seizure(
        "R", "cannabis_herb", Amount("500", "kg", "approx", text="about 500"),
        value=Money("2000000", "XOF"), date=day(2016, 12, 28), place=Place("MLI"),
        sources=(SourceRef(file="dr.csv"),),
    )  # fmt: skip
    two_months = PartialDate(
        dt.date(2016, 12, 1), dt.date(2017, 1, 31), "December 2016 to January 2017"
    )
    page = Seizure(
        "P", "cannabis_herb", Amount("500", "kg"), value=Money("2000000", "XOF", "approx"),
        date=two_months, place=Place("MLI"), sources=(SourceRef(file="dp.csv"),),
    )  # fmt: skip
    result = reconcile(from_entities([register, page]))
    (event,) = result.table.iter_rows(named=True)
    assert (event["id"], event["quantity_qualifier"]) == ("P", "exact")
    assert (event["date_earliest"], event["date_latest"]) == (dt.date(2016, 12, 28),) * 2
    assert (event["value"], event["value_qualifier"]) == (D("2000000"), "exact")
    assert compute("seized_mass", result.table, by=["year"])["year"].to_list() == [2016]


def test_conflicts_compare_as_matching_does_and_show_units(tmp_path: Path) -> None:
    header = "id,date,country,locality,agency,drug,quantity,unit,value,currency\n"
    (tmp_path / "l1.csv").write_text(
        header + "L1,2018-02-14,MLI,Ségou,OCS,cannabis,200,kg,1000000,XOF\n", encoding="utf-8"
    )
    (tmp_path / "l2.csv").write_text(
        header + "M1,2018-02-15,MLI,SEGOU,Douanes,cannabis,about 180,kg,1500 EUR,\n",
        encoding="utf-8",
    )
    files = [str(tmp_path / "l1.csv"), str(tmp_path / "l2.csv")]
    out = CliRunner().invoke(app, ["reconcile", *files, "--json"])
    assert out.exit_code == 0, out.output
    shown = [(c["field"], c["value"]) for c in json.loads(out.stdout)["conflicts"]]
    # "Ségou" and "SEGOU" are one locality to matching, so no conflict; each figure with its
    # unit or currency, the source's words when they name it. (200 kg and about 180 kg, 162
    # to 198 kg, match within the tolerance but contradict each other: a conflict.)
    assert [(f, v) for f, v in shown if f in ("quantity", "value", "locality")] == [
        ("quantity", "200 kg"),
        ("quantity", "about 180 kg"),
        ("value", "1000000 XOF"),
        ("value", "1500 EUR"),
    ]


_REPORTS = st.lists(
    st.tuples(
        st.sampled_from(["a.csv", "b.csv", "https://x.org/c"]),
        st.sampled_from(["cocaine", "cannabis_herb"]),
        st.integers(0, 400),  # day
        st.sampled_from(["100", "101", "102", "5", "5.1"]),
        st.sampled_from(["exact", "exact", "approx", "more_than"]),
        st.sampled_from([None, "Gao", "GAO", "Mopti"]),
        st.sampled_from([0, 0, 30]),  # days the date spans
    ),
    min_size=2,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(reports=_REPORTS, tags=st.lists(st.sampled_from("xy"), min_size=12, max_size=12),
       data=st.data())  # fmt: skip
def test_the_order_of_rows_and_files_changes_nothing(
    reports: list[tuple[str, str, int, str, str, str | None, int]],
    tags: list[str],
    data: st.DataObject,
) -> None:
    # Each record keeps its row in its file; the files, and their records, come in any order.
    # Ids repeat within a source ("ax" twice), so events can tie on date and id: the output is
    # the same all the same, row for row and in every list, not only as sets.
    start = dt.date(2016, 1, 1)
    records = _filed([
        Seizure(
            f"{source[0]}{tag}", drug, Amount(figure, "kg", qualifier),
            date=PartialDate(start + dt.timedelta(days), start + dt.timedelta(days + span)),
            place=Place("MLI", locality), sources=(SourceRef(file=source),),
        )
        for tag, (source, drug, days, figure, qualifier, locality, span) in zip(
            tags, reports, strict=False
        )
    ])  # fmt: skip
    shuffled = data.draw(st.permutations(records))
    one, other = reconcile(from_entities(records)), reconcile(from_entities(shuffled))
    for ids in one.table["merged_from"]:
        assert len({i[0] for i in ids}) == len(ids), ids  # one record per source
    assert one.table.equals(other.table)
    assert one.conflicts.equals(other.conflicts)
    # The documented order of the events: by date (every report here is dated), then id.
    events = one.table.select("date_earliest", "id").rows()
    assert events == sorted(events)


# --- a file shuffled, bounds merged, a register split into files ------------------------------


def _filed(records: list[Seizure]) -> list[Seizure]:
    """``records`` as a file read them: each source's row numbered by its place in the file."""
    seen: dict[str | None, int] = {}

    def placed(record: Seizure) -> Seizure:
        (source,) = record.sources
        seen[source.file] = seen.get(source.file, 1) + 1
        return attrs.evolve(record, sources=(attrs.evolve(source, row=seen[source.file]),))

    return [placed(record) for record in records]


def _without_rows(result: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A result as it reads in any order of the rows: the rows a file put its records on, the
    order of the events and of each list left out."""
    unplaced = pl.col("sources").list.eval(pl.element().struct.with_fields(row=pl.lit(None)))
    events = result.table.with_columns(unplaced, pl.col("merged_from").list.sort())
    lists = ("record_ids", "sources")
    conflicts = result.conflicts.with_columns(pl.col(c).list.sort() for c in lists)
    return (
        events.sort(pl.all().exclude("sources", "stated_values", "merged_from").cast(pl.String),
                    pl.col("merged_from").list.join(";"), nulls_last=True),
        conflicts.sort("group", "field", "value", *(pl.col(c).list.join(";") for c in lists)),
    )  # fmt: skip


def test_a_shuffled_file_merges_alike_when_two_rows_share_an_id() -> None:
    # Two rows of one register with one id and one date, equally close to the page: which one
    # the page merges with is settled by what they say, not by the row each is on.
    def report(quantity: Amount, file: str) -> Seizure:
        return Seizure(
            "R1" if file == "reg.csv" else "P", "cannabis_herb", quantity, date=day(2017, 5, 10),
            place=Place("MLI"), sources=(SourceRef(file=file),),
        )  # fmt: skip

    exact = report(Amount("100", "kg"), "reg.csv")
    about = report(Amount("100", "kg", "approx"), "reg.csv")
    page = report(Amount("100", "kg"), "page.csv")
    one, other = (
        reconcile(from_entities(_filed(order)))
        for order in ([exact, about, page], [about, exact, page])
    )
    assert _without_rows(one)[0].equals(_without_rows(other)[0])
    assert one.conflicts.equals(other.conflicts)


@settings(max_examples=150, deadline=None)
@given(reports=_REPORTS, ids=st.lists(st.sampled_from(["x", "y"]), min_size=12, max_size=12),
       data=st.data())  # fmt: skip
def test_shuffling_the_rows_of_files_changes_nothing(
    reports: list[tuple[str, str, int, str, str, str | None, int]],
    ids: list[str],
    data: st.DataObject,
) -> None:
    # Ids repeat within a source and rows are numbered by their place in their file, so a
    # shuffle moves each record to another row: the events and conflicts stay the same.
    start = dt.date(2016, 1, 1)
    records = [
        Seizure(
            ident, drug, Amount(figure, "kg", qualifier),
            date=PartialDate(start + dt.timedelta(days), start + dt.timedelta(days + span)),
            place=Place("MLI", locality), sources=(SourceRef(file=source),),
        )
        for ident, (source, drug, days, figure, qualifier, locality, span) in zip(
            ids, reports, strict=False
        )
    ]  # fmt: skip
    shuffled = data.draw(st.permutations(records))
    one = _without_rows(reconcile(from_entities(_filed(records))))
    other = _without_rows(reconcile(from_entities(_filed(shuffled))))
    assert one[0].equals(other[0])
    assert one[1].equals(other[1])


def _reconciled(*quantities: Amount) -> Reconciled:
    """One report of a seizure per quantity, each from a source of its own, reconciled."""
    records = [
        cannabis(f"r{i}", quantity, month(2016, 5), SourceRef(file=f"s{i}.csv"))
        for i, quantity in enumerate(quantities)
    ]
    return reconcile(from_entities(records))


def _merged_quantity(*quantities: Amount) -> Amount:
    (event,) = to_entities(_reconciled(*quantities).table, "seizure")
    return event.quantity


def test_merged_bounds_are_what_every_report_allows() -> None:
    # "About 2 t" (1.8 to 2.2 t) and "more than 1.9 t" both hold: between 1.9 and 2.2 t, the
    # point value the most precise report's. No report says so: no words.
    about, over = Amount("2", "t", "approx", text="about 2 t"), Amount("1900", "kg", "more_than")
    for order in ((about, over), (over, about)):
        merged = _merged_quantity(*order)
        assert (merged.magnitude, merged.unit, merged.qualifier) == (D("2"), "t", "range")
        assert (merged.low, merged.high, merged.text) == (D("1.9"), D("2.2"), None)
    # The point value is kept within the bounds.
    assert _merged_quantity(about, Amount("2.1", "t", "more_than")) == Amount(
        "2.1", "t", "range", low="2.1", high="2.2"
    )
    # A report whose bounds are within every other's is the merged figure, words and all.
    assert _merged_quantity(Amount("2.7", "t", "more_than"), Amount("2.7", "t", text="2.7 t")) == (
        Amount("2.7", "t", text="2.7 t")
    )
    assert _merged_quantity(Amount("2.7", "t", "more_than"), Amount("2.75", "t", "at_least")) == (
        Amount("2.75", "t", "at_least")
    )


@pytest.mark.parametrize(
    ("quantities", "merged"),
    [
        # 2.7 t and 2.8 t match within the tolerance but cannot both hold: the merged figure
        # goes from one to the other rather than claim either.
        ((Amount("2.7", "t"), Amount("2800", "kg")),
         Amount("2.7", "t", "range", low="2.7", high="2.8")),
        # "More than 2.8 t" contradicts 2.7 t: up to what it states, not open above.
        ((Amount("2.7", "t"), Amount("2.8", "t", "more_than")),
         Amount("2.7", "t", "range", low="2.7", high="2.8")),
        # "At most 1 t" and "1.04 t": 1 to 1.04 t, never a range from 0 that no report suggests.
        *(((Amount("1", "t", bounded), Amount("1.04", "t")),
           Amount("1.04", "t", "range", low="1", high="1.04"))
          for bounded in ("at_most", "less_than")),
        *(((Amount("1040", "kg"), Amount("1", "t", bounded)),
           Amount("1040", "kg", "range", low="1000", high="1040"))
          for bounded in ("at_most", "less_than")),
        # A range and a figure above it: from its top to the figure.
        ((Amount("1.6", "t"), Amount("1.3", "t", "range", "1", "1.55")),
         Amount("1.6", "t", "range", low="1.55", high="1.6")),
        # "About 2 t" (1.8 to 2.2 t) and "2.25 t": 2.2 to 2.25 t.
        ((Amount("2", "t", "approx"), Amount("2.25", "t")),
         Amount("2.25", "t", "range", low="2.2", high="2.25")),
    ],
)  # fmt: skip
def test_contradicting_reports_merge_into_the_least_range_meeting_every_report(
    quantities: tuple[Amount, ...], merged: Amount
) -> None:
    # Reports that cannot all hold merge into the least range that meets each of them, so that
    # each report is as little wrong as it must be; each is a quantity conflict.
    result = _reconciled(*quantities)
    (event,) = to_entities(result.table, "seizure")
    assert event.quantity == merged
    assert result.conflicts.filter(pl.col("field") == "quantity").height == len(quantities)


def test_a_register_split_into_files_is_one_source_when_named_so(tmp_path: Path) -> None:
    # Two rows of one register, a week apart over new year, look like one seizure reported
    # twice once the register is split by year; named one source, they never merge and the
    # split register reconciles as the whole one does.
    header = "id,date,country,drug,quantity,quantity_unit\n"
    rows = {
        2015: "D1,2015-12-29,MLI,cannabis,100,kg\n",
        2016: "J1,2016-01-04,MLI,cannabis,100,kg\n",
    }
    for year, row in rows.items():
        (tmp_path / f"seizures_{year}.csv").write_text(header + row, encoding="utf-8")
    (tmp_path / "seizures.csv").write_text(header + "".join(rows.values()), encoding="utf-8")
    (tmp_path / "page.csv").write_text(header + "P1,2016-01-05,MLI,cannabis,100,kg\n",
                                       encoding="utf-8")  # fmt: skip
    split = [str(tmp_path / f"seizures_{year}.csv") for year in rows]
    page = str(tmp_path / "page.csv")

    def run(*args: str) -> dict[str, Any]:
        out = CliRunner().invoke(app, ["reconcile", *args, page, "--json"])
        assert out.exit_code == 0, out.output
        found: dict[str, Any] = json.loads(out.stdout)
        return {
            "events": found["events"],
            "groups": [g["merged_from"] for g in found["groups"]],
            "conflicts": [(c["field"], c["value"], c["record_ids"]) for c in found["conflicts"]],
        }

    whole = run(str(tmp_path / "seizures.csv"))
    assert whole == {"events": 2, "groups": [["J1", "P1"]], "conflicts": [
        ("date", "2016-01-04", ["J1"]), ("date", "2016-01-05", ["P1"])]}  # fmt: skip
    assert run(*split)["groups"] == [["D1", "J1", "P1"]]  # two sources: the rows merge
    assert run(*split, "--source", f"register={','.join(split)}") == whole
    bad = CliRunner().invoke(app, ["reconcile", *split, page, "--source", "register=nowhere.csv"])
    assert bad.exit_code == 2 and "nowhere.csv" in bad.output


def _yearly_register() -> pl.DataFrame:
    """Two rows of one register a month apart over new year, each in the file of its year."""
    register = [
        cannabis(i, Amount("100", "kg"), day, SourceRef(file=f"seizures_{day.earliest.year}.csv"))
        for i, day in (("D1", month(2015, 12)), ("J1", month(2016, 1)))
    ]
    return from_entities(register)


def test_same_source_names_one_source_in_the_library() -> None:
    table = _yearly_register()
    assert reconcile(table).table.height == 1
    names = {"seizures_2015.csv": "register", "seizures_2016.csv": "register"}
    assert reconcile(table, same_source=names).table.height == 2
    with pytest.raises(ValidationError) as bad:
        reconcile(table, same_source={"seizures_2015.csv": 1})  # type: ignore[dict-item]
    assert bad.value.field == "same_source"


@pytest.mark.parametrize(
    ("row_a", "row_b", "shown"),
    [
        # A merged range no report wrote is written out, never a bare exact-looking figure.
        ("A,2016-01-04,MLI,cannabis,about 2,t", "B,2016-01-04,MLI,cannabis,more than 1900,kg",
         "between 1.9 and 2.2 t"),
        # A cell without its unit ("2.1") is shown with it.
        ("A,2016-01-04,MLI,cannabis,2.1,t", "B,2016-01-05,MLI,cannabis,about 2,t", "2.1 t"),
    ],
)  # fmt: skip
def test_cli_shows_the_merged_quantity_with_its_unit(
    tmp_path: Path, row_a: str, row_b: str, shown: str
) -> None:
    header = "id,date,country,drug,quantity,quantity_unit\n"
    for name, row in (("a", row_a), ("b", row_b)):
        (tmp_path / f"{name}.csv").write_text(header + row + "\n", encoding="utf-8")
    files = [str(tmp_path / f"{name}.csv") for name in "ab"]
    out = CliRunner().invoke(app, ["reconcile", *files, "--json"])
    assert json.loads(out.stdout)["groups"][0]["quantity"] == shown


# --- review: the range of contradicting reports, agreeing reports, sources named by path ------


def _quantity_conflicts(*quantities: Amount) -> list[str]:
    result = _reconciled(*quantities)
    assert result.table.height == 1
    return result.conflicts.filter(pl.col("field") == "quantity")["value"].to_list()


def test_an_open_report_that_agrees_leaves_the_span_of_the_contradicting_ones_closed() -> None:
    # 3 t and 2.9 t contradict; "at least 2.95 t" agrees with 3 t: between 2.9 and 3 t, which
    # the merged figure says in its qualifier and bounds alike.
    merged = _merged_quantity(Amount("3", "t"), Amount("2.9", "t"), Amount("2.95", "t", "at_least"))
    assert merged == Amount("3", "t", "range", low="2.9", high="3")
    assert format_amount(merged) == "between 2.9 and 3 t"


_FIGURES = st.tuples(
    st.sampled_from(["96", "98", "100", "101", "103", "105"]),
    st.sampled_from(["exact", "approx", "at_least", "more_than", "at_most", "less_than", "range"]),
)


def _strictly(amount: Amount) -> tuple[Decimal, Decimal | None, bool, bool]:
    """An amount's bounds in kg and whether each is strict ("more than", "less than")."""
    factor = D(1000) if amount.unit == "t" else D(1)
    low, high = amount.low or D(0), amount.high
    return (
        low * factor,
        None if high is None else high * factor,
        amount.qualifier.value == "more_than",
        amount.qualifier.value == "less_than",
    )


@settings(max_examples=120, deadline=None)
@given(st.lists(_FIGURES, min_size=2, max_size=4))
def test_a_merged_quantity_keeps_the_model_invariants(figures: list[tuple[str, str]]) -> None:
    amounts = [
        Amount(figure, "kg", kind, *((D(figure) - 2, D(figure) + 2) if kind == "range" else ()))
        for figure, kind in figures
    ]
    records = [
        cannabis(f"r{i}", amount, month(2016, 5), SourceRef(file=f"s{i}.csv"))
        for i, amount in enumerate(amounts)
    ]
    result = reconcile(from_entities(records))
    conflicts = result.conflicts.filter(pl.col("field") == "quantity")
    for event in to_entities(result.table, "seizure"):
        merged = event.quantity
        assert merged is not None
        members = [amounts[int(i[1:])] for i in result.table.filter(pl.col("id") == event.id)[
            "merged_from"][0]]  # fmt: skip
        low, high, _, _ = _strictly(merged)
        # A figure open above is its low bound, and reads back to the same bounds.
        if high is None:
            assert merged.magnitude == merged.low
        again = parse_amount(format_amount(merged))
        assert (again.low or D(0), again.high) == (merged.low or D(0), merged.high)
        if len(members) == 1:
            continue
        bounds = [_strictly(m) for m in members]
        top = max(b[0] for b in bounds)
        highs = [b[1] for b in bounds if b[1] is not None]
        bottom = min(highs) if highs else None
        strict = any(b[2] and b[0] == top for b in bounds) or any(
            b[3] and b[1] == bottom for b in bounds
        )
        agree = bottom is None or top < bottom or (top == bottom and not strict)
        if agree:  # the values every report allows
            assert (low, high) == (top, bottom)
        else:  # the least interval that meets every report
            assert bottom is not None and (low, high) == (min(top, bottom), max(top, bottom))
        # Quantities are listed as a conflict only when the reports contradict each other.
        listed = conflicts.filter(pl.col("group") == event.id)
        assert (listed.height == 0) == agree


def test_reports_that_agree_are_no_quantity_conflict() -> None:
    about, over, exact = (
        Amount("2", "t", "approx", text="about 2 t"),
        Amount("1.9", "t", "more_than", text="more than 1.9 t"),
        Amount("2.1", "t", text="2.1 t"),
    )
    assert _quantity_conflicts(about, over, exact) == []
    assert _quantity_conflicts(Amount("2.7", "t", "at_least"), Amount("2.7", "t")) == []
    # "More than 2.7 t" excludes 2.7 t: a conflict, and the figure stays 2.7 t.
    assert _quantity_conflicts(
        Amount("2.7", "t", "more_than", text="more than 2.7 t"), Amount("2.7", "t", text="2.7 t")
    ) == ["more than 2.7 t", "2.7 t"]
    # Only the reports that contradict another are listed, not one that agrees with all.
    assert _quantity_conflicts(
        Amount("2.7", "t", text="2.7 t"),
        Amount("2.8", "t", text="2.8 t"),
        Amount("2.5", "t", "more_than", text="more than 2.5 t"),
    ) == ["2.7 t", "2.8 t"]


def test_same_source_names_only_sources_that_records_cite() -> None:
    table = _yearly_register()
    for typo in ({"seizures_2015.csv": "r", "seizure_2016.csv": "r"},
                 {"data/seizures_2015.csv": "r", "seizures_2016.csv": "r"}):  # fmt: skip
        with pytest.raises(ValidationError) as bad:
            reconcile(table, same_source=typo)
        assert bad.value.field == "same_source"
        assert next(k for k in typo if k.startswith(("seizure_", "data/"))) in bad.value.message


def _register_files(tmp_path: Path) -> dict[str, Path]:
    header = "id,date,country,locality,drug,quantity,unit\n"
    files = {
        "y2015/seizures_2015.csv": "R-15-88,2015-12-30,Mali,Gao,cannabis,1.5,t\n",
        "y2016/seizures_2016.csv": "R-16-01,2016-01-03,Mali,Gao,cannabis,1.52,t\n",
        "other/seizures_2015.csv": "X-1,2014-01-01,Mali,Kayes,cocaine,3,kg\n",
        "d16/press.csv": "PR-9,2016-01-04,Mali,Gao,cannabis,about 1.5,t\n",
        "d16/seizures.csv": "R-16-01,2016-01-03,Mali,Gao,cannabis,1.52,t\n",
        "d17/seizures.csv": "PR-10,2016-01-04,Mali,Gao,cannabis,about 1.5,t\n",
    }
    paths = {}
    for name, row in files.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(header + row, encoding="utf-8")
        paths[name] = path
    return paths


def _said(output: str) -> str:
    """A usage error's text without its box and line breaks (a long path wraps)."""
    return "".join(c for c in output if not c.isspace() and c not in "│╭╮╰╯─")


def test_cli_source_names_each_given_file_once_by_its_path(tmp_path: Path) -> None:
    files = _register_files(tmp_path)
    names = ("y2015/seizures_2015.csv", "y2016/seizures_2016.csv", "d16/press.csv")
    y15, y16, press = (str(files[name]) for name in names)
    given = [y15, y16, press]

    def run(*options: str) -> Any:
        return CliRunner().invoke(app, ["reconcile", *given, "--json", *options])

    named = run("--source", f"r={y15},{y16}")
    assert named.exit_code == 0, named.output
    assert [g["merged_from"] for g in json.loads(named.stdout)["groups"]] == [["R-16-01", "PR-9"]]
    # A file listed twice under one name says it once; by its bare name it is the given file.
    again = run("--source", f"r={y15},{y15},{y16}")
    assert again.exit_code == 0 and json.loads(again.stdout) == json.loads(named.stdout)
    assert run("--source", "r=seizures_2015.csv,seizures_2016.csv").stdout == named.stdout
    refused = {
        "in two sources": ["--source", f"a={y15},{y16}", "--source", f"b={y16}"],
        "other source's file": ["--source", f"press.csv={y15},{y16}"],
        "a path not given": ["--source", f"r={files['other/seizures_2015.csv']},{y16}"],
    }
    for why, options in refused.items():
        out = run(*options)
        assert out.exit_code == 2, (why, out.output)
    assert "seizures_2016.csvisintwosources" in _said(run(*refused["in two sources"]).output)
    assert "press.csvis" in _said(run(*refused["other source's file"]).output)


def test_cli_files_of_one_name_in_two_folders_are_two_sources(tmp_path: Path) -> None:
    files = _register_files(tmp_path)
    d16, d17 = str(files["d16/seizures.csv"]), str(files["d17/seizures.csv"])
    out = CliRunner().invoke(app, ["reconcile", d16, d17, "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    # The register row and the press report merge; each is cited by the path given.
    (group,) = data["groups"]
    assert group["merged_from"] == ["R-16-01", "PR-10"]
    assert sorted(group["sources"]) == sorted([Path(d16).as_posix(), Path(d17).as_posix()])
    assert "seizures.csv" in out.stderr and out.stderr.count("\n") == 1
    # --source tells them apart by path; a bare name that is both is refused, saying so.
    split = CliRunner().invoke(app, ["reconcile", d16, d17, "--json", "--source", f"r={d16},{d17}"])
    assert split.exit_code == 0 and json.loads(split.stdout)["groups"] == []
    bare = CliRunner().invoke(app, ["reconcile", d16, d17, "--source", "r=seizures.csv"])
    assert bare.exit_code == 2 and "seizures.csvisthenameof2files" in _said(bare.output)


def test_cli_out_keeps_the_text_columns_for_words_a_source_wrote(tmp_path: Path) -> None:
    # A merged figure no report wrote has no quantity_text in --out: its qualifier and bounds
    # say it, and the human output says where to read it.
    header = "id,date,country,drug,quantity,quantity_unit\n"
    for name, row in (("a", "A,2016-01-04,MLI,cannabis,about 2,t\n"),
                      ("b", "B,2016-01-04,MLI,cannabis,more than 1900,kg\n")):  # fmt: skip
        (tmp_path / f"{name}.csv").write_text(header + row, encoding="utf-8")
    files = [str(tmp_path / f"{name}.csv") for name in "ab"]
    merged = tmp_path / "m.csv"
    out = CliRunner().invoke(app, ["reconcile", *files, "--out", str(merged)])
    assert out.exit_code == 0, out.output
    (row,) = pl.read_csv(merged, infer_schema=False).iter_rows(named=True)
    assert (row["quantity_qualifier"], row["quantity_low"], row["quantity_high"]) == (
        "range", "1.9", "2.2")  # fmt: skip
    assert row["quantity_text"] is None
    assert "1 merged quantity no report wrote" in " ".join(out.stdout.split())


# --- the order of the output, names that other records cite, files given twice ----------------


def _three_files() -> dict[str, list[Seizure]]:
    """The seed seizure on two pages and in a register, which also holds a seizure of its own."""
    register = SourceRef(file="register.csv")
    return {
        "page001.csv": [seed_pair()[0]],
        "page004.csv": [seed_pair()[1]],
        "register.csv": [
            cannabis("reg:7", Amount("40", "kg"), month(2014, 2), register, locality="Gao"),
            cannabis("reg:2", Amount("2700", "kg"), month(2015, 5), register, locality=None),
        ],
    }


def test_events_and_their_records_come_by_date_whatever_the_order_of_the_files() -> None:
    # Events by date then id; in each, the records by date then source: the same in every run.
    files = _three_files()
    orders = (list(files), list(files)[::-1], ["page004.csv", "register.csv", "page001.csv"])
    results = [
        reconcile(from_entities([r for name in order for r in files[name]])) for order in orders
    ]
    first = results[0]
    assert first.table["id"].to_list() == ["reg:7", "004:s1"]
    assert first.table["merged_from"].to_list() == [["reg:7"], ["004:s1", "reg:2", "001:s1"]]
    dates = first.conflicts.filter(pl.col("field") == "date")
    assert dates.select("value", "record_ids").rows() == [
        ("May 2015", ["004:s1", "reg:2"]),
        ("May 2016", ["001:s1"]),
    ]
    for other in results[1:]:
        assert other.table.equals(first.table)
        assert other.conflicts.equals(first.conflicts)


def test_same_source_names_no_source_that_other_records_cite() -> None:
    # Naming the split register after the page its rows would meet, or after one of its own
    # files left out, would make two sources one: refused, as `sahel reconcile --source` does.
    page = cannabis("P", Amount("100", "kg"), month(2016, 1), PAGE_001, locality=None)
    table = pl.concat([_yearly_register(), from_entities([page])])
    for names in ({"seizures_2015.csv": PAGE_001.url, "seizures_2016.csv": PAGE_001.url},
                  {"seizures_2015.csv": "seizures_2016.csv"}):  # fmt: skip
        with pytest.raises(ValidationError) as bad:
            reconcile(table, same_source=names)
        assert bad.value.field == "same_source"
        assert bad.value.message.startswith(f"{bad.value.value} is what the records of another")
        assert bad.value.value in names.values()
    # A name that the records named so cite is theirs: the register named after one file.
    named = {"seizures_2015.csv": "seizures_2016.csv", "seizures_2016.csv": "seizures_2016.csv"}
    assert reconcile(table, same_source=named).table["merged_from"].to_list() == [
        ["D1"],
        ["P", "J1"],
    ]


def test_cli_source_named_after_a_page_that_a_file_cites_is_a_usage_error(
    tmp_path: Path,
) -> None:
    # The press file cites its page in a source column: a NAME equal to that URL is caught
    # once the files are read, and is a usage error of --source all the same.
    header = "id,date,country,drug,quantity,quantity_unit"
    for name, row in (("seizures_2015", "D1,2015-12-29,MLI,cannabis,100,kg"),
                      ("seizures_2016", "J1,2016-01-04,MLI,cannabis,100,kg")):  # fmt: skip
        (tmp_path / f"{name}.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    (tmp_path / "press.csv").write_text(
        f"{header},source\nP1,2016-01-05,MLI,cannabis,100,kg,{PAGE_001.url}\n", encoding="utf-8"
    )
    files = [str(tmp_path / f) for f in ("seizures_2015.csv", "seizures_2016.csv", "press.csv")]
    out = CliRunner().invoke(
        app, ["reconcile", *files, "--source", f"{PAGE_001.url}={files[0]},{files[1]}"]
    )
    assert out.exit_code == 2, out.output
    assert "--source" in out.output and "iswhattherecordsofanothersourcecite" in _said(out.output)


def test_cli_a_file_given_twice_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read twice, a register's rows would be one source and never merge: every seizure in it
    # would count twice. Refused, by any spelling of its path, as `sahel indicators` does.
    first, second = seed_pair()
    write(from_entities([first]), tmp_path / "page001.csv", "seizure")
    write(from_entities([second]), tmp_path / "page004.csv", "seizure")
    monkeypatch.chdir(tmp_path)
    for again in ("page001.csv", "./page001.csv", str(tmp_path / "page001.csv")):
        out = CliRunner().invoke(app, ["reconcile", "page001.csv", "page004.csv", again])
        assert out.exit_code == 2, out.output
        assert _said(f"{Path(again)} is given twice") in _said(out.output)


def test_cli_files_of_one_name_are_each_named_in_the_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One file given by its bare name, the other by a path: the notice names both.
    files = _register_files(tmp_path)
    monkeypatch.chdir(files["d16/seizures.csv"].parent)
    out = CliRunner().invoke(app, ["reconcile", "seizures.csv", "../d17/seizures.csv", "--json"])
    assert out.exit_code == 0, out.output
    assert out.stderr == (
        "2 files are named seizures.csv, given as seizures.csv and ../d17/seizures.csv: each is "
        "a source of its own, whose records cite it by that path\n"
    )
    (group,) = json.loads(out.stdout)["groups"]
    assert group["sources"] == ["seizures.csv", "../d17/seizures.csv"]


def test_cli_a_date_written_in_words_shows_its_calendar_day(tmp_path: Path) -> None:
    # "yesterday" alone would leave the analyst to work the day out from the dateline.
    page = tmp_path / "communique.txt"
    page.write_text(
        "NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis in Agadez yesterday.\n",
        encoding="utf-8",
    )
    register = tmp_path / "register.csv"
    register.write_text(
        "id,date,country,locality,drug,quantity,quantity_unit\n"
        "R1,2016-05-11,Niger,Agadez,cannabis,2,t\n",
        encoding="utf-8",
    )
    out = CliRunner().invoke(app, ["reconcile", str(page), str(register), "--json"])
    assert out.exit_code == 0, out.output
    (group,) = json.loads(out.stdout)["groups"]
    assert group["date"] == "yesterday (2016-05-11)"
    assert list(group)[:7] == [
        "id",
        "drug",
        "country",
        "locality",
        "quantity",
        "date",
        "merged_from",
    ]
