"""Reconciliation: the same seizure reported by several sources becomes one event, with the
disagreements between the reports listed instead of silently settled.

"More than 2.7 tons of cannabis" seized in Bamako "in May 2016" on one page and "2.7 tons"
seized in Bamako "in May 2015" on another are one seizure reported twice. :func:`reconcile`
groups such records, merges each group into one row that keeps every source, and reports each
field on which the reports disagree (here the date and the quantity), so that indicators run on
:attr:`Reconciled.table` count every event once.

When two seizure records are the same event (every rule must hold; a record lacking the fact a
rule needs is never grouped):

* the same ``drug`` and the same ``country``; when both give a ``locality``, the same locality
  (compared without case or accents);
* compatible quantities: the same dimension, and the intervals ``[low, high]`` in base units
  (kg for masses) overlap once each is widened by ``tolerance`` (default 5 %: "2.7 t" and
  "more than 2.7 t" overlap, "2.7 t" and "2.8 t" too, "2.7 t" and "3 t" do not);
* dates at most ``months`` apart (default 12, a month counted as 30.44 days): the gap between
  the two date intervals, 0 when they overlap. Open dates ("since 2014") are statements about a
  period, not events, and are never grouped;
* different sources: records citing the same first source (file or URL) are taken as distinct
  events, since a register or a page does not list one seizure twice. A record read from a
  file without a ``source`` column cites that file, so a register split into yearly files
  would be several sources, whose rows could merge: name the files one source with
  ``same_source`` (``sahel reconcile --source register=seizures_2015.csv,seizures_2016.csv``)
  or cite the register in a ``source`` column, and the split register reconciles as the
  whole one does. ``same_source`` names what records cite: a key no record cites first (a
  typo, a path where records hold a file's name) raises, and so does a name that the records
  of another source cite (a page's URL, a file left out): the two sources would be one. A
  record holds a file's name, not its folder, so files of one name in two folders are one
  source here; ``sahel reconcile`` has their records cite the path as given instead;
* the closest match: of the candidates from one other source, a record keeps the closest (the
  smallest gap between the dates, then the closest quantity), and a pair stands only when each
  record is the other's closest, so one report never absorbs several events of another source.

Grouping is transitive: if A matches B (from another source) and B matches C (from a third),
the three are one group, and the conflict report shows how far apart A and C are. A group never
holds two records of one source, though: a chain of pairs can lead back to a source (register
row A, page P, page Q, register row B), so groups are built pair by pair, the closest first (the
smaller date gap, then the closer quantity), and a pair that would join two records of one
source is left out (here B stays alone, or with Q when that pair is the closer one).

How a group is merged: its **primary** record is the one with the narrowest quantity interval in
base units ("2.7 tons" beats "more than 2.7 tons"; of unbounded ones, the higher lower bound).
Each part of the merged row comes from the record that states it most precisely. The quantity:
its bounds lie between the highest low bound of the reports and their lowest high bound, in
base units, in the primary's unit. When the reports agree (the highest low is not above the
lowest high, nor equal to it at a strict bound), every report holds, so the bounds are the
values all their intervals allow: "about 2 t" (1.8 to 2.2 t,
:data:`~sahel_core.qualifiers.APPROX_TOLERANCE`) and "more than 1.9 t" merge into 1.9 to 2.2 t.
When they contradict each other (no value is in every interval: "2.7 t" and "2.8 t", matched
within the tolerance), the bounds are the least interval that meets every report, from
the lowest high bound to the highest low bound: what the reports state where they contradict,
each report as little wrong as it must be. "At most 1 t" and "1.04 t" merge into 1 to 1.04 t,
not 0 to 1.04 t, which no report suggests; "3 t", "2.9 t" and "at least 2.95 t" into 2.9 to 3
t, since the open report agrees with 3 t and does not widen the disagreement. That interval is
always bounded, so a merged figure is open above only when every report is (then it is the
report with the highest low bound, words and all). Bounds are closed, as a table holds them,
except that "more than" and "less than" exclude their figure: "more than 2.7 t" and "2.7 t"
contradict each other (and merge into 2.7 t), "at least 2.7 t" and "2.7 t" agree; a range
built on a strict bound is written closed. When the primary's interval is the merged one, the
quantity is the primary's, words and all; otherwise it is a figure no report wrote (no
``quantity_text``, which holds a source's words only): a ``range`` of those bounds (``exact``
when they meet), the primary's point value kept within them, so that the figure's qualifier,
bounds and text (:func:`~sahel_core.quantities.format_amount`) say the same.
The packaging and the value come whole from the record with the narrowest interval relative to
its figure: their units and currencies may differ, and a sum in XOF meets one in EUR only
through a rate, so their bounds are not intersected. The date comes from the shortest
interval, so a day beats "December 2016 to January 2017" and the event keeps its year. On a
tie, and for the parts without a precision (the locality, the agency, the operation, the drug
as written), the primary's when it has one, else the next record's in the primary's order.
``id`` is the primary's id, ``sources`` and ``stated_values`` join those of every record, and
``merged_from`` lists the ids of all the records (one id for a record that matched no other).

No tie is settled by table order: of two records equally close or equally precise, the earlier
dated comes first, then the first by source (URL or file, under the name ``same_source`` gives
it), then the first by content (a hash of the record's fields but its id and its sources, which
a file's row order changes), then by id, then by what is left (its row in the file, for records
that differ in nothing else). So the rows and the files may come in any order, and a file's rows
too: the groups and the merged rows are the same.

Nor does the output follow table order, so that two runs on the same files compare line by
line. The events come as a timeline: by the first day of their date (undated last), then id,
then, for an id that repeats on one day, a hash of the whole row (a fixed order, if an
arbitrary one). The order is the rows' own, so a reconciled table reconciled again keeps it.
Within an event, ``merged_from`` lists the records in the order ties are settled above, by
date (a record's first day) then source, since an event holds one record per source: the
first report first, reports of one day by the name of their source; an earlier run's
``merged_from`` is kept whole, at its row's place. The conflicts come in the order of the
events, then by field, each value at its first record in that order, and list their records
and sources in that order too.

The conflicts compare what the rules compare: quantities in base units, localities without
case or accents ("Ségou" and "SEGOU" are no conflict). A quantity is a conflict only where the
reports contradict each other, and only the reports that contradict another are listed: "about
2 t", "more than 1.9 t" and "2.1 t" all hold (the event is 2.1 t), so none is; of "2.7 t", "2.8
t" and "more than 2.5 t", the first two. The other parts are listed whenever they differ
(dates, values in two currencies, packagings are not intersected). A figure is shown as the
source wrote it,
with its unit or currency: the words alone when they name it ("more than 2.7 tons", "1500
EUR"), the words then the unit when they end in the figure (a register's "1000000" beside a
currency column is "1000000 XOF", "about 200" in a kg column "about 200 kg"), else written out
by :func:`~sahel_core.quantities.format_amount` or :func:`~sahel_core.money.format_money`.

Vectorized: candidate pairs come from polars joins on blocking keys (drug, country, dimension,
a time bucket and a logarithmic quantity bucket), so records are only compared with plausible
partners, and groups are connected components found by label propagation over the pairs (only
a component that holds a source twice is built again pair by pair, in Python). Each candidate
pair is built once, however many buckets the two records share, so the work follows
the number of pairs the rules allow. That number is what can grow faster than the table: many
reports of one drug in one country within ``months`` from many sources, or open quantities
("more than 2 kg", which overlap every larger one), are each compared with all the others
(2,000 identical reports from 2,000 sources: about 2.5 s and 1.2 GB).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from attrs import define

from sahel_core.errors import ValidationError

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "CONFLICT_FIELDS",
    "Reconciled",
    "check_options",
    "reconcile",
    "source_name_clash",
    "written",
]

#: The parts of a seizure compared within a group, and the columns each part is made of (the
#: first one tells whether a record states the part).
CONFLICT_FIELDS: dict[str, tuple[str, ...]] = {
    "quantity": ("quantity", "quantity_unit", "quantity_qualifier", "quantity_low",
                 "quantity_high", "quantity_text"),
    "packaging": ("packaging", "packaging_unit", "packaging_qualifier", "packaging_low",
                  "packaging_high", "packaging_text"),
    "value": ("value", "value_currency", "value_qualifier", "value_low", "value_high",
              "value_text"),
    "date": ("date_earliest", "date_latest", "date"),
    "locality": ("locality",),
    "agency": ("agency",),
    "operation": ("operation",),
}  # fmt: skip
# Parts merged like the compared ones but whose differences are not conflicts.
_QUIET_FIELDS: dict[str, tuple[str, ...]] = {"drug_text": ("drug_text",)}

# A record whose source is shared by at least this many rows is matched against the others in a
# join of its own, so that rows of one large register are never paired with each other.
_LARGE_SOURCE = 64
# Quantity buckets per doubling: intervals that overlap share a bucket.
_BUCKETS_PER_OCTAVE = 4


@define(frozen=True)
class Reconciled:
    """The result of :func:`reconcile`.

    ``table`` is the canonical table with one row per event and a ``merged_from`` column (list
    of the ids of the records merged into the row). ``merged_from`` lives in this table only:
    it is no canonical column, so :func:`sahel_core.io.write` (and ``sahel reconcile --out``)
    writes the events without it, and indicators on a table read back list each event under
    its own ``id``; compute on ``table`` itself to credit the original records.
    ``conflicts`` has one row per group, field
    and distinct reported value: ``group`` (the merged row's id), ``field`` (quantity, date,
    value...), ``value`` (as the source wrote it, a figure with its unit or currency),
    ``record_ids`` and ``sources`` (URLs or files of the records that reported that value). A
    quantity is listed only when it contradicts another report of its group (see the module
    docstring): reports whose intervals share a value agree. Neither follows the order of the
    input: events by date then id, each one's records by date then source (see the module
    docstring).
    """

    table: pl.DataFrame
    conflicts: pl.DataFrame

    @property
    def groups(self) -> pl.DataFrame:
        """The rows of :attr:`table` that merge two records or more."""
        import polars as pl

        return self.table.filter(pl.col("merged_from").list.len() > 1)


def reconcile(
    table: pl.DataFrame,
    entity: str = "seizure",
    *,
    months: int = 12,
    tolerance: Decimal | str = Decimal("0.05"),
    same_source: Mapping[str, str] | None = None,
) -> Reconciled:
    """Group records of ``table`` that report the same event, merge each group, report
    conflicts (see the module docstring for the rules).

    ``months`` is the largest gap between two reports' dates, ``tolerance`` the relative margin
    by which quantity intervals are widened before they must overlap. ``same_source`` names
    the source of the records whose first source is each file or URL it lists: the files of a
    register split by year, ``{"seizures_2015.csv": "register", "seizures_2016.csv":
    "register"}``, are then one source, as the register in one file is; a key that no record
    cites first, or a name that records not named so cite first (``{"seizures_2015.csv":
    "https://..."}`` beside that page's records), is a
    :class:`~sahel_core.errors.ValidationError` naming it. Raises
    :class:`~sahel_core.errors.ValidationError` for an entity without reconciliation rules or a
    bad option, :class:`~sahel_core.errors.StructureError` for a table without the canonical
    columns and :class:`~sahel_core.errors.UnitError` for an unknown unit.
    """
    import polars as pl

    from sahel_core.indicators import require
    from sahel_core.tables import entity_type, schema

    name = entity_type(entity).__name__.lower()
    if name != "seizure":
        raise ValidationError(
            "reconciliation rules exist for seizures only", field="entity", value=entity
        )
    if not isinstance(table, pl.DataFrame):
        raise ValidationError("expected a polars DataFrame", field="table", value=type(table))
    margin = check_options(months, tolerance)
    if same_source is not None and not (
        isinstance(same_source, Mapping)
        and all(isinstance(x, str) for pair in same_source.items() for x in pair)
    ):
        raise ValidationError("same_source maps files or URLs to source names",
                              field="same_source", value=same_source)  # fmt: skip
    require(table.lazy(), schema(name), name)
    columns = list(schema(name))
    # Every row lists the records it stands for: itself, or what an earlier run merged.
    own = pl.concat_list(pl.col("id"))
    earlier = pl.coalesce(pl.col("merged_from"), own) if "merged_from" in table.columns else own
    selected = table.select(*columns, earlier.cast(pl.List(pl.String)).alias("merged_from"))
    # Rows are numbered by date, source, content and id, not by place in the table: every tie
    # below (closest match, primary, which pair is linked first) then falls the same way
    # whatever the order of the rows or of the files. The content leaves out what moves with
    # the place (a generated id, the row in ``sources``); the whole row settles only records
    # that differ in nothing else. The date first keeps rows that may pair near each other,
    # which the joins are faster for.
    # ``_cites``, the file or URL a record cites first, and ``_locality``, folded as matching
    # compares it, are worked out once: matching, merging and the conflicts read them.
    said = selected.select(pl.exclude("id", "sources", "merged_from")).hash_rows()
    cited = selected.with_columns(
        _first_source().alias("_cites"),
        _folded_locality(selected).alias("_locality"),
        said.alias("_said"),
        selected.hash_rows().alias("_h"),
    )
    if same_source:
        _check_same_source(same_source, cited["_cites"].unique())
    # The source a record is from: what it cites, under the name ``same_source`` gives it.
    ordered = cited.with_columns(
        pl.col("_cites").replace(dict(same_source or {})).alias("_source")
    ).sort("date_earliest", "_source", "_said", "id", "_h", nulls_last=True)
    rows = _in_base_units(ordered.drop("_said", "_h").with_row_index("_row"))
    window = math.ceil(months * 365.25 / 12)
    keys = _match_keys(rows, margin)
    pairs = _candidate_pairs(keys, window)
    rows = rows.with_columns(_components(rows.height, pairs, keys).alias("_group"))
    merged = _in_event_order(_merge(rows, columns))
    conflicts = _conflicts(rows, merged)
    return Reconciled(table=merged.drop("_group"), conflicts=conflicts)


def _first_source() -> pl.Expr:
    """The URL, else the file, of a record's first source."""
    import polars as pl

    first = pl.col("sources").list.first()
    return pl.coalesce(first.struct.field("url"), first.struct.field("file"))


def _check_same_source(same_source: Mapping[str, str], cited: pl.Series) -> None:
    """Raise :class:`~sahel_core.errors.ValidationError` for a ``same_source`` that would
    silently do nothing or too much (``cited``: what the records cite first)."""
    _check_cited(same_source, cited)
    _check_names(same_source, cited)


def _check_cited(same_source: Mapping[str, str], cited: pl.Series) -> None:
    """Refuse the files or URLs of ``same_source`` that no record cites first (``cited``: a
    typo, a path where records cite a file's name, a file whose rows cite a ``source``
    column): they would change nothing."""
    import polars as pl

    named = pl.Series(list(same_source), dtype=pl.String)
    unknown = named.filter(~named.is_in(cited.implode())).to_list()
    if unknown:
        raise ValidationError(
            f"same_source names what no record cites as its first source: {', '.join(unknown)}"
            " (records read from a file cite its name, or their source column)",
            field="same_source",
            value=unknown,
        )


def _check_names(same_source: Mapping[str, str], cited: pl.Series) -> None:
    """Refuse a source name of ``same_source`` that records cite first without being named
    so (:func:`source_name_clash`)."""
    clash = source_name_clash(same_source, cited.drop_nulls().to_list())
    if clash is not None:
        raise ValidationError(
            f"{clash} is what the records of another source cite, not one of the files or "
            "URLs named so: the two sources would be one; choose another name",
            field="same_source",
            value=clash,
        )


def source_name_clash(same_source: Mapping[str, str], cited: Iterable[str]) -> str | None:
    """The first source name of ``same_source`` (in order) that records cite (``cited``)
    without being one of the files or URLs named so: another file's name, a page's URL. Its
    records would join the named source, never to merge with its records; ``reconcile`` and
    ``sahel reconcile --source`` refuse it."""
    known = set(cited)
    names = sorted(set(same_source.values()))
    return next((n for n in names if n in known and same_source.get(n) != n), None)


def check_options(months: object, tolerance: object) -> float:
    """Check :func:`reconcile`'s ``months`` and ``tolerance`` (a command line does it before
    reading any file); returns the tolerance as a float. Raises
    :class:`~sahel_core.errors.ValidationError` naming the bad one."""
    if isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 1200:
        raise ValidationError("months is a whole number from 0 to 1200", field="months",
                              value=months)  # fmt: skip
    return _tolerance(tolerance)


def _tolerance(value: object) -> float:
    try:
        number = Decimal(value) if isinstance(value, Decimal | str | int) else None
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or not 0 <= number < 1:
        raise ValidationError("tolerance is a decimal from 0 to below 1", field="tolerance",
                              value=value)  # fmt: skip
    return float(number)


def _in_base_units(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` with the quantity in base units, exactly (``_bq``, ``_blow``, ``_bhigh``), its
    unit's ``_factor`` to them, its ``_dimension`` and whether its low or high bound is strict
    (``_slow``, ``_shigh``); pint is asked once per distinct unit."""
    import polars as pl

    from sahel_core.indicators import times, unit_table

    used = rows.filter(pl.col("quantity").is_not_null())["quantity_unit"]
    units = unit_table(used.unique().to_list(), column="quantity_unit")
    scale: int = units.schema["factor"].scale  # type: ignore[attr-defined]

    def lookup(column: str) -> pl.Expr:
        return pl.col("quantity_unit").replace_strict(
            units["unit"], units[column], default=None, return_dtype=units.schema[column]
        )

    factor = lookup("factor")
    return rows.with_columns(
        times(pl.col("quantity"), factor, scale).alias("_bq"),
        times(pl.col("quantity_low").fill_null(0), factor, scale).alias("_blow"),
        times(pl.col("quantity_high"), factor, scale).alias("_bhigh"),
        factor.alias("_factor"),
        pl.when(pl.col("quantity").is_not_null()).then(lookup("dimension")).alias("_dimension"),
        # "More than 2.7 t" excludes 2.7 t, "less than 1 t" excludes 1 t: strict bounds.
        (pl.col("quantity_qualifier") == "more_than").fill_null(False).alias("_slow"),
        (pl.col("quantity_qualifier") == "less_than").fill_null(False).alias("_shigh"),
    )


def _match_keys(rows: pl.DataFrame, margin: float) -> pl.DataFrame:
    """Per matchable row: ``_row``, drug, country, ``_dimension``, ``_locality`` (folded),
    ``_src``, ``_lo``/``_hi`` (the widened base-unit interval, as floats: matching is
    approximate by design), ``_mid`` (the point value) and ``_start``/``_end`` (day numbers)."""
    import polars as pl

    low = pl.col("_blow").cast(pl.Float64)
    high = pl.col("_bhigh").cast(pl.Float64)
    return rows.filter(
        pl.col("quantity").is_not_null()
        & pl.col("country").is_not_null()
        & pl.col("date_earliest").is_not_null()
        & pl.col("date_latest").is_not_null()
    ).select(
        "_row",
        "drug",
        "country",
        "_dimension",
        "_locality",
        # A record without a source is a source of its own.
        pl.coalesce("_source", pl.format("row:{}", pl.col("_row"))).alias("_src"),
        (low * (1 - margin)).alias("_lo"),
        (high * (1 + margin)).fill_null(math.inf).alias("_hi"),
        pl.col("_bq").cast(pl.Float64).alias("_mid"),
        # Days since 1970-01-01.
        pl.col("date_earliest").cast(pl.Int32).alias("_start"),
        pl.col("date_latest").cast(pl.Int32).alias("_end"),
    )


def _folded_locality(rows: pl.DataFrame) -> pl.Expr:
    """``locality`` as matching compares it: without case, accents or punctuation."""
    import polars as pl

    from sahel_core.reference import fold

    names = rows["locality"].drop_nulls().unique()
    folded = [fold(name) for name in names.to_list()]
    return pl.col("locality").replace_strict(names, folded, default=None, return_dtype=pl.String)


def _buckets(keys: pl.DataFrame, window: int) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Bucket ranges: time buckets of the interval itself, of the interval grown by ``window``,
    and logarithmic quantity buckets of the widened quantity interval."""
    import polars as pl

    size = max(window, 1)
    positive = keys.filter(pl.col("_lo") > 0)["_lo"]
    finite = keys.filter(pl.col("_hi") < math.inf)["_hi"]
    smallest = float(positive.min()) if positive.len() else 1.0  # type: ignore[arg-type]
    largest = max(
        float(finite.max()) if finite.len() else 1.0,  # type: ignore[arg-type]
        float(positive.max()) if positive.len() else 1.0,  # type: ignore[arg-type]
    )

    def bucket(value: pl.Expr) -> pl.Expr:
        clipped = value.clip(smallest, largest)
        return (clipped.log(2) * _BUCKETS_PER_OCTAVE).floor().cast(pl.Int64)

    own = pl.int_ranges(pl.col("_start") // size, pl.col("_end") // size + 1)
    grown = pl.int_ranges(
        (pl.col("_start") - window) // size, (pl.col("_end") + window) // size + 1
    )
    quantity = pl.int_ranges(bucket(pl.col("_lo")), bucket(pl.col("_hi")) + 1)
    return own, grown, quantity


def _candidate_pairs(keys: pl.DataFrame, window: int) -> pl.DataFrame:
    """Pairs ``(a, b)`` of row numbers, ``a < b``, that satisfy every matching rule and choose
    each other as the closest match in the other's source."""
    import polars as pl

    empty = pl.DataFrame(schema={"a": pl.UInt32, "b": pl.UInt32})
    if keys.height < 2:
        return empty
    own, grown, quantity = _buckets(keys, window)
    block = ["drug", "country", "_dimension", "_t", "_qb"]
    r = pl.col
    # The text columns, compared for equality only, as small integers: every record is
    # repeated once per bucket it falls in, and the joins carry these columns.
    codes = [
        r(c).rank("dense").cast(pl.UInt32).alias(c)
        for c in ("drug", "country", "_dimension", "_locality", "_src")
    ]
    left_all, right_all = (
        keys.with_columns(
            *codes,
            time.cast(pl.List(pl.Int32)).alias("_t"),
            quantity.cast(pl.List(pl.Int32)).alias("_qr"),
        )
        .with_columns(r("_t").list.first().alias("_t0"), r("_qr").list.first().alias("_q0"))
        .lazy()
        for time in (own, grown)
    )

    def join(left: pl.LazyFrame, right: pl.LazyFrame) -> pl.LazyFrame:
        # Each pair once, not once per bucket both records fall in: an open quantity ("more
        # than 2 kg") spans every bucket above it, and a pair of them shared dozens. Quantity
        # ranges overlap when the lower one starts within the other, so one side is put in its
        # first bucket only, in turn (ties go to the first way); the time buckets a pair
        # shares are consecutive, and only the first is kept.
        left, right = left.explode("_t"), right.explode("_t")

        def spread(side: pl.LazyFrame) -> pl.LazyFrame:
            return side.rename({"_qr": "_qb"}).explode("_qb")

        def at_first(side: pl.LazyFrame) -> pl.LazyFrame:
            return side.drop("_qr").with_columns(r("_q0").alias("_qb"))

        ways = [
            at_first(left).join(spread(right), on=block, suffix="_r"),
            spread(left).join(at_first(right), on=block, suffix="_r").filter(r("_q0_r") > r("_q0")),
        ]
        return pl.concat([matching(way) for way in ways])

    def matching(joined: pl.LazyFrame) -> pl.LazyFrame:
        """The pairs of ``joined`` that hold every rule, with their date gap and how far
        apart their quantities are (the same columns from every join, so they concatenate)."""
        return joined.filter(
            (r("_t") == pl.max_horizontal(r("_t0"), r("_t0_r")))
            & (r("_src") != r("_src_r"))
            & (r("_start") <= r("_end_r") + window)
            & (r("_start_r") <= r("_end") + window)
            & (r("_lo") <= r("_hi_r"))
            & (r("_lo_r") <= r("_hi"))
            & (
                r("_locality").is_null()
                | r("_locality_r").is_null()
                | (r("_locality") == r("_locality_r"))
            )
        ).select("_row", "_row_r", "_src", "_src_r", *_closeness())

    sizes = left_all.group_by("_src").len().collect()
    large = sizes.filter(pl.col("len") >= _LARGE_SOURCE).sort("len", descending=True)["_src"]
    parts = []
    done: list[int] = []
    # Rows of one large source are joined only with rows of other sources: pairs inside one
    # register, which never match, are never built.
    for src in large.to_list():
        done.append(src)
        left = left_all.filter(pl.col("_src") == src)
        right = right_all.filter(~pl.col("_src").is_in(done))
        parts.append(join(left, right))
    small = ~pl.col("_src").is_in(large.implode())
    parts.append(join(left_all.filter(small), right_all.filter(small)))
    # Collected here: left lazy, the joins ran again for each use of ``found`` below.
    found = pl.concat(parts).collect().lazy()
    swapped = found.select(
        pl.col("_row_r").alias("_row"),
        pl.col("_row").alias("_row_r"),
        pl.col("_src_r").alias("_src"),
        pl.col("_src").alias("_src_r"),
        "_gap",
        "_far",
    )
    # Each record keeps its closest candidate in each other source (smallest date gap, then
    # closest quantity, then table order); a pair stays when both records chose each other.
    # A pair found twice (both records from small sources) is the same row twice: the same
    # choice either way, so it need not be made unique first.
    best = (
        pl.concat([found, swapped])
        .group_by(["_row", "_src_r"])
        .agg(pl.col("_row_r").sort_by(["_gap", "_far", "_row_r"]).first())
        .select("_row", "_row_r")
    )
    mutual = best.join(best, left_on=["_row", "_row_r"], right_on=["_row_r", "_row"], how="semi")
    pairs = mutual.filter(pl.col("_row") < pl.col("_row_r")).select(
        pl.col("_row").alias("a"), pl.col("_row_r").alias("b")
    )
    return pairs.collect().sort("a", "b").cast({"a": pl.UInt32, "b": pl.UInt32})


def _closeness() -> list[pl.Expr]:
    """How close record ``_r`` is to the other: ``_gap``, the days between their dates (0 when
    they overlap), then ``_far``, how far apart their quantities are (relative)."""
    import polars as pl

    r = pl.col
    gap = pl.max_horizontal(r("_start"), r("_start_r")) - pl.min_horizontal(r("_end"), r("_end_r"))
    nearness = (r("_mid") - r("_mid_r")).abs() / pl.max_horizontal(r("_mid"), r("_mid_r"))
    return [gap.clip(lower_bound=0).alias("_gap"), nearness.fill_nan(0.0).alias("_far")]


def _components(count: int, pairs: pl.DataFrame, keys: pl.DataFrame) -> pl.Series:
    """The group of each of ``count`` rows (labelled by a row of it): the connected components
    of ``pairs``, except where one would hold two records of one source (``_src`` of ``keys``)."""
    import polars as pl

    labels = _connected(count, pairs)
    # A chain of mutual matches can come back to a source it holds already (register row A,
    # page P, page Q, register row B): such components are built again pair by pair, closest
    # first, refusing a pair that would join two records of one source. Elsewhere it would
    # join them all, as the components do, so only these need the (sequential) walk.
    sources = keys.select("_row", "_src", labels.gather(keys["_row"]).alias("_label"))
    mixed = (
        sources.group_by("_label")
        .agg(pl.col("_src").n_unique() < pl.len())
        .filter(pl.col("_src"))["_label"]
    )
    if mixed.len() == 0:
        return labels
    members = sources.filter(pl.col("_label").is_in(mixed.implode()))
    source = dict(zip(members["_row"].to_list(), members["_src"].to_list(), strict=True))
    near = keys.select("_row", "_start", "_end", "_mid")
    links = (
        pairs.filter(pl.col("a").is_in(members["_row"].implode()))
        .join(near, left_on="a", right_on="_row")
        .join(near, left_on="b", right_on="_row", suffix="_r")
        .select("a", "b", *_closeness())
        .sort("_gap", "_far", "a", "b")
    )
    parent = {row: row for row in source}
    held = {row: {source[row]} for row in source}

    def root(row: int) -> int:
        while parent[row] != row:
            parent[row] = row = parent[parent[row]]
        return row

    for a, b in links.select("a", "b").iter_rows():
        a, b = root(a), root(b)
        if a != b and held[a].isdisjoint(held[b]):
            a, b = min(a, b), max(a, b)
            parent[b] = a
            held[a] |= held.pop(b)
    rows = list(source)
    return labels.scatter(rows, [root(row) for row in rows])


def _connected(count: int, pairs: pl.DataFrame) -> pl.Series:
    """The connected component of each of ``count`` rows (the smallest row number in it)."""
    import polars as pl

    labels = pl.Series("label", range(count), dtype=pl.UInt32)
    if pairs.height == 0:
        return labels
    edges = pl.concat([pairs.select("a", "b"), pairs.select(a="b", b="a")])
    while True:
        frame = pl.DataFrame(
            {"row": pl.int_range(count, eager=True, dtype=pl.UInt32), "label": labels}
        )
        smallest = (
            edges.join(frame, left_on="b", right_on="row")
            .group_by("a")
            .agg(pl.col("label").min().alias("neighbour"))
        )
        updated = (
            frame.join(smallest, left_on="row", right_on="a", how="left")
            .sort("row")
            .select(pl.min_horizontal("label", "neighbour").alias("label"))
        )["label"]
        # Pointer jumping: follow each label to its own label, halving chains each round.
        updated = updated.gather(updated)
        if updated.equals(labels):
            return labels
        labels = updated


def _merge(rows: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """One row per group: singletons as they are, merged rows built as the module doc says
    (``rows`` is in ``_row`` order, so a row number is a position)."""
    import polars as pl

    out = ["_group", *columns, "merged_from"]
    sizes = rows.group_by("_group").len()
    multi = sizes.filter(pl.col("len") > 1)["_group"]
    single = rows.filter(~pl.col("_group").is_in(multi.implode())).select(out)
    if multi.len() == 0:
        return single
    # Primary first: the narrowest quantity interval (unbounded is the widest), of unbounded
    # ones the higher lower bound (of "more than 2.7 t" and "at least 3 t", the one both
    # allow), of equal bounds a strict one ("more than 2.7 t" is within "at least 2.7 t"),
    # then row number.
    width = (pl.col("_bhigh") - pl.col("_blow")).cast(pl.Float64).fill_null(math.inf)
    above = pl.when(pl.col("_bhigh").is_null()).then(-pl.col("_blow").cast(pl.Float64))
    parts: dict[str, tuple[str, ...]] = {**CONFLICT_FIELDS, **_QUIET_FIELDS}
    members = (
        rows.filter(pl.col("_group").is_in(multi.implode()))
        .with_columns(
            width.alias("_width"),
            above.fill_null(0.0).alias("_above"),
            ~(pl.col("_slow") | pl.col("_shigh")).alias("_closed"),
        )
        .with_columns(_precision(name, part).alias(f"_p_{name}") for name, part in parts.items())
        .sort("_group", "_width", "_above", "_closed", "_row")
    )
    # Which record each part comes from: the most precise on that part, then the primary order.
    chosen = [pl.col("_row").get(pl.col(f"_p_{name}").arg_min()) for name in parts]
    listed = ("sources", "stated_values")
    every = [
        pl.col(c).list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True)
        for c in listed
    ]
    merged_ids = pl.col("merged_from").sort_by("_row")
    picks = members.group_by("_group", maintain_order=True).agg(
        pl.col("_row").first().alias("_primary"),
        *(pick.alias(name) for pick, name in zip(chosen, parts, strict=True)),
        *(values.implode() for values in every),
        merged_ids.list.explode(keep_nulls=False, empty_as_null=False).implode(),
        *_allowed(),
    )
    grouped = {c for part in parts.values() for c in part}
    own = [c for c in columns if c not in grouped and c not in listed]  # id, drug, country
    merged = pl.concat(
        [
            picks.select("_group", *listed, "merged_from"),
            rows.select(own).gather(picks["_primary"]),
            *(rows.select(part).gather(picks[name]) for name, part in parts.items()),
            picks.select("_low", "_high"),
            rows.select("_blow", "_bhigh", "_factor").gather(picks["quantity"]),
        ],
        how="horizontal",
    ).with_columns(_narrowed(rows.schema["quantity"]))
    return pl.concat([single, merged.select(out)], how="vertical_relaxed")


def _in_event_order(merged: pl.DataFrame) -> pl.DataFrame:
    """``merged`` in the order the module docstring gives: by date (undated last), then id,
    then a hash of the row for an id that repeats on one day. Only what the rows hold decides,
    not where their records were, so a table reconciled again keeps the order."""
    return merged.sort("date_earliest", "id", merged.drop("_group").hash_rows(), nulls_last=True)


def _limits() -> tuple[pl.Expr, pl.Expr]:
    """Over a group's reports: the highest low bound and the lowest high bound (null when every
    report is open above)."""
    import polars as pl

    return pl.col("_blow").max(), pl.col("_bhigh").min()


def _strict_limits() -> tuple[pl.Expr, pl.Expr]:
    """Over a group's reports: whether a report's low bound at the highest low bound is strict
    ("more than"), and whether a report's high bound at the lowest high bound is ("less
    than"). A strict bound excludes its figure: a value at that limit is not allowed."""
    import polars as pl

    top, bottom = _limits()
    return (
        (pl.col("_slow") & (pl.col("_blow") == top)).any(),
        (pl.col("_shigh") & (pl.col("_bhigh") == bottom)).any(),
    )


def _allowed() -> tuple[pl.Expr, pl.Expr]:
    """The quantity interval of a group in base units (``_low``, ``_high``, null when
    unbounded) between the highest low bound and the lowest high bound of its reports: when
    they agree, the values every report allows; when they contradict each other, the least
    interval that meets every report (bounded, from the lowest high to the highest low)."""
    import polars as pl

    top, bottom = _limits()
    return (
        pl.min_horizontal(top, bottom).alias("_low"),
        pl.when(bottom.is_not_null()).then(pl.max_horizontal(top, bottom)).alias("_high"),
    )


def _narrowed(dtype: pl.DataType) -> list[pl.Expr]:
    """The merged quantity columns: the chosen report's figure when its bounds are the group's
    (``_low``, ``_high``), else a figure of those bounds that no report wrote (no words):
    exact when they meet, else a range, the chosen report's point value kept within them.
    Bounds in the chosen report's unit (``_factor``). The group's bounds are open above only
    when every report is, and then they are the chosen report's (the highest low bound), so a
    figure no report wrote is always bounded."""
    import polars as pl

    c = pl.col
    low = (c("_low") / c("_factor")).cast(dtype)
    high = (c("_high") / c("_factor")).cast(dtype)
    changed = (c("_low") != c("_blow")) | c("_high").ne_missing(c("_bhigh"))
    qualifier = pl.when(low == high).then(pl.lit("exact")).otherwise(pl.lit("range"))
    point = pl.min_horizontal(pl.max_horizontal(c("quantity"), low), high)
    new = {
        "quantity": point,
        "quantity_qualifier": qualifier,
        "quantity_low": low,
        "quantity_high": high,
        "quantity_text": pl.lit(None, pl.String),
    }
    return [
        pl.when(changed).then(value).otherwise(c(name)).alias(name) for name, value in new.items()
    ]


def _precision(name: str, columns: tuple[str, ...]) -> pl.Expr:
    """How loosely a record states a part (smaller is more precise; null when it states none):
    the quantity's interval in base units, a packaging's or value's interval relative to its
    figure (the units or currencies may differ), a date's days; other parts are text, equally
    precise."""
    import polars as pl

    c = pl.col
    match name:
        case "quantity":
            loose = c("_width")
        case "packaging" | "value":
            span = c(f"{name}_high") - c(f"{name}_low").fill_null(0)
            loose = (span.cast(pl.Float64) / c(name).cast(pl.Float64)).fill_nan(0.0)
        case "date":
            loose = (c("date_latest") - c("date_earliest")).dt.total_days().cast(pl.Float64)
        case _:
            loose = pl.lit(0.0)
    return pl.when(c(columns[0]).is_not_null()).then(loose.fill_null(math.inf))


def written(field: str, rows: pl.DataFrame) -> pl.Series:
    """Each row's ``field`` (a key of :data:`CONFLICT_FIELDS`; ``rows`` hold its columns) as
    :attr:`Reconciled.conflicts` shows a value and ``sahel reconcile`` a merged event. A figure
    with its unit or currency: the source's words when they name it ("more than 2.7 tons",
    "1500 EUR"), the words then the unit when they end in the figure ("1000000 XOF" for a
    register's cell beside a currency column, "about 200 kg"), else the figure written out
    ("1,500,000 XOF" for "1.5 million", "between 1.9 and 2.2 t" for a merged figure no report
    wrote). A date as written, else its bounds; other parts as text."""
    import polars as pl

    from sahel_core.money import Money, format_money
    from sahel_core.quantities import Amount, format_amount

    c = pl.col
    if field == "date":
        dates = pl.coalesce(c("date"), pl.format("{}/{}", c("date_earliest"), c("date_latest")))
        return rows.select(dates).to_series()
    if field not in ("quantity", "packaging", "value"):
        return rows[field].cast(pl.String)
    money = field == "value"
    unit = "value_currency" if money else f"{field}_unit"
    names = [field, unit, f"{field}_qualifier", f"{field}_low", f"{field}_high", f"{field}_text"]
    text, qualifier = c(names[-1]), c(names[2])
    # Digits alone are a register's cell: the qualifier and unit of their columns go around
    # them ("1,2 t", "about 1000000 XOF"). An amount's unit follows its figure, so words that
    # end in a digit name none either ("about 200"); money may name its currency first ("$200",
    # "FCFA 60 000 000"), so those are parsed with the rest of the words.
    ends = text.str.contains(r"\d\s*$")
    digits = ends & ~text.str.contains(r"[\p{L}\p{Sc}]") & (qualifier != "range")
    words = pl.lit(False) if money else ends & text.str.contains(r"\p{L}")
    kinds = rows.filter(digits)[names[2]].drop_nulls().unique().to_list()
    before = qualifier.replace_strict(
        kinds, [format_amount(Amount(1, "kg", q)).removesuffix("1 kg") for q in kinds], default=""
    )
    if money:
        label = c(unit)
    else:
        units = rows[unit].drop_nulls().unique().to_list()
        singular, plural = (
            c(unit).replace_strict(
                units, [format_amount(Amount(n, u)).split(" ", 1)[1] for u in units], default=None
            )
            for n in (1, 2)
        )
        label = pl.when(c(field) == 1).then(singular).otherwise(plural)
    figure = (
        pl.when(digits)
        .then(pl.format("{}{} {}", before, text, label))
        .when(words)
        .then(pl.format("{} {}", text, label))
    )
    shown = rows.select(figure).to_series()
    # The rest (prose, or no words kept) is few: each is parsed, or written out, one by one.
    rest = shown.is_null().arg_true()
    spelled = []
    for number, code, kind, low, high, said in rows[rest].select(names).iter_rows():
        if said is not None and _names_its_unit(said, money):
            spelled.append(said)
        elif money:
            spelled.append(format_money(Money(number, code, kind, low, high)))
        else:
            spelled.append(format_amount(Amount(number, code, kind, low, high)))
    return shown.scatter(rest, spelled) if spelled else shown


@lru_cache(maxsize=4096)
def _names_its_unit(text: str, money: bool) -> bool:
    """Whether ``text`` reads as an amount (a sum of money) on its own, unit (currency) and all,
    in either number notation."""
    from sahel_core.errors import SahelError
    from sahel_core.money import parse_money
    from sahel_core.quantities import parse_amount

    for locale in ("en", "fr"):
        try:
            parse_money(text, locale=locale) if money else parse_amount(text, locale=locale)
        except SahelError:
            continue
        return True
    return False


def _comparable(field: str, columns: tuple[str, ...]) -> list[pl.Expr]:
    """What makes two values of ``field`` the same: the figure (a quantity in base units)
    without its text, the date bounds without the text, a locality as matching compares it."""
    import polars as pl

    if field == "locality":
        return [pl.col("_locality")]
    if field == "quantity":  # "2.7 t" and "2700 kg" are the same quantity
        return [pl.col(c) for c in ("_bq", "_blow", "_bhigh", "_slow", "_shigh")]
    return [pl.col(c) for c in columns if not c.endswith("_text") and c != "date"]


def _contradicting(members: pl.DataFrame) -> pl.DataFrame:
    """The ``members`` (rows of groups) whose quantity contradicts another of their group's
    (the two intervals share no value): a high bound below the group's highest low bound, or a
    low bound above its lowest high bound, or equal to it where either bound is strict."""
    import polars as pl

    c = pl.col
    top, bottom = _limits()
    strict_top, strict_bottom = _strict_limits()
    limits = members.group_by("_group").agg(
        top.alias("_top"),
        bottom.alias("_bottom"),
        strict_top.alias("_strict_top"),
        strict_bottom.alias("_strict_bottom"),
    )
    below = (c("_bhigh") < c("_top")) | (
        (c("_bhigh") == c("_top")) & (c("_shigh") | c("_strict_top"))
    )
    above = (c("_blow") > c("_bottom")) | (
        (c("_blow") == c("_bottom")) & (c("_slow") | c("_strict_bottom"))
    )
    return (
        members.join(limits, on="_group", how="left", maintain_order="left")
        .filter((below | above).fill_null(False))
        .drop("_top", "_bottom", "_strict_top", "_strict_bottom")
    )


def _conflicts(rows: pl.DataFrame, merged: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    schema: dict[str, pl.DataType] = {
        "group": pl.String(),
        "field": pl.String(),
        "value": pl.String(),
        "record_ids": pl.List(pl.String()),
        "sources": pl.List(pl.String()),
    }
    groups = merged.filter(pl.col("merged_from").list.len() > 1).select(
        "_group", pl.col("id").alias("group"), pl.int_range(pl.len()).alias("_at")
    )
    if groups.height == 0:
        return pl.DataFrame(schema=schema)
    # A conflict lists the files or URLs its records cite (``_cites``), not the names
    # ``same_source`` gives them (``_source``, which matching and sorting use).
    members = rows.join(groups, on="_group", maintain_order="left")
    parts = []
    for field, columns in CONFLICT_FIELDS.items():
        stated = members.filter(pl.col(columns[0]).is_not_null())
        if field == "quantity":  # the reports that agree with every other are no conflict
            stated = _contradicting(stated)
        if stated.height == 0:
            continue
        values = (
            stated.with_columns(pl.struct(_comparable(field, columns)).alias("_same"))
            .group_by(["_at", "group", "_same"], maintain_order=True)
            .agg(
                # The words of the first by row number, so the report reads alike in any order.
                pl.col("_row").min().alias("_shown"),
                pl.col("id").alias("record_ids"),
                pl.col("_cites").drop_nulls().unique(maintain_order=True).alias("sources"),
            )
            .filter(pl.len().over("_at") > 1)
        )
        shown = written(field, rows.select(columns).gather(values["_shown"]))
        parts.append(values.with_columns(shown.alias("value"), field=pl.lit(field)))
    if not parts:
        return pl.DataFrame(schema=schema)
    found = pl.concat(parts, how="vertical_relaxed")
    order = {name: i for i, name in enumerate(CONFLICT_FIELDS)}
    found = found.with_columns(
        pl.col("field").replace_strict(order, return_dtype=pl.Int32).alias("_field")
    ).sort(["_at", "_field", "_shown"])
    return found.select(list(schema)).cast(schema)  # type: ignore[arg-type]
