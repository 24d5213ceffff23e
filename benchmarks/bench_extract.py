"""How fast sahel_core.extract reads prose: MB of text per second.

Concatenates the seed pages (../shared/seeds, when present) and the test paragraphs
(tests/fixtures/text) until the text is about ``--mb`` megabytes, then times ``extract`` on it.
Repeated text hits the parsers' caches, which is what a real corpus does with its recurring
phrasings but flatters the figure; ``--vary`` changes every number in every copy so that each
figure, date and sum of money is new text to parse.

    .venv/bin/python benchmarks/bench_extract.py            # about 2 MB, numbers varied
    .venv/bin/python benchmarks/bench_extract.py --same     # the same copies, caches warm
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT.parent / "shared" / "seeds", ROOT / "tests" / "fixtures" / "text"]


def corpus(megabytes: float, *, vary: bool, seed: int = 7) -> str:
    """About ``megabytes`` MB of prose from the seed pages and the test paragraphs."""
    pages = [p.read_text(encoding="utf-8") for d in SOURCES if d.is_dir() for p in d.glob("*.txt")]
    if not pages:
        raise SystemExit("no text found in ../shared/seeds or tests/fixtures/text")
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    parts: list[str] = []
    size = 0
    while size < target:
        for page in pages:
            if vary:  # new figures in every copy: "2.7" -> "3.1", "2016" stays a plausible year
                page = re.sub(
                    r"\d+",
                    lambda m: (
                        str(rng.randint(1990, 2024))
                        if len(m.group()) == 4
                        else str(rng.randint(1, 10 ** len(m.group()) - 1))
                    ),
                    page,
                )
            parts.append(page)
            size += len(page.encode("utf-8")) + 2
    return "\n\n".join(parts)


def main() -> None:
    """Time extraction over the corpus and print MB/s (the best of ``--repeat`` runs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2.0, help="size of the text (default 2)")
    parser.add_argument("--same", action="store_true", help="repeat the pages unchanged")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is kept")
    args = parser.parse_args()

    from sahel_core.extract import extract

    # Loads the vocabularies, units, parsers and rate tables once, as any first call does.
    extract("In May 2016, OCS seized 2.7 tons of cannabis worth 13 million CFA (about 20,000 USD).")
    best: tuple[float, float] | None = None
    for run in range(args.repeat):
        # Varied numbers: each run gets new ones, so no run reads figures an earlier one cached.
        text = corpus(args.mb, vary=not args.same, seed=7 + run)
        megabytes = len(text.encode("utf-8")) / 1_000_000
        start, cpu = time.perf_counter(), time.process_time()
        found = extract(text, source="benchmark.txt")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        if best is None or seconds < best[0]:
            best = (seconds, cpu)
    assert best is not None
    seconds, cpu = best
    kinds = {k: len(found.of_kind(k)) for k in ("seizure", "operation", "workshop", "figure")}
    print(
        f"{megabytes:.2f} MB ({'same pages' if args.same else 'numbers varied'}), best of "
        f"{args.repeat}: {seconds:.2f} s wall, {cpu:.2f} s CPU: {megabytes / seconds:.2f} MB/s "
        f"({megabytes / cpu:.2f} MB per CPU-second); load average {_load()}; records {kinds}"
    )


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
