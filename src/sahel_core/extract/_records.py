"""From drafts to records: ids, sources, and the check of stated equivalents of a value."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

from attrs import frozen

from sahel_core.dates import PartialDate
from sahel_core.entities import SourceRef
from sahel_core.errors import SahelError, ValidationError
from sahel_core.extract._base import _Draft
from sahel_core.extract._model import (
    _CLASSES,
    QUOTE_LIMIT,
    VALUE_TOLERANCE,
    Evidence,
    Extracted,
    quote,
)
from sahel_core.extract._rules import _Extractor
from sahel_core.money import Money

# --- from drafts to records -------------------------------------------------------------------


def _base_source(source: SourceRef | str | None) -> SourceRef:
    if source is None:
        return SourceRef(file="<text>")
    if isinstance(source, SourceRef):
        return source
    if isinstance(source, str) and source.strip():
        if re.match(r"[a-z][a-z0-9+.-]*://", source, re.IGNORECASE):
            return SourceRef(url=source)
        return SourceRef(file=source)
    raise ValidationError("a source is a SourceRef, a URL or a file name", field="source",
                          value=source)  # fmt: skip


def _stem(source: SourceRef) -> str:
    name = source.file or source.url or "text"
    name = name.rstrip("/").rsplit("/", 1)[-1] or "text"
    return name.rsplit(".", 1)[0] if "." in name[1:] else name


def _build_records(
    drafts: list[_Draft], extractor: _Extractor
) -> tuple[tuple[Extracted, ...], list[tuple[str, str | None, str | None, str]]]:
    stem = _stem(extractor.source)
    counters: dict[str, int] = {}
    ids: dict[int, str] = {}
    for draft in drafts:
        counters[draft.kind] = counters.get(draft.kind, 0) + 1
        ids[id(draft)] = f"{stem}:{draft.kind}:{counters[draft.kind]}"
    for draft in drafts:  # link seizures to the operation of their sentence
        if draft.kind == "seizure" and isinstance(draft.fields.get("operation"), _Draft):
            op = draft.fields["operation"]
            op.fields["seizures"] = (*op.fields.get("seizures", ()), ids[id(draft)])
    flags = _value_flags(drafts)
    out = []
    dropped = list(extractor.dropped)
    refs: dict[int, SourceRef] = {}  # by sentence: several records come from one sentence
    for draft in drafts:
        fields = dict(draft.fields)
        if isinstance(fields.get("operation"), _Draft):
            fields["operation"] = ids[id(fields["operation"])]
        quotes = _quotes(draft, extractor)
        for i in draft.sentences:
            if i not in refs and i not in quotes:
                refs[i] = _source(extractor.source, extractor.sentence_evidence(i))
        sources = tuple(
            _source(extractor.source, quotes[i]) if i in quotes else refs[i]
            for i in sorted(draft.sentences)
        )
        try:
            entity = _CLASSES[draft.kind](id=ids[id(draft)], sources=sources, **fields)
        except SahelError as exc:  # a plugin rule returned a field the model refuses
            dropped.append((draft.kind, exc.field, repr(exc.value), exc.message))
            continue
        except TypeError as exc:  # ... or a field the entity does not have
            dropped.append((draft.kind, None, None, str(exc)))
            continue
        out.append(
            Extracted(
                kind=draft.kind,
                entity=entity,
                evidence=quotes.get(draft.sentence) or extractor.sentence_evidence(draft.sentence),
                fields=tuple(draft.evidence.values()),
                flags=(*draft.flags, *flags.get(id(draft), ())),
            )
        )
    return tuple(out), dropped


def _quotes(draft: _Draft, extractor: _Extractor) -> dict[int, Evidence]:
    """What ``draft`` quotes of each of its sentences longer than :data:`QUOTE_LIMIT`: the
    part around the figure that started it, or in another sentence around its first phrase
    there (:func:`quote`). Text without full stops (tables copied from a PDF) makes a
    sentence of thousands of figures, which every record would otherwise quote whole."""
    quotes: dict[int, Evidence] = {}
    for i in draft.sentences:
        sentence = extractor.sentence_evidence(i)
        if sentence.end - sentence.start <= QUOTE_LIMIT:
            continue
        if i == draft.sentence:
            around = draft.order[0]
        else:
            phrases = [f.phrase.start for f in draft.evidence.values() if f.sentence == sentence]
            around = min(phrases, default=sentence.start)
        quotes[i] = quote(sentence, around)
    return quotes


def _source(base: SourceRef, sentence: Evidence) -> SourceRef:
    return SourceRef(
        url=base.url,
        file=base.file,
        start=sentence.start,
        end=sentence.end,
        quote=sentence.text,
        published=base.published,
        retrieved=base.retrieved,
        note=base.note,
    )


def _midpoint(date: PartialDate) -> dt.date:
    if date.latest is None:
        return date.earliest
    return date.earliest + (date.latest - date.earliest) / 2


_PEGGED = frozenset({"XOF", "XAF", "EUR"})
_PEG_DAY = dt.date(2000, 1, 3)  # any day of the euro pegs (fixed since 1999) will do


@frozen
class _Check:
    """A stated equivalent to compare with a record's value, converted at ``on``."""

    draft: int  # id() of the draft
    value: Money
    stated: Money
    on: dt.date
    dated: bool


def _value_flags(drafts: Sequence[_Draft]) -> dict[int, list[str]]:
    """Flags for stated equivalents that disagree with the value beyond
    :data:`VALUE_TOLERANCE` ("13 million CFA (about 20,000 USD)"), by draft.

    The values are converted together, one polars column per target currency
    (:func:`sahel_core.rates.convert_column`), never one call per record. Without a date only
    the euro pegs (XOF, XAF ↔ EUR) can be checked: they hold on any day.
    """
    flags: dict[int, list[str]] = {}
    checks: list[_Check] = []
    for draft in drafts:
        value: Money | None = draft.fields.get("value")
        if value is None:
            continue
        date = draft.fields.get("date") or draft.fields.get("as_of")
        for other in draft.fields.get("stated_values", ()):
            if date is not None:
                checks.append(_Check(id(draft), value, other, _midpoint(date), True))
            elif {value.currency, other.currency} <= _PEGGED:
                checks.append(_Check(id(draft), value, other, _PEG_DAY, False))
            else:
                flags.setdefault(id(draft), []).append(
                    f"value-unchecked: {other.text or other.currency}: the sentence gives no "
                    "date to convert at"
                )
    for check, (converted, error) in zip(checks, _convert_all(checks), strict=True):
        message = _disagreement(check, converted, error)
        if message:
            flags.setdefault(check.draft, []).append(message)
    return flags


def _convert_all(checks: Sequence[_Check]) -> list[tuple[Decimal | None, str | None]]:
    """Each check's value converted to its stated currency: (amount, None) or (None, why)."""
    if not checks:
        return []
    import polars as pl

    from sahel_core.rates import convert_column
    from sahel_core.tables import DECIMAL_PRECISION, DECIMAL_SCALE

    results: list[tuple[Decimal | None, str | None]] = [(None, None)] * len(checks)
    targets = sorted({c.stated.currency for c in checks})
    for target in targets:
        rows = [i for i, c in enumerate(checks) if c.stated.currency == target]
        frame = pl.DataFrame(
            {
                "value": [checks[i].value.amount for i in rows],
                "currency": [checks[i].value.currency for i in rows],
                "date_value": [checks[i].on for i in rows],
            },
            schema={
                "value": pl.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE),
                "currency": pl.String,
                "date_value": pl.Date,
            },
        )
        try:
            done = convert_column(frame, to=target)
        except SahelError as exc:
            for i in rows:
                results[i] = (None, exc.message)
            continue
        for i, amount, error in zip(rows, done[target], done["rate_error"], strict=True):
            results[i] = (amount, error)
    return results


def _disagreement(check: _Check, converted: Decimal | None, error: str | None) -> str | None:
    stated = check.stated
    if converted is None:
        return f"value-unchecked: {stated.text or stated.currency}: {error or 'no rate'}"
    low = stated.low if stated.low is not None else stated.amount
    if converted >= low * (1 - VALUE_TOLERANCE) and (
        stated.high is None or converted <= stated.high * (1 + VALUE_TOLERANCE)
    ):
        return None
    when = f" on {check.on.isoformat()}" if check.dated else ""
    return (
        f"value-mismatch: {check.value.text or check.value.amount} is about "
        f"{converted:,.2f} {stated.currency}{when}, the text says "
        f"{stated.text or stated.amount} (tolerance {VALUE_TOLERANCE:.0%})"
    )
