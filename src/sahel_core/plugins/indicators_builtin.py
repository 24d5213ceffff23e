"""The built-in indicators, registered as a plugin like any other.

========================  ============  ================================================
indicator                 table         measures
========================  ============  ================================================
``seized_mass``           seizure       kg, low_kg, high_kg, records, record_ids
``seized_count_units``    seizure       (key ``unit``) count, low, high, records, record_ids
``seized_value``          seizure       value, low, high, currency, records, record_ids
``seizure_count``         seizure       records, record_ids
``workshop_participants`` workshop      participants, low, high, workshops, reported, record_ids
``trainings_by_donor``    workshop      (key ``donor``) the same measures
``donor_portfolio``       transaction   value, currency, records, record_ids
``programme_figures``     figure        value, low, high, unit, as_of, records, record_ids
========================  ============  ================================================

Choices, documented here so that every figure can be explained (see also
:mod:`sahel_core.indicators` for periods, bounds, nulls and provenance):

* **Masses and counts never mix.** ``seized_mass`` adds only quantities whose unit is a mass,
  converted to kg. Tablets, cartons, litres... are not masses: ``seized_count_units`` adds them
  per base unit of their own dimension (``unit`` is always a key: ``tablet``, ``carton``, ``l``),
  never into kg and never into each other. Seizures without a quantity count in
  ``seizure_count`` only. An unknown unit raises :class:`~sahel_core.errors.UnitError`.
* **Values** are converted at each record's ``date_earliest`` (the first day the seizure may have
  happened: the only day every partial date has) with :func:`sahel_core.money.convert_column`;
  ``low`` and ``high`` use the same rate as the value. ``with_rates=True`` adds a ``rates``
  column: the distinct rates used in each cell (currency, rate, rate date, source).
  A value that cannot be converted raises :class:`~sahel_core.errors.RateNotFound`, unless
  ``skip_unconverted=True``, which leaves it out and counts it in ``unconverted``.
* **Workshops and donors.** A workshop funded by two donors counts in full in both donors'
  groups: splitting it equally would invent an attribution no source states. Totals across
  donors are therefore not additive (the ``donor`` key is the only one that breaks the rule
  "totals over any grouping equal the ungrouped total"). ``country`` is the country of the
  workshop's place, not the countries its participants came from. Workshops without a stated
  number of participants count in ``workshops`` but not in ``reported``, ``participants``,
  ``low`` or ``high`` (null when no workshop of the group reports one). Every workshop, training
  or meeting record counts as a training in ``trainings_by_donor``.
* **Donor portfolio** reads the IATI ``transaction`` table: ``donor`` is the provider
  organisation, ``country`` the recipient country, ``year`` that of the transaction date;
  amounts are converted at the value date. Only the transaction types in ``types`` are added
  (default ``2``, commitments): adding commitments to the disbursements that pay them would
  count the same money twice. Group by ``type`` to see several types side by side.
* **Programme figures** read a ``figure`` table of results statements ("339 activities
  implemented as of June 2017"): columns ``id``, ``label``, ``value`` (Decimal), ``unit``,
  ``value_low``, ``value_high`` (optional), ``as_of_earliest``, ``as_of_latest`` and
  ``cumulative`` (bool). A cumulative figure already contains every earlier one, so the indicator
  keeps only the latest statement of each (label, unit); annual figures are summed per year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from sahel_core.errors import RateNotFound, UnitError
from sahel_core.hookspecs import hookimpl
from sahel_core.indicators import (
    aggregate,
    bounded_sum,
    convert,
    period_keys,
    record_ids,
    require,
    unit_table,
)
from sahel_core.specs import IndicatorParam, IndicatorSpec
from sahel_core.tables import DECIMAL_PRECISION, DECIMAL_SCALE

__all__ = ["sahel_register_indicators"]

DECIMAL = pl.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE)

SEIZURE_KEYS = ("country", "drug", "year", "month", "agency")
_SEIZURE_PLAIN = {"country": "country", "drug": "drug", "agency": "agency"}
_QUANTITY = ("quantity", "quantity_unit", "quantity_low", "quantity_high")


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


def _units(table: pl.LazyFrame, value: str, unit: str) -> pl.DataFrame:
    """The unit table of every unit used by a non-null ``value`` (one pass over the column)."""
    distinct = (
        table.filter(pl.col(value).is_not_null()).select(pl.col(unit).unique()).collect()[unit]
    )
    if distinct.null_count():
        raise UnitError(f"a {value} without a unit", field=unit, value=None)
    return unit_table(distinct.to_list(), column=unit).rename(
        {"unit": unit, "dimension": "_dimension", "base_unit": "_base", "factor": "_factor"}
    )


def _in_base_units(
    table: pl.LazyFrame, by: Sequence[str], *, mass: bool
) -> tuple[pl.LazyFrame, list[str]]:
    """Seizures with a quantity of mass (``mass=True``) or of any other dimension, with
    ``_q``, ``_low``, ``_high`` in the base unit (kg; l; the count itself) and keys added."""
    require(table, ["id", *_QUANTITY, "country", "drug", "agency", "date_earliest", "date_latest"],
            "seizure")  # fmt: skip
    names = table.collect_schema().names()
    units = _units(table, "quantity", "quantity_unit")
    scale = units.schema["_factor"].scale  # type: ignore[attr-defined]
    is_mass = pl.col("_dimension") == "mass"
    factor = pl.col("_factor")
    rows = (
        table.filter(pl.col("quantity").is_not_null())
        .join(units.lazy(), on="quantity_unit", how="left")
        .filter(is_mass if mass else ~is_mass)
        .with_columns(
            convert(pl.col("quantity"), factor, scale).alias("_q"),
            convert(pl.col("quantity_low").fill_null(0), factor, scale).alias("_low"),
            convert(pl.col("quantity_high"), factor, scale).alias("_high"),
        )
    )
    return _keyed(rows, by, _SEIZURE_PLAIN), names


def _bounded(prefix: str, point: str, low: str, high: str) -> list[pl.Expr]:
    return [
        pl.col(f"{prefix}q").sum().alias(point),
        pl.col(f"{prefix}low").sum().alias(low),
        bounded_sum(pl.col(f"{prefix}high")).alias(high),
    ]


def seized_mass(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """Kilograms seized per group, with bounds; counts and volumes are left out."""
    rows, names = _in_base_units(table, by, mass=True)
    measures = [
        *_bounded("_", "kg", "low_kg", "high_kg"),
        pl.len().cast(pl.Int64).alias("records"),
        record_ids(names),
    ]
    return aggregate(rows, by, measures)


def seized_count_units(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """Quantities that are not masses (tablets, cartons, litres...) per group and base unit."""
    rows, names = _in_base_units(table, by, mass=False)
    keys = [*by, "unit"] if "unit" not in by else list(by)
    rows = rows.with_columns(pl.col("_base").alias("unit"))
    measures = [
        *_bounded("_", "count", "low", "high"),
        pl.len().cast(pl.Int64).alias("records"),
        record_ids(names),
    ]
    return aggregate(rows, keys, measures)


def seizure_count(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """Seizure records per group, with or without a quantity."""
    require(table, ["id", "country", "drug", "agency", "date_earliest", "date_latest"], "seizure")
    names = table.collect_schema().names()
    if "dimension" in by:
        require(table, ["quantity", "quantity_unit"], "seizure")
        units = _units(table, "quantity", "quantity_unit").select("quantity_unit", "_dimension")
        table = table.join(units.lazy(), on="quantity_unit", how="left").with_columns(
            pl.when(pl.col("quantity").is_not_null()).then(pl.col("_dimension")).alias("dimension")
        )
    if "unit" in by:
        require(table, ["quantity", "quantity_unit"], "seizure")
        table = table.with_columns(
            pl.when(pl.col("quantity").is_not_null()).then(pl.col("quantity_unit")).alias("unit")
        )
    rows = _keyed(table, by, _SEIZURE_PLAIN)
    return aggregate(rows, by, [pl.len().cast(pl.Int64).alias("records"), record_ids(names)])


# -- money -----------------------------------------------------------------------------------


def _converted(
    rows: pl.LazyFrame,
    *,
    amount: str,
    currency: str,
    date: str,
    to: str,
    bounds: tuple[str, str] | None,
    skip: bool,
) -> pl.DataFrame:
    """``rows`` with ``_q`` (and ``_low``/``_high`` from ``bounds``) converted into ``to`` at
    ``date`` through :func:`sahel_core.money.convert_column`, plus ``rate``, ``rate_date``,
    ``rate_source`` and ``_ok`` (converted)."""
    from sahel_core.money import convert_column

    frame = rows.collect()
    out = convert_column(frame, amount=amount, currency=currency, date=date, to=to, into="_q")
    failed = out.filter(pl.col("_q").is_null())
    if failed.height and not skip:
        first = failed.row(0, named=True)
        reason = first.get("rate_error") or "no rate"
        raise RateNotFound(
            f"{failed.height} value(s) cannot be converted to {to}: {reason}",
            field=currency,
            value=f"{first[currency]} on {first[date]}",
        )
    if bounds is not None:
        scale = out.schema["rate"].scale if out.height else 0  # type: ignore[attr-defined]
        low, high = bounds
        out = out.with_columns(
            convert(pl.col(low).fill_null(0), pl.col("rate"), scale).alias("_low"),
            convert(pl.col(high), pl.col("rate"), scale).alias("_high"),
        )
    return out.with_columns(pl.col("_q").is_not_null().alias("_ok"))


def _money_measures(
    names: Sequence[str], to: str, *, bounds: bool, with_rates: bool, skip: bool, ids: pl.Expr
) -> list[pl.Expr]:
    ok = pl.col("_ok")
    measures = [pl.col("_q").filter(ok).sum().alias("value")]
    if bounds:
        measures += [
            pl.col("_low").filter(ok).sum().alias("low"),
            bounded_sum(pl.col("_high").filter(ok)).alias("high"),
        ]
    measures += [pl.lit(to).alias("currency"), ok.sum().cast(pl.Int64).alias("records")]
    if skip:
        measures.append((~ok).sum().cast(pl.Int64).alias("unconverted"))
    measures.append(ids)
    if with_rates:
        rate = pl.struct(
            pl.col(names[0]).alias("from_currency"),
            pl.col("rate"),
            pl.col("rate_date"),
            pl.col("rate_source"),
        )
        measures.append(rate.filter(ok).unique(maintain_order=True).implode().alias("rates"))
    return measures


def seized_value(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """Estimated value of seizures in one currency, converted at each record's date."""
    columns = ["value", "value_currency", "value_low", "value_high"]
    require(table, ["id", *columns, "country", "drug", "agency", "date_earliest", "date_latest"],
            "seizure")  # fmt: skip
    names = table.collect_schema().names()
    to = params["currency"]
    rows = _keyed(table.filter(pl.col("value").is_not_null()), by, _SEIZURE_PLAIN)
    out = _converted(
        rows,
        amount="value",
        currency="value_currency",
        date="date_earliest",
        to=to,
        bounds=("value_low", "value_high"),
        skip=params["skip_unconverted"],
    )
    measures = _money_measures(
        ["value_currency"],
        to,
        bounds=True,
        with_rates=params["with_rates"],
        skip=params["skip_unconverted"],
        ids=record_ids(names),
    )
    return aggregate(out.lazy(), by, measures)


_TRANSACTION = (
    "activity",
    "type",
    "date",
    "value_date",
    "value",
    "currency",
    "provider_org",
    "recipient_country",
    "sector",
)


def donor_portfolio(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """IATI transaction money per donor, country, year, sector or type, in one currency."""
    require(table, _TRANSACTION, "transaction")
    to = params["currency"]
    types = [t.strip() for t in str(params["types"]).split(",") if t.strip()]
    plain = {"donor": "provider_org", "country": "recipient_country", "sector": "sector",
             "type": "type"}  # fmt: skip
    rows = table.filter(pl.col("type").cast(pl.String).is_in(types)).with_columns(
        pl.col("date").dt.year().cast(pl.Int32).alias("_year")
    )
    rows = _keyed(rows, by, {**plain, "year": "_year"}, periods=None)
    out = _converted(
        rows,
        amount="value",
        currency="currency",
        date="value_date",
        to=to,
        bounds=None,
        skip=params["skip_unconverted"],
    )
    activities = pl.col("activity").unique(maintain_order=True).implode().alias("record_ids")
    measures = _money_measures(
        ["currency"],
        to,
        bounds=False,
        with_rates=params["with_rates"],
        skip=params["skip_unconverted"],
        ids=activities,
    )
    return aggregate(out.lazy(), by, measures)


# -- workshops -------------------------------------------------------------------------------

WORKSHOP_KEYS = ("year", "month", "country", "donor")
_PARTICIPANTS = ("participants", "participants_unit", "participants_low", "participants_high")


def _workshops(table: pl.LazyFrame, by: Sequence[str]) -> pl.DataFrame:
    require(table, ["id", *_PARTICIPANTS, "country", "donors", "date_earliest", "date_latest"],
            "workshop")  # fmt: skip
    names = table.collect_schema().names()
    units = _units(table, "participants", "participants_unit")
    for unit, dimension in units.select("participants_unit", "_dimension").iter_rows():
        if dimension != "person":
            raise UnitError(
                "participants are counted in persons", field="participants_unit", value=unit
            )
    if "donor" in by:
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

_FIGURE = ("id", "label", "value", "unit", "as_of_earliest", "as_of_latest", "cumulative")


def programme_figures(
    table: pl.LazyFrame, by: Sequence[str], params: Mapping[str, Any]
) -> pl.DataFrame:
    """The latest statement of each cumulative results figure; annual figures summed."""
    require(table, _FIGURE, "figure")
    names = table.collect_schema().names()
    low = pl.col("value_low") if "value_low" in names else pl.col("value")
    high = pl.col("value_high") if "value_high" in names else pl.col("value")
    rows = table.filter(pl.col("value").is_not_null()).with_columns(
        period_keys("as_of_earliest", "as_of_latest")["year"].alias("year"),
        pl.coalesce("as_of_latest", "as_of_earliest").alias("_as_of"),
        pl.col("cumulative").fill_null(False),
        low.fill_null(0).alias("_low"),
        high.alias("_high"),
    )
    keys = ["label", "unit", *by]
    # A cumulative figure contains every earlier statement of it: keep the latest (the largest
    # on the same date), never add them up.
    order = [pl.col("_as_of"), pl.col("value")]
    cumulative = aggregate(
        rows.filter(pl.col("cumulative")),
        keys,
        [
            pl.col("value").sort_by(order, nulls_last=False).last().alias("value"),
            pl.col("_low").sort_by(order, nulls_last=False).last().alias("low"),
            pl.col("_high").sort_by(order, nulls_last=False).last().alias("high"),
            pl.lit(True).alias("cumulative"),
            pl.col("_as_of").max().alias("as_of"),
            pl.lit(1, pl.Int64).alias("records"),
            pl.col("id").sort_by(order, nulls_last=False).last().implode().alias("record_ids"),
        ],
    )
    annual = aggregate(
        rows.filter(~pl.col("cumulative")),
        keys,
        [
            pl.col("value").sum().alias("value"),
            pl.col("_low").sum().alias("low"),
            bounded_sum(pl.col("_high")).alias("high"),
            pl.lit(False).alias("cumulative"),
            pl.col("_as_of").max().alias("as_of"),
            pl.len().cast(pl.Int64).alias("records"),
            record_ids(names),
        ],
    )
    both = pl.concat([cumulative, annual], how="vertical_relaxed")
    return both.sort([*keys, "cumulative"], nulls_last=True)


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
        description="Number of seizure records",
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
        by=("donor", "country", "year", "sector", "type"),
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
        description="Latest value of each cumulative results figure; annual figures per year",
        entity="figure",
        compute=programme_figures,
        by=("year",),
        measures=("label", "unit", "value", "low", "high", "cumulative", "as_of", "records",
                  "record_ids"),  # fmt: skip
    )


@hookimpl
def sahel_register_indicators() -> Iterable[IndicatorSpec]:
    """The built-in indicators (see the module docstring)."""
    return list(_specs())
