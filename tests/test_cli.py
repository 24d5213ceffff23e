"""The CLI skeleton: version, help, schema, and errors as one line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sahel_core import __version__
from sahel_core.cli import main


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
    out = run("schema", "raid")
    assert out.returncode == 1
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and "raid" in lines[0]
    assert "Traceback" not in out.stderr


def test_debug_shows_the_traceback() -> None:
    out = run("--debug", "schema", "raid")
    assert out.returncode != 0
    assert "Traceback" in out.stderr


def test_usage_errors_exit_2() -> None:
    assert run("no-such-command").returncode == 2
