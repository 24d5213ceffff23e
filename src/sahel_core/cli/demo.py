"""``sahel demo``: run the main job end to end on bundled data and explain each step.

Prints, for a newcomer, what was read from two press releases (each field with the phrase it
came from), how many spreadsheet rows were accepted and why the others were rejected, which
reports were merged as one seizure, the indicator table, one conversion with its rate path,
and where the outputs are. ``--json`` prints :meth:`sahel_core.demo.DemoReport.as_dict`
instead: ``out_dir``, ``texts`` [{source, lang, records {kind: count}}], ``table`` {source,
format, read, accepted, rejected, rejections [{row, field, value, reason}]}, ``reconcile``
{records, events, merged [{id, merged_from}], conflicts [{group, field, value, record_ids,
sources}]}, ``indicators`` {seized_mass, seized_value: rows as ``sahel indicators --json --ids``
prints them}, ``conversion`` (as ``sahel convert --json``), ``files`` and ``notes``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sahel_core.cli.output import print_json, print_table, working

if TYPE_CHECKING:
    from rich.console import Console

    from sahel_core.demo import DemoReport
    from sahel_core.extract import Extracted

__all__ = ["register"]

#: Where ``sahel demo`` writes when ``--out`` is not given (relative to the current folder).
DEFAULT_OUT = Path("sahel-demo-output")

_ITEM = re.compile(r"^(?P<name>\w+)\[(?P<key>[^\]]*)\]$")


def _plain(value: Any) -> str:
    """A field value as a person writes it: "more than 1.2 t", "2017-03-01 … 2017-03-31"."""
    from enum import Enum

    from sahel_core.dates import PartialDate
    from sahel_core.entities import Place
    from sahel_core.money import Money, format_money
    from sahel_core.quantities import Amount, format_amount

    if isinstance(value, Amount):
        return format_amount(value)
    if isinstance(value, Money):
        return format_money(value)
    if isinstance(value, PartialDate):
        latest = value.latest.isoformat() if value.latest else "open"
        one_day = value.earliest == value.latest
        return value.earliest.isoformat() if one_day else f"{value.earliest} … {latest}"
    if isinstance(value, Place):
        return ", ".join(x for x in (value.locality, value.country) if x)
    if isinstance(value, Enum):
        return str(value.value)
    return "" if value is None else str(value)


def _fields(record: Extracted) -> list[tuple[str, str, str]]:
    """(field, value read, phrase of the text) per field; list items joined in one row."""
    rows: dict[str, tuple[list[str], list[str]]] = {}
    for evidence in record.fields:
        item = _ITEM.match(evidence.name)
        name = item["name"] if item else evidence.name
        if item and item["key"].isdigit():
            value = _plain(getattr(record.entity, name)[int(item["key"])])
        elif item:
            value = item["key"]  # the key read: an ISO3 code, an agency or donor key
        else:
            value = _plain(getattr(record.entity, name))
        values, phrases = rows.setdefault(name, ([], []))
        values.append(value)
        phrases.append(f'"{evidence.phrase.text}"')
    return [(name, ", ".join(v), ", ".join(p)) for name, (v, p) in rows.items()]


def _figure(value: Decimal | None, places: int) -> str:
    """``value`` rounded for reading, thousands grouped: "3,152.9", "1,261,560"."""
    if value is None:
        return "—"
    text = format(value.quantize(Decimal(1).scaleb(-places)), ",f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _table(
    console: Console, title: str | None, columns: Iterable[str], rows: Iterable[Any]
) -> None:
    from rich.table import Table
    from rich.text import Text

    if not console.is_terminal:  # piped: plain aligned text, as every command's tables
        print_table(title, list(columns), list(rows))
        return
    table = Table(title=title, title_justify="left", show_lines=False)
    for n, column in enumerate(columns):
        # The first column holds ids and keys: whole on one line, the others wrap.
        table.add_column(column, no_wrap=n == 0, overflow="fold")
    for row in rows:
        # Text, not markup: cells are data, and "[...]" in data is no style tag.
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    console.print(table)


def _show(report: DemoReport, console: Console) -> None:
    from rich.markup import escape

    out = report.out_dir
    console.rule("[bold]sahel demo[/]: the main job of sahel_core on bundled data")
    console.print(
        "Two press releases and a French spreadsheet of seizures become one checked seizure "
        "table, indicators by country and year, and files you can open.\n"
    )

    console.rule("1. Press releases → records (sahel_core.extract)", align="left")
    for extraction in report.extractions:
        counts = Counter(record.kind for record in extraction.records)
        found = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in counts.items())
        console.print(f"[bold]{extraction.source.file}[/] ({extraction.lang}): {found}")
        found_rows = [
            (record.entity.id if n == 0 else "", name, value, phrase)
            for record in extraction.records
            for n, (name, value, phrase) in enumerate(_fields(record))
        ]
        _table(console, None, ("record", "field", "read as", "from the phrase"), found_rows)

    console.rule("2. Spreadsheet → canonical table (sahel_core.io.read)", align="left")
    read = report.read
    console.print(
        f"[bold]{Path(read.source).name}[/] ({read.format}, French headers, decimal commas): "
        f"{read.read} rows read = [green]{read.accepted} accepted[/] + "
        f"[red]{read.rejected} rejected[/]"
    )
    for note in read.notes:
        console.print(f"  {escape(note)}")
    _table(
        console,
        "Rejected rows (row as the spreadsheet shows it, header = row 1)",
        ("row", "field", "value", "reason"),
        [(r.row, r.field, r.value, r.reason) for r in read.rejections],
    )

    console.rule("3. Reconcile: one event per seizure (sahel_core.reconcile)", align="left")
    reconciled = report.reconciled
    texts = report.seizures_in - read.accepted
    console.print(
        f"{report.seizures_in} seizure records ({texts} from the press releases, "
        f"{read.accepted} from the spreadsheet) → {reconciled.table.height} events."
    )
    for row in reconciled.groups.iter_rows(named=True):
        console.print(f"  merged into [bold]{row['id']}[/]: {' + '.join(row['merged_from'])}")
    _table(
        console,
        "Where the merged reports disagree (kept, not silently settled)",
        ("event", "field", "value as written", "said by"),
        [
            (c["group"], c["field"], c["value"], ", ".join(c["record_ids"]))
            for c in reconciled.conflicts.iter_rows(named=True)
        ],
    )

    console.rule("4. Indicators by country and year (sahel_core.indicators)", align="left")
    # One line per country and year of either table: a group may have a value but no mass.
    mass = {(r["country"], r["year"]): r for r in report.seized_mass.iter_rows(named=True)}
    usd = {(r["country"], r["year"]): r["value"] for r in report.seized_value.iter_rows(named=True)}
    indicator_rows = []
    for key in sorted(mass.keys() | usd.keys(), key=lambda k: (k[0] or "~", k[1] or 0)):
        row = mass.get(key, {})
        low, high = _figure(row.get("low_kg"), 1), _figure(row.get("high_kg"), 1)
        span = "" if not row or low == high else f"{low} … {high if high != '—' else '∞'}"
        indicator_rows.append(
            (*key, _figure(row.get("kg"), 3), span, row.get("records", 0), _figure(usd.get(key), 0))
        )
    _table(
        console,
        "seized_mass (kg; masses only, tablets are counted apart) and seized_value (USD)",
        ("country", "year", "kg", "kg low … high", "records", "value USD"),
        indicator_rows,
    )

    console.rule("5. One value in USD, with its rate path (sahel_core.money.convert)", align="left")
    conversion = report.conversion
    console.print(
        f"{_figure(conversion.original.amount, 0)} {conversion.original.currency} on "
        f"{conversion.on} = [bold]{_figure(conversion.result.amount, 2)} "
        f"{conversion.result.currency}[/]  (± {conversion.rounding} from rounding)"
    )
    console.print(f"path: {escape(conversion.path)}")
    _table(
        console,
        None,
        ("from", "to", "rate", "rate date", "period", "source"),
        [
            (s.from_currency, s.to_currency, s.quote, s.rate_date, s.period, s.source)
            for s in conversion.steps
        ],
    )

    console.rule(f"6. Outputs in {escape(str(out))}", align="left")
    from sahel_core.demo import OUTPUTS

    written = {str(f.relative_to(out)) for f in report.files}
    _table(
        console,
        None,
        ("file", "what it holds"),
        [(n, what) for n, what in OUTPUTS.items() if n in written or n == "input/"],
    )
    for note in report.notes:
        # escape: the note's "pip install 'sahel-core[plots]'" is no markup tag.
        console.print(f"[yellow]note:[/] {escape(note)}")
    console.print(
        escape(
            f"\nNext: read {out / 'README.txt'}, then try "
            f"`sahel extract {out / 'input' / 'press_release.txt'}` or "
            f"`sahel read {out / 'input' / 'saisies_2016_2018.csv'} --locale fr`."
        )
    )


def demo(
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for the outputs (created; earlier files replaced)."
        ),
    ] = DEFAULT_OUT,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary instead (keys: docs/cli.md).")
    ] = False,
) -> None:
    """Run the main job end to end on bundled data, explaining each step.

    Extracts records from two press releases, reads a French seizure spreadsheet with exact
    accounting, merges the seizure both report, computes seized mass and value (USD) by
    country and year, shows one conversion's rate path, and writes CSV tables, a chart and a
    README into --out (default ./sahel-demo-output).
    """
    from rich.console import Console

    from sahel_core.demo import run_demo

    with working("running the demo"):
        report = run_demo(out)
    if as_json:
        print_json(report.as_dict())
        return
    _show(report, Console(soft_wrap=False))


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command("demo")(demo)
