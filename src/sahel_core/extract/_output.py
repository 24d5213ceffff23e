"""Records as plain data (the JSON shape), explanations for people, and tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from sahel_core.dates import PartialDate
from sahel_core.entities import Place, SourceRef
from sahel_core.extract._model import (
    QUOTE_LIMIT,
    Evidence,
    Extracted,
    Extraction,
    FieldEvidence,
    Figure,
)

if TYPE_CHECKING:
    import polars as pl


# --- output -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    from sahel_core.serialization import unstructure

    return None if value is None else unstructure(value)


def _date_dict(date: PartialDate | None) -> dict[str, Any] | None:
    if date is None:
        return None
    return {
        "text": date.text,
        "earliest": date.earliest.isoformat(),
        "latest": None if date.latest is None else date.latest.isoformat(),
    }


def _span(evidence: Evidence) -> dict[str, Any]:
    return {"start": evidence.start, "end": evidence.end, "text": evidence.text}


def _as_dict(record: Extracted) -> dict[str, Any]:
    e: Any = record.entity

    def get(name: str) -> Any:
        return getattr(e, name, None)

    place: Place | None = get("place")
    places: tuple[Place, ...] = get("places") or ()
    if place is None and len(places) == 1:
        place = places[0]
    countries = list(get("countries") or ())
    countries += [p.country for p in places if p.country not in countries]
    value = get("value")
    kind = get("kind")
    return {
        "kind": record.kind,
        "id": e.id,
        "operation_kind": kind.value if kind is not None else None,
        "label": get("label"),
        "title": get("title"),
        "topic": get("topic"),
        "drug": get("drug"),
        "drug_text": get("drug_text"),
        "quantity": _plain(get("quantity") or get("amount")),
        "packaging": _plain(get("packaging")),
        "arrested": _plain(get("arrested")),
        "participants": _plain(get("participants")),
        "institutions": _plain(get("institutions")),
        "value": [_plain(m) for m in ([value] if value else []) + list(get("stated_values") or ())],
        "date": _date_dict(get("date") or get("as_of")),
        "country": place.country if place is not None else None,
        "place": place.locality if place is not None else None,
        "countries": countries,
        "agencies": list(get("agencies") or ([get("agency")] if get("agency") else [])),
        "donors": list(get("donors") or ()),
        "seizures": list(get("seizures") or ()),
        "operation": get("operation"),
        "flags": list(record.flags),
        "evidence": _span(record.evidence),
        "fields": {
            f.name: {
                **_span(f.phrase),
                "sentence": {"start": f.sentence.start, "end": f.sentence.end},
            }
            for f in record.fields
        },
    }


def _summary(data: dict[str, Any]) -> str:
    parts = []
    if data["operation_kind"]:
        parts.append(data["operation_kind"])
    for name in ("label", "title", "topic", "drug"):
        if data[name]:
            parts.append(f"{name} {data[name]!r}" if name in ("title", "topic") else data[name])
    for name in ("quantity", "packaging", "arrested", "participants", "institutions"):
        amount = data[name]
        if amount:
            qualifier = "" if amount["qualifier"] == "exact" else amount["qualifier"] + " "
            parts.append(f"{name} {qualifier}{amount['magnitude']} {amount['unit']}")
    for money in data["value"]:
        qualifier = "" if money["qualifier"] == "exact" else money["qualifier"] + " "
        parts.append(f"{qualifier}{money['amount']} {money['currency']}")
    if data["date"]:
        parts.append(f"{data['date']['earliest']}..{data['date']['latest'] or ''}")
    where = ", ".join(x for x in (data["place"], data["country"]) if x)
    if where:
        parts.append(f"in {where}")
    for name in ("countries", "agencies", "donors"):
        if data[name]:
            parts.append(f"{name} {','.join(data[name])}")
    return "; ".join(parts)


def _explain(extraction: Extraction) -> str:
    lines = [f"{len(extraction.records)} records ({extraction.lang})"]
    for record in extraction.records:
        data = record.as_dict()
        lines.append("")
        lines.append(f"[{record.kind}] {data['id']}: {_summary(data)}")
        lines.append(
            f"  evidence (chars {record.evidence.start}-{record.evidence.end}): "
            f"{record.evidence.text!r}"
        )
        shown = record.evidence
        for f in record.fields:
            where = ""
            if not shown.start <= f.phrase.start < f.phrase.end <= shown.end:
                # From another sentence, or a part of a long one the record does not quote:
                # its sentence, when short enough to print whole (offsets may be a page's).
                where = f"  from chars {f.sentence.start}-{f.sentence.end}"
                if len(f.sentence.text) <= QUOTE_LIMIT:
                    where += f": {f.sentence.text!r}"
            lines.append(f"  {f.name:<22} {f.phrase.text!r}{where}")
        for flag in record.flags:
            lines.append(f"  FLAG {flag}")
    return "\n".join(lines)


def _remap(
    extraction: Extraction, start_of: Callable[[int], int], end_of: Callable[[int], int]
) -> Extraction:
    def ev(e: Evidence) -> Evidence:
        start = start_of(e.start)
        return Evidence(start, max(start, end_of(e.end)), e.text)

    def src(s: SourceRef) -> SourceRef:
        if s.start is None or s.end is None:
            return s
        start = start_of(s.start)
        return attrs.evolve(s, start=start, end=max(start, end_of(s.end)))

    records = []
    for r in extraction.records:
        entity = attrs.evolve(r.entity, sources=tuple(src(s) for s in r.entity.sources))
        fields = tuple(FieldEvidence(f.name, ev(f.phrase), ev(f.sentence)) for f in r.fields)
        records.append(attrs.evolve(r, entity=entity, evidence=ev(r.evidence), fields=fields))
    return attrs.evolve(extraction, records=tuple(records))


def _figure_table(figures: Sequence[Figure]) -> pl.DataFrame:
    """The figure table, with the column rules of :mod:`sahel_core.tables`: ``amount``,
    ``amount_unit``, ``amount_qualifier``..., ``value``, ``value_currency``..., ``as_of``,
    ``as_of_earliest``, ``as_of_latest``, then the other fields and the first source."""
    import polars as pl

    from sahel_core.tables import DECIMAL_PRECISION, DECIMAL_SCALE

    decimal = pl.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE)
    schema: dict[str, Any] = {"id": pl.String, "label": pl.String}
    for name, unit in (("amount", "unit"), ("value", "currency")):
        schema[name] = decimal
        schema[f"{name}_{unit}"] = pl.String
        schema[f"{name}_qualifier"] = pl.String
        schema[f"{name}_low"] = decimal
        schema[f"{name}_high"] = decimal
        schema[f"{name}_text"] = pl.String
    schema |= {"as_of": pl.String, "as_of_earliest": pl.Date, "as_of_latest": pl.Date}
    schema |= dict.fromkeys(("drug", "country", "locality"), pl.String)
    schema |= {"countries": pl.List(pl.String), "operation": pl.String}
    schema |= dict.fromkeys(("source_file", "source_url", "quote"), pl.String)
    rows = []
    for f in figures:
        row: dict[str, Any] = {"id": f.id, "label": f.label}
        for name, figure, unit, size in (
            ("amount", f.amount, "unit", "magnitude"),
            ("value", f.value, "currency", "amount"),
        ):
            row[name] = getattr(figure, size, None)
            row[f"{name}_{unit}"] = getattr(figure, unit, None)
            row[f"{name}_qualifier"] = None if figure is None else figure.qualifier.value
            for part in ("low", "high", "text"):
                row[f"{name}_{part}"] = getattr(figure, part, None)
        first = f.sources[0] if f.sources else None
        row |= {
            "as_of": f.as_of.text if f.as_of else None,
            "as_of_earliest": f.as_of.earliest if f.as_of else None,
            "as_of_latest": f.as_of.latest if f.as_of else None,
            "drug": f.drug,
            "country": f.place.country if f.place else None,
            "locality": f.place.locality if f.place else None,
            "countries": list(f.countries),
            "operation": f.operation,
            "source_file": first.file if first else None,
            "source_url": first.url if first else None,
            "quote": first.quote if first else None,
        }
        rows.append(row)
    return pl.DataFrame(rows, schema=schema, orient="row" if rows else None)
