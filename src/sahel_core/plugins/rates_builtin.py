"""The built-in rate providers: pegs, ECB daily rates, IMF IFS and World Bank tables.

Each loads package data from ``sahel_core/data/rates`` on first use (see ``SOURCES.md`` there,
"Exchange rates", for origins and licences, and ``build.py`` for how the files were made):

========== ======== ================================================================
provider   priority what
========== ======== ================================================================
peg        10       XOF and XAF at 655.957 per EUR since 1999-01-01; the redenominations
                    MRO→MRU (10:1), GHC→GHS (10000:1), SLL→SLE (1000:1) as fixed rates
ecb        20       ECB euro reference rates, daily, 1999-01-04 to 2026-10-30, 41 currencies
imf        30       IMF IFS national currency per USD: month-end 2015-2020, annual averages
worldbank  40       World Bank PA.NUS.FCRF, LCU per USD, annual averages 1960-2024
========== ======== ================================================================

A lower priority number is consulted first; a user table from
:func:`sahel_core.rates.user_provider` defaults to 50.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from typing import TYPE_CHECKING

from sahel_core.hookspecs import hookimpl
from sahel_core.specs import RateProviderSpec

if TYPE_CHECKING:
    import polars as pl

__all__ = ["load_ecb", "load_imf", "load_pegs", "load_worldbank", "sahel_register_rate_providers"]

_DATA = files("sahel_core") / "data" / "rates"
_SCALE = 16  # sahel_core.rates.RATE_SCALE, not imported here so registering stays light


def load_pegs() -> pl.DataFrame:
    """Fixed rates: the CFA franc pegs and the redenominations (``pegs.csv``)."""
    import polars as pl

    frame = pl.read_csv(_DATA.joinpath("pegs.csv").read_bytes(), infer_schema=False)
    return frame.select(
        "currency",
        "base",
        pl.col("date").str.to_date("%Y-%m-%d"),
        pl.lit("fixed").alias("period"),
        pl.col("rate").cast(pl.Decimal(38, _SCALE)),
        "source",
    )


def load_ecb() -> pl.LazyFrame:
    """ECB euro reference rates, one row per currency and TARGET business day, with the
    ``places`` each is published to and, where it is coarser than a unit of those places, the
    ``increment`` (both worked out from the ECB's file when the package data is built:
    ``data/rates/build.py``).

    A scan (41 currencies over 27 years: 221,702 rows): a conversion reads the rows of the
    currencies it uses, not the whole history.
    """
    import polars as pl

    scan = pl.scan_parquet(_DATA.joinpath("ecb.parquet").read_bytes())
    return scan.with_columns(
        pl.col("rate", "increment").cast(pl.Decimal(38, _SCALE)), pl.lit("ECB").alias("source")
    )


def _usd_table(name: str, label: str) -> pl.DataFrame:
    import polars as pl

    frame = pl.read_parquet(_DATA.joinpath(name).read_bytes())
    return frame.select(
        "currency",
        pl.lit("USD").alias("base"),
        "date",
        "period",
        "rate",
        pl.lit(label).alias("source"),
    ).filter(pl.col("currency") != "USD")


def load_imf() -> pl.DataFrame:
    """IMF IFS rates per USD: month-end (period ``month``) and annual average (``year``)."""
    return _usd_table("imf.parquet", "IMF IFS")


def load_worldbank() -> pl.DataFrame:
    """World Bank official exchange rates per USD, annual averages (period ``year``)."""
    return _usd_table("worldbank.parquet", "World Bank")


@hookimpl
def sahel_register_rate_providers() -> Iterable[RateProviderSpec]:
    """The four built-in providers (see the module doc)."""
    return (
        RateProviderSpec(
            name="peg",
            description="CFA franc pegs to the euro (655.957) and redenominations, exact",
            load=load_pegs,
            currencies=("XOF", "XAF", "MRO", "GHC", "SLL"),
            priority=10,
        ),
        RateProviderSpec(
            name="ecb",
            description="ECB euro reference rates, daily, 1999-2026",
            load=load_ecb,
            priority=20,
        ),
        RateProviderSpec(
            name="imf",
            description="IMF IFS rates per USD: month-end 2015-2020, annual averages",
            load=load_imf,
            priority=30,
        ),
        RateProviderSpec(
            name="worldbank",
            description="World Bank PA.NUS.FCRF rates per USD, annual averages 1960-2024",
            load=load_worldbank,
            priority=40,
        ),
    )
