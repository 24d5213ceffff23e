"""The ACLED importer: synthetic fixtures in each ACLED shape, the real files from ../shared
(never copied: ACLED's licence), HDX HAPI counts, damaged files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from sahel_core.errors import FormatError, SahelError
from sahel_core.io import read
from sahel_core.plugins import get_manager
from sahel_core.plugins.acled import count_schema, read_acled, sniff_acled
from sahel_core.specs import ReadOptions, Rejection
from sahel_core.tables import to_entities
from strategies import damaged

FIXTURES = Path(__file__).parent / "fixtures" / "acled"
MODERN = FIXTURES / "events_modern.csv"
LATIN1 = FIXTURES / "events_africa_latin1.csv"
HAPI = FIXTURES / "hapi_counts.csv"


def test_modern_export() -> None:
    result = read(MODERN)
    assert result.format == "acled"
    assert (result.read, result.accepted, result.rejected) == (6, 2, 4)
    assert result.rejections == [
        Rejection(4, "event_date", "31 February 2019", "no such date"),
        Rejection(5, "country", "Atlantis", "unknown country 'Atlantis'"),
        Rejection(6, "fatalities", "-2", "expected a whole number >= 0"),
        Rejection(7, "event_id_cnty", "ACLED:TST101", "repeats the id of an earlier row"),
    ]
    first, second = to_entities(result.tables["operation"], "operation")
    assert first.id == "ACLED:TST101" and first.kind.value == "event"
    assert first.date is not None and first.date.earliest == dt.date(2019, 3, 15)
    assert [(p.country, p.locality) for p in first.places] == [("MLI", "Djenne")]
    # actor1, its two associated actors (";"-separated in ACLED), then actor2.
    assert first.actors == (
        "Synthetic Militia A", "Synthetic Ally 1", "Synthetic Ally 2", "Synthetic Militia B"
    )  # fmt: skip
    assert first.fatalities == 7
    assert first.sources[0].row == 2  # A note spanning two lines is still one row.
    assert first.sources[0].note == "ACLED event TST101; source: Test Wire"
    assert second.fatalities == 0 and second.places[0].country == "NER"


def test_old_uppercase_latin1_day_first() -> None:
    result = read(LATIN1)
    assert (result.read, result.accepted, result.rejected) == (3, 2, 1)
    assert result.rejections == [Rejection(4, "event_date", "13/25/2016", "no such date")]
    segou, ayorou = to_entities(result.tables["operation"], "operation")
    assert segou.places[0].locality == "Ségou"  # Windows-1252 decoded.
    assert segou.date is not None and segou.date.earliest == dt.date(2016, 1, 5)  # DD/MM/YYYY
    assert ayorou.actors == ("Synthetic Militia C", "Civilians (Niger)")
    assert ayorou.title == "Violence against civilians"


def test_hapi_counts_are_not_events() -> None:
    result = read(HAPI)
    assert (result.read, result.accepted, result.rejected) == (4, 2, 2)
    assert result.rejections == [
        Rejection(4, "location_code", "XXX", "unknown country"),
        Rejection(5, "events", "many", "expected a whole number >= 0"),
    ]
    table = result.tables["conflict_event_count"]
    assert dict(table.schema) == count_schema()
    assert table.select("country", "admin2_code", "events", "fatalities").rows() == [
        ("MLI", "ML0503", 3, 5),
        ("NER", None, 2, None),
    ]
    assert table["period_latest"].to_list() == [dt.date(2025, 1, 31)] * 2


def test_not_an_acled_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("event_date,country\n2020-01-01,Mali\n")
    with pytest.raises(FormatError, match="missing column"):
        read(path, format="acled")
    with pytest.raises(FormatError, match="operation records only"):
        read(MODERN, options=ReadOptions(entity="seizure"), format="acled")


def test_a_first_row_with_one_tag_like_cell_is_an_event_not_hdx_tags(tmp_path: Path) -> None:
    # It was cut as HDX's hashtag row: read, but neither accepted nor rejected.
    path = tmp_path / "acled.csv"
    path.write_text(
        "event_id_cnty,event_date,actor1,country,fatalities,notes\n"
        ",,,,,#JNIM\nX2,2019-01-02,JNIM,Mali,2,ok\n"
    )
    result = read(path)
    assert (result.format, result.read, result.accepted, result.rejected) == ("acled", 2, 1, 1)
    assert result.rejections[0].row == 2


def test_a_quote_left_open_in_the_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "acled.csv"
    path.write_text('event_id_cnty,event_date,actor1,country,fatalities,"notes\nX1,2019-01-01,a\n')
    with pytest.raises(FormatError, match="never closed"):
        read(path, format="acled")


def test_sniffer() -> None:
    assert sniff_acled(MODERN.read_bytes(), "x.csv")
    assert sniff_acled(LATIN1.read_bytes(), "x.csv")
    assert sniff_acled(HAPI.read_bytes(), "x.csv")
    assert not sniff_acled(b"date,country,drug\n", "x.csv")
    assert get_manager().detect_format(LATIN1).name == "acled"


@pytest.mark.parametrize("fixture", [MODERN, LATIN1, HAPI])
def test_damaged_files_raise_only_sahel_errors(tmp_path: Path, fixture: Path) -> None:
    @settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=damaged(fixture.read_bytes()))
    def check(data: bytes) -> None:
        path = tmp_path / "damaged.csv"
        path.write_bytes(data)
        try:
            result = read_acled(path, ReadOptions())  # Not io.read: it wraps crashes.
        except SahelError:
            return
        assert result.read == result.accepted + result.rejected
        assert sum(t.height for t in result.tables.values()) == result.accepted

    check()


# -- the real files (../shared/data; read there, never copied) -----------------------------------


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "read_", "accepted", "table"),
    [
        ("acled_all_africa_2016-01-01_2016-05-28.csv", 6831, 6831, "operation"),
        ("acled_mali_2017-01-01_2019-02-27.csv", 1339, 1339, "operation"),
        ("osac_acled_awsd_incidents_sahel_2016-2022.csv", 215, 215, "operation"),
        ("hdx_hapi_conflict_event_sahel_2025-01.csv", 711, 711, "conflict_event_count"),
    ],
)
def test_real_files(shared_data: Path, name: str, read_: int, accepted: int, table: str) -> None:
    result = read(shared_data / "acled" / name)
    assert result.format == "acled"
    assert (result.read, result.accepted) == (read_, accepted)
    assert result.tables[table].height == accepted


@pytest.mark.shared
def test_real_figures(shared_data: Path) -> None:
    mali = read(shared_data / "acled" / "acled_mali_2017-01-01_2019-02-27.csv")
    events = mali.tables["operation"]
    # SOURCES.md: 3,004 fatalities in all; 2018: 752 events, 1,761 fatalities.
    assert events["fatalities"].sum() == 3004
    in_2018 = events.filter(pl.col("date_earliest").dt.year() == 2018)
    assert (in_2018.height, in_2018["fatalities"].sum()) == (752, 1761)
    # One event checked by hand: MLI2665, 22 February 2019, 2 fatalities.
    one = events.filter(pl.col("id") == "ACLED:MLI2665")
    assert one["fatalities"].to_list() == [2]
    assert one["date_earliest"].to_list() == [dt.date(2019, 2, 22)]
    africa = read(shared_data / "acled" / "acled_all_africa_2016-01-01_2016-05-28.csv")
    country = pl.col("places").list.first().struct.field("country")
    sahel = africa.tables["operation"].filter(country == "MLI")
    assert (sahel.height, sahel["fatalities"].sum()) == (55, 111)  # SOURCES.md
    mixed = read(shared_data / "acled" / "osac_acled_awsd_incidents_sahel_2016-2022.csv")
    ids = mixed.tables["operation"]["id"]
    assert ids.str.starts_with("AWSD:").sum() == 98
    assert ids.str.starts_with("ACLED:").sum() == 117


@pytest.mark.shared
def test_cli_read_and_validate(shared_data: Path) -> None:
    from sahel_core.cli import app

    runner = CliRunner()
    paths = sorted(str(p) for p in (shared_data / "acled").glob("*.csv"))
    for path in paths:
        done = runner.invoke(app, ["read", path])
        assert done.exit_code == 0, done.output
        assert "(acled)" in done.output
    checked = runner.invoke(app, ["validate", *paths])
    assert checked.exit_code == 0, checked.output
    bad = runner.invoke(app, ["validate", str(MODERN)])
    assert bad.exit_code == 1 and "no such date" in bad.output


# -- counts, line endings, encodings -------------------------------------------------------------


def _with_fatalities(tmp_path: Path, value: str) -> Path:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(MODERN.read_text(encoding="utf-8-sig"), newline="")))
    rows[1][rows[0].index("fatalities")] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "events.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("value", [str(2**63), "9" * 20, "9" * 41])
def test_a_count_too_large_rejects_its_row_only(tmp_path: Path, value: str) -> None:
    result = read(_with_fatalities(tmp_path, value))
    assert (result.read, result.accepted, result.rejected) == (6, 1, 5)
    assert result.rejections[0] == Rejection(
        2, "fatalities", value, "too large a count (at most 9223372036854775807)"
    )
    assert result.tables["operation"]["fatalities"].to_list() == [0]


def test_the_largest_count_is_kept(tmp_path: Path) -> None:
    result = read(_with_fatalities(tmp_path, str(2**63 - 1)))
    assert (result.read, result.accepted) == (6, 2)
    assert result.tables["operation"]["fatalities"].to_list() == [2**63 - 1, 0]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_cr_only_line_endings(tmp_path: Path, encoding: str) -> None:
    # Old Mac Excel ends lines with a carriage return alone: every row is still read, and
    # numbered as in the original.
    text = MODERN.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\n", "\r")
    path = tmp_path / "mac.csv"
    path.write_bytes(text.replace("Djenne", "Djenné").encode(encoding))
    result = read(path, format="acled")
    assert (result.read, result.accepted, result.rejected) == (6, 2, 4)
    assert [r.row for r in result.rejections] == [4, 5, 6, 7]
    assert result.tables["operation"]["places"][0][0]["locality"] == "Djenné"


def test_utf16_with_a_bom_is_decoded_as_any_delimited_text(tmp_path: Path) -> None:
    # One encoding policy for delimited text (csv_format.decode): a BOM says UTF-16.
    path = tmp_path / "events.csv"
    path.write_bytes(MODERN.read_text(encoding="utf-8-sig").encode("utf-16"))
    result = read(path, format="acled")
    assert (result.read, result.accepted, result.rejected) == (6, 2, 4)


def test_hapi_counts_too_large_are_named_so(tmp_path: Path) -> None:
    text = HAPI.read_text(encoding="utf-8-sig")
    path = tmp_path / "hapi.csv"
    path.write_text(text.replace("political_violence,3,5,", f"political_violence,{2**63},5,"))
    result = read(path)
    assert (result.read, result.accepted, result.rejected) == (4, 1, 3)
    assert result.rejections[0] == Rejection(
        2, "events", str(2**63), "too large a count (at most 9223372036854775807)"
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_rows_with_no_cell_filled_are_not_records_whatever_the_line_endings(
    tmp_path: Path, newline: str
) -> None:
    # "\r" alone goes to the csv module, the others to polars: the same accounting.
    lines = [
        "event_id_cnty,event_date,actor1,country,fatalities",
        "X1,2019-01-01,JNIM,Mali,1",
        "",
        "X2,2019-01-02,JNIM,Mali,2",
        ", , ,,",
        "X3,2019-01-03,JNIM,Atlantis,3",
    ]
    path = tmp_path / "events.csv"
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    result = read(path, format="acled")
    assert (result.read, result.accepted) == (3, 2)
    assert [(r.row, r.value) for r in result.rejections] == [(6, "Atlantis")]


def test_a_country_rejection_names_the_cell_its_reason_is_about(tmp_path: Path) -> None:
    """iso3 is tried first, then the country name: the last cell tried is the one refused."""
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id_cnty,event_date,actor1,iso3,country,fatalities\n"
        "X1,2019-01-01,JNIM,XXX,,1\nX2,2019-01-01,JNIM,,Narnia,1\n"
        "X3,2019-01-01,JNIM,XXX,Narnia,1\nX4,2019-01-01,JNIM,XXX,Mali,1\nX5,2019-01-01,JNIM,,,1\n"
    )
    result = read(path, format="acled")
    assert [(r.row, r.field, r.value, r.reason) for r in result.rejections] == [
        (2, "iso3", "XXX", "unknown country 'XXX'"),
        (3, "country", "Narnia", "unknown country 'Narnia'"),
        (4, "country", "Narnia", "unknown country 'Narnia'"),
        (6, "iso3", None, "no country given"),
    ]


def test_a_row_with_more_cells_than_the_header_is_rejected_not_cut(tmp_path: Path) -> None:
    # The row would lose a cell without a word; the CSV reader refuses such rows too.
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id_cnty,event_date,actor1,country,fatalities,notes,notes\n"
        "X1,2019-01-01,JNIM,Mali,1,a,b\n"
        "X2,2019-01-02,JNIM,Mali,2,c,d,7 killed\n"
        "X3,2019-01-03,JNIM,Mali,3\n",
        encoding="utf-8",
    )
    result = read(path, format="acled")
    assert (result.read, result.accepted, result.rejected) == (3, 2, 1)
    assert result.rejections == [Rejection(3, None, "7 killed", "8 cells but the header has 7")]
    assert result.tables["operation"]["id"].to_list() == ["ACLED:X1", "ACLED:X3"]
    # The same file without the long row reads its repeated header as polars does.
    path.write_text(
        "\n".join(line for line in path.read_text().splitlines() if "killed" not in line),
        encoding="utf-8",
    )
    same = read(path, format="acled").tables["operation"]
    assert same.drop("sources").equals(result.tables["operation"].drop("sources"))


def test_a_hashtag_row_longer_than_the_header_is_no_record_on_the_exact_path(
    tmp_path: Path,
) -> None:
    # CR line endings go to the exact reading, which refuses rows longer than the header:
    # HDX's hashtag row is not an event, whatever its length.
    header = "event_id_cnty,event_date,actor1,country,fatalities,notes"
    tags = "#event+id,#date,#group,#country,#affected+killed,#description,#meta"
    path = tmp_path / "hdx.csv"
    path.write_text(f"{header}\r{tags}\rX1,2019-01-01,JNIM,Mali,1,a\r", encoding="utf-8")
    result = read(path, format="acled")
    assert (result.read, result.accepted, result.rejected) == (1, 1, 0)


# -- columns not read, repeated columns, other delimiters (made-up rows only) ---------------------

_EVENTS = "event_id_cnty,event_date,actor1,country,fatalities"


@pytest.mark.parametrize("newline", ["\n", "\r"])
def test_a_value_under_no_column_is_rejected_as_the_unodc_reader_rejects_it(
    tmp_path: Path, newline: str
) -> None:
    # A spreadsheet saves a CSV copy with blank header cells as wide as its widest row: the
    # value in them was dropped with its column, without a word.
    lines = [f"{_EVENTS},,", "X1,2019-01-01,JNIM,Mali,1,,", "X2,2019-01-02,JNIM,Mali,2,,lost"]
    path = tmp_path / "events.csv"
    path.write_text(newline.join(lines) + newline, encoding="utf-8", newline="")
    result = read(path, format="acled")
    assert (result.read, result.accepted) == (2, 1)
    assert result.rejections == [Rejection(3, None, ",lost", "7 cells but the header has 5")]
    assert not any("ignored" in n for n in result.notes)  # blank cells after the header


def test_columns_not_read_are_named_in_a_note(tmp_path: Path) -> None:
    # A pandas index before the header's names, a column ACLED has and this reader does not
    # carry (latitude), a second copy of a column it does not read (notes).
    path = tmp_path / "events.csv"
    path.write_text(
        f",{_EVENTS},latitude,notes,notes\n0,X1,2019-01-01,JNIM,Mali,1,14.5,a,b\n",
        encoding="utf-8",
    )
    result = read(path, format="acled")
    assert (result.read, result.accepted) == (1, 1)
    assert "ignored columns: 'column 1', 'latitude', 'notes', 'notes' (column 9)" in result.notes


def test_hapi_columns_not_read_are_named_in_a_note() -> None:
    notes = read(HAPI).notes
    assert (
        "ignored columns: 'has_hrp', 'in_gho', 'provider_admin1_name', 'provider_admin2_name', "
        "'dataset_hdx_id', 'resource_hdx_id', 'warning', 'error'"
    ) in notes


@pytest.mark.parametrize("again", ["fatalities", "FATALITIES"])
def test_a_repeated_column_is_read_where_its_copies_agree(tmp_path: Path, again: str) -> None:
    # The second fatalities column was dropped without a word: where the two differ, which
    # count is meant cannot be told, and the row is rejected, never guessed.
    path = tmp_path / "events.csv"
    path.write_text(
        f"{_EVENTS},{again}\nX1,2019-01-01,JNIM,Mali,1,1\nX2,2019-01-02,JNIM,Mali,1,99\n"
        "X3,2019-01-03,JNIM,Mali,3,\nX4,2019-01-04,JNIM,Mali,,4\n",
        encoding="utf-8",
    )
    result = read(path, format="acled")
    assert (result.read, result.accepted) == (4, 2)
    assert result.rejections == [
        Rejection(3, "fatalities", "99", "column 6 (fatalities) disagrees with column 5 "
                  "(fatalities): '99', not '1'"),
        Rejection(5, "fatalities", "4", "column 6 (fatalities) disagrees with column 5 "
                  "(fatalities): '4', not an empty cell"),
    ]  # fmt: skip
    assert (
        "repeated columns, compared with the first of their name (a row where they differ is "
        "rejected): 'fatalities' (column 6)"
    ) in result.notes
    assert result.tables["operation"]["fatalities"].to_list() == [1, 3]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_an_export_resaved_with_another_delimiter_is_still_acled(
    tmp_path: Path, delimiter: str
) -> None:
    # French Excel saves with ";": the export was read as a seizure register, every row
    # rejected ("drug is required").
    rows = [_EVENTS.split(","), ["X1", "2019-01-01", "JNIM", "Mali", "1"],
            ["X2", "2019-01-02", "JNIM, Katiba Macina", "Mali", "2"]]  # fmt: skip
    path = tmp_path / "events.csv"
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    assert sniff_acled(path.read_bytes(), path.name)
    result = read(path)
    assert (result.format, result.read, result.accepted) == ("acled", 2, 2)
    assert result.tables["operation"]["actors"][1].to_list() == ["JNIM, Katiba Macina"]
