"""The generic formats: CSV/TSV, JSON, JSON Lines, XLSX, Parquet; sniffing; formulas; io."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from files import table_file
from sahel_core.entities import Seizure
from sahel_core.errors import FormatError, SahelError, StructureError
from sahel_core.hookspecs import hookimpl
from sahel_core.io import read, write
from sahel_core.plugins import get_manager, load_manager
from sahel_core.quantities import Amount
from sahel_core.specs import FormatSpec, ReadOptions
from sahel_core.tables import from_entities, schema, to_entities
from sahel_core.tabular import neutralize, unneutralize
from sahel_core.testing import check_format, entities

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = ["csv", "jsonl", "json", "parquet", "xlsx"]
SUFFIX = {"csv": ".csv", "jsonl": ".jsonl", "json": ".json", "parquet": ".parquet",
          "xlsx": ".xlsx"}  # fmt: skip


def rejected(result: Any) -> dict[int | None, tuple[str | None, str | None]]:
    return {r.row: (r.field, r.value) for r in result.rejections}


# -- the French field spreadsheet -----------------------------------------------------------


def test_french_csv_reads_with_exact_accounting() -> None:
    result = read(FIXTURES / "saisies_fr.csv", options=ReadOptions(locale="fr"))
    assert result.format == "csv"
    assert result.read == 11  # 12 data lines, one of them empty
    assert result.read == result.accepted + result.rejected
    assert rejected(result) == {
        6: ("date", "bientôt"),
        7: ("country", "Atlantide"),
        8: ("quantity_unit", "zorglubs"),
        9: ("quantity", "-5"),
        10: ("drug", None),
    }
    table = result.tables["seizure"]
    assert table.schema == schema("seizure")
    assert table["id"].to_list() == ["S-001", "S-002", "S-003", "S-004", "S-010", "S-011"]
    first = table.row(0, named=True)
    assert first["quantity"] == Decimal("1250.5") and first["quantity_unit"] == "kg"
    assert first["value"] == Decimal(12_500_000) and first["value_currency"] == "XOF"
    assert first["locality"] == "Bamako" and first["country"] == "MLI"
    assert first["sources"][0]["url"] == "https://www.unodc.org/westandcentralafrica/"
    second = table.row(1, named=True)
    assert (second["quantity"], second["quantity_unit"], second["quantity_qualifier"]) == (
        Decimal("2.7"), "t", "more_than")  # fmt: skip
    assert table.row(3, named=True)["value"] == Decimal(1_500_000)
    assert table["sources"][5][-1]["row"] == 13  # the row after the empty one keeps its number
    assert any("Observations" in note for note in result.notes)
    assert any("empty row" in note for note in result.notes)
    assert any("cp1252" in note or "1252" in note or "latin" in note for note in result.notes)


def test_a_reader_can_hand_its_frame_over_to_read_table() -> None:
    # consume empties the reader's frame (its cells are freed batch by batch) and changes
    # nothing else: the same table, rejections and notes as a frame kept by the reader.
    from sahel_core.tabular import read_table

    raw = pl.DataFrame(
        {
            "Date": ["12/05/2016", "bientôt", "3 mars 2017", ""],
            "Pays": ["Mali", "Niger", "Atlantide", ""],
            "Produit": ["cannabis", "cocaïne", "héroïne", ""],
            "Quantité": ["plus de 2,7 tonnes", "400 g", "1,5 kg", ""],
            "Observations": ["", "", "", "vu"],
        }
    )
    path, options = Path("saisies.csv"), ReadOptions(locale="fr")
    kept = read_table(raw, path, options, format="csv")
    handed = raw.clone()
    given = read_table(handed, path, options, format="csv", consume=True)
    assert handed.width == 0 and raw.width == 5
    assert given.tables["seizure"].equals(kept.tables["seizure"])
    assert (given.read, given.rejections, given.notes) == (kept.read, kept.rejections, kept.notes)
    assert (kept.accepted, kept.rejected) == (1, 3)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read_as_text(tmp_path: Path, encoding: str) -> None:
    # Some Windows tools save "Unicode text" without a BOM: NUL bytes beside each character,
    # once refused as binary data.
    text = (
        "id,date,pays,produit,quantité,unité\n"
        'S1,12/05/2016,Niger,cannabis,"2,7",t\nS2,13/05/2016,Mali,cocaïne,400,g\n'
    )
    plain, marked = tmp_path / "plain.csv", tmp_path / "marked.csv"
    plain.write_text(text, encoding="utf-8")
    marked.write_bytes(text.encode(encoding))
    options = ReadOptions(locale="fr")
    expected, found = read(plain, options=options), read(marked, options=options)
    assert found.notes[0] == f"encoding {encoding}, delimiter ','"
    assert (
        found.tables["seizure"].drop("sources").equals(expected.tables["seizure"].drop("sources"))
    )
    assert found.accepted == 2


def test_small_binary_integers_are_not_taken_for_utf16(tmp_path: Path) -> None:
    # Little-endian 16-bit integers have the NUL bytes of UTF-16 text but decode to control
    # characters: still not text.
    data = tmp_path / "counts.csv"
    data.write_bytes(b"".join(n.to_bytes(2, "little") for n in range(512)))
    with pytest.raises(FormatError):
        read(data)


def test_encodings_are_detected(tmp_path: Path) -> None:
    text = "Pays;Produit;Quantité;Unité\nSénégal;cocaïne;1,5;kg\nCôte d'Ivoire;héroïne;2;g\n"
    for encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        result = read(path, options=ReadOptions(locale="fr"))
        assert result.accepted == 2, (encoding, result.rejections)
        assert result.tables["seizure"]["country"].to_list() == ["SEN", "CIV"]


@pytest.mark.parametrize(("delimiter", "suffix"), [(",", ".csv"), (";", ".csv"), ("\t", ".tsv"),
                                                   ("|", ".txt")])  # fmt: skip
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    lines = ["country{d}drug{d}quantity{d}quantity_unit", '"Mali"{d}cocaine{d}"12,5"{d}kg',
             "Niger{d}tramadol{d}3{d}kg"]  # fmt: skip
    path.write_text("\n".join(line.format(d=delimiter) for line in lines) + "\n")
    result = read(path, format="csv", options=ReadOptions(locale="fr"))
    assert result.accepted == 2


def test_a_file_that_cannot_be_opened_is_a_format_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Telling the format opens the file first: a PermissionError escaped read() from there.
    path = tmp_path / "locked.csv"
    path.write_text("drug,quantity\ncocaine,1\n", encoding="utf-8")

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(FormatError, match=r"locked\.csv: cannot read the file: Permission denied"):
        read(path)


def test_writing_where_no_folder_can_be_made_is_a_format_error(tmp_path: Path) -> None:
    (tmp_path / "afile").touch()
    table = from_entities([Seizure(id="a", drug="cocaine")])
    with pytest.raises(FormatError, match="cannot make the folder"):
        write(table, tmp_path / "afile" / "x.csv", "seizure")
    with pytest.raises(SahelError, match="no entity 5"):
        write(table, tmp_path / "x.csv", 5)  # type: ignore[arg-type]


def test_xlsx_writes_whole_numbers_beyond_a_double_as_text(tmp_path: Path) -> None:
    # 2**60 + 1 came back as 1152921504606847000: a spreadsheet's numbers are doubles.
    from sahel_core.entities import Operation

    path = tmp_path / "o.xlsx"
    write(from_entities([Operation(id="o1", fatalities=2**60 + 1)]), path, "operation")
    (back,) = to_entities(read(path).tables["operation"], "operation")
    assert back.fatalities == 2**60 + 1


def test_a_ragged_row_is_rejected_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("drug,quantity,quantity_unit\ncocaine,1,kg\ncocaine,2,kg,extra\ncocaine,3\n")
    result = read(path)
    assert result.read == 3
    assert rejected(result) == {3: (None, "extra"), 4: ("quantity_unit", None)}


def test_a_quote_left_open_in_the_header_is_an_error_not_an_empty_file(tmp_path: Path) -> None:
    # polars took the rest of the file for one column name: 0 rows read, and no error.
    path = tmp_path / "open.csv"
    path.write_text('drug,quantity,"quantity_unit\ncocaine,1,kg\ncocaine,2,kg\n')
    with pytest.raises(FormatError, match=r"row 1 .*never closed"):
        read(path)
    # A quoted name on two lines is a header like any other.
    path.write_text('drug,"quantity\n(kg)",quantity_unit\ncocaine,1,kg\n')
    assert read(path, options=ReadOptions(mapping={"quantity\n(kg)": "quantity"})).accepted == 1


def test_lines_that_end_in_cr_alone_are_records_wherever_they_are(tmp_path: Path) -> None:
    # Only the first line's ending was looked at: later CR-only lines became one record.
    path = tmp_path / "cr.csv"
    path.write_bytes(b"drug,quantity_unit\ncocaine,kg\rheroin,g\r\ncannabis,t\r")
    result = read(path)
    assert (result.read, result.accepted) == (3, 3)
    assert result.tables["seizure"]["drug"].to_list() == ["cocaine", "heroin", "cannabis"]


@pytest.mark.parametrize(
    "data",
    [
        b'drug,locality\ncocaine,"Ba\rmako"\n',  # a CR inside a quoted cell is text
        b'drug,"quantity\n(kg)"\ncocaine,1\n',  # a quoted name on two lines, with rows
        b'drug,note\ncocaine,"5"" pipe\r"\r\n',  # "" inside a cell counts two quotes
    ],
)
def test_polars_keeps_reading_what_it_reads_right(data: bytes) -> None:
    # The checks that send a file to the exact reading must not send these: 1M rows with one
    # such cell took 9 s there instead of 1.3 s.
    from sahel_core.plugins.csv_format import fast_frame

    assert fast_frame(data, ",").height == 1


def test_a_single_tag_like_cell_is_data_not_an_hxl_hashtag_row(tmp_path: Path) -> None:
    # "#sahel" in a notes column made the register HXL, and the rows above it its header.
    path = tmp_path / "notes.csv"
    path.write_text(
        "id,drug,quantity,quantity_unit,country,notes\nA1,cocaine,1,kg,Mali,ok\n"
        "A2,cocaine,2,kg,Mali,ok\n,,,,,#sahel\nA3,cocaine,3,kg,Mali,ok\n"
    )
    result = read(path)
    assert (result.format, result.read, result.accepted, result.rejected) == ("csv", 4, 3, 1)


def test_a_utf8_file_with_some_windows_1252_lines_reads_each_line_right(tmp_path: Path) -> None:
    # Read whole as Windows-1252, every UTF-8 "é" came out as "Ã©", without a word.
    path = tmp_path / "mixed.csv"
    header = "id,drug,quantity,quantity_unit,country,locality\n"
    path.write_bytes(
        (header + "A1,cannabis,2,kg,MLI,Ségou\n").encode("utf-8")
        + "A2,cannabis,3,kg,MLI,Kayes é\n".encode("cp1252")
        + "A3,cocaïne,1,kg,MLI,Gao\n".encode()
    )
    result = read(path)
    assert result.notes[0] == "encoding utf-8 (line 3 in cp1252), delimiter ','"
    table = result.tables["seizure"]
    assert table["locality"].to_list() == ["Ségou", "Kayes é", "Gao"]
    assert table["drug_text"].to_list() == ["cannabis", "cannabis", "cocaïne"]


def test_a_codec_that_gives_lone_surrogates_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "u7.csv"
    path.write_bytes(b"id,drug,locality\nA1,cocaine,Gao+2AA-\n")
    with pytest.raises(FormatError, match="lone surrogate"):
        read(path, options=ReadOptions(encoding="utf-7"))


def test_a_cell_longer_than_the_csv_modules_limit_is_read_on_the_exact_path(
    tmp_path: Path,
) -> None:
    # A ragged row sends the file to the csv module, whose default limit is 131,072
    # characters a cell: polars reads such a cell, so the exact reading must too.
    notes = "seized near the border " * 10_000
    path = tmp_path / "long.csv"
    path.write_text(
        "drug,quantity,quantity_unit,country,locality\n"
        f'cocaine,1,kg,Mali,"{notes}"\ncocaine,2,kg,Mali,x,extra\n'
    )
    result = read(path)
    assert (result.read, result.accepted) == (2, 1)
    assert result.tables["seizure"]["locality"].to_list() == [notes]


def test_an_hxl_hashtag_row_in_a_workbook_is_no_record_and_no_header(tmp_path: Path) -> None:
    # HDX publishes workbooks with a hashtag row under the header: the hashtags map the
    # columns (as in HXL CSV, an untagged one is dropped), and the tags are not a seizure to
    # reject.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Country", "Drug", "Quantity", "Unit", "Date", "Notes"])
    sheet.append(["#country+code", "#item+drug", "#indicator+num", "#item+unit", "#date", ""])
    sheet.append(["MLI", "cocaine", 2.7, "kg", dt.datetime(2021, 3, 12), None])
    sheet.append(["NER", "cannabis", 12, "kg", dt.datetime(2021, 4, 2), "#niamey"])
    path = tmp_path / "hdx.xlsx"
    workbook.save(path)
    result = read(path)
    assert (result.read, result.accepted, result.rejected) == (2, 2, 0)
    assert result.notes[:3] == [
        "sheet 'Sheet'",
        "HXL hashtag row on row 2",
        "columns without a hashtag dropped: Notes",
    ]
    rows = [s.row for r in to_entities(result.tables["seizure"], "seizure") for s in r.sources]
    assert rows == [3, 4]
    # One tag-like cell under the header is a record, counted as any other.
    sheet.delete_rows(2)
    sheet.insert_rows(2)
    sheet["F2"] = "#mali"
    workbook.save(path)
    noted = read(path)
    assert (noted.read, noted.rejected) == (3, 1)
    # Hashtags alone are no header ("#date", "#value" fold to column names), but a sheet
    # of them is read by them: the first sheet, of prices, is an HXL table.
    prices = openpyxl.Workbook()
    prices.active.append(["#date", "#loc+market+name", "#item+name", "#currency+code", "#value"])
    prices.active.append([dt.datetime(2021, 1, 1), "Mopti", "rice", "XOF", 300])
    register = prices.create_sheet("register")
    register.append(["country", "drug", "quantity", "quantity_unit"])
    register.append(["MLI", "cocaine", 2.7, "kg"])
    prices.save(path)
    found = read(path)
    assert (list(found.tables), found.accepted) == (["hxl"], 1)
    # One sheet is read: the note says which, and that the register after it was not.
    assert found.notes[0] == "sheet 'Sheet'; sheets not read: 'register'"
    # The HXL format reads CSV, and says where a workbook goes.
    with pytest.raises(FormatError, match="format='xlsx'"):
        read(path, format="hxl")


def test_title_rows_and_formula_cells_in_xlsx(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Saisies 2021 — Office Central des Stupéfiants"])
    sheet.append([])
    sheet.append(["Pays", "Produit", "Quantité", "Unité", "Date de saisie"])
    sheet.append(["Mali", "cocaïne", 2.7, "kg", dt.datetime(2021, 3, 12)])
    sheet.append(["Niger", "Cannabis", "=1+1", "kg", "mars 2021"])
    sheet.append(["Atlantide", "Cannabis", 3, "kg", None])
    sheet.append(["Mali", "Cannabis", "=2*3", "kg", None])
    path = tmp_path / "saisies.xlsx"
    workbook.save(path)
    _cache_formula_value(path, "C7", "5")
    result = read(path)
    assert result.read == 4
    table = result.tables["seizure"]
    # A cached formula value is read (5, not the 6 the formula would give); a formula never
    # calculated has no value: an empty quantity, not an evaluated 2.
    assert table["quantity"].to_list() == [Decimal("2.7"), None, Decimal(5)]
    assert table["country"].to_list() == ["MLI", "NER", "MLI"]
    assert table["date_earliest"].to_list()[:2] == [dt.date(2021, 3, 12), dt.date(2021, 3, 1)]
    assert rejected(result) == {6: ("country", "Atlantide")}  # sheet rows: titles counted
    assert [s[0]["row"] for s in table["sources"]] == [4, 5, 7]


def _cache_formula_value(path: Path, cell: str, value: str) -> None:
    """Give a formula cell a cached value, as Excel does when it saves."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet, count = re.subn(
        rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f><v\s*/>', rf"\1<f>\2</f><v>{value}</v>", sheet
    )
    if count == 0:
        sheet, count = re.subn(
            rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f>(<v></v>)?', rf"\1<f>\2</f><v>{value}</v>", sheet
        )
    assert count == 1, sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


# -- formulas ---------------------------------------------------------------------------------

ESCAPED = ["=1+1", "+SUM(A1:A3)", "-2+3", "@x", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")", "-",
           "'=already", "''"]  # fmt: skip
KEPT = ["-12.5", "+3", "12", "1e5", "a=b", "'plain", "Bamako", " =not first"]


def test_formula_cells_are_prefixed_and_numbers_kept() -> None:
    frame = pl.DataFrame({"v": ESCAPED + KEPT})
    out = frame.select(neutralize(pl.col("v"))).to_series().to_list()
    assert out[: len(ESCAPED)] == ["'" + v for v in ESCAPED]
    assert out[len(ESCAPED) :] == KEPT


@given(st.text(max_size=20))
def test_neutralizing_is_undone_exactly_and_leaves_no_formula(text: str) -> None:
    frame = pl.DataFrame({"v": [text]}, schema={"v": pl.String})
    safe = frame.select(neutralize(pl.col("v"))).item()
    assert frame.with_columns(pl.lit(safe).alias("v")).select(unneutralize(pl.col("v"))).item() == (
        text
    )
    number = re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", safe)
    assert not safe[:1] or safe[0] not in "=+-@\t\r" or number


def _seizure(id: str, drug_text: str, locality: str = "Bamako") -> Seizure:
    from sahel_core.entities import Place

    return Seizure(id=id, drug="cocaine", drug_text=drug_text, quantity=Amount("12.5", "kg"),
                   place=Place("MLI", locality))  # fmt: skip


def test_csv_written_text_is_safe_and_reads_back(tmp_path: Path) -> None:
    records = [_seizure(f"s{i}", text) for i, text in enumerate(ESCAPED + KEPT)]
    path = tmp_path / "out.csv"
    write(from_entities(records), path, "seizure")
    raw = pl.read_csv(path, infer_schema=False)
    assert raw["drug_text"].to_list() == [("'" + v if v in ESCAPED else v) for v in ESCAPED + KEPT]
    assert raw["quantity"].to_list() == ["12.5"] * len(records)
    back = read(path)
    assert list(to_entities(back.tables["seizure"], "seizure")) == records


def test_xlsx_written_text_is_never_a_formula(tmp_path: Path) -> None:
    records = [_seizure(f"s{i}", text) for i, text in enumerate(ESCAPED + KEPT)]
    path = tmp_path / "out.xlsx"
    write(from_entities(records), path, "seizure")
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    workbook = openpyxl.load_workbook(path)
    column = [c.value for c in workbook.active["AC"]]
    # XML turns a carriage return into a line feed: the one change an .xlsx file makes.
    written = [v.replace("\r", "\n") for v in ESCAPED + KEPT]
    assert column[0] == "drug_text" and column[1:] == written
    assert all(c.quotePrefix for c in workbook.active["AC"][1 : len(ESCAPED) + 1])
    back = read(path).tables["seizure"]
    assert back["drug_text"].to_list() == written


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_conformance_kit(name: str, tmp_path: Path) -> None:
    check_format(name, tmp_path, examples=8)


@pytest.mark.parametrize("name", ["csv", "jsonl", "parquet", "xlsx"])
def test_every_entity_round_trips(name: str, tmp_path: Path) -> None:
    @settings(max_examples=10, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(drawn=st.lists(entities(), min_size=1, max_size=6))
    def round_trip(drawn: list[Any]) -> None:
        kind = type(drawn[0])
        key = "acronym" if kind.__name__ == "Agency" else "id"
        records = list({getattr(r, key): r for r in drawn if type(r) is kind}.values())
        path = tmp_path / f"all{SUFFIX[name]}"
        write(from_entities(records), path, kind)
        result = read(path)
        entity = kind.__name__.lower()
        assert result.rejections == [] and result.read == len(records)
        assert list(to_entities(result.tables[entity], entity)) == records

    round_trip()


# -- sniffing, junk, isolation ------------------------------------------------------------------


def test_formats_are_told_by_content_whatever_the_name(tmp_path: Path) -> None:
    records = [_seizure("a", "coke"), _seizure("b", "crack")]
    table = from_entities(records)
    for name in FORMATS:
        path = tmp_path / f"{name}.data"
        write(table, path, "seizure", format=name)
        assert get_manager().detect_format(path).name == name
        assert read(path).accepted == 2


@pytest.mark.parametrize(
    ("header", "guessed"),
    [
        # An export from SQL Server or Access: its first "[" looks like JSON.
        ("[id],[date],[country],[drug],[quantity],[quantity_unit]", "json"),
        # ACLED's first columns, not the country it needs.
        ("data_id,event_date,actor1,fatalities,drug,country_name", "acled"),
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_a_file_a_sniffer_guessed_wrong_is_read_by_its_extension(
    tmp_path: Path, header: str, guessed: str, encoding: str
) -> None:
    path = tmp_path / "register.csv"
    path.write_text(f"{header}\na,2016-01-01,Ségou,0,cannabis,2\n", encoding=encoding)
    result = read(path)
    assert (result.format, result.read) == ("csv", 1)
    assert result.notes[0].startswith(f"not {guessed} (")


def test_a_damaged_acled_export_is_told_not_read_as_csv(tmp_path: Path) -> None:
    # ACLED's own columns, the country missing: a damaged export, not another's file.
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id_cnty,event_date,event_type,actor1,fatalities,location\n"
        "MLI1,2016-05-01,Battles,Police,0,Gao\n"
    )
    with pytest.raises(FormatError, match="not an ACLED event file"):
        read(path)


@pytest.mark.parametrize(
    ("fixture", "reads"),
    [
        ("hxl/seizures_hxl.csv", "HXL columns are read by their hashtags"),
        ("unodc/seizures_small.csv", "a UNODC export's columns are read by their names"),
        ("acled/events_modern.csv", "ACLED's columns are read by their names"),
        ("iati/activities_small.xml", "IATI elements are read by their names"),
    ],
)
def test_a_reader_that_names_its_columns_says_a_mapping_is_not_used(
    fixture: str, reads: str
) -> None:
    # `--map pays=country` on a UNODC or HXL file was ignored without a word.
    options = ReadOptions(mapping={"pays": "country"})
    note = f"column mapping not used (pays → country): {reads}"
    assert note in read(FIXTURES / fixture, options=options).notes
    assert not any("mapping" in n for n in read(FIXTURES / fixture).notes)


def test_a_file_read_as_another_entity_than_its_own_says_so(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(
        "id,country,drug,date,quantity,quantity_unit\na,MLI,cocaine,2017-03-14,1.5,kg\n"
    )
    as_workshops = read(path, options=ReadOptions(entity="workshop"))
    assert as_workshops.notes[0] == (
        "read as workshop as asked, but its columns are a seizure table's (drug, quantity, "
        "quantity_unit), none a workshop's own"
    )
    # Read by its hashtags, the same.
    tagged = read(FIXTURES / "hxl" / "seizures_hxl.csv", options=ReadOptions(entity="operation"))
    assert tagged.notes[0].startswith("read as operation as asked, but its columns are a seizure")
    # Read as what its columns are, asked or guessed, nothing is said.
    for entity in ("seizure", None):
        assert not any(
            "as asked" in n for n in read(path, options=ReadOptions(entity=entity)).notes
        )
    # Columns every record has (date, country, place) tell nothing: an operation file with
    # one column of its own is an operation file, though a seizure has more of the others.
    operations = tmp_path / "operations.csv"
    operations.write_text("Date,Pays,Ville,Service,Interpellés\n2017-06-20,NER,Niamey,OCRTIS,3\n")
    as_operations = read(operations, options=ReadOptions(entity="operation"))
    assert not any("as asked" in n for n in as_operations.notes)
    workshops = tmp_path / "workshops.csv"
    workshops.write_text("id,date,country,participants\nw,2017-06-20,NER,42\n")
    as_workshops = read(workshops, options=ReadOptions(entity="workshop"))
    assert not any("as asked" in n for n in as_workshops.notes)


def test_a_register_workbook_named_seizures_is_read_as_a_workbook(tmp_path: Path) -> None:
    # The UNODC sniffer claims any workbook named "*seizure*" (its text is out of sight in
    # the zip): a register saved as "seizures_2021.xlsx" failed with "no UNODC header".
    register = tmp_path / "seizures_2021.xlsx"
    write(from_entities([_seizure("a", "coke"), _seizure("b", "crack")]), register, "seizure")
    result = read(register)
    assert (result.format, result.read, result.accepted) == ("xlsx", 2, 2)
    assert result.notes[0].startswith("not unodc_seizures (no UNODC drug-seizure header")
    # Whatever entity is asked of it, in any case.
    for entity in ("Seizure", "workshop"):
        assert read(register, options=ReadOptions(entity=entity)).format == "xlsx"
    # Asked for by name, the format is not second-guessed.
    with pytest.raises(FormatError, match="no UNODC drug-seizure header"):
        read(register, format="unodc_seizures")
    # When the extension's format cannot read it either, the first error is told.
    workbook = openpyxl.Workbook()
    workbook.active.append(["nothing", "here"])
    workbook.save(register)
    with pytest.raises(FormatError, match="no UNODC drug-seizure header"):
        read(register)
    # Only a wrong guess falls back: a UNODC export asked for as another entity is refused.
    export = tmp_path / "unodc.csv"
    export.write_text(
        "Region,Subregion,Country,DrugGroup,DrugSubGroup,DrugName,Reference year,Kilograms,msCode\n"
        "Africa,West Africa,Mali,Cocaine-type,Cocaine,Cocaine,2022,1.5,MLI\n"
    )
    with pytest.raises(FormatError, match="carries seizures only"):
        read(export, options=ReadOptions(entity="operation"))


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(FormatError):
        read(empty)
    with pytest.raises(FormatError, match="no such file"):
        read(tmp_path / "absent.csv")
    # It exists, so "no such file" was wrong: a pipe is read once, a format looks twice.
    with pytest.raises(FormatError, match="not a regular file"):
        read(os.devnull)
    with pytest.raises(FormatError, match="a directory, not a file"):
        read(tmp_path)


@pytest.mark.parametrize("name", FORMATS)
def test_junk_raises_only_sahel_errors(name: str, tmp_path: Path) -> None:
    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(junk=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                          _csvish()))  # fmt: skip
    def fuzz(junk: bytes) -> None:
        path = tmp_path / f"junk{SUFFIX[name]}"
        path.write_bytes(junk)
        try:
            result = read(path, format=name)
        except SahelError:
            return
        assert result.read == result.accepted + result.rejected

    fuzz()


def _csvish() -> st.SearchStrategy[bytes]:
    cell = st.sampled_from(["Pays", "Produit", "Quantité", "Unité", "Mali", "cocaïne", "2,7", "kg",
                            '"', '""', "=1+1", "", "\r", "plus de", ";", ","])  # fmt: skip
    line = st.lists(cell, max_size=6).map(";".join)
    return st.lists(line, max_size=6).map(lambda lines: "\n".join(lines).encode("utf-8"))


class _Crashing:
    @hookimpl
    def sahel_register_formats(self) -> list[FormatSpec]:
        def boom(path: Path, options: ReadOptions) -> Any:
            raise RuntimeError("kaput")

        def bad(path: Path, options: ReadOptions) -> Any:
            raise StructureError("bad record", [("$.id", "missing", None)])

        return [
            FormatSpec(name="boom", description="crashes", extensions=(".boom",), read=boom),
            FormatSpec(name="bad", description="bad data", extensions=(".bad",), read=bad),
        ]


def test_a_crashing_reader_becomes_a_format_error_naming_it(tmp_path: Path) -> None:
    manager = load_manager(builtins=False, entry_points=False, plugins=[("crashing", _Crashing())])
    path = tmp_path / "x.boom"
    path.write_text("x")
    with pytest.raises(FormatError) as error:
        read(path, manager=manager)
    assert "boom" in str(error.value) and "kaput" in str(error.value)
    assert error.value.source == str(path)
    other = tmp_path / "x.bad"
    other.write_text("x")
    with pytest.raises(StructureError) as passed:
        read(other, manager=manager)
    assert passed.value.source == str(other)


def test_write_needs_a_canonical_table(tmp_path: Path) -> None:
    with pytest.raises(StructureError):
        write(pl.DataFrame({"id": ["a"]}), tmp_path / "x.csv", "seizure")


def test_jsonl_rejects_bad_records_by_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "a", "drug": "cocaine"}\n'
        "\n"
        '{"id": "b", "drug": "cocaine", "quantity": {"magnitude": "x", "unit": "kg"}}\n'
        "not json\n"
        '{"id": "a", "drug": "heroin"}\n'
        "[1]\n"
    )
    result = read(path)
    assert result.read == 5 and result.accepted == 1
    assert rejected(result) == {
        3: ("quantity.magnitude", "x"),
        4: (None, "not json"),
        5: ("id", "a"),
        6: (None, "[1]"),
    }


def test_csv_read_is_the_same_through_polars_and_the_exact_reader(tmp_path: Path) -> None:
    body = 'Pays;Produit;Quantité;Unité\nMali;cocaïne;1,5;kg\n\nNiger;héroïne;"2";g\n'
    fast = tmp_path / "fast.csv"
    fast.write_text(body)
    slow = tmp_path / "slow.csv"
    slow.write_text(body + "Mali;cocaïne;3;kg;extra\n")
    a, b = (
        read(fast, options=ReadOptions(locale="fr")),
        read(slow, options=ReadOptions(locale="fr")),
    )
    assert (
        a.tables["seizure"].drop("sources", "id").equals(b.tables["seizure"].drop("sources", "id"))
    )
    assert [s[0]["row"] for s in a.tables["seizure"]["sources"]] == [2, 4]
    assert [s[0]["row"] for s in b.tables["seizure"]["sources"]] == [2, 4]
    assert rejected(b) == {5: (None, "extra")}


def test_parquet_keeps_types(tmp_path: Path) -> None:
    table = from_entities([_seizure("a", "coke")])
    path = tmp_path / "s.parquet"
    write(table, path, "seizure")
    assert pl.read_parquet(path).schema == schema("seizure")
    assert read(path).tables["seizure"].equals(table)


def test_parquet_rows_are_checked_as_in_any_format(tmp_path: Path) -> None:
    # A typed file is not a checked one: a written-by-hand Parquet table with a float value
    # column, an unknown drug, a negative figure and a repeated id.
    path = tmp_path / "hand.parquet"
    pl.DataFrame(
        {
            "id": ["a", "b", "c", "c", "d"],
            "date": ["2016-05-01"] * 5,
            "country": ["MLI"] * 5,
            "drug": ["cannabis", "not-a-drug", "cocaine", "cocaine", "cocaine"],
            "quantity": [2.7, 1.0, -5.0, 1.0, 3.0],
            "quantity_unit": ["t", "kg", "kg", "kg", "kg"],
            "value": [13_000_000.0, None, None, None, 1e20],
            "value_currency": ["XOF", None, None, None, "USD"],
        }
    ).write_parquet(path)
    result = read(path)
    assert result.format == "parquet"
    assert result.read == 5 == result.accepted + result.rejected
    assert rejected(result) == {2: ("drug", "not-a-drug"), 3: ("quantity", "-5.0"),
                                4: ("id", "c"), 5: ("value", "1e+20")}  # fmt: skip
    first = result.tables["seizure"].row(0, named=True)
    assert first["quantity"] == Decimal("2.7") and first["quantity_unit"] == "t"
    assert first["value"] == Decimal(13_000_000)


def test_parquet_column_of_an_unreadable_type_is_ignored_unless_it_holds_a_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "extra.parquet"
    table = from_entities([_seizure("a", "coke"), _seizure("b", "crack")])
    table.with_columns(pl.lit(dt.timedelta(days=1)).alias("elapsed")).write_parquet(path)
    result = read(path)
    assert (result.read, result.accepted) == (2, 2)
    assert result.tables["seizure"].equals(table)
    assert any("elapsed" in note for note in result.notes)
    table.with_columns(pl.lit(dt.timedelta(days=1)).alias("quantity")).write_parquet(path)
    with pytest.raises(FormatError, match="quantity"):
        read(path)


# Parquet stores a date as a count from 1970-01-01 (days, or ms/us for a datetime): a writer
# can store counts past the years polars can show (-262143 to 262142).
_PER_DAY = {"date": 1, "ms": 86_400_000, "us": 86_400_000_000}


def _stored(counts: list[int | None], dtype: pl.DataType) -> pl.Series:
    """Dates or datetimes as a Parquet file holds them, counts polars cannot show included."""
    physical = pl.Int32 if dtype == pl.Date else pl.Int64
    return pl.Series(counts, dtype=physical).cast(dtype)


@pytest.mark.parametrize(
    ("dtype", "unit"),
    [(pl.Date(), "date"), (pl.Datetime("ms"), "ms"), (pl.Datetime("us"), "us"),
     (pl.Datetime("us", "Africa/Bamako"), "us")],
)  # fmt: skip
def test_parquet_date_out_of_range_rejects_its_row_only(
    tmp_path: Path, dtype: pl.DataType, unit: str
) -> None:
    # polars panicked turning such a date into text, and the whole file was refused.
    far = 2**31 - 1 if unit == "date" else 2**63 - 1
    day = 17_000 * _PER_DAY[unit]  # 2016-07-18
    path = tmp_path / "far.parquet"
    pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "quand": _stored([day, far, day, -far - 1], dtype),
            "country": ["MLI"] * 4,
            "drug": ["cocaine"] * 4,
        }
    ).write_parquet(path)
    result = read(path, options=ReadOptions(mapping={"quand": "date"}))
    assert result.read == 4 == result.accepted + result.rejected
    assert rejected(result) == {2: ("date", str(far)), 4: ("date", str(-far - 1))}
    assert all("date out of range" in r.reason for r in result.rejections)
    table = result.tables["seizure"]
    assert table["id"].to_list() == ["a", "c"]
    assert table["date_earliest"].to_list() == [dt.date(2016, 7, 18)] * 2


def test_parquet_date_out_of_range_in_a_canonical_table(tmp_path: Path) -> None:
    # A canonical table's own date columns, and a date nested in its sources.
    from sahel_core.entities import SourceRef

    cited = (SourceRef(file="saisies.xlsx", published=dt.date(2016, 5, 1)),)
    table = from_entities([Seizure(id=i, drug="cocaine", sources=cited) for i in "abc"])
    far = pl.lit(2**31 - 1, pl.Int32).cast(pl.Date)
    published = pl.element().struct.with_fields(far.alias("published"))
    path = tmp_path / "canonical.parquet"
    table.with_columns(
        pl.when(pl.col("id") == "b")
        .then(far)
        .otherwise(pl.col("date_earliest"))
        .alias("date_earliest"),
        pl.when(pl.col("id") == "c")
        .then(pl.col("sources").list.eval(published))
        .otherwise(pl.col("sources"))
        .alias("sources"),
    ).write_parquet(path)
    result = read(path)
    assert result.read == 3 == result.accepted + result.rejected
    assert {r.row: r.field for r in result.rejections} == {2: "date_earliest", 3: "sources"}
    assert all("date out of range" in r.reason for r in result.rejections)
    assert rejected(result)[2] == ("date_earliest", str(2**31 - 1))
    assert str(2**31 - 1) in (rejected(result)[3][1] or "")
    assert result.tables["seizure"].equals(table.head(1))


@pytest.mark.parametrize("column", ["date", "zzz"])
@pytest.mark.parametrize("dtype", [pl.List(pl.Date), pl.Array(pl.Date, 2)], ids=["list", "array"])
def test_parquet_date_out_of_range_in_a_list(
    tmp_path: Path, column: str, dtype: pl.DataType
) -> None:
    # Nulling the row's list left its far date inside, where writing the column as text
    # panicked: the whole file failed, even in an ignored column.
    days = pl.Series([[17_000, 1], [2**31 - 1, 1]], dtype=pl.Array(pl.Int32, 2))
    path = tmp_path / "listed.parquet"
    pl.DataFrame(
        {"drug": ["cocaine"] * 2, "country": ["MLI"] * 2, column: days.cast(dtype)}
    ).write_parquet(path)
    result = read(path)
    assert result.read == 2 == result.accepted + result.rejected
    if column == "date":
        assert rejected(result)[2] == ("date", f"[{2**31 - 1},1]")
    else:
        assert result.accepted == 2


def test_parquet_date_out_of_range_in_an_ignored_column(tmp_path: Path) -> None:
    # The column is ignored, so is its value; a row with no other value is still accounted.
    path = tmp_path / "extra.parquet"
    pl.DataFrame(
        {
            "drug": ["cocaine", "heroin", None],
            "country": ["MLI", "NER", None],
            "extra": _stored([2**31 - 1, 17_000, -(2**31)], pl.Date()),
        }
    ).write_parquet(path)
    result = read(path)
    assert result.read == 3 == result.accepted + result.rejected
    assert rejected(result) == {3: ("extra", str(-(2**31)))}
    assert result.tables["seizure"]["drug"].to_list() == ["cocaine", "heroin"]


# pyarrow writes a pandas datetime at a fixed offset with that offset as its time zone, which
# polars does not know: polars refused the whole file. polars writes no such zone, so a test
# writes "Israel" and renames it in the Arrow schema the file keeps (a flatbuffer, in base64).
_EVENING, _NIGHT = 1_462_996_800_000_000, 1_463_018_400_000_000  # 2016-05-11 20:00, 12 02:00 UTC


def _zoned(path: Path, frame: pl.DataFrame, zone: str) -> None:
    """``frame``, its datetimes in "Israel", written to ``path`` in ``zone`` (6 characters at
    most: the file keeps its length)."""
    frame.write_parquet(path)
    data = path.read_bytes()
    stored = re.findall(rb"/////[A-Za-z0-9+/]+=*", data)  # 0xFFFFFFFF, then the schema
    assert len(stored) == 1
    renamed = base64.b64decode(stored[0]).replace(
        b"\x06\0\0\0Israel", len(zone).to_bytes(4, "little") + zone.encode().ljust(6, b"\0")
    )
    path.write_bytes(data.replace(stored[0], base64.b64encode(renamed)))


@pytest.mark.parametrize(
    ("zone", "days", "in_utc"),
    [("+05:30", [12, 12], False), ("-03:30", [11, 11], False), ("Z", [11, 12], False),
     ("Bamako", [11, 12], True)],
)  # fmt: skip
def test_parquet_datetime_in_a_zone_polars_does_not_know(
    tmp_path: Path, zone: str, days: list[int], in_utc: bool
) -> None:
    # A date is the instant's day at its offset, as for a zone polars knows; a zone that is
    # no offset (no such zone as "Bamako") is read in UTC, with a note.
    path = tmp_path / "zoned.parquet"
    table = {"id": ["a", "b", "c"], "country": ["MLI"] * 3, "drug": ["cocaine"] * 3}
    when = _stored([_EVENING, _NIGHT, None], pl.Datetime("us", "Israel")).alias("quand")
    _zoned(path, pl.DataFrame(table).with_columns(when), zone)
    result = read(path, options=ReadOptions(mapping={"quand": "date"}))
    assert result.read == 3 == result.accepted
    dates = [dt.date(2016, 5, day) for day in days]
    assert result.tables["seizure"]["date_earliest"].to_list() == [*dates, None]
    noted = [note for note in result.notes if "read in UTC" in note]
    assert noted == (
        [f"datetimes in a time zone polars does not know, read in UTC: quand ({zone})"]
        if in_utc
        else []
    )


def test_parquet_zone_whose_length_runs_past_the_schema_is_no_zone(tmp_path: Path) -> None:
    # A length of 200,000,000 in a damaged footer was taken as it was: gigabytes allocated
    # to write "UTC" over a zone that is not there.
    path = tmp_path / "damaged.parquet"
    when = _stored([_EVENING], pl.Datetime("us", "Israel")).alias("quand")
    _zoned(path, pl.DataFrame({"id": ["a"]}).with_columns(when), "+05:30")
    data = path.read_bytes()
    [stored] = re.findall(rb"/////[A-Za-z0-9+/]+=*", data)
    schema = base64.b64decode(stored).replace(
        b"\x06\0\0\0+05:30", (200_000_000).to_bytes(4, "little") + b"+05:30"
    )
    from sahel_core.plugins.parquet_format import _arrow_zones

    with pytest.raises(ValueError, match="not an Arrow schema"):
        _arrow_zones(schema)
    path.write_bytes(data.replace(stored, base64.b64encode(schema)))
    with pytest.raises(FormatError, match="not a readable Parquet file"):
        read(path)


def test_parquet_datetime_at_an_offset_out_of_range_rejects_its_row(tmp_path: Path) -> None:
    # The last instant polars can show is past the years it shows at +05:30: writing it as
    # text would panic.
    last = 8_210_266_876_799_999_999  # +262142-12-31 23:59:59.999999 UTC
    path = tmp_path / "far.parquet"
    when = _stored([_EVENING, 2**63 - 1, last], pl.Datetime("us", "Israel")).alias("quand")
    frame = pl.DataFrame({"country": ["MLI"] * 3, "drug": ["cocaine"] * 3}).with_columns(when)
    _zoned(path, frame, "+05:30")
    result = read(path, options=ReadOptions(mapping={"quand": "date"}))
    assert result.read == 3 == result.accepted + result.rejected
    assert rejected(result) == {2: ("date", str(2**63 - 1)), 3: ("date", str(last))}
    assert all("date out of range" in r.reason for r in result.rejections)
    assert result.tables["seizure"]["date_earliest"].to_list() == [dt.date(2016, 5, 12)]


def test_parquet_datetime_at_an_offset_in_a_list_or_record(tmp_path: Path) -> None:
    # Read in UTC, with a note: only a column of datetimes is written at its offset.
    path = tmp_path / "nested.parquet"
    when = _stored([_EVENING, _NIGHT], pl.Datetime("us", "Israel")).alias("t")
    frame = pl.DataFrame({"country": ["MLI", "NER"], "drug": ["cocaine", "heroin"]})
    _zoned(path, frame.with_columns(vus=when.to_list(), quand=pl.struct(when)), "+05:30")
    result = read(path)
    assert (result.read, result.accepted) == (2, 2)
    assert "read in UTC: vus (+05:30), quand (+05:30)" in " ".join(result.notes)


# -- damaged workbooks, JSON errors, counts, line endings, ignored columns -----------------------


def _sheet_xlsx(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A small seizure workbook and its parts."""
    path = tmp_path / "s.xlsx"
    write(from_entities([_seizure("a", "coke"), _seizure("b", "crack")]), path, "seizure")
    with zipfile.ZipFile(path) as archive:
        return path, {n: archive.read(n) for n in archive.namelist()}


def _rezip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _read_xlsx_plugin(path: Path) -> Any:
    # The plugin itself, not io.read (which turns any crash into a FormatError).
    return get_manager().format("xlsx").read(path, ReadOptions())


def test_damaged_xlsx_parts_are_format_errors_naming_the_file(tmp_path: Path) -> None:
    _, parts = _sheet_xlsx(tmp_path)
    sheet = "xl/worksheets/sheet1.xml"
    cell = re.search(rb'<c r="A2"[^>]*>', parts[sheet])
    assert cell is not None
    moved = cell.group().replace(b'r="A2"', b'r="ZZ2"')
    broken = {
        "truncated XML": parts[sheet][: len(parts[sheet]) // 2],
        "not XML": b"<<<not xml",
        # Well-formed XML that openpyxl cannot turn into cells (ValueError, IndexError).
        "a number that is not one": parts[sheet].replace(
            cell.group(), b'<c r="A2" t="n"><v>abc</v></c>' + moved, 1
        ),
        "a shared string that does not exist": parts[sheet].replace(
            cell.group(), b'<c r="A2" t="s"><v>999</v></c>' + moved, 1
        ),
    }
    for name, data in broken.items():
        damaged = _rezip(tmp_path / "damaged.xlsx", {**parts, sheet: data})
        with pytest.raises(FormatError, match=r"not a readable \.xlsx workbook") as error:
            _read_xlsx_plugin(damaged)
        assert "damaged.xlsx" in str(error.value), name


def test_xlsx_row_numbered_beyond_the_last_row_is_refused_not_filled(tmp_path: Path) -> None:
    # openpyxl fills a gap in row numbers with empty rows: row 10**20 would fill memory.
    _, parts = _sheet_xlsx(tmp_path)
    sheet = "xl/worksheets/sheet1.xml"
    far = parts[sheet].replace(b'<row r="3"', b'<row r="99999999999999999999"')
    far = re.sub(rb'r="([A-Z]+)3"', rb'r="\g<1>99999999999999999999"', far)
    assert far != parts[sheet]
    damaged = _rezip(tmp_path / "far.xlsx", {**parts, sheet: far})
    with pytest.raises(FormatError, match="beyond a sheet's last row") as error:
        _read_xlsx_plugin(damaged)
    assert "far.xlsx" in str(error.value)


def test_xlsx_with_a_flipped_byte_is_a_format_error(tmp_path: Path) -> None:
    path, _ = _sheet_xlsx(tmp_path)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # The compressed data follows the local header (30 bytes, the name, the extra field).
    header = data[info.header_offset : info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little")
    start += int.from_bytes(header[28:30], "little")

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(offset=st.integers(0, info.compress_size - 1), flip=st.integers(1, 255))
    def check(offset: int, flip: int) -> None:
        damaged = bytearray(data)
        damaged[start + offset] ^= flip
        target = tmp_path / "flipped.xlsx"
        target.write_bytes(bytes(damaged))
        try:
            result = _read_xlsx_plugin(target)
        except FormatError as error:
            assert "flipped.xlsx" in str(error)
            return
        assert result.read == result.accepted + result.rejected

    check()


def test_json_decoding_error_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe[]")
    with pytest.raises(FormatError) as error:
        get_manager().format("json").read(path, ReadOptions())
    assert str(error.value).count("bad.json") == 1
    assert "not UTF-8 text" in str(error.value) and "not JSON" not in str(error.value)


@pytest.mark.parametrize("row", [2**63 - 1, 2**63, 2**64 + 5, 10**40])
def test_json_counts_beyond_int64_reject_the_record(tmp_path: Path, row: int) -> None:
    path = tmp_path / "s.json"
    path.write_text(
        f'[{{"id": "a", "drug": "cocaine", "sources": [{{"file": "x.csv", "row": {row}}}]}},'
        ' {"id": "b", "drug": "cocaine"}]'
    )
    result = get_manager().format("json").read(path, ReadOptions())
    assert result.read == 2 == result.accepted + result.rejected
    if row < 2**63:
        assert result.tables["seizure"]["sources"][0][0]["row"] == row
    else:
        assert rejected(result) == {1: ("sources[0].row", str(row))}
        assert "too large" in (result.rejections[0].reason or "")


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_csv_with_cr_only_line_endings(tmp_path: Path, encoding: str) -> None:
    # Old Mac Excel ends lines with a carriage return alone.
    path = tmp_path / "mac.csv"
    text = (
        "id;drug;quantity;unit;country\rA1;cannabis;10;kg;MLI\rA2;héroïne;x;kg;MLI\r"
        "\rA3;cocaine;2;kg;NER\r"
    )
    path.write_bytes(text.encode(encoding))
    result = get_manager().format("csv").read(path, ReadOptions())
    assert (result.read, result.accepted, result.rejected) == (3, 2, 1)
    assert rejected(result) == {3: ("quantity", "x")}
    assert result.tables["seizure"]["id"].to_list() == ["A1", "A3"]
    assert [s[0]["row"] for s in result.tables["seizure"]["sources"]] == [2, 5]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_row_with_values_only_in_ignored_columns_is_rejected(tmp_path: Path, suffix: str) -> None:
    rows = [["id", "drug", "quantity", "unit", "country", "comments"],
            ["A1", "cannabis", "10", "kg", "MLI", "ok"],
            ["", "", "", "", "", "a comment-only row"],
            ["", "", "", "", "", ""],
            ["A2", "cannabis", "3", "kg", "MLI", ""]]  # fmt: skip
    result = read(table_file(tmp_path / f"s{suffix}", rows))
    assert (result.read, result.accepted, result.rejected) == (3, 2, 1)
    assert rejected(result) == {3: ("comments", "a comment-only row")}
    assert "1 empty row(s) skipped" in result.notes


def test_blank_cells_in_an_ignored_column_reject_nothing(tmp_path: Path) -> None:
    # Only rows blank in every mapped column are looked at again (none here).
    path = tmp_path / "s.csv"
    path.write_text("id,drug,comments\n" + "".join(f"s{i},cocaine,\n" for i in range(5)))
    result = read(path)
    assert (result.read, result.accepted, result.rejected) == (5, 5, 0)


@given(st.lists(st.sampled_from(["a", "b", "", "a_duplicated_0", "a_duplicated_1"]), max_size=8))
def test_unique_headers_are_distinct_and_keep_first_names(headers: list[str]) -> None:
    from sahel_core.tabular import unique_headers

    names = unique_headers(headers)
    assert len(names) == len(headers) == len(set(names))
    for index, header in enumerate(headers):
        if header not in headers[:index]:
            assert names[index] == header


# -- a quoted cell never closed ------------------------------------------------------------------

_OPEN_QUOTE = {
    "csv": (
        "id,date,country,drug,quantity,quantity_unit,locality\n"
        'a1,2016-05,Mali,cannabis,2.7,t,"Mopti, 5"" road"\n'
        'a2,2016-05,Mali,cannabis,2.7,t,"Bamako\n'
        "a3,2016-05,Mali,cocaine,1,kg,Gao\n",
        3,
    ),
    "acled": (
        "event_id_cnty,event_date,actor1,country,fatalities,notes\n"
        "X1,2019-01-01,JNIM,Mali,1,note\n"
        'X2,2019-01-02,JNIM,Mali,2,"unterminated\n'
        "X3,2019-01-03,JNIM,Mali,3,note\n",
        3,
    ),
    "unodc_seizures": (
        "Region,SubRegion,Country,DrugGroup,DrugSubGroup,DrugName,Reference year,Kilograms,msCode\n"
        "Africa,West Africa,Mali,Cocaine-type,Cocaine,Cocaine,2022,1.5,MLI\n"
        'Africa,West Africa,Mali,"Cocaine-type,Cocaine,Cocaine,2022,2.5,MLI\n'
        "Africa,West Africa,Mali,Cocaine-type,Cocaine,Cocaine,2021,3.5,MLI\n",
        3,
    ),
    "hxl": (
        "Country,Date,Drug,Quantity\n#country+code,#date,#item+drug,#value+quantity\n"
        "MLI,2016-05-01,cannabis,2\n"
        'MLI,2016-05-02,"cannabis,3\n'
        "MLI,2016-05-03,cocaine,4\n",
        4,
    ),
}


@pytest.mark.parametrize("name", _OPEN_QUOTE)
def test_a_quoted_cell_never_closed_fails_the_file_naming_its_row(
    tmp_path: Path, name: str
) -> None:
    """Read leniently, the open cell swallows every later record, lost without a word."""
    text, row = _OPEN_QUOTE[name]
    path = tmp_path / "open.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=rf"row {row} \(line {row}\): a quoted cell is never"):
        read(path, format=name)
    # Closed, the same file reads every record; a quote inside a cell is still text.
    path.write_text(text.replace('"Bamako\n', '"Bamako"\n').replace('"unterminated', "ok")
                    .replace('"Cocaine-type', "Cocaine-type").replace('"cannabis,3', "cannabis,3"),
                    encoding="utf-8")  # fmt: skip
    result = read(path, format=name)
    assert result.read == 3 == result.accepted + result.rejected
    if name == "csv":
        assert result.tables["seizure"]["locality"][0] == 'Mopti, 5" road'


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ('A,"cocaine"x,5 kg\nB,"cannabis,3 kg\nC,heroin,1 kg\nD,heroin,2 kg\n', 3),
        ('A,"cocaine"x,"5 kg\nB,cannabis,3 kg\nC,heroin,1 kg\nD,heroin,2 kg\n', 2),
    ],
)
def test_an_open_quote_after_other_quoting_faults_is_still_found(
    tmp_path: Path, text: str, row: int
) -> None:
    # '"cocaine"x' fails strict reading first, in an earlier record or in the same one.
    path = tmp_path / "open.csv"
    path.write_text("id,drug,quantity\n" + text)
    with pytest.raises(FormatError, match=rf"row {row} \(line {row}\): a quoted cell is never"):
        read(path, options=ReadOptions(entity="seizure"))


def test_the_open_quote_check_agrees_with_the_csv_module() -> None:
    """_ends_quoted against strict reading, on every file strict reading takes or refuses for
    an open quote: all texts of up to 7 characters over 'a , " CR LF'."""
    import csv
    import io
    import itertools

    from sahel_core.plugins.csv_format import _ends_quoted

    for size in range(1, 8):
        for chars in itertools.product('a,"\n\r', repeat=size):
            text = "".join(chars)
            try:
                list(csv.reader(io.StringIO(text, newline=""), strict=True))
                open_quote = False
            except csv.Error as exc:
                if str(exc) != "unexpected end of data":
                    continue
                open_quote = True
            assert _ends_quoted(text, ",") is open_quote, text


# -- numbers a file types as numbers -------------------------------------------------------------


@pytest.mark.parametrize("locale", [None, "en", "fr", "bgn"])
def test_typed_numbers_are_never_reread_through_the_locale(
    tmp_path: Path, locale: str | None
) -> None:
    """An xlsx cell 1.234 or a Parquet float 12.345 is that number in any locale: never
    1,234 units with "fr", never refused as ambiguous without a locale. Text cells are still
    read in the locale ("2,5" is 2.5 in French)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "drug", "quantity", "quantity_unit"])
    sheet.append(["A1", "cannabis", 1.234, "t"])
    sheet.append(["A2", "cannabis", 160.5, "kg"])
    sheet.append(["A3", "cannabis", "2,5" if locale == "fr" else "2.5", "kg"])
    book.save(tmp_path / "n.xlsx")
    pl.DataFrame(
        {"id": ["P1", "P2"], "drug": ["cannabis"] * 2, "quantity": [12.345, 0.5],
         "value": [Decimal("1.234"), Decimal("12")], "value_currency": ["XOF"] * 2,
         "quantity_unit": ["t"] * 2}
    ).write_parquet(tmp_path / "n.parquet")  # fmt: skip
    options = ReadOptions(entity="seizure", locale=locale)
    xlsx = read(tmp_path / "n.xlsx", options=options)
    assert xlsx.rejections == []
    assert xlsx.tables["seizure"]["quantity"].to_list() == [
        Decimal("1.234"), Decimal("160.5"), Decimal("2.5")
    ]  # fmt: skip
    parquet = read(tmp_path / "n.parquet", options=options)
    assert parquet.rejections == []
    table = parquet.tables["seizure"]
    assert table["quantity"].to_list() == [Decimal("12.345"), Decimal("0.5")]
    assert table["value"].to_list() == [Decimal("1.234"), Decimal(12)]


def test_an_xlsx_sheet_formatted_to_its_last_column_reads_only_the_named_columns(
    tmp_path: Path,
) -> None:
    """openpyxl pads every row to the sheet's width: a formatted cell in column XFD made each
    row 16,384 cells (a 5 KB file took half a minute and a gigabyte)."""
    from openpyxl.styles import Font

    from sahel_core.plugins.xlsx_format import _rows, _sheet

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "drug", "quantity", "quantity_unit"])
    sheet.append(["A1", "cannabis", 2, "kg"])
    sheet.cell(row=1, column=16384).font = Font(bold=True)
    sheet.cell(row=2, column=16000, value="stray")
    book.save(tmp_path / "wide.xlsx")
    loaded = openpyxl.load_workbook(tmp_path / "wide.xlsx", read_only=True, data_only=True)
    found = _sheet(_rows(loaded.worksheets[0], "wide.xlsx"), ReadOptions())
    loaded.close()
    # The stray value far right stands in one column after the named ones (ignored).
    assert found is not None
    assert found[0].columns == ["id", "drug", "quantity", "quantity_unit", "column 5"]
    assert found[0]["column 5"].to_list() == ["stray"]
    assert read(tmp_path / "wide.xlsx").tables["seizure"]["id"].to_list() == ["A1"]


def test_an_xlsx_row_with_values_only_after_the_named_columns_is_read_and_rejected(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["id", "drug", "quantity", "quantity_unit"], ["A", "cocaine", 1, "kg"],
                [None] * 5 + ["  ", None, "stray"], ["D", "cocaine", 5, "kg"],
                [None] * 6 + ["  "]):  # fmt: skip
        sheet.append(row)
    book.save(tmp_path / "x.xlsx")
    result = read(tmp_path / "x.xlsx")
    # Row 3 holds "stray" after a blank cell; row 5 only a blank cell: an empty row.
    assert (result.read, result.accepted) == (3, 2)
    [refused] = result.rejections
    assert (refused.row, refused.field, refused.value) == (3, "column 5", "stray")
    assert refused.reason.startswith("no value in a recognised column")


@pytest.mark.parametrize(
    ("text", "drugs"),
    [
        ("id, drug,drug \nA,cannabis,cannabis\n", ["cannabis"]),
        # Two columns named "drug" that disagree: which is meant cannot be told.
        ("id, drug,drug \nA,cannabis,cocaine\n", []),
        (" ,drug,  \nx,cannabis,y\n", ["cannabis"]),
    ],
)
def test_headers_differing_only_by_spaces_are_one_repeated_column(
    tmp_path: Path, text: str, drugs: list[str]
) -> None:
    path = tmp_path / "w.csv"
    path.write_text(text, encoding="utf-8")
    result = read(path, options=ReadOptions(entity="seizure"))
    assert result.read == 1 and result.accepted == len(drugs)
    assert result.tables["seizure"]["drug"].to_list() == drugs


def test_jsonl_lines_end_at_line_feeds_only(tmp_path: Path) -> None:
    """A JSON string may hold U+2028 or U+0085 as they are (write_jsonl leaves them): they do
    not end a line, so the library reads back what it wrote."""
    source = tmp_path / "u.csv"
    source.write_text(
        'id,drug,country,locality\nA1,cannabis,MLI,"Gao\u2028Nord\u0085Est"\nA2,cocaine,MLI,Gao\n',
        encoding="utf-8",
    )
    table = read(source, options=ReadOptions(entity="seizure")).tables["seizure"]
    write(table, tmp_path / "u.jsonl", "seizure")
    back = read(tmp_path / "u.jsonl", options=ReadOptions(entity="seizure"))
    assert (back.format, back.read, back.accepted) == ("jsonl", 2, 2)
    assert back.tables["seizure"]["locality"].to_list() == ["Gao\u2028Nord\u0085Est", "Gao"]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_a_lone_surrogate_rejects_its_record_only(tmp_path: Path, suffix: str) -> None:
    records = ['{"id":"A1","drug":"cannabis"}', '{"id":"A\\ud800","drug":"cannabis"}']
    path = tmp_path / f"s{suffix}"
    path.write_text("\n".join(records) if suffix == ".jsonl" else f"[{','.join(records)}]")
    result = read(path, options=ReadOptions(entity="seizure"))
    assert (result.read, result.accepted) == (2, 1)
    assert [(r.row, r.value) for r in result.rejections] == [(2, "\\ud800")]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("acled", "event_id_cnty,event_date,actor1,country,fatalities\n"
         "X1,2019-01-01,JNIM,Mali,1\n"),
        ("unodc_seizures", "Region,SubRegion,Country,DrugGroup,DrugSubGroup,DrugName,"
         "Reference year,Kilograms,msCode\nAfrica,West Africa,Mali,C,C,C,2022,1.5,MLI\n"),
        ("hxl", "Country;Drug;Quantity\n#country+code;#item+drug;#value+quantity\n"
         "MLI;cannabis;2\n"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_formats_are_recognised_in_any_unicode_encoding_and_delimiter(
    tmp_path: Path, name: str, text: str, encoding: str
) -> None:
    """A UTF-16 export (NUL bytes, a BOM) or a ";" HXL sheet is sniffed as what it is, not
    read as a plain CSV that loses the format's mapping."""
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    result = read(path)
    assert (result.format, result.read) == (name, 1)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_an_encoding_python_cannot_use_is_a_format_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"e{suffix}"
    path.write_text('[{"id": "A", "drug": "cannabis"}]' if suffix == ".json" else "id,drug\nA,x\n")
    with pytest.raises(FormatError, match="undefined"):
        read(path, options=ReadOptions(encoding="undefined"))


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_json_drugs_and_currencies_are_checked_as_every_reader_checks_them(
    tmp_path: Path, suffix: str
) -> None:
    """ "zorg" or "QQQ" would be rejected by a CSV copy of the table: JSON rejects them too; an
    alias becomes the vocabulary's key, the name as written kept."""
    import json

    records = [
        {"id": "A", "drug": "cocaïne"},
        {"id": "B", "drug": "zorg"},
        {"id": "C", "drug": "cannabis", "value": {"amount": "5", "currency": "QQQ"}},
        {"id": "D", "drug": "cannabis",
         "stated_values": [{"amount": "5", "currency": "XOF"}, {"amount": "5", "currency": "ZZZ"}]},
    ]  # fmt: skip
    path = tmp_path / f"v{suffix}"
    lines = [json.dumps(r) for r in records]
    path.write_text("\n".join(lines) if suffix == ".jsonl" else f"[{','.join(lines)}]")
    result = read(path, options=ReadOptions(entity="seizure"))
    assert result.tables["seizure"].select("id", "drug", "drug_text").rows() == [
        ("A", "cocaine", "cocaïne")
    ]
    assert [(r.row, r.field, r.value) for r in result.rejections] == [
        (2, "drug", "zorg"), (3, "value.currency", "QQQ"), (4, "stated_values[1].currency", "ZZZ")
    ]  # fmt: skip


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_a_json_integer_too_long_for_python_rejects_its_record_only(
    tmp_path: Path, suffix: str
) -> None:
    big = "9" * 5000  # Python's int() refuses more than 4,300 digits
    records = [
        '{"id":"A","drug":"cannabis"}',
        f'{{"id":"B","drug":"cannabis","sources":[{{"file":"x","row":{big}}}]}}',
    ]
    path = tmp_path / f"big{suffix}"
    path.write_text("\n".join(records) if suffix == ".jsonl" else f"[{','.join(records)}]")
    result = read(path, options=ReadOptions(entity="seizure"))
    assert (result.read, result.accepted) == (2, 1)
    assert [(r.row, r.field) for r in result.rejections] == [(2, "sources[0].row")]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_repeated_column_is_read_where_its_copies_agree(tmp_path: Path, suffix: str) -> None:
    # The first "drug" won without a word, and the note named "drug_duplicated_0", a column
    # the file does not have.
    rows = [
        ["id", "drug", "drug", "quantity", "quantity_unit"],
        ["A", "cannabis", "cocaine", "1", "kg"],
        ["B", "heroin", "heroin", "2", "kg"],
        ["C", "heroin", "", "3", "kg"],
    ]
    result = read(table_file(tmp_path / f"register{suffix}", rows))
    assert (result.read, result.accepted) == (3, 2)
    [rejection] = result.rejections
    assert (rejection.row, rejection.field, rejection.value) == (2, "drug", "cocaine")
    assert rejection.reason == (
        "column 3 (drug) disagrees with column 2 (drug): 'cocaine', not 'cannabis'"
    )
    assert result.tables["seizure"]["drug"].to_list() == ["heroin", "heroin"]
    assert not [note for note in result.notes if "duplicated" in note]
    assert any(
        note.endswith("(a row where they differ is rejected): 'drug'") for note in result.notes
    )


# -- the CSV header under titles ----------------------------------------------------------------

_REGISTER = (
    "N°;Date;Pays;Drogue;Quantité (kg)\n"
    "S1;2016-05-01;Mali;cannabis;12,5\n"
    "S2;2016-05-02;Atlantide;cannabis;3\n"
    "S3;2016-05-03;Niger;cocaïne;1\n"
)


@pytest.mark.parametrize(
    ("above", "header_at", "note"),
    [
        # Excel pads every row to the used range; a hand-made title has no delimiter at all.
        ("Saisies 2016 – OCRTIS;;;;\n", 2, "not read above it: row 1"),
        ("Saisies 2016 – OCRTIS\n", 2, "not read above it: row 1"),
        (
            "Saisies 2016 – OCRTIS;;;;\n;;Lieu;Produit;\n",
            3,
            "not read above it: row 1, row 2 (names known columns)",
        ),
        ("Saisies 2016\n\n", 3, "not read above it: row 1"),
    ],
)
def test_a_csv_header_under_title_rows_is_found(
    tmp_path: Path, above: str, header_at: int, note: str
) -> None:
    """Registers saved from Excel have a title or a row of column groups over the header: the
    header is the row naming the most known columns, as in a workbook, and rows keep their
    numbers in the file."""
    for encoding in ("utf-8", "cp1252"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes((above + _REGISTER).encode(encoding))
        result = read(path, options=ReadOptions(locale="fr"))
        assert (result.read, result.accepted) == (3, 2) == (result.accepted + result.rejected, 2)
        assert rejected(result) == {header_at + 2: ("country", "Atlantide")}
        table = result.tables["seizure"]
        assert table["id"].to_list() == ["S1", "S3"]
        assert table["quantity"].to_list() == [Decimal("12.5"), Decimal(1)]
        assert [s[0]["row"] for s in table["sources"]] == [header_at + 1, header_at + 3]
        assert f"header on row {header_at} (names the most known columns); {note}" in (result.notes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The header holds no ",": a data row with one "," each must not make it the delimiter
        # (a short row spoils ";"'s count, not its claim on the header).
        (
            "id;drogue;quantité;unité;pays;date;lieu\na;cocaïne;2,5;kg;MLI;2021-01-01;Gao\n"
            "b;cocaïne;3,5;kg;MLI;2021-01-02\n",
            ";",
        ),
        ("id,agencies,country\nS1,Police;Douane,MLI\nS2,Police;Gendarmerie\n", ","),
        # One column whose cells hold a ",": no title over it, the default stays.
        ("locality\nBamako, Mali\nGao, Mali\n", "\t"),
        ("Saisies 2016\nid;drogue;pays\na;cocaïne;MLI\n", ";"),
    ],
)
def test_the_delimiter_is_the_header_s(text: str, expected: str) -> None:
    from sahel_core.plugins.csv_format import sniff_delimiter

    assert sniff_delimiter(text, "\t") == expected


def test_a_french_register_with_a_short_row_reads(tmp_path: Path) -> None:
    path = tmp_path / "fr.csv"
    path.write_text(
        "id;drogue;quantité;unité;pays;date;lieu\na;cocaïne;2,5;kg;MLI;2021-01-01;Gao\n"
        "b;cocaïne;3,5;kg;MLI;2021-01-02\n"
    )
    result = read(path, options=ReadOptions(locale="fr"))
    assert (result.read, result.accepted) == (2, 2)
    assert result.tables["seizure"]["quantity"].to_list() == [Decimal("2.5"), Decimal("3.5")]


def test_a_csv_header_under_a_title_on_the_exact_path(tmp_path: Path) -> None:
    # A row longer than the header sends the file to the csv module: the same numbers.
    path = tmp_path / "ragged.csv"
    path.write_text("Registre des saisies;;;;\n" + _REGISTER + "S4;2016-05-04;Mali;khat;2;x\n")
    result = read(path, options=ReadOptions(locale="fr"))
    assert result.read == 4 == result.accepted + result.rejected
    assert rejected(result) == {4: ("country", "Atlantide"), 6: (None, "x")}
    assert [s[0]["row"] for s in result.tables["seizure"]["sources"]] == [3, 5]


def test_a_csv_header_on_row_1_is_read_as_before(tmp_path: Path) -> None:
    # A table under the data names more known columns: it never takes the header.
    path = tmp_path / "stack.csv"
    path.write_text(
        "N°;Pays;Drogue\nS1;Mali;cannabis\n;;\nPays;Drogue;Quantité;Unité;Valeur;Devise\n"
    )
    result = read(path, options=ReadOptions(locale="fr"))
    assert result.tables["seizure"]["id"].to_list()[0] == "S1"
    assert not [note for note in result.notes if note.startswith("header on row")]
    # A header naming too few known columns stays the header: --map names the others.
    path.write_text("Zone;Drogue;Remarque\nMopti;cannabis;3 kg\n")
    result = read(path, options=ReadOptions(mapping={"Zone": "locality"}))
    assert result.read == 1 and "columns: Zone → locality" in result.notes


def test_a_csv_with_a_header_under_a_title_is_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk path: finding the header below a title costs no second parse of the file."""
    from sahel_core.plugins import csv_format

    calls: list[int] = []
    real = csv_format.fast_frame
    monkeypatch.setattr(
        csv_format, "fast_frame", lambda data, d: calls.append(len(data)) or real(data, d)
    )
    path = tmp_path / "big.csv"
    path.write_text("Titre;;;;\n" + _REGISTER + "S9;2016-05-09;Mali;cannabis;1\n" * 5000)
    result = read(path, options=ReadOptions(locale="fr"))
    assert result.read == 5003
    assert len(calls) == 1
