"""An example sahel_core plugin: a Markdown table format and a drug-share indicator.

Everything a plugin needs is here: hook implementations marked with ``sahel_core.hookimpl``,
returning spec records; the entry point in ``pyproject.toml`` does the rest.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from sahel_core import hookimpl
from sahel_core.errors import FormatError, ValidationError
from sahel_core.specs import (
    FormatSpec,
    IndicatorParam,
    IndicatorSpec,
    ReadOptions,
    ReadResult,
    WriteOptions,
)
from sahel_core.tabular import read_table, text_table

__version__ = "0.1.0"


# -- the format --------------------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    """The cells of one ``| a | b |`` line; ``\\|`` is a literal bar inside a cell."""
    body = line.strip().removeprefix("|").removesuffix("|")
    cells, current, escaped = [], [], False
    for char in body:
        if escaped:
            current.append(char if char in "|\\" else "\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    cells.append("".join(current).strip())
    return [html.unescape(cell) for cell in cells]


def _is_rule(cells: list[str]) -> bool:
    return all(c and set(c) <= set(":-") and "-" in c for c in cells)


def read_markdown(path: Path, options: ReadOptions) -> ReadResult:
    """Read the first pipe table of a Markdown file; each table row is one record."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text: {exc.reason}", source=str(path)) from None
    lines = [
        (n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip().startswith("|")
    ]
    if len(lines) < 2 or not _is_rule(_cells(lines[1][1])):
        raise FormatError("no Markdown table (a header row, then a |---| rule)", source=str(path))
    header = _cells(lines[0][1])
    if len(set(header)) != len(header) or not all(header):
        raise FormatError("table headers must be distinct and non-empty", source=str(path))
    rows, numbers = [], []
    for number, line in lines[2:]:
        cells = _cells(line)
        # A short row is padded and a long one cut to the header, as Markdown renderers do.
        rows.append((cells + [""] * len(header))[: len(header)])
        numbers.append(number)
    raw = pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row")
    return read_table(raw, path, options, format="markdown", rows=numbers)


def _escape(cell: str | None) -> str:
    """A cell as Markdown text that reads back to the same string.

    Markdown trims cells and ends rows at newlines, so ``&``, edge spaces and newlines are
    written as HTML character references (``&amp;``, ``&#32;``, ``&#10;``) and bars as ``\\|``.
    """
    if cell is None:
        return ""
    text = cell.replace("&", "&amp;").replace("\n", "&#10;").replace("\r", "&#13;")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    stripped = text.strip(" ")
    lead = len(text) - len(text.lstrip(" "))
    trail = len(text) - len(text.rstrip(" ")) if stripped else 0
    return "&#32;" * lead + stripped + "&#32;" * trail


def write_markdown(table: pl.DataFrame, path: Path, entity: str, options: WriteOptions) -> None:
    """Write ``table`` as one pipe table, canonical column names as headers."""
    cells = text_table(table)
    lines = ["| " + " | ".join(cells.columns) + " |", "|" + "---|" * len(cells.columns)]
    lines += ["| " + " | ".join(_escape(v) for v in row) + " |" for row in cells.iter_rows()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _sniff(head: bytes, name: str) -> bool:
    lines = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()
    tables = [line for line in lines[:50] if line.strip().startswith("|")]
    return name.endswith(".md") and len(tables) >= 2 and _is_rule(_cells(tables[1]))


@hookimpl
def sahel_register_formats() -> Iterable[FormatSpec]:
    """The ``markdown`` format."""
    return [
        FormatSpec(
            name="markdown",
            description="Markdown pipe tables (reports, notebooks)",
            extensions=(".md",),
            media_types=("text/markdown",),
            entities=("seizure", "operation", "workshop", "donor", "agency"),
            read=read_markdown,
            write=write_markdown,
            sniff=_sniff,
        )
    ]


# -- the indicator -----------------------------------------------------------------------------


def drug_share(table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]) -> pl.DataFrame:
    """Each drug's share of the kilograms seized within each ``by`` group."""
    from sahel_core.indicators import compute

    digits = params["digits"]
    if not 0 <= digits <= 15:  # a float64 share holds about 15 significant digits
        raise ValidationError("digits is a whole number from 0 to 15", field="digits", value=digits)
    keys = [k for k in by if k != "drug"]
    mass = compute("seized_mass", table.collect(), by=[*keys, "drug"])
    total = pl.col("kg").sum().over(keys) if keys else pl.col("kg").sum()
    share = (pl.col("kg").cast(pl.Float64) / total.cast(pl.Float64)).round(digits)
    return mass.select([*keys, "drug", "kg", share.alias("share")])


@hookimpl
def sahel_register_indicators() -> Iterable[IndicatorSpec]:
    """The ``drug_share`` indicator."""
    return [
        IndicatorSpec(
            name="drug_share",
            description="Each drug's share of the seized mass within each group",
            entity="seizure",
            compute=drug_share,
            by=("country", "year", "agency"),
            measures=("kg", "share"),
            params=(IndicatorParam("digits", "int", 3, "decimal places of the share"),),
        )
    ]
