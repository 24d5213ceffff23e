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
        Rejection(5, "iso3", "Atlantis", "unknown country 'Atlantis'"),
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
