"""``sahel extract FILE``: seizures, operations, workshops and figures read from prose.

With ``--json`` the output is a list of records, each an object with these keys (the same for
every kind; ``null`` or ``[]`` where a field does not apply):

* ``kind`` ("seizure", "operation", "workshop", "figure"), ``id``, ``operation_kind``
  ("arrest", "destruction", "programme"...), ``label`` (figures), ``title``, ``topic``;
* ``drug`` (a key of the drug vocabulary) and ``drug_text`` (as written);
* ``quantity``, ``packaging``, ``arrested``, ``participants``, ``institutions``: amounts
  ``{"magnitude": "2.7", "unit": "t", "qualifier": "more_than", "low": "2.7", "high": null,
  "text": "more than 2.7 tons"}``;
* ``value``: the sum of money as first stated, then its stated equivalents, each
  ``{"amount", "currency", "qualifier", "low", "high", "text"}``;
* ``date``: ``{"text", "earliest", "latest"}`` (ISO dates; ``latest`` null for "since 2014");
* ``country`` (ISO3), ``place`` (locality), ``countries`` (ISO3 list), ``agencies``,
  ``donors``, ``seizures`` (ids), ``operation`` (id), ``flags``;
* ``evidence``: ``{"start", "end", "text"}``, the sentence (of one longer than 1,000
  characters, the part of it around the record), as character offsets in the file;
  ``fields``: for each field, the phrase it was read from and its sentence's span.

Decimals are strings. See :mod:`sahel_core.extract` for the rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sahel_core.cli.output import print_json, print_line, print_table, working
from sahel_core.cli.read import Published, check_encoding

__all__ = ["register"]

_SUMMARY_FIELDS = ("quantity", "packaging", "arrested", "participants", "institutions")


def _amount(data: dict[str, object] | None) -> str:
    if not data:
        return ""
    qualifier = "" if data["qualifier"] == "exact" else f"{data['qualifier']} "
    figure = data["magnitude"] if "magnitude" in data else data["amount"]
    return f"{qualifier}{figure} {data.get('unit') or data.get('currency')}"


def _what(record: dict[str, object]) -> str:
    parts = [str(record[k]) for k in ("operation_kind", "label", "drug", "topic") if record[k]]
    for name in _SUMMARY_FIELDS:
        value = record[name]
        if value:
            parts.append(f"{name}: {_amount(value)}")  # type: ignore[arg-type]
    values = record["value"]
    if values:
        parts.append("value: " + " = ".join(_amount(m) for m in values))  # type: ignore[attr-defined]
    return "\n".join(parts)


def _where_when(record: dict[str, object]) -> str:
    date = record["date"]
    when = ""
    if isinstance(date, dict):
        when = f"{date['earliest']} .. {date['latest'] or 'open'}"
    where = ", ".join(str(x) for x in (record["place"], record["country"]) if x)
    countries = record["countries"]
    if countries:
        where += f" [{', '.join(countries)}]"  # type: ignore[arg-type]
    return "\n".join(x for x in (when, where) if x)


def _who(record: dict[str, object]) -> str:
    lines = []
    for name in ("agencies", "donors"):
        items = record[name]
        if items:
            lines.append(f"{name}: {', '.join(items)}")  # type: ignore[arg-type]
    for flag in record["flags"]:  # type: ignore[attr-defined]
        lines.append(f"FLAG {flag}")
    return "\n".join(lines)


def _lang(value: str | None) -> str | None:
    """``--lang``, in any case; another language is a usage error (exit status 2)."""
    if value is not None and value.lower() not in ("en", "fr"):
        raise typer.BadParameter(f"expected en or fr, got {value!r}")
    return None if value is None else value.lower()


def extract_command(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, metavar="PATH", help="A .txt, .md or .html file."
        ),
    ],
    lang: Annotated[
        str | None,
        typer.Option("--lang", callback=_lang, help="en or fr (default: detected)."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding", callback=check_encoding, help="Text encoding (default: detected)."
        ),
    ] = None,
    published: Published = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print plain JSON: a list of records (see --help).")
    ] = False,
) -> None:
    """Read seizures, operations, workshops and figures from a press release or report.

    Prints each record with the sentence it was read from. With --json: a list of records,
    each with kind, id, operation_kind, label, title, topic, drug, drug_text, quantity,
    packaging, arrested, participants, institutions (amounts: magnitude, unit, qualifier, low,
    high, text), value (list of sums: amount, currency, qualifier, low, high, text), date
    (text, earliest, latest), country, place, countries, agencies, donors, seizures,
    operation, flags, evidence (start, end, text: the sentence, or the part of a sentence
    over 1,000 characters around the record, as offsets in the file) and fields (each
    field's phrase and sentence span). Decimals are strings. What the text states but no
    record keeps (a value in cedis without a date...) is told on stderr, one line each.
    """
    from sahel_core.plugins.text import extract_file

    with working(f"reading {path.name}"):
        found = extract_file(path, lang=lang, encoding=encoding, published=published)
        records = found.as_dicts()
    if as_json:
        print_json(records)
    else:
        rows = [
            (r["kind"], _what(r), _where_when(r), _who(r), r["evidence"]["text"]) for r in records
        ]
        print_table(
            f"{path.name}: {len(records)} records ({found.lang})",
            ("kind", "what", "when / where", "who", "evidence"),
            rows,
        )
    # What the text states but no record holds: on stderr, so that --json stays a list.
    for kind, field, value, reason in found.dropped:
        what = " ".join(str(part) for part in (kind, field, value) if part is not None)
        print_line(f"{path}: not kept: {what}: {reason}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``extract`` to ``app``."""
    app.command("extract")(extract_command)
