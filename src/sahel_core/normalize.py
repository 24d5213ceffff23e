"""Raw text tables → canonical typed tables, vectorized, with one rejection per refused row.

A reader hands :func:`normalize` a frame of text columns already renamed to canonical names
(:mod:`sahel_core.headers`); columns may be missing. Every parser runs once per DISTINCT value
(or distinct combination of values) and its results are joined back, so the cost follows the
number of different spellings, not the number of rows. Plain numbers in the locale's notation
("2,7" with ``locale="fr"``) skip Python altogether: a regular expression and a cast.

Each row either becomes a row of the canonical table (:func:`sahel_core.tables.schema`) or is
rejected with exactly one :class:`~sahel_core.specs.Rejection` naming its first bad field (in
the table's column order), the raw value and the reason. Rows are numbered as a spreadsheet user
sees them: with the header on row 1 the first data row is row 2 (``row_offset``); a reader that
found the header lower, or skipped lines, gives each row's number (``rows``).

Choices, documented here so they are predictable:

* Cells that are empty or only whitespace are missing values. Free text (titles, localities,
  ``*_text``, quotes) is kept exactly as written; values that are parsed or looked up (numbers,
  units, codes, dates, countries, drugs) are stripped first.
* A figure (``quantity``, ``value``...) whose magnitude cell is empty is absent, whatever its
  unit cell says. With a ``*_qualifier`` column (the canonical layout) the figure is read as
  written; otherwise the magnitude cell may carry qualifier words and a unit ("plus de 2,7
  tonnes"), read by :func:`sahel_core.quantities.parse_amount` /
  :func:`sahel_core.money.parse_money`. ``*_text`` keeps the cell as written.
* ``sources``: from a ``sources`` column (JSON, the canonical layout) when there is one;
  otherwise the document cited in the row's ``source`` column (a URL or a file name), then the
  file and row the record was read from: ``SourceRef(file=source, row=n)``.
* A missing ``id`` becomes ``"<file stem>:<row>"``, stable for a given file; a repeated ``id``
  (given or generated: "t:3" given on row 2 of ``t.csv`` is repeated by row 3 without one)
  rejects every row after the first that carries it.
* Lists of text (``agencies``, ``countries``...) are a JSON list or items separated by ``;``.
  Lists of records (``sources``, ``stated_values``, ``places``) are JSON; a cell in exactly the
  form sahel_core writes is decoded by polars in one pass, any other is checked record by
  record with :func:`sahel_core.serialization.structure`.
* Sums of money read their currency with the row's country and date: "FCFA" is XAF in a CEMAC
  country (Chad), XOF elsewhere; "ouguiya" is MRO or MRU by the date.
* Countries become ISO3 codes and drugs vocabulary keys (the cell is kept in ``drug_text``);
  an unknown one rejects the row. Agencies become the key of the reference agency (the row's
  country settles shared names such as "OCRTIS"); an unknown or ambiguous agency is kept as
  written. Donors become the id of the reference donor ("EU" and "European Union" one donor,
  "Japan" and "JPN" ``JPN``), an unknown one kept as written, each once per cell. A table with
  every canonical column was written by sahel_core and is already normalized: its agency and
  donor names are kept as they are, and without a ``locale`` its numbers are read as
  sahel_core writes them (a decimal point, no grouping: "16.134"), so it reads back unchanged.
* A count whose column counts one thing only is in that unit when no unit is given: ``30``
  participants or arrested are 30 ``person``, institutions ``institution``. Other figures
  (quantities, values) need their unit or currency, in their own column or in the cell.
* Figures in the canonical layout are vectorized too: a plain magnitude with a known
  qualifier and plain (or no) bounds never reaches Python; the default bounds are those of
  :func:`sahel_core.qualifiers.default_bounds`. Only other cells (words, odd notation, bad
  values) are parsed one distinct combination at a time.
* Large inputs are normalized in batches of :data:`_BATCH` rows (a repeated id is still found
  across batches), so the working columns of one batch, not of the whole input, sit beside
  the table being built.
* A lookup whose every result is the cell itself (codes, keys and units already canonical)
  or one value for all cells takes the column as it is instead of joining its results.
"""

from __future__ import annotations

import enum
import json
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cache, partial
from pathlib import PurePath
from typing import Any

import attrs
import polars as pl

from sahel_core._threads import in_threads
from sahel_core.dates import PartialDate
from sahel_core.entities import MAX_COUNT, Place
from sahel_core.errors import AmbiguousInput, SahelError, StructureError
from sahel_core.headers import SOURCE
from sahel_core.money import Money, _is_iso_code, _iso_codes
from sahel_core.qualifiers import APPROX_TOLERANCE, MAX_DECIMAL_PLACES, Qualifier
from sahel_core.quantities import Amount
from sahel_core.specs import Rejection
from sahel_core.tables import DECIMAL_PRECISION, DECIMAL_SCALE, entity_type, schema

__all__ = ["blank_to_null", "hand_over", "normalize"]

DECIMAL = pl.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE)
_FAULT = pl.Struct({"field": pl.String, "value": pl.String, "reason": pl.String})
#: Every character Python's str.strip() removes (str.isspace()), which the model's checks use:
#: polars' strip_chars() keeps U+001C to U+001F, so a cell of those would pass as text here
#: and fail as blank in the entity.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _iso_day(cell: pl.Expr, *, padded: bool = True) -> pl.Expr:
    """The day of a cell written YYYY-MM-DD (also YYYY-M-D unless ``padded``), else null.
    Years 1 to 9999 only, as Python's dates: polars reads "0000-01-01" too, and a table
    holding it cannot be read back."""
    part = "{2}" if padded else "{1,2}"
    shape = rf"^[0-9]{{4}}-[0-9]{part}-[0-9]{part}$"
    iso = cell.str.contains(shape) & ~cell.str.starts_with("0000")
    return pl.when(iso).then(cell.str.to_date("%Y-%m-%d", strict=False))


def _decimal(value: Decimal) -> pl.Expr:
    # From text: a Decimal literal makes polars import numpy (a tenth of a second).
    return pl.lit(str(value)).cast(DECIMAL)


_ONE_MINUS_TOLERANCE = _decimal(1 - APPROX_TOLERANCE)
_ONE_PLUS_TOLERANCE = _decimal(1 + APPROX_TOLERANCE)
# Below this, Python's 28-digit context computes the approx bounds exactly, as polars does.
_EXACT_APPROX = _decimal(Decimal(10) ** 17)
_QUALIFIERS = pl.Enum([q.value for q in Qualifier])


class _Refused(Exception):
    """A value that cannot go into the table: which column, the raw value, why."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.field, self.value, self.reason = field, value, reason


def _text_of(value: Any) -> str | None:
    return None if value is None else str(value)


def normalize(
    raw: pl.DataFrame,
    entity: str | type,
    *,
    source: str,
    locale: str | None = None,
    row_offset: int = 2,
    rows: Sequence[int] | pl.Series | None = None,
    blanks: bool = True,
    consume: bool = False,
) -> tuple[pl.DataFrame, list[Rejection]]:
    """Turn ``raw`` (text columns named canonically) into ``entity``'s canonical table.

    ``source`` names the file in generated ids and ``sources``; ``locale`` ("fr", "en"...)
    settles number notation; the first data row is ``row_offset``, or each row's number is
    given in ``rows`` (readers that skip blank lines). Blank cells are made null first
    (:func:`blank_to_null`); a reader that did so already passes ``blanks=False``. Returns the
    table of accepted rows and one :class:`~sahel_core.specs.Rejection` per refused row, so
    ``raw.height == table.height + len(rejections)`` (the height ``raw`` had, when it is
    consumed). Bad values never raise.

    With ``consume``, the caller hands ``raw`` over: its columns are dropped from it (it is
    left empty) once it is cut into batches, so that each batch's cells are freed as soon as
    that batch is done rather than when the whole input is. Give it a frame no one else holds
    (a reader's own), since a frame sharing the cells keeps them in memory all the same.
    """
    cls = entity_type(entity)
    if locale is not None:
        from sahel_core.numbers import locale_language

        locale_language(locale)  # An unknown locale is the caller's mistake, not the rows'.
    if rows is None:
        numbers = pl.int_range(row_offset, row_offset + raw.height, dtype=pl.Int64, eager=True)
    else:
        numbers = pl.Series(list(rows) if not isinstance(rows, pl.Series) else rows, dtype=pl.Int64)
        if numbers.len() != raw.height:
            raise ValueError("rows must number every row of raw")  # A reader's bug.
    columns = [c for c in raw.columns if c in schema(cls) or c == SOURCE]
    text = raw.select(pl.col(c).cast(pl.String) for c in columns)
    if blanks:
        text = blank_to_null(text)
    # Large inputs go through in batches: the working frame of one batch, not of the whole
    # file, is in memory beside the table. Only repeated ids look across batches.
    repeats = _repeated_ids(text, source or "input", numbers) if "id" in text.columns else None
    # Each batch's cells are taken out when it starts: with nothing else holding the input,
    # they are freed when the batch is done.
    pieces = {start: text.slice(start, _BATCH) for start in range(0, max(text.height, 1), _BATCH)}
    del text
    if consume:
        hand_over(raw)

    def batch(start: int) -> tuple[pl.DataFrame, list[Rejection]]:
        return _Normalizer(
            pieces.pop(start),
            cls,
            source or "input",
            locale,
            numbers.slice(start, _BATCH),
            None if repeats is None else repeats.slice(start, _BATCH),
        ).run()

    if len(pieces) > 1:
        # Two batches at a time (in_threads): much of a batch's polars work runs on one core,
        # so the other core works on the next batch (at 1M rows: 11 % less time, the same
        # CPU, ~15 MB more peak memory). The lookups are thread-safe (their caches hold
        # finished objects); the reference data is loaded first so that the threads do not
        # each build it.
        from sahel_core.reference import default

        default()
    done = in_threads([partial(batch, start) for start in pieces], _AT_ONCE)
    tables = [table for table, _ in done]
    rejections = [rejection for _, refused in done for rejection in refused]
    return pl.concat(tables, rechunk=False) if len(tables) > 1 else tables[0], rejections


def hand_over(frame: pl.DataFrame) -> None:
    """Empty ``frame`` in place (every column dropped from it), so that its cells are freed as
    soon as no other frame holds them: how a caller hands its frame over (``consume``)."""
    for name in frame.columns:
        frame.drop_in_place(name)


#: Counts whose column counts one thing only: a count without a unit is of that thing.
_COUNTS = {"participants": "person", "institutions": "institution", "arrested": "person"}

#: Rows normalized at a time, and how many batches at once.
_BATCH = 1 << 17
_AT_ONCE = 2


def _repeated_ids(text: pl.DataFrame, source: str, rows: pl.Series) -> pl.Series | None:
    """Which rows repeat the id of an earlier row, or ``None`` when no id repeats. A row
    without an id has the one it will be given (:func:`_generated_id`), which a given id may
    repeat."""
    given = pl.col("id").str.strip_chars()
    if text["id"].null_count():
        text = text.with_columns(rows.alias("__row"))
        given = pl.coalesce(given, _generated_id(source))
    # As many distinct hashes as ids proves there is no repeat, far faster than marking the
    # first of each id (done only when some hashes repeat).
    distinct, count = text.select(
        given.drop_nulls().hash().n_unique().alias("distinct"), given.count().alias("count")
    ).row(0)
    if distinct == count:
        return None
    return text.select(~(given.is_first_distinct() | given.is_null())).to_series()


def _generated_id(source: str) -> pl.Expr:
    """The id of a row without one: ``"<file stem>:<row>"`` (the ``__row`` column)."""
    return pl.format("{}:{}", pl.lit(PurePath(source).stem or source), pl.col("__row"))


def blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (text columns) with every cell that is empty or only whitespace made null.

    A column without such a cell is kept as it is, not copied: most have none.
    """
    if not frame.width:
        return frame

    def blank(cell: pl.Expr) -> pl.Expr:
        return cell.str.strip_chars(WHITESPACE) == ""

    # Only a cell that sorts among the cells starting with whitespace, or is empty, can be
    # blank: comparing strings is a fraction of the cost of stripping them.
    found = frame.select(
        blank(pl.col(c).filter(_may_be_blank(pl.col(c)))).any().alias(c) for c in frame.columns
    ).row(0)
    return frame.with_columns(
        pl.when(blank(pl.col(c))).then(None).otherwise(pl.col(c)).alias(c)
        for c, any_blank in zip(frame.columns, found, strict=True)
        if any_blank
    )


def _unjoined(
    keys: Sequence[str], lookup: pl.DataFrame, outputs: Sequence[str], tag: str
) -> tuple[pl.Expr | None, list[pl.Expr]] | None:
    """The results of a lookup on one text column as expressions on that column, when each
    output is the cell itself or one value for every cell: a file whose codes, keys and units
    are already canonical needs no join. ``None`` when one does. The outputs come with the
    refused flag (``None`` when no cell is refused), a column to add first: they read it."""
    if len(keys) != 1 or lookup.schema[keys[0]] != pl.String:
        return None
    cell = pl.col(keys[0])
    refused = pl.col(f"{tag}!reason").is_not_null()
    accepted = lookup.filter(~refused)
    same = accepted.get_column(keys[0])
    columns = []
    for name in outputs:
        values = accepted.get_column(name)
        if values.dtype == pl.String and values.equals(same, check_names=False):
            columns.append(cell.alias(name))
        elif values.dtype in (pl.String, pl.Boolean) and values.n_unique() <= 1:
            one = values[0] if len(values) else None
            columns.append(pl.lit(one, values.dtype).alias(name))
        else:
            return None
    bad = lookup.filter(refused).get_column(keys[0])
    if not len(bad):
        return None, columns
    named = bad.drop_nulls()
    # A few refused spellings are cheaper compared one by one than looked up in a set.
    if len(named) <= 3:
        flag = pl.any_horizontal(pl.lit(False), *(cell == value for value in named))
    else:
        flag = cell.is_in(named.implode())
    if bad.null_count():
        flag = flag | cell.is_null()
    refused_here = pl.col(f"{tag}!refused")
    return flag.alias(f"{tag}!refused"), [
        pl.when(refused_here).then(None).otherwise(c).alias(c.meta.output_name()) for c in columns
    ]


def _spread(selected: pl.DataFrame, mask: pl.Series) -> pl.DataFrame:
    """The rows of ``selected``, one per row where ``mask`` holds, put back at those rows of a
    frame as long as ``mask``: nulls elsewhere. Most rows are usually left out (figures that
    are not plain numbers, dates that are not ISO): the selected values are written over
    columns of nulls, not gathered for every row."""
    rows = mask.arg_true()
    columns = []
    for column in selected.get_columns():
        if column.dtype.is_nested():  # polars cannot scatter lists: gather, nulls at the end
            position = mask.cast(pl.Int64).cum_sum() - 1
            outside = pl.repeat(len(column), len(mask), dtype=pl.Int64, eager=True)
            padded = column.extend_constant(None, 1)
            columns.append(padded.gather(position.zip_with(mask, outside)))
        else:
            empty = pl.Series(column.name, dtype=column.dtype).extend_constant(None, len(mask))
            columns.append(empty if column.dtype == pl.Null else empty.scatter(rows, column))
    return pl.DataFrame(columns)


def _may_be_blank(cell: pl.Expr) -> pl.Expr:
    """Whether a cell is empty or starts in a range of characters holding every character of
    :data:`WHITESPACE`: below "!" (ASCII) or from U+0085 on. Two comparisons, not the three
    that would also leave out cells from U+3001 on: the few such cells are tested exactly."""
    return (cell < "!") | (cell >= "\u0085")


class _Normalizer:
    """One normalization: a working frame that gains result and fault columns field by field."""

    def __init__(
        self,
        raw: pl.DataFrame,
        cls: type,
        source: str,
        locale: str | None,
        rows: pl.Series,
        repeats: pl.Series | None = None,
    ) -> None:
        self.cls = cls
        self.repeats = repeats  # rows repeating an earlier id (of the whole input)
        self.schema = schema(cls)
        self.source = source
        self.locale = locale
        self.present = {c for c in raw.columns if c in self.schema or c == SOURCE}
        # A table with every canonical column was written by sahel_core: its names are
        # already normalized and must read back unchanged.
        self.canonical = set(self.schema) <= self.present
        if locale is None and self.canonical:
            # sahel_core writes numbers with a decimal point and no grouping ("16.134"): read
            # its own tables back in that notation, not as ambiguous ("16134 or 16.134?").
            self.locale = "en"
        columns = [pl.col("__row")]
        for name in [*self.schema, SOURCE]:
            if name in raw.columns:
                columns.append(pl.col(name))
            else:
                columns.append(pl.lit(None, pl.String).alias(name))
        # The row numbers go in first so that a frame without columns keeps its height.
        base = (
            raw.with_columns(rows.alias("__row")) if raw.width else rows.alias("__row").to_frame()
        )
        self.df = base.select(columns)
        self.out: dict[str, pl.Expr] = {}
        self.faults: list[tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]] = []
        # The refused keys of each lookup, with the fault's field, value and reason.
        self.details: list[tuple[list[str], pl.DataFrame]] = []
        self.tags: dict[str, str] = {}
        self._tags = 0

    # -- machinery ---------------------------------------------------------------------------

    def distinct(
        self,
        keys: Sequence[str],
        batch: Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...] | _Refused]],
        outputs: Mapping[str, Any],
        *,
        where: pl.Expr | None = None,
    ) -> str:
        """Run ``batch`` on the distinct ``keys`` combinations and join its results back.

        Returns the prefix of the new columns (``prefix + output name``). A refused key adds a
        fault for every row carrying it. Rows outside ``where`` get nulls.
        """
        self._tags += 1
        tag = f"__{self._tags}_"
        # Only the key columns are filtered, made unique and joined: doing that to the whole
        # working frame would copy every column it has gathered so far, once per lookup.
        cells = self.df.select(keys)
        mask = None if where is None else self.df.select(where.fill_null(False)).to_series()
        if mask is not None:
            if not mask.any():  # often: no row needs the lookup; null columns cost nothing
                self.df = self.df.with_columns(
                    pl.lit(None, dtype).alias(f"{tag}{name}") for name, dtype in outputs.items()
                )
                return tag
            cells = cells.filter(mask)
        # One column: the expression's unique, a third of the frame's.
        uniq = cells.unique() if len(keys) > 1 else cells.select(pl.col(keys[0]).unique())
        found = batch(list(uniq.iter_rows()))
        width = len(outputs)
        records: list[tuple[Any, ...]] = []
        for result in found:
            if isinstance(result, _Refused):
                records.append(
                    (None,) * width + (result.field, _text_of(result.value), result.reason)
                )
            else:
                records.append((*result, None, None, None))
        names: dict[str, Any] = {f"{tag}{k}": v for k, v in outputs.items()}
        details = [f"{tag}!field", f"{tag}!value", f"{tag}!reason"]
        names.update(dict.fromkeys(details, pl.String))
        results = pl.DataFrame(records, schema=names, orient="row")
        lookup = pl.concat([uniq, results], how="horizontal")
        refused = lookup.filter(pl.col(f"{tag}!reason").is_not_null())
        # Each row gets the outputs and a flag; the text of a fault is looked up again later
        # for the refused rows only (three text columns over every row would cost memory).
        flag = pl.col(f"{tag}!reason").is_not_null().alias(f"{tag}!refused")
        kept = [c for c in names if c not in details]
        unjoined = None if mask is not None else _unjoined(keys, lookup, kept, tag)
        if unjoined is not None:
            flagged, columns = unjoined
            if flagged is not None:
                self.df = self.df.with_columns(flagged)
            self.df = self.df.with_columns(columns)
        else:
            looked = cells.join(
                lookup.select(*keys, *kept, flag)
                if refused.height
                else lookup.select(*keys, *kept),
                on=list(keys),
                how="left",
                nulls_equal=True,
                maintain_order="left",
            ).drop(keys)
            if mask is not None:
                looked = _spread(looked, mask)
            self.df = self.df.with_columns(looked.get_columns())
        if refused.height:
            self.details.append((list(keys), refused.select(*keys, *details)))
            self.fault(
                pl.col(f"{tag}!refused").fill_null(False),
                pl.col(f"{tag}!field"),
                pl.col(f"{tag}!value"),
                pl.col(f"{tag}!reason"),
            )
        return tag

    def each(
        self,
        keys: Sequence[str],
        fn: Callable[..., tuple[Any, ...]],
        outputs: Mapping[str, Any],
        *,
        where: pl.Expr | None = None,
    ) -> str:
        """:meth:`distinct` with a function called once per key combination."""

        def batch(combos: list[tuple[Any, ...]]) -> list[tuple[Any, ...] | _Refused]:
            results: list[tuple[Any, ...] | _Refused] = []
            for combo in combos:
                try:
                    results.append(fn(*combo))
                except _Refused as refused:
                    # A copy that was never raised: the raised one holds frames (its
                    # traceback, its context's) that tie this whole working frame in a
                    # cycle, alive until the collector next runs.
                    results.append(_Refused(refused.field, refused.value, refused.reason))
                except SahelError as exc:
                    # Single-column lookups: the fault is in that column, whatever the
                    # parser calls it; callers that know better raise _Refused themselves.
                    results.append(_Refused(keys[0], combo[0], exc.message))
            return results

        return self.distinct(keys, batch, outputs, where=where)

    def fault(
        self, when: pl.Expr, field: str | pl.Expr, value: pl.Expr, reason: str | pl.Expr
    ) -> None:
        """Record a fault for the rows where ``when`` holds (the first fault of a row wins)."""
        field_expr = pl.lit(field) if isinstance(field, str) else field
        reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
        self.faults.append((when, field_expr, value.cast(pl.String), reason_expr))

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> tuple[pl.DataFrame, list[Rejection]]:
        hints = _hints(self.cls)
        # Places and dates first: currencies depend on the country ("FCFA" is XAF in Chad)
        # and on the date (the ouguiya was redenominated in 2018).
        early = [n for n, h in hints.items() if h is Place or n == "country" or h is PartialDate]
        for name in [*early, *(n for n in hints if n not in early)]:
            self.field(name, hints[name])
        # Which rows have a fault is a cheap test on the whole frame; which fault comes first,
        # and its text, are worked out on the faulty rows only (usually a few).
        faulty = pl.any_horizontal(pl.lit(False), *(w.fill_null(False) for w, *_ in self.faults))
        frame = self.df.with_columns(faulty.alias("__faulty"))
        refused = self.first_fault(frame.filter(pl.col("__faulty")))
        rejections = [
            Rejection(row=row, field=field, value=value, reason=reason)
            for row, field, value, reason in refused.iter_rows()
        ]
        # The rows are filtered before the columns are built (a lazy plan pushes the filter
        # down to the columns they use): filtering the working frame would copy every column
        # it has, filtering the finished table would copy the table (lists are costly).
        outputs = [self.out[c].cast(dtype).alias(c) for c, dtype in self.schema.items()]
        kept = frame.lazy().filter(~pl.col("__faulty")) if rejections else frame.lazy()
        # On one batch the in-memory engine, the filter left where it is, takes half the CPU
        # of the default streaming plan (at 1M rows: 0.1 s less CPU, 0.07 s less time).
        table = kept.select(outputs).collect(
            engine="in-memory", optimizations=pl.QueryOptFlags(predicate_pushdown=False)
        )
        return table, rejections

    def first_fault(self, bad: pl.DataFrame) -> pl.DataFrame:
        """``__row``, field, value and reason of each row's fault on the column that comes
        first in the table (of the faults on one column, the first recorded).

        Faults, their ranks and the best rank are materialized column by column: nesting the
        expressions in one another grows the plan quadratically.
        """
        if not self.faults:
            return bad.select(pl.col("__row"), pl.lit(None, _FAULT).struct.unnest())
        for keys, refused in self.details:
            bad = bad.join(refused, on=keys, how="left", nulls_equal=True, maintain_order="left")
        positions = {c: i for i, c in enumerate(self.schema)}
        last = len(positions)
        faults = [f"__fault{i}" for i in range(len(self.faults))]
        bad = bad.with_columns(
            pl.when(when).then(pl.struct(field=field, value=value, reason=reason)).alias(name)
            for (when, field, value, reason), name in zip(self.faults, faults, strict=True)
        )
        bad = bad.with_columns(
            pl.col(n)
            .struct.field("field")
            .replace_strict(positions, default=last, return_dtype=pl.Int64)
            .fill_null(last)
            .alias(f"{n}_rank")
            for n in faults
        )
        bad = bad.with_columns(
            pl.min_horizontal(
                [pl.when(pl.col(n).is_not_null()).then(pl.col(f"{n}_rank")) for n in faults]
            ).alias("__best")
        )
        first = pl.coalesce(
            [pl.when(pl.col(f"{n}_rank") == pl.col("__best")).then(pl.col(n)) for n in faults]
        )
        return bad.select(pl.col("__row"), first.struct.unnest())

    def field(self, name: str, hint: Any) -> None:
        if hint is Amount or hint is Money:
            self.figure(name, hint)
        elif hint is PartialDate:
            self.date(name)
        elif hint is Place:
            self.place()
        elif typing.get_origin(hint) is tuple:
            item = typing.get_args(hint)[0]
            if item is str:
                self.text_list(name)
            elif name == "sources" and "sources" not in self.present:
                self.provenance()
            else:
                self.records(name, item)
        elif isinstance(hint, type) and issubclass(hint, enum.Enum):
            self.choice(name, hint)
        elif hint is int:
            self.count(name)
        elif name == "id":
            self.identifier()
        elif name in ("country", "alpha3"):
            self.country(name, required=self.required(name))
        elif name == "drug":
            self.drug()
        elif name == "agency":
            self.agency()
        else:
            self.text(name)

    def required(self, name: str) -> bool:
        return attrs.fields_dict(self.cls)[name].default is attrs.NOTHING

    def missing(self, name: str) -> None:
        self.fault(pl.col(name).is_null(), name, pl.col(name), f"{name} is required")

    # -- text, codes and vocabulary ----------------------------------------------------------

    def text(self, name: str) -> None:
        if self.required(name):
            self.missing(name)
        self.out[name] = pl.col(name)
        if name == "drug_text" and name not in self.present:
            self.out[name] = pl.col("drug")  # What the source called it, before the lookup.
        elif name == "key" and self.cls.__name__ == "Agency":
            self.out[name] = pl.coalesce(pl.col(name), self.out["acronym"])

    def identifier(self) -> None:
        given = pl.col("id").str.strip_chars()
        generated = _generated_id(self.source)
        # Spelling out an id for every row costs time even where the file gives one.
        every = "id" in self.present and not self.df["id"].null_count()
        self.out["id"] = given if every else pl.coalesce(given, generated)
        if self.repeats is not None:
            self.df = self.df.with_columns(self.repeats.alias("__id_repeat"))
            self.fault(
                pl.col("__id_repeat"), "id", pl.col("id"), "repeats the id of an earlier row"
            )

    def country(self, name: str, *, required: bool = False) -> None:
        if required:
            self.missing(name)
        tag = self.each(
            [name],
            lambda v: (None if v is None else _country(v.strip()),),
            {"code": pl.String},
        )
        self.tags[name] = tag
        self.out[name] = pl.col(f"{tag}code")
        if name == "country":
            self.df = self.df.with_columns(pl.col(f"{tag}code").alias("__country"))

    def drug(self) -> None:
        self.missing("drug")
        tag = self.each(
            ["drug"], lambda v: (None if v is None else _drug(v.strip()),), {"key": pl.String}
        )
        self.out["drug"] = pl.col(f"{tag}key")

    def agency(self) -> None:
        if self.canonical:
            self.out["agency"] = pl.col("agency")
            return
        # The row's country settles agencies that share a name ("OCRTIS" in Niger, Senegal).
        country = "country" if "country" in self.present else None
        keys = ["agency", f"{self.tags['country']}code"] if country else ["agency"]
        tag = self.each(
            keys,
            lambda v, c=None: (None if v is None else _agency(v.strip(), c),),
            {"key": pl.String},
        )
        self.out["agency"] = pl.col(f"{tag}key")

    def choice(self, name: str, kind: type[enum.Enum]) -> None:
        default = attrs.fields_dict(self.cls)[name].default
        fallback = None if default is attrs.NOTHING else getattr(default, "value", default)

        def pick(value: str | None) -> tuple[str | None]:
            if value is None:
                if fallback is None:
                    raise _Refused(name, None, f"{name} is required")
                return (fallback,)
            key = _fold(value)
            for member in kind:
                if key in (_fold(str(member.value)), _fold(member.name)):
                    return (str(member.value),)
            choices = ", ".join(str(m.value) for m in kind)
            raise _Refused(name, value, f"not one of {choices}")

        tag = self.each([name], pick, {"value": pl.String})
        self.out[name] = pl.col(f"{tag}value")

    def count(self, name: str) -> None:
        def whole(value: str | None) -> tuple[int | None]:
            if value is None:
                return (None,)
            number = self.number(name, value)
            if number < 0 or number != number.to_integral_value():
                raise _Refused(name, value, "expected a whole number >= 0")
            if number > MAX_COUNT:  # The column is Int64: a larger count cannot be stored.
                raise _Refused(name, value, f"too large a count (at most {MAX_COUNT})")
            return (int(number),)

        tag = self.each([name], whole, {"value": pl.Int64})
        self.out[name] = pl.col(f"{tag}value")

    def place(self) -> None:
        self.country("country")
        self.fault(
            pl.col("country").is_null() & pl.col("locality").is_not_null(),
            "country",
            pl.col("country"),
            "a locality needs a country",
        )
        self.out["locality"] = pl.col("locality")

    # -- numbers and figures -----------------------------------------------------------------

    def number(self, field: str, text: str) -> Decimal:
        """One number written in the locale's notation; refused with ``field`` named."""
        try:
            return _parse_number(text.strip(), self.locale)
        except SahelError as exc:
            raise _Refused(field, text, exc.message) from None

    def plain(self, column: str) -> pl.Expr:
        """The column as Decimal where it is a plain number in the locale's notation, else null.

        Only unambiguous shapes: digits, optionally the locale's decimal mark and up to
        :data:`MAX_DECIMAL_PLACES` digits; everything else (spaces around the number too)
        goes through the Python parser.
        """
        text = pl.col(column)
        mark = _decimal_mark(self.locale)
        plain = text.str.contains(rf"^\d{{1,28}}({re.escape(mark)}\d{{1,{MAX_DECIMAL_PLACES}}})?$")
        if self.locale is None:
            # parse_number reads "2.500" as ambiguous without a locale: leave it to it.
            plain = plain & ~text.str.contains(r"^[1-9]\d{0,2}\.\d{3}$")
        text_dot = text.str.replace(mark, ".", literal=True) if mark != "." else text
        return pl.when(plain).then(text_dot.cast(DECIMAL, strict=False))

    def regroup(self, cell: str, parsed: str) -> None:
        """Read the cells of ``cell`` that :meth:`plain` left unread (``parsed`` null) with
        :meth:`grouped`, in bulk: a register written by hand ("1 234,5") can have hundreds of
        thousands of different figures, too many for the Python parser one by one."""
        if self.df[parsed].null_count() == self.df[cell].null_count():
            return  # every cell was read (or is empty)
        left = self.df.select(pl.col(parsed).is_null() & pl.col(cell).is_not_null())
        rows = left.to_series().arg_true()
        values = self.df.select(pl.col(cell).gather(rows)).select(self.grouped(cell)).to_series()
        read = values.is_not_null()
        if read.any():
            column = self.df[parsed].scatter(rows.filter(read), values.filter(read))
            self.df = self.df.with_columns(column.alias(parsed))

    def grouped(self, column: str) -> pl.Expr:
        """The column as Decimal where it is a number with grouped thousands, or with the
        other decimal sign than the locale's, read as :func:`~sahel_core.numbers.parse_number`
        reads it; else null (the Python parser then reads the cell).

        Spaces group thousands; "," and "." both present: the last is the decimal sign; one
        sign used twice or more groups thousands; one sign used once is the decimal sign,
        unless the number could also be grouped thousands ("2,700"): then the locale says,
        and without one only ",000" is read (as thousands).
        """
        text = pl.col(column)
        lead, places = r"[1-9]\d{0,2}", rf"\d{{1,{MAX_DECIMAL_PLACES}}}"

        def read(pattern: str, group: str, decimal: str) -> pl.Expr:
            digits = text.str.replace_all(group, "") if group else text
            if decimal == ",":
                digits = digits.str.replace(",", ".", literal=True)
            return pl.when(text.str.contains(pattern)).then(digits.cast(DECIMAL, strict=False))

        cases = [
            read(rf"^{lead}([ \u00a0\u202f]\d{{3}})+([.,]{places})?$", r"[ \u00a0\u202f]", ","),
            read(rf"^{lead}(\.\d{{3}})+,{places}$", r"\.", ","),
            read(rf"^{lead}(,\d{{3}})+\.{places}$", ",", "."),
            read(rf"^{lead}(\.\d{{3}}){{2,}}$", r"\.", "."),
            read(rf"^{lead}(,\d{{3}}){{2,}}$", ",", "."),
            # One sign once, where it cannot be grouped thousands: "2.75", "1234,5", "0,500".
            pl.when(~text.str.contains(rf"^{lead}[.,]\d{{3}}$")).then(
                read(rf"^\d{{1,28}}[.,]{places}$", "", ",")
            ),
        ]
        mark = _decimal_mark(self.locale) if self.locale is not None else None
        for sign in ".,":
            ambiguous = rf"^{lead}{re.escape(sign)}\d{{3}}$"
            if mark is None:
                if sign == ",":  # "70,000": nobody pads a whole number with decimal zeros
                    cases.append(read(rf"^{lead},000$", ",", "."))
            elif sign == mark:
                cases.append(read(ambiguous, "", sign))
            else:
                cases.append(read(ambiguous, re.escape(sign), "."))
        return pl.coalesce(cases)

    def figure(self, name: str, kind: type) -> None:
        part = "unit" if kind is Amount else "currency"
        unit, qual, low, high, text = (
            f"{name}_{p}" for p in (part, "qualifier", "low", "high", "text")
        )
        if not self.present & {name, unit, qual, low, high, text}:
            for column in (name, unit, qual, low, high, text):
                self.out[column] = pl.lit(None, self.schema[column])
            return
        # Money depends on where and when: "FCFA" is XAF in Chad, the ouguiya changed in 2018.
        context = [c for c in ("__country", "__on") if kind is Money and c in self.df.columns]
        working = list(self.df.columns)
        units = self.units(kind, unit, context)
        if name in _COUNTS:
            units = pl.coalesce(units, pl.lit(_COUNTS[name]))
        tag = f"__{name}_"
        # The parsed cells are columns first: expressions that repeat them would parse each
        # cell once per use.
        self.df = self.df.with_columns(
            self.plain(name).alias(f"{tag}fast"),
            self.plain(low).alias(f"{tag}given_low"),
            self.plain(high).alias(f"{tag}given_high"),
            pl.col(qual).str.strip_chars().alias(f"{tag}stated"),
        )
        for cell, parsed in ((name, f"{tag}fast"), (low, f"{tag}given_low"),
                             (high, f"{tag}given_high")):  # fmt: skip
            self.regroup(cell, parsed)
        magnitude = pl.col(f"{tag}fast")
        given_low, given_high = pl.col(f"{tag}given_low"), pl.col(f"{tag}given_high")
        stated = pl.col(f"{tag}stated")
        # The stated qualifier as an Enum (null when none is stated or it is not one): the tests
        # below compare small integers, not text, row by row.
        self.df = self.df.with_columns(stated.cast(_QUALIFIERS, strict=False).alias(f"{tag}code"))
        code = pl.col(f"{tag}code")

        def said(*qualifiers: Qualifier) -> pl.Expr:
            return pl.any_horizontal(code == q.value for q in qualifiers)

        no_bounds = pl.col(low).is_null() & pl.col(high).is_null()
        # No qualifier: the cell is read as a figure on its own (parse_amount): a plain number
        # is exact, its bounds the number itself (bound cells, if any, must equal it).
        simple = stated.is_null()
        simple_ok = (pl.col(low).is_null() | (given_low == magnitude)) & (
            pl.col(high).is_null() | (given_high == magnitude)
        )
        # The "approx" bounds are products, the costliest columns of a figure: they are
        # computed on the rows that take them only, not on every row and mostly thrown away.
        approx = (~simple & no_bounds & said(Qualifier.APPROX)).fill_null(False)
        taken = self.df.select(approx).to_series()
        products = (
            self.df.select(magnitude)
            .filter(taken)
            .select(
                (magnitude * _ONE_MINUS_TOLERANCE).alias(f"{tag}approx_low"),
                (magnitude * _ONE_PLUS_TOLERANCE).alias(f"{tag}approx_high"),
            )
        )
        self.df = self.df.with_columns(_spread(products, taken).get_columns())
        # The canonical layout, vectorized: bounds as given, else as the qualifier implies
        # (qualifiers.default_bounds; "approx" is ±10 % rounded half-even to 9 places, as
        # polars rounds decimal products, exact in Python below 10**17).
        low_value = (
            pl.when(simple)
            .then(magnitude)
            .when(~no_bounds)
            .then(given_low)
            .when(said(Qualifier.APPROX))
            .then(pl.col(f"{tag}approx_low"))
            .when(said(Qualifier.EXACT, Qualifier.AT_LEAST, Qualifier.MORE_THAN))
            .then(magnitude)
            .when(said(Qualifier.AT_MOST, Qualifier.LESS_THAN))
            .then(_decimal(Decimal(0)))
        )
        high_value = (
            pl.when(simple)
            .then(magnitude)
            .when(~no_bounds)
            .then(given_high)
            .when(said(Qualifier.APPROX))
            .then(pl.col(f"{tag}approx_high"))
            .when(said(Qualifier.EXACT, Qualifier.AT_MOST, Qualifier.LESS_THAN))
            .then(magnitude)
        )
        qualified_ok = (
            code.is_not_null()
            & (pl.col(low).is_null() | given_low.is_not_null())
            & (pl.col(high).is_null() | given_high.is_not_null())
            & (~said(Qualifier.RANGE) | (pl.col(low).is_not_null() & pl.col(high).is_not_null()))
            & (~said(Qualifier.APPROX) | ~no_bounds | (magnitude < _EXACT_APPROX))
            & (pl.col(f"{tag}low").is_null() | (pl.col(f"{tag}low") <= magnitude))
            & (pl.col(f"{tag}high").is_null() | (pl.col(f"{tag}high") >= magnitude))
        )  # fmt: skip
        self.df = self.df.with_columns(
            pl.when(simple).then(pl.lit(Qualifier.EXACT.value)).otherwise(stated)
            .alias(f"{tag}q"),
            low_value.alias(f"{tag}low"),
            high_value.alias(f"{tag}high"),
        )  # fmt: skip
        fast = magnitude.is_not_null() & pl.when(simple).then(simple_ok).otherwise(qualified_ok)
        self.df = self.df.with_columns(fast.fill_null(False).alias(f"{tag}ok"))
        slow = self.each(
            [name, unit, qual, low, high, *context],
            lambda *cells: self.slow_figure(kind, name, *cells),
            {"m": DECIMAL, "unit": pl.String, "q": pl.String, "low": DECIMAL, "high": DECIMAL},
            where=pl.col(name).is_not_null() & ~pl.col(f"{tag}ok"),
        )
        ok = pl.col(f"{tag}ok")
        present = pl.col(name).is_not_null()

        def pick(fast_value: pl.Expr, slow_value: str) -> pl.Expr:
            # A row read fast has its cell (ok needs the magnitude); the slow columns are
            # null where the cell is empty (they are looked up where it is not).
            return pl.when(ok).then(fast_value).otherwise(pl.col(f"{slow}{slow_value}"))

        figure = {
            name: pick(magnitude, "m"),
            unit: pick(units, "unit"),
            qual: pick(pl.col(f"{tag}q"), "q"),
            low: pick(pl.col(f"{tag}low"), "low"),
            high: pick(pl.col(f"{tag}high"), "high"),
        }
        # The figure's columns are built now and the intermediate ones dropped, so the
        # working frame does not carry a dozen columns per figure to the end.
        kept = [*working, f"{tag}!unitless"]
        self.df = self.df.with_columns(
            *(expr.alias(f"{tag}={column}") for column, expr in figure.items()),
            (ok & units.is_null()).alias(f"{tag}!unitless"),
        )
        self.df = self.df.select(
            c for c in self.df.columns if c in kept or c.endswith("!refused") or "=" in c
        )
        self.fault(pl.col(f"{tag}!unitless"), unit, pl.col(unit), f"a {name} needs a {part}")
        self.out.update({column: pl.col(f"{tag}={column}") for column in figure})
        self.out[text] = pl.when(present).then(pl.col(text if text in self.present else name))

    def units(self, kind: type, unit: str, context: Sequence[str]) -> pl.Expr:
        """The canonical unit (or currency code) of each row, looked up once per distinct cell.

        Only currency words whose code depends on the row's country or date ("FCFA",
        "ouguiya") are looked up per distinct (cell, country, date): a register of a million
        rows has a few currencies but thousands of (country, date) pairs.
        """

        def free(cell: str | None) -> tuple[Any, ...]:
            if cell is None:
                return (None, False)
            if kind is Amount or not context:
                return (_unit_of(kind, cell.strip(), None, None), False)
            try:
                code = _currency(cell.strip(), None, None)
            except AmbiguousInput:  # a redenominated word: it needs the date
                return (None, True)
            if code != _currency(cell.strip(), _cemac_member(), None):
                return (None, True)  # a CFA franc word: XOF or XAF by the country
            return (code, False)

        tag = self.each([unit], free, {"unit": pl.String, "context": pl.Boolean})
        if not context:
            return pl.col(f"{tag}unit")

        def canonical(cell: str, country: str | None = None, on: Any = None) -> tuple[Any]:
            return (_unit_of(kind, cell.strip(), country, on),)

        placed = self.each(
            [unit, *context], canonical, {"unit": pl.String}, where=pl.col(f"{tag}context")
        )
        return pl.coalesce(pl.col(f"{tag}unit"), pl.col(f"{placed}unit"))

    def slow_figure(
        self,
        kind: type,
        name: str,
        cell: str,
        unit_cell: str | None,
        qual_cell: str | None,
        low_cell: str | None,
        high_cell: str | None,
        country: str | None = None,
        on: Any = None,
    ) -> tuple[Any, ...]:
        """One figure that is not a plain exact number: qualifier words, bounds, units inside."""
        part = "unit" if kind is Amount else "currency"
        fields = {
            "magnitude": name,
            "amount": name,
            # Without a unit cell, a unit that does not fit is in the figure's cell ("5 kg").
            part: name if unit_cell is None else f"{name}_{part}",
            "qualifier": f"{name}_qualifier",
            "low": f"{name}_low",
            "high": f"{name}_high",
        }
        cells = {
            name: cell,
            f"{name}_{part}": unit_cell,
            f"{name}_qualifier": qual_cell,
            f"{name}_low": low_cell,
            f"{name}_high": high_cell,
        }
        if unit_cell is None:
            unit = _COUNTS.get(name)
        else:
            unit = _unit_of(kind, unit_cell.strip(), country, on)
        try:
            if qual_cell is not None:
                # The canonical layout: every part in its own column.
                if unit is None:
                    raise _Refused(f"{name}_{part}", None, f"a {name} needs a {part}")
                figure = kind(
                    self.number(name, cell),
                    unit,
                    qual_cell.strip(),
                    None if low_cell is None else self.number(f"{name}_low", low_cell),
                    None if high_cell is None else self.number(f"{name}_high", high_cell),
                )
            else:
                figure = _parse_figure(kind, cell.strip(), unit, self.locale, country, on)
                # Without a qualifier the cell states the figure whole: bound cells given
                # beside it must be its bounds, not be dropped.
                for bound, given in (("low", low_cell), ("high", high_cell)):
                    if given is not None and self.number(f"{name}_{bound}", given) != getattr(
                        figure, bound
                    ):
                        raise _Refused(
                            f"{name}_{bound}",
                            given,
                            f"not the {bound} bound of {cell.strip()!r}: give a {name}_qualifier",
                        )
        except _Refused:
            raise
        except SahelError as exc:
            column = fields.get(exc.field or "", name)
            raise _Refused(column, cells.get(column) or cell, exc.message) from None
        value = figure.magnitude if kind is Amount else figure.amount
        return (value, getattr(figure, part), figure.qualifier.value, figure.low, figure.high)

    # -- dates -------------------------------------------------------------------------------

    def date(self, name: str) -> None:
        earliest, latest = f"{name}_earliest", f"{name}_latest"
        # A full ISO date ("2021-03-24", what registers mostly hold) is that one day, as
        # parse_date reads it; polars reads those, the parser the rest.
        cell = pl.col(name)  # with spaces around, it is left to the parser
        day = f"__{name}_day"
        # Read once per distinct cell: a register holds a few thousand days in many more rows.
        days = self.df.select(cell.unique()).with_columns(_iso_day(cell).alias(day))
        looked = self.df.select(cell).join(days, on=name, how="left", maintain_order="left")
        self.df = self.df.with_columns(looked.get_column(day))
        tag = self.distinct(
            [name],
            lambda combos: _parse_dates(name, combos),
            {"earliest": pl.Date, "latest": pl.Date},
            where=pl.col(name).is_not_null() & pl.col(earliest).is_null() & pl.col(day).is_null(),
        )
        iso = {c: _iso_day(pl.col(c).str.strip_chars(), padded=False) for c in (earliest, latest)}
        for column, parsed in iso.items():
            self.fault(
                pl.col(column).is_not_null() & parsed.is_null(),
                column,
                pl.col(column),
                "not an ISO date (YYYY-MM-DD)",
            )
        self.fault(
            iso[latest] < iso[earliest],
            latest,
            pl.col(latest),
            "a date range ends before it starts",
        )
        # An interval needs its start (a PartialDate has no open start): dropping the given end
        # would lose it without a word.
        self.fault(
            pl.col(earliest).is_null() & pl.col(latest).is_not_null(),
            latest,
            pl.col(latest),
            f"a {latest} needs a {earliest}",
        )
        given = pl.col(earliest).is_not_null()
        self.out[name] = pl.col(name)
        self.out[earliest] = (
            pl.when(given)
            .then(iso[earliest])
            .otherwise(pl.coalesce(pl.col(day), pl.col(f"{tag}earliest")))
        )
        self.out[latest] = (
            pl.when(given)
            .then(iso[latest])
            .otherwise(pl.coalesce(pl.col(day), pl.col(f"{tag}latest")))
        )
        if name == "date":
            self.df = self.df.with_columns(self.out[earliest].alias("__on"))

    # -- lists and nested records ------------------------------------------------------------

    def text_list(self, name: str) -> None:
        # As agencies: a table sahel_core wrote keeps its donors as they are.
        donors = name == "donors" and not self.canonical

        def split(cell: str | None) -> tuple[list[str]]:
            if cell is None:
                return ([],)
            items = _text_items(name, cell)
            if name == "countries":
                items = [_country(item.strip()) for item in items]
            elif donors:  # "EU;European Union" is one donor
                items = list(dict.fromkeys(_donor(item.strip()) for item in items))
            return (items,)

        tag = self.each([name], split, {"items": pl.List(pl.String)})
        self.out[name] = pl.col(f"{tag}items").fill_null([])

    def records(self, name: str, item: type) -> None:
        """Lists of records as JSON text: vectorized when the text is exactly what sahel_core
        writes, checked record by record (per distinct cell) otherwise."""
        from sahel_core.tabular import json_text

        dtype = self.schema[name]
        if name not in self.present:
            self.out[name] = pl.lit([], dtype)
            return
        cells = pl.col(name)
        try:
            decoded = self.df.select(cells.str.json_decode(dtype)).to_series()
        except pl.exceptions.PolarsError:
            decoded = pl.Series(name, [None] * self.df.height, dtype=dtype)
        # polars' decoder is lenient (unknown keys dropped, bad dates nulled): a cell is taken
        # as decoded only when encoding the result gives the cell back exactly, and when each
        # of its records passes the model's rules (_valid_records); any other cell goes to the
        # model, which names its fault.
        self.df = self.df.with_columns(decoded.alias(f"__{name}_fast"))
        fast = pl.col(f"__{name}_fast")
        valid = _valid_records(item)
        exact = (
            (
                (json_text(fast) == cells) & fast.list.eval(valid.fill_null(False)).list.all()
            ).fill_null(False)
            if valid is not None
            else pl.lit(False)
        )
        self.df = self.df.with_columns(exact.alias(f"__{name}_exact"))
        tag = self.each(
            [name],
            lambda cell: (_records(name, item, cell),),
            {"items": dtype},
            where=cells.is_not_null() & ~pl.col(f"__{name}_exact"),
        )
        self.out[name] = (
            pl.when(pl.col(f"__{name}_exact"))
            .then(fast)
            .otherwise(pl.col(f"{tag}items"))
            .fill_null(pl.lit([], dtype))
        )

    def provenance(self) -> None:
        """``sources`` when the file has no such column: the cited document, then file and row."""
        dtype = self.schema["sources"]
        assert isinstance(dtype, pl.List)
        struct = dtype.inner
        assert isinstance(struct, pl.Struct)
        names = [f.name for f in struct.fields]

        def ref(**given: pl.Expr) -> pl.Expr:
            return pl.struct(
                [given.get(n, pl.lit(None)).cast(struct.to_schema()[n]).alias(n) for n in names]
            )

        here = ref(file=pl.lit(self.source), row=pl.col("__row"))
        if SOURCE not in self.present:
            self.out["sources"] = pl.concat_list([here])
            return
        cited = pl.col(SOURCE).str.strip_chars()
        is_url = cited.str.contains(_URL.pattern)
        citation = ref(url=pl.when(is_url).then(cited), file=pl.when(~is_url).then(cited))
        # Lists of two structs built row-wise (concat_list) are very slow in polars; a long
        # frame grouped by row is not.
        long = pl.concat(
            [
                self.df.filter(cited.is_not_null()).select(
                    "__row", pl.lit(0).alias("__k"), citation.alias("__ref")
                ),
                self.df.select("__row", pl.lit(1).alias("__k"), here.alias("__ref")),
            ]
        )
        grouped = (
            long.sort("__row", "__k")
            .group_by("__row", maintain_order=True)
            .agg(pl.col("__ref").alias("__sources"))
        )
        self.df = self.df.join(grouped, on="__row", how="left", maintain_order="left")
        self.out["sources"] = pl.col("__sources")


# -- what each cell parser needs from the rest of sahel_core ------------------------------------


def _hints(cls: type) -> dict[str, Any]:
    from sahel_core.tables import _hints as hints  # One reading of the entity fields.

    return hints(cls)


def _fold(text: str) -> str:
    from sahel_core.headers import fold

    return fold(text)


@cache
def _decimal_mark(locale: str | None) -> str:
    if locale is None:
        return "."
    from babel.core import UnknownLocaleError
    from babel.numbers import get_decimal_symbol

    try:
        return get_decimal_symbol(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return "."


def _parse_number(text: str, locale: str | None) -> Decimal:
    from sahel_core.numbers import parse_number

    return parse_number(text, locale=locale)


def _parse_figure(
    kind: type, text: str, unit: str | None, locale: str | None, country: str | None, on: Any
) -> Any:
    """An Amount or Money from a cell that may hold qualifier words and a unit."""
    if kind is Amount:
        from sahel_core.quantities import parse_amount

        return parse_amount(text, unit=unit, locale=locale)
    from sahel_core.money import parse_money

    return parse_money(text, currency=unit, locale=locale, country=country, on=on)


def _unit_of(kind: type, text: str, country: str | None, on: Any) -> str:
    """The canonical unit of an amount, or the ISO 4217 code of a sum of money."""
    if kind is Amount:
        return _unit(text)
    return _currency(text, country, on)


@cache
def _unit(text: str) -> str:
    from sahel_core.quantities import canonical_unit

    return canonical_unit(text)


@cache
def _cemac_member() -> str:
    """A country where the CFA franc is XAF, to tell which currency words depend on it."""
    from sahel_core.reference import grouping

    return min(grouping("cemac"))


@cache
def _currency(text: str, country: str | None, on: Any) -> str:
    from sahel_core.money import canonical_currency

    return canonical_currency(text, country=country, on=on)


def _country(text: str) -> str:
    from sahel_core.reference import country

    return country(text).alpha3


def _drug(text: str) -> str:
    from sahel_core.reference import drug

    return drug(text).key


def _agency(text: str, country: str | None) -> str:
    """The key of a known agency; an unknown or ambiguous one is kept as written."""
    from sahel_core.reference import agency

    try:
        return agency(text, country).key
    except SahelError:  # unknown (ReferenceNotFound) or ambiguous (AmbiguousInput)
        return text


def _donor(text: str) -> str:
    """The id of a known donor; an unknown one is kept as written."""
    from sahel_core.reference import donor

    try:
        return donor(text).id
    except SahelError:
        return text


def _parse_dates(name: str, combos: list[tuple[Any, ...]]) -> list[tuple[Any, ...] | _Refused]:
    from sahel_core.dates import parse_dates_distinct

    texts = [combo[0] for combo in combos]
    parsed = parse_dates_distinct(texts)
    results: list[tuple[Any, ...] | _Refused] = []
    for text in texts:
        value = parsed[text]
        if isinstance(value, PartialDate):
            results.append((value.earliest, value.latest))
        else:
            results.append(_Refused(name, text, value.message))
    return results


def _text_items(name: str, cell: str) -> list[str]:
    """A JSON list of strings, or items separated by ``;``."""
    if cell.lstrip().startswith("["):
        try:
            items = json.loads(cell)
        except (ValueError, RecursionError) as exc:  # "[[[[..." nested past the stack
            raise _Refused(name, cell, f"not a JSON list: {exc}") from None
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise _Refused(name, cell, "expected a list of non-empty texts")
        return items
    return [item.strip() for item in cell.split(";") if item.strip()]


def _valid_records(item: type) -> pl.Expr | None:
    """A test of one decoded record (``pl.element()``) that only records the model accepts
    pass: a source cites a url or a file, counts are >= 0, a span has both ends in order,
    dates are Python's; a sum of money is >= 0 in a well-formed code, its qualifier known and
    its bounds settled around it; a place names an ISO3 country. Stricter than the model where
    that is simpler (the model then reads the record); ``None`` for a kind without one."""
    from sahel_core.entities import SourceRef, _iso3_codes

    record = pl.element().struct

    def text(name: str) -> pl.Expr:
        return record.field(name).is_null() | (record.field(name).str.strip_chars(WHITESPACE) != "")

    def day(name: str) -> pl.Expr:
        return record.field(name).is_null() | record.field(name).dt.year().is_between(1, 9999)

    if item is SourceRef:
        counts = [record.field(c).is_null() | (record.field(c) >= 0) for c in ("row", "line")]
        start, end = record.field("start"), record.field("end")
        span = (start.is_null() & end.is_null()) | ((start >= 0) & (end >= start))
        cited = record.field("url").is_not_null() | record.field("file").is_not_null()
        return pl.all_horizontal(
            text("url"), text("file"), cited, *counts, span, day("published"), day("retrieved")
        )
    if item is Money:
        amount, low, high = (record.field(c) for c in ("amount", "low", "high"))
        qualifier = record.field("qualifier")
        open_high = qualifier.is_in([Qualifier.AT_LEAST.value, Qualifier.MORE_THAN.value])
        return pl.all_horizontal(
            amount >= 0,
            record.field("currency").is_in(sorted(_iso_codes())),
            qualifier.is_in([q.value for q in Qualifier]),
            low.is_between(0, amount),
            (high >= amount) | (high.is_null() & open_high),
        )
    if item is Place:
        return record.field("country").is_in(sorted(_iso3_codes())) & text("locality")
    return None


def _records(name: str, item: type, cell: str | None) -> list[dict[str, Any]] | None:
    """A JSON list of records (``sources``, ``places``...) checked by the entity model."""
    if cell is None:
        return None
    from sahel_core.serialization import structure
    from sahel_core.tables import _record

    try:
        data = json.loads(cell, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise _Refused(name, cell, f"not JSON: {exc}") from None
    try:
        built: tuple[Any, ...] = structure(data, tuple[item, ...])  # type: ignore[valid-type]
    except StructureError as exc:
        path, message, _ = exc.errors[0] if exc.errors else ("$", exc.message, None)
        raise _Refused(name, cell, f"{path}: {message}") from None
    for index, record in enumerate(built):
        # A sum of money names a currency ISO 4217 lists, as a value_currency cell must.
        if isinstance(record, Money) and not _is_iso_code(record.currency):
            raise _Refused(name, cell, f"$[{index}].currency: unknown currency {record.currency!r}")
    result: list[dict[str, Any]] = [_record(record) for record in built]
    return result
