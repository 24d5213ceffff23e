"""UNODC drug seizures (dataUNODC "Drug seizures, 2018-2022" export) as seizure records.

The export is a sheet (``.xlsx``) or its CSV copy with the columns ``Region``, ``SubRegion``,
``Country``, ``DrugGroup``, ``DrugSubGroup``, ``DrugName``, ``Reference year``, ``Kilograms``,
``msCode``. The reader finds the header in the first 25 rows (the xlsx has a title row above it;
the whole sheet is read, whatever range its ``<dimension>`` tag claims), then turns each row below
into one :class:`~sahel_core.entities.Seizure`:

* ``country`` the ``msCode`` (ISO 3166 alpha-3), else, when the code is empty, the ``Country``
  name as the reference data knows it (:func:`sahel_core.reference.country`: "Mali");
* ``drug`` the vocabulary term for the row (:func:`sahel_core.reference.unodc_drug`: the drug
  name decides when the vocabulary maps it, else the sub-group, else the group, else ``other``);
  ``drug_text`` keeps the three originals as ``"DrugGroup | DrugSubGroup | DrugName"``;
* ``date`` the whole reference year (text ``"2022"``, 1 January to 31 December);
* ``quantity`` the kilograms, unit ``kg``, qualifier ``exact``; ``quantity_text`` the cell as
  written. The export stores binary floats (``0.7868999999999999``, ``1e-05``): the value is
  read from the shortest decimal form of the float and rounded to 9 decimal places (a
  microgram), which removes that noise and nothing a scale measured. A cell in another
  notation (a copy re-saved by a spreadsheet: ``0,5``, ``1 234,5``, ``1,234.5``) is read by
  :func:`~sahel_core.numbers.parse_number` in the ``locale`` of the read options; one that
  reads two ways without it (``1,234``) is rejected, never guessed.
* ``id`` ``"<file stem>:<row>"`` (the export has no key: the same country, drug and year repeat
  for separate sub-entries), ``sources`` the file and row.

Accounting: every non-empty row below the header is read and is either accepted or rejected with
its spreadsheet row number and the column at fault. Choices:

* an EMPTY ``Kilograms`` cell is rejected, reason "no quantity reported": UNODC left the figure
  out, and a seizure without a quantity says nothing an indicator can use;
* ``0`` kilograms is accepted as a quantity of 0: the country reported that nothing of that drug
  was seized, which is a fact worth keeping (averages and "countries reporting" count it);
* a row that repeats the header (exports glued together) is rejected as "repeated header row";
* a row with more filled cells than the header's named ones is rejected ("10 cells but the
  header has 9", the extra cells as value, joined by the CSV's delimiter, "," for an xlsx), as
  the CSV reader rejects it: never cut to the header. The xlsx and its CSV copy read the same,
  though a spreadsheet saves that copy with blank header cells as wide as its widest row;
* a row with neither ``msCode`` nor ``Country`` is rejected ("no country reported"), one with
  an empty ``Reference year`` ("no year reported"): UNODC's figures are totals per country and
  year, and such a row places nothing (the entity would take it, with no place or date);
* an unknown ``msCode`` (or ``Country`` name), a year that is not a year, a negative,
  non-numeric or ambiguous quantity are rejected naming the column;
* a column of a name read twice (``Kilograms`` and ``KILOGRAMS``: names compare without case
  and spaces) is compared with the first: a row where the two differ is rejected, naming both,
  since which figure is meant cannot be told; a blank repeat says nothing. A note names them,
  and another the columns not read (``Region``, ``SubRegion``, any column the export has not).

Everything is vectorized with polars: each parser runs once per distinct value (kilogram
strings, drug triples, country codes, years) and is joined back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from sahel_core.errors import AmbiguousInput, FormatError, NotThisFormat, SahelError
from sahel_core.headers import REPEAT_SUFFIX
from sahel_core.hookspecs import hookimpl
from sahel_core.qualifiers import MAX_MAGNITUDE, round_places
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, Rejection
from sahel_core.tabular import REPEATED_NOTE, disagreement, filled_width, unused_mapping

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "HEADER",
    "read_unodc",
    "sahel_register_formats",
    "sniff_unodc",
]

#: The columns of the export, in its order.
HEADER = (
    "Region",
    "SubRegion",
    "Country",
    "DrugGroup",
    "DrugSubGroup",
    "DrugName",
    "Reference year",
    "Kilograms",
    "msCode",
)
#: Columns the reader cannot do without (compared as :func:`_fold` gives them).
_REQUIRED = ("mscode", "drugname", "referenceyear", "kilograms")
#: Every column the reader reads: the country's name is read for a row without a code.
_READ = (*_REQUIRED, "druggroup", "drugsubgroup", "country")
_SCAN_ROWS = 25
#: Room for 29 + 9 digits: Python's default context (28 digits) cannot shorten such figures.
_CONTEXT = Context(prec=40)
#: The export's own notation for a number: what Python writes for a float.
_MACHINE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: Canonical field → the export's column, to name the column a user sees in rejections.
_SOURCE_COLUMN = {
    "country": "msCode",
    "date": "Reference year",
    "date_earliest": "Reference year",
    "quantity": "Kilograms",
    "drug": "DrugName",
}


def _fold(text: object) -> str:
    """A header as compared: folded (:func:`sahel_core.headers.fold`) without spaces, so that
    "msCode", "MS Code", "mscode" and "MSCODE" are one name."""
    from sahel_core.headers import fold

    return fold(str(text)).replace(" ", "") if text is not None else ""


def _is_header(cells: Sequence[object]) -> bool:
    folded = {_fold(c) for c in cells}
    return all(name in folded for name in _REQUIRED)


def sniff_unodc(head: bytes, name: str) -> bool:
    """True for the CSV export (its header in the first lines) or an xlsx named ``*seizure*``.

    An xlsx keeps its text in a compressed part at the end of the file, out of the sniffer's
    64 KiB, so the workbook is recognised by its name (the portal names it
    ``drug_seizures_2018_2022.xlsx``); pass ``--format unodc_seizures`` for a renamed one.
    """
    if head.startswith(b"PK\x03\x04"):
        lower = name.lower()
        return "seizure" in lower and lower.endswith((".xlsx", ".xlsm"))
    from sahel_core.plugins.csv_format import head_text

    text = head_text(head)
    if text is None:
        return False
    return _header_delimiter(text) is not None


# -- reading the cells ------------------------------------------------------------------------


def _cell(value: object) -> str | None:
    """An xlsx cell as text; floats as the sheet shows them (:func:`~sahel_core.tabular.
    float_text`), so that the workbook reads as its CSV copy."""
    from sahel_core.tabular import float_text

    if value is None:
        return None
    if isinstance(value, float):
        return float_text(value)
    text = str(value)
    return text if text.strip() else None


def _xlsx_rows(path: Path) -> Iterable[tuple[int, tuple[object, ...]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    # openpyxl raises a wide, undocumented range of errors on damaged workbooks (zip, XML,
    # zlib, its own InvalidFileException): all of them mean "not a readable workbook".
    except Exception as exc:
        raise FormatError(f"not a readable xlsx workbook: {exc}", source=path.name) from None
    try:
        sheet = book["Export"] if "Export" in book.sheetnames else book.worksheets[0]
        # Read-only mode reads only the range of the sheet's <dimension> tag, which a tool that
        # edits the sheet may leave stale: the rows and columns past it were lost unsaid.
        sheet.reset_dimensions()
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    except Exception as exc:  # As above: a damaged part of the workbook.
        raise FormatError(f"not a readable xlsx workbook: {exc}", source=path.name) from None
    finally:
        book.close()


def _xlsx_record(values: Sequence[object], width: int) -> list[str]:
    """A sheet row as the cells its CSV copy holds: as text, up to its last filled cell, and
    never shorter than the header's ``width``."""
    return [_cell(v) or "" for v in values[: filled_width(values, width)]]


def _frame_xlsx(path: Path) -> tuple[pl.DataFrame, list[int], int, list[Rejection]]:
    """As :func:`_frame_csv`, from the workbook's ``Export`` sheet (else its first)."""
    header: list[str] | None = None
    header_row = 0
    records: list[list[str]] = []
    width = 0
    for number, values in _xlsx_rows(path):
        if header is None:
            if number > _SCAN_ROWS:
                break
            cells = [_cell(v) for v in values]
            if _is_header(cells):
                header, header_row = [c or "" for c in cells], number
                width = filled_width(header)
            continue
        records.append(_xlsx_record(values, width))
    if header is None:
        raise _no_header(path)
    # "," as in the export's CSV copy: a refused row's extra cells read as they would there.
    frame, numbers, ragged = _fitted_frame(header, records, header_row, ",")
    return frame, numbers, header_row, ragged


def _frame_csv(
    path: Path, options: ReadOptions
) -> tuple[pl.DataFrame, list[int], int, list[Rejection]]:
    """The cells below the header as text, their row numbers, the header's row, and a
    rejection for each row with more filled cells than the header (:func:`_fitted_frame`)."""
    from sahel_core.plugins.csv_format import csv_records, decode, sniff_delimiter

    text, _ = decode(path.read_bytes(), path.name, options.encoding)
    if "\x00" in text:
        raise FormatError("binary data, not delimited text", source=path.name)
    delimiter = _header_delimiter(text) or sniff_delimiter(text)
    records = csv_records(text, delimiter, path.name)
    found = (n for n, cells in enumerate(records[:_SCAN_ROWS], start=1) if _is_header(cells))
    header_row = next(found, 0)
    if not header_row:
        raise _no_header(path)
    frame, numbers, ragged = _fitted_frame(
        records[header_row - 1], records[header_row:], header_row, delimiter
    )
    return frame, numbers, header_row, ragged


def _fitted_frame(
    header: Sequence[str], records: Sequence[list[str]], header_row: int, delimiter: str
) -> tuple[pl.DataFrame, list[int], list[Rejection]]:
    """The non-empty ``records`` below the header at ``header_row`` as a frame of text cells,
    their row numbers, and the rows refused by the project's one ragged-row rule
    (:func:`sahel_core.plugins.csv_format.fit_rows`: never cut to the header), so that a
    table reads the same saved as CSV or as xlsx."""
    import polars as pl

    from sahel_core.plugins.csv_format import fit_rows

    # Up to its last named cell: a spreadsheet saves its CSV copy as wide as its widest row,
    # blank header cells included; counted, they would take in a stray value as a column.
    names = _unique(header[: filled_width(header)])
    # Row numbers as a spreadsheet shows them: records, counting skipped blank lines too.
    fitted, fitted_numbers, ragged = fit_rows(records, len(names), header_row + 1, delimiter)
    filled = [i for i, cells in enumerate(fitted) if any(c.strip() for c in cells)]
    frame = pl.DataFrame(
        {n: [fitted[i][column] or None for i in filled] for column, n in enumerate(names)},
        schema=dict.fromkeys(names, pl.String),
    )
    return frame, [fitted_numbers[i] for i in filled], ragged


def _header_delimiter(text: str) -> str | None:
    """The delimiter of the export's header line in the first rows, or None without one: a
    title line above it ("Drug seizures; 2018-2022") must not decide how the file is split."""
    for line in text.splitlines()[:_SCAN_ROWS]:
        if _is_header(re.split(r"[,;\t]", line)):
            return max((",", ";", "\t"), key=line.count)
    return None


def _no_header(path: Path) -> NotThisFormat:
    # The sniffer knows a workbook by its name ("*seizure*.xlsx"): a register so named is
    # read as a workbook instead.
    return NotThisFormat(
        f"no UNODC drug-seizure header (msCode, DrugName, Reference year, Kilograms) in the "
        f"first {_SCAN_ROWS} rows",
        source=path.name,
    )


def _unique(header: Sequence[str]) -> list[str]:
    """Headers stripped, a blank one named ``column N``, repeats made distinct
    (:func:`sahel_core.tabular.unique_headers`)."""
    from sahel_core.tabular import unique_headers

    return unique_headers([h.strip() or f"column {i + 1}" for i, h in enumerate(header)])


# -- turning cells into seizures -----------------------------------------------------------------


def _kilograms(text: str, locale: str | None) -> tuple[str | None, str | None]:
    """``(decimal text, None)`` or ``(None, reason)`` for one Kilograms cell (see the module
    docstring: the export's notation as written, any other in ``locale``)."""
    from sahel_core.numbers import parse_number

    cell = text.strip()
    try:
        value = Decimal(cell) if _MACHINE.fullmatch(cell) else parse_number(cell, locale=locale)
    except AmbiguousInput as exc:
        return None, exc.message
    except (InvalidOperation, SahelError):
        return None, "not a number"
    if not value.is_finite():
        return None, "not a number"
    if value < 0:
        return None, "a quantity cannot be negative"
    # Checked before rounding: the rounding context holds the table's 38 digits, not more.
    if value >= MAX_MAGNITUDE:
        return None, "too large a quantity"
    rounded = round_places(value).normalize(_CONTEXT)
    if rounded >= MAX_MAGNITUDE:
        return None, "too large a quantity"
    return f"{rounded:f}", None


def _layout(columns: Sequence[str]) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """The column read for each name of :data:`_READ` (the first so named), the later
    columns of a read name (→ that first one), and the notes that name both and the columns
    not read."""
    from sahel_core.tabular import first_few

    read: dict[str, str] = {}
    repeats: dict[str, str] = {}
    ignored: list[str] = []
    for number, name in enumerate(columns, start=1):
        base = REPEAT_SUFFIX.sub("", name)
        label = repr(base) if base == name else f"{base!r} (column {number})"
        if _fold(base) not in _READ:
            ignored.append(label)
        elif _fold(base) in read:
            repeats[name] = read[_fold(base)]
        else:
            read[_fold(base)] = name
    notes = [f"ignored columns: {first_few(ignored, 20)}"] if ignored else []
    if repeats:
        listed = ", ".join(
            f"{REPEAT_SUFFIX.sub('', n)!r} (column {columns.index(n) + 1})" for n in repeats
        )
        notes.append(f"{REPEATED_NOTE}: {listed}")
    return read, repeats, notes


def read_unodc(path: Path, options: ReadOptions) -> ReadResult:
    """Read the UNODC drug-seizure export (xlsx or csv) into a seizure table.

    See the module docstring for the mapping and the accounting rules.
    """
    import polars as pl

    from sahel_core.normalize import normalize
    from sahel_core.reference import unodc_drug

    path = Path(path)
    if options.locale is not None:
        from sahel_core.numbers import locale_language

        locale_language(options.locale)  # An unknown locale is the caller's mistake.
    try:
        if path.read_bytes()[:4] == b"PK\x03\x04":
            frame, numbers, header_row, ragged = _frame_xlsx(path)
        else:
            frame, numbers, header_row, ragged = _frame_csv(path, options)
    except OSError as exc:
        raise FormatError(
            f"cannot read the file: {exc.strerror or exc}", source=path.name
        ) from None
    # Asked after the header is found: a register named "seizures.xlsx" is no UNODC export
    # (NotThisFormat), whatever entity is asked of it. Entity names are read in any case.
    if options.entity is not None and options.entity.lower() != "seizure":
        raise FormatError(
            "a UNODC seizure export carries seizures only",
            source=path.name,
            field="entity",
            value=options.entity,
        )
    found, repeats, layout_notes = _layout(frame.columns)
    names = {key: found.get(key) for key in _READ}
    col = {key: pl.col(name) if name else pl.lit(None, pl.String) for key, name in names.items()}
    number = {name: i for i, name in enumerate(frame.columns, start=1)}

    frame = frame.with_columns(pl.Series("__row", numbers, dtype=pl.Int64))
    # Distinct kilogram strings → decimal text or a reason.
    kg_text = col["kilograms"].str.strip_chars()
    distinct = frame.select(kg_text.alias("k")).drop_nulls().unique()["k"].to_list()
    parsed = {k: _kilograms(k, options.locale) for k in distinct}
    kg_map = pl.DataFrame(
        {
            "__kg": list(parsed),
            "__kg_value": [v for v, _ in parsed.values()],
            "__kg_reason": [r for _, r in parsed.values()],
        },
        schema={"__kg": pl.String, "__kg_value": pl.String, "__kg_reason": pl.String},
    )
    frame = frame.with_columns(kg_text.alias("__kg")).join(
        kg_map, on="__kg", how="left", maintain_order="left"
    )
    # Distinct drug triples → vocabulary key.
    triple = ["__group", "__sub", "__name"]
    frame = frame.with_columns(
        col["druggroup"].alias("__group"),
        col["drugsubgroup"].alias("__sub"),
        col["drugname"].alias("__name"),
    )
    combos = frame.select(triple).unique()
    keys = [unodc_drug(g, s, n).key for g, s, n in combos.iter_rows()]
    frame = frame.join(
        combos.with_columns(pl.Series("__drug", keys, dtype=pl.String)),
        on=triple,
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )

    def squashed(expr: pl.Expr) -> pl.Expr:
        return expr.str.to_lowercase().str.replace_all(r"[^a-z]+", "")

    def blank(cell: pl.Expr) -> pl.Expr:
        return cell.is_null() | (cell.str.strip_chars() == "")

    def fault(
        test: pl.Expr, field: str | None, value: pl.Expr | None, reason: str | pl.Expr
    ) -> pl.Expr:
        return pl.when(test).then(pl.struct(
            field=pl.lit(field, pl.String),
            value=pl.lit(None, pl.String) if value is None else value,
            reason=pl.lit(reason) if isinstance(reason, str) else reason,
        ))  # fmt: skip

    is_header = (squashed(col["mscode"]) == "mscode") & (squashed(col["kilograms"]) == "kilograms")
    faults = [fault(is_header, None, None, "repeated header row")]
    for again, first in repeats.items():
        differ, reason = disagreement(
            pl.col(first), pl.col(again),
            f"column {number[first]} ({first})",
            f"column {number[again]} ({REPEAT_SUFFIX.sub('', again)})",
        )  # fmt: skip
        faults.append(fault(differ, REPEAT_SUFFIX.sub("", again), pl.col(again), reason))
    faults += [
        fault(blank(col["kilograms"]), names["kilograms"], None, "no quantity reported"),
        fault(pl.col("__kg_reason").is_not_null(), names["kilograms"], pl.col("__kg"),
              pl.col("__kg_reason")),
        # UNODC's figures are totals per country and year: a row without either places
        # nothing, though the entity would take it without a place or a date.
        fault(blank(col["mscode"]) & blank(col["country"]), names["mscode"], None,
              "no country reported"),
        fault(blank(col["referenceyear"]), names["referenceyear"], None, "no year reported"),
    ]  # fmt: skip
    frame = frame.with_columns(pl.coalesce(faults).alias("__fault"))
    refused = frame.filter(pl.col("__fault").is_not_null())
    kept = frame.filter(pl.col("__fault").is_null())
    rejections = [
        Rejection(row=row, field=f["field"], value=f["value"], reason=f["reason"])
        for row, f in refused.select("__row", "__fault").iter_rows()
    ]
    drug_text = pl.concat_str([pl.col(c).fill_null("") for c in triple], separator=" | ")
    raw = kept.select(
        pl.col("__drug").alias("drug"),
        drug_text.alias("drug_text"),
        pl.col("__kg_value").alias("quantity"),
        pl.lit("kg").alias("quantity_unit"),
        pl.lit("exact").alias("quantity_qualifier"),
        pl.col("__kg").alias("quantity_text"),
        col["referenceyear"].str.strip_chars().alias("date"),
        # The code, else the name the reference data knows ("Mali", "Côte d'Ivoire").
        pl.when(blank(col["mscode"]))
        .then(col["country"].str.strip_chars())
        .otherwise(col["mscode"].str.strip_chars())
        .alias("country"),
    )
    by_name = set(kept.filter(blank(col["mscode"]))["__row"])
    table, refused_rows = normalize(
        raw, "seizure", source=path.name, locale="en", rows=kept["__row"]
    )
    rejections += [
        Rejection(
            row=r.row,
            field=names["country"]
            if r.field == "country" and r.row in by_name
            else names.get(_fold(_SOURCE_COLUMN.get(r.field or "", "")))
            or _SOURCE_COLUMN.get(r.field or "", r.field),
            value=r.value,
            reason=r.reason,
        )
        for r in refused_rows
    ]
    rejections = sorted([*rejections, *ragged], key=lambda r: r.row or 0)
    read = frame.height + len(ragged)
    notes = [
        f"header on row {header_row}; {read} non-empty rows below it",
        *layout_notes,
        *unused_mapping(options, "a UNODC export's columns are read by their names"),
    ]
    return ReadResult(
        format="unodc_seizures",
        source=str(path),
        tables={"seizure": table},
        read=read,
        rejections=rejections,
        notes=notes,
    )


@hookimpl
def sahel_register_formats() -> Iterable[FormatSpec]:
    """The ``unodc_seizures`` format (read only)."""
    return [
        FormatSpec(
            name="unodc_seizures",
            description=(
                "UNODC 'Drug seizures' export (dataUNODC, xlsx or csv): one seizure per row, "
                "kilograms per country, drug and year"
            ),
            extensions=(),
            media_types=(),
            entities=("seizure",),
            read=read_unodc,
            sniff=sniff_unodc,
        )
    ]
