"""Indicators: named computations over canonical tables, returned as tidy polars tables.

``compute("seized_mass", seizures, by=["country", "year"])`` looks the indicator up in the
plugin manager, checks ``by`` and the parameters, runs it lazily and returns one row per group:
the ``by`` columns first, then the indicator's measures (``kg``, ``low_kg``, ``high_kg``,
``records``, ``record_ids``). ``sahel indicators --list`` shows every indicator with its keys and
parameters. :func:`compute_many` computes several over one table, two at a time.

Rules every built-in indicator follows, so that figures are reproducible and never counted twice:

* **Periods.** ``year`` (an integer) and ``month`` (``"YYYY-MM"``) come from a record's date
  interval: the year (month) of ``*_earliest`` when the whole interval up to ``*_latest`` lies
  within that one calendar year (month). A record dated "2015-2016", open ("since 2014") or
  undated goes to the null year (month). It is never split across years: a split would invent a
  distribution the source did not state, and putting it in each year would count it twice.
* **Nulls are a group.** A record with an unknown key (no country, no year) forms the null group,
  so the totals over any grouping equal the ungrouped total.
* **Bounds.** Beside each point value, ``low`` is the sum of the records' low bounds and
  ``high`` the sum of their high bounds. A null low bound means unbounded below, i.e. 0 for
  these non-negative figures; a null high bound ("more than 2.7 tons") is unbounded, so the
  group's ``high`` is null as soon as one contributing record is unbounded, or is left out of
  the figure (a value without a rate, with ``skip_unconverted``). Tables are taken as
  canonical: bounds settled as :mod:`sahel_core.quantities` settles them (``from_entities`` and
  ``io.read`` always do).
* **Exactness.** Sums are exact ``Decimal`` sums. Quantities converted to another unit keep
  every digit (grams in kg have 12 decimal places), so grouping never changes a total; money is
  converted per record by :func:`sahel_core.rates.convert_column` (9 places) and then summed.
* **Provenance.** ``record_ids`` lists the ids of the records that fed each cell, in no set
  order: a record left out of a figure (a value without a rate, with ``skip_unconverted``,
  counted in ``unconverted``) is not listed. On a table from
  :func:`sahel_core.reconcile.reconcile` it lists the original records of each merged event
  (from its ``merged_from`` column, which only that table in memory has: a reconciled table
  written to a file and read back lists each event under its own id).

Indicator plugins build on the helpers here: :func:`require`, :func:`period_keys`,
:func:`unit_table`, :func:`times`, :func:`bounded_sum`, :func:`record_ids`, :func:`aggregate`.
"""

from __future__ import annotations

import csv as csv_module
import datetime as dt
import functools
import io
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sahel_core._threads import in_threads
from sahel_core.errors import (
    PluginError,
    SahelError,
    StructureError,
    UnitError,
    ValidationError,
)
from sahel_core.io import _manager
from sahel_core.money import currency_code
from sahel_core.specs import IndicatorParam, IndicatorSpec

if TYPE_CHECKING:
    import polars as pl

    from sahel_core.plugins import Manager

__all__ = [
    "aggregate",
    "bounded_sum",
    "check_by",
    "check_params",
    "compute",
    "compute_many",
    "json_cell",
    "list_indicators",
    "period_keys",
    "record_ids",
    "require",
    "result_rows",
    "result_text",
    "share_params",
    "times",
    "unit_table",
]


def list_indicators(manager: Manager | None = None) -> list[IndicatorSpec]:
    """Every registered indicator, by name."""
    indicators = _manager(manager).indicators
    return [indicators[name] for name in sorted(indicators)]


def compute(
    name: str,
    table: pl.DataFrame | pl.LazyFrame,
    by: Sequence[str] = (),
    *,
    manager: Manager | None = None,
    **params: Any,
) -> pl.DataFrame:
    """Compute indicator ``name`` over ``table``, grouped by ``by``.

    Returns a tidy frame: the ``by`` columns (null is a group of its own), then the measures the
    indicator declares, sorted by the keys. Without ``by`` it is one row of totals.
    ``params`` are the indicator's parameters (``currency="EUR"``); text values are read as the
    parameter's type, so values from a command line work as they are.

    Raises :class:`~sahel_core.errors.ReferenceNotFound` for an unknown indicator,
    :class:`~sahel_core.errors.ValidationError` naming the key or parameter that is not allowed
    or has a bad value, :class:`~sahel_core.errors.StructureError` when the table lacks a column
    the indicator needs, and other :class:`~sahel_core.errors.SahelError` subclasses on bad data
    (unknown units, missing exchange rates, figures too large to add).
    """
    spec = _manager(manager).indicator(name)
    keys = check_by(spec, by)
    values = check_params(spec, params)
    return _run(spec, _lazy(table), keys, values)


def _lazy(table: object) -> pl.LazyFrame:
    import polars as pl

    if isinstance(table, pl.DataFrame):
        return table.lazy()
    if isinstance(table, pl.LazyFrame):
        return table
    raise ValidationError(
        "an indicator runs on a polars DataFrame or LazyFrame",
        field="table",
        value=type(table).__name__,
    )


def _run(
    spec: IndicatorSpec, lazy: pl.LazyFrame, keys: tuple[str, ...], values: dict[str, Any]
) -> pl.DataFrame:
    """``spec`` computed on a checked table, keys and parameters; its failures and a result
    without the declared columns as :class:`~sahel_core.errors.SahelError`."""
    import polars as pl

    name = spec.name
    try:
        result = spec.compute(lazy, keys, values)
    except SahelError:
        raise
    except pl.exceptions.ColumnNotFoundError as exc:
        raise StructureError(
            f"indicator {name!r} needs a column the table lacks: {_first_line(exc)}",
        ) from None
    except (pl.exceptions.PolarsError, ArithmeticError) as exc:
        raise ValidationError(
            f"indicator {name!r} cannot run on this table: {_first_line(exc)}",
            field="table",
        ) from None
    except Exception as exc:
        raise PluginError(
            f"indicator {name!r} failed: {type(exc).__name__}: {exc}", field="indicator"
        ) from exc
    if not isinstance(result, pl.DataFrame):
        raise PluginError(
            f"indicator {name!r} returned {type(result).__name__}, not a polars DataFrame",
            field="indicator",
        )
    missing = [c for c in (*keys, *spec.measures) if c not in result.columns]
    if missing:
        raise PluginError(
            f"indicator {name!r} returned no column {', '.join(missing)}", field="indicator"
        )
    return result


def compute_many(
    names: Sequence[str],
    table: pl.DataFrame | pl.LazyFrame,
    by: Sequence[str] = (),
    *,
    manager: Manager | None = None,
    **params: Any,
) -> dict[str, pl.DataFrame]:
    """:func:`compute` of each indicator of ``names`` over ``table``, grouped by ``by``, two
    at a time: an indicator keeps about one core busy (its group-bys are short, its rate
    routes are worked out in Python), so two together take less time than one after the
    other (at 1M seizures, ``seized_mass`` and ``seized_value``: see the benchmark report).

    Each parameter goes to the indicators that declare it (``currency`` to the money ones); a
    parameter that none declares is a :class:`~sahel_core.errors.ValidationError`, and so is
    a name given twice. Every name, key and parameter is checked before any indicator runs.
    Returns the results by name, in the order given; the error raised when several fail is
    the first's in that order, as one after the other would raise it.
    """
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise ValidationError("names is a list of indicator names", field="names", value=names)
    if twice := next((name for i, name in enumerate(names) if name in names[:i]), None):
        # As sahel indicators -i: a name given twice is a slip, not a wish for two results.
        raise ValidationError(f"indicator {twice!r} is given twice", field="names", value=twice)
    indicators = _manager(manager)
    specs = [indicators.indicator(name) for name in names]
    shares = share_params(specs, params)
    checked = [
        (spec, check_by(spec, by), check_params(spec, share))
        for spec, share in zip(specs, shares, strict=True)
    ]
    lazy = _lazy(table)
    calls = [functools.partial(_run, spec, lazy, keys, values) for spec, keys, values in checked]
    return dict(zip(names, in_threads(calls), strict=True))


def share_params(specs: Sequence[IndicatorSpec], params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The parameters of each indicator of ``specs``: each goes to the indicators that declare
    it. A single indicator gets them all, for :func:`check_params` to name one it does not
    have; with several, a parameter that none declares is a
    :class:`~sahel_core.errors.ValidationError` naming it."""
    if len(specs) == 1:
        return [dict(params)]
    declared = [{p.name for p in spec.params} for spec in specs]
    for name in params:
        if not any(name in names for names in declared):
            raise ValidationError(
                f"no indicator given has a parameter {name!r}", field=name, value=params[name]
            )
    return [{k: v for k, v in params.items() if k in names} for names in declared]


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def check_by(spec: IndicatorSpec, by: Sequence[str] | str) -> tuple[str, ...]:
    """``by`` as a tuple of keys ``spec`` allows (text is split on commas).

    Raises :class:`~sahel_core.errors.ValidationError` (field ``by``) naming a key that is not
    allowed or repeated.
    """
    keys = tuple(k.strip() for k in by.split(",")) if isinstance(by, str) else tuple(by)
    allowed = ", ".join(spec.by) or "none"
    for key in keys:
        if not isinstance(key, str) or key not in spec.by:
            raise ValidationError(
                f"indicator {spec.name!r} cannot group by {key!r}; allowed: {allowed}",
                field="by",
                value=key,
            )
    if len(set(keys)) != len(keys):
        raise ValidationError("a grouping key is repeated", field="by", value=list(keys))
    return keys


# -- parameters ------------------------------------------------------------------------------


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOLS:
        return _BOOLS[value.strip().lower()]
    raise ValueError("expected true or false")


_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return int(value.strip())
    raise ValueError("expected a whole number")


def _decimal(value: object) -> Decimal:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("expected a decimal number") from None
    else:
        raise ValueError("expected a decimal number (not a float)")
    if not number.is_finite():
        raise ValueError("expected a finite number")
    return number


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise ValueError("expected a date YYYY-MM-DD")


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    raise ValueError("expected text")


#: How a parameter value is read for each :attr:`IndicatorParam.type`. Values of other types
#: (a plugin's own) are passed to the indicator as given.
PARAM_TYPES: dict[str, Callable[[object], Any]] = {
    "str": _text,
    "bool": _bool,
    "int": _int,
    "decimal": _decimal,
    "date": _date,
    "currency": currency_code,
}


def check_params(spec: IndicatorSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` read as ``spec`` declares them, defaults filled in.

    Raises :class:`~sahel_core.errors.ValidationError` naming an unknown parameter or a value
    that its type refuses.
    """
    declared: dict[str, IndicatorParam] = {p.name: p for p in spec.params}
    for name in params:
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise ValidationError(
                f"indicator {spec.name!r} has no parameter {name!r}; parameters: {known}",
                field=name,
                value=params[name],
            )
    values: dict[str, Any] = {}
    for name, param in declared.items():
        if name not in params:
            values[name] = param.default
            continue
        reader = PARAM_TYPES.get(param.type)
        if reader is None:
            values[name] = params[name]
            continue
        try:
            values[name] = reader(params[name])
        except (ValueError, TypeError) as exc:
            reason = exc.message if isinstance(exc, SahelError) else str(exc)
            raise ValidationError(
                f"bad value for parameter {name!r} of indicator {spec.name!r}: {reason}",
                field=name,
                value=params[name],
            ) from None
    return values


# -- helpers for indicator implementations ---------------------------------------------------


def require(table: pl.LazyFrame, columns: Iterable[str], what: str) -> None:
    """Raise :class:`~sahel_core.errors.StructureError` listing ``columns`` the table lacks.

    ``what`` names the table for the message ("seizure").
    """
    present = set(table.collect_schema().names())
    missing = [c for c in columns if c not in present]
    if missing:
        raise StructureError(
            f"not a {what} table", [(f"$.{c}", "missing column", None) for c in missing]
        )


def period_keys(earliest: str, latest: str) -> dict[str, pl.Expr]:
    """``{"year": ..., "month": ...}`` keys of a date interval (see the module docstring).

    ``year`` is an integer; ``month`` an integer ``yyyymm`` that :func:`aggregate` turns into
    ``"YYYY-MM"`` once the groups are formed.
    """
    import polars as pl

    start, end = pl.col(earliest), pl.col(latest)
    same_year = start.dt.year() == end.dt.year()
    same_month = same_year & (start.dt.month() == end.dt.month())
    year = start.dt.year().cast(pl.Int32)
    return {
        "year": pl.when(same_year).then(year),
        "month": pl.when(same_month).then(year * 100 + start.dt.month().cast(pl.Int32)),
    }


def record_ids(
    columns: Iterable[str], id_column: str = "id", *, where: pl.Expr | None = None
) -> pl.Expr:
    """An aggregation listing the ids of the records in each group; with ``where`` (a boolean
    expression), of the records where it holds only: those that fed the figure, when some
    are left out of it (``skip_unconverted``).

    On a reconciled table (with a ``merged_from`` list column) it lists the original records.
    """
    import polars as pl

    if "merged_from" in set(columns):
        merged = pl.coalesce(pl.col("merged_from"), pl.concat_list(pl.col(id_column)))
        if where is not None:
            merged = merged.filter(where)
        ids = merged.list.explode(keep_nulls=False, empty_as_null=False)
    else:
        ids = pl.col(id_column)
        if where is not None:
            ids = ids.filter(where)
    return ids.implode().alias("record_ids")


def bounded_sum(expr: pl.Expr) -> pl.Expr:
    """The sum of upper bounds: null (unbounded) when any of them is null."""
    import polars as pl

    return pl.when(expr.null_count() == 0).then(expr.sum())


def unit_table(units: Iterable[str | None], *, column: str = "unit") -> pl.DataFrame:
    """Columns ``unit``, ``dimension``, ``base_unit`` and ``factor`` (Decimal, to the base unit)
    for each distinct unit, from :func:`sahel_core.quantities.unit_factors`.

    pint is consulted once per distinct unit. Raises :class:`~sahel_core.errors.UnitError`
    naming the first unknown unit (``column`` is the field named in the error).
    """
    import polars as pl

    from sahel_core.quantities import base_unit, unit_factors

    distinct = sorted({u for u in units if u is not None})
    found = unit_factors(distinct)
    infos: list[tuple[str, Decimal]] = []
    for unit in distinct:
        info = found[unit]
        if isinstance(info, UnitError):
            raise UnitError(f"unknown unit {unit!r}", field=column, value=unit)
        infos.append(info)
    scale = max((_places(f) for _, f in infos), default=0)
    return pl.DataFrame(
        {
            "unit": distinct,
            "dimension": [dimension for dimension, _ in infos],
            "base_unit": [base_unit(u) for u in distinct],
            # As text, cast exactly: polars imports numpy (~0.15 s) to read Decimal objects.
            "factor": [format(factor, "f") for _, factor in infos],
        },
        schema={
            "unit": pl.String,
            "dimension": pl.String,
            "base_unit": pl.String,
            "factor": pl.String,
        },
    ).with_columns(pl.col("factor").cast(pl.Decimal(38, scale)))


def _places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def times(value: pl.Expr, factor: pl.Expr, factor_scale: int) -> pl.Expr:
    """``value * factor`` exactly: a ``Decimal(38, 9 + factor_scale)`` column, never rounded.

    ``factor_scale`` is the decimal scale of the factor column (``unit_table(...).schema``
    tells it). Multiply sums rather than rows where you can: ``f * (a + b) == f * a + f * b``
    exactly, and one product per group is far cheaper than one per record.
    """
    import polars as pl

    from sahel_core.tables import DECIMAL_PRECISION, DECIMAL_SCALE

    wide = pl.Decimal(DECIMAL_PRECISION, min(DECIMAL_PRECISION, DECIMAL_SCALE + factor_scale))
    return value.cast(wide) * factor.cast(wide)


def aggregate(table: pl.LazyFrame, by: Sequence[str], measures: Sequence[pl.Expr]) -> pl.DataFrame:
    """``measures`` per group of ``by`` (sorted, nulls last), or one row of totals without keys.

    A ``month`` key from :func:`period_keys` (an integer ``yyyymm``, cheap to group by) comes
    out as ``"YYYY-MM"`` text.
    """
    import polars as pl

    if not by:
        return table.select(measures).collect()
    keys = list(by)
    listed = [m for m in measures if _gives_lists(table, keys, m)]
    if not listed:
        out = table.group_by(keys).agg(measures).sort(keys, nulls_last=True).collect()
    else:
        # Sums and counts stream in little memory; lists (record_ids) need every row at once,
        # so they are gathered in a second pass over the rows, collected for it.
        schema = table.group_by(keys).agg(measures).collect_schema()
        rows = _read_rows(table, keys, measures, schema)
        plain = [m for m in measures if not any(m is other for other in listed)]
        out = rows.group_by(keys).agg(plain).sort(keys, nulls_last=True).collect()
        out = out.hstack(_lists(rows, keys, listed, out)).select(schema.names())
    if "month" in by and out.schema["month"].is_integer():
        month = pl.col("month")
        text = pl.format("{}-{}", month // 100, (month % 100).cast(pl.String).str.zfill(2))
        out = out.with_columns(text.alias("month"))
    return out


def _gives_lists(table: pl.LazyFrame, keys: list[str], measure: pl.Expr) -> bool:
    import polars as pl

    found = table.group_by(keys).agg(measure).collect_schema()
    return any(isinstance(found[name], pl.List) for name in found.names()[len(keys) :])


def _read_rows(
    table: pl.LazyFrame, keys: list[str], measures: Sequence[pl.Expr], schema: pl.Schema
) -> pl.LazyFrame:
    """``table`` collected, with only the columns ``measures`` read (all of them when a
    measure picks columns by a selector)."""
    import polars as pl

    used = {*keys, *(name for m in measures for name in m.meta.root_names())}
    pruned = table.select([c for c in table.collect_schema().names() if c in used])
    try:
        same = pruned.group_by(keys).agg(measures).collect_schema() == schema
    except pl.exceptions.ColumnNotFoundError:
        same = False
    return (pruned if same else table).collect().lazy()


_GROUP, _FOUND = "__sahel_group", "__sahel_found"


def _lists(
    table: pl.LazyFrame, keys: list[str], measures: list[pl.Expr], groups: pl.DataFrame
) -> pl.DataFrame:
    """The list ``measures`` for each row of ``groups`` (the distinct ``keys``).

    Grouping on one hash of the keys is several times cheaper, in time and memory, than on the
    keys themselves. The hash tells the groups apart if it gives as many groups as the keys do
    and each group is found again by the hash of its keys; otherwise (a collision) the keys
    themselves are used, so the result is exact either way.
    """
    import polars as pl

    # One hash per key column, combined: several times cheaper than hashing a struct.
    hashes = [pl.col(key).hash(seed=i) for i, key in enumerate(keys)]
    group = functools.reduce(operator.xor, hashes).alias(_GROUP)
    found = table.with_columns(group).group_by(_GROUP).agg(measures)
    lists = found.with_columns(pl.lit(True).alias(_FOUND)).collect()
    if lists.height == groups.height:
        cells = groups.select(group).join(lists, on=_GROUP, how="left", maintain_order="left")
        if cells[_FOUND].null_count() == 0:
            return cells.drop(_GROUP, _FOUND)
    return table.group_by(keys).agg(measures).sort(keys, nulls_last=True).drop(keys).collect()


# -- results as text (CLI --json/--csv, the demo's files) ----------------------------------------


def json_cell(value: Any) -> Any:
    """A value as JSON shows it: Decimals as plain text without trailing zeros ("5403.35"),
    dates as ISO text, lists and records kept."""
    if isinstance(value, list):
        return [json_cell(v) for v in value]
    if isinstance(value, dict):
        return {k: json_cell(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        from sahel_core.serialization import decimal_text

        return decimal_text(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                        for v in value)  # fmt: skip
    return value


def result_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """``frame``'s rows as JSON objects, cells as :func:`json_cell` writes them."""
    return [{k: json_cell(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def result_text(frame: pl.DataFrame, *, csv: bool) -> str:
    """``frame`` as JSON (a list of row objects) or CSV (list cells joined with ``;``, records
    in them as JSON), Decimals as :func:`json_cell` writes them."""
    rows = result_rows(frame)
    if not csv:
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv_module.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    writer.writerows([_csv_cell(row[c]) for c in frame.columns] for row in rows)
    return buffer.getvalue()
