"""``sahel reconcile``: merge reports of the same seizure from several files, show conflicts.

``--json`` prints ``{"records": n, "events": m, "groups": [...], "conflicts": [...]}``: each
group is a merged event (``id``, ``drug``, ``country``, ``locality``, ``quantity``, ``date``,
``merged_from``, ``sources``), each conflict a field on which its reports disagree (``group``,
``field``, ``value``, ``record_ids``, ``sources``).

A record read from a file cites the file's name; files of one name in two folders
(``d16/seizures.csv``, ``d17/seizures.csv``) would be one source, and their reports of one
seizure would never merge, so the records of those cite the path as given (a line on stderr
names each), and ``--source`` tells them apart by path. A file given twice, by any spelling of
its path, is a usage error, as for ``sahel indicators``: its records would count twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sahel_core.cli.indicators import load_tables
from sahel_core.cli.output import print_json, print_line, print_table, working
from sahel_core.cli.read import Locale, Published, check_given_once, check_out
from sahel_core.errors import ValidationError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["register"]


def _groups(table: pl.DataFrame) -> list[dict[str, Any]]:
    import polars as pl

    from sahel_core.reconcile import CONFLICT_FIELDS, written

    # The quantity as the conflicts show a figure, with its unit: a register's digits then the
    # unit ("1,2 t"), words that name it as written, and a figure no report wrote (a range the
    # reports narrowed it to) written out with its qualifier, never a bare figure.
    shown = written("quantity", table.select(CONFLICT_FIELDS["quantity"]))
    first = pl.col("sources").list.eval(
        pl.coalesce(pl.element().struct.field("url"), pl.element().struct.field("file"))
    )
    rows = table.select(
        "id",
        "drug",
        "country",
        "locality",
        shown.alias("quantity"),
        "date",
        "date_earliest",
        "date_latest",
        "merged_from",
        first.list.unique(maintain_order=True).alias("sources"),
    ).to_dicts()
    return [
        {
            **{k: v for k, v in row.items() if k not in ("date_earliest", "date_latest")},
            "date": _day_shown(row["date"], row["date_earliest"], row["date_latest"]),
        }
        for row in rows
    ]


def _day_shown(text: str | None, earliest: dt.date | None, latest: dt.date | None) -> str | None:
    """A date as written, followed by its calendar dates when the words state none
    ("yesterday (2016-05-11)", "mardi dernier (2016-05-10)"); the calendar dates alone when
    nothing was written."""
    from sahel_core.dates import PartialDate

    if earliest is None:
        return text
    calendar = PartialDate(earliest, latest).edtf
    if text is None:
        return calendar
    return text if any(c.isdigit() for c in text) else f"{text} ({calendar})"


def _cited(paths: list[Path]) -> dict[Path, str]:
    """The source the records of each file (given once) cite: a reader records the file's
    name, so two files of one name in two folders (``d16/seizures.csv``,
    ``d17/seizures.csv``) would be one source, whose records never merge. Those cite the path
    as given instead."""
    names = Counter(path.name for path in paths)
    return {path: path.as_posix() if names[path.name] > 1 else path.name for path in paths}


def _shared_names(cited: dict[Path, str]) -> list[str]:
    """A line for each name that several files given share, naming every one of them by the
    path its records cite (a bare name too: ``a.csv and other/a.csv``)."""
    files: dict[str, list[str]] = {}
    for path, cite in cited.items():
        files.setdefault(path.name, []).append(cite)
    return [
        f"{len(cites)} files are named {name}, given as {', '.join(cites[:-1])} and "
        f"{cites[-1]}: each is a source of its own, whose records cite it by that path"
        for name, cites in files.items()
        if len(cites) > 1
    ]


def _load(
    paths: list[Path], cited: dict[Path, str], locale: str | None, published: dt.date | None
) -> pl.DataFrame:
    """The seizures of ``paths``, in their order, each citing its file as ``cited`` says."""
    import polars as pl

    tables: list[pl.DataFrame] = []
    plain: list[Path] = []
    for path in [*paths, None]:
        if path is not None and cited[path] == path.name:
            plain.append(path)
            continue
        if plain:  # read together, as any command does
            tables.append(load_tables(plain, ["seizure"], locale, published)["seizure"])
            plain = []
        if path is not None:
            file = pl.field("file")
            own = pl.when(file == path.name).then(pl.lit(cited[path])).otherwise(file)
            cite = pl.col("sources").list.eval(pl.element().struct.with_fields(file=own))
            tables.append(
                load_tables([path], ["seizure"], locale, published)["seizure"].with_columns(cite)
            )
    return tables[0] if len(tables) == 1 else pl.concat(tables, how="diagonal_relaxed")


def _same_source(options: list[str], paths: list[Path], cited: dict[Path, str]) -> dict[str, str]:
    """``--source NAME=FILE,FILE`` options as :func:`sahel_core.reconcile.reconcile`'s
    ``same_source`` (keys as :func:`_cited`). A FILE is a given file when it is the same path;
    a bare name is the given file of that name. A usage error, rather than a silent change of
    nothing or of the wrong file: a FILE that is no given file (one of that name in another
    folder), a bare name of several given files (give the path), a file in two sources, a NAME
    that another given file's records cite (the two sources would be one)."""
    by_path = {path.resolve(): cited[path] for path in paths}
    by_name: dict[str, set[str]] = {}
    for path in paths:
        by_name.setdefault(path.name, set()).add(cited[path])

    def refuse(why: str) -> typer.BadParameter:
        return typer.BadParameter(why, param_hint="--source")

    named: dict[str, str] = {}
    for option in options:
        name, _, files = (part.strip() for part in option.partition("="))
        listed = [file.strip() for file in files.split(",") if file.strip()]
        if not name or not listed:
            raise refuse(f"{option!r}: expected NAME=FILE,FILE... naming files given")
        for file in listed:
            key = by_path.get(Path(file).resolve())
            if key is None and len(Path(file).parts) == 1:
                keys = sorted(by_name.get(file, ()))
                if len(keys) > 1:
                    raise refuse(
                        f"{file} is the name of {len(keys)} files given ({', '.join(keys)}): "
                        "their records are told apart by path, so give the path"
                    )
                key = keys[0] if keys else None
            if key is None:
                raise refuse(f"{option!r}: {file} is not one of the files given")
            if named.get(key, name) != name:
                raise refuse(f"{file} is in two sources, {named[key]} and {name}: name it once")
            named[key] = name
    from sahel_core.reconcile import source_name_clash

    if (clash := source_name_clash(named, by_path.values())) is not None:
        raise refuse(
            f"{clash} is what the records of another file given cite, not one of the files "
            "named so: the two sources would be one; choose another NAME"
        )
    return named


def reconcile(
    paths: Annotated[
        list[Path],
        typer.Argument(
            exists=True, dir_okay=False, metavar="PATH", help="Files of seizures (any format)."
        ),
    ],
    months: Annotated[
        int, typer.Option("--months", help="Largest gap between two reports' dates.")
    ] = 12,
    tolerance: Annotated[
        str, typer.Option("--tolerance", help="Relative margin on quantities (0.05 = 5 %).")
    ] = "0.05",
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            metavar="NAME=FILE,FILE...",
            help="Files that are one source, named NAME (a register split by year): their "
            "records are never merged with each other. Each FILE is one of the PATHs, by its "
            "path or, when no other PATH has it, its name. Repeatable.",
        ),
    ] = None,
    locale: Locale = None,
    published: Published = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the merged seizure table; the format follows the extension (.csv "
            ".json .jsonl .parquet .xlsx). Which records each merged one came from "
            "(merged_from) is not written: use `sahel indicators --reconcile` to keep it.",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print {"records", "events", "groups": [{id, drug, country, locality, '
            'quantity, date, merged_from, sources}], "conflicts": [{group, field, value, '
            "record_ids, sources}]}.",
        ),
    ] = False,
) -> None:
    """Group seizure records that report the same event, merge them, list the conflicts.

    Same drug and country (and locality when both give one), overlapping quantities, dates at
    most --months apart, different sources (--source names files that are one). Conflicting
    fields are reported, never settled silently.
    """
    import polars as pl

    from sahel_core.reconcile import check_options
    from sahel_core.reconcile import reconcile as run

    try:  # before the files are read: a mistake typed is a usage error
        check_options(months, tolerance)
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
    check_given_once(paths)
    cited = _cited(paths)
    same_source = _same_source(sources or [], paths, cited)
    if out is not None:
        check_out(out, paths)
    table = _load(paths, cited, locale, published)
    for line in _shared_names(cited):
        print_line(line, err=True)
    with working("matching reports of the same seizure"):
        try:
            result = run(table, months=months, tolerance=tolerance, same_source=same_source)
        except ValidationError as exc:
            if exc.field != "same_source":
                raise
            raise typer.BadParameter(exc.message, param_hint="--source") from None
    groups = _groups(result.groups)
    conflicts = result.conflicts.to_dicts()
    if out is not None:
        from sahel_core.io import write

        write(result.table, out, "seizure")
    if as_json:
        print_json(
            {
                "records": table.height,
                "events": result.table.height,
                "groups": groups,
                "conflicts": conflicts,
            }
        )
        return
    merged = sum(len(g["merged_from"]) for g in groups)

    def counted(n: int, noun: str) -> str:
        return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

    print_line(
        f"{counted(table.height, 'record')}, {counted(result.table.height, 'event')}: "
        + (f"{len(groups)} group merges" if len(groups) == 1 else f"{len(groups)} groups merge")
        + f" {counted(merged, 'record')}"
    )
    if groups:
        columns = ("id", "drug", "country", "locality", "quantity", "date", "merged_from")
        print_table(
            "merged events",
            columns,
            [[", ".join(v) if isinstance(v, list) else v for v in (g[c] for c in columns)]
             for g in groups],
        )  # fmt: skip
    if conflicts:
        print_table(
            "conflicts",
            ("group", "field", "value", "records", "sources"),
            [
                (c["group"], c["field"], c["value"], ", ".join(c["record_ids"]),
                 ", ".join(c["sources"]))
                for c in conflicts
            ],
        )  # fmt: skip
    if out is not None:
        # The text columns hold a source's words only: a merged figure none wrote has none.
        built = result.groups.filter(
            pl.col("quantity_text").is_null() & pl.col("quantity").is_not_null()
        ).height
        print_line(
            f"wrote {result.table.height} rows to {out}"
            + (
                f" ({built} merged {'quantity' if built == 1 else 'quantities'} no report wrote:"
                " quantity_text empty, quantity_qualifier, quantity_low and quantity_high say it)"
                if built
                else ""
            )
        )


def register(app: typer.Typer) -> None:
    """Add ``reconcile`` to ``app``."""
    app.command("reconcile")(reconcile)
