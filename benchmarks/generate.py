"""Synthetic seizure registers for the benchmarks: realistic columns, mixed units and currencies.

Rows look like a national register exported to canonical CSV: ISO3 country, drug key, quantity
in g/kg/t or tablets with a qualifier, value in XOF/EUR/USD/GHS, an ISO date between 2015 and
2023, and about 1 % bad rows (unknown unit, impossible date, negative quantity, unknown country),
which the library must account for, not drop.

    python benchmarks/generate.py 100000 out/seizures_100k.csv
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import polars as pl

COUNTRIES = ["MLI", "NER", "BFA", "SEN", "TCD", "MRT", "GHA", "TGO", "NGA", "CIV", "GIN", "BEN"]
DRUGS = ["cannabis_herb", "cannabis_resin", "cocaine", "heroin", "tramadol", "methamphetamine"]
UNITS = ["kg", "g", "t", "tablet"]
UNIT_WEIGHTS = [0.55, 0.25, 0.05, 0.15]
CURRENCIES = ["XOF", "EUR", "USD", "GHS"]
QUALIFIERS = ["exact", "approx", "more_than", "at_least"]
AGENCIES = ["OCS", "OCRTIS", "BIS", "customs", "gendarmerie"]
BAD = {
    "quantity_unit": "barrels",
    "date": "2019-02-30",
    "quantity": "-5",
    "country": "XXX",
}


def generate(rows: int, seed: int = 7) -> pl.DataFrame:
    """A synthetic register of ``rows`` rows (deterministic for a given seed)."""
    rng = random.Random(seed)
    start = dt.date(2015, 1, 1).toordinal()
    units = rng.choices(UNITS, UNIT_WEIGHTS, k=rows)
    magnitudes = [rng.lognormvariate(2.0, 1.5) for _ in range(rows)]
    frame = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(rows)],
            "date": [
                dt.date.fromordinal(start + rng.randrange(9 * 365)).isoformat() for _ in range(rows)
            ],
            "country": rng.choices(COUNTRIES, k=rows),
            "locality": rng.choices(["", "Bamako", "Niamey", "Dakar", "Mopti", "Accra"], k=rows),
            "drug": rng.choices(DRUGS, k=rows),
            "quantity": [
                f"{round(m * 1000)}" if u == "tablet" else f"{m:.3f}"
                for m, u in zip(magnitudes, units, strict=True)
            ],
            "quantity_unit": units,
            "quantity_qualifier": rng.choices(QUALIFIERS, [0.7, 0.1, 0.15, 0.05], k=rows),
            "value": [f"{rng.lognormvariate(10, 2):.2f}" for _ in range(rows)],
            "value_currency": rng.choices(CURRENCIES, k=rows),
            "agency": rng.choices(AGENCIES, k=rows),
        }
    )
    # About 1 % bad rows, one fault each, spread over the file.
    bad_rows = rng.sample(range(rows), max(1, rows // 100))
    for index, row in enumerate(bad_rows):
        column = list(BAD)[index % len(BAD)]
        frame[row, column] = BAD[column]
    return frame


def main(argv: list[str]) -> None:
    rows, out = int(argv[0]), Path(argv[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    generate(rows).write_csv(out)
    print(f"wrote {rows} rows to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
