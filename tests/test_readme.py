"""The README's Python taste runs as written, and prints what its comments say it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
# ``print(...)  # expected output`` lines state what they print.
PRINT = re.compile(r"^print\(.*\)\s+# (?P<expected>.+)$")


def _blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [ROOT / "README.md", ROOT / "docs" / "index.md"], ids=str)
def test_the_python_taste_runs_and_prints_what_it_says(path: Path) -> None:
    (code,) = _blocks(path)
    expected = [m["expected"] for line in code.splitlines() if (m := PRINT.match(line))]
    assert expected, "the taste shows its output in comments"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(path), "exec"), {"__name__": "__readme__"})
    assert out.getvalue().splitlines() == expected


def test_the_quick_start_is_two_make_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
