"""The built-in indicators, registered as a plugin like any other.

=========================  ===========  =========================================================
indicator                  table        columns after the ``by`` keys
=========================  ===========  =========================================================
``seized_mass``            seizure      kg, low_kg, high_kg, records, record_ids
``seized_count_units``     seizure      unit, count, low, high, records, record_ids
``seized_value``           seizure      value, low, high, currency, records, record_ids
``seizure_count``          seizure      records, record_ids
``workshop_participants``  workshop     participants, low, high, workshops, reported, record_ids
``trainings_by_donor``     workshop     (``donor`` first) the same as workshop_participants
``donor_portfolio``        transaction  value, currency, records, record_ids
``programme_figures``      figure       (label, drug, country, unit first) value, low, high,
                                        cumulative, as_of, records, record_ids
=========================  ===========  =========================================================

Choices, documented here so that every figure can be explained (periods, bounds, nulls and
provenance follow the rules of :mod:`sahel_core.indicators`):

* **Masses and counts never mix.** ``seized_mass`` adds only quantities whose unit is a mass,
  in kg. Tablets, cartons, litres... are not masses: ``seized_count_units`` adds them per base
  unit of their own dimension (``unit`` is always a key: ``tablet``, ``carton``, ``l``), never
  into kg and never into each other. Seizures without a quantity count in ``seizure_count``
  only. An unknown unit raises :class:`~sahel_core.errors.UnitError`. Converted quantities are
  exact: the result has 9 decimal places plus those of the largest unit factor used (12 with
  grams).
* **Values** are converted at each record's ``date_earliest`` (the one day every partial date
  has) as :func:`sahel_core.rates.convert_column` converts them (through
  :func:`sahel_core.rates.column_routes`), and so are their ``low`` and ``high`` bounds, with
  the same rate and the same arithmetic. ``with_rates=True`` adds a ``rates``
  column: the distinct rates used in each cell, each a record of ``from_currency``,
  ``rate`` (the combined rate, units of the result's currency per unit of
  ``from_currency``), ``rate_date``, ``rate_source`` (the providers, in order: ``"peg;
  ECB"``) and ``rate_path`` (``"XOF → EUR (peg, fixed) → USD (ECB, 2021-03-12)"``), as
  :func:`~sahel_core.rates.convert_column` names them; the rate date, source and path are
  null, null and the currency itself for values already in the result's currency.
  A value that cannot be converted (no rate, no date) raises
  :class:`~sahel_core.errors.RateNotFound` (the message counts the records whose value fails,
  then those whose bound only fails), unless ``skip_unconverted=True``: then it is left out of
  the sums, counted in an ``unconverted`` column and not listed in ``record_ids``. A group's
  ``value`` and ``low`` are then the sums over its converted records: a lower estimate and
  still a lower bound, seized values being non-negative. Its ``high`` is null as soon as one
  record is left out, since a value without a rate could be of any size; and ``value``,
  ``low`` and ``high`` are all null when no record of the group converted (a 0 would claim
  the seizures were worth nothing).
* **Workshops and donors.** A workshop funded by two donors counts in full in both donors'
  groups: splitting it equally would invent an attribution no source states. Totals across
  donors are therefore not additive (``donor`` is the only key that breaks the rule "totals
  over any grouping equal the ungrouped total"). ``country`` is the country of the workshop's
  place, not those of its participants. A workshop without a stated number of participants
  counts in ``workshops`` but not in ``reported``, ``participants``, ``low`` or ``high`` (null
  when no workshop of the group states one). ``trainings_by_donor`` counts every workshop,
  training or meeting record; a workshop without a donor is in the null donor group.
* **Donor portfolio** reads the IATI ``transaction`` table: ``donor`` is the provider's
  donor id (``provider_donor``, the key of the ``donor`` table), not its raw ref
  (``provider_org``): one government's agencies (``DE-1``, ``XM-DAC-5-7``) are one ``DEU``.
  ``country`` is the recipient country, ``year`` that of the transaction date; amounts are
  converted at the value date. Only the transaction types in ``types`` are added (default
  ``2``, commitments): adding commitments to the disbursements that pay them would count the
  same money twice. Group by ``type`` to see several types side by side.
  ``record_ids`` are the activity identifiers. A transaction without ``provider-org`` going
  out (a commitment, disbursement, expenditure...) is the reporting organisation's, as IATI
  states; its row says so in ``provider_inferred``. An incoming one without a provider stays
  in the null donor group: the standard names no default for it. ``humanitarian`` splits
  humanitarian flows (true) from the others (false) and from those whose publisher does not
  say (null, as in files before IATI 2.02); filter the table before computing to keep one.
* **Programme figures** read the ``figure`` table of :meth:`sahel_core.extract.Extraction.
  to_tables` (results statements: "339 activities implemented as of June 2017"). A figure's
  value is its ``amount`` (in ``amount_unit``), else its money ``value`` (in
  ``value_currency``). A figure is told apart by ``label``, ``drug``, ``country`` and ``unit``,
  always the first columns; ``year`` is the one optional key. A cumulative figure contains
  every earlier statement of it, so only the latest statement of each group is kept (by
  ``as_of``, undated ones first; the larger on the same date), never a sum. Annual figures are
  summed over the years, each year once: when a group states a year more than once (a report
  restating last year's figure, a summary repeating the text), only its latest statement
  counts, picked as for cumulative figures; the statements of one year share their ``as_of``
  date, so that is the larger (the table holds no date of the report to tell which is later).
  More exactly, a figure that is not cumulative counts once per ``as_of`` period; the undated
  ones of a group count once in all. A table may say which is which in a boolean
  ``cumulative`` column; without one, a figure whose ``as_of`` is exactly one calendar year
  ("in 2016") is annual and every other one ("as of June 2017", "since 2014", undated)
  cumulative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from sahel_core.errors import RateNotFound, UnitError, ValidationError
from sahel_core.hookspecs import hookimpl
from sahel_core.indicators import (
    aggregate,
    bounded_sum,
    period_keys,
    record_ids,
    require,
    times,
    unit_table,
)
from sahel_core.specs import IndicatorParam, IndicatorSpec

__all__ = [
    "donor_portfolio",
    "programme_figures",
    "sahel_register_indicators",
    "seized_count_units",
    "seized_mass",
    "seized_value",
    "seizure_count",
    "trainings_by_donor",
    "workshop_participants",
]

SEIZURE_KEYS = ("country", "drug", "year", "month", "agency")
_SEIZURE = ("id", "country", "drug", "agency", "date_earliest", "date_latest")
_SEIZURE_PLAIN = {"country": "country", "drug": "drug", "agency": "agency"}
_QUANTITY = ("quantity", "quantity_unit", "quantity_low", "quantity_high")
_ALL_IDS = pl.col("record_ids").list.explode(keep_nulls=False, empty_as_null=False).implode()


def _keyed(
    table: pl.LazyFrame,
    by: Sequence[str],
    plain: Mapping[str, str],
    periods: tuple[str, str] | None = ("date_earliest", "date_latest"),
) -> pl.LazyFrame:
    """``table`` with a column per key of ``by``: plain columns renamed, periods derived."""
    derived = period_keys(*periods) if periods else {}
    columns = [
        derived[key].alias(key) if key in derived else pl.col(plain[key]).alias(key)
        for key in by
        if key in derived or key in plain
    ]
    return table.with_columns(columns) if columns else table


def _unit_table(units: pl.Series, value: str) -> pl.DataFrame:
    """:func:`~sahel_core.indicators.unit_table` of ``units``, the units of a non-null
    ``value``: a missing unit is an error too."""
    if units.null_count():
        raise UnitError(f"a {value} without a unit", field=units.name, value=None)
    return unit_table(units.unique().to_list(), column=units.name)


def _units(table: pl.LazyFrame, value: str, unit: str) -> pl.DataFrame:
    """The unit table of every unit used by a non-null ``value`` (one pass over the column)."""
    distinct = table.filter(pl.col(value).is_not_null()).select(pl.col(unit).unique()).collect()
    return _unit_table(distinct[unit], value)


def _lookup(units: pl.DataFrame, unit: str, column: str) -> pl.Expr:
    """``units[column]`` for each row's ``unit``: a mapping, not a join, so row order stays."""
    return pl.col(unit).replace_strict(
        units["unit"], units[column], default=None, return_dtype=units.schema[column]
    )


def _quantities(table: pl.LazyFrame, by: Sequence[str], *, mass: bool) -> pl.DataFrame:
    """Sums of seized quantities of mass (``mass=True``, in kg) or of every other dimension (in
    its base unit, key ``_base``), per group of ``by``, before the final aggregation.

    Two stages: exact sums per group and unit as written (one pass, no arithmetic per record),
    then one exact product per partial sum, since ``f * (a + b) == f * a + f * b``; units are
    looked up among the partial sums, so pint sees each distinct unit once.
    """
    require(table, [*_SEIZURE, *_QUANTITY], "seizure")
    names = table.collect_schema().names()
    rows = _keyed(table.filter(pl.col("quantity").is_not_null()), by, _SEIZURE_PLAIN)
    try:
        partial = aggregate(
            rows,
            [*by, "quantity_unit"],
            [
                pl.col("quantity").sum().alias("_q"),
                pl.col("quantity_low").fill_null(0).sum().alias("_low"),
                bounded_sum(pl.col("quantity_high")).alias("_high"),
                pl.len().cast(pl.Int64).alias("records"),
                record_ids(names),
            ],
        )
        units = _unit_table(partial["quantity_unit"], "quantity")
        units = units.filter((pl.col("dimension") == "mass") == mass)
        partial = partial.filter(pl.col("quantity_unit").is_in(units["unit"].implode()))
        scale: int = units.schema["factor"].scale  # type: ignore[attr-defined]
        factor = _lookup(units, "quantity_unit", "factor")
        return partial.with_columns(
            *(times(pl.col(c), factor, scale).alias(c) for c in ("_q", "_low", "_high")),
            _lookup(units, "quantity_unit", "base_unit").alias("_base"),
        )
    except pl.exceptions.PolarsError as exc:
        # A sum, product or widening past the table's 38 digits: say whose figures, not
        # polars' words.
        message = str(exc)
        if "decimal" not in message or not ("overflow" in message or "conversion" in message):
            raise
        raise _too_large(rows, by) from None


def _too_large(rows: pl.LazyFrame, by: Sequence[str]) -> ValidationError:
    """The error for quantities too large to add up exactly, naming the group and unit of the
    largest sum (summed roughly, in floats) and its records."""
    from sahel_core.tabular import first_few

    keys = [*by, "quantity_unit"]
    ids = pl.col("id") if "id" in rows.collect_schema().names() else pl.lit(None, pl.String)
    sums = (
        rows.group_by(keys)
        .agg(pl.col("quantity").cast(pl.Float64).abs().sum().alias("_size"), ids.alias("_ids"))
        .collect()
    )
    units = _unit_table(sums["quantity_unit"], "quantity")
    sized = sums.with_columns(
        pl.col("_size") * _lookup(units, "quantity_unit", "factor").cast(pl.Float64)
    )
    largest = sized.sort("_size", descending=True, nulls_last=True).row(0, named=True)
    group = ", ".join(f"{key}={largest[key]}" for key in by)
    found = [str(i) for i in largest["_ids"] if i is not None]
    unit = largest["quantity_unit"]
    return ValidationError(
        f"the quantities in {unit}{' of ' + group if group else ''} are too large to add up "
        f"exactly: records {first_few(found, 5)}",
        field="quantity",
    )


def _bounded_totals(point: str, low: str, high: str) -> list[pl.Expr]:
    return [
        pl.col("_q").sum().alias(point),
        pl.col("_low").sum().alias(low),
        bounded_sum(pl.col("_high")).alias(high),
        pl.col("records").sum().cast(pl.Int64).alias("records"),
        _ALL_IDS.alias("record_ids"),
    ]


def seized_mass(table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]) -> pl.DataFrame:
    """Kilograms seized per group, with bounds; counts and volumes are left out."""
    partial = _quantities(table, by, mass=True)
    return aggregate(partial.lazy(), by, _bounded_totals("kg", "low_kg", "high_kg"))


def seized_count_units(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """Quantities that are not masses (tablets, cartons, litres...) per group and base unit."""
    partial = _quantities(table, [k for k in by if k != "unit"], mass=False)
    keys = [*by, "unit"] if "unit" not in by else list(by)
    partial = partial.with_columns(pl.col("_base").alias("unit"))
    return aggregate(partial.lazy(), keys, _bounded_totals("count", "low", "high"))


def seizure_count(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """Seizure records per group, with or without a quantity."""
    require(table, _SEIZURE, "seizure")
    names = table.collect_schema().names()
    if "unit" in by or "dimension" in by:
        require(table, _QUANTITY, "seizure")
        units = _units(table, "quantity", "quantity_unit")
        stated = pl.col("quantity").is_not_null()
        table = table.with_columns(
            pl.when(stated).then(pl.col("quantity_unit")).alias("unit"),
            pl.when(stated).then(_lookup(units, "quantity_unit", "dimension")).alias("dimension"),
        )
    rows = _keyed(table, by, _SEIZURE_PLAIN)
    return aggregate(rows, by, [pl.len().cast(pl.Int64).alias("records"), record_ids(names)])


# -- money -----------------------------------------------------------------------------------


def _convert(
    rows: pl.LazyFrame,
    keys: Sequence[str],
    *,
    amount: str,
    bounds: tuple[str, str] | None,
    currency: str,
    date: str,
    to: str,
    skip: bool,
    ids: Sequence[str],
    with_rates: bool,
) -> pl.DataFrame:
    """The records of ``rows`` with their ``amount`` converted into ``to``, and so their
    ``bounds`` with the same routes and arithmetic (:func:`sahel_core.rates.column_routes`).

    Adds ``_ok`` (the amount converted), ``_q`` (the converted amount, else null), for each
    bound that differs from the amount somewhere ``_low_q``/``_high_q`` (the bound's figure:
    ``_q`` where the bound equals the amount, the bound converted where it differs, null
    without a bound) and ``_low_bad``/``_high_bad`` (such a bound failed to convert), and
    ``_rates`` with ``with_rates``. A bound equal to the amount converts to the same figure,
    so most records are converted once, and nothing is computed per record that only the
    rates of a group need. Raises :class:`RateNotFound` for any amount that cannot be
    converted unless ``skip``.
    """
    from sahel_core.rates import column_routes

    names = [*keys, *ids, currency, date, amount, *(bounds or ())]
    frame = rows.select(list(dict.fromkeys(names))).collect()
    routes = column_routes(frame, currency=currency, date=date, to=to)
    index = routes.index
    value = frame[amount]
    ok = routes.admits(value, index)
    q = routes.convert(value, index, ok)
    added = [ok.alias("_ok"), q.alias("_q")]
    failures = [(~ok).arg_true()]
    for bound, name in zip(bounds, ("_low", "_high"), strict=True) if bounds else ():
        figure = frame[bound]
        own = (figure.is_not_null() & ~(figure == value).fill_null(False)).arg_true()
        if not own.len():
            failures.append(own)
            continue
        # Only the records whose bound differs are converted again, at their own routes.
        part, at = figure.gather(own), index.gather(own)
        admitted = routes.admits(part, at)
        stated = pl.DataFrame({"q": q, "bound": figure}).select(
            pl.when(pl.col("bound").is_not_null()).then(pl.col("q"))
        )
        added += [
            stated.to_series().scatter(own, routes.convert(part, at, admitted)).alias(f"{name}_q"),
            pl.repeat(False, frame.height, eager=True).scatter(own, ~admitted).alias(f"{name}_bad"),
        ]
        failures.append(own.filter(~admitted))
    if not skip and any(f.len() for f in failures):
        # The first failure: of the amounts, else of the low bounds, else of the high ones.
        at = next(f[0] for f in failures if f.len())
        raise RateNotFound(
            f"{_failed(failures)} cannot be converted to {to}, the first "
            f"{_record(rows, ids, at)}: {routes.error(index[at])}",
            field=currency,
            value=f"{frame[currency][at]} on {frame[date][at] or 'no date'}",
        )
    if with_rates:
        rate = routes.keys.select(
            pl.struct(
                pl.col("_raw_cur").alias("from_currency"),
                pl.col("_rate").alias("rate"),
                pl.col("_rate_date").alias("rate_date"),
                pl.col("_source").alias("rate_source"),
                pl.col("_path").alias("rate_path"),
            )
        ).to_series()
        added.append(rate.gather(index).alias("_rates"))
    return frame.with_columns(added)


def _failed(failures: Sequence[pl.Series]) -> str:
    """Which figures of :func:`_convert` failed, in records: "8 records' values", then the
    records whose value converts but a bound does not (skip_unconverted keeps those)."""
    values = failures[0].len()
    others = pl.concat(failures).n_unique() - values
    said = []
    if values:
        said.append(f"{values} record's value" if values == 1 else f"{values} records' values")
    if others:
        plural = "record" if others == 1 else "records"
        said.append(f"the bounds of {others} {'other ' if values else ''}{plural}")
    return f"{said[0]}, and {said[1]}," if len(said) == 2 else said[0]


def _record(rows: pl.LazyFrame, ids: Sequence[str], at: int) -> str:
    """Which record row ``at`` of ``rows`` is, for a message: its id, and the file and row its
    first source names ("record A3 (cur.csv, row 4)"), as far as the table tells."""
    names = rows.collect_schema().names()
    found = rows.select([c for c in (*ids[:1], "sources") if c in names]).slice(at, 1).collect()
    ident = found[ids[0]].item() if ids else None
    where = ""
    if "sources" in found.columns and (sources := found["sources"].item()) is not None:
        first = sources[0] if len(sources) else None
        if first is not None and (first.get("file") or first.get("url")):
            row = f", row {first['row']}" if first.get("row") is not None else ""
            where = f" ({first.get('file') or first.get('url')}{row})"
    return f"record {ident}{where}" if ident is not None else f"record {at + 1}{where}"


def _money_measures(
    out: pl.DataFrame,
    to: str,
    *,
    bounds: tuple[str, str] | None,
    with_rates: bool,
    skip: bool,
    ids: pl.Expr,
) -> list[pl.Expr]:
    """The measures of a money indicator over the records :func:`_convert` gives."""
    ok, q = pl.col("_ok"), pl.col("_q")
    # Only with skip_unconverted: a group without a converted value has no figure, and one
    # with a skipped value no upper bound (the skipped value could be any size).
    skipped = not out["_ok"].all()
    converted = ok.any()
    measures = [(pl.when(converted).then(q.sum()) if skipped else q.sum()).alias("value")]

    def bound_sum(bound: str, name: str) -> pl.Expr:
        if f"{name}_q" in out.columns:  # some bound differs from its amount
            return pl.col(f"{name}_q").sum()
        # Every stated bound equals its amount.
        return q.filter(pl.col(bound).is_not_null()).sum() if out[bound].null_count() else q.sum()

    if bounds:
        low, high = bounds
        # Unbounded: a converted value without a high bound, or a high bound that failed to
        # convert (only possible with skip_unconverted).
        unbounded = [pl.col("_high_bad")] if "_high_bad" in out.columns else []
        if out[high].null_count():
            unbounded.append(ok & pl.col(high).is_null())
        if skipped:
            unbounded.append(~ok)
        high_sum = bound_sum(high, "_high")
        if unbounded:
            high_sum = pl.when(~pl.any_horizontal(unbounded).any()).then(high_sum)
        low_sum = bound_sum(low, "_low")
        if skipped:
            low_sum = pl.when(converted).then(low_sum)
        measures += [low_sum.alias("low"), high_sum.alias("high")]
    measures += [pl.lit(to).alias("currency"), ok.sum().cast(pl.Int64).alias("records")]
    if skip:
        measures.append((~ok).sum().cast(pl.Int64).alias("unconverted"))
    measures.append(ids)
    if with_rates:
        rates = pl.col("_rates").filter(ok).unique(maintain_order=True).implode()
        measures.append(rates.alias("rates"))
    return measures


def seized_value(table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]) -> pl.DataFrame:
    """Estimated value of seizures in one currency, converted at each record's date."""
    require(table, [*_SEIZURE, "value", "value_currency", "value_low", "value_high"], "seizure")
    to = params["currency"]
    rows = _keyed(table.filter(pl.col("value").is_not_null()), by, _SEIZURE_PLAIN)
    # A reconciled table credits its original records (record_ids reads merged_from).
    ids = [c for c in ("id", "merged_from") if c in rows.collect_schema().names()]
    bounds = ("value_low", "value_high")
    out = _convert(
        rows,
        by,
        amount="value",
        bounds=bounds,
        currency="value_currency",
        date="date_earliest",
        to=to,
        skip=params["skip_unconverted"],
        ids=ids,
        with_rates=params["with_rates"],
    )
    measures = _money_measures(
        out,
        to,
        bounds=bounds,
        with_rates=params["with_rates"],
        skip=params["skip_unconverted"],
        ids=record_ids(ids, where=pl.col("_ok")),
    )
    return aggregate(out.lazy(), by, measures)


#: IATI's TransactionType codelist (version 2).
_TRANSACTION_TYPES = frozenset(str(code) for code in range(1, 14))

_TRANSACTION = (
    "activity",
    "type",
    "date",
    "value_date",
    "value",
    "currency",
    "provider_donor",
    "recipient_country",
    "sector",
)


def donor_portfolio(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """IATI transaction money per donor, country, year, sector or type, in one currency.

    ``donor`` is ``provider_donor``, the provider's key in the donor table: grouping by the
    raw ``provider_org`` split a government over its agencies' refs (Germany as ``DE-1`` and
    ``XM-DAC-5-7``) under keys no donor record has.
    """
    require(table, _TRANSACTION, "transaction")
    to = params["currency"]
    types = [t.strip() for t in str(params["types"]).split(",") if t.strip()]
    # A code IATI does not have would select no transaction: a total of 0, not an error.
    if (unknown := [t for t in types if t not in _TRANSACTION_TYPES]) or not types:
        raise ValidationError(
            f"types are IATI transaction type codes, 1 to 13, comma-separated "
            f"(2 commitment, 3 disbursement, 4 expenditure); not {', '.join(unknown) or 'none'}",
            field="types",
            value=params["types"],
        )
    plain = {
        "donor": "provider_donor",
        "country": "recipient_country",
        "sector": "sector",
        "type": "type",
        "year": "_year",
        "humanitarian": "humanitarian",
    }
    rows = table.filter(pl.col("type").cast(pl.String).is_in(types)).with_columns(
        pl.col("date").dt.year().cast(pl.Int32).alias("_year")
    )
    out = _convert(
        _keyed(rows, by, plain, periods=None),
        by,
        amount="value",
        bounds=None,
        currency="currency",
        date="value_date",
        to=to,
        skip=params["skip_unconverted"],
        ids=["activity"],
        with_rates=params["with_rates"],
    )
    converted = pl.col("activity").filter(pl.col("_ok"))
    activities = converted.unique(maintain_order=True).implode().alias("record_ids")
    measures = _money_measures(
        out,
        to,
        bounds=None,
        with_rates=params["with_rates"],
        skip=params["skip_unconverted"],
        ids=activities,
    )
    return aggregate(out.lazy(), by, measures)


# -- workshops -------------------------------------------------------------------------------

WORKSHOP_KEYS = ("year", "month", "country", "donor")
_PARTICIPANTS = ("participants", "participants_unit", "participants_low", "participants_high")


def _workshops(table: pl.LazyFrame, by: Sequence[str]) -> pl.DataFrame:
    require(
        table,
        ["id", *_PARTICIPANTS, "country", "donors", "date_earliest", "date_latest"],
        "workshop",
    )
    names = table.collect_schema().names()
    units = _units(table, "participants", "participants_unit")
    for unit, dimension in units.select("unit", "dimension").iter_rows():
        if dimension != "person":
            raise UnitError(
                "participants are counted in persons", field="participants_unit", value=unit
            )
    if "donor" in by:
        # A workshop counts once per distinct donor, and once (null donor) without any.
        table = table.with_columns(pl.col("donors").list.unique().alias("donor")).explode(
            "donor", empty_as_null=True, keep_nulls=True
        )
    rows = _keyed(table, by, {"country": "country", "donor": "donor"})
    stated = pl.col("participants").is_not_null()
    reported = stated.sum()
    measures = [
        pl.when(reported > 0).then(pl.col("participants").sum()).alias("participants"),
        pl.when(reported > 0)
        .then(pl.col("participants_low").fill_null(0).filter(stated).sum())
        .alias("low"),
        pl.when(reported > 0)
        .then(bounded_sum(pl.col("participants_high").filter(stated)))
        .alias("high"),
        pl.len().cast(pl.Int64).alias("workshops"),
        reported.cast(pl.Int64).alias("reported"),
        record_ids(names),
    ]
    return aggregate(rows, by, measures)


def workshop_participants(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """Participants of workshops per year, month, country (of the place) or donor."""
    return _workshops(table, by)


def trainings_by_donor(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """Workshops and participants per donor (and optionally year or country)."""
    return _workshops(table, ["donor", *(key for key in by if key != "donor")])


# -- programme figures -----------------------------------------------------------------------

_FIGURE = (
    "id",
    "label",
    "amount",
    "amount_unit",
    "value",
    "value_currency",
    "as_of_earliest",
    "as_of_latest",
    "drug",
    "country",
)


def _figure_rows(table: pl.LazyFrame) -> pl.LazyFrame:
    """One row per figure: ``_v``, ``_low``, ``_high``, ``unit``, ``year``, ``_as_of`` and
    ``cumulative`` (see the module docstring)."""
    names = set(table.collect_schema().names())
    amount = pl.col("amount").is_not_null()

    def pick(suffix: str) -> pl.Expr:
        a, v = f"amount{suffix}", f"value{suffix}"
        first = pl.col(a) if a in names else pl.col("amount")
        second = pl.col(v) if v in names else pl.col("value")
        return pl.when(amount).then(first).otherwise(second)

    start, end = pl.col("as_of_earliest"), pl.col("as_of_latest")
    whole_year = (
        (start.dt.month() == 1)
        & (start.dt.day() == 1)
        & (end.dt.month() == 12)
        & (end.dt.day() == 31)
        & (start.dt.year() == end.dt.year())
    )
    cumulative = pl.col("cumulative") if "cumulative" in names else ~whole_year
    return table.filter(amount | pl.col("value").is_not_null()).with_columns(
        pick("").alias("_v"),
        pick("_low").fill_null(0).alias("_low"),
        pick("_high").alias("_high"),
        pl.when(amount)
        .then(pl.col("amount_unit"))
        .otherwise(pl.col("value_currency"))
        .alias("unit"),
        period_keys("as_of_earliest", "as_of_latest")["year"].alias("year"),
        pl.coalesce(end, start).alias("_as_of"),
        cumulative.fill_null(True).alias("cumulative"),
    )


#: What tells two figures apart: "seized" 9 kg of cocaine and 12 kg of methamphetamine are two
#: figures, as are the same count in two countries.
_FIGURE_IDENTITY = ("label", "drug", "country", "unit")


def _latest(rows: pl.LazyFrame, keys: Sequence[str]) -> pl.LazyFrame:
    """The latest statement of each group of ``keys``: the one of the latest ``as_of`` date
    (undated ones first), the larger of those of one date."""
    ordered = rows.sort(["_as_of", "_v"], nulls_last=False, maintain_order=True)
    return ordered.unique(subset=list(keys), keep="last", maintain_order=True)


def programme_figures(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """The latest statement of each cumulative results figure; annual figures summed, each
    year once."""
    require(table, _FIGURE, "figure")
    names = table.collect_schema().names()
    rows = _figure_rows(table)
    keys = [*_FIGURE_IDENTITY, *by]
    cumulative = pl.col("cumulative")
    # A report restating last year's figure states the same figure again, not a new one.
    counted = pl.concat(
        [
            _latest(rows.filter(cumulative), keys),
            _latest(rows.filter(~cumulative), [*keys, "as_of_earliest", "as_of_latest"]),
        ]
    )
    measures = [
        pl.col("_v").sum().alias("value"),
        pl.col("_low").sum().alias("low"),
        bounded_sum(pl.col("_high")).alias("high"),
        pl.col("_as_of").max().alias("as_of"),
        pl.len().cast(pl.Int64).alias("records"),
        record_ids(names),
    ]
    out = aggregate(counted, [*keys, "cumulative"], measures)
    return out.select(*keys, "value", "low", "high", "cumulative", "as_of", "records", "record_ids")


# -- registration ----------------------------------------------------------------------------

_CURRENCY = IndicatorParam("currency", "currency", "USD", "ISO 4217 code to convert into")
_WITH_RATES = IndicatorParam(
    "with_rates", "bool", False, "add a 'rates' column: the distinct rates used in each cell"
)
_SKIP = IndicatorParam(
    "skip_unconverted",
    "bool",
    False,
    "leave out values without an exchange rate (counted in 'unconverted') instead of failing",
)


def _specs() -> Iterable[IndicatorSpec]:
    yield IndicatorSpec(
        name="seized_mass",
        description="Mass seized in kg with low/high bounds; counts and volumes are excluded",
        entity="seizure",
        compute=seized_mass,
        by=SEIZURE_KEYS,
        measures=("kg", "low_kg", "high_kg", "records", "record_ids"),
    )
    yield IndicatorSpec(
        name="seized_count_units",
        description="Seized quantities that are not masses (tablets, cartons, litres), per unit",
        entity="seizure",
        compute=seized_count_units,
        by=(*SEIZURE_KEYS, "unit"),
        measures=("unit", "count", "low", "high", "records", "record_ids"),
    )
    yield IndicatorSpec(
        name="seized_value",
        description="Estimated value of seizures in one currency, at each record's date",
        entity="seizure",
        compute=seized_value,
        by=SEIZURE_KEYS,
        measures=("value", "low", "high", "currency", "records", "record_ids"),
        params=(_CURRENCY, _WITH_RATES, _SKIP),
    )
    yield IndicatorSpec(
        name="seizure_count",
        description="Number of seizure records, with or without a quantity",
        entity="seizure",
        compute=seizure_count,
        by=(*SEIZURE_KEYS, "unit", "dimension"),
        measures=("records", "record_ids"),
    )
    workshop_measures = ("participants", "low", "high", "workshops", "reported", "record_ids")
    yield IndicatorSpec(
        name="workshop_participants",
        description="Workshop participants with bounds; a workshop counts for each of its donors",
        entity="workshop",
        compute=workshop_participants,
        by=WORKSHOP_KEYS,
        measures=workshop_measures,
    )
    yield IndicatorSpec(
        name="trainings_by_donor",
        description="Number of workshops and their participants per donor",
        entity="workshop",
        compute=trainings_by_donor,
        by=("donor", "year", "country"),
        measures=("donor", *workshop_measures),
    )
    yield IndicatorSpec(
        name="donor_portfolio",
        description="IATI transaction amounts per donor/country/year in one currency",
        entity="transaction",
        compute=donor_portfolio,
        by=("donor", "country", "year", "sector", "type", "humanitarian"),
        measures=("value", "currency", "records", "record_ids"),
        params=(
            _CURRENCY,
            IndicatorParam(
                "types",
                "str",
                "2",
                "IATI transaction type codes to add, comma-separated (2 commitment, "
                "3 disbursement, 4 expenditure)",
            ),
            _WITH_RATES,
            _SKIP,
        ),
    )
    yield IndicatorSpec(
        name="programme_figures",
        description="Latest value of each cumulative results figure; annual figures summed",
        entity="figure",
        compute=programme_figures,
        by=("year",),
        measures=(
            *_FIGURE_IDENTITY,
            "value",
            "low",
            "high",
            "cumulative",
            "as_of",
            "records",
            "record_ids",
        ),
    )


@hookimpl
def sahel_register_indicators() -> Iterable[IndicatorSpec]:
    """The built-in indicators (see the module docstring)."""
    return list(_specs())
