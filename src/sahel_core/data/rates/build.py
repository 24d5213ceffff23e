"""Rebuild the rate files in this folder from the public files in ``../shared/data/fx``.

Run from the repository root: ``python src/sahel_core/data/rates/build.py ../shared/data/fx``.
A test rebuilds them into a temporary folder and checks they equal the shipped ones, so the
package data stays reproducible from its sources (see ``../SOURCES.md``, "Exchange rates").

* ``ecb.parquet``: every ECB euro reference rate, long (``currency, base, date, period,
  rate, places, increment``; ``rate`` a ``Decimal(18, 6)``, exactly as published; ``places``
  the decimal places it is published to and ``increment`` the step, where coarser than a unit
  of those places, see :func:`ecb`), sorted by currency then date, in row groups of
  8,192 rows with statistics, so a scan for a few currencies reads only their row groups
  (:func:`sahel_core.plugins.rates_builtin.load_ecb` is such a scan).
* ``imf.parquet``: IMF IFS national currency per USD for :data:`KEEP`: monthly end of period
  (2015-2020) and annual averages, long (``currency, date, period, rate, country``), ``date``
  the month end an end-of-period rate is for (it serves from then, see
  :mod:`sahel_core.rates`), the first day of the year an annual average covers.
* ``worldbank.parquet``: World Bank PA.NUS.FCRF annual averages for :data:`KEEP`, same shape.

IMF and World Bank figures are binary doubles printed with up to 17 significant digits; they
are kept to :data:`~sahel_core.rates.RATE_SCALE` decimal places (rounded half-even), which
changes none of the figures by more than 5e-17; rates below 1e-6 (hyperinflation back-casts
of the 1950s-1980s) are left out because 16 places would keep fewer than 10 of their digits.
Their digits are all that is known of their precision, so they carry no ``places``.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import polars as pl

#: Currencies kept from the IMF and World Bank files: West and Central Africa, neighbours,
#: the main donors' currencies, and the SDR (IATI budgets use XDR).
KEEP = (
    "XOF",
    "XAF",
    "GHS",
    "NGN",
    "MRU",
    "GNF",
    "GMD",
    "SLE",
    "LRD",
    "CVE",
    "CDF",
    "STN",
    "MAD",
    "DZD",
    "TND",
    "LYD",
    "EGP",
    "SDG",
    "ZAR",
    "KES",
    "ETB",
    "RWF",
    "BIF",
    "EUR",
    "GBP",
    "JPY",
    "CHF",
    "CNY",
    "CAD",
    "AUD",
    "SEK",
    "NOK",
    "DKK",
    "SAR",
    "AED",
    "INR",
    "BRL",
    "RUB",
    "TRY",
    "KRW",
    "XDR",
)

# Which IMF series stands for a currency used by several economies: the regional aggregate
# (WAEMU, CEMAC, euro area) where the IMF has one, else the country named by the code's first
# two letters (ISO 4217 builds codes that way), else the first country code in order.
_IMF_PREFERRED = {"XOF": "7A", "XAF": "5X", "EUR": "U2", "XDR": "XDR"}
# The same for World Bank economies (ISO3): the euro area aggregate, Senegal, Cameroon.
_WB_PREFERRED = {"EUR": "EMU", "XOF": "SEN", "XAF": "CMR"}

_RATE_SCALE = 16
_QUANTUM = Decimal(1).scaleb(-_RATE_SCALE)
_SMALLEST = Decimal("0.000001")


def _exact(text: str) -> Decimal:
    return Decimal(text).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


def ecb(source: Path) -> pl.DataFrame:
    """The ECB history, long, checked to hold every published figure exactly.

    ``places``: the file drops trailing zeros (the ECB's 1.1000 USD is written 1.1), so a
    rate counts the places most of its currency's rates of that year are written with, or
    its own if more; never more than the ECB published, as no rate is written with more.
    The ECB's places change over time: GBP 4 until 2001, then 5; ISK 2 until 2008, 1 from
    2018.

    ``increment``: some series are published in steps coarser than their last place (the
    rupee in 2019 in steps of 0.0005 at 4 places, 253 of its 255 rates; the Norwegian krone
    in 2000; the Turkish lira in 2002 in thousands). One rate cannot tell its step (1.1000 is
    a multiple of 0.1), so, as for ``places``, its currency's year decides: a rate's increment
    is the coarsest of 0.000001, 0.000005, 0.00001, 0.00005... that it is a multiple of, but
    no coarser than the one more than half of its currency's rates of that year are multiples
    of (the lower median of theirs); null where that is one unit of its places.
    """
    raw = pl.read_csv(source, infer_schema=False)
    raw = raw.drop([c for c in raw.columns if not c.strip() or c.startswith("_duplicated")])
    text = raw.unpivot(index="Date", variable_name="currency", value_name="text").filter(
        pl.col("text") != "N/A"
    )
    written = pl.col("text").str.split(".").list.get(1, null_on_oob=True).str.len_chars()
    year = pl.col("date").dt.year()
    long = (
        text.select(
            "currency",
            pl.lit("EUR").alias("base"),
            pl.col("Date").str.to_date("%Y-%m-%d").alias("date"),
            pl.lit("day").alias("period"),
            pl.col("text").cast(pl.Decimal(18, 6)).alias("rate"),
            written.fill_null(0).cast(pl.Int8).alias("places"),
            "text",
        )
        .with_columns(
            pl.max_horizontal("places", pl.col("places").mode().min().over("currency", year))
        )
        .with_columns(_increment(year))
        .sort("currency", "date")
    )
    # The Decimal(18, 6) rates must equal the text exactly.
    assert all(Decimal(t) == r for t, r in long.select("text", "rate").iter_rows())
    return long.drop("text")


#: The steps an ECB rate may be published in, in millionths (its rates have at most 6
#: places): 0.000001, 0.000005, 0.00001, 0.00005... up to 5,000,000.
_INCREMENTS = tuple(m * 10**e for e in range(13) for m in (1, 5))


def _increment(year: pl.Expr) -> pl.Expr:
    """``increment`` of :func:`ecb`: a ``Decimal(18, 6)``, null where it is one unit of the
    rate's ``places``."""
    millionths = (pl.col("rate") * 10**6).cast(pl.Int64)  # Decimal(18, 6) rates: exact
    own = pl.max_horizontal(pl.when(millionths % i == 0).then(i) for i in _INCREMENTS)
    step = pl.min_horizontal(own, own.quantile(0.5, interpolation="lower").over("currency", year))
    unit = pl.lit(10, dtype=pl.Int64).pow(6 - pl.col("places").cast(pl.Int64))
    value = step.cast(pl.Decimal(18, 0)) * pl.lit("0.000001").cast(pl.Decimal(18, 6))
    return pl.when(step > unit).then(value.cast(pl.Decimal(18, 6))).alias("increment")


def _pick(frame: pl.DataFrame, key: str, preferred: dict[str, str]) -> pl.DataFrame:
    """One series per currency: see :data:`_IMF_PREFERRED`."""
    chosen = []
    for (currency,), group in frame.group_by("currency", maintain_order=True):
        codes = sorted(group[key].unique().to_list())
        wish = [preferred.get(str(currency)), str(currency)[:2]]
        code = next((c for c in wish if c in codes), codes[0])
        chosen.append(group.filter(pl.col(key) == code))
    return pl.concat(chosen)


def _rates(frame: pl.DataFrame) -> pl.DataFrame:
    rates = pl.Series("rate", [_exact(r) for r in frame["rate"]], dtype=pl.Decimal(38, _RATE_SCALE))
    # Below 1e-6 a rate would keep fewer than 10 significant digits at 16 places: those are
    # hyperinflation back-casts (BRL, CDF... before the 1990s), left out rather than blurred.
    return frame.with_columns(rates).filter(pl.col("rate") >= _SMALLEST)


def imf(annual: Path, monthly: Path) -> pl.DataFrame:
    """IMF IFS rates (national currency per USD) for :data:`KEEP`, monthly and annual."""
    parts = []
    day = pl.col("Date").str.to_date("%Y-%m-%d")
    # An end-of-period rate keeps its month end: from the 1st of that month it would serve
    # days before it was set. An annual average covers its year, from 1 January.
    for path, period, date in ((monthly, "month", day), (annual, "year", day.dt.truncate("1y"))):
        frame = pl.read_csv(path, infer_schema=False).filter(pl.col("Currency").is_in(KEEP))
        frame = frame.select(
            pl.col("Currency").alias("currency"),
            date.alias("date"),
            pl.lit(period).alias("period"),
            pl.col("Rate").alias("rate"),
            pl.col("Country code").alias("country"),
        )
        parts.append(_pick(frame, "country", _IMF_PREFERRED))
    return _rates(pl.concat(parts)).sort("currency", "period", "date")


def worldbank(path: Path) -> pl.DataFrame:
    """World Bank annual rates (LCU per USD) for :data:`KEEP`, by each economy's currency.

    The series are in each economy's current currency back-cast over history, so an economy
    is mapped to the currency it uses now (CLDR via babel), e.g. Mauritania to MRU.
    """
    import pycountry
    from babel.numbers import get_territory_currencies

    def currency(iso3: str) -> str | None:
        if iso3 == "EMU":
            return "EUR"
        country = pycountry.countries.get(alpha_3=iso3)
        if country is None:
            return None
        found = get_territory_currencies(country.alpha_2, dt.date(2024, 12, 31))
        return found[-1] if len(found) == 1 or found[-1] != "USD" else found[0]

    raw = pl.read_csv(path, infer_schema=False)
    codes = {iso3: currency(iso3) for iso3 in raw["iso3"].unique().to_list()}
    frame = raw.select(
        pl.col("iso3").replace_strict(codes, default=None).alias("currency"),
        pl.date(pl.col("year").cast(pl.Int32), 1, 1).alias("date"),
        pl.lit("year").alias("period"),
        pl.col("exchange_rate").alias("rate"),
        pl.col("iso3").alias("country"),
    ).filter(pl.col("currency").is_in(KEEP))
    return _rates(_pick(frame, "country", _WB_PREFERRED)).sort("currency", "date")


def _write(frame: pl.DataFrame, path: Path, *, scanned: bool = False) -> None:
    # A file read by a scan keeps statistics on small row groups: the scan skips the groups
    # whose currencies (base, period) cannot match.
    frame.write_parquet(
        path,
        compression="zstd",
        compression_level=22,
        statistics=scanned,
        row_group_size=8192 if scanned else None,
    )


def build(shared_fx: Path, out: Path) -> dict[str, int]:
    """Write the three rate files into ``out``; returns their sizes in bytes."""
    out.mkdir(parents=True, exist_ok=True)
    _write(ecb(shared_fx / "ecb_eurofxref-hist.csv"), out / "ecb.parquet", scanned=True)
    _write(
        imf(
            shared_fx / "imf_ifs_annual_avg_lcu_per_usd.csv",
            shared_fx / "imf_ifs_monthly_eop_lcu_per_usd_2015-2020.csv",
        ),
        out / "imf.parquet",
    )
    _write(
        worldbank(shared_fx / "worldbank_PA.NUS.FCRF_lcu_per_usd_annual.csv"),
        out / "worldbank.parquet",
    )
    return {p.name: p.stat().st_size for p in sorted(out.glob("*.parquet"))}


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/fx"), here))
