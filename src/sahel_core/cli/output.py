"""Shared output for commands: plain JSON for scripts, rich tables for people, one-line errors,
and progress on long work for a person watching."""

from __future__ import annotations

import codecs
import contextlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rich.progress import Progress

__all__ = [
    "each",
    "print_error",
    "print_json",
    "print_line",
    "print_table",
    "use_any_encoding",
    "visible",
    "working",
]

T = TypeVar("T")

#: Width given to tables written to a pipe or file: wide enough that no row is wrapped, so
#: each row stays one line for grep, cut and diff.
PLAIN_WIDTH = 100_000


#: Control characters but the line break: a file's ESC sequences must not reach a terminal
#: (they can retitle it, clear it, move the cursor), and NUL or BEL mean nothing to a reader.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with each control character but the line break written as its escape
    ("\\x1b", "\\t"): what a data file holds is shown, never obeyed, by a terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _unicode(stream: object) -> bool:
    """Whether ``stream`` takes any text: a UTF encoding, or none at all (a StringIO)."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str):
        return True
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


def use_any_encoding() -> None:
    """Let stdout and stderr take any text when they cannot encode all of Unicode (an ASCII or
    Latin-1 terminal, ``PYTHONIOENCODING=ascii``): what they cannot encode is written as its
    escape ("\\u2192") instead of failing the command halfway through its output."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and not _unicode(stream):
            reconfigure(errors="backslashreplace")


def print_json(data: Any) -> None:
    """Print ``data`` as JSON (keys in the order given) on stdout: non-ASCII kept as it is,
    or as ``\\u`` escapes when stdout cannot encode it (still the same JSON)."""
    text = json.dumps(data, ensure_ascii=not _unicode(sys.stdout), indent=2, default=str)
    sys.stdout.write(text + "\n")


def print_line(text: str, *, err: bool = False) -> None:
    """Print one line for a person (a summary, a note) on stdout or stderr, :func:`visible`.
    Written to the stream itself (click's echo would write UTF-8 bytes past its encoding)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(visible(text) + "\n")
    stream.flush()  # in order with what the other stream shows


def print_error(message: str, prefix: str = "error") -> None:
    """Print ``prefix: message`` on stderr as a single line, whatever ``message`` holds (a
    wrapped polars message spans several lines): every run of whitespace is one space, other
    control characters are shown escaped (:func:`visible`)."""
    print_line(f"{prefix}: {' '.join(message.split())}", err=True)


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print a rich table on stdout; plain text when stdout is not a terminal.

    Plain text means no box drawing and no wrapping: columns aligned with spaces, one line
    per row (cells that hold several lines excepted), the header line only when the columns
    have names.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Cells and title as Text, not markup: a value such as "[/kg]" is data, not a style tag.
    title = None if title is None else visible(title)
    columns = [visible(column) for column in columns]
    heading = None if title is None else Text(title)
    console = Console(soft_wrap=False)
    if console.is_terminal:
        from rich.cells import cell_len

        # At least as wide as its title, which would otherwise wrap over a narrow table.
        width = min(cell_len(title or ""), console.width)
        table = Table(title=heading, show_lines=False, min_width=width)
    else:
        console.width = PLAIN_WIDTH
        table = Table(
            box=None,
            show_header=any(columns),
            show_edge=False,
            pad_edge=False,
        )
    cells = [["" if v is None else visible(str(v)) for v in row] for row in rows]
    if not console.is_terminal and all(_plain(text) for row in (columns, *cells) for text in row):
        aligned = _aligned(title, columns, cells)
        if aligned is not None:
            sys.stdout.write(aligned)
            return
    for column in columns:
        table.add_column(Text(column), overflow="fold")
    for row in cells:
        table.add_row(*map(Text, row))
    if console.is_terminal:
        console.print(table)
        return
    # rich pads every line to the table's width: trailing blanks that plain text has no use for.
    # The title is a line of its own (over a narrow table it would wrap), written with the
    # table in one write.
    with console.capture() as captured:
        console.print(table)
    lines = [] if title is None else [title]
    lines += [line.rstrip() for line in captured.get().splitlines()]
    sys.stdout.write("".join(line + "\n" for line in lines))


def _plain(text: str) -> bool:
    """Text rich prints as it is: printable characters, spaces and line breaks only."""
    return text.isprintable() or all(c.isprintable() or c == "\n" for c in text)


def _aligned(title: str | None, columns: Sequence[str], rows: list[list[str]]) -> str | None:
    """What rich prints for a table without a box, as plain text (see :func:`print_table`):
    cells left-aligned, two spaces between columns, a cell of several lines spread over as
    many lines, blanks at line ends dropped; ``None`` for a table rich lays out otherwise
    (wider than :data:`PLAIN_WIDTH`, or with an empty column). Thirty times faster than
    rich's layout, which took seconds for a few thousand rows."""
    from rich.cells import cell_len

    body = [list(columns), *rows] if any(columns) else rows
    split = [[cell.split("\n") for cell in row] for row in body]
    widths = [
        max((cell_len(line) for row in split for line in row[i]), default=0)
        for i in range(len(columns))
    ]
    # rich wraps a table wider than that, and leaves out a column nothing shows in.
    if sum(widths) + 2 * (len(widths) - 1) > PLAIN_WIDTH or 0 in widths:
        return None
    lines = [] if title is None else [title]
    for row in split:
        for n in range(max((len(cell) for cell in row), default=1)):
            parts = [cell[n] if n < len(cell) else "" for cell in row]
            padded = [p + " " * (w - cell_len(p)) for p, w in zip(parts, widths, strict=True)]
            lines.append("  ".join(padded).rstrip())
    return "".join(line + "\n" for line in lines)


# -- progress ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _progress(several: bool) -> Iterator[Progress | None]:
    """A transient progress display on stderr when it is an interactive terminal, else
    ``None``: a pipe, a file or a script's captured stderr gets nothing but errors and notes.

    What goes to stderr meanwhile (a warning, a file's rejections), or to stdout when it is
    the terminal too, is shown above it.
    """
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_interactive:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if several:
        columns += [BarColumn(), MofNCompleteColumn()]
    # What a command prints to a terminal while this runs goes above it; printed to a pipe or
    # a file, it goes there as it is (rich would send it to stderr's console).
    with Progress(
        *columns,
        TimeElapsedColumn(),
        console=console,
        transient=True,
        redirect_stdout=sys.stdout.isatty(),
    ) as progress:
        yield progress


@contextlib.contextmanager
def working(description: str) -> Iterator[None]:
    """Show ``description``, a spinner and the time elapsed while the block runs (see
    :func:`_progress` for when)."""
    with _progress(several=False) as progress:
        if progress is not None:
            progress.add_task(description, total=None)
        yield


def each(items: Sequence[T], describe: Callable[[T], str]) -> Iterator[T]:
    """``items`` one at a time, showing what is done with each (``describe``), the time
    elapsed and, for several items, a bar (see :func:`_progress` for when)."""
    with _progress(several=len(items) > 1) as progress:
        if progress is None:
            yield from items
            return
        task = progress.add_task(describe(items[0]) if items else "", total=len(items))
        for item in items:
            progress.update(task, description=describe(item), refresh=True)
            yield item
            progress.advance(task)
