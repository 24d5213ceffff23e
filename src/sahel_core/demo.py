"""The main job of sahel_core, end to end, on bundled data: :func:`run_demo` (``sahel demo``).

Everything it reads ships with the package (``sahel_core/data/demo``), so it runs anywhere in a
few seconds and without network:

1. **Press releases → records.** Two short programme-style press releases, one English and one
   French, are read by :func:`sahel_core.extract.extract`: seizures (with their qualifier:
   "more than 1.2 tons"), a workshop with its participants and donor, an arrest. Each field
   keeps the phrase it was read from.
2. **A French spreadsheet → a canonical table.** ``saisies_2016_2018.csv`` (French headers,
   semicolons, decimal commas, grams, kilograms, tonnes and tablets, values in FCFA, EUR and
   USD) is read by :func:`sahel_core.io.read`. Three rows are deliberately bad; each is rejected
   with its spreadsheet row, field and reason, so ``read == accepted + rejected``.
3. **Reconcile.** The Mopti cannabis seizure of March 2017 is in both the English press release
   and the spreadsheet: :func:`sahel_core.reconcile.reconcile` merges the two reports into one
   event and lists where they disagree, so the indicators count it once.
4. **Indicators.** ``seized_mass`` (kg) and ``seized_value`` (USD at each seizure's date, with
   the rates used) by country and year (:func:`sahel_core.indicators.compute`).
5. **One conversion, shown in full.** The value of the Mopti seizure in USD with
   :func:`sahel_core.money.convert`: the path (XOF → EUR at the fixed peg → USD at the ECB
   rate of the day) and every step.
6. **Outputs** in ``out_dir`` (:data:`OUTPUTS` lists them, and ``README.txt`` explains them):
   canonical CSV tables, the rejections, the reconciliation, the indicator tables, the
   conversion as JSON and a bar chart (PNG, when matplotlib is installed: ``pip install
   'sahel-core[plots]'``; without it the chart is skipped with a note).
"""

from __future__ import annotations

import datetime as dt
import json
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import define

if TYPE_CHECKING:
    import polars as pl

    from sahel_core.extract import Extraction
    from sahel_core.money import Conversion
    from sahel_core.reconcile import Reconciled
    from sahel_core.specs import ReadResult

__all__ = ["INPUTS", "OUTPUTS", "DemoReport", "run_demo"]

#: The bundled inputs (package data ``sahel_core/data/demo``), copied to ``out_dir/input``.
INPUTS: dict[str, str] = {
    "press_release.txt": "an English press release in the style of the UNODC Sahel Programme",
    "communique.txt": "a French press release (communiqué) on a tramadol seizure in Niamey",
    "saisies_2016_2018.csv": "a French seizure register, 2016-2018: 40 rows, 3 of them bad",
}

#: Every file :func:`run_demo` writes in ``out_dir``, with what it holds (``README.txt`` says
#: the same).
OUTPUTS: dict[str, str] = {
    "input/": "copies of the bundled inputs, so you can open what was read",
    "extracted_records.json": "every record read from the press releases, with the phrase "
    "each field came from (character offsets into the input file)",
    "extracted_seizures.csv": "the seizures read from the press releases, as a canonical table",
    "extracted_workshops.csv": "the workshops read from the press releases, as a canonical table",
    "extracted_operations.csv": "the arrests read from the press releases, as a canonical table",
    "table_seizures.csv": "the accepted rows of the spreadsheet, as a canonical seizure table "
    "(units, dates, countries, currencies normalized; the original cells kept in *_text)",
    "table_rejections.csv": "the refused rows of the spreadsheet: row number as the "
    "spreadsheet shows it, field, value and reason",
    "seizures_reconciled.csv": "press-release and spreadsheet seizures together, one row per "
    "event: the duplicate reported by both is merged",
    "reconcile_groups.csv": "each merged event and the ids of the records merged into it",
    "reconcile_conflicts.csv": "where the merged reports disagree: field, each value as "
    "written, the records that gave it",
    "seized_mass_by_country_year.csv": "indicator seized_mass: kg seized per country and "
    "year, with low/high bounds and the ids of the records added",
    "seized_value_usd_by_country_year.csv": "indicator seized_value: estimated value in USD "
    "per country and year, converted at each seizure's date, with the rates used",
    "conversion.json": "one value converted to USD: result, path, and each rate with its "
    "date and source",
    "seized_mass_by_country_year.png": "bar chart of the seized mass per country and year",
    "README.txt": "what each file holds (this list)",
}

_TEXTS = ("press_release.txt", "communique.txt")
_TABLE = "saisies_2016_2018.csv"
_CHART = "seized_mass_by_country_year.png"


@define(frozen=True)
class DemoReport:
    """What :func:`run_demo` did: each step's result and the files written.

    ``extractions`` holds one :class:`~sahel_core.extract.Extraction` per press release,
    ``read`` the spreadsheet's :class:`~sahel_core.specs.ReadResult`, ``reconciled`` the
    merged seizures, ``seized_mass`` and ``seized_value`` the indicator tables, ``conversion``
    the conversion shown in full, ``files`` every file written (in ``out_dir``), ``notes``
    what was skipped and why.
    """

    out_dir: Path
    extractions: tuple[Extraction, ...]
    read: ReadResult
    reconciled: Reconciled
    seized_mass: pl.DataFrame
    seized_value: pl.DataFrame
    conversion: Conversion
    files: tuple[Path, ...]
    notes: tuple[str, ...] = ()

    @property
    def chart(self) -> Path | None:
        """The PNG chart, or ``None`` when it was skipped."""
        return next((f for f in self.files if f.name == _CHART), None)

    @property
    def seizures_in(self) -> int:
        """Seizure records given to reconciliation (press releases and spreadsheet)."""
        return sum(len(e.of_kind("seizure")) for e in self.extractions) + self.read.accepted

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (what ``sahel demo --json`` prints)."""
        from sahel_core.extract import KINDS
        from sahel_core.indicators import result_text as table_text

        def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
            data: list[dict[str, Any]] = json.loads(table_text(frame, csv=False))
            return data

        merged = self.reconciled.groups
        return {
            "out_dir": str(self.out_dir),
            "texts": [
                {
                    "source": e.source.file,
                    "lang": e.lang,
                    "records": {kind: len(e.of_kind(kind)) for kind in KINDS},
                }
                for e in self.extractions
            ],
            "table": {
                "source": self.read.source,
                "format": self.read.format,
                "read": self.read.read,
                "accepted": self.read.accepted,
                "rejected": self.read.rejected,
                "rejections": [
                    {"row": r.row, "field": r.field, "value": r.value, "reason": r.reason}
                    for r in self.read.rejections
                ],
            },
            "reconcile": {
                "records": self.seizures_in,
                "events": self.reconciled.table.height,
                "merged": [
                    {"id": i, "merged_from": m}
                    for i, m in zip(merged["id"], merged["merged_from"].to_list(), strict=True)
                ],
                "conflicts": rows(self.reconciled.conflicts),
            },
            "indicators": {
                "seized_mass": rows(self.seized_mass),
                "seized_value": rows(self.seized_value),
            },
            "conversion": self.conversion.as_dict(),
            "files": [str(f.relative_to(self.out_dir)) for f in self.files],
            "notes": list(self.notes),
        }


def _bundled(name: str) -> bytes:
    return (files("sahel_core") / "data" / "demo" / name).read_bytes()


def run_demo(out_dir: Path) -> DemoReport:
    """Run the whole job on the bundled data and write every output into ``out_dir``
    (created when missing; files of earlier runs are replaced). See the module docstring."""
    import polars as pl

    from sahel_core.entities import SourceRef
    from sahel_core.extract import extract
    from sahel_core.indicators import compute
    from sahel_core.io import read, write
    from sahel_core.money import Money, convert
    from sahel_core.reconcile import reconcile
    from sahel_core.specs import ReadOptions

    out_dir = Path(out_dir)
    inputs = out_dir / "input"
    inputs.mkdir(parents=True, exist_ok=True)
    for name in INPUTS:
        (inputs / name).write_bytes(_bundled(name))
    written: list[Path] = []

    # 1. Press releases → records with evidence.
    extractions = tuple(
        extract((inputs / name).read_text(encoding="utf-8"), source=SourceRef(file=name))
        for name in _TEXTS
    )
    records = [r.as_dict() for e in extractions for r in e.records]
    written.append(_write_text(out_dir / "extracted_records.json", _json(records)))
    extracted: dict[str, pl.DataFrame] = {}
    for kind in ("seizure", "workshop", "operation"):
        tables = [e.to_tables()[kind] for e in extractions]
        extracted[kind] = pl.concat(tables)
        written.append(out_dir / f"extracted_{kind}s.csv")
        write(extracted[kind], written[-1], kind)

    # 2. The spreadsheet → a canonical table, every row accounted for.
    result = read(inputs / _TABLE, options=ReadOptions(entity="seizure", locale="fr"))
    table = result.tables["seizure"]
    written.append(out_dir / "table_seizures.csv")
    write(table, written[-1], "seizure")
    rejections = pl.DataFrame(
        [(r.row, r.field, r.value, r.reason) for r in result.rejections],
        schema={"row": pl.Int64, "field": pl.String, "value": pl.String, "reason": pl.String},
        orient="row",
    )
    written.append(_write_csv(out_dir / "table_rejections.csv", rejections))

    # 3. Reconcile: the same seizure in the press release and the spreadsheet is one event.
    reconciled = reconcile(pl.concat([extracted["seizure"], table]))
    written.append(out_dir / "seizures_reconciled.csv")
    write(reconciled.table, written[-1], "seizure")
    groups = reconciled.groups.select("id", "merged_from")
    written.append(_write_csv(out_dir / "reconcile_groups.csv", groups))
    written.append(_write_csv(out_dir / "reconcile_conflicts.csv", reconciled.conflicts))

    # 4. Indicators on the reconciled table.
    by = ["country", "year"]
    mass = compute("seized_mass", reconciled.table, by=by)
    value = compute("seized_value", reconciled.table, by=by, currency="USD", with_rates=True)
    written.append(_write_csv(out_dir / "seized_mass_by_country_year.csv", mass))
    written.append(_write_csv(out_dir / "seized_value_usd_by_country_year.csv", value))

    # 5. One value converted with its rate path: the merged Mopti seizure's.
    event = reconciled.groups.row(0, named=True)
    money = Money(event["value"], event["value_currency"], text=event["value_text"])
    day: dt.date = event["date_earliest"]
    conversion = convert(money, "USD", on=day)
    written.append(_write_text(out_dir / "conversion.json", _json(conversion.as_dict())))

    # 6. The chart, then the README that lists what is there.
    notes: list[str] = []
    chart = _chart(mass, out_dir / _CHART)
    if isinstance(chart, Path):
        written.append(chart)
    else:
        # An earlier run's chart would pass for this run's: files of earlier runs are replaced.
        (out_dir / _CHART).unlink(missing_ok=True)
        notes.append(chart)
    written.append(_write_text(out_dir / "README.txt", _readme(written, notes)))
    return DemoReport(
        out_dir=out_dir,
        extractions=extractions,
        read=result,
        reconciled=reconciled,
        seized_mass=mass,
        seized_value=value,
        conversion=conversion,
        files=(*(inputs / name for name in INPUTS), *written),
        notes=tuple(notes),
    )


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _write_csv(path: Path, frame: pl.DataFrame) -> Path:
    """A non-entity table (indicators, conflicts) as CSV: lists joined with ``;``, Decimals
    without trailing zeros, as ``sahel indicators --csv`` prints them."""
    from sahel_core.indicators import result_text as table_text

    return _write_text(path, table_text(frame, csv=True))


def _chart(mass: pl.DataFrame, path: Path) -> Path | str:
    """A grouped bar chart of kg per country and year; the reason when it cannot be drawn."""
    try:
        # The object API, not pyplot: no global backend or state, nothing shown on screen.
        from matplotlib.figure import Figure
    except ImportError:
        return (
            "matplotlib is not installed: the chart was skipped "
            "(pip install 'sahel-core[plots]' to draw it)"
        )
    import polars as pl

    known = mass.filter(pl.col("country").is_not_null() & pl.col("year").is_not_null())
    countries = sorted(set(known["country"].to_list()))
    years = sorted(set(known["year"].to_list()))
    kg = {(c, y): float(v) for c, y, v in known.select("country", "year", "kg").iter_rows()}
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    axes = figure.add_subplot()
    width = 0.8 / max(len(years), 1)
    for i, year in enumerate(years):
        positions = [n + (i - (len(years) - 1) / 2) * width for n in range(len(countries))]
        heights = [kg.get((c, year), 0.0) for c in countries]
        axes.bar(positions, heights, width=width, label=str(year))
    axes.set_xticks(range(len(countries)), countries)
    axes.set_ylabel("kg seized")
    axes.set_title("Seized mass by country and year (demo data, duplicates merged)")
    axes.legend(title="year")
    axes.grid(axis="y", alpha=0.3)
    figure.savefig(path, dpi=100)
    return path


def _readme(written: list[Path], notes: list[str]) -> str:
    import textwrap

    def entry(name: str, what: str) -> list[str]:
        return [name, *textwrap.wrap(what, 78, initial_indent="    ", subsequent_indent="    ")]

    names = {p.name for p in written}
    lines = [
        "sahel_core demo output",
        "======================",
        "",
        *textwrap.wrap(
            "Written by `sahel demo` (sahel_core.demo.run_demo) from the data bundled with "
            "sahel_core. Tables are UTF-8 CSV. The canonical tables (extracted_*.csv, "
            "table_seizures.csv, seizures_reconciled.csv) read back with `sahel read FILE`; "
            "in the indicator tables, lists are joined with ';'.",
            78,
        ),
        "",
        "Files",
        "-----",
    ]
    for name, what in OUTPUTS.items():
        if name == "input/" or name in names or name == "README.txt":
            lines += entry(name, what)
    lines += ["", "Inputs (in input/)", "------------------"]
    for name, what in INPUTS.items():
        lines += entry(name, what)
    if notes:
        lines += ["", "Notes", "-----", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"
