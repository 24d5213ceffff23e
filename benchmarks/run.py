"""sahel_core against a hand-written polars pipeline: time, peak memory and start-up.

For each size (10k, 100k, 1M rows by default) a synthetic register (:mod:`generate`, cached in
``benchmarks/out/``) is summarised by country × drug × year into kilograms seized and value in
USD three ways, each in a fresh process so that its peak memory (``ru_maxrss``) is its own
(the peer and the library :data:`RUNS` times each, alternated, reported as medians with their
ranges: one process's peak memory varies by up to 15 % between runs):

``peer``
    A hand-written polars pipeline: scan the CSV as text, drop the bad rows, unit factors by a
    small join, dated USD rates by ``join_asof`` over the rate files sahel_core ships (pegs,
    ECB, IMF, World Bank), exact decimal sums.
``library``
    :func:`sahel_core.io.read` (normalization to the canonical table) then
    :func:`sahel_core.indicators.compute_many` of ``seized_mass`` and ``seized_value`` (two at
    a time, as ``sahel indicators`` runs them).
``cli``
    ``sahel indicators FILE -i seized_mass,seized_value --by country,drug,year --json`` as a
    whole process.

Each side's CPU time over the same interval (all its threads) is reported beside its wall
time, so the report tells extra work (the CPU ratio) from work that waits on one core (fewer
cores kept busy). Every library and CLI result is checked against the peer's (each group,
1e-9 relative) and the library's row accounting (read == accepted + rejected). Also
measured: ``import sahel_core``, ``sahel --help``, materializing 10k entities, text
extraction speed, the peak memory of streaming an IATI file and a synthetic copy four
times larger, and how the time of ``reconcile`` (a register and its copy) and of extracting
one sentence without a full stop grows when the input doubles.

    .venv/bin/python benchmarks/run.py               # 10k, 100k, 1M
    .venv/bin/python benchmarks/run.py --quick       # 10k, 100k
    .venv/bin/python benchmarks/run.py --sizes 50k

Writes ``benchmarks/out/report.json`` and ``benchmarks/out/report.md`` and prints the Markdown.
Timings are wall-clock on whatever else the machine runs: the load average is recorded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
SHARED_IATI = ROOT.parent / "shared" / "data" / "iati" / "dportal_iati_activities_sahel_2021-06.xml"
KEYS = ("country", "drug", "year")
TOLERANCE = Decimal("1e-9")
TARGETS = {
    "time_ratio_1M": 1.5,
    "memory_ratio_1M": 1.5,
    "import_ms": 150.0,
    "help_s": 0.5,
    "entities_10k_ms": 50.0,
    "extract_mb_s": 1.0,
}
SAHEL = Path(sys.executable).parent / "sahel"
#: Twice the input in less than this many times the time: linear (with noise), not quadratic.
GROWTH_LIMIT = 3.0


# -- the measured work, each run in its own process -------------------------------------------


def peer(path: Path) -> dict[str, Any]:
    """The hand-written polars pipeline; the rules mirror the library's for this data."""
    from importlib.resources import files

    import polars as pl

    sys.path.insert(0, str(HERE))
    from generate import COUNTRIES

    start, cpu = time.perf_counter(), time.process_time()
    rates = files("sahel_core") / "data" / "rates"
    exact = pl.Decimal(38, 9)
    step = pl.Decimal(38, 16)  # sahel_core.rates.RATE_SCALE: each hop rounds to 16 places
    raw = pl.scan_csv(path, infer_schema=False)
    rows = raw.select(
        pl.col("id"),
        pl.col("date").str.to_date("%Y-%m-%d", strict=False).alias("day"),
        pl.col("country"),
        pl.col("drug"),
        pl.col("quantity").cast(exact, strict=False).alias("quantity"),
        pl.col("quantity_unit").alias("unit"),
        pl.col("value").cast(exact, strict=False).alias("value"),
        pl.col("value_currency").alias("currency"),
    )
    units = pl.LazyFrame(
        {"unit": ["kg", "g", "t", "tablet"], "factor": ["1", "0.001", "1000", None]},
        schema={"unit": pl.String, "factor": pl.String},
    ).with_columns(pl.col("factor").cast(pl.Decimal(38, 3)))
    good = (
        rows.join(units, on="unit", how="inner")  # unknown units are bad rows
        .filter(
            pl.col("day").is_not_null()
            & pl.col("country").is_in(COUNTRIES)
            & (pl.col("quantity") >= 0)
            & pl.col("value").is_not_null()
        )
        .with_columns(pl.col("day").dt.year().cast(pl.Int32).alias("year"))
        .sort("day")
    )
    # USD per unit of each currency on each day: ECB (EUR→USD, daily, 7 days of validity),
    # the XOF peg to EUR, and for GHS the IMF month, then IMF year, then World Bank year.
    ecb = (
        pl.scan_parquet(rates.joinpath("ecb.parquet").read_bytes())
        .filter(pl.col("currency") == "USD")
        .select(pl.col("date").alias("ecb_day"), pl.col("rate").cast(step).alias("eur_usd"))
        .sort("ecb_day")
    )
    peg = pl.read_csv(rates.joinpath("pegs.csv").read_bytes(), infer_schema=False)
    xof = peg.filter(pl.col("currency") == "XOF")["rate"].cast(step).item()

    def usd_table(name: str, period: str, prefix: str) -> pl.LazyFrame:
        return (
            pl.scan_parquet(rates.joinpath(name).read_bytes())
            .filter((pl.col("currency") == "GHS") & (pl.col("period") == period))
            .select(pl.col("date").alias(f"{prefix}_day"), pl.col("rate").alias(prefix))
            .sort(f"{prefix}_day")
        )

    def asof(frame: pl.LazyFrame, table: pl.LazyFrame, on: str) -> pl.LazyFrame:
        return frame.join_asof(table, left_on="day", right_on=on, strategy="backward")

    dated = asof(good, ecb, "ecb_day")
    dated = asof(dated, usd_table("imf.parquet", "month", "imf_m"), "imf_m_day")
    dated = asof(dated, usd_table("imf.parquet", "year", "imf_y"), "imf_y_day")
    dated = asof(dated, usd_table("worldbank.parquet", "year", "wb"), "wb_day")
    day = pl.col("day")
    ecb_ok = day - pl.col("ecb_day") <= dt.timedelta(days=7)
    # An IMF month-end rate serves from its date until the end of the next month.
    month_ok = day <= pl.col("imf_m_day").dt.offset_by("1mo").dt.month_end()
    year_ok = pl.col("imf_y_day").dt.year() == day.dt.year()
    ghs = (
        pl.when(month_ok)
        .then(pl.col("imf_m"))
        .when(year_ok)
        .then(pl.col("imf_y"))
        .when(pl.col("wb_day").dt.year() == day.dt.year())
        .then(pl.col("wb"))
    )
    value = pl.col("value").cast(step)
    currency = pl.col("currency")
    usd = (
        pl.when(currency == "USD")
        .then(value)
        .when((currency == "EUR") & ecb_ok)
        .then(value * pl.col("eur_usd"))
        .when((currency == "XOF") & ecb_ok)
        .then(value / xof * pl.col("eur_usd"))
        .when(currency == "GHS")
        .then(value / ghs)
        .cast(exact)
    )
    converted = dated.with_columns(usd.alias("usd"))
    # Exact sums per unit, then one product per partial sum (f·(a+b) = f·a + f·b).
    partial = converted.group_by(*KEYS, "unit", "factor").agg(
        pl.col("quantity").sum().alias("q"), pl.col("usd").sum().alias("usd")
    )
    groups = (
        partial.group_by(*KEYS)
        .agg(
            (pl.col("q") * pl.col("factor")).sum().alias("kg"),
            pl.col("usd").sum().alias("value"),
        )
        .sort(*KEYS)
        .collect()
    )
    accepted = converted.select(pl.len()).collect().item()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "accepted": accepted,
        "groups": _groups(groups),
    }


def library(path: Path) -> dict[str, Any]:
    """sahel_core: read and normalize, then the two indicators."""
    import polars  # noqa: F401  (imported before the clock starts, as for the peer)

    start = time.perf_counter()
    from sahel_core.indicators import compute_many
    from sahel_core.io import read
    from sahel_core.specs import ReadOptions

    imported, cpu = time.perf_counter(), time.process_time()
    result = read(path, options=ReadOptions(entity="seizure", locale="en"))
    table = result.tables["seizure"]
    read_at = time.perf_counter()
    found = compute_many(["seized_mass", "seized_value"], table, KEYS, currency="USD")
    end, cpu = time.perf_counter(), time.process_time() - cpu
    merged = (
        found["seized_mass"]
        .select(*KEYS, "kg")
        .join(
            found["seized_value"].select(*KEYS, "value"),
            on=KEYS,
            how="full",
            coalesce=True,
            nulls_equal=True,
        )
    )
    return {
        "seconds": end - imported,
        "cpu_seconds": cpu,
        "import_seconds": imported - start,
        "read_seconds": read_at - imported,
        "indicators_seconds": end - read_at,
        "read": result.read,
        "accepted": table.height,
        "rejected": len(result.rejections),
        "groups": _groups(merged.sort(KEYS)),
    }


def entities(path: Path) -> dict[str, Any]:
    """Materialize 10 000 seizures from a filtered canonical table."""
    import polars as pl

    from sahel_core.io import read
    from sahel_core.specs import ReadOptions
    from sahel_core.tables import to_entities

    table = read(path, options=ReadOptions(entity="seizure", locale="en")).tables["seizure"]
    chosen = table.filter(pl.col("quantity_unit") != "tablet").head(10_000)
    list(to_entities(chosen.head(10), "seizure"))  # the first call builds caches
    best = float("inf")
    built: list[Any] = []
    for _ in range(5):
        built = []  # the previous run's records are freed before the clock starts
        start = time.perf_counter()
        built = list(to_entities(chosen, "seizure"))
        best = min(best, time.perf_counter() - start)
    return {"seconds": best, "entities": len(built)}


def extraction(megabytes: float) -> dict[str, Any]:
    """Text extraction speed over the seed pages, numbers varied (benchmarks/bench_extract)."""
    sys.path.insert(0, str(HERE))
    from bench_extract import corpus

    from sahel_core.extract import extract

    extract("In May 2016, OCS seized 2.7 tons of cannabis worth 13 million CFA (about 20,000 USD).")
    text = corpus(megabytes, vary=True)
    size = len(text.encode("utf-8")) / 1_000_000
    seconds = float("inf")
    for _ in range(3):  # best of 3, as bench_extract: the machine runs other work
        start = time.perf_counter()
        found = extract(text, source="benchmark.txt")
        seconds = min(seconds, time.perf_counter() - start)
    return {
        "megabytes": size,
        "seconds": seconds,
        "mb_per_s": size / seconds,
        "records": len(found.records),
    }


def iati(path: Path) -> dict[str, Any]:
    """Stream an IATI file; the peak memory before reading is the baseline."""
    import resource

    from sahel_core.io import read
    from sahel_core.plugins import get_manager

    get_manager().format("iati")  # plugins loaded: the baseline is the process before reading
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = read(path, format="iati")
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "baseline_kb": baseline,
        "read": result.read,
        "rejected": len(result.rejections),
        "tables": {name: table.height for name, table in result.tables.items()},
    }


def reconcile_registers(path: Path) -> dict[str, Any]:
    """``reconcile`` of a register and a copy of it under another name (two sources, every
    record reported twice): the time of the reconciliation alone."""
    import shutil

    import polars as pl

    from sahel_core.io import read
    from sahel_core.reconcile import reconcile
    from sahel_core.specs import ReadOptions

    copy = path.with_name(f"copy_{path.name}")
    shutil.copyfile(path, copy)
    options = ReadOptions(entity="seizure", locale="en")
    table = pl.concat([read(p, options=options).tables["seizure"] for p in (path, copy)])
    copy.unlink()
    start = time.perf_counter()
    result = reconcile(table)
    return {
        "seconds": time.perf_counter() - start,
        "records": table.height,
        "events": result.table.height,
    }


#: A clause of text without a full stop (tables copied from a PDF read so): many of them make
#: one sentence of thousands of figures.
RUN_ON = (
    "the OCRTIS seized {n} kg of cocaine in {country} on {day} May {year} with Nigerien "
    "gendarmes, worth {n} million CFA, {n} people from ECOWAS states were trained"
)


def run_on(clauses: int) -> dict[str, Any]:
    """Extraction of one sentence of ``clauses`` clauses: its time and output size."""
    from sahel_core.extract import extract

    countries = ("Mali", "Niger", "Senegal", "Ghana", "Togo")
    text = " and ".join(
        RUN_ON.format(n=i % 90 + 1, country=countries[i % 5], day=i % 28 + 1, year=2000 + i % 20)
        for i in range(clauses)
    )
    extract(text[:2000])  # the parsers' caches warm, as for the extraction speed
    start = time.perf_counter()
    found = extract(text)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "kilobytes": len(text.encode("utf-8")) / 1000,
        "records": len(found.records),
        "json_mb": len(json.dumps(found.as_dicts())) / 1_000_000,
    }


def _groups(frame: Any) -> list[list[Any]]:
    return [
        [*(row[k] for k in KEYS), _text(row.get("kg")), _text(row.get("value"))]
        for row in frame.iter_rows(named=True)
    ]


def _text(value: Any) -> str | None:
    return None if value is None else format(value, "f")


CHILDREN = {
    "peer": lambda arg: peer(Path(arg)),
    "library": lambda arg: library(Path(arg)),
    "entities": lambda arg: entities(Path(arg)),
    "iati": lambda arg: iati(Path(arg)),
    "extract": lambda arg: extraction(float(arg)),
    "iati-copies": lambda arg: _write_iati_copies(Path(arg)),
    "reconcile": lambda arg: reconcile_registers(Path(arg)),
    "run-on": lambda arg: run_on(int(arg)),
}


def child(kind: str, argument: str) -> None:
    """Run one measurement and print its result as JSON on the last line."""
    print(json.dumps(CHILDREN[kind](argument)))


# -- running and timing processes -----------------------------------------------------------


def measure(command: list[str]) -> dict[str, Any]:
    """Run ``command``; its wall time, peak RSS (MB), stdout and stderr."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT, text=True)
        # wait4 gives this child's own peak memory (Popen.wait would reap it without).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    return {"wall": wall, "rss_mb": usage.ru_maxrss / 1024, "stdout": stdout, "stderr": stderr}


def run_child(kind: str, argument: str) -> dict[str, Any]:
    done = measure([sys.executable, str(Path(__file__).resolve()), "--child", kind, argument])
    found: dict[str, Any] = json.loads(done["stdout"].strip().splitlines()[-1])
    found["wall"] = done["wall"]
    found["rss_mb"] = done["rss_mb"]
    return found


def median_wall(command: list[str], times: int = 5) -> float:
    return statistics.median(measure(command)["wall"] for _ in range(times))


# -- checks ------------------------------------------------------------------------------------


def compare(expected: list[list[Any]], got: list[list[Any]]) -> list[str]:
    """Differences between two lists of groups (kg and value within 1e-9 relative)."""
    problems = []
    want = {tuple(g[:3]): g[3:] for g in expected}
    have = {tuple(g[:3]): g[3:] for g in got}
    if want.keys() != have.keys():
        problems.append(
            f"groups differ: {len(want.keys() - have.keys())} missing, "
            f"{len(have.keys() - want.keys())} extra"
        )
    for key in want.keys() & have.keys():
        for name, a, b in zip(("kg", "value"), want[key], have[key], strict=True):
            x, y = Decimal(a or 0), Decimal(b or 0)
            if abs(x - y) > TOLERANCE * max(abs(x), Decimal(1)):
                problems.append(f"{key} {name}: peer {x}, library {y}")
    return problems


def cli_groups(output: str) -> list[list[Any]]:
    found = json.loads(output)
    by_key: dict[tuple[Any, ...], list[Any]] = {}
    for row in found["seized_mass"]:
        by_key.setdefault(tuple(row[k] for k in KEYS), [None, None])[0] = row["kg"]
    for row in found["seized_value"]:
        by_key.setdefault(tuple(row[k] for k in KEYS), [None, None])[1] = row["value"]
    return [[*k, *v] for k, v in by_key.items()]


# -- the report --------------------------------------------------------------------------------


def label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"{rows // 1000}k"


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmM]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10k, 1M, 5000)")
    scale = {"": 1, "k": 1000, "m": 1_000_000}[match.group(2).lower()]
    return int(match.group(1)) * scale


# Inputs are made in child processes too: on Linux a process's peak memory (ru_maxrss)
# starts at its parent's resident size when it was started, so a runner that had built a
# million-row register itself would lend every later measurement its size.


def register(rows: int) -> Path:
    path = OUT / f"seizures_{label(rows)}.csv"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        measure([sys.executable, str(HERE / "generate.py"), str(rows), str(path)])
    return path


#: How many times the IATI file is repeated for the memory-growth measurement, and where.
IATI_COPIES = 4
IATI_COPY = OUT / f"iati_x{IATI_COPIES}.xml"


def iati_copies(source: Path) -> Path:
    """``source`` with its activities repeated :data:`IATI_COPIES` times, identifiers made
    unique, in :data:`IATI_COPY`."""
    if not IATI_COPY.exists():
        run_child("iati-copies", str(source))
    return IATI_COPY


def _write_iati_copies(source: Path) -> dict[str, Any]:
    text = source.read_text(encoding="utf-8")
    head_end = text.index(">", text.index("<iati-activities")) + 1
    tail_start = text.rindex("</iati-activities>")
    head, body, tail = text[:head_end], text[head_end:tail_start], text[tail_start:]
    parts = [head]
    for n in range(IATI_COPIES):
        parts.append(
            re.sub(
                r"<iati-identifier>([^<]*)</iati-identifier>",
                rf"<iati-identifier>\1-copy{n}</iati-identifier>",
                body,
            )
        )
    parts.append(tail)
    IATI_COPY.write_text("".join(parts), encoding="utf-8")
    return {"path": str(IATI_COPY)}


#: Runs of each side of the bulk path, alternated: one process's peak memory varies by up to
#: 15 % between runs (the peer's 494-577 MB at 1M rows), its time by 10 %.
RUNS = 3
#: The figures of a run that are reported as the median of the runs, with their range.
MEDIANS = ("seconds", "cpu_seconds", "wall", "rss_mb", "read_seconds", "indicators_seconds")


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The first run with each of :data:`MEDIANS` replaced by its median over ``runs``, and
    ``<name>_range`` the least and greatest."""
    found = dict(runs[0])
    for name in MEDIANS:
        if name in found:
            values = [run[name] for run in runs]
            found[name] = statistics.median(values)
            found[f"{name}_range"] = [min(values), max(values)]
    return found


def bulk(rows: int) -> dict[str, Any]:
    path = register(rows)
    peers, libraries = [], []
    for run in range(1, RUNS + 1):
        print(f"  {label(rows)}: peer, library ({run}/{RUNS})...", file=sys.stderr, flush=True)
        peers.append(run_child("peer", str(path)))
        libraries.append(run_child("library", str(path)))
    expected, got = _median(peers), _median(libraries)
    print(f"  {label(rows)}: cli...", file=sys.stderr, flush=True)
    indicators = ["-i", "seized_mass,seized_value", "--by", ",".join(KEYS), "--currency", "USD"]
    cli = measure([str(SAHEL), "indicators", str(path), *indicators, "--json", "--locale", "en"])
    # Every run's result is checked, not only the first.
    problems = [
        p for run in [*peers, *libraries] for p in compare(expected["groups"], run["groups"])
    ]
    cli_problems = compare(expected["groups"], cli_groups(cli["stdout"]))
    accounted = all(run["read"] == run["accepted"] + run["rejected"] == rows for run in libraries)
    cli_seconds = cli["wall"]
    return {
        "rows": rows,
        "peer": {k: v for k, v in expected.items() if k != "groups"},
        "library": {k: v for k, v in got.items() if k != "groups"},
        "cli": {"wall": cli["wall"], "rss_mb": cli["rss_mb"]},
        "time_ratio": got["seconds"] / expected["seconds"],
        "memory_ratio": got["rss_mb"] / expected["rss_mb"],
        "process_time_ratio": got["wall"] / expected["wall"],
        "cpu_ratio": got["cpu_seconds"] / expected["cpu_seconds"],
        "cli_time_ratio": cli_seconds / expected["wall"],
        "us_per_row": {
            "peer": expected["seconds"] / rows * 1e6,
            "library": got["seconds"] / rows * 1e6,
            "cli": cli_seconds / rows * 1e6,
        },
        "groups": len(expected["groups"]),
        "equal": not problems,
        "cli_equal": not cli_problems,
        "problems": (problems + cli_problems)[:10],
        "accounted": accounted,
    }


#: Sizes at which growth is measured: rows per register, clauses per sentence.
GROWTH = {"reconcile": (25_000, 50_000), "run-on": (1_000, 2_000)}


def growth() -> dict[str, Any]:
    """The time of work whose input doubles: twice the time is linear."""
    found = {}
    for kind, sizes in GROWTH.items():
        runs = [run_child(kind, str(register(n)) if kind == "reconcile" else str(n)) for n in sizes]
        found[kind] = {"sizes": list(sizes), "runs": runs,
                       "ratio": runs[1]["seconds"] / runs[0]["seconds"]}  # fmt: skip
    return found


def startup() -> dict[str, Any]:
    python = sys.executable
    bare = median_wall([python, "-c", "pass"])
    imported = median_wall([python, "-c", "import sahel_core"])
    heavy = measure(
        [
            python,
            "-c",
            "import sahel_core, sys; print(sorted(m for m in ('polars', 'pint', 'pycountry', "
            "'cattrs', 'babel', 'typer', 'rich') if m in sys.modules))",
        ]
    )["stdout"].strip()
    return {
        "python_s": bare,
        "import_ms": (imported - bare) * 1000,
        "import_loads": heavy,
        "help_s": median_wall([str(SAHEL), "--help"]),
    }


def report(data: dict[str, Any]) -> str:
    """The Markdown report."""
    lines = ["# sahel_core benchmark", ""]
    lines.append(
        f"{data['when']} · Python {data['python']} · polars {data['polars']} · "
        f"{data['cpus']} CPUs · load average at start {data['load']}"
    )
    lines += ["", "## Bulk path: CSV → canonical table → seized_mass + seized_value (USD)", ""]
    lines.append(
        f"Each measurement runs in a fresh process, {RUNS} times for each side, alternated: "
        "the figures are the medians (their ranges are in the table after this one). "
        "Times are the work inside the process, "
        "polars already imported (the library's time includes loading its plugins, the unit "
        "table, the reference data and the rate tables); peak memory is the process's "
        "ru_maxrss. The peer is hand-written polars doing the same work with the same exact "
        "decimals: text read, bad rows dropped, unit factors by a join, USD rates by "
        "join_asof over the rate files sahel_core ships (ECB for EUR, the XOF peg through "
        "EUR, IMF month then year then World Bank for GHS). The library reads with "
        "`locale='en'` (the register writes '16.134' for 16.134 kg) and keeps every row: read"
        " = accepted + rejected. CLI = one `sahel indicators FILE -i seized_mass,seized_value "
        "... --locale en --json` process, compared with the peer's whole process."
    )
    lines += [
        "",
        "| rows | peer s | library s (read + indicators) | time ratio | peer MB | library MB "
        "| memory ratio | CLI s (ratio) | µs/row peer · lib · CLI | results | accounting |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in data["sizes"]:
        peer_, lib, per = size["peer"], size["library"], size["us_per_row"]
        cli_s = size["cli"]["wall"]
        lines.append(
            f"| {label(size['rows'])} | {peer_['seconds']:.2f} | {lib['seconds']:.2f} "
            f"({lib['read_seconds']:.2f} + {lib['indicators_seconds']:.2f}) | "
            f"**{size['time_ratio']:.2f}×** | "
            f"{peer_['rss_mb']:.0f} | {lib['rss_mb']:.0f} | **{size['memory_ratio']:.2f}×** | "
            f"{cli_s:.2f} ({size['cli_time_ratio']:.2f}×) | {per['peer']:.2f} · "
            f"{per['library']:.2f} · {per['cli']:.2f} | "
            f"{'equal' if size['equal'] and size['cli_equal'] else 'DIFFERENT'} "
            f"({size['groups']} groups) | {lib['read']} = {lib['accepted']} + "
            f"{lib['rejected']} {'✓' if size['accounted'] else '✗'} (peer kept "
            f"{peer_['accepted']}) |"
        )
    for size in data["sizes"]:
        for problem in size["problems"]:
            lines.append(f"- {label(size['rows'])}: {problem}")
    lines += [
        "",
        f"The ranges over the {RUNS} runs of each side:",
        "",
        "| rows | peer s | library s | peer MB | library MB |",
        "|---|---|---|---|---|",
    ]
    for size in data["sizes"]:
        peer_, lib = size["peer"], size["library"]
        spans = [
            f"{low:.{places}f}–{high:.{places}f}"
            for name, places in (("seconds", 2), ("rss_mb", 0))
            for side in (peer_, lib)
            for low, high in [side.get(f"{name}_range", [side[name], side[name]])]
        ]
        lines.append(
            f"| {label(size['rows'])} | {spans[0]} | {spans[1]} | {spans[2]} | {spans[3]} |"
        )
    lines += [
        "",
        "CPU time over the same interval (every thread of the process) and the cores it kept "
        "busy on average (CPU ÷ wall): a time ratio above the CPU ratio is work that waits "
        "on one core.",
        "",
        "| rows | peer CPU s (cores busy) | library CPU s (cores busy) | CPU ratio |",
        "|---|---|---|---|",
    ]
    for size in data["sizes"]:
        peer_, lib = size["peer"], size["library"]
        lines.append(
            f"| {label(size['rows'])} | {peer_['cpu_seconds']:.2f} "
            f"({peer_['cpu_seconds'] / peer_['seconds']:.2f}) | {lib['cpu_seconds']:.2f} "
            f"({lib['cpu_seconds'] / lib['seconds']:.2f}) | {size['cpu_ratio']:.2f}× |"
        )
    start = data["startup"]
    lines += [
        "",
        "## Start-up and small operations",
        "",
        "| measure | value | target |",
        "|---|---|---|",
    ]
    lines.append(
        f"| `import sahel_core` (median of 5, minus bare Python) | "
        f"{start['import_ms']:.0f} ms | ≤ {TARGETS['import_ms']:.0f} ms |"
    )
    lines.append(
        f"| heavy modules loaded by `import sahel_core` | {start['import_loads']} | none |"
    )
    lines.append(
        f"| `sahel --help` (median of 5) | {start['help_s']:.2f} s | ≤ {TARGETS['help_s']} s |"
    )
    ent = data["entities"]
    lines.append(
        f"| materialize {ent['entities']} seizures (`to_entities`, best of 5) | "
        f"{ent['seconds'] * 1000:.0f} ms | ≤ {TARGETS['entities_10k_ms']:.0f} ms |"
    )
    ext = data["extract"]
    lines.append(
        f"| text extraction ({ext['megabytes']:.2f} MB, numbers varied, best of 3) | "
        f"{ext['mb_per_s']:.2f} MB/s | ≥ {TARGETS['extract_mb_s']} MB/s |"
    )
    grow = data["growth"]
    lines += [
        "",
        "## Growth: the input doubled",
        "",
        "| work | smaller | larger | time ratio | target |",
        "|---|---|---|---|---|",
    ]
    small, large = grow["reconcile"]["runs"]
    lines.append(
        f"| `reconcile`, a register and its copy ({small['records']} → {large['records']} "
        f"records) | {small['seconds']:.2f} s | {large['seconds']:.2f} s | "
        f"{grow['reconcile']['ratio']:.2f}× | < 3× |"
    )
    small, large = grow["run-on"]["runs"]
    lines.append(
        f"| `extract`, one sentence without a full stop ({small['kilobytes']:.0f} → "
        f"{large['kilobytes']:.0f} KB; JSON {small['json_mb']:.1f} → {large['json_mb']:.1f} "
        f"MB) | {small['seconds']:.2f} s | {large['seconds']:.2f} s | "
        f"{grow['run-on']['ratio']:.2f}× | < 3× |"
    )
    lines += ["", "## IATI streaming", ""]
    if data["iati"] is None:
        lines.append("Skipped: ../shared/data/iati is not present.")
    else:
        lines += [
            "| file | MB | activities read | seconds | peak MB | before reading MB | growth MB |",
            "|---|---|---|---|---|---|---|",
        ]
        for item in data["iati"]:
            lines.append(
                f"| {item['file']} | {item['mb']:.1f} | {item['read']} | {item['seconds']:.2f} "
                f"| {item['rss_mb']:.0f} | {item['baseline_kb'] / 1024:.0f} | "
                f"{item['rss_mb'] - item['baseline_kb'] / 1024:.0f} |"
            )
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    for name, measured, limit, ok in data["targets"]:
        lines.append(f"| {name} {limit} | {measured} | {'yes' if ok else '**no**'} |")
    return "\n".join(lines) + "\n"


def targets(data: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    rows = []
    largest = max(data["sizes"], key=lambda s: s["rows"]) if data["sizes"] else None
    if largest is not None:
        name = label(largest["rows"])
        rows.append(
            (
                f"time library/peer at {name}",
                f"{largest['time_ratio']:.2f}×",
                "≤ 1.5×",
                largest["time_ratio"] <= TARGETS["time_ratio_1M"],
            )
        )
        rows.append(
            (
                f"peak memory library/peer at {name}",
                f"{largest['memory_ratio']:.2f}×",
                "≤ 1.5×",
                largest["memory_ratio"] <= TARGETS["memory_ratio_1M"],
            )
        )
    start = data["startup"]
    rows.append(
        (
            "import sahel_core",
            f"{start['import_ms']:.0f} ms",
            "≤ 150 ms",
            start["import_ms"] <= TARGETS["import_ms"],
        )
    )
    rows.append(
        (
            "sahel --help",
            f"{start['help_s']:.2f} s",
            "≤ 0.5 s",
            start["help_s"] <= TARGETS["help_s"],
        )
    )
    ms = data["entities"]["seconds"] * 1000
    rows.append(("10k entities", f"{ms:.0f} ms", "≤ 50 ms", ms <= TARGETS["entities_10k_ms"]))
    speed = data["extract"]["mb_per_s"]
    rows.append(("extraction", f"{speed:.2f} MB/s", "≥ 1 MB/s", speed >= TARGETS["extract_mb_s"]))
    for kind, what in (("reconcile", "reconcile"), ("run-on", "run-on sentence extraction")):
        ratio = data["growth"][kind]["ratio"]
        rows.append((f"{what}, input doubled", f"{ratio:.2f}×", "< 3×", ratio < GROWTH_LIMIT))
    if data["iati"]:
        small, large = data["iati"][0], data["iati"][-1]
        grow = (large["rss_mb"] - large["baseline_kb"] / 1024) / max(
            1.0, small["rss_mb"] - small["baseline_kb"] / 1024
        )
        ratio = large["mb"] / small["mb"]
        rows.append(
            (
                f"IATI memory growth for a {ratio:.0f}× larger file",
                f"{grow:.2f}×",
                "flat (≪ file ratio)",
                grow < ratio / 2,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=lambda s: [parse_size(x) for x in s.split(",")],
        default=None,
        help="comma-separated row counts (default 10k,100k,1M)",
    )
    parser.add_argument("--quick", action="store_true", help="10k and 100k only")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    sizes = args.sizes or ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    data: dict[str, Any] = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "polars": metadata.version("polars"),  # not imported: the runner stays small
        "cpus": os.cpu_count(),
        "load": " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if Path("/proc/loadavg").exists()
        else "unknown",
    }
    print("bulk path", file=sys.stderr)
    data["sizes"] = [bulk(rows) for rows in sizes]
    print("start-up, entities, extraction, IATI", file=sys.stderr)
    data["startup"] = startup()
    data["entities"] = run_child("entities", str(register(100_000)))
    data["extract"] = run_child("extract", "1")
    print("growth", file=sys.stderr)
    data["growth"] = growth()
    if SHARED_IATI.exists():
        found = []
        for path in (SHARED_IATI, iati_copies(SHARED_IATI)):
            item = run_child("iati", str(path))
            item["file"] = path.name
            item["mb"] = path.stat().st_size / 1_000_000
            found.append(item)
        data["iati"] = found
    else:
        data["iati"] = None
    data["targets"] = targets(data)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    text = report(data)
    (OUT / "report.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
