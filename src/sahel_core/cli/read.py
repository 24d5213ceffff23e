"""``sahel read`` and ``sahel validate``: read files into canonical tables, account for every row.

``read`` reads one file, normalizes it and writes the canonical table with ``--out``;
``validate`` reads one or more files and only reports. Both print how many records were read,
accepted and rejected, and the rejections with the row as the spreadsheet shows it. A PATH of
``-`` is standard input (``cat register.csv | sahel read - --json``), named "stdin".
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from sahel_core.cli.output import (
    each,
    print_error,
    print_json,
    print_line,
    print_table,
    working,
)
from sahel_core.errors import ParseError, ReferenceNotFound, SahelError
from sahel_core.specs import ReadOptions, ReadResult

__all__ = [
    "Encoding",
    "Locale",
    "Published",
    "check_day",
    "check_encoding",
    "check_given_once",
    "check_locale",
    "check_out",
    "register",
]

#: How many rejections the human-readable summary lists (``--json`` lists them all).
SHOWN_REJECTIONS = 10

Format = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="Format name (see `sahel plugins`); default: detected from the content, then the "
        "extension.",
    ),
]
Entity = Annotated[
    str | None,
    typer.Option(
        "--entity",
        "-e",
        help="seizure, operation, workshop, donor, agency or country; default: the one the "
        "columns match best.",
    ),
]
Mapping = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        "-m",
        metavar="SOURCE=COLUMN",
        help="Map a source column to a canonical one, e.g. --map pays=country. Repeatable; wins "
        "over the built-in names.",
    ),
]


def check_locale(value: str | None) -> str | None:
    """``--locale`` of every command: an unknown locale is a usage error (exit status 2),
    found before any file is read."""
    if value is not None:
        from sahel_core.numbers import locale_language

        try:
            locale_language(value)
        except ParseError as exc:
            raise typer.BadParameter(exc.message) from None
    return value


def check_encoding(value: str | None) -> str | None:
    """``--encoding`` of every command: an encoding Python does not know is a usage error."""
    if value is not None:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise typer.BadParameter(f"unknown encoding {value!r}") from None
    return value


Locale = Annotated[
    str | None,
    typer.Option(
        "--locale",
        callback=check_locale,
        help="Number notation of the file: fr reads '1,6' as 1.6 and '2.700' as 2700; en the "
        "other way round.",
    ),
]


Encoding = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        callback=check_encoding,
        help="Text encoding of the file (utf-8, cp1252, latin-1...) when detection gets it wrong.",
    ),
]


def _options(
    entity: str | None,
    mapping: list[str] | None,
    locale: str | None,
    encoding: str | None = None,
    published: dt.date | None = None,
) -> ReadOptions:
    """Check the options a user typed; mistakes are usage errors (exit status 2)."""
    from sahel_core.entities import ENTITY_TYPES
    from sahel_core.headers import SOURCE, fold
    from sahel_core.tables import entity_type, schema

    if entity is not None:
        try:
            entity = entity_type(entity).__name__.lower()
        except ReferenceNotFound as exc:
            raise typer.BadParameter(exc.message, param_hint="--entity") from None
    pairs: dict[str, str] = {}
    given: dict[str, str] = {}  # each source as matched (any case, spacing), as typed first
    for item in mapping or ():
        source, sep, column = item.partition("=")
        source, column = source.strip(), column.strip()
        if not sep or not source or not column:
            raise typer.BadParameter(f"expected SOURCE=COLUMN, got {item!r}", param_hint="--map")
        first = given.setdefault(fold(source), source)
        if pairs.get(first, column) != column:
            # The last would have won without a word; which one is meant cannot be told.
            raise typer.BadParameter(
                f"{source!r} is mapped twice: to {pairs[first]!r} and to {column!r}",
                param_hint="--map",
            )
        pairs[first] = column
    tables = [entity] if entity is not None else list(ENTITY_TYPES)
    known = {c for name in tables for c in schema(name)} | {SOURCE}
    for column in pairs.values():
        if column not in known:
            where = f"a {entity} table" if entity else "any table"
            raise typer.BadParameter(
                f"{column!r} is not a column of {where} (see `sahel schema --table`)",
                param_hint="--map",
            )
    return ReadOptions(
        entity=entity, mapping=pairs, locale=locale, encoding=encoding, published=published
    )


def check_out(out: Path, inputs: Sequence[Path]) -> None:
    """A file ``--out`` names that no format writes, or one of the ``inputs``, is a usage
    error, told before the input is read (``--format`` names the input's format, not the
    output's; writing over a file read would lose the original)."""
    from sahel_core.errors import PluginError
    from sahel_core.plugins import get_manager

    if out.exists() and any(out.samefile(path) for path in inputs if path.exists()):
        raise typer.BadParameter(
            f"{out} is a file read: write the table to another file", param_hint="--out"
        )

    try:
        get_manager().detect_format(out, for_reading=False)
    except PluginError:
        formats = get_manager().formats.values()
        known = sorted({e for f in formats if f.write is not None for e in f.extensions})
        raise typer.BadParameter(
            f"no format writes {out.name!r}: name a file ending {', '.join(known)}",
            param_hint="--out",
        ) from None


def check_day(text: str, param_hint: str | None = None) -> dt.date:
    """A day written YYYY-MM-DD (``--date``, ``--published``); another text is a usage error
    (as a typer ``parser``, the option is named by typer)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        shaped = re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip())
        said = f"no such day: {text!r}" if shaped else f"expected YYYY-MM-DD, got {text!r}"
        raise typer.BadParameter(said, param_hint=param_hint) from None


Published = Annotated[
    dt.date | None,
    typer.Option(
        "--published",
        parser=check_day,
        metavar="YYYY-MM-DD",
        help="A press release's publication date: its relative dates ('yesterday', 'last "
        "week', 'on Tuesday') are read from it when the text has no dateline.",
    ),
]


def check_given_once(paths: Sequence[Path]) -> None:
    """A file given twice, by one path or two (``a.csv``, ``./a.csv``), is a usage error: its
    records would count twice."""
    files = [path.resolve() for path in paths]
    for i, file in enumerate(files):
        if (first := files.index(file)) < i:
            also = "" if paths[first] == paths[i] else f" (as {paths[first]})"
            raise typer.BadParameter(
                f"{paths[i]} is given twice{also}: its records would count twice",
                param_hint="'PATH'",
            )


def _format(name: str | None) -> str | None:
    if name is not None:
        from sahel_core.plugins import get_manager

        try:
            get_manager().format(name)
        except ReferenceNotFound as exc:
            raise typer.BadParameter(exc.message, param_hint="--format") from None
    return name


#: The PATH that stands for standard input, and the name it is given. It is this object, told
#: apart by identity: ``Path("./-") == Path("-")``, and ``./-`` is how a file named "-" is read.
STDIN, STDIN_NAME = Path("-"), "stdin"


def _path(token: str) -> Path:
    """A PATH argument: :data:`STDIN` for a bare ``-``, else the path."""
    return STDIN if token == "-" else Path(token)


def _read(path: Path, format: str | None, options: ReadOptions) -> ReadResult:
    """Read ``path``, or standard input for ``-``."""
    from sahel_core.io import read, read_stream

    if path is not STDIN:
        return read(path, format=format, options=options)
    return read_stream(sys.stdin.buffer, name=STDIN_NAME, format=format, options=options)


def _files(paths: list[Path]) -> list[Path]:
    """The PATH arguments: existing files, or ``-``. typer's own check (``exists``) refuses
    ``-`` for a path, even when told to let it through."""
    for path in paths:
        if path is STDIN:
            continue
        if not path.exists():
            raise typer.BadParameter(f"file {str(path)!r} does not exist.")
        if path.is_dir():
            raise typer.BadParameter(f"file {str(path)!r} is a directory.")
    return paths


def _file(path: Path) -> Path:
    return _files([path])[0]


def _check_stdin(paths: Sequence[Path]) -> None:
    """``-`` read from a terminal would wait for typing, and read twice it is empty the second
    time: usage errors, told before anything is read."""
    given = sum(path is STDIN for path in paths)
    if not given:
        return
    if given > 1:
        raise typer.BadParameter("standard input (-) can be read once", param_hint="PATH")
    if sys.stdin is None or sys.stdin.isatty():
        raise typer.BadParameter(
            "standard input (-) is a terminal: pipe a file into it, e.g. "
            "cat register.csv | sahel read -",
            param_hint="PATH",
        )


def _source(path: Path) -> str:
    return STDIN_NAME if path is STDIN else str(path)


def _label(path: Path) -> str:
    return STDIN_NAME if path is STDIN else path.name


def _summary(result: ReadResult) -> dict[str, Any]:
    return {
        "source": result.source,
        "format": result.format,
        "read": result.read,
        "accepted": result.accepted,
        "rejected": result.rejected,
        "rejections": [
            {"row": r.row, "field": r.field, "value": r.value, "reason": r.reason}
            for r in result.rejections
        ],
        "tables": {name: table.height for name, table in result.tables.items()},
        "notes": list(result.notes),
    }


def _show(result: ReadResult) -> None:
    print_line(
        f"{result.source} ({result.format}): {result.read} read, {result.accepted} accepted, "
        f"{result.rejected} rejected"
    )
    for note in result.notes:
        print_line(f"  {note}")
    if result.rejections:
        shown = result.rejections[:SHOWN_REJECTIONS]
        rows = [(r.row, r.field, r.value, r.reason) for r in shown]
        more = result.rejected - len(shown)
        title = f"first {len(shown)} of {result.rejected} rejections" if more else "rejections"
        print_table(title, ("row", "field", "value", "reason"), rows)


def read(
    path: Annotated[
        Path,
        typer.Argument(
            parser=_path,
            callback=_file,
            metavar="PATH",
            help="The file to read; - for standard input.",
        ),
    ],
    format: Format = None,
    entity: Entity = None,
    mapping: Mapping = None,
    locale: Locale = None,
    encoding: Encoding = None,
    published: Published = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the canonical table here; the format follows the extension (.jsonl "
            ".json .csv .tsv .parquet .xlsx).",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print JSON: source, format, read, accepted, rejected, rejections [{row, field, "
            "value, reason}] and tables {entity: rows}.",
        ),
    ] = False,
) -> None:
    """Read PATH into a canonical table: headers mapped, units, dates, countries normalized.

    Prints records read, accepted and rejected, and the first rejections (row, field, value,
    reason). Exit status 0 once the file is read, whatever was rejected (see `sahel validate`).
    """
    from sahel_core.io import write

    options = _options(entity, mapping, locale, encoding, published)
    _check_stdin([path])
    if out is not None:
        check_out(out, [path])
    written: list[tuple[Path, int]] = []
    with working(f"reading {_label(path)}"):
        result = _read(path, _format(format), options)
        if out is not None:
            several = len(result.tables) > 1
            for name, table in result.tables.items():
                # Readers that give several tables (one per entity) get one file each.
                target = out.with_name(f"{out.stem}.{name}{out.suffix}") if several else out
                write(table, target, name)
                written.append((target, table.height))
    if as_json:
        print_json(_summary(result))
        return
    _show(result)
    for target, rows in written:
        print_line(f"wrote {rows} rows to {target}")


def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            parser=_path,
            callback=_files,
            metavar="PATH",
            help="One or more files to check; - for standard input.",
        ),
    ],
    format: Format = None,
    entity: Entity = None,
    mapping: Mapping = None,
    locale: Locale = None,
    encoding: Encoding = None,
    published: Published = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print a JSON list with one object per file, as `sahel read --json` prints; a "
            "file that cannot be read at all has {source, error}.",
        ),
    ] = False,
) -> None:
    """Check that every record of every PATH reads cleanly; nothing is written.

    Exit status 0 when every record is accepted, 1 when any is rejected or a file cannot be
    read, 2 on a usage error.
    """
    options = _options(entity, mapping, locale, encoding, published)
    _check_stdin(paths)
    name = _format(format)
    reports: list[dict[str, Any]] = []
    for path in each(paths, lambda p: f"reading {_label(p)}"):
        # Each report is printed as its file is read: a long check shows what it has found.
        try:
            result = _read(path, name, options)
        except SahelError as exc:
            reports.append({"source": _source(path), "error": str(exc)})
            # On stderr with --json too: an error is always one line there, whatever stdout is.
            # It names the file already when it knows its source (io.read's do).
            print_error(str(exc) if exc.source else f"{path}: {exc}")
            continue
        reports.append(_summary(result))
        if not as_json:
            _show(result)
    if as_json:
        print_json(reports)
    if not all(report.get("rejected") == 0 for report in reports):  # an error has none
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add ``read`` and ``validate`` to ``app``."""
    app.command("read")(read)
    app.command("validate")(validate)
