"""``sahel read`` and ``sahel validate``: summaries, JSON shape, output files, exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sahel_core.cli import main
from sahel_core.entities import Seizure
from sahel_core.io import read, write
from sahel_core.specs import ReadOptions
from sahel_core.tables import from_entities, to_entities

FIXTURE = Path(__file__).parent / "fixtures" / "saisies_fr.csv"
KEYS = ["source", "format", "read", "accepted", "rejected", "rejections", "tables", "notes"]


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    path = tmp_path / "clean.csv"
    path.write_text("Pays;Produit;Quantité;Unité\nMali;cocaïne;1,5;kg\nNiger;héroïne;2;g\n")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_read_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "read", str(FIXTURE), "--locale", "fr", "--json")
    assert status == 0
    report = json.loads(out)
    assert list(report) == KEYS
    assert (report["read"], report["accepted"], report["rejected"]) == (11, 6, 5)
    assert report["format"] == "csv" and report["tables"] == {"seizure": 6}
    assert report["rejections"][0] == {
        "row": 6,
        "field": "date",
        "value": "bientôt",
        "reason": report["rejections"][0]["reason"],
    }
    assert [list(r) for r in report["rejections"]] == [["row", "field", "value", "reason"]] * 5


def test_read_prints_a_summary_and_writes_the_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "seizures.jsonl"
    status, out, _ = run(capsys, "read", str(FIXTURE), "--locale", "fr", "--out", str(out_file))
    assert status == 0
    assert "11 read, 6 accepted, 5 rejected" in out
    assert "bientôt" in out and "Atlantide" in out
    assert "wrote 6 rows" in out
    written = read(out_file)
    assert written.accepted == 6 and written.rejected == 0


def test_read_with_a_mapping(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Zone,Article,Masse\nMali,cocaine,3\n")
    status, out, _ = run(
        capsys, "read", str(path), "--map", "zone=country", "-m", "Article=drug",
        "--map", "masse=quantity", "--json",
    )  # fmt: skip
    assert status == 0
    report = json.loads(out)
    # The quantity has no unit: the one row is rejected, naming the unit column.
    assert report["rejections"] == [
        {"row": 2, "field": "quantity_unit", "value": None, "reason": "a quantity needs a unit"}
    ]


def test_a_mapping_that_matches_nothing_or_twice_is_told(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A typo in --map ("Observation" for "Observations") was ignored without a word, and a
    # source mapped twice kept the last mapping.
    path = tmp_path / "odd.csv"
    path.write_text("Pays,Produit,Observations\nMali,cocaine,Gao\n")
    status, out, _ = run(capsys, "read", str(path), "--map", "Observation=locality", "--json")
    assert status == 0
    assert (
        "column mapping not used: no column 'Observation' in the file" in json.loads(out)["notes"]
    )
    status, _, err = run(
        capsys, "read", str(path), "--map", "Observations=locality", "--map", "Observations=agency"
    )
    assert status == 2
    assert "'Observations' is mapped twice: to 'locality' and to 'agency'" in err
    # Sources match headers in any case and spacing: so do they each other.
    status, _, err = run(
        capsys, "read", str(path), "--map", "Pays=country", "--map", "PAYS =locality"
    )
    assert status == 2 and "'PAYS' is mapped twice: to 'country' and to 'locality'" in err


def test_validate_exit_statuses(
    capsys: pytest.CaptureFixture[str], clean: Path, tmp_path: Path
) -> None:
    assert run(capsys, "validate", str(clean))[0] == 0
    assert run(capsys, "validate", str(clean), str(FIXTURE), "--locale", "fr")[0] == 1
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1 not really")
    assert run(capsys, "validate", str(junk))[0] == 1
    # Usage errors: 2.
    assert run(capsys, "validate")[0] == 2
    assert run(capsys, "validate", str(tmp_path / "absent.csv"))[0] == 2
    assert run(capsys, "validate", str(clean), "--map", "pays")[0] == 2
    assert run(capsys, "validate", str(clean), "--map", "pays=nation")[0] == 2
    assert run(capsys, "validate", str(clean), "--format", "docx")[0] == 2
    assert run(capsys, "validate", str(clean), "--entity", "raid")[0] == 2
    assert run(capsys, "validate", str(clean), "--locale", "xx-nowhere")[0] == 2


def test_validate_json_lists_every_file(
    capsys: pytest.CaptureFixture[str], clean: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    status, out, _ = run(
        capsys, "validate", str(clean), str(FIXTURE), str(junk), "--locale", "fr", "--json"
    )
    assert status == 1
    reports = json.loads(out)
    assert [r["source"] for r in reports] == [str(clean), str(FIXTURE), str(junk)]
    assert list(reports[0]) == KEYS and reports[0]["rejected"] == 0
    assert reports[1]["rejected"] == 5
    assert list(reports[2]) == ["source", "error"] and "not JSON" in reports[2]["error"]


def test_read_round_trips_through_every_output_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "s.jsonl"
    records = [Seizure(id="a", drug="cocaine"), Seizure(id="b", drug="heroin", agency="OCS")]
    write(from_entities(records), source, "seizure")
    for suffix in (".csv", ".tsv", ".json", ".parquet", ".xlsx", ".jsonl"):
        target = tmp_path / f"out{suffix}"
        assert run(capsys, "read", str(source), "--out", str(target))[0] == 0
        assert list(to_entities(read(target).tables["seizure"], "seizure")) == records


def test_validate_reports_an_unreadable_file_once_on_stderr(
    capsys: pytest.CaptureFixture[str], clean: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    status, out, err = run(capsys, "validate", str(junk), str(clean))
    assert status == 1
    assert str(junk) not in out  # the report of the good file only
    assert f"{clean} (csv): 2 read, 2 accepted, 0 rejected" in out
    assert err.startswith(f"error: {junk}: not JSON")
    assert err.count(str(junk)) == 1 and err.count("\n") == 1
    # With --json the error is in the JSON, and still the one line on stderr.
    status, out, err = run(capsys, "validate", str(junk), str(clean), "--json")
    assert status == 1
    assert json.loads(out)[0]["error"].startswith(f"{junk}: not JSON")
    assert err.startswith(f"error: {junk}: not JSON") and err.count("\n") == 1


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes, *, tty: bool = False) -> None:
    import io
    import sys

    stream = io.TextIOWrapper(io.BytesIO(data))
    monkeypatch.setattr(stream, "isatty", lambda: tty)
    monkeypatch.setattr(sys, "stdin", stream)


@pytest.mark.parametrize("fmt", [None, "csv"])
def test_read_dash_reads_standard_input(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clean: Path,
    fmt: str | None,
) -> None:
    """`cat register.csv | sahel read - --json`: the format sniffed, or named by --format."""
    _stdin(monkeypatch, clean.read_bytes())
    given = ["--format", fmt] if fmt else []
    status, out, err = run(capsys, "read", "-", *given, "--locale", "fr", "--json")
    assert status == 0, err
    report = json.loads(out)
    assert (report["source"], report["format"], report["read"], report["accepted"]) == (
        "stdin", "csv", 2, 2,
    )  # fmt: skip
    expected = json.loads(run(capsys, "read", str(clean), "--locale", "fr", "--json")[1])
    assert report["notes"] == expected["notes"]


def test_a_file_named_dash_is_read_as_dot_slash_dash(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clean: Path,
    tmp_path: Path,
) -> None:
    """Only a bare "-" is standard input: "./-" is the usual way to name a file called "-"
    (pathlib makes the two equal)."""
    (tmp_path / "-").write_bytes(clean.read_bytes())
    monkeypatch.chdir(tmp_path)
    _stdin(monkeypatch, b"")
    status, out, err = run(capsys, "read", "./-", "--locale", "fr", "--json")
    assert status == 0, err
    report = json.loads(out)
    assert (report["source"], report["read"], report["accepted"]) == ("-", 2, 2)


def test_read_dash_reads_json_and_tsv_and_writes_out(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    table = read(FIXTURE, options=ReadOptions(locale="fr")).tables["seizure"]
    seizures = list(to_entities(table, "seizure"))
    source = tmp_path / "s.json"
    write(from_entities(seizures), source, "seizure")
    _stdin(monkeypatch, source.read_bytes())
    out = tmp_path / "copy.csv"
    status, _, err = run(capsys, "read", "-", "-o", str(out))
    assert status == 0, err
    assert read(out).accepted == len(seizures)
    _stdin(monkeypatch, b"drug\tquantity\tquantity_unit\ncocaine\t1\tkg\n")
    tsv = tmp_path / "tsv.jsonl"
    status, _, err = run(capsys, "read", "-", "-o", str(tsv))
    assert status == 0, err
    # The table's rows cite "stdin", never the name of a file it was kept in.
    [row] = [json.loads(line) for line in tsv.read_text().splitlines()]
    assert [(s["file"], s["row"]) for s in row["sources"]] == [("stdin", 2)]


def test_read_dash_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"", tty=True)
    status, _, err = run(capsys, "read", "-")
    assert status == 2
    assert err.startswith("error: ") and "terminal" in err and err.count("\n") == 1
    _stdin(monkeypatch, b"")
    status, _, err = run(capsys, "read", "-", "--format", "csv")
    assert (status, err) == (1, "error: stdin: empty: nothing was piped in\n")
    _stdin(monkeypatch, b"\x00\x01\x02 no format")
    status, _, err = run(capsys, "read", "-")
    assert status == 1 and err.startswith("error: stdin") and "cannot tell the format" in err
    assert err.count("\n") == 1


def test_read_dash_through_a_real_pipe(clean: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "sahel_core", "read", "-", "--entity", "seizure", "--json"],
        input=clean.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["accepted"] == 2
