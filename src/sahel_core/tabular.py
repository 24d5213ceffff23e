"""What the table-like formats share: header mapping, text cells, formulas.

The CSV and XLSX formats use these helpers, and so can a plugin's format (the example plugin's
Markdown tables do): the format does only what is its own, finding the table and its cells, and
this module does the rest.

Reading: a frame of text cells with the file's headers → :func:`read_table` maps the headers
(:mod:`sahel_core.headers`), guesses the entity when the caller did not say, skips rows with no
value at all, normalizes units, dates, countries, drugs and money
(:func:`sahel_core.normalize.normalize`) and rejects bad rows with their row numbers.

Finding the header: registers saved from a spreadsheet often have a title, or a row of column
groups, over the header. :class:`HeaderSearch` takes, of a table's first
:data:`HEADER_SEARCH_ROWS` rows, the one naming the most known columns (two at least; the first
of equals), and never a row past data: once a row with values is under a header, that header
stays, so a summary table further down does not take its rows away.

Writing: :func:`text_table` turns a canonical table into text cells: decimals as plain numbers
("2.7", never "2.700000000" nor "2,7"), dates as ISO, lists and records as JSON.

Formula neutralization (CSV injection, OWASP): a text cell starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return is written with a leading ``'`` so a spreadsheet shows it as text
instead of running it, unless the whole cell is a number ("-12.5", "+3", "1e5"): a spreadsheet
reads those as numbers and runs nothing. A cell that already starts with ``'`` followed by one of
those characters (or another ``'``) gets a second quote, so reading strips exactly one quote and
gives back the original text: :func:`unneutralize` is the exact inverse of :func:`neutralize`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from attrs import define, field

from sahel_core.errors import FormatError
from sahel_core.specs import ReadOptions, ReadResult, Rejection

if TYPE_CHECKING:
    from sahel_core.headers import HeaderMap

__all__ = [
    "FORMULA_TRIGGERS",
    "HEADER_SEARCH_ROWS",
    "MISFIT_NOTE",
    "REPEATED_NOTE",
    "HeaderSearch",
    "disagreement",
    "filled_width",
    "first_few",
    "float_text",
    "guess_entity",
    "json_text",
    "misfit_notes",
    "needs_quote",
    "neutralize",
    "neutralize_cell",
    "read_table",
    "repeated_rows",
    "text_table",
    "unique_headers",
    "unneutralize",
    "unused_mapping",
]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = "=+-@\t\r"

_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_TRIGGER = r"^[=+\-@\t\r]"
_QUOTED = r"^'[=+\-@\t\r']"


def needs_quote(column: pl.Expr) -> pl.Expr:
    """True where a text cell must be prefixed with ``'`` (see the module docstring)."""
    return (column.str.contains(_TRIGGER) & ~column.str.contains(_NUMBER)) | column.str.contains(
        _QUOTED
    )


def neutralize(column: pl.Expr) -> pl.Expr:
    """Text cells made safe for spreadsheets: formulas prefixed with ``'``."""
    return pl.when(needs_quote(column)).then(pl.lit("'") + column).otherwise(column)


def unneutralize(column: pl.Expr) -> pl.Expr:
    """The inverse of :func:`neutralize`: strip the one ``'`` it added."""
    return pl.when(column.str.contains(_QUOTED)).then(column.str.slice(1)).otherwise(column)


def neutralize_cell(value: str) -> str:
    """:func:`neutralize` for one Python string."""
    return pl.select(neutralize(pl.lit(value, pl.String))).item()  # type: ignore[no-any-return]


def text_table(table: pl.DataFrame) -> pl.DataFrame:
    """Every column of a canonical table as text a person and :func:`read_table` can read.

    Decimals print without trailing zeros, dates as ISO, lists and records as compact JSON; a
    null stays null (an empty cell), an empty list is ``[]``. The result has the same columns
    and rows, every column a string: a writer writes the cells as they are (one for
    spreadsheets first passes them through :func:`neutralize`), and :func:`read_table` reads
    them back to the same table.
    """
    columns = []
    for name, dtype in table.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Decimal):
            digits = col.cast(pl.String)
            text = (
                pl.when(digits.str.contains(".", literal=True))
                .then(digits.str.replace(r"\.?0+$", ""))
                .otherwise(digits)
            )
        elif isinstance(dtype, pl.List | pl.Struct | pl.Array):
            text = json_text(col)
        else:
            text = col.cast(pl.String)
        columns.append(text.alias(name))
    return table.select(columns)


def float_text(value: float) -> str:
    """A number a spreadsheet stores as a float, as the decimal the spreadsheet shows and
    writes in its CSV copy: to 15 significant digits, the most it keeps, so that the binary
    noise of a figure typed or summed is gone (0.0003500000000000001 is 0.00035, 0.1 + 0.2
    is 0.3), written out ("1e-09" is "0.000000001"). A whole number up to 2**53, which a
    float holds exactly (an ID a script wrote as a float), is read whole."""
    if value.is_integer() and abs(value) <= 2**53:
        return str(int(value))
    return format(Decimal(format(value, ".15g")), "f")


def typed_number_text(text: pl.Expr, locale: str | None) -> pl.Expr:
    """``text``, numbers a file stores as numbers (an xlsx cell, a Parquet column) written
    with a decimal point ("1234.5", "1.234"), in the notation :func:`read_table` reads as
    those very numbers in ``locale``: with a decimal comma, a comma ("1,234" in French, never
    1,234 units); with a decimal point, as written; otherwise (no locale, or a sign such as
    "٫"), a figure that would also read as grouped thousands gets a trailing zero ("1.2340"),
    so a typed number is never refused as ambiguous nor read as thousands."""
    from sahel_core.normalize import _decimal_mark

    mark = _decimal_mark(locale)
    if mark == ",":
        return text.str.replace(".", mark, literal=True)
    if mark == "." and locale is not None:
        return text
    return (
        pl.when(text.str.contains(r"^-?[1-9][0-9]{0,2}\.[0-9]{3}$"))
        .then(text + "0")
        .otherwise(text)
    )


def json_text(column: pl.Expr) -> pl.Expr:
    """A list or struct column as compact JSON text (decimals as strings, dates as ISO)."""
    # json_encode works on structs: wrap the value and cut the wrapper off again.
    wrapped = pl.struct(column.alias("v")).struct.json_encode()
    return pl.when(column.is_not_null()).then(wrapped.str.slice(5, wrapped.str.len_chars() - 6))


def guess_entity(headers: Sequence[str], options: ReadOptions) -> str:
    """The entity named in ``options``, else the one whose columns the headers match best."""
    from sahel_core.tables import entity_type

    if options.entity is not None:
        return entity_type(options.entity).__name__.lower()
    return _best_fit(headers, options.mapping).entity


#: How many rows at the top of a table may hold titles before the header.
HEADER_SEARCH_ROWS = 20


def _header_score(cells: Sequence[str | None], options: ReadOptions) -> int:
    """How many known columns a row names, were it the header: 0 for fewer than two cells."""
    from sahel_core.headers import map_headers

    headers = [c for c in cells if c]
    if len(headers) < 2:
        return 0
    try:
        return map_headers(headers, guess_entity(headers, options), options.mapping).score
    except LookupError:
        return 0


@define
class HeaderSearch:
    """Which of a table's first rows is its header (see the module docstring): each row is
    shown to :meth:`see` in turn, from row 1, until :attr:`settled`; :attr:`at` is then the
    header's row number (0 when no row names two known columns) and :attr:`cells` its cells."""

    options: ReadOptions
    at: int = 0
    cells: list[str | None] = field(factory=list)
    #: Whether a row with values is under the header: no later row can take its place.
    settled: bool = False
    _best: int = 0
    _named: list[int] = field(factory=list)  # rows naming two known columns or more
    _filled: list[int] = field(factory=list)  # rows with a value, up to the header

    def see(self, number: int, cells: Sequence[str | None], *, candidate: bool = True) -> None:
        """Row ``number``; not ``candidate`` for a row that is never a header (HXL hashtags)."""
        if self.settled:
            return
        filled = filled_width(cells) > 0
        if candidate and filled and number <= HEADER_SEARCH_ROWS:
            score = _header_score(cells, self.options)
        else:
            score = 0
        if score >= 2:
            self._named.append(number)
        if score >= 2 and score > self._best:
            self.at, self.cells, self._best = number, list(cells), score
        elif self.at and filled:
            self.settled = True
        if filled and not self.settled:
            self._filled.append(number)

    def notes(self) -> list[str]:
        """A note naming the rows above a header that is not on row 1: not read, they are
        titles, but one naming columns may head a table of its own, whose data go unread."""
        if self.at <= 1:
            return []
        above = [
            f"row {n}" + (" (names known columns)" if n in self._named else "")
            for n in self._filled
            if n < self.at
        ]
        passed = f"; not read above it: {first_few(above, 5)}" if above else ""
        return [f"header on row {self.at} (names the most known columns){passed}"]


def _best_fit(headers: Sequence[str], mapping: Mapping[str, str]) -> HeaderMap:
    """The mapping of ``headers`` onto the entity they match best (ties go to seizures, the
    main record of the field)."""
    from sahel_core.headers import map_headers

    fits = _fits(headers, mapping)
    if not fits:
        # Every entity refused the mapping: let the seizure mapping raise the useful error.
        map_headers(headers, "seizure", mapping)
    return max(fits, key=lambda fit: (fit.score, fit.entity == "seizure"))


def _fits(headers: Sequence[str], mapping: Mapping[str, str]) -> list[HeaderMap]:
    """The mapping of ``headers`` onto each entity that takes the user's ``mapping``."""
    from sahel_core.entities import ENTITY_TYPES
    from sahel_core.headers import map_headers

    fits: list[HeaderMap] = []
    for name in ENTITY_TYPES:
        try:
            fits.append(map_headers(headers, name, mapping))
        except LookupError:  # The user mapping names a column this entity lacks.
            continue
    return fits


#: The words of the note that says a file read as the entity asked for is another's.
MISFIT_NOTE = "as asked, but its columns are"


def misfit_notes(asked: HeaderMap, fits: Sequence[HeaderMap]) -> list[str]:
    """A note when the columns of a file read as ``asked`` (the entity asked for) include
    none only that entity has, and some only another has (of ``fits``, the file's mapping
    onto each entity): a seizure register read as workshops gives "workshops" without
    participants, an indicator of empty rows. Columns every record has (id, date, country)
    tell nothing."""
    if _own(asked):
        return []
    others = [fit for fit in fits if fit.entity != asked.entity and _own(fit)]
    if not others:
        return []
    best = max(others, key=lambda fit: len(_own(fit)))
    own = _own(best)
    listed = ", ".join(own[:3]) + (", ..." if len(own) > 3 else "")
    return [
        f"read as {asked.entity} {MISFIT_NOTE} {_a(best.entity)} table's ({listed}), none "
        f"{_a(asked.entity)}'s own"
    ]


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _own(fit: HeaderMap) -> list[str]:
    """The canonical columns of ``fit`` that no other entity has."""
    return [c for c in fit.rename.values() if c in _own_columns()[fit.entity]]


@cache
def _own_columns() -> dict[str, frozenset[str]]:
    from sahel_core.entities import ENTITY_TYPES
    from sahel_core.tables import schema

    columns = {name: set(schema(name)) for name in ENTITY_TYPES}
    return {
        name: frozenset(mine - set().union(*(c for n, c in columns.items() if n != name)))
        for name, mine in columns.items()
    }


def read_table(
    raw: pl.DataFrame,
    path: Path,
    options: ReadOptions,
    *,
    format: str,
    rows: Sequence[int] | None = None,
    notes: Sequence[str] = (),
    refused: Sequence[Rejection] = (),
    consume: bool = False,
) -> ReadResult:
    """Map, clean and normalize a frame of text cells read from ``path``: a reader's result.

    ``raw`` has the file's headers as its column names and one row per record, each cell a
    string or null (an empty cell). ``options`` are the caller's
    :class:`~sahel_core.specs.ReadOptions` (entity, column mapping, locale) and ``format`` the
    format's name, which the result reports. ``rows`` gives each row's number as the user sees
    it, the line of the file or the spreadsheet row (defaults to 2, 3, ..., the header being
    row 1). ``notes`` are the reader's own (encoding, delimiter), listed before those on the
    columns. ``refused`` are the rows the reader refused before the frame (a row longer than
    its header, a date it cannot show): counted as read and rejected with the others.
    ``consume`` hands ``raw`` over (it is left empty), so that its cells are freed batch by
    batch as they are normalized (:func:`~sahel_core.normalize.normalize`): for a reader that
    reads the file into a frame of its own and has no more use for it.

    The table is of the entity ``options`` names, else of the one the headers match best. Rows
    with no value at all are skipped, not counted, and reported in the notes; a row with values
    only in ignored columns is read and rejected ("no value in a recognised column"). A header
    repeated (``drug`` twice) is compared with the first of its name: a row where their cells
    differ is rejected naming both (:func:`disagreement`).

    Returns a :class:`~sahel_core.specs.ReadResult` with that one table, its rejections and
    notes, and ``read == accepted + rejected``. Raises
    :class:`~sahel_core.errors.FormatError` when no header is a column of the entity, and
    :class:`~sahel_core.errors.ReferenceNotFound` when ``options.mapping`` names a column the
    entity does not have.
    """
    from sahel_core.headers import map_headers
    from sahel_core.normalize import blank_to_null, hand_over, normalize

    entity = guess_entity(raw.columns, options)
    header_map = map_headers(raw.columns, entity, options.mapping)
    misfits = (
        misfit_notes(header_map, _fits(raw.columns, options.mapping)) if options.entity else []
    )
    if not header_map.rename:
        raise FormatError(
            f"no column matches a {entity} field; name the columns with --map", source=str(path)
        )
    numbers = pl.Series(
        "row", list(rows) if rows is not None else range(2, raw.height + 2), dtype=pl.Int64
    )
    repeated, refused = repeated_rows(raw, numbers, header_map, refused)
    if repeated is not None:
        raw, numbers = raw.filter(~repeated), numbers.filter(~repeated)
    cells = raw.select([pl.col(h).cast(pl.String).alias(c) for h, c in header_map.rename.items()])
    cells = blank_to_null(cells)
    filled = pl.any_horizontal(pl.lit(False), *(pl.col(c).is_not_null() for c in cells.columns))
    keep = cells.select(filled).to_series()
    skipped = int((~keep).sum())
    unread: list[Rejection] = []
    if skipped:
        unread = _unread(raw, numbers, keep, [c for c in raw.columns if c not in header_map.rename])
        skipped -= len(unread)
        cells, numbers = cells.filter(keep), numbers.filter(keep)
    cells = cells.with_columns(
        [pl.lit(v, pl.String).alias(c) for c, v in header_map.defaults.items()]
    )
    height = cells.height
    if consume:
        # cells shares its buffers with raw: both must let go of them for a batch's cells to
        # be freed when the batch is done.
        hand_over(raw)
    table, rejections = normalize(
        cells,
        entity,
        source=path.name,
        locale=options.locale,
        rows=numbers,
        blanks=False,
        consume=consume,
    )
    if unread or refused:
        rejections = sorted([*rejections, *unread, *refused], key=lambda r: r.row or 0)
    result = ReadResult(
        format=format,
        source=str(path),
        tables={entity: table},
        read=height + len(unread) + len(refused),
        rejections=rejections,
        notes=[*misfits, *notes, *_notes(header_map, skipped)],
    )
    return result


def repeated_rows(
    raw: pl.DataFrame,
    numbers: pl.Series,
    header_map: HeaderMap,
    refused: Sequence[Rejection],
    positions: Mapping[str, int] | None = None,
    names: Mapping[str, str] | None = None,
) -> tuple[pl.Series | None, list[Rejection]]:
    """Which rows a repeated column (``drug`` twice) gives two different values, and
    ``refused`` with their rejections (:func:`disagreement`). ``positions`` numbers the
    columns as the file does, when ``raw`` holds some of them only; ``names`` gives a
    column's name in the file, when ``raw`` names it otherwise."""
    if not header_map.repeats:
        return None, list(refused)
    number = positions or {header: i for i, header in enumerate(raw.columns, start=1)}

    def label(column: str) -> str:
        name = (names or {}).get(column) or _label(column)
        return f"column {number[column]} ({name})"

    faults = []
    for again, first in header_map.repeats.items():
        differ, reason = disagreement(
            pl.col(first).cast(pl.String), pl.col(again).cast(pl.String), label(first), label(again)
        )
        fault = pl.struct(
            field=pl.lit(header_map.rename[first]),
            value=pl.col(again).cast(pl.String).str.strip_chars(),
            reason=reason,
        )
        faults.append(pl.when(differ).then(fault))
    found = raw.select(pl.coalesce(faults).alias("fault"), numbers.alias("row"))
    rejections = [
        Rejection(row=row, **fault)
        for fault, row in found.filter(pl.col("fault").is_not_null()).iter_rows()
    ]
    return found["fault"].is_not_null(), [*refused, *rejections]


def _label(header: str) -> str:
    """A header as the file writes it (:func:`unique_headers` names a repeat)."""
    from sahel_core.headers import REPEAT_SUFFIX

    return REPEAT_SUFFIX.sub("", header)


def _unread(
    raw: pl.DataFrame, numbers: pl.Series, keep: pl.Series, others: Sequence[str]
) -> list[Rejection]:
    """A rejection for each row left out of ``keep`` (no value in a mapped column) that has
    a value in one of the ``others`` columns (mapped to nothing): a row is only skipped as
    empty when it is blank in every column. Names the first such column and its cell."""
    from sahel_core.normalize import blank_to_null

    if not others:
        return []
    left = ~keep
    dropped = blank_to_null(raw.filter(left).select(pl.col(c).cast(pl.String) for c in others))
    first = pl.coalesce(
        pl.when(pl.col(c).is_not_null()).then(pl.struct(field=pl.lit(c), value=pl.col(c)))
        for c in others
    )
    found = dropped.select(numbers.filter(left).alias("row"), first.alias("cell")).filter(
        pl.col("cell").is_not_null()
    )
    return [
        Rejection(
            row=row,
            field=cell["field"],
            value=cell["value"],
            reason="no value in a recognised column (only in columns that are ignored)",
        )
        for row, cell in found.iter_rows()
    ]


def _notes(header_map: HeaderMap, skipped: int) -> list[str]:
    notes = [
        f"columns: {source} → {column}"
        for source, column in header_map.rename.items()
        if source != column
    ]
    if ignored := [h for h in header_map.ignored if h not in header_map.repeats]:
        notes.append("ignored columns: " + ", ".join(repr(h) for h in ignored))
    if header_map.repeats:
        listed = ", ".join(repr(_label(again)) for again in header_map.repeats)
        notes.append(f"{REPEATED_NOTE}: {listed}")
    if header_map.unmatched:
        listed = ", ".join(repr(source) for source in header_map.unmatched)
        notes.append(f"column mapping not used: no column {listed} in the file")
    for column, value in header_map.defaults.items():
        notes.append(f"{column} = {value!r} for every row (from the headers)")
    if skipped:
        notes.append(f"{skipped} empty row(s) skipped")
    return notes


#: The words of the note on repeated columns (every reader that compares them).
REPEATED_NOTE = (
    "repeated columns, compared with the first of their name (a row where they differ is rejected)"
)


def disagreement(
    first: pl.Expr, again: pl.Expr, first_label: str, again_label: str
) -> tuple[pl.Expr, pl.Expr]:
    """Where the cell ``again`` of a repeated column differs from the ``first`` of its name
    (stripped text; a blank repeat says nothing), and the reason: which of two figures is
    meant cannot be told, so the row is rejected, never guessed."""

    def filled(cell: pl.Expr) -> pl.Expr:
        cell = cell.str.strip_chars()
        return pl.when(cell != "").then(cell)

    one, other = filled(first), filled(again)
    quoted = pl.concat_str([pl.lit("'"), one, pl.lit("'")]).fill_null(pl.lit("an empty cell"))
    reason = pl.concat_str(
        [pl.lit(f"{again_label} disagrees with {first_label}: '"), other, pl.lit("', not "), quoted]
    )
    return other.is_not_null() & (one.is_null() | (one != other)), reason


def unused_mapping(options: ReadOptions, reads: str) -> list[str]:
    """The note of a reader that names its columns itself (``reads``: how it does) when a
    column mapping was asked for (``--map``): it is not applied, and says so."""
    if not options.mapping:
        return []
    pairs = ", ".join(f"{source} → {column}" for source, column in options.mapping.items())
    return [f"column mapping not used ({pairs}): {reads}"]


def first_few(items: Sequence[str], count: int, separator: str = ", ") -> str:
    """The first ``count`` of ``items`` joined, and how many more there are ("a, b (+3
    more)"): a note or a message that lists records, lines or columns stays readable."""
    more = f" (+{len(items) - count} more)" if len(items) > count else ""
    return separator.join(items[:count]) + more


def filled_width(cells: Sequence[object], at_least: int = 0) -> int:
    """How many of ``cells`` there are up to the last filled one (not None, nor text of only
    whitespace), ``at_least`` at the least. A spreadsheet pads rows: its CSV copy to the
    widest row, a sheet formatted out to its last column (XFD) to 16,384 empty cells; those
    are no cells of the table."""
    rest = cells[at_least:]
    if rest.count(None) == len(rest):  # count(): C speed over 16,384 padding cells
        return at_least
    end = len(cells)
    while end > at_least and (cells[end - 1] is None or str(cells[end - 1]).strip() == ""):
        end -= 1
    return end


def unique_headers(headers: Sequence[str]) -> list[str]:
    """Headers made distinct: a repeated ``X`` becomes ``X_duplicated_0``, ``X_duplicated_1``...

    (as polars names them), skipping a name that is already a header of the file.
    """
    taken = set(headers)
    counts: dict[str, int] = {}
    names = []
    for header in headers:
        if header not in counts:
            counts[header] = 0
            names.append(header)
            continue
        count = counts[header]
        while f"{header}_duplicated_{count}" in taken:
            count += 1
        counts[header] = count + 1
        name = f"{header}_duplicated_{count}"
        taken.add(name)
        names.append(name)
    return names
