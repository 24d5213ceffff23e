"""Precision and recall of sahel_core.extract on the five programme pages of ../shared/seeds.

The expected records (tests/fixtures/seeds_expected.json) were written by hand from the pages.
Records are paired by kind and by an anchor phrase of their sentence; then, field by field,
each value the extractor gives is right (it is in the expected record) or wrong, and each
expected value is found or missed. An extracted record with no expected partner counts all its
values as wrong; an expected record with no partner counts all its values as missed.

Print the table the documentation quotes with::

    .venv/bin/python tests/test_extract_seeds.py
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).parent / "fixtures" / "seeds_expected.json"
SEEDS = ROOT.parent / "shared" / "seeds"

#: The fields scored, and the record keys (see Extracted.as_dict) each is made of.
FIELDS: dict[str, tuple[str, ...]] = {
    "quantities": ("quantity", "packaging", "arrested"),
    "money": ("value",),
    "dates": ("date",),
    "countries": ("country", "countries"),
    "places": ("place",),
    "drugs": ("drug",),
    "participants": ("participants", "institutions"),
    "donors": ("donors",),
    "agencies": ("agencies",),
}
#: Fields whose scores the test holds to a floor: (recall, precision).
FLOORS = dict.fromkeys(("quantities", "money", "dates", "countries"), (0.9, 0.95))


def _unit(text: str) -> str:
    from sahel_core.quantities import canonical_unit

    return canonical_unit(text)


def values(record: dict[str, Any], field: str) -> Counter[Hashable]:
    """The values of one scored field of a record (expected or extracted), comparable."""
    found: Counter[Hashable] = Counter()
    for key in FIELDS[field]:
        item = record.get(key)
        if item in (None, [], ""):
            continue
        if field in ("quantities", "participants"):
            found[(key, Decimal(item["magnitude"]), _unit(item["unit"]), item["qualifier"])] += 1
        elif field == "money":
            for money in item:
                found[(Decimal(money["amount"]), money["currency"], money["qualifier"])] += 1
        elif field == "dates":
            found[(item["earliest"], item["latest"])] += 1
        elif isinstance(item, list):
            found.update(set(item) - set(found))
        elif item not in found:
            found[item] += 1
    return found


def _plain(text: str) -> str:
    return " ".join(text.split())


def pair(
    expected: list[dict[str, Any]], extracted: list[dict[str, Any]]
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Expected and extracted records paired by kind and anchor; the unpaired of each side."""
    free = list(extracted)
    pairs = []
    missed = []
    for want in expected:
        candidates = [
            got
            for got in free
            if got["kind"] == want["kind"]
            and want.get("operation_kind", got["operation_kind"]) == got["operation_kind"]
            and _plain(want["anchor"]) in _plain(got["evidence"]["text"])
        ]
        if not candidates:
            missed.append(want)
            continue
        best = max(
            candidates,
            key=lambda got: sum(sum((values(want, f) & values(got, f)).values()) for f in FIELDS),
        )
        free.remove(best)
        pairs.append((want, best))
    return pairs, missed, free


def score(
    documents: Iterable[tuple[list[dict[str, Any]], list[dict[str, Any]]]],
) -> dict[str, dict[str, float]]:
    """Per field: true positives, false positives, false negatives, precision and recall."""
    counts = {field: Counter[str]() for field in FIELDS}
    for expected, extracted in documents:
        pairs, missed, extra = pair(expected, extracted)
        for field, count in counts.items():
            for want, got in pairs:
                a, b = values(want, field), values(got, field)
                hit = sum((a & b).values())
                count["tp"] += hit
                count["fn"] += sum(a.values()) - hit
                count["fp"] += sum(b.values()) - hit
            count["fn"] += sum(sum(values(want, field).values()) for want in missed)
            count["fp"] += sum(sum(values(got, field).values()) for got in extra)
    table = {}
    for field, count in counts.items():
        tp, fp, fn = count["tp"], count["fp"], count["fn"]
        table[field] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
        }
    return table


def run_seeds(seeds: Path) -> list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
    """(file name, expected records, extracted records) for every seed page."""
    from sahel_core.extract import extract

    fixture = json.loads(EXPECTED.read_text(encoding="utf-8"))
    out = []
    for name, document in fixture["documents"].items():
        text = (seeds / name).read_text(encoding="utf-8")
        found = extract(text, source=name)
        assert found.lang == document["lang"]
        out.append((name, document["records"], found.as_dicts()))
    return out


def format_scores(table: dict[str, dict[str, float]]) -> str:
    """The per-field table, as Markdown."""
    lines = [
        "| field | precision | recall | right | wrong | missed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for field, row in table.items():
        lines.append(
            f"| {field} | {row['precision']:.2f} | {row['recall']:.2f} | {row['tp']} | "
            f"{row['fp']} | {row['fn']} |"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def results() -> list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds not present: the programme pages are not beside this clone")
    return run_seeds(SEEDS)


def test_every_seed_page_has_expected_records(seeds: Path) -> None:
    fixture = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert sorted(fixture["documents"]) == sorted(p.name for p in seeds.glob("*.txt"))


def test_recall_and_precision_on_the_seed_pages(
    results: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]],
) -> None:
    table = score((expected, extracted) for _, expected, extracted in results)
    report = format_scores(table)
    for field, (recall, precision) in FLOORS.items():
        assert table[field]["recall"] >= recall, report
        assert table[field]["precision"] >= precision, report


def test_every_expected_record_is_found(
    results: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]],
) -> None:
    for name, expected, extracted in results:
        _, missed, _ = pair(expected, extracted)
        assert not missed, (name, [m["anchor"] for m in missed])


def test_no_record_is_invented(
    results: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]],
) -> None:
    for name, expected, extracted in results:
        _, _, extra = pair(expected, extracted)
        assert not extra, (name, [(e["kind"], e["evidence"]["text"][:60]) for e in extra])


def test_scoring_counts_wrong_and_missed_values() -> None:
    want = {"kind": "seizure", "anchor": "2.7 tons", "operation_kind": None,
            "quantity": {"magnitude": "2.7", "unit": "t", "qualifier": "exact"},
            "country": "MLI"}  # fmt: skip
    got = {**want, "evidence": {"text": "2.7 tons of cannabis"}, "country": "NER"}
    table = score([([want], [got])])
    assert table["quantities"]["tp"] == 1 and table["quantities"]["precision"] == 1.0
    assert table["countries"]["fp"] == 1 and table["countries"]["fn"] == 1
    table = score([([want], [])])
    assert table["quantities"]["recall"] == 0.0


def main() -> None:
    """Print the per-field precision/recall table for the seed pages."""
    if not SEEDS.is_dir():
        raise SystemExit("../shared/seeds not present")
    results = run_seeds(SEEDS)
    print(format_scores(score((e, x) for _, e, x in results)))
    for name, expected, extracted in results:
        _, missed, extra = pair(expected, extracted)
        for m in missed:
            print(f"{name}: missed {m['kind']} {m['anchor']!r}")
        for x in extra:
            print(f"{name}: extra {x['kind']} {x['evidence']['text'][:70]!r}")


if __name__ == "__main__":
    main()
