"""``sahel parse TEXT``: read a quantity as written ("plus de 2,7 tonnes") and show it."""

from __future__ import annotations

import typer

from sahel_core.cli.output import print_json, print_table
from sahel_core.cli.read import check_locale

__all__ = ["register"]


def parse(
    text: str = typer.Argument(
        ..., metavar="TEXT", help='A quantity as written, e.g. "more than 2.7 tons".'
    ),
    locale: str | None = typer.Option(
        None,
        "--locale",
        callback=check_locale,
        help="en, fr or a babel locale id; settles '2,700' (2700 or 2.7).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Parse TEXT as an amount: magnitude, canonical unit, qualifier and bounds."""
    from sahel_core.quantities import parse_amount
    from sahel_core.serialization import decimal_text

    amount = parse_amount(text, locale=locale)
    fields = {
        "magnitude": decimal_text(amount.magnitude),
        "unit": amount.unit,
        "qualifier": amount.qualifier.value,
        "low": None if amount.low is None else decimal_text(amount.low),
        "high": None if amount.high is None else decimal_text(amount.high),
        "text": amount.text,
    }
    if as_json:
        print_json(fields)
    else:
        print_table(None, ("field", "value"), fields.items())


def register(app: typer.Typer) -> None:
    """Add ``parse`` to ``app``."""
    app.command("parse")(parse)
