"""The docs show what the code does: every ``$ sahel`` session of the tutorial, the CLI reference
and the how-to pages runs, in order, on the demo's inputs and prints the lines and table cells
shown, and the Python blocks of the tutorial and the how-to pages run and give the results their
comments state."""

from __future__ import annotations

import ast
import contextlib
import io
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sahel_core.cli import main
from sahel_core.demo import run_demo

DOCS = Path(__file__).resolve().parent.parent / "docs"
TUTORIAL = DOCS / "tutorial.md"
HOW_TO = sorted((DOCS / "how-to").glob("*.md"))
# The pages whose sessions run, in this order, in one input folder: cli.md's read the tutorial's.
PAGES = [TUTORIAL, DOCS / "cli.md", *HOW_TO]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Prose such as "`sahel validate saisies_2016_2018.csv --locale fr` exits with status 1".
STATUS = re.compile(r"`sahel ([^`]+)` exits with status (\d)")
# Python blocks that cannot run as written, by a piece of their text: why.
SKIPPED = {
    "convert-money.md": {"convert_column(frame,": "`frame` is the reader's own table"},
    "write-an-indicator.md": {
        "compute=drug_share,": "an excerpt of the example plugin (drug_share, IndicatorParam)",
        "import largest_seizure": "imports the page's code saved as a module of the reader's",
    },
}


def _blocks(path: Path, lang: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(path.read_text(encoding="utf-8")) if kind == lang]


def _squash(text: str) -> str:
    """A cell without its whitespace: rich wraps a cell at spaces (or inside a long word)."""
    return "".join(text.split())


@dataclass
class Table:
    title: str
    rows: list[list[str]] = field(default_factory=list)  # the header first; cells squashed


@dataclass
class Session:
    page: str  # its stem
    command: str
    status: int = 0
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def _add(rows: list[list[str]], cells: list[str]) -> None:
    """A line of cells starts a row, or goes on the row above when its first cell is empty."""
    if cells[0] or not rows:
        rows.append(cells)
    else:
        rows[-1] = [a + b for a, b in zip(rows[-1], cells, strict=True)]


def _session(page: str, command: str, shown: list[str]) -> Session:
    """A ``$ sahel`` command and what the doc shows: lines, tables drawn with boxes (or rows cut
    from one), and the status ``$ echo $?`` prints."""
    session = Session(page, command)
    lines = iter(shown)
    for line in lines:
        if line == "$ echo $?":
            session.status = int(next(lines))
            continue
        if line.startswith("┏") or (line.startswith("│") and not session.tables):
            # the centred title is the line above the box; a page may leave it (and the box) out
            title = session.lines.pop() if line[0] == "┏" and session.lines else ""
            session.tables.append(Table(title.strip()))
        if line.startswith(("┃", "│")):
            _add(session.tables[-1].rows, [_squash(c) for c in line.strip()[1:-1].split(line[0])])
        elif not line.startswith(("┏", "┡", "└")):
            session.lines.append(line.rstrip())
    return session


def _sessions(page: Path) -> list[Session]:
    text = page.read_text(encoding="utf-8")
    shown = [c.splitlines() for b in _blocks(page, "text") for c in b.split("$ sahel ")[1:]]
    return [_session(page.stem, command, lines) for command, *lines in shown] + [
        Session(page.stem, command, int(status)) for command, status in STATUS.findall(text)
    ]


def _param(session: Session, table: Table, row: list[str]) -> Any:
    name = re.split(r"[:(]", table.title or session.command)[0].strip().replace(" ", "_")
    cells = [c for c in row[:3] if 0 < len(c) <= 20 and c.isascii()]
    return pytest.param(session.command, table, row, id="-".join([session.page, name, *cells]))


SESSIONS = [session for page in PAGES for session in _sessions(page)]
# Not the empty header row rich draws for a table whose columns have no names: plain text has none.
ROWS = [_param(s, t, row) for s in SESSIONS for t in s.tables for row in t.rows if any(row)]


def _plain_rows(out: str, title: str) -> list[list[str]]:
    """The rows (header first) of the plain table printed under ``title`` (the first table when
    the doc leaves its title out), columns starting where the first line's do."""
    lines = out.splitlines()
    body = lines[lines.index(title) + 1 if title else 1 :]
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", body[0])]
    rows: list[list[str]] = []
    for line in body:
        if not line or any(line[s - 2 : s].strip() for s in starts[1:]):
            break  # a line across the columns: the table is over
        _add(rows, [_squash(line[a:b]) for a, b in zip(starts, [*starts[1:], None], strict=True)])
    return rows


def _same_row(shown: list[str], printed: list[str]) -> bool:
    """Cell by cell; a doc cell ending in "..." abridges the printed one."""
    return len(shown) == len(printed) and all(
        p.startswith(s[:-3]) if s.endswith("...") else s == p
        for s, p in zip(shown, printed, strict=True)
    )


def _flat(text: str) -> str:
    """JSON without its layout: no whitespace after ``[{,:`` nor before ``]}``."""
    return re.sub(r"(?<=[\[{,:])\s+|\s+(?=[\]}])", "", text.strip())


def _after(line: str, printed: list[str], start: int) -> int:
    """Where the first match of a doc line from ``printed[start]`` on ends, or 0. It matches the
    same line, trailing whitespace aside, or the JSON of several lines that the doc joins."""
    for i in range(start, len(printed)):
        if printed[i].rstrip() == line:
            return i + 1
        joined, end = _flat(printed[i]), i + 1
        while len(joined) < len(_flat(line)) and end < len(printed):
            joined, end = joined + _flat(printed[end]), end + 1
        if end > i + 1 and joined == _flat(line):
            return end
    return 0


def _run(command: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(shlex.split(command))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sahel-demo-output/input``, as the tutorial asks the reader to make it."""
    out = tmp_path_factory.mktemp("tutorial") / "sahel-demo-output"
    run_demo(out)
    return out / "input"


@pytest.fixture(scope="module")
def runs(demo_input: Path) -> dict[str, tuple[int, str, str]]:
    """Status, stdout and stderr of every command, run in order in the input folder, beside the
    ``registre.csv`` that french-spreadsheet.md shows."""
    shown = _blocks(DOCS / "how-to" / "french-spreadsheet.md", "text")
    registre = next(block for block in shown if block.startswith("Réf;"))
    (demo_input / "registre.csv").write_text(registre, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(demo_input)
        for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):  # they would make rich draw boxes
            patch.delenv(name, raising=False)
        patch.setenv("COLUMNS", "200")
        return {session.command: _run(session.command) for session in SESSIONS}


def test_every_command_and_table_of_the_pages_is_checked() -> None:
    text = "".join(page.read_text(encoding="utf-8") for page in PAGES)
    assert len(SESSIONS) == text.count("\n$ sahel ") + len(STATUS.findall(text)) > 1
    tables = [table for session in SESSIONS for table in session.tables]
    cut = re.findall(r"^\$ sahel .*\n\.\.\.\n│", text, re.MULTILINE)  # rows without their box
    assert len(tables) == text.count("\n┏") + len(cut) and all(table.rows for table in tables)


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: f"{s.page}: {s.command}")
def test_each_command_exits_as_its_page_says_and_prints_its_lines_in_order(
    runs: dict[str, tuple[int, str, str]], session: Session
) -> None:
    status, out, err = runs[session.command]
    assert status == session.status, err
    printed, at = out.splitlines(), 0
    for line in session.lines:
        if line.strip() != "...":  # "..." stands for the lines left out
            at = _after(line, printed, at)
            assert at, f"{line!r} is not printed (in order)"
    for table in session.tables:
        assert not table.title or table.title in printed


@pytest.mark.parametrize(("command", "table", "row"), ROWS)
def test_each_table_row_of_the_docs_is_printed_with_the_same_cells(
    runs: dict[str, tuple[int, str, str]], command: str, table: Table, row: list[str]
) -> None:
    printed = _plain_rows(runs[command][1], table.title)
    assert any(_same_row(row, p) for p in printed), printed


def _expected(comment: str) -> str:
    """The repr a comment states: all of it, or the whole expression before ": explanation"."""
    for colon in (m.start() for m in re.finditer(": ", comment)):
        with contextlib.suppress(SyntaxError):
            ast.parse(comment[:colon], mode="eval")
            return comment[:colon]
    return comment


def _run_block(code: str, namespace: dict[str, Any], name: str) -> int:
    """Run ``code`` statement by statement; an expression followed by ``# result`` (on its line
    or the next) must give that repr, or print it for ``print(...)``. Returns how many did."""
    lines = [*code.splitlines(), ""]
    checked = 0
    for node in ast.parse(code).body:
        end = node.end_lineno or node.lineno
        rest = lines[end - 1][node.end_col_offset :].strip() or lines[end].strip()
        if not (isinstance(node, ast.Expr) and rest.startswith("#")):
            exec(compile(ast.Module([node], []), name, "exec"), namespace)
            continue
        with contextlib.redirect_stdout(io.StringIO()) as out:
            value = eval(compile(ast.Expression(node.value), name, "eval"), namespace)
        is_print = isinstance(node.value, ast.Call) and ast.unparse(node.value.func) == "print"
        shown = out.getvalue().strip() if is_print else repr(value)
        assert shown == _expected(rest[1:].strip()), ast.get_source_segment(code, node)
        checked += 1
    return checked


def test_the_tutorial_python_prints_what_its_comments_say(
    demo_input: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo_input)
    (code,) = _blocks(TUTORIAL, "python")
    assert _run_block(code, {"__name__": "__docs__"}, str(TUTORIAL)) == 2


@pytest.mark.usefixtures("runs")  # the pages' sessions wrote files their Python reads
@pytest.mark.parametrize("page", [p for p in HOW_TO if _blocks(p, "python")], ids=lambda p: p.stem)
def test_the_how_to_python_runs_and_gives_the_results_its_comments_state(
    demo_input: Path, monkeypatch: pytest.MonkeyPatch, page: Path
) -> None:
    monkeypatch.chdir(demo_input)
    blocks = _blocks(page, "python")
    skipped = SKIPPED.get(page.name, {})
    for piece in skipped:
        assert sum(piece in b for b in blocks) == 1, f"no block of its own holds {piece!r}"
    runnable = [b for b in blocks if not any(piece in b for piece in skipped)]
    if not runnable:
        pytest.skip("; ".join(skipped.values()) or "no Python block")
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for block in runnable:
        _run_block(block, namespace, str(page))
