"""The demo runs end to end on bundled data; its figures are checked against hand computations
from ``sahel_core/data/demo/saisies_2016_2018.csv`` and the two press releases."""

from __future__ import annotations

import csv
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from sahel_core.cli import main
from sahel_core.demo import OUTPUTS, DemoReport, run_demo


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> DemoReport:
    return run_demo(tmp_path_factory.mktemp("demo"))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _by_key(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["country"], r["year"]): r for r in _rows(path)}


def test_every_listed_output_is_written(report: DemoReport) -> None:
    out = report.out_dir
    for name in OUTPUTS:
        assert (out / name).exists(), name
    assert {f.relative_to(out).as_posix() for f in report.files} >= {
        n for n in OUTPUTS if n != "input/"
    }
    assert report.chart == out / "seized_mass_by_country_year.png"
    assert report.chart.read_bytes().startswith(b"\x89PNG")
    readme = (out / "README.txt").read_text(encoding="utf-8")
    for name in OUTPUTS:
        assert name in readme


def test_the_press_releases_give_records_with_evidence(report: DemoReport) -> None:
    english, french = report.extractions
    assert (english.lang, french.lang) == ("en", "fr")
    mopti = english.of_kind("seizure")[0]
    assert mopti.field("quantity").phrase.text == "more than 1.2 tons"  # type: ignore[union-attr]
    text = (report.out_dir / "input" / "press_release.txt").read_text(encoding="utf-8")
    evidence = mopti.field("value").phrase  # type: ignore[union-attr]
    assert text[evidence.start : evidence.end] == "some CFA 60 million"
    (workshop,) = english.entities("workshop")
    assert workshop.participants.magnitude == 42
    assert workshop.donors == ("DNK",)
    (arrest,) = french.entities("operation")
    assert arrest.arrested.magnitude == 2


def test_the_spreadsheet_is_accounted_for_row_by_row(report: DemoReport) -> None:
    result = report.read
    assert (result.read, result.accepted, result.rejected) == (40, 37, 3)
    assert [(r.row, r.field) for r in result.rejections] == [
        (10, "date"),
        (26, "country"),
        (35, "quantity"),
    ]
    rejected = _rows(report.out_dir / "table_rejections.csv")
    assert [r["value"] for r in rejected] == ["31/02/2017", "Burkina Fasso", "n.c."]
    assert len(_rows(report.out_dir / "table_seizures.csv")) == 37


def test_the_duplicate_is_merged_once(report: DemoReport) -> None:
    # 3 seizures from the press releases + 37 rows; the Mopti seizure is in both.
    assert report.seizures_in == 40
    assert report.reconciled.table.height == 39
    groups = _rows(report.out_dir / "reconcile_groups.csv")
    assert groups == [{"id": "ML-17-01", "merged_from": "press_release:seizure:1;ML-17-01"}]
    fields = {r["field"] for r in _rows(report.out_dir / "reconcile_conflicts.csv")}
    assert fields == {"quantity", "value", "date"}


def test_seized_mass_matches_the_hand_computed_sums(report: DemoReport) -> None:
    mass = _by_key(report.out_dir / "seized_mass_by_country_year.csv")
    # Mali 2016: 450 kg + 2,5 kg + 2,7 t + 400 g; the 52 000 tablets are not a mass.
    assert Decimal(mass["MLI", "2016"]["kg"]) == Decimal("3152.9")
    # Mali 2017: 1,2 t (once, though reported twice) + 1,25 kg + 12 kg; 31/02/2017 rejected.
    assert Decimal(mass["MLI", "2017"]["kg"]) == Decimal("1213.25")
    # Niger 2017: 1,8 t + 18 kg + "environ 300" kg (±10 %) + 35 kg from the press release.
    niger = mass["NER", "2017"]
    assert [Decimal(niger[k]) for k in ("kg", "low_kg", "high_kg")] == [
        Decimal(2153),
        Decimal(2123),
        Decimal(2183),
    ]
    # Burkina Faso 2018: 275,5 kg + "plus de 500" kg: no upper bound.
    assert Decimal(mass["BFA", "2018"]["kg"]) == Decimal("775.5")
    assert mass["BFA", "2018"]["high_kg"] == ""
    # Chad 2016 has tablets only: no mass row.
    assert ("TCD", "2016") not in mass
    total = sum(Decimal(r["kg"]) for r in mass.values())
    assert total == Decimal("22187.95")


def test_seized_value_in_usd(report: DemoReport) -> None:
    value = _by_key(report.out_dir / "seized_value_usd_by_country_year.csv")
    assert Decimal(value["MRT", "2018"]["value"]) == 250000  # already USD
    # 210 000 EUR on Sunday 2018-07-22: the ECB rate of Friday 20 July, 1.1670 USD per EUR.
    assert Decimal(value["SEN", "2018"]["value"]) == Decimal(210000) * Decimal("1.167")
    assert "ECB, 2018-07-20" in value["SEN", "2018"]["rates"]


def test_the_conversion_shows_its_path(report: DemoReport) -> None:
    conversion = report.conversion
    assert conversion.path == "XOF → EUR (peg, fixed) → USD (ECB, 2017-03-14)"
    # 60 000 000 XOF at the peg (655.957 per EUR), then the ECB's 1.0631 USD per EUR.
    exact = Decimal(60_000_000) / Decimal("655.957") * Decimal("1.0631")
    assert abs(conversion.result.amount - exact) < Decimal("1e-8")
    saved = json.loads((report.out_dir / "conversion.json").read_text(encoding="utf-8"))
    assert saved["path"] == conversion.path
    assert [s["source"] for s in saved["steps"]] == ["peg", "ECB"]


def test_without_matplotlib_the_chart_is_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    report = run_demo(tmp_path)
    assert report.chart is None
    assert not (tmp_path / "seized_mass_by_country_year.png").exists()
    assert "matplotlib" in report.notes[0]
    assert "matplotlib" in (tmp_path / "README.txt").read_text(encoding="utf-8")


def test_a_rerun_without_matplotlib_removes_the_earlier_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "seized_mass_by_country_year.png"
    assert run_demo(tmp_path).chart == chart and chart.is_file()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["demo", "--out", str(tmp_path)]) == 0
    assert not chart.exists()  # files of an earlier run are replaced, not left to mislead
    printed = capsys.readouterr().out
    assert "seized_mass_by_country_year.png" not in printed
    # The note keeps its install hint whole (rich took "[plots]" for a style tag).
    assert "pip install 'sahel-core[plots]'" in printed


def test_cli_summary_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps at the terminal's width
    assert main(["demo"]) == 0
    printed = capsys.readouterr().out
    for expected in (
        "40 rows read = 37 accepted + 3 rejected",
        "Burkina Fasso",
        "merged into ML-17-01",
        "XOF → EUR (peg, fixed) → USD (ECB, 2017-03-14)",
        "seized_mass_by_country_year.png",
    ):
        assert expected in printed
    # Piped, its tables are plain aligned text, as every command's: they were drawn in boxes.
    assert not set("│┃┏┡└") & set(printed)
    assert "10   date      31/02/2017     no such date" in printed
    assert (tmp_path / "sahel-demo-output" / "README.txt").is_file()
    assert main(["demo", "--out", str(tmp_path / "other"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["table"]["accepted"] == 37
    assert data["reconcile"]["merged"] == [
        {"id": "ML-17-01", "merged_from": ["press_release:seizure:1", "ML-17-01"]}
    ]
    assert data["conversion"]["path"].startswith("XOF → EUR")
