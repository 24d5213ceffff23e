"""``sahel indicators``: compute indicators over files of any supported format.

``--json`` prints a list with one object per row of the result: the ``--by`` keys, then the
indicator's measures (``sahel indicators --list`` names them), Decimals as strings, dates as
ISO text (Decimals without trailing zeros: ``"5403.35"``). ``--csv`` prints the same columns as
CSV. Provenance columns (``record_ids``, ``rates``) are shown with ``--ids``.

Several indicators in one call (``-i seized_mass -i seized_value``) read the files once; with
``--json`` the output is then an object mapping each indicator to its list of rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sahel_core.cli.output import each, print_json, print_line, print_table, working
from sahel_core.cli.read import Locale, Published, check_given_once
from sahel_core.errors import ValidationError
from sahel_core.indicators import json_cell, result_rows
from sahel_core.indicators import result_text as table_text

if TYPE_CHECKING:
    import polars as pl

    from sahel_core.specs import IndicatorSpec, Rejection

__all__ = ["load_tables", "register"]

#: Provenance columns: lists, shown only with ``--ids``.
PROVENANCE = ("record_ids", "rates")

#: An indicator to compute, with its grouping keys and parameters.
Job = tuple["IndicatorSpec", tuple[str, ...], dict[str, Any]]


def load_tables(
    paths: Sequence[Path],
    entities: Sequence[str],
    locale: str | None = None,
    published: dt.date | None = None,
) -> dict[str, pl.DataFrame]:
    """The table of each of ``entities`` over every file of ``paths``, each file read once by
    :func:`sahel_core.io.read` (with the number notation ``locale``, and ``published`` the
    date of press releases without a dateline) and the tables of an
    entity concatenated. For one entity the files are read as that entity; for several, or a
    table that is no entity's, each as what it holds (seizures, workshops, an IATI file's
    transactions...). Files with rejected records are reported on stderr (see ``sahel
    validate``); an entity without a table raises :class:`~sahel_core.errors.ValidationError`.
    """
    import polars as pl

    from sahel_core.entities import ENTITY_TYPES
    from sahel_core.io import read
    from sahel_core.specs import ReadOptions
    from sahel_core.tabular import MISFIT_NOTE

    # A table that is no entity's (an IATI file's transactions) is found, not asked for.
    asked = entities[0] if len(entities) == 1 and entities[0] in ENTITY_TYPES else None
    options = ReadOptions(entity=asked, locale=locale, published=published)
    found: dict[str, list[pl.DataFrame]] = {entity: [] for entity in entities}
    for path in each(paths, lambda p: f"reading {p.name}"):
        result = read(path, options=options)
        for note in result.notes:
            if MISFIT_NOTE in note:  # the indicator would run on the wrong rows
                print_line(f"{path}: {note}", err=True)
        if result.rejected:
            print_line(
                f"{path}: {result.rejected} of {result.read} records rejected and left out "
                f"(see `sahel validate`){_two_ways(result.rejections)}",
                err=True,
            )
        for entity, tables in found.items():
            if entity in result.tables:
                tables.append(result.tables[entity])
    for entity, tables in found.items():
        if not tables:
            raise ValidationError(
                f"no {entity} table in the files given", field="entity", value=entity
            )
    return {entity: pl.concat(tables, how="diagonal_relaxed") for entity, tables in found.items()}


def _two_ways(rejections: Sequence[Rejection]) -> str:
    """A hint when rejections are numbers that read two ways without a locale ("13.190"):
    registers are often all written so, and one option settles them."""
    from sahel_core.numbers import LOCALE_HINT

    found = [r for r in rejections if r.reason.endswith(LOCALE_HINT)]
    if not found:
        return ""
    return (
        f"; {len(found)} of them for numbers that read two ways, such as {found[0].value!r}: "
        "--locale en reads a point as the decimal sign, --locale fr a comma"
    )


def _names(values: list[str] | None) -> list[str]:
    """The values of a repeatable option, each possibly comma-separated: ``-b country,year``."""
    return [name.strip() for value in values or () for name in value.split(",") if name.strip()]


def _params(
    specs: Sequence[IndicatorSpec], currency: str | None, pairs: list[str] | None
) -> list[dict[str, Any]]:
    """The parameters of each indicator of ``specs``: each goes to the indicators that have
    it (a single indicator gets them all, for :func:`check_params` to name an unknown one)."""
    params: dict[str, Any] = {}
    for item in pairs or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--param")
        params[name.strip()] = value
    declared = [{p.name for p in spec.params} for spec in specs]
    if currency is not None:
        if not any("currency" in names for names in declared):
            message = (
                f"indicator {specs[0].name!r} has no currency"
                if len(specs) == 1
                else "none of the indicators has a currency"
            )
            raise typer.BadParameter(message, param_hint="--currency")
        params["currency"] = currency
    from sahel_core.indicators import share_params

    try:
        return share_params(specs, params)
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint=f"--param {exc.field}") from None


def _describe(spec: IndicatorSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "table": spec.entity,
        "by": list(spec.by),
        "measures": list(spec.measures),
        "params": [
            {"name": p.name, "type": p.type, "default": json_cell(p.default),
             "description": p.description}
            for p in spec.params
        ],
    }  # fmt: skip


def _list(as_json: bool) -> None:
    from sahel_core.indicators import list_indicators

    described = [_describe(spec) for spec in list_indicators()]
    if as_json:
        print_json(described)
        return
    rows = [
        (
            d["name"],
            d["table"],
            ", ".join(d["by"]),
            ", ".join(f"{p['name']}={p['default']}" for p in d["params"]),
            d["description"],
        )
        for d in described
    ]
    print_table("indicators", ("name", "table", "by", "parameters", "description"), rows)


def indicators(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="PATH",
            help="Files to read (any supported format).",
        ),
    ] = None,
    indicator: Annotated[
        list[str] | None,
        typer.Option(
            "--indicator",
            "-i",
            help="The indicator (see --list); several (-i A -i B, or -i A,B) read the files once.",
        ),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", "-b", help="Grouping keys, comma-separated: --by country,year."),
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Target currency of money indicators.")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", metavar="NAME=VALUE", help="Any indicator parameter."),
    ] = None,
    reconciled: Annotated[
        bool,
        typer.Option(
            "--reconcile", help="Merge reports of the same seizure first (see `sahel reconcile`)."
        ),
    ] = False,
    ids: Annotated[
        bool,
        typer.Option(
            "--ids",
            help="Also show record_ids, the records of each row (and rates, the rates used, "
            "when asked for with -p with_rates=true).",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print a JSON list of row objects: the --by keys then the measures; Decimals "
            'as exact strings without trailing zeros ("5403.35"). With several indicators: an '
            "object of such lists, by indicator. With --list: the indicators, their keys, "
            "measures and parameters.",
        ),
    ] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the rows as CSV.")] = False,
    locale: Locale = None,
    published: Published = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the rows to FILE (.json or .csv) instead."),
    ] = None,
    show_list: Annotated[
        bool, typer.Option("--list", help="List the indicators with their parameters.")
    ] = False,
) -> None:
    """Compute indicators over PATH... (seizures, workshops, IATI transactions, figures).

    Example: sahel indicators seizures.csv --indicator seized_mass --by country,year --json
    """
    if show_list:
        _list(as_json)
        return
    names = _names(indicator)
    if not names:
        raise typer.BadParameter("give --indicator NAME (see --list)", param_hint="--indicator")
    if twice := next((name for i, name in enumerate(names) if name in names[:i]), None):
        raise typer.BadParameter(f"indicator {twice!r} is given twice", param_hint="--indicator")
    if not paths:
        raise typer.BadParameter("give at least one file", param_hint="'PATH'")
    # --reconcile would not help: it merges reports of different sources only.
    check_given_once(paths)
    if as_json and as_csv:
        raise typer.BadParameter("choose --json or --csv", param_hint="--json")
    if len(names) > 1 and as_csv:
        raise typer.BadParameter(
            "CSV holds one indicator: print several with --json", param_hint="--csv"
        )
    if len(names) > 1 and out is not None:
        raise typer.BadParameter(
            "--out writes one indicator: run one command per indicator", param_hint="--out"
        )
    if out is not None and not (as_csv or as_json) and out.suffix.lower() not in (".csv", ".json"):
        raise typer.BadParameter("--out writes .json or .csv", param_hint="--out")
    jobs = _jobs(names, by, currency, param)
    entities = list(dict.fromkeys(spec.entity for spec, _, _ in jobs))
    if reconciled and "seizure" not in entities:
        raise typer.BadParameter(
            "it merges reports of one seizure; no indicator given is computed on seizures",
            param_hint="--reconcile",
        )
    results = _compute(jobs, load_tables(paths, entities, locale, published), reconciled, ids)
    if len(results) > 1:
        if as_json:
            print_json({spec.name: result_rows(result) for spec, result in results})
            return
        for i, (spec, result) in enumerate(results):
            if i:
                typer.echo()
            _print(spec, result)
        return
    ((spec, result),) = results
    if out is not None:
        csv = as_csv or (not as_json and out.suffix.lower() == ".csv")
        out.write_text(table_text(result, csv=csv), encoding="utf-8")
        print_line(f"wrote {result.height} rows to {out}", err=True)
        return
    if as_json:
        print_json(result_rows(result))
        return
    if as_csv:
        sys.stdout.write(table_text(result, csv=True))
        return
    _print(spec, result)


def _jobs(
    names: list[str], by: list[str] | None, currency: str | None, param: list[str] | None
) -> list[Job]:
    """Each indicator named, with its grouping keys and its parameters, checked: a name, key
    or parameter it does not have is a usage error."""
    from sahel_core.errors import ReferenceNotFound
    from sahel_core.indicators import check_by, check_params
    from sahel_core.plugins import get_manager

    try:
        specs = [get_manager().indicator(name) for name in names]
    except ReferenceNotFound as exc:
        raise typer.BadParameter(exc.message, param_hint="--indicator") from None
    keys = _names(by)
    jobs = []
    for spec, params in zip(specs, _params(specs, currency, param), strict=True):
        try:
            check_params(spec, params)
            jobs.append((spec, check_by(spec, keys), params))
        except ValidationError as exc:
            hint = "--by" if exc.field == "by" else f"--param {exc.field}"
            raise typer.BadParameter(exc.message, param_hint=hint) from None
    return jobs


def _compute(
    jobs: list[Job], tables: dict[str, pl.DataFrame], reconciled: bool, ids: bool
) -> list[tuple[IndicatorSpec, pl.DataFrame]]:
    """Each job's result, provenance columns dropped unless ``ids``; with ``reconciled`` the
    seizures merged first (reconciliation has rules for seizures only)."""
    from sahel_core._threads import in_threads
    from sahel_core.indicators import compute

    def run(job: Job) -> tuple[IndicatorSpec, pl.DataFrame]:
        spec, keys, params = job
        result = compute(spec.name, tables[spec.entity], keys, **params)
        if not ids:
            result = result.drop([c for c in PROVENANCE if c in result.columns])
        return spec, result

    with working(f"computing {', '.join(spec.name for spec, _, _ in jobs)}"):
        if reconciled:
            from sahel_core.reconcile import reconcile

            tables = {**tables, "seizure": reconcile(tables["seizure"], "seizure").table}
        # Two at a time, as compute_many runs them (the jobs may be on different tables).
        return in_threads([functools.partial(run, job) for job in jobs])


def _print(spec: IndicatorSpec, result: pl.DataFrame) -> None:
    rows = [[json_cell(v) for v in row] for row in result.iter_rows()]
    print_table(f"{spec.name} ({spec.entity})", result.columns, rows)


def register(app: typer.Typer) -> None:
    """Add ``indicators`` to ``app``."""
    app.command("indicators")(indicators)
