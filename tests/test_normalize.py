"""Raw text frames → canonical tables: values, rejections, row numbers, per-distinct parsing."""

from __future__ import annotations

import datetime as dt
import gc
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sahel_core.entities import ENTITY_TYPES, Seizure
from sahel_core.errors import SahelError
from sahel_core.normalize import normalize
from sahel_core.numbers import parse_number
from sahel_core.tables import schema, to_entities


def frame(**columns: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


def by_row(rejections: list[Any]) -> dict[int | None, tuple[str | None, str | None]]:
    return {r.row: (r.field, r.value) for r in rejections}


def test_french_cells_become_a_canonical_seizure_table() -> None:
    raw = frame(
        id=["S-1", "S-2", "S-3"],
        drug=["Cannabis", "cocaïne", "chanvre indien"],
        quantity=["1 250,5", "plus de 2,7", "70 000"],
        quantity_unit=["kg", "tonnes", "comprimés"],
        date=["12/03/2021", "mars 2021", "2021-04-05"],
        country=["Mali", "Niger", "Sénégal"],
        locality=["Bamako", None, " Dakar "],
    )
    table, rejections = normalize(raw, "seizure", source="saisies.csv", locale="fr")
    assert rejections == []
    assert table.schema == schema("seizure")
    rows = table.to_dicts()
    assert [r["drug"] for r in rows] == ["cannabis", "cocaine", "cannabis_herb"]
    assert [r["drug_text"] for r in rows] == ["Cannabis", "cocaïne", "chanvre indien"]
    assert [r["quantity"] for r in rows] == [Decimal("1250.5"), Decimal("2.7"), Decimal(70000)]
    assert [r["quantity_unit"] for r in rows] == ["kg", "t", "tablet"]
    assert [r["quantity_qualifier"] for r in rows] == ["exact", "more_than", "exact"]
    assert rows[1]["quantity_low"] == Decimal("2.7") and rows[1]["quantity_high"] is None
    assert [r["quantity_text"] for r in rows] == ["1 250,5", "plus de 2,7", "70 000"]
    assert [r["country"] for r in rows] == ["MLI", "NER", "SEN"]
    assert rows[1]["date_earliest"] == dt.date(2021, 3, 1)
    assert rows[1]["date_latest"] == dt.date(2021, 3, 31)
    assert rows[2]["locality"] == " Dakar "  # Free text is kept as written.
    assert rows[0]["sources"] == [
        {"url": None, "file": "saisies.csv", "row": 2, "line": None, "start": None, "end": None,
         "quote": None, "published": None, "retrieved": None, "note": None}
    ]  # fmt: skip
    seizures = list(to_entities(table, Seizure))
    assert seizures[1].quantity is not None and seizures[1].quantity.text == "plus de 2,7"


def test_each_bad_row_is_rejected_once_naming_its_first_bad_field() -> None:
    raw = frame(
        drug=["cannabis", "cannabis", "cannabis", "cannabis", None, "héroïne", "Zorglub"],
        quantity=["1", "2", "-5", "4", "5", "6", "abc"],
        quantity_unit=["kg", "zorglubs", "kg", "kg", "kg", "g", "kg"],
        date=["2021-01-01", "2021-01-02", "2021-01-03", "bientôt", "2021-01-05", None, "x"],
        country=["Mali", "Mali", "Mali", "Mali", "Mali", "Atlantide", "Mali"],
    )
    table, rejections = normalize(raw, "seizure", source="x.csv", locale="fr")
    assert table.height + len(rejections) == raw.height
    assert table["id"].to_list() == ["x:2"]
    assert by_row(rejections) == {
        3: ("quantity_unit", "zorglubs"),
        4: ("quantity", "-5"),
        5: ("date", "bientôt"),
        6: ("drug", None),
        7: ("country", "Atlantide"),
        8: ("drug", "Zorglub"),  # drug comes before quantity and date in the table
    }
    assert all(r.reason for r in rejections)


def test_row_numbers_follow_the_offset_or_explicit_rows() -> None:
    raw = frame(drug=["cocaine", None], quantity=["1", "1"], quantity_unit=["kg", "kg"])
    _, rejections = normalize(raw, "seizure", source="x.xlsx", row_offset=5)
    assert [r.row for r in rejections] == [6]
    table, rejections = normalize(raw, "seizure", source="x.xlsx", rows=[10, 20])
    assert [r.row for r in rejections] == [20]
    assert table["id"].to_list() == ["x:10"]


def test_ids_are_generated_stably_and_repeats_are_rejected() -> None:
    raw = frame(id=["A", None, "A", " B "], drug=["cocaine"] * 4)
    table, rejections = normalize(raw, "seizure", source="data/saisies 2021.csv")
    assert table["id"].to_list() == ["A", "saisies 2021:3", "B"]
    assert by_row(rejections) == {4: ("id", "A")}


def test_a_generated_id_that_repeats_a_given_one_is_a_repeat() -> None:
    raw = frame(id=["t:3", None, None], drug=["cannabis", "cocaine", "heroin"])
    table, rejections = normalize(raw, "seizure", source="t.csv")
    assert table["id"].to_list() == ["t:3", "t:4"]
    assert [(r.row, r.field, r.reason) for r in rejections] == [
        (3, "id", "repeats the id of an earlier row")
    ]


def test_a_source_column_is_cited_before_the_file_row() -> None:
    raw = frame(drug=["cocaine", "cocaine", "cocaine"],
                source=["https://example.org/a", "rapport 2021.pdf", None])  # fmt: skip
    table, _ = normalize(raw, "seizure", source="x.csv")
    refs = [[(s["url"], s["file"], s["row"]) for s in row] for row in table["sources"]]
    assert refs == [
        [("https://example.org/a", None, None), (None, "x.csv", 2)],
        [(None, "rapport 2021.pdf", None), (None, "x.csv", 3)],
        [(None, "x.csv", 4)],
    ]


def test_cells_python_reads_as_blank_are_missing_values() -> None:
    """U+001F is whitespace to Python's str.strip() (the model's test of blank text), not to
    polars: such a cell kept as text became an entity the model refuses."""
    raw = frame(id=["A", "B"], drug=["cocaine"] * 2, country=["MLI"] * 2, locality=["\x1f", "Gao"])
    table, rejections = normalize(raw, "seizure", source="x.csv")
    assert rejections == [] and table["locality"].to_list() == [None, "Gao"]
    source = '{"url":null,"file":"\\u001e","row":2,"line":null,"start":null,"end":null,"quote":null,"published":null,"retrieved":null,"note":null}'  # noqa: E501
    _, refused = normalize(
        frame(id=["A"], drug=["cocaine"], sources=[f"[{source}]"]), "seizure", source="x.csv"
    )
    assert [(r.field, r.reason) for r in refused] == [
        ("sources", "$[0].file: expected non-empty text")
    ]
    assert len(list(to_entities(table, Seizure))) == 2


def test_blank_cells_are_missing_values() -> None:
    raw = frame(drug=["  ", "cocaine"], quantity=["1", " \t"], quantity_unit=["kg", "kg"])
    table, rejections = normalize(raw, "seizure", source="x.csv")
    assert by_row(rejections) == {2: ("drug", None)}
    assert table["quantity"].to_list() == [None]
    assert set(table.columns) == set(schema("seizure"))


def test_a_figure_needs_a_unit_and_a_locality_needs_a_country() -> None:
    raw = frame(drug=["cocaine", "cocaine"], quantity=["12", None], locality=[None, "Gao"])
    _, rejections = normalize(raw, "seizure", source="x.csv")
    assert by_row(rejections) == {2: ("quantity_unit", None), 3: ("country", None)}


def test_canonical_layout_is_read_as_written() -> None:
    raw = frame(
        drug=["cocaine", "cocaine"],
        quantity=["2.7", "4"],
        quantity_unit=["t", "kg"],
        quantity_qualifier=["range", "approx"],
        quantity_low=["2", None],
        quantity_high=["3.4", None],
        quantity_text=["2 à 3,4 t", None],
        date=["May 2016", None],
        date_earliest=["2016-05-01", "2016-06-01"],
        date_latest=["2016-05-31", None],
    )
    table, rejections = normalize(raw, "seizure", source="x.csv")
    assert rejections == []
    first, second = table.to_dicts()
    assert (first["quantity_qualifier"], first["quantity_low"], first["quantity_high"]) == (
        "range", Decimal(2), Decimal("3.4"))  # fmt: skip
    assert first["quantity_text"] == "2 à 3,4 t"
    assert (second["quantity_low"], second["quantity_high"]) == (Decimal("3.6"), Decimal("4.4"))
    assert (first["date"], first["date_earliest"]) == ("May 2016", dt.date(2016, 5, 1))
    assert (second["date"], second["date_latest"]) == (None, None)


def test_bad_canonical_dates_and_qualifiers_are_rejected() -> None:
    raw = frame(
        drug=["cocaine"] * 3,
        quantity=["1", "1", "1"],
        quantity_unit=["kg"] * 3,
        quantity_qualifier=["exact", "roughly", "exact"],
        date_earliest=["2016-05-01", "2016-05-01", "2016-13-01"],
        date_latest=["2016-04-01", None, None],
    )
    _, rejections = normalize(raw, "seizure", source="x.csv")
    assert by_row(rejections) == {
        2: ("date_latest", "2016-04-01"),
        3: ("quantity_qualifier", "roughly"),
        4: ("date_earliest", "2016-13-01"),
    }


def test_dates_a_table_could_not_give_back_are_rejected() -> None:
    """Year 0 (polars reads it, Python's dates do not) and an interval end without its start
    (a date has no open start): rejected, not kept unreadable or dropped."""
    raw = frame(
        drug=["cocaine"] * 4,
        date=["0000-01-01", None, "May 2016", "May 2016"],
        date_earliest=[None, "0000-02-29", None, "2016-05-01"],
        date_latest=[None, None, "2016-05-10", "2016-05-10"],
    )
    table, rejections = normalize(raw, "seizure", source="x.csv")
    assert by_row(rejections) == {
        2: ("date", "0000-01-01"),
        3: ("date_earliest", "0000-02-29"),
        4: ("date_latest", "2016-05-10"),
    }
    assert table.select("date_earliest", "date_latest").row(0) == (
        dt.date(2016, 5, 1), dt.date(2016, 5, 10)
    )  # fmt: skip
    # The date cell reads as parse_date reads it, which refuses "2016-5-7", spaces or none.
    loose = frame(drug=["cocaine"] * 3, date=["2016-5-7", " 2016-5-7", "2016-05-07 "])
    assert [r.row for r in normalize(loose, "seizure", source="x.csv")[1]] == [2, 3]
    # date_earliest and date_latest also take YYYY-M-D.
    padded = frame(drug=["cocaine"], date_earliest=["2016-5-1"], date_latest=["2016-05-10"])
    assert normalize(padded, "seizure", source="x.csv")[0].select(
        "date_earliest", "date_latest"
    ).row(0) == (dt.date(2016, 5, 1), dt.date(2016, 5, 10))


def test_bounds_beside_a_figure_without_a_qualifier_must_be_its_own() -> None:
    raw = frame(
        drug=["cocaine"] * 3,
        quantity=["5", "about 5", "5"],
        quantity_unit=["kg"] * 3,
        quantity_low=["1", "4.5", "5"],
        quantity_high=["10", "5.5", None],
    )
    table, rejections = normalize(raw, "seizure", source="x.csv", locale="en")
    assert by_row(rejections) == {2: ("quantity_low", "1")}
    assert "give a quantity_qualifier" in rejections[0].reason
    assert table.select("quantity_qualifier", "quantity_low", "quantity_high").rows() == [
        ("approx", Decimal("4.5"), Decimal("5.5")), ("exact", Decimal(5), Decimal(5))
    ]  # fmt: skip


_MONEY = '{"amount":"5.000000000","currency":"XOF","qualifier":"exact","low":"5.000000000","high":"5.000000000","text":null}'  # noqa: E501
_SOURCE = '{"url":null,"file":"r.csv","row":2,"line":null,"start":null,"end":null,"quote":null,"published":"2016-05-01","retrieved":null,"note":null}'  # noqa: E501


@pytest.mark.parametrize(
    ("column", "cell", "fault"),
    [
        ("stated_values", _MONEY.replace('"5.000000000"', '"-5.000000000"'), "amount"),
        ("stated_values", _MONEY.replace('"exact"', '"bogus"'), "qualifier"),
        ("stated_values", _MONEY.replace('"low":"5', '"low":"6'), "low"),
        ("stated_values", _MONEY.replace('"XOF"', '"X0F"'), "currency"),
        ("stated_values", _MONEY.replace('"XOF"', '"ZZZ"'), "unknown currency 'ZZZ'"),
        ("stated_values", _MONEY.replace('"XOF"', '"ZZZ"').replace(",", ", "), "unknown currency"),
        ("sources", _SOURCE.replace('"row":2', '"row":-1'), "row"),
        ("sources", _SOURCE.replace('"2016-05-01"', '"0000-01-01"'), "published"),
        ("sources", _SOURCE.replace('"r.csv"', "null"), "url"),
        ("sources", _SOURCE.replace('"start":null', '"start":4'), "end"),
    ],
)
def test_records_in_the_form_sahel_core_writes_are_still_checked(
    column: str, cell: str, fault: str
) -> None:
    """A cell in exactly the form the writer gives is decoded in bulk, but a record the model
    refuses is refused (Parquet list columns always arrive in that form)."""
    raw = frame(id=["A", "B"], drug=["cannabis"] * 2, **{column: [f"[{cell}]", f"[{cell}]"]})
    good = _MONEY if column == "stated_values" else _SOURCE
    raw = raw.with_columns(pl.Series(column, [f"[{good}]", f"[{cell}]"]))
    table, rejections = normalize(raw, "seizure", source="x.csv")
    assert table["id"].to_list() == ["A"]
    [refused] = rejections
    assert (refused.row, refused.field) == (3, column) and fault in refused.reason


def test_records_in_the_written_form_are_read_in_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    from sahel_core import normalize as module

    def model(*args: Any) -> None:
        raise AssertionError("a written record went to the model")

    monkeypatch.setattr(module, "_records", model)
    raw = frame(
        id=["A"], drug=["cannabis"], stated_values=[f"[{_MONEY}]"], sources=[f"[{_SOURCE}]"]
    )
    table, rejections = normalize(raw, "seizure", source="x.csv")
    assert rejections == [] and table["stated_values"][0][0]["amount"] == Decimal(5)
    places = frame(id=["O"], places=['[{"country":"MLI","locality":"Gao"}]'])
    assert normalize(places, "operation", source="x.csv")[1] == []


def test_workshop_lists_counts_and_countries() -> None:
    raw = frame(
        title=["Atelier régional", "Formation"],
        country=["Sénégal", "Mali"],
        participants=["plus de 160", "25"],
        participants_unit=["participants", "personnes"],
        countries=["Mali; Niger ;Tchad", '["BFA", "Mauritanie"]'],
        donors=["DEU", None],
    )
    table, rejections = normalize(raw, "workshop", source="ateliers.csv")
    assert rejections == []
    assert table["countries"].to_list() == [["MLI", "NER", "TCD"], ["BFA", "MRT"]]
    assert table["donors"].to_list() == [["DEU"], []]
    assert table["participants_qualifier"].to_list() == ["more_than", "exact"]
    assert table["participants_unit"].to_list() == ["person", "person"]


def test_donors_are_the_reference_keys_when_known() -> None:
    """Donors were kept as written, so "EU" and "European Union" were two donors."""
    raw = frame(
        id=["a", "b", "c", "d"],
        donors=["European Union;EU", "Japan", '["JPN", " Fonds X "]', "Gouvernement du Japon"],
    )
    table, rejections = normalize(raw, "workshop", source="w.csv")
    assert rejections == []
    assert table["donors"].to_list() == [
        ["European Union"], ["JPN"], ["JPN", "Fonds X"], ["JPN"]
    ]  # fmt: skip
    operations, _ = normalize(frame(id=["o"], donors=["EU; DEU"]), "operation", source="o.csv")
    assert operations["donors"].to_list() == [["European Union", "DEU"]]


def test_a_count_of_persons_needs_no_unit() -> None:
    """ "30" in a participants column was refused ("a participants needs a unit"): the column
    counts persons (institutions, institutions; arrested, persons)."""
    raw = frame(participants=["30", "about 20", "12 participants", "5 kg"],
                institutions=["3", None, None, None])  # fmt: skip
    table, rejections = normalize(raw, "workshop", source="w.csv")
    assert table["participants"].to_list() == [Decimal(30), Decimal(20), Decimal(12)]
    assert table["participants_unit"].to_list() == ["person"] * 3
    assert table["institutions_unit"].to_list() == ["institution", None, None]
    assert by_row(rejections) == {5: ("participants", "5 kg")}
    canonical = frame(participants=["30"], participants_qualifier=["approx"])
    assert normalize(canonical, "workshop", source="w.csv")[0]["participants_unit"].to_list() == [
        "person"
    ]
    arrests, _ = normalize(frame(arrested=["4"]), "operation", source="o.csv")
    assert arrests["arrested_unit"].to_list() == ["person"]
    quantity, refused = normalize(frame(drug=["cocaine"], quantity=["3"]), "seizure", source="s")
    assert quantity.height == 0 and refused[0].reason == "a quantity needs a unit"


def test_operation_kind_and_fatalities() -> None:
    raw = frame(
        id=["o1", "o2", "o3", "o4"],
        kind=["Arrest", None, "raid", "event"],
        fatalities=["3", None, "1", "2,5"],
    )
    table, rejections = normalize(raw, "operation", source="ops.csv", locale="fr")
    assert table["kind"].to_list() == ["arrest", "operation"]
    assert table["fatalities"].to_list() == [3, None]
    assert by_row(rejections) == {4: ("kind", "raid"), 5: ("fatalities", "2,5")}


def test_unknown_agencies_are_kept_and_shared_names_settled_by_country() -> None:
    raw = frame(drug=["cocaine"] * 3, agency=["OCRTIS", "OCRTIS", "Brigade mobile"],
                country=["Niger", None, "Mali"])  # fmt: skip
    table, _ = normalize(raw, "seizure", source="x.csv")
    assert table["agency"].to_list() == ["OCRTIS-NER", "OCRTIS", "Brigade mobile"]


def test_money_reads_its_currency_with_the_row_country_and_date() -> None:
    raw = frame(
        drug=["cocaine"] * 4,
        value=["13 millions", "1,5 million FCFA", "2 500 000", "400 000"],
        value_currency=["FCFA", None, "FCFA", "ouguiya"],
        country=["Mali", "Tchad", "Tchad", "Mauritanie"],
        date=[None, None, None, "mars 2019"],
    )
    table, rejections = normalize(raw, "seizure", source="x.csv", locale="fr")
    assert rejections == []
    assert table["value"].to_list() == [
        Decimal(13_000_000),
        Decimal(1_500_000),
        Decimal(2_500_000),
        Decimal(400_000),
    ]
    assert table["value_currency"].to_list() == ["XOF", "XAF", "XAF", "MRU"]


def test_an_unknown_locale_is_refused_up_front() -> None:
    with pytest.raises(SahelError):
        normalize(frame(drug=["cocaine"]), "seizure", source="x.csv", locale="xx-nowhere")


@pytest.mark.parametrize("entity", sorted(ENTITY_TYPES))
def test_an_empty_frame_gives_an_empty_table_of_the_exact_schema(entity: str) -> None:
    table, rejections = normalize(pl.DataFrame(), entity, source="x.csv")
    assert table.schema == schema(entity) and table.height == 0 and rejections == []


def test_parsers_run_once_per_distinct_value(monkeypatch: pytest.MonkeyPatch) -> None:
    import sahel_core.dates
    import sahel_core.quantities

    calls: dict[str, list[Any]] = {"amount": [], "date": []}
    parse_amount = sahel_core.quantities.parse_amount
    parse_date = sahel_core.dates.parse_date

    def counting_amount(text: str, **kwargs: Any) -> Any:
        calls["amount"].append(text)
        return parse_amount(text, **kwargs)

    def counting_date(text: str, **kwargs: Any) -> Any:
        calls["date"].append(text)
        return parse_date(text, **kwargs)

    monkeypatch.setattr(sahel_core.quantities, "parse_amount", counting_amount)
    monkeypatch.setattr(sahel_core.dates, "parse_date", counting_date)
    n = 3000
    raw = frame(
        drug=["cocaine"] * n,
        quantity=["plus de 2,7", "environ 3", "12,5"] * (n // 3),
        quantity_unit=["t"] * n,
        date=["mars 2021", "avril 2021"] * (n // 2),
    )
    table, rejections = normalize(raw, "seizure", source="x.csv", locale="fr")
    assert table.height == n and rejections == []
    assert sorted(calls["amount"]) == ["environ 3", "plus de 2,7"]  # "12,5" is vectorized
    assert sorted(calls["date"]) == ["avril 2021", "mars 2021"]


_PLAIN = st.from_regex(r"\A[0-9]{1,6}([.,][0-9]{1,4})?\Z", fullmatch=True)
# Grouped thousands as registers write them: "1 234,5", "1.234.567", "12,345.5", "2.700"...
_GROUPED = st.from_regex(
    r"\A[0-9]{1,3}([ .,\u00a0\u202f][0-9]{2,4}){1,3}([.,][0-9]{1,4})?\Z", fullmatch=True
)


@given(text=st.one_of(_PLAIN, _GROUPED), locale=st.sampled_from([None, "fr", "en", "de"]))
def test_vectorized_numbers_agree_with_parse_number(text: str, locale: str | None) -> None:
    # Two rows, so that the grouped shapes are read in bulk beside a plain number.
    raw = frame(drug=["cocaine"] * 2, quantity=[text, "1"], quantity_unit=["kg"] * 2)
    table, rejections = normalize(raw, "seizure", source="x.csv", locale=locale)
    try:
        expected = parse_number(text, locale=locale)
    except SahelError:
        assert [r.field for r in rejections] == ["quantity"]
        return
    assert rejections == []
    assert table["quantity"][0] == expected


def test_grouped_thousands_are_read_without_the_python_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sahel_core.quantities

    calls: list[str] = []
    parse_amount = sahel_core.quantities.parse_amount

    def counting(text: str, **kwargs: Any) -> Any:
        calls.append(text)
        return parse_amount(text, **kwargs)

    monkeypatch.setattr(sahel_core.quantities, "parse_amount", counting)
    cells = ["1 234,5", "1\u202f234", "1.234.567", "1.234,25", "2.700", "2.75", "2,700", "0,500"]
    raw = frame(drug=["cocaine"] * len(cells), quantity=cells, quantity_unit=["kg"] * len(cells))
    table, rejections = normalize(raw, "seizure", source="x.csv", locale="fr")
    assert rejections == [] and calls == []
    assert table["quantity"].to_list() == [parse_number(c, locale="fr") for c in cells]


_CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "Mali", "NER", "cocaïne", "kg", "t", "2,7", "1.500", "-3",
                     "plus de 2", "mars 2021", "2021-13-01", "[", '["MLI"]', "approx", "0"]),
    st.text(max_size=12),
)  # fmt: skip
_SEIZURE_INPUTS = ["id", "drug", "quantity", "quantity_unit", "quantity_qualifier", "quantity_low",
                   "quantity_high", "date", "date_earliest", "country", "locality", "agency",
                   "stated_values", "sources", "source"]  # fmt: skip


@given(
    columns=st.lists(st.sampled_from(_SEIZURE_INPUTS), unique=True, max_size=8),
    data=st.data(),
    locale=st.sampled_from([None, "fr"]),
)
def test_any_cells_give_exact_accounting_and_never_raise(
    columns: list[str], data: st.DataObject, locale: str | None
) -> None:
    height = data.draw(st.integers(0, 6))
    raw = frame(**{c: data.draw(st.lists(_CELLS, min_size=height, max_size=height))
                   for c in columns})  # fmt: skip
    if not columns:
        raw = pl.DataFrame({"x": [None] * height}, schema={"x": pl.String}).drop("x")
    table, rejections = normalize(raw, "seizure", source="fuzz.csv", locale=locale)
    assert table.schema == schema("seizure")
    assert table.height + len(rejections) == raw.height
    rows = [r.row for r in rejections]
    assert len(set(rows)) == len(rows) and set(rows) <= set(range(2, raw.height + 2))
    list(to_entities(table, "seizure"))  # Every accepted row is a valid entity.


def test_refused_cells_leave_no_cycle_holding_the_working_frame() -> None:
    # A parser's error kept with its traceback holds every caller's frame, and so the whole
    # working frame of a batch, until the cyclic collector runs (rarely, on big inputs).
    raw = frame(
        drug=["cocaine", "zorg", "cannabis"],
        quantity=["2,7", "abc", "-1"],
        quantity_unit=["kg", "barrels", "t"],
        date=["mars 2021", "xx", "2021-13-01"],
        country=["Mali", "Atlantis", "NER"],
    )
    normalize(raw, "seizure", source="x.csv", locale="fr")  # caches filled first
    gc.collect()
    _, rejections = normalize(raw, "seizure", source="x.csv", locale="fr")
    assert len(rejections) == 2
    assert gc.collect() == 0


_CANONICAL_OR_NOT = {
    "country": ["NGA", "MLI", "XXX", None, "SEN"],
    "drug": ["cocaine", "cannabis_herb", "plutonium", None],
    "quantity_unit": ["kg", "g", "barrels", None, "t"],
    "value_currency": ["USD", "EUR", "FCFA", "???", None],
    "quantity_qualifier": ["exact", "approx", "roughly", None],
}
# One more row whose cells need translating ("Mali" is MLI): the lookups of the frame with
# it cannot take the cells as they are and join their results instead.
_TRANSLATED = {
    "country": "Mali",
    "drug": "cocaïne",
    "quantity_unit": "kilogrammes",
    "value_currency": "euros",
    "quantity_qualifier": "Approx",
}


@given(
    st.lists(
        st.fixed_dictionaries({c: st.sampled_from(v) for c, v in _CANONICAL_OR_NOT.items()}),
        min_size=1,
        max_size=12,
    )
)
def test_cells_already_canonical_read_as_the_same_cells_translated(
    rows: list[dict[str, str | None]],
) -> None:
    # Lookups whose every result is the cell itself skip the join (normalize._unjoined):
    # the rows must come out exactly as when a translated cell forces it.
    def read(records: list[dict[str, str | None]]) -> tuple[pl.DataFrame, list[Any]]:
        columns = {c: [r[c] for r in records] for c in _CANONICAL_OR_NOT}
        raw = frame(
            id=[f"r{i}" for i in range(len(records))],
            quantity=["2.5"] * len(records),
            value=["10"] * len(records),
            date=["2021-03-24"] * len(records),
            **columns,
        )
        return normalize(raw, "seizure", source="s.csv", locale="en")

    alone, refused_alone = read(rows)
    joined, refused_joined = read([*rows, _TRANSLATED])
    last = len(rows) + 2  # the translated row's number
    assert [r for r in refused_joined if r.row != last] == refused_alone
    assert joined.filter(pl.col("id") != f"r{len(rows)}").equals(alone)


def test_a_count_too_large_for_the_column_rejects_its_row_only() -> None:
    raw = frame(
        id=["o1", "o2", "o3", "o4"],
        fatalities=["9223372036854775807", "9223372036854775808", "1" + "0" * 40, "3"],
    )
    table, rejections = normalize(raw, "operation", source="ops.csv", locale="en")
    assert table["fatalities"].to_list() == [2**63 - 1, 3]
    assert by_row(rejections) == {3: ("fatalities", "9223372036854775808"),
                                  4: ("fatalities", "1" + "0" * 40)}  # fmt: skip
    assert {r.reason for r in rejections} == {"too large a count (at most 9223372036854775807)"}


@given(st.lists(st.integers(min_value=0, max_value=10**30), min_size=1, max_size=5))
def test_counts_are_kept_or_refused_never_raise(numbers: list[int]) -> None:
    raw = frame(id=[f"o{i}" for i in range(len(numbers))], fatalities=[str(n) for n in numbers])
    table, rejections = normalize(raw, "operation", source="ops.csv", locale="en")
    assert table["fatalities"].to_list() == [n for n in numbers if n < 2**63]
    assert sorted(r.row for r in rejections) == [i + 2 for i, n in enumerate(numbers) if n >= 2**63]


def test_batches_in_threads_give_the_table_of_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    # A register of 400 rows, cut into batches of 32 normalized two at a time: the same table
    # and rejections, in the same order, as in one batch; an id repeated across batches and
    # bad cells in every batch are caught where they stand.
    import sahel_core.normalize as module

    rows = 400
    raw = frame(
        id=[f"S-{i % 390}" for i in range(rows)],  # rows 390.. repeat ids of the first batches
        drug=[
            "zorglub" if i % 53 == 1 else ("cocaine", "cannabis", "héroïne")[i % 3]
            for i in range(rows)
        ],
        quantity=[f"{i}.5" if i % 37 else "beaucoup" for i in range(rows)],
        quantity_unit=["kg", "g", "t", "comprimés"] * 100,
        date=[
            f"2016-{1 + i % 12:02d}-{1 + i % 28:02d}" if i % 41 else "bientôt" for i in range(rows)
        ],
        country=["Mali", "Niger", "Tchad", "Sénégal", "Ghana"] * 80,
        value=[f"{i * 1000}" for i in range(rows)],
        value_currency=["FCFA", "EUR", "USD", "GHS"] * 100,
    )
    whole, whole_refused = normalize(raw, "seizure", source="s.csv", locale="fr")
    monkeypatch.setattr(module, "_BATCH", 32)
    cut, cut_refused = normalize(raw, "seizure", source="s.csv", locale="fr")
    assert cut.equals(whole)
    assert cut_refused == whole_refused
    # Handed over, the input is emptied and gives the same table.
    handed = raw.clone()
    given, given_refused = normalize(handed, "seizure", source="s.csv", locale="fr", consume=True)
    assert given.equals(whole) and given_refused == whole_refused
    assert handed.width == 0 and raw.height == rows
    assert whole.height + len(whole_refused) == rows
    reasons = by_row(whole_refused)
    assert reasons[2 + 390] == ("id", "S-0") and reasons[2 + 54] == ("drug", "zorglub")
    assert {field for field, _ in reasons.values()} >= {"id", "quantity", "date", "drug"}


@given(st.lists(st.tuples(st.booleans(), st.none() | st.integers(0, 10**6)), max_size=60))
def test_spread_puts_the_selected_rows_back_where_they_were(
    rows: list[tuple[bool, int | None]],
) -> None:
    from sahel_core.normalize import _spread

    mask = pl.Series([chosen for chosen, _ in rows], dtype=pl.Boolean)
    values = [value for chosen, value in rows if chosen]
    if not values:
        return  # the caller adds null columns itself when no row is selected
    decimals = [None if v is None else Decimal(v) / 1000 for v in values]
    selected = pl.DataFrame(
        {
            "n": pl.Series(decimals, dtype=pl.Decimal(38, 9)),
            "t": pl.Series([None if v is None else str(v) for v in values], dtype=pl.String),
            # nested: gathered, not scattered
            "l": pl.Series(
                [None if v is None else [str(v)] for v in values], dtype=pl.List(pl.String)
            ),
            "z": pl.Series([None] * len(values), dtype=pl.Null),
        }
    )
    spread = _spread(selected, mask)
    picks = iter(range(len(values)))
    expected = [next(picks) if chosen else None for chosen, _ in rows]
    assert spread.height == len(rows)
    for name in ("n", "t", "l", "z"):
        column = selected[name].to_list()
        assert spread[name].to_list() == [None if i is None else column[i] for i in expected]


def test_a_list_cell_nested_past_the_stack_is_a_rejection() -> None:
    # RecursionError from json.loads failed the whole file, not the row.
    raw = pl.DataFrame(
        {"id": ["A1", "A2"], "kind": ["arrest", "arrest"], "actors": ["[" * 1100, "JNIM"]}
    )
    table, rejections = normalize(raw, "operation", source="ops.csv")
    assert table["id"].to_list() == ["A2"]
    assert [(r.row, r.field) for r in rejections] == [(2, "actors")]
