"""The UNODC drug-seizure importer: the real export, a team-written fixture, damaged files."""

from __future__ import annotations

import datetime as dt
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sahel_core.errors import FormatError, SahelError
from sahel_core.io import read
from sahel_core.plugins import get_manager
from sahel_core.plugins.unodc import HEADER, read_unodc, sniff_unodc
from sahel_core.specs import ReadOptions, Rejection
from sahel_core.tables import to_entities
from strategies import damaged

FIXTURE = Path(__file__).parent / "fixtures" / "unodc" / "seizures_small.csv"
REAL = "seizures/unodc_drug_seizures_2018_2022"


def test_fixture_accounting_and_rejections() -> None:
    result = read(FIXTURE)
    assert result.format == "unodc_seizures"
    # Title row 1, header row 2, a blank row 7 (not a record), 9 records.
    assert (result.read, result.accepted, result.rejected) == (9, 4, 5)
    assert result.rejections == [
        Rejection(6, "Kilograms", None, "no quantity reported"),
        Rejection(8, None, None, "repeated header row"),
        Rejection(9, "msCode", "XXX", "unknown country"),
        Rejection(10, "Kilograms", "a lot", "not a number"),
        Rejection(11, "Reference year", "year two", "not a date this parser reads"),
    ]


def test_fixture_values() -> None:
    table = read(FIXTURE).tables["seizure"]
    seizures = {s.id: s for s in to_entities(table, "seizure")}
    assert set(seizures) == {f"seizures_small:{n}" for n in (3, 4, 5, 12)}
    cocaine = seizures["seizures_small:3"]
    assert cocaine.drug == "cocaine"
    assert cocaine.drug_text == "Cocaine-type | Cocaine | Cocaine hydrochloride"
    assert cocaine.quantity is not None and cocaine.quantity.magnitude == Decimal("12.5")
    assert cocaine.quantity.unit == "kg" and cocaine.quantity.qualifier.value == "exact"
    assert cocaine.date is not None and cocaine.date.text == "2022"
    assert (cocaine.date.earliest, cocaine.date.latest) == (
        dt.date(2022, 1, 1),
        dt.date(2022, 12, 31),
    )
    assert cocaine.place is not None and cocaine.place.country == "MLI"
    assert cocaine.sources[0].file == "seizures_small.csv" and cocaine.sources[0].row == 3
    # Binary float noise is rounded away; the cell as written stays in quantity_text.
    cannabis = seizures["seizures_small:4"].quantity
    assert cannabis is not None and cannabis.magnitude == Decimal("0.3")
    assert cannabis.text == "0.30000000000000004"
    # Zero kilograms is a reported zero, accepted; curly quotes survive in drug_text.
    yaba = seizures["seizures_small:5"]
    assert yaba.quantity is not None and yaba.quantity.magnitude == 0
    assert yaba.drug_text is not None and "“Yaba”" in yaba.drug_text
    # Scientific notation and a drug the vocabulary does not name.
    caffeine = seizures["seizures_small:12"]
    assert caffeine.quantity is not None and caffeine.quantity.magnitude == Decimal("0.0000035")
    assert caffeine.drug == "other"


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Export"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_with_title_row(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Drug seizures, 2018-2022"],
        list(HEADER),
        ["Africa", "West and Central Africa", "Mali", "Cocaine-type", "Cocaine",
         "Cocaine hydrochloride", 2022, 160.689, "MLI"],
        ["Africa", "West and Central Africa", "Niger", "Opioids", "Opiates", "Heroin", 2021,
         None, "NER"],
        ["Africa", "West and Central Africa", "Niger", "Opioids", "Opiates", "Heroin", 2020,
         0.7868999999999999, "NER"],
    ]  # fmt: skip
    path = _xlsx(tmp_path / "drug_seizures_test.xlsx", rows)
    result = read(path)
    assert result.format == "unodc_seizures"
    assert (result.read, result.accepted) == (3, 2)
    assert result.rejections == [Rejection(4, "Kilograms", None, "no quantity reported")]
    table = result.tables["seizure"].sort("id")
    assert table["quantity"].to_list() == [Decimal("160.689"), Decimal("0.7869")]
    assert table["date"].to_list() == ["2022", "2020"]
    assert table["sources"].list.first().struct.field("row").to_list() == [3, 5]


def test_sniffer() -> None:
    head = FIXTURE.read_bytes()
    assert sniff_unodc(head, "anything.csv")
    assert not sniff_unodc(b"date,country,drug\n2021,MLI,cannabis\n", "x.csv")
    assert sniff_unodc(b"PK\x03\x04rest", "drug_seizures_2018_2022.xlsx")
    assert not sniff_unodc(b"PK\x03\x04rest", "unodc_glotip.xlsx")
    assert get_manager().detect_format(FIXTURE).name == "unodc_seizures"


def test_a_file_without_the_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="no UNODC drug-seizure header"):
        read(path, format="unodc_seizures")
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(FormatError, match="not a readable xlsx workbook"):
        read_unodc(path, ReadOptions())


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=damaged(FIXTURE.read_bytes()))
def test_damaged_files_raise_only_sahel_errors(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "damaged.csv"
    path.write_bytes(data)
    try:
        result = read_unodc(path, ReadOptions())  # Not io.read: it wraps crashes.
    except SahelError:
        return
    assert result.read == result.accepted + result.rejected
    assert result.tables["seizure"].height == result.accepted


# -- the real export (../shared/data) -----------------------------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_real_export(shared_data: Path, suffix: str) -> None:
    result = read(shared_data / f"{REAL}{suffix}")
    assert result.format == "unodc_seizures"
    # SOURCES.md: 11,013 data rows, 72 with an empty Kilograms cell.
    assert (result.read, result.accepted, result.rejected) == (11013, 10941, 72)
    assert {r.reason for r in result.rejections} == {"no quantity reported"}
    table = result.tables["seizure"]
    # Checked by hand in the CSV (line 726): Mali, Cocaine hydrochloride, 2022, 160.689 kg.
    mali = table.filter(
        (pl.col("country") == "MLI")
        & (pl.col("date") == "2022")
        & pl.col("drug_text").str.ends_with("| Cocaine hydrochloride")
    )
    assert mali["quantity"].to_list() == [Decimal("160.689")]
    assert mali["drug"].to_list() == ["cocaine"]
    # SOURCES.md: Cocaine-type total for Niger in 2022 is 218.049 kg.
    niger = table.filter(
        (pl.col("country") == "NER")
        & (pl.col("date_earliest") == dt.date(2022, 1, 1))
        & pl.col("drug_text").str.starts_with("Cocaine-type |")
    )
    assert niger["quantity"].sum() == Decimal("218.049")
    # 1,494 rows report zero kilograms: kept as zeros.
    assert table.filter(pl.col("quantity") == 0).height == 1494


@pytest.mark.shared
def test_cli_read_and_validate(shared_data: Path) -> None:
    from sahel_core.cli import app

    runner = CliRunner()
    path = str(shared_data / f"{REAL}.csv")
    done = runner.invoke(app, ["read", path])
    assert done.exit_code == 0, done.output
    assert "11013 read, 10941 accepted, 72 rejected" in done.output
    checked = runner.invoke(app, ["validate", str(FIXTURE), path])
    assert checked.exit_code == 1  # Rows were rejected.
    assert "no quantity reported" in checked.output


# -- large quantities, headers ---------------------------------------------------------------------


def _csv(tmp_path: Path, kilograms: list[str]) -> Path:
    rows = [",".join(HEADER)] + [
        f"Africa,West and Central Africa,Mali,Cocaine-type,Cocaine,Cocaine,2022,{k},MLI"
        for k in kilograms
    ]
    path = tmp_path / "seizures.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_quantities_beyond_python_default_precision(tmp_path: Path) -> None:
    # Rounding to 9 places needs more than Python's 28 digits: the table holds 29 + 9, so
    # these are kept exactly; beyond the table's decimals, the row is refused.
    path = _csv(tmp_path, ["12345678901234567890.5", "1e28", "1e29", "12.5", "1E+999999"])
    result = read_unodc(path, ReadOptions())
    assert (result.read, result.accepted, result.rejected) == (5, 3, 2)
    assert result.tables["seizure"]["quantity"].to_list() == [
        Decimal("12345678901234567890.5"), Decimal(10) ** 28, Decimal("12.5")
    ]  # fmt: skip
    assert result.rejections == [
        Rejection(4, "Kilograms", "1e29", "too large a quantity"),
        Rejection(6, "Kilograms", "1E+999999", "too large a quantity"),
    ]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # As many numbers of each length (1 to 40 digits): integers() alone favours short ones.
    digits=st.integers(min_value=1, max_value=40).flatmap(
        lambda n: st.integers(min_value=10 ** (n - 1), max_value=10**n - 1)
    ),
    places=st.integers(min_value=0, max_value=12),
    notation=st.sampled_from(["f", "e"]),
)
def test_any_quantity_is_kept_or_refused(
    tmp_path: Path, digits: int, places: int, notation: str
) -> None:
    number = Decimal(digits).scaleb(-places, context=Context(prec=60))
    result = read_unodc(_csv(tmp_path, [format(number, notation)]), ReadOptions())
    assert result.read == 1 == result.accepted + result.rejected
    if result.accepted:
        kept = result.tables["seizure"]["quantity"][0]
        assert kept == number.quantize(Decimal("1e-9"), context=Context(prec=60))
    else:
        assert result.rejections[0].field == "Kilograms"


def test_a_copy_resaved_by_a_spreadsheet_is_read_in_its_locale(tmp_path: Path) -> None:
    # French Excel saves the export with ";" and decimal commas: "0,5" is half a kilogram,
    # never 5; the export's own float notation ("1e-05") reads the same in any locale.
    rows = [";".join(HEADER)] + [
        f"Africa;West and Central Africa;Mali;Cocaine-type;Cocaine;Cocaine;2022;{k};MLI"
        for k in ("0,5", "1.234,5", "1 234,5", "1e-05", "12.5")
    ]
    path = tmp_path / "seizures.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = read_unodc(path, ReadOptions(locale="fr"))
    assert result.rejections == []
    assert result.tables["seizure"]["quantity"].to_list() == [
        Decimal("0.5"), Decimal("1234.5"), Decimal("1234.5"), Decimal("0.00001"), Decimal("12.5")
    ]  # fmt: skip


def test_a_quantity_that_reads_two_ways_is_refused_without_a_locale(tmp_path: Path) -> None:
    path = _csv(tmp_path, ['"0,5"', '"1,234.5"', '"1,234"'])
    result = read_unodc(path, ReadOptions())
    assert result.tables["seizure"]["quantity"].to_list() == [Decimal("0.5"), Decimal("1234.5")]
    [refused] = result.rejections
    assert (refused.row, refused.field, refused.value) == (4, "Kilograms", "1,234")
    assert "locale" in refused.reason
    with_locale = read_unodc(path, ReadOptions(locale="en"))
    assert with_locale.tables["seizure"]["quantity"][2] == Decimal(1234)


def test_an_unknown_locale_is_the_callers_mistake(tmp_path: Path) -> None:
    with pytest.raises(SahelError):
        read_unodc(_csv(tmp_path, ["1"]), ReadOptions(locale="xx-nowhere"))


def test_repeated_and_blank_headers_share_the_csv_reader_naming() -> None:
    from sahel_core.plugins.unodc import _unique

    assert _unique(["Kilograms", " Note ", "Note", "", " ", "Note_duplicated_0"]) == [
        "Kilograms", "Note", "Note_duplicated_1", "column 4", "column 5", "Note_duplicated_0"
    ]  # fmt: skip


def test_an_xlsx_sheet_formatted_to_its_last_column_reads_only_the_export_columns(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    from sahel_core.plugins.unodc import _frame_xlsx

    row = ["Africa", "West Africa", "Mali", "Cannabis", "Cannabis herb", "Cannabis herb", 2020,
           160.689, "MLI"]  # fmt: skip
    path = _xlsx(tmp_path / "drug_seizures_wide.xlsx", [list(HEADER), row])
    book = load_workbook(path)
    book["Export"].cell(row=1, column=16384).font = Font(bold=True)
    book.save(path)
    frame, numbers, header_row, ragged = _frame_xlsx(path)
    assert (frame.columns, numbers, header_row, ragged) == (list(HEADER), [2], 1, [])
    # A typed float is read as stored, whatever the locale: 160.689 kg, not 160689.
    result = read_unodc(path, ReadOptions(locale="fr"))
    assert result.tables["seizure"]["quantity"].to_list() == [Decimal("160.689")]


def test_an_xlsx_row_with_a_value_only_after_the_export_columns_is_a_record(
    tmp_path: Path,
) -> None:
    row = ["Africa", "West Africa", "Mali", "Cannabis", "Cannabis herb", "Cannabis herb", 2020,
           1.5, "MLI"]  # fmt: skip
    blank = [None] * 10 + ["  "]  # only whitespace after the columns: an empty row
    path = _xlsx(tmp_path / "drug_seizures_x.xlsx", [list(HEADER), row, [None] * 11 + ["x"], blank])
    result = read_unodc(path, ReadOptions())
    assert (result.read, result.accepted) == (2, 1)
    # Refused as its CSV copy (",,,,,,,,,,,x") is: the value is not cut off with the row.
    assert result.rejections == [Rejection(3, None, ",,x", "12 cells but the header has 9")]


@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_the_header_is_recognised_in_any_case(tmp_path: Path, case: Any) -> None:
    header = ",".join(case(h) for h in HEADER)
    path = tmp_path / "seizures.csv"
    path.write_text(f"{header}\nAfrica,West Africa,Mali,C,C,Cocaine,2022,1.5,MLI\n")
    assert sniff_unodc(path.read_bytes(), path.name)
    result = read(path)
    assert (result.format, result.accepted) == ("unodc_seizures", 1)


def test_a_title_line_does_not_decide_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "seizures.csv"
    path.write_text(
        "Drug seizures; 2018-2022\n" + ",".join(HEADER) + "\n"
        "Africa,West Africa,Mali,C,C,Cocaine,2022,1.5,MLI\n"
    )
    result = read_unodc(path, ReadOptions())
    assert (result.read, result.accepted) == (1, 1)


def test_a_row_longer_than_the_header_is_rejected_not_cut(tmp_path: Path) -> None:
    row = "Africa,West Africa,Mali,Cocaine-type,Cocaine,Cocaine,2022,1.5,MLI"
    path = tmp_path / "seizures.csv"
    path.write_text(",".join(HEADER) + f"\n{row},EXTRA,more\n{row},,\n,,,,,,,,,x\n")
    result = read_unodc(path, ReadOptions())
    assert (result.read, result.accepted, result.rejected) == (3, 1, 2)
    assert result.rejections == [
        Rejection(2, None, "EXTRA,more", "11 cells but the header has 9"),
        Rejection(4, None, "x", "10 cells but the header has 9"),
    ]
    assert result.notes[0] == "header on row 1; 3 non-empty rows below it"


def _csv_copy(path: Path, rows: list[list[object]]) -> Path:
    """``rows`` as a spreadsheet saves them as CSV: an empty cell as an empty string."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["" if c is None else c for c in row] for row in rows])
    return path


def test_an_xlsx_row_longer_than_the_header_is_rejected_as_its_csv_copy(tmp_path: Path) -> None:
    # The one ragged-row rule (csv_format.fit_rows) for both files: the xlsx cut such a row
    # to the header's columns, and the value after them was lost without a word.
    row = ["Africa", "West Africa", "Mali", "Cocaine-type", "Cocaine", "Cocaine", 2022, 1.5,
           "MLI"]  # fmt: skip
    rows = [list(HEADER), [*row, "EXTRA", "more"], [*row, None, None], [None] * 9 + ["x"]]
    sheet = read_unodc(_xlsx(tmp_path / "drug_seizures.xlsx", rows), ReadOptions())
    copy = read_unodc(_csv_copy(tmp_path / "seizures.csv", rows), ReadOptions())
    expected = [
        Rejection(2, None, "EXTRA,more", "11 cells but the header has 9"),
        Rejection(4, None, "x", "10 cells but the header has 9"),
    ]
    assert sheet.rejections == copy.rejections == expected
    assert (sheet.read, sheet.accepted) == (copy.read, copy.accepted) == (3, 1)
    notes = ["header on row 1; 3 non-empty rows below it", "ignored columns: 'Region', 'SubRegion'"]
    assert sheet.notes == copy.notes == notes


def test_blank_header_cells_after_the_named_ones_do_not_widen_the_header(tmp_path: Path) -> None:
    # A spreadsheet saves its CSV copy as wide as the sheet's widest row, so the header ends
    # in blank cells there and not in the sheet: the stray "x" is refused in both.
    row = ["Africa", "West Africa", "Mali", "Cocaine-type", "Cocaine", "Cocaine", 2022, 1.5,
           "MLI"]  # fmt: skip
    # The copy's padding after the last value counts no cell: "x" in column 10 of 11.
    rows = [[*HEADER, None, None], [*row, "x", None], [*row, None, None]]
    sheet = read_unodc(_xlsx(tmp_path / "drug_seizures.xlsx", rows), ReadOptions())
    copy = read_unodc(_csv_copy(tmp_path / "seizures.csv", rows), ReadOptions())
    refused = [Rejection(2, None, "x", "10 cells but the header has 9")]
    assert sheet.rejections == copy.rejections == refused
    assert (sheet.read, sheet.accepted) == (copy.read, copy.accepted) == (2, 1)


# -- stale sheet dimensions, columns not read, rows without a country or a year -------------------


def _with_dimension(path: Path, ref: str) -> Path:
    """``path`` with its sheet's ``<dimension>`` tag set to ``ref``, as a tool that edits the
    sheet without updating the tag leaves it."""
    import re
    import zipfile

    out = path.with_name(f"dimension_{path.name}")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                tag = f'<dimension ref="{ref}"/>'.encode()
                data, found = re.subn(rb"<dimension ref=\"[^\"]*\"\s*/>", tag, data)
                assert found == 1
            copy.writestr(item, data)
    return out


@pytest.mark.parametrize("ref", ["A1:I4", "A1:H8", "A1", "A1:Z500"])
def test_a_stale_dimension_tag_does_not_cut_the_sheet(tmp_path: Path, ref: str) -> None:
    # openpyxl's read-only mode reads only the range the tag gives: the real export tagged
    # A1:I100 read as 98 rows, without a word about the other 10,915.
    rows: list[list[object]] = [["Drug seizures, 2018-2022"], list(HEADER)]
    rows += [["Africa", "West Africa", "Mali", "Cannabis", "Cannabis herb", "Cannabis herb",
              2018 + n % 5, n + 0.5, "MLI"] for n in range(6)]  # fmt: skip
    path = _with_dimension(_xlsx(tmp_path / "drug_seizures.xlsx", rows), ref)
    result = read_unodc(path, ReadOptions())
    assert (result.read, result.accepted) == (6, 6)
    assert result.tables["seizure"]["country"].to_list() == ["MLI"] * 6
    assert result.tables["seizure"]["quantity"][-1] == Decimal("5.5")


_ROW = ["Africa", "West Africa", "Mali", "Cocaine-type", "Cocaine", "Cocaine", "2022", "1.5", "MLI"]


def _table(tmp_path: Path, header: list[str], rows: list[list[str]], suffix: str) -> Path:
    """The same made-up export as a CSV copy or as a workbook."""
    if suffix == ".xlsx":
        return _xlsx(tmp_path / "drug_seizures.xlsx", [header, *rows])
    return _csv_copy(tmp_path / "seizures.csv", [header, *rows])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_columns_not_read_are_named_in_a_note(tmp_path: Path, suffix: str) -> None:
    # A "Unit" column reading "t" was dropped without a word, the rows read as kilograms.
    header = [*HEADER, "Unit", "", "Note"]
    path = _table(tmp_path, header, [[*_ROW, "t", "", "checked"]], suffix)
    result = read_unodc(path, ReadOptions())
    assert (result.read, result.accepted) == (1, 1)
    assert "ignored columns: 'Region', 'SubRegion', 'Unit', 'column 11', 'Note'" in result.notes


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("again", ["Kilograms", "KILOGRAMS"])
def test_a_repeated_column_is_read_where_its_copies_agree(
    tmp_path: Path, suffix: str, again: str
) -> None:
    # Two Kilograms columns: the first was read, the second dropped without a word, though
    # which of them holds the figure cannot be told where they differ.
    header = [*HEADER[:8], again, "msCode"]
    rows = [
        [*_ROW[:8], "1.5", "MLI"],  # the same figure: read
        [*_ROW[:8], "5", "MLI"],  # two figures: rejected, never guessed
        [*_ROW[:8], "", "MLI"],  # the copy says nothing: read
        [*_ROW[:7], "", "2", "MLI"],  # the first says nothing, the copy does
    ]
    result = read_unodc(_table(tmp_path, header, rows, suffix), ReadOptions())
    assert (result.read, result.accepted) == (4, 2)
    assert [(r.row, r.field, r.value) for r in result.rejections] == [
        (3, again, "5"), (5, again, "2")
    ]  # fmt: skip
    assert result.rejections[0].reason == (
        f"column 9 ({again}) disagrees with column 8 (Kilograms): '5', not '1.5'"
    )
    assert result.rejections[1].reason == (
        f"column 9 ({again}) disagrees with column 8 (Kilograms): '2', not an empty cell"
    )
    assert (
        f"repeated columns, compared with the first of their name (a row where they differ is "
        f"rejected): '{again}' (column 9)"
    ) in result.notes
    assert result.tables["seizure"]["quantity"].to_list() == [Decimal("1.5")] * 2


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_row_without_a_code_or_a_year(tmp_path: Path, suffix: str) -> None:
    # The country was left empty when the code was (the name says it), and a row without a
    # reference year was accepted without a date: UNODC's figures are totals per country and
    # year, and such a row says nothing an indicator can place.
    rows = [
        [*_ROW[:8], ""],  # msCode empty, Country "Mali"
        [*_ROW[:2], "Atlantis", *_ROW[3:8], ""],
        [*_ROW[:2], "", *_ROW[3:8], ""],
        [*_ROW[:6], "", *_ROW[7:]],
        [*_ROW[:6], " ", *_ROW[7:]],
    ]
    result = read_unodc(_table(tmp_path, list(HEADER), rows, suffix), ReadOptions())
    assert (result.read, result.accepted) == (5, 1)
    assert result.tables["seizure"]["country"].to_list() == ["MLI"]
    assert result.rejections == [
        Rejection(3, "Country", "Atlantis", "unknown country"),
        Rejection(4, "msCode", None, "no country reported"),
        Rejection(5, "Reference year", None, "no year reported"),
        Rejection(6, "Reference year", None, "no year reported"),
    ]
