"""The CLI skeleton: version, help, schema, errors as one line on stderr, plain piped tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sahel_core import __version__
from sahel_core.cli import main
from sahel_core.errors import FormatError


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sahel_core", *args], capture_output=True, text=True, check=False
    )


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"sahel_core {__version__}"


def test_help_lists_commands() -> None:
    out = run("--help")
    assert out.returncode == 0
    for command in ("schema", "plugins"):
        assert command in out.stdout


def test_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "Seizure"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Seizure"
    assert schema["properties"]["quantity"]["anyOf"][0] == {"$ref": "#/$defs/Amount"}
    assert "Amount" in schema["$defs"]


def test_schema_table_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "workshop", "--table", "--json"]) == 0
    columns = json.loads(capsys.readouterr().out)
    assert columns["participants"].startswith("Decimal")


def test_bad_input_is_one_line_on_stderr() -> None:
    out = run("convert", "100", "ZZZ", "USD", "--date", "2017-01-01")
    assert out.returncode == 1
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and "ZZZ" in lines[0]
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("where", ["first", "last"])
def test_debug_shows_the_traceback(where: str) -> None:
    # The error line says "rerun with --debug": at the end of the line works as well.
    args = ["convert", "100", "ZZZ", "USD", "--date", "2017-01-01"]
    out = run(*(["--debug", *args] if where == "first" else [*args, "--debug"]))
    assert out.returncode != 0
    assert "Traceback" in out.stderr


def test_usage_errors_exit_2() -> None:
    out = run("no-such-command")
    assert out.returncode == 2
    assert out.stderr == "error: No such command 'no-such-command'.\n"


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.csv"
    path.write_text("country,drug,quantity,quantity_unit\nMLI,cocaine,1,kg\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["read", "/nonexistent.csv"],
            "error: Invalid value for 'PATH': file '/nonexistent.csv' does not exist.",
        ),
        (["read", "{csv}", "--format", "nope"], "error: Invalid value for --format: no format"),
        (["indicators", "{csv}", "-i", "nope"], "error: Invalid value for --indicator:"),
        (
            ["indicators", "{csv}", "-i", "seized_mass", "--by", "zzz"],
            "error: Invalid value for --by: indicator 'seized_mass' cannot group by 'zzz'",
        ),
        (
            ["convert", "1", "XOF", "USD", "--date", "2020-02-30"],
            "error: Invalid value for --date: no such day: '2020-02-30'",
        ),
        (["read"], "error: Missing argument 'PATH'."),
        (["convert", "1", "XOF", "USD"], "error: Missing option '--date'."),
        (["read", "{csv}", "--formt", "csv"], "error: No such option: --formt"),
        # Told before any file is read, with the same status wherever the option is.
        (["parse", "3 kg", "--locale", "xx"], "error: Invalid value for '--locale': unknown"),
        (
            ["convert", "1", "XOF", "EUR", "--date", "2020-01-01", "--locale", "xx"],
            "error: Invalid value for '--locale': unknown",
        ),
        (["read", "{csv}", "--locale", "xx"], "error: Invalid value for '--locale': unknown"),
        (["extract", "{csv}", "--encoding", "nope"], "error: Invalid value for '--encoding'"),
        (["extract", "{csv}", "--lang", "de"], "error: Invalid value for '--lang': expected en"),
        (
            ["extract", "{csv}", "--published", "12/05/2016"],
            "error: Invalid value for '--published': expected YYYY-MM-DD, got '12/05/2016'",
        ),
        (["reconcile", "{csv}", "--tolerance", "5"], "error: Invalid value for --tolerance"),
        (["reconcile", "{csv}", "--months", "-1"], "error: Invalid value for --months"),
        (["read", "{csv}", "-o", "out.txt"], "error: Invalid value for --out: no format writes"),
        (["reconcile", "{csv}", "-o", "r.txt"], "error: Invalid value for --out: no format writes"),
        (["read", "{csv}", "-o", "{csv}"], "error: Invalid value for --out: "),  # the input
        (["reconcile", "{csv}", "-o", "{csv}"], "error: Invalid value for --out: "),
        (
            ["indicators", "{csv}", "-i", "seized_mass", "-o", "x.txt"],
            "error: Invalid value for --out",
        ),
    ],
)
def test_usage_errors_are_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str], csv_file: Path, args: list[str], expected: str
) -> None:
    assert main([a.replace("{csv}", str(csv_file)) for a in args]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith(expected)
    assert out.err.count("\n") == 1, out.err  # no usage line, no "Try --help", no box
    assert "Usage" not in out.err and "╭" not in out.err


def test_an_unknown_entity_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    # As `read --entity raid`: a name typed on the command line, not bad data.
    for args in (["schema", "raid"], ["schema", "raid", "--table"], ["--debug", "schema", "raid"]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: Invalid value for 'ENTITY': no entity 'raid'")
        assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("error", "status", "line"),
    [
        (
            FormatError("cannot read it:\n  ComputeError: conversion failed\n\n  at row 3"),
            1,
            "error: cannot read it: ComputeError: conversion failed at row 3\n",
        ),
        (
            RuntimeError("line one\nline two"),
            70,
            "internal error: RuntimeError: line one line two (rerun with --debug)\n",
        ),
        (KeyboardInterrupt(), 130, "error: interrupted\n"),  # Ctrl-C: said, not silent
    ],
)
def test_error_messages_print_as_one_line(
    error: Exception,
    status: int,
    line: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sahel_core.schema

    def fails(entity: str) -> None:
        raise error

    monkeypatch.setattr(sahel_core.schema, "json_schema", fails)
    assert main(["schema", "seizure"]) == status
    assert capsys.readouterr().err == line


def test_help_version_and_no_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "Usage" in capsys.readouterr().out
    assert main(["read", "--help"]) == 0
    assert "--format" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"sahel_core {__version__}\n"
    # `sahel` alone: the help, as a usage error.
    assert main([]) == 2
    out = capsys.readouterr()
    assert "Usage" in out.out + out.err and "error:" not in out.err


def test_via_is_eur_or_usd(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["convert", "100", "XOF", "USD", "--date", "2016-11-05"]
    assert main([*args, "--via", "GBP"]) == 2
    assert capsys.readouterr().err == (
        "error: Invalid value for '--via': expected EUR or USD, got 'GBP'\n"
    )
    # Any case: "usd" is taken as "USD".
    assert main([*args, "--via", "usd", "--json"]) == 0
    lower = json.loads(capsys.readouterr().out)
    assert main([*args, "--via", "USD", "--json"]) == 0
    assert lower == json.loads(capsys.readouterr().out)


def test_piped_tables_are_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    # capsys is no terminal, as a pipe is not.
    assert main(["schema", "seizure", "--table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "seizure table"
    assert lines[1].split() == ["column", "type"]
    assert lines[2].split() == ["id", "String"]
    text = "\n".join(lines)
    assert not set(text) & set("─━│┃┏┓┗┛┡┩└┘╇╈┼"), text
    assert all(line == line.rstrip() for line in lines)


def test_piped_tables_do_not_wrap_and_show_data_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sahel_core.cli.output import print_table

    monkeypatch.setenv("COLUMNS", "40")
    long = "a reason much longer than the forty columns a narrow terminal has"
    print_table("t", ("value", "reason"), [("[/kg]", long), ("[red]x", None)])
    assert capsys.readouterr().out.splitlines() == [
        "t",
        "value   reason",
        f"[/kg]   {long}",
        "[red]x",
    ]


_CELLS = st.one_of(
    st.none(),
    st.integers(),
    st.text(st.sampled_from("ab Zé漢\n[]/\u0301"), max_size=8),
    st.sampled_from(["", "  lead", "trail  ", "a\nbb\n", "ééé", "x" * 30, "tab\there"]),
)


@settings(max_examples=300, deadline=None)
@example(None, (["kind", ""], [["a", "\u0301"]]))  # rich leaves out a column nothing shows in
@example(None, (["kind", ""], [["a", "\n"]]))
@given(
    st.one_of(st.none(), st.text(max_size=6)),
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(st.sampled_from(["id", "", "drug", "值", "kg"]), min_size=n, max_size=n),
            st.lists(st.lists(_CELLS, min_size=n, max_size=n), max_size=5),
        )
    ),
)
def test_a_piped_table_is_aligned_as_rich_aligns_it(
    title: str | None, shape: tuple[list[str], list[list[object]]]
) -> None:
    # Plain text is laid out without rich (thirty times faster on thousands of rows): the
    # same characters as rich would print, wide characters and lines within cells included.
    import contextlib
    import io

    from sahel_core.cli import output

    columns, rows = shape

    def printed() -> str:
        with contextlib.redirect_stdout(io.StringIO()) as buffer:
            output.print_table(title, columns, rows)
        return buffer.getvalue()

    fast = printed()
    plain = output._plain
    try:
        output._plain = lambda text: False  # every table through rich
        assert fast == printed()
    finally:
        output._plain = plain


def test_long_work_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """A person at a terminal sees what is read (stderr); a pipe or a script sees nothing
    more, and stdout holds the results alone either way."""
    files = []
    for name in ("a.csv", "b.csv"):
        files.append(tmp_path / name)
        files[-1].write_text("country,drug,quantity,quantity_unit\nMLI,cocaine,1,kg\n")
    command = [sys.executable, "-m", "sahel_core", "validate", *map(str, files), "--json"]
    quiet = subprocess.run(command, capture_output=True, text=True, check=False)
    terminal = dict(os.environ, TTY_COMPATIBLE="1", TTY_INTERACTIVE="1")
    shown = subprocess.run(command, capture_output=True, text=True, check=False, env=terminal)
    assert quiet.returncode == shown.returncode == 0
    assert quiet.stderr == ""
    assert "reading a.csv" in shown.stderr and "reading b.csv" in shown.stderr
    assert json.loads(shown.stdout) == json.loads(quiet.stdout)
    assert [report["accepted"] for report in json.loads(quiet.stdout)] == [1, 1]


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_output_survives_a_terminal_that_cannot_encode_it(encoding: str, tmp_path: Path) -> None:
    # "→" in a conversion's path, "é" in a French register: an ASCII or Latin-1 stdout once
    # failed the command halfway through its output with an internal error.
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    args = [sys.executable, "-m", "sahel_core", "convert", "100", "XOF", "EUR"]
    table = subprocess.run(
        [*args, "--date", "2020-01-01"], capture_output=True, env=env, check=False
    )
    assert table.returncode == 0, table.stderr
    assert b"XOF \\u2192 EUR" in table.stdout
    as_json = subprocess.run(
        [*args, "--date", "2020-01-01", "--json"], capture_output=True, env=env, check=False
    )
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout.decode("ascii"))["path"] == "XOF → EUR (peg, fixed)"
    register = tmp_path / "r.csv"
    register.write_text("id,drug,quantity,quantity_unit\nA1,cocaïne,5,☠\n", encoding="utf-8")
    shown = subprocess.run(
        [sys.executable, "-m", "sahel_core", "read", str(register)],
        capture_output=True,
        env=env,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert b"\\u2620" in shown.stdout


def test_a_files_control_characters_are_shown_not_obeyed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An ESC sequence in a cell could retitle or clear the terminal of whoever reads the table.
    register = tmp_path / "esc.csv"
    register.write_text(
        'id,drug,quantity,quantity_unit\nA1,"\x1b]0;pwned\x07\x1b[2J",5,kg\n', encoding="utf-8"
    )
    assert main(["read", str(register)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in out
    (tmp_path / "bad\x1b[2J.csv").write_text("", encoding="utf-8")
    assert main(["read", str(tmp_path / "bad\x1b[2J.csv")]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "bad\\x1b[2J.csv" in err


def test_an_indicator_on_transactions_says_the_files_hold_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The register was read as an entity "transaction", which is no entity: a confusing error.
    register = Path(__file__).parent / "fixtures" / "saisies_fr.csv"
    assert main(["indicators", str(register), "-i", "donor_portfolio"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (
        "error: field 'entity': no transaction table in the files given (got 'transaction')"
    )


def test_programme_figures_are_computed_from_a_press_release(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The text reader kept its figures back unless asked for them by name, so no figure table
    # ever reached the indicator.
    release = Path(__file__).parent / "fixtures" / "text" / "en_press_release.txt"
    assert main(["indicators", str(release), "-i", "programme_figures", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(row["records"] >= 1 for row in rows)
    assert {"label", "unit", "value"} <= set(rows[0])


def test_the_list_of_commands_does_not_break_lines_mid_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each docstring's line breaks were kept in the list, wherever the terminal ended.
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["--help"]) == 0
    listed = capsys.readouterr().out
    assert "rates of --date: result, rates, their dates, sources and the path (XOF" in listed


def test_extract_tells_what_no_record_keeps(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Extraction.dropped was in the Python API only: the command left it out without a word.
    text = tmp_path / "press.txt"
    text.write_text(
        "In 2007, customs seized 40 kg of cocaine worth 50,000 cedis in Accra, Ghana.\n"
    )
    assert main(["extract", str(text), "--json"]) == 0
    captured = capsys.readouterr()
    [record] = json.loads(captured.out)
    assert record["kind"] == "seizure" and record["value"] == []
    assert captured.err.strip() == (
        f"{text}: not kept: seizure value '50,000 cedis': 'cedi' is GHC before 2007-07-01, then "
        "GHS, and the record's date (2007) spans the change"
    )


def test_extract_reads_relative_dates_from_the_published_date(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The library's extract() took the page's date; the command had no way to give it.
    text = tmp_path / "press.txt"
    text.write_text("Customs seized 2 tons of cannabis in Agadez yesterday.\n", encoding="utf-8")
    assert main(["extract", str(text), "--published", "2016-05-12", "--json"]) == 0
    [record] = json.loads(capsys.readouterr().out)
    assert record["date"] == {"text": "yesterday", "earliest": "2016-05-11",
                              "latest": "2016-05-11"}  # fmt: skip
    assert main(["extract", "--help"]) == 0
    assert "--published" in capsys.readouterr().out


def test_every_command_that_reads_files_takes_the_published_date(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A press release saved without its dateline, read beside a register: without the page's
    # date its "yesterday" dates nothing, and the seizure has no year to be counted in.
    text = tmp_path / "press.txt"
    text.write_text("Customs seized 2 tons of cannabis in Agadez yesterday.\n", encoding="utf-8")
    register = tmp_path / "register.csv"
    register.write_text(
        "id,date,country,locality,drug,quantity,quantity_unit\n"
        "R1,2016-05-11,Niger,Agadez,cannabis,2,t\n",
        encoding="utf-8",
    )
    published = ["--published", "2016-05-12"]
    assert main(["read", str(text), *published, "--out", str(tmp_path / "out.csv")]) == 0
    capsys.readouterr()
    table = pl.read_csv(tmp_path / "out.seizure.csv", infer_schema=False)
    assert table["date_earliest"].to_list() == ["2016-05-11"]
    by_year = ["indicators", str(text), "-i", "seized_mass", "--by", "year", "--json"]
    assert main(by_year) == 0
    assert [row["year"] for row in json.loads(capsys.readouterr().out)] == [None]
    assert main([*by_year, *published]) == 0
    assert [row["year"] for row in json.loads(capsys.readouterr().out)] == [2016]
    assert main(["reconcile", str(text), str(register), "--json", *published]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == 1
    assert main(["validate", str(text), *published]) == 0
    assert main(["read", str(text), "--published", "12/05/2016"]) == 2
    assert "expected YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("amount", "size"),
    [("-5", "5"), ("-2,5", "2,5"), ("-.5", "0.5"), ("-700 million", "700 million")],
)
def test_a_negative_amount_converts_with_its_sign(
    capsys: pytest.CaptureFixture[str], amount: str, size: str
) -> None:
    """IATI reversals are negative: "-5" was taken for an unknown option (exit 2), and "--"
    before it made the options after it arguments too. Wherever it stands, it now converts as
    its size, the sign kept on the figures."""
    assert main(["convert", size, "XOF", "EUR", "--date", "2020-01-01", "--json"]) == 0
    positive = json.loads(capsys.readouterr().out)
    for args in (
        ["convert", amount, "XOF", "EUR", "--date", "2020-01-01", "--json"],
        ["convert", "--json", "--date", "2020-01-01", amount, "XOF", "EUR"],
        ["convert", "--date=2020-01-01", amount, "XOF", "EUR", "--json"],
        ["convert", "--json", "--date", "2020-01-01", "--", amount, "XOF", "EUR"],
    ):
        assert main(args) == 0, args
        found = json.loads(capsys.readouterr().out)
        for key in ("amount", "original", "low", "high"):
            assert found[key] == "-" + positive[key], key
        assert found["rounding"] == positive["rounding"] and found["steps"] == positive["steps"]
    assert main(["convert", amount, "XOF", "EUR", "--date", "2020-01-01"]) == 0
    table = capsys.readouterr().out
    assert f"-{positive['amount']} EUR" in table.replace(",", "")


def test_a_negative_amount_rounding_to_zero_shows_no_sign(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["convert", "-0.4", "USD", "EUR", "--date", "2020-01-01", "--places", "0"]
    assert main(args) == 0
    assert "result    0 EUR" in capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["amount"] == "0"


def test_options_of_convert_still_work_beside_negative_amounts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["convert", "-5", "XOF", "EUR", "--date", "2020-01-01"]
    assert main([*args, "--jsn"]) == 2
    assert capsys.readouterr().err.startswith("error: No such option: --jsn")
    assert main([*args, "--places", "-1"]) == 2  # an option's value, as before
    assert "Invalid value for '--places'" in capsys.readouterr().err
    assert main(["convert", "-5", "--help"]) == 0
    assert "--date" in capsys.readouterr().out
    assert main(["convert", "-x", "XOF", "EUR", "--date", "2020-01-01"]) == 2
    assert capsys.readouterr().err.startswith("error: No such option: -x")
