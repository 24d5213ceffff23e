"""Reading workbooks: every cell whatever the sheet's size tag says, the header among group
rows, numbers as a spreadsheet shows them."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from files import table_file
from sahel_core.io import read
from sahel_core.specs import ReadOptions, ReadResult

HEADER = ["Réf", "Date", "Pays", "Localité", "Drogue", "Poids (kg)"]
RECORDS = [
    ["S1", dt.date(2021, 3, 4), "Mali", "Gao", "cannabis", 12.5],
    ["S2", dt.date(2021, 3, 5), "Niger", "Agadez", "cocaine", 1.25],
    ["S3", "2021-03-06", "Mali", "Kidal", "heroin", 3],
]


def _edited(path: Path, pattern: str, replacement: str) -> Path:
    """A copy of the workbook, its sheet's XML edited as another program writes it (under
    the same name in another folder: the records' sources name the file)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet, count = re.subn(pattern, replacement, parts["xl/worksheets/sheet1.xml"].decode())
    assert count
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    copy = path.parent / "edited" / path.name
    copy.parent.mkdir()
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return copy


def _with_dimension(path: Path, ref: str) -> Path:
    """The workbook with the size its sheet declares set to ``ref``, as a program that does
    not update it leaves it."""
    return _edited(path, r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>')


def _same(result: ReadResult, expected: ReadResult) -> None:
    assert (result.read, result.rejections, result.notes) == (
        expected.read,
        expected.rejections,
        expected.notes,
    )
    assert result.tables.keys() == expected.tables.keys()
    for name, table in expected.tables.items():
        assert result.tables[name].equals(table), name


# -- the size a sheet declares ---------------------------------------------------------------


@pytest.mark.parametrize("ref", ["A1:E3", "A1", "A1:Z1000", "C5:D6"])
def test_a_stale_dimension_tag_loses_no_row_or_column(tmp_path: Path, ref: str) -> None:
    """openpyxl's read-only sheets trust the size the sheet declares: a tag narrower than
    the table hid its last columns ("Poids (kg)"), or all but the first, without a word."""
    rows = [["Registre des saisies 2021"], HEADER, *RECORDS, [None], ["S4", None, "Mali"]]
    path = table_file(tmp_path / "registre.xlsx", rows)
    expected = read(path)
    assert expected.tables["seizure"]["quantity"].to_list() == [12.5, 1.25, 3]
    assert [(r.row, r.field) for r in expected.rejections] == [(7, "drug")]
    _same(read(_with_dimension(path, ref)), expected)


@pytest.mark.parametrize("ref", ["A1", "A1:B2", "A1:AZ500"])
def test_a_stale_dimension_tag_on_an_hxl_sheet_loses_no_column(tmp_path: Path, ref: str) -> None:
    rows = [
        ["date", "market", "commodity", "currency", "price", "note"],
        ["#date", "#loc+market+name", "#item+name", "#currency+code", "#value", None],
        [dt.datetime(2021, 1, 15), "Mikalou", "Rice", "XAF", 635, None],
        [dt.datetime(2021, 2, 15), "Moungali", "Beans", "XAF", 2091.5, "late"],
    ]
    path = table_file(tmp_path / "prices.xlsx", rows)
    expected = read(path)
    assert "columns without a hashtag dropped: note" in expected.notes
    assert expected.tables["hxl"]["#value"].to_list() == ["635", "2091.5"]
    _same(read(_with_dimension(path, ref)), expected)


# -- which row is the header -------------------------------------------------------------------


def test_a_group_row_over_the_header_is_not_the_header(tmp_path: Path) -> None:
    """A merged row of column groups names known columns ("Lieu", "Produit") too: the header
    is the row that names the most, not the first that names two."""
    groups = ["Identification", None, "Lieu", None, "Produit", None]
    rows = [["Registre des saisies 2021"], groups, HEADER, *RECORDS]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for cells in ("A1:F1", "A2:B2", "C2:D2", "E2:F2"):
        sheet.merge_cells(cells)
    book.save(tmp_path / "registre.xlsx")
    result = read(tmp_path / "registre.xlsx")
    assert (result.read, result.rejections) == (3, [])
    table = result.tables["seizure"]
    assert table["id"].to_list() == ["S1", "S2", "S3"]
    assert table["country"].to_list() == ["MLI", "NER", "MLI"]
    assert table["quantity"].to_list() == [Decimal("12.5"), Decimal("1.25"), Decimal(3)]
    assert [s[0]["row"] for s in table["sources"]] == [4, 5, 6]
    # The rows passed over are named, the one naming columns said to: any data under it
    # would be unread.
    assert (
        "header on row 3 (names the most known columns); not read above it: row 1, row 2 "
        "(names known columns)"
    ) in result.notes


def test_a_table_under_the_data_does_not_take_the_header(tmp_path: Path) -> None:
    # A summary table under the register named more known columns than its header: it
    # became the header, and the seven seizures above it were neither read nor rejected.
    rows: list[list[object]] = [["N°", "Date", "Pays", "Drogue", "Quantité (kg)"]]
    rows += [[f"S{i}", f"2016-05-0{i}", "MLI", "cannabis", 10 + i] for i in range(1, 8)]
    rows += [[], ["Récapitulatif"], ["Pays", "Drogue", "Quantité", "Unité", "Valeur", "Devise"]]
    rows += [["MLI", "cannabis", 98, "kg", 1000, "XOF"]]
    result = read(table_file(tmp_path / "stack.xlsx", rows))
    assert (result.read, result.accepted) == (10, 7)
    assert result.tables["seizure"]["id"].to_list() == [f"S{i}" for i in range(1, 8)]
    assert not [note for note in result.notes if note.startswith("header on row")]


def test_rows_under_the_chosen_header_are_read_as_before(tmp_path: Path) -> None:
    """The header search reads on past the header: the rows it went through are data, an
    empty one skipped, a repeated header rejected, with their sheet numbers."""
    rows = [
        HEADER,
        RECORDS[0],
        [None] * 6,
        HEADER,
        *RECORDS[1:],
        ["S9", None, "Atlantide", None, "khat"],
    ]
    result = read(table_file(tmp_path / "r.xlsx", rows))
    assert result.read == 5
    assert {r.row: (r.field, r.value) for r in result.rejections} == {
        4: ("drug", "Drogue"),
        7: ("country", "Atlantide"),
    }
    assert [s[0]["row"] for s in result.tables["seizure"]["sources"]] == [2, 5, 6]
    assert "1 empty row(s) skipped" in result.notes
    assert not any(n.startswith("header on row") for n in result.notes)


def test_a_hashtag_row_under_a_header_under_a_group_row(tmp_path: Path) -> None:
    rows = [
        ["Lieu", None, "Produit"],
        ["Pays", "Date", "Drogue", "Quantité", "Unité"],
        ["#country+code", "#date", "#item+drug", "#indicator+num", "#item+unit"],
        ["MLI", dt.datetime(2021, 3, 12), "cocaine", 2.7, "kg"],
    ]
    result = read(table_file(tmp_path / "hdx.xlsx", rows))
    assert "HXL hashtag row on row 3" in result.notes
    assert (result.read, result.accepted) == (1, 1)
    assert result.tables["seizure"]["quantity"].to_list() == [Decimal("2.7")]


# -- numbers typed as numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0003500000000000001, "0.00035"),  # Excel shows 0.00035
        (0.1 + 0.2, "0.3"),
        (0.30889999999999995, "0.3089"),
        (-0.023149999999999997, "-0.02315"),
        (2.7, "2.7"),
        (1.234, "1.234"),
        (0.123456789012345, "0.123456789012345"),  # 15 digits: as stored
        (1e-09, "0.000000001"),
        (12.0, "12"),
        (-0.0, "0"),
        (1e20, "100000000000000000000"),
        # A whole number up to 2**53 is a double's exactly (an ID a script wrote as a float).
        (1234567890123456.0, "1234567890123456"),
        (float(2**53), str(2**53)),
        # Beyond, a double holds no exact whole number: what a spreadsheet shows.
        (12345678901234567.0, "12345678901234600"),
    ],
)
def test_float_text_is_what_a_spreadsheet_shows(value: float, text: str) -> None:
    from sahel_core.tabular import float_text

    assert float_text(value) == text


@pytest.mark.parametrize("locale", [None, "fr"])
def test_float_noise_in_a_typed_number_is_not_a_rejection(
    tmp_path: Path, locale: str | None
) -> None:
    rows = [
        ["id", "country", "drug", "quantity (kg)"],
        ["A1", "Mali", "cannabis", 0.0003500000000000001],
        ["A2", "Mali", "cannabis", 0.1 + 0.2],
        ["A3", "Mali", "cannabis", 1.234],
        ["A4", "Mali", "cannabis", 2],
        # IDs typed as numbers, as the sheet's XML holds them: "N:" cells are made numbers.
        ["N:12345678901234567890", "Mali", "cannabis", 1],
        ["N:1234567890123456.0", "Mali", "cannabis", 1],
        ["N:1.2345678901234568E+16", "Mali", "cannabis", 1],
    ]
    path = _edited(
        table_file(tmp_path / "n.xlsx", rows),
        r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>N:([^<]*)</t></is></c>',
        r'<c r="\1" t="n"><v>\2</v></c>',
    )
    result = read(path, options=ReadOptions(locale=locale))
    assert result.rejections == []
    table = result.tables["seizure"]
    assert table["quantity"].to_list() == [
        Decimal("0.00035"), Decimal("0.3"), Decimal("1.234"), Decimal(2), *[Decimal(1)] * 3
    ]  # fmt: skip
    # An integer cell is read whole, however long; so is a whole float a double holds
    # exactly; beyond 2**53, a float's figures past the 15th are noise (Excel shows them 0).
    assert table["id"].to_list()[4:] == [
        "12345678901234567890", "1234567890123456", "12345678901234600"
    ]  # fmt: skip


def test_float_noise_on_an_hxl_sheet(tmp_path: Path) -> None:
    rows = [
        ["#date", "#loc+market+name", "#item+name", "#value"],
        [dt.datetime(2021, 1, 15), "Mikalou", "Rice", 0.0003500000000000001],
    ]
    result = read(table_file(tmp_path / "p.xlsx", rows))
    assert result.tables["hxl"]["#value"].to_list() == ["0.00035"]


def test_a_hashtag_row_below_the_data_is_no_header(tmp_path: Path) -> None:
    """Hashtags fold to column names ("#date", "#country") but are never the header: one
    below a record is a record, as it was."""
    tags = ["#date", "#country", "#item+drug", "#value", "#org", "#loc"]
    rows = [["Pays", "Drogue", "Remarque"], ["Mali", "cannabis"], tags, ["Niger", "cocaine"]]
    result = read(table_file(tmp_path / "t.xlsx", rows))
    assert (result.read, result.accepted) == (3, 2)
    assert [r.row for r in result.rejections] == [3]
    assert result.tables["seizure"]["country"].to_list() == ["MLI", "NER"]
