"""``sahel reconcile``: merge reports of the same seizure from several files, show conflicts.

``--json`` prints ``{"records": n, "events": m, "groups": [...], "conflicts": [...]}``: each
group is a merged event (``id``, ``drug``, ``country``, ``locality``, ``quantity``, ``date``,
``merged_from``, ``sources``), each conflict a field on which its reports disagree (``group``,
``field``, ``value``, ``record_ids``, ``sources``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sahel_core.cli.indicators import load_tables
from sahel_core.cli.output import print_json, print_line, print_table, working
from sahel_core.cli.read import Locale, check_out
from sahel_core.errors import ValidationError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["register"]


def _groups(table: pl.DataFrame) -> list[dict[str, Any]]:
    import polars as pl

    from sahel_core.quantities import Amount, format_amount

    # A quantity without words is one no report wrote (a range the reports narrowed it to):
    # written out with its qualifier, never as a bare figure that reads as exact.
    figure = ["quantity", "quantity_unit", "quantity_qualifier", "quantity_low", "quantity_high"]
    wordless = (table["quantity_text"].is_null() & table["quantity"].is_not_null()).arg_true()
    written = [format_amount(Amount(*row)) for row in table[wordless].select(figure).iter_rows()]
    shown = table["quantity_text"].scatter(wordless, written) if written else table["quantity_text"]
    first = pl.col("sources").list.eval(
        pl.coalesce(pl.element().struct.field("url"), pl.element().struct.field("file"))
    )
    rows = table.select(
        "id",
        "drug",
        "country",
        "locality",
        shown.alias("quantity"),
        pl.coalesce("date", pl.col("date_earliest").cast(pl.String)).alias("date"),
        "merged_from",
        first.list.unique(maintain_order=True).alias("sources"),
    )
    return rows.to_dicts()


def _same_source(options: list[str], paths: list[Path]) -> dict[str, str]:
    """``--source NAME=FILE,FILE`` options as :func:`sahel_core.reconcile.reconcile`'s
    ``same_source``: a record cites the file it was read from by name. A file that is not one
    of ``paths`` is a usage error, or a mistyped name would silently change nothing."""
    given = {path.name for path in paths}
    named: dict[str, str] = {}
    for option in options:
        name, _, files = option.partition("=")
        listed = [Path(file.strip()).name for file in files.split(",") if file.strip()]
        unknown = [file for file in listed if file not in given]
        if not name.strip() or not listed or unknown:
            raise typer.BadParameter(
                f"{option!r}: expected NAME=FILE,FILE... naming files given"
                + (f" ({', '.join(unknown)} is not)" if unknown else ""),
                param_hint="--source",
            )
        named |= dict.fromkeys(listed, name.strip())
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
            "records are never merged with each other. Repeatable.",
        ),
    ] = None,
    locale: Locale = None,
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
    from sahel_core.reconcile import check_options
    from sahel_core.reconcile import reconcile as run

    try:  # before the files are read: a mistake typed is a usage error
        check_options(months, tolerance)
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
    same_source = _same_source(sources or [], paths)
    if out is not None:
        check_out(out, paths)
    table = load_tables(paths, ["seizure"], locale)["seizure"]
    with working("matching reports of the same seizure"):
        result = run(table, months=months, tolerance=tolerance, same_source=same_source)
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
    print_line(
        f"{table.height} records, {result.table.height} events: "
        + (f"{len(groups)} group merges" if len(groups) == 1 else f"{len(groups)} groups merge")
        + f" {merged} records"
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
        print_line(f"wrote {result.table.height} rows to {out}")


def register(app: typer.Typer) -> None:
    """Add ``reconcile`` to ``app``."""
    app.command("reconcile")(reconcile)
