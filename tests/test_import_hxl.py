"""The HXL importer and exporter: hashtag rows anywhere, seizures, events, generic tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from files import table_file
from sahel_core.entities import ENTITY_TYPES
from sahel_core.errors import FormatError, SahelError
from sahel_core.io import read, write
from sahel_core.plugins import get_manager
from sahel_core.plugins.hxl import hxl_tags, normalize_tag, read_hxl, sniff_hxl
from sahel_core.specs import ReadOptions, ReadResult, Rejection, WriteOptions
from sahel_core.tables import from_entities, to_entities
from sahel_core.testing import entity_strategies
from strategies import damaged

FIXTURES = Path(__file__).parent / "fixtures" / "hxl"
SEIZURES = FIXTURES / "seizures_hxl.csv"


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("#adm1 +name", "#adm1+name"),
        ("#Country +Code +v_iso3", "#country+code+v_iso3"),
        ("  #date", "#date"),
        ("#value+usd", "#value+usd"),
        ("adm1", None),
        ("#1abc", None),
        ("#adm1 name", None),
        ("", None),
    ],
)
def test_normalize_tag(text: str, tag: str | None) -> None:
    assert normalize_tag(text) == tag


def test_seizures_with_spaced_tags_under_title_rows() -> None:
    result = read(SEIZURES)
    assert result.format == "hxl"
    assert result.notes[0] == "HXL hashtag row on row 4"
    assert (result.read, result.accepted, result.rejected) == (6, 3, 3)
    assert result.rejections == [
        Rejection(8, "#date", "2021-13-45", "no such date"),
        Rejection(9, "#country+code", "ZZZ", "unknown country"),
        Rejection(10, None, "extra", "9 cells but the hashtag row has 8"),
    ]
    seizures = {s.id: s for s in to_entities(result.tables["seizure"], "seizure")}
    mopti = seizures["seizures_hxl:5"]
    assert (mopti.drug, mopti.drug_text) == ("cannabis", "cannabis")
    assert mopti.quantity is not None and mopti.quantity.magnitude == 250
    assert mopti.place is not None and (mopti.place.country, mopti.place.locality) == (
        "MLI",
        "Sévaré",
    )
    assert mopti.agency == "OCS"
    arlit = seizures["seizures_hxl:6"]
    assert arlit.drug == "cocaine" and arlit.date is not None
    assert arlit.date.earliest == dt.date(2021, 5, 12)  # 12/05/2021 is day-first.
    dakar = seizures["seizures_hxl:7"].quantity
    assert dakar is not None and (dakar.magnitude, dakar.unit) == (Decimal(70000), "tablet")


def test_prices_are_not_seizures() -> None:
    result = read(FIXTURES / "prices_hxl.csv")
    assert list(result.tables) == ["hxl"]
    table = result.tables["hxl"]
    assert table.columns == [
        "#date", "#loc+market+name", "#item+name", "#item+unit", "#currency+code", "#value", "row"
    ]  # fmt: skip
    assert table["#value"].to_list() == ["450", "275"] and table["row"].to_list() == [3, 4]


def test_acled_hashtags_become_events() -> None:
    result = read(FIXTURES / "events_hxl.csv", format="hxl")
    assert (result.read, result.accepted, result.rejected) == (3, 2, 1)
    assert result.rejections == [
        Rejection(5, "#date", "not a date", "not a date this parser reads")
    ]
    events = list(to_entities(result.tables["operation"], "operation"))
    assert [(e.id, e.fatalities) for e in events] == [("ACLED:TST1", 4), ("ACLED:TST2", 0)]
    # The ACLED reader takes the same file and skips the hashtag row.
    assert read(FIXTURES / "events_hxl.csv").accepted == 2


def test_no_hashtag_row_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="no HXL hashtag row"):
        read(path, format="hxl")


def test_sniffer() -> None:
    assert sniff_hxl(SEIZURES.read_bytes(), "x.csv")
    assert not sniff_hxl(b"a,b,c\n1,2,3\n4,5,6\n", "x.csv")
    assert not sniff_hxl(b"PK\x03\x04", "x.xlsx")
    assert get_manager().detect_format(FIXTURES / "prices_hxl.csv").name == "hxl"


@pytest.mark.parametrize("entity", sorted(set(ENTITY_TYPES) - {"country"}))
def test_tags_are_distinct_and_cover_every_column(entity: str) -> None:
    from sahel_core.tables import schema

    tags = hxl_tags(entity)
    assert list(tags) == list(schema(entity))
    assert all(normalize_tag(t) == t for t in tags.values())
    assert len({frozenset(t.split("+")) for t in tags.values()}) == len(tags)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # A failure prints; no slow shrink.
)
@given(data=st.data())
@pytest.mark.parametrize("entity", ["seizure", "operation", "workshop", "donor", "agency"])
def test_round_trip_through_hxl(tmp_path: Path, entity: str, data: st.DataObject) -> None:
    records = data.draw(
        st.lists(
            entity_strategies()[entity],
            min_size=1,
            max_size=4,
            unique_by=lambda r: getattr(r, "id", None) or r.key,
        )
    )
    path = tmp_path / "export.csv"
    write(from_entities(records, entity), path, entity, format="hxl")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1] == ",".join(hxl_tags(entity).values())
    result = read(path)
    assert result.format == "hxl" and result.rejected == 0, result.rejections
    assert list(to_entities(result.tables[entity], entity)) == records


def test_csv_writer_adds_the_hashtag_row_on_request(tmp_path: Path) -> None:
    seizures = read(SEIZURES).tables["seizure"]
    path = tmp_path / "seizures.csv"
    write(seizures, path, "seizure", options=WriteOptions(hxl=True))
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("id,drug,quantity")
    assert lines[1].startswith("#meta+id,#item+drug+code,#indicator+quantity+num")
    again = read(path)
    assert again.format == "hxl" and again.accepted == 3
    plain = tmp_path / "plain.csv"
    write(seizures, plain, "seizure")
    assert not plain.read_text(encoding="utf-8-sig").splitlines()[1].startswith("#")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=damaged(SEIZURES.read_bytes()))
def test_damaged_files_raise_only_sahel_errors(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "damaged.csv"
    path.write_bytes(data)
    try:
        result = read_hxl(path, ReadOptions())  # Not io.read: it wraps crashes.
    except SahelError:
        return
    assert result.read == result.accepted + result.rejected
    assert sum(t.height for t in result.tables.values()) == result.accepted


# -- the real HDX files (../shared/data) ----------------------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "rows", "columns"),
    [
        ("hdx_countries_territories_taxonomy_hxl.csv", 256, 44),
        ("hdx_global_pcodes_adm1_2_sahel_hxl.csv", 427, 6),
        ("wfp_food_prices_cog_hxl.csv", 6039, 16),
    ],
)
def test_real_files_become_generic_tables(
    shared_data: Path, name: str, rows: int, columns: int
) -> None:
    result = read(shared_data / "hxl" / name)
    assert result.format == "hxl"
    assert (result.read, result.accepted, result.rejected) == (rows, rows, 0)
    table = result.tables["hxl"]
    assert table.width == columns + 1  # The tagged columns and ``row``.


@pytest.mark.shared
def test_real_figures(shared_data: Path) -> None:
    import polars as pl

    pcodes = read(shared_data / "hxl" / "hdx_global_pcodes_adm1_2_sahel_hxl.csv").tables["hxl"]
    kayes = pcodes.filter(pl.col("#adm+code") == "ML01")
    assert kayes["#adm+name"].to_list() == ["Kayes"]  # SOURCES.md: MLI,1,ML01,Kayes,...
    mali = pcodes.filter((pl.col("#country+code") == "MLI") & (pl.col("#geo+admin_level") == "1"))
    assert mali.height == 10
    prices = read(shared_data / "hxl" / "wfp_food_prices_cog_hxl.csv").tables["hxl"]
    first = prices.row(0, named=True)
    assert (first["#value"], first["#value+usd"], first["#currency+code"]) == ("635", "1.29", "XAF")
    taxonomy = read(shared_data / "hxl" / "hdx_countries_territories_taxonomy_hxl.csv")
    table = taxonomy.tables["hxl"]
    # Tags written with spaces ("#country +code +v_iso3") are normalized.
    chad = table.filter(pl.col("#country+code+v_iso3") == "TCD")
    assert chad["#currency+code"].to_list() == ["XAF"]


@pytest.mark.shared
def test_cli_read_and_validate(shared_data: Path) -> None:
    from sahel_core.cli import app

    runner = CliRunner()
    for path in sorted((shared_data / "hxl").glob("*.csv")):
        done = runner.invoke(app, ["read", str(path)])
        assert done.exit_code == 0, done.output
        assert "(hxl)" in done.output
    checked = runner.invoke(app, ["validate", str(FIXTURES / "prices_hxl.csv")])
    assert checked.exit_code == 0, checked.output
    bad = runner.invoke(app, ["validate", str(SEIZURES)])
    assert bad.exit_code == 1 and "unknown country" in bad.output


def test_options_entity_generic(tmp_path: Path) -> None:
    result = read(SEIZURES, options=ReadOptions(entity="hxl"), format="hxl")
    assert list(result.tables) == ["hxl"]


def test_a_count_too_large_rejects_its_row_only(tmp_path: Path) -> None:
    text = (FIXTURES / "events_hxl.csv").read_text(encoding="utf-8")
    path = tmp_path / "events.csv"
    path.write_text(text.replace("Sevare,4,", f"Sevare,{2**63},"), encoding="utf-8")
    result = read(path, format="hxl")
    assert (result.read, result.accepted, result.rejected) == (3, 1, 2)
    assert result.rejections[0] == Rejection(
        3, "#affected+killed", str(2**63), "too large a count (at most 9223372036854775807)"
    )


def test_an_entity_named_in_another_case_maps_the_same_hashtags() -> None:
    # entity="Seizure" is the seizure entity everywhere; the hashtag rules compared it as
    # written, and so mapped a foreign file's #item+drug to nothing.
    lower, upper = (
        read(FIXTURES / "seizures_hxl.csv", options=ReadOptions(entity=name))
        for name in ("seizure", "Seizure")
    )
    assert upper.accepted == lower.accepted == 3
    assert upper.tables["seizure"].equals(lower.tables["seizure"])


def test_a_repeated_hashtag_is_named_apart_from_every_hashtag_of_the_file(
    tmp_path: Path,
) -> None:
    # The repeat was named "#adm1+name_2", the name of the third column: one was lost.
    path = tmp_path / "names.csv"
    path.write_text("A,B,C\n#adm1+name,#adm1+name,#adm1+name_2\nx,y,z\n")
    table = read(path).tables["hxl"]
    assert table.columns == ["#adm1+name", "#adm1+name_duplicated_0", "#adm1+name_2", "row"]
    assert table.rows() == [("x", "y", "z", 3)]


@pytest.mark.parametrize("again", ["#item+drug+code", "#item+code+drug"])
def test_a_hashtag_carried_twice_maps_its_first_column(tmp_path: Path, again: str) -> None:
    # HXL's attributes are a set: the reordered hashtag is a repeat, and reads as one (both
    # columns mapped to "drug" and the file failed on a duplicate column). Where the copies
    # differ, which is meant cannot be told: the row is rejected.
    path = tmp_path / "twice.csv"
    path.write_text(
        "Id,Drug,Drug code,Qty,Unit\n"
        f"#meta+id,#item+drug+code,{again},#indicator+quantity+num,#indicator+quantity+unit\n"
        "A,cocaine,heroin,1,kg\n"
        "B,cocaine,cocaine,2,kg\n"
    )
    result = read(path)
    assert (result.read, result.accepted) == (2, 1)
    assert result.tables["seizure"]["drug"].to_list() == ["cocaine"]
    assert result.notes[-2] == (
        "hashtags: #meta+id → id, #item+drug+code → drug, #indicator+quantity+num → quantity, "
        "#indicator+quantity+unit → quantity_unit"
    )
    assert result.notes[-1].endswith("(a row where they differ is rejected): #item+drug+code")
    [rejection] = result.rejections
    assert (rejection.row, rejection.value) == (3, "heroin")


@pytest.mark.parametrize("again", ["#group+name+first", "#group+first+name"])
def test_an_acled_hashtag_carried_twice_maps_its_first_column(tmp_path: Path, again: str) -> None:
    lines = (FIXTURES / "events_hxl.csv").read_text(encoding="utf-8").splitlines()
    lines[0] += ",other actor"
    lines[1] += f",{again}"
    lines[2:] = [line + ",Someone Else" for line in lines[2:]]
    path = tmp_path / "events_hxl.csv"  # The fixture's name: sources name the file.
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read(path, format="hxl")
    assert (result.read, result.accepted, result.rejected) == (3, 2, 1)
    assert result.tables["operation"].equals(
        read(FIXTURES / "events_hxl.csv", format="hxl").tables["operation"]
    )


def test_a_repeated_code_hashtag_is_not_read_as_a_name(tmp_path: Path) -> None:
    # A repeat was mapped by its made-up name: "#loc+code_2" lost "+code" and became the
    # locality, a place code read as a place name.
    path = tmp_path / "codes.csv"
    path.write_text(
        "Drug,Qty,Unit,Place code,Place code\n"
        "#item+drug,#indicator+num,#indicator+unit,#loc+code,#loc+code\n"
        "cocaine,1,kg,ML0101,ML0102\n"
    )
    result = read(path)
    assert result.accepted == 1
    assert result.tables["seizure"]["locality"].to_list() == [None]


def test_a_file_that_tags_one_column_under_its_header_is_hxl(tmp_path: Path) -> None:
    # HXL lets a file tag one column only; right under the header, one tag is a hashtag row.
    # (Further down, one tag-like cell is data: see test_formats.)
    path = tmp_path / "onetag.csv"
    path.write_text("Country,Population,Notes\n#country+name,,\nMali,20000000,x\nNiger,2,y\n")
    result = read(path)
    assert (result.format, result.read, result.accepted) == ("hxl", 2, 2)
    assert result.tables["hxl"].columns[0] == "#country+name"


# -- workbooks read by their hashtags, as the same table in HXL CSV ---------------------------


def _typed(text: str) -> object:
    """A cell as a spreadsheet program types it when the text reads back the same: numbers as
    numbers, ISO dates as dates; anything else ("0.50", "01", "ML01") stays text."""
    for kind in (int, float):
        try:
            number = kind(text)
        except ValueError:
            continue
        if _workbook_text(number) == text:
            return number
    try:
        date = dt.datetime.fromisoformat(text)
    except ValueError:
        return text or None
    return date if date.date().isoformat() == text else text


def _workbook_text(value: object) -> str | None:
    from sahel_core.plugins.xlsx_format import _cell_text

    return _cell_text(value)


def _as_workbook(source: Path, target: Path, sheet: str = "data") -> Path:
    """``source`` (a CSV) saved as a one-sheet workbook, as a spreadsheet program saves it."""
    import csv

    import openpyxl

    workbook = openpyxl.Workbook()
    page = workbook.active
    page.title = sheet
    with source.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            page.append([_typed(c) for c in row])
    workbook.save(target)
    return target


def _spreadsheet_copy(source: Path, folder: Path) -> Path:
    """``source`` as a spreadsheet program saves a sheet as CSV: every row as wide as the
    widest (the same name, in ``folder``, for the same generated ids)."""
    import csv

    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    width = max(map(len, rows))
    folder.mkdir(exist_ok=True)
    copy = folder / source.name
    with copy.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(row + [""] * (width - len(row)) for row in rows)
    return copy


def _same_reading(csv_path: Path, xlsx_path: Path, format: str | None = None) -> ReadResult:
    """The workbook reads as its CSV copy (:func:`_spreadsheet_copy` of ``csv_path``):
    tables, counts, rejections, notes (the workbook's first note names its sheet); sources
    name each its own file. Returns the workbook's."""
    import polars as pl

    csv_path = _spreadsheet_copy(csv_path, xlsx_path.parent / "copy")
    text, book = read(csv_path, format="hxl"), read(xlsx_path, format=format)
    assert (book.read, book.accepted, book.rejected) == (text.read, text.accepted, text.rejected)
    assert book.rejections == text.rejections
    assert book.notes[1:] == text.notes
    assert list(book.tables) == list(text.tables)
    for name, table in text.tables.items():
        other = book.tables[name]
        if "sources" in table.columns:
            assert other["sources"].list.eval(
                pl.element().struct.field("file")
            ).explode().unique().to_list() == [xlsx_path.name]
            table, other = table.drop("sources"), other.drop("sources")
        assert other.equals(table), (name, other, table)
    return book


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "hdx_countries_territories_taxonomy_hxl.csv",
        "hdx_global_pcodes_adm1_2_sahel_hxl.csv",
        "wfp_food_prices_cog_hxl.csv",
    ],
)
def test_real_files_read_the_same_as_workbooks(
    shared_data: Path, tmp_path: Path, name: str
) -> None:
    source = shared_data / "hxl" / name
    book = _as_workbook(source, tmp_path / f"{source.stem}.xlsx", sheet="HDX")
    result = _same_reading(source, book)
    assert result.format == "xlsx" and result.notes[0] == "sheet 'HDX'"


def test_a_workbook_is_read_by_its_hashtags_not_its_header(tmp_path: Path) -> None:
    # The header says "Quantité" over the unit and "Unité" over the quantity; the hashtags
    # say which is which, in any language: they win, as in HXL CSV.
    lines = [
        "Registre des saisies,,,,,,",
        "Pays,Produit,Unité,Quantité,Date,Agence,Remarques",
        "#country+code,#item+drug,#indicator+num,#indicator+unit,#date,#org+code,",
        "MLI,cocaine,2.7,kg,2021-03-12,OCS,",
        ",,,,,,",
        "ZZZ,cannabis,12,kg,2021-04-02,,vu",
        "NER,cannabis,3,kg,2021-13-45,OCRTIS,",
        "SEN,heroin,1,kg,2021-05-01,OCRTIS,,extra",
    ]
    source = tmp_path / "saisies.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    book = _as_workbook(source, tmp_path / "saisies.xlsx", sheet="Saisies 2021")
    result = read(book)
    assert result.format == "xlsx"
    assert (result.read, result.accepted, result.rejected) == (4, 2, 2)
    # Rows are the sheet's: title and header counted, the blank row 5 skipped.
    assert result.rejections == [
        Rejection(6, "#country+code", "ZZZ", "unknown country"),
        Rejection(7, "#date", "2021-13-45", "no such date"),
    ]
    # "extra", right of the last hashtag, is in a column without one, as in the sheet's
    # CSV copy: dropped with a note, its row kept.
    assert result.notes[:3] == [
        "sheet 'Saisies 2021'",
        "HXL hashtag row on row 3",
        "columns without a hashtag dropped: Remarques, column 8",
    ]
    table = result.tables["seizure"]
    assert table["quantity"].to_list() == [Decimal("2.7"), Decimal(1)]
    assert table["quantity_unit"].to_list() == ["kg", "kg"]
    assert [s[0]["row"] for s in table["sources"]] == [4, 8]
    assert table["sources"][0][0]["file"] == "saisies.xlsx"
    _same_reading(source, book)


@pytest.mark.parametrize("name", ["seizures_hxl.csv", "events_hxl.csv", "prices_hxl.csv"])
def test_the_fixtures_read_the_same_as_workbooks(tmp_path: Path, name: str) -> None:
    # Title rows, spaced hashtags, a row longer than the hashtag row, ACLED's hashtags.
    source = FIXTURES / name
    # Named as the CSV, so generated ids are the same (a workbook named "*seizure*" is
    # taken for UNODC's by the sniffer: the format is named).
    book = _as_workbook(source, tmp_path / f"{source.stem}.xlsx")
    _same_reading(source, book, format="xlsx")


def test_a_workbook_read_by_hashtags_reads_typed_numbers_in_the_locale(tmp_path: Path) -> None:
    # A number typed as a number is that number in any locale: 1.234 typed is not 1234 in
    # French or German, where the same text in a CSV would be.
    source = tmp_path / "s.csv"
    source.write_text(
        "Pays,Produit,Qté,Unité\n#country+code,#item+drug,#indicator+num,#indicator+unit\n"
        "MLI,cocaine,1.234,kg\nNER,cannabis,2.5,kg\n"
    )
    book = _as_workbook(source, tmp_path / "s.xlsx")
    for locale in ("fr", "de", "en", None):
        result = read(book, options=ReadOptions(locale=locale))
        assert result.rejections == [], locale
        assert result.tables["seizure"]["quantity"].to_list() == [
            Decimal("1.234"), Decimal("2.5")
        ], locale  # fmt: skip
    assert read(source, options=ReadOptions(locale="fr")).tables["seizure"][
        "quantity"
    ].to_list() == [Decimal(1234), Decimal("2.5")]


def test_the_sheet_read_by_hashtags_is_the_first_with_a_table(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    readme = workbook.active
    readme.title = "README"
    readme.append(["Food prices, Congo: see the data sheet"])
    data = workbook.create_sheet("Prix")
    data.append(["date", "market", "price"])
    data.append(["#date", "#loc+market+name", "#value"])
    data.append([dt.datetime(2021, 1, 15), "Mikalou", 635])
    path = tmp_path / "prices.xlsx"
    workbook.save(path)
    result = read(path)
    assert result.notes[:2] == ["sheet 'Prix'", "HXL hashtag row on row 2"]
    assert result.tables["hxl"].rows() == [("2021-01-15", "Mikalou", "635", 3)]


def test_a_hashtag_sheet_formatted_to_its_last_column_reads_its_tagged_columns(
    tmp_path: Path,
) -> None:
    # openpyxl pads every row to the sheet's width (16,384 cells here): only the columns
    # with a header or a hashtag are read, and a stray value far right is in a column
    # without one, dropped with a note (the sheet's CSV copy would have it so), its row kept.
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["Pays", "Produit"], ["#country+code", "#item+name"], ["MLI", "riz"],
                ["NER", "mil"]):  # fmt: skip
        sheet.append(row)
    sheet.cell(row=1, column=16384).font = Font(bold=True)
    sheet.cell(row=4, column=16000, value="stray")
    path = tmp_path / "wide.xlsx"
    workbook.save(path)
    result = read(path)
    assert result.tables["hxl"].rows() == [("MLI", "riz", 3), ("NER", "mil", 4)]
    assert result.rejections == []
    assert result.notes[2].endswith("column 21, column 22 (+15978 more)")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_repeated_hashtag_is_read_where_its_copies_agree(tmp_path: Path, suffix: str) -> None:
    # The first "#item+drug+code" won without a word, as a repeated header of a CSV did.
    rows = [
        ["Drug", "Note", "Drug again", "Quantity", "Unit", "Country"],
        ["#item+drug+code", "", "#item+drug+code", "#indicator+quantity+num",
         "#indicator+quantity+unit", "#country+code"],
        ["cannabis", "x", "cocaine", "1", "kg", "MLI"],
        ["heroin", "", "heroin", "2", "kg", "MLI"],
    ]  # fmt: skip
    result = read(table_file(tmp_path / f"seizures{suffix}", rows))
    assert (result.read, result.accepted) == (2, 1)
    [rejection] = result.rejections
    assert (rejection.row, rejection.field, rejection.value) == (3, "#item+drug+code", "cocaine")
    # Columns as the file numbers them, the one without a hashtag counted.
    assert rejection.reason.startswith("column 3 (#item+drug+code) disagrees with column 1")
    assert result.tables["seizure"]["drug"].to_list() == ["heroin"]
    assert not [note for note in result.notes if "duplicated" in note]
