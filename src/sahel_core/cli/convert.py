"""``sahel convert AMOUNT FROM TO --date D``: convert money at a date and show every rate used."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import typer
from typer.core import TyperCommand, TyperOption

from sahel_core.cli.output import print_json, print_table
from sahel_core.cli.read import check_day, check_locale

__all__ = ["register"]


def _via(value: str | None) -> str | None:
    """The pivot, EUR or USD (any case): another code is a usage error (exit 2), not a
    request that goes silently unheeded."""
    if value is None:
        return None
    from sahel_core.rates import PIVOTS  # polars with it: only when --via is given

    if value.upper() not in PIVOTS:
        raise typer.BadParameter(f"expected {' or '.join(PIVOTS)}, got {value!r}")
    return value.upper()


def convert(
    amount: str = typer.Argument(
        ..., metavar="AMOUNT", help='The amount, e.g. 700000000, "700 million", 2,5.'
    ),
    source: str = typer.Argument(..., metavar="FROM", help="ISO 4217 code, e.g. XOF."),
    target: str = typer.Argument(..., metavar="TO", help="ISO 4217 code, e.g. USD."),
    date: str = typer.Option(..., "--date", help="The date of the rates, YYYY-MM-DD."),
    via: str | None = typer.Option(
        None,
        "--via",
        callback=_via,
        metavar="EUR|USD",
        help="Pivot currency (EUR or USD); default: EUR, else USD.",
    ),
    places: int = typer.Option(9, "--places", min=0, max=9, help="Decimal places of the result."),
    locale: str | None = typer.Option(
        None, "--locale", callback=check_locale, help="en or fr: settles amounts such as '2,500'."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Convert AMOUNT from FROM to TO at the rates of --date: result, rates, their dates,
    sources and the path (XOF and XAF use the exact 655.957 peg to the euro). A negative
    AMOUNT (a reversal) converts as its size, the sign kept."""
    from sahel_core.money import Money
    from sahel_core.money import convert as convert_money
    from sahel_core.numbers import format_number, parse_number

    day = check_day(date, "--date")
    number = parse_number(amount, locale=locale)
    # A negative amount (an IATI reversal) converts as its size, its sign kept on the figures
    # shown: money itself is never negative.
    sign = -1 if number < 0 else 1
    money = Money(abs(number), source)
    conversion = convert_money(money, target, on=day, via=via, places=places)
    if as_json:
        found = conversion.as_dict()
        if sign < 0:  # AMOUNT is exact: its bounds are the amount; 0 stays unsigned
            for key in ("amount", "original", "low", "high"):
                found[key] = f"-{found[key]}" if found[key] and Decimal(found[key]) else found[key]
        print_json(found)
        return
    result = conversion.result
    summary = [
        ("result", f"{format_number(_signed(sign, result.amount))} {result.currency}"),
        ("from", f"{format_number(_signed(sign, money.amount))} {money.currency}"),
        ("date", day.isoformat()),
        ("path", conversion.path),
        ("rounding", f"± {format_number(conversion.rounding)} {result.currency}"),
    ]
    print_table("sahel convert", ("", ""), summary)
    rows = [
        (s.from_currency, s.to_currency, s.quote, s.rate_date.isoformat(), s.period, s.source)
        for s in conversion.steps
    ]
    if rows:
        print_table("rates used", ("from", "to", "rate", "rate date", "period", "source"), rows)


def _signed(sign: int, amount: Decimal) -> Decimal:
    """``amount`` with ``sign``: 0 stays unsigned, as the JSON output writes it."""
    return -amount if sign < 0 and amount else amount


#: An argument that is a negative number ("-5", "-2,5", "-.5", "-700 million"): no option
#: name starts with a digit, so such a token is never an option.
_NEGATIVE = re.compile(r"-[.,]?\d")


class NegativeArguments(TyperCommand):
    """A command whose arguments may be negative numbers: click takes "-5" (an IATI
    reversal) for an unknown option, and a "--" before it turns the options after it into
    arguments too. When a negative number is given, the options go first and the arguments,
    in their order, after a "--": each option still works, and is still checked."""

    # Any: the context is typer's own copy of click's, whose module is private.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _arguments_last(args, self.get_params(ctx)))


def _arguments_last(args: list[str], params: Sequence[object]) -> list[str]:
    """``args`` with the options (and the values they take) first, then ``--`` and the
    arguments; unchanged when no argument is a negative number."""
    ahead = args[: args.index("--")] if "--" in args else args
    if not any(_NEGATIVE.match(a) for a in ahead):
        return args
    valued = {
        name
        for p in params
        if isinstance(p, TyperOption) and not (p.is_flag or p.count)
        for name in p.opts
    }
    options: list[str] = []
    arguments: list[str] = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            arguments.extend(tokens)
        elif token.startswith("-") and len(token) > 1 and not _NEGATIVE.match(token):
            options.append(token)
            if token in valued:  # its value follows, whatever it looks like ("--places -1")
                options.extend(itertools.islice(tokens, 1))
        else:
            arguments.append(token)
    return [*options, "--", *arguments]


def register(app: typer.Typer) -> None:
    """Add ``convert`` to ``app``."""
    app.command("convert", cls=NegativeArguments)(convert)
