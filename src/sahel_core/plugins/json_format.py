"""Built-in plugin: entities as JSON (a list of objects) and JSON Lines (one object a line).

Each object is one entity in the form :mod:`sahel_core.serialization` writes: decimals as text,
dates as ISO, nested records inline. A record that cannot become an entity is rejected with its
line (JSON Lines) or its position in the list (JSON, first element = 1) and every bad field path.
The entity is the one the caller names, else the one whose fields the first record's keys fit.
As in every other reader, a drug is a term of the vocabulary (an alias becomes its key, the name
as written kept in ``drug_text``) and a currency one ISO 4217 lists: "zorg" or "QQQ" rejects the
record, which a CSV copy of the table would reject too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from sahel_core.errors import FormatError, NotThisFormat, SahelError, StructureError
from sahel_core.hookspecs import hookimpl
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, Rejection, WriteOptions

__all__ = ["read_json", "read_jsonl", "sahel_register_formats", "write_json", "write_jsonl"]

_JSONL_EXTENSIONS = (".jsonl", ".ndjson")
_HEAD = 65536  # What the manager gives sniffers.


def _text(path: Path, options: ReadOptions) -> str:
    # UTF-8 only, unlike delimited text (csv_format.decode guesses legacy code pages): JSON
    # exchanged between systems must be UTF-8 (RFC 8259, section 8.1), and a guess could turn
    # bytes into wrong text silently. ``--encoding`` reads anything else.
    encoding = options.encoding or "utf-8-sig"
    try:
        return path.read_bytes().decode(encoding)
    # UnicodeError, not only its decoding kind: Python's "undefined" codec raises the parent.
    except (UnicodeError, LookupError) as exc:
        if options.encoding is not None:
            raise FormatError(f"not {options.encoding} text: {exc}", source=str(path)) from None
        # JSON is UTF-8: a file the sniffer took for it by a first "[" that is not (a CSV
        # header "[id],[date]" in Windows-1252) is read by its extension's format.
        raise NotThisFormat(f"not UTF-8 text: {exc}", source=str(path)) from None


def _guess(record: Any, options: ReadOptions) -> str:
    """The entity named by the caller, else the one whose fields contain the record's keys."""
    import attrs

    from sahel_core.entities import ENTITY_TYPES
    from sahel_core.tables import entity_type

    if options.entity is not None:
        return entity_type(options.entity).__name__.lower()
    if not isinstance(record, dict):
        return "seizure"
    keys = set(record)

    def fit(name: str) -> tuple[bool, int, bool]:
        fields = {f.name for f in attrs.fields(ENTITY_TYPES[name])}
        return keys <= fields, len(keys & fields), name == "seizure"

    return max(ENTITY_TYPES, key=fit)


def _build(
    records: Iterable[tuple[int, Any | Rejection]],
    path: Path,
    options: ReadOptions,
    format: str,
) -> ReadResult:
    """Structure each ``(row, data)`` into the entity, rejecting bad and repeated records."""
    from sahel_core.serialization import structure
    from sahel_core.tables import entity_type, from_entities

    entity: str | None = None
    built: list[Any] = []
    rejections: list[Rejection] = []
    seen: set[str] = set()
    read = 0
    for row, data in records:
        read += 1
        if isinstance(data, Rejection):
            rejections.append(data)
            continue
        if entity is None:
            entity = _guess(data, options)
        if (surrogate := _lone_surrogate(data)) is not None:
            rejections.append(Rejection(row, None, surrogate, "a lone surrogate: not text"))
            continue
        try:
            record: Any = _vocabulary(structure(data, entity_type(entity)))
        except StructureError as exc:
            rejections.append(_rejection(row, exc))
            continue
        except SahelError as exc:
            value = None if exc.value is None else str(exc.value)
            rejections.append(Rejection(row, exc.field, value, exc.message))
            continue
        key = getattr(record, "id", None)
        if isinstance(key, str):
            if key in seen:
                rejections.append(Rejection(row, "id", key, "repeats the id of an earlier record"))
                continue
            seen.add(key)
        built.append(record)
    name = entity or _guess(None, options)
    table = from_entities(built, name)
    return ReadResult(
        format=format, source=str(path), tables={name: table}, read=read, rejections=rejections
    )


def _vocabulary(record: Any) -> Any:
    """``record`` with its drug as the vocabulary's key; a SahelError naming the field for an
    unknown drug or a currency ISO 4217 does not list."""
    import attrs

    from sahel_core.money import Money, canonical_currency
    from sahel_core.reference import drug

    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        figures = value if isinstance(value, tuple) else (value,)
        for index, money in enumerate(figures):
            if isinstance(money, Money):
                at = f"{field.name}[{index}]" if isinstance(value, tuple) else field.name
                try:
                    canonical_currency(money.currency)
                except SahelError as exc:
                    exc.field = f"{at}.currency"
                    raise
    if isinstance(written := getattr(record, "drug", None), str):
        try:
            key = drug(written).key
        except SahelError as exc:
            exc.field = "drug"
            raise
        if key != written:
            record = attrs.evolve(record, drug=key, drug_text=record.drug_text or written)
    return record


def _lone_surrogate(data: Any) -> str | None:
    """The escape of a lone surrogate in ``data`` ("\\ud800"), which JSON allows and no table
    can hold, else None."""
    try:
        json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.object[exc.start : exc.end].encode("unicode_escape").decode("ascii")
    return None


def _rejection(row: int, exc: StructureError) -> Rejection:
    if not exc.errors:
        return Rejection(row, None, None, exc.message)
    path, _, value = exc.errors[0]
    reason = "; ".join(f"{p}: {m}" for p, m, _ in exc.errors)
    text = (
        None
        if value is None
        else value
        if isinstance(value, str)
        else json.dumps(value, default=str, ensure_ascii=False)
    )
    return Rejection(row, path.removeprefix("$.").removeprefix("$") or None, text, reason)


def _loads(text: str) -> Any:
    """JSON with exact decimals. An integer too long for int() (4,300 digits) becomes a
    Decimal, which the record's checks then refuse, not an error that fails the whole file;
    the hook that does it costs the C parser's speed, so it reads only such a text."""
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
    return json.loads(text, parse_float=Decimal, parse_int=_integer)


def _integer(text: str) -> int | Decimal:
    return int(text) if len(text) < 4300 else Decimal(text)


def _lines(text: str) -> Iterator[tuple[int, Any | Rejection]]:
    # Lines end at "\n" only (JSON Lines): str.splitlines() also splits at U+2028, U+0085...,
    # which a JSON string may hold as they are (as write_jsonl leaves them).
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = _loads(line)
        except (ValueError, RecursionError) as exc:
            yield number, Rejection(number, None, line[:200], f"not JSON: {exc}")
            continue
        if not isinstance(data, dict):
            yield number, Rejection(number, None, line[:200], "expected a JSON object")
            continue
        yield number, data


def read_jsonl(path: Path, options: ReadOptions) -> ReadResult:
    """Read JSON Lines: one entity per line; blank lines are skipped and not counted."""
    return _build(_lines(_text(path, options)), path, options, "jsonl")


def read_json(path: Path, options: ReadOptions) -> ReadResult:
    """Read a JSON list of entities (a single object counts as a list of one)."""
    text = _text(path, options)  # Its FormatError is a ValueError: not to be wrapped below.
    try:
        data = _loads(text)
    except (ValueError, RecursionError) as exc:
        # The sniffer saw only a first "[" or "{": "[id],[date]" is a CSV header.
        raise NotThisFormat(f"not JSON: {exc}", source=str(path)) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise FormatError("expected a list of objects", source=str(path))

    def elements() -> Iterator[tuple[int, Any | Rejection]]:
        for number, element in enumerate(data, start=1):
            if isinstance(element, dict):
                yield number, element
            else:
                text = json.dumps(element, default=str)[:200]
                yield number, Rejection(number, None, text, "expected a JSON object")

    return _build(elements(), path, options, "json")


def _records(table: pl.DataFrame, entity: str) -> Iterator[Any]:
    from sahel_core.entities import ENTITY_TYPES
    from sahel_core.serialization import unstructure
    from sahel_core.tables import to_entities

    if entity not in ENTITY_TYPES:
        # A reader's extra table (IATI transactions, HXL columns): its cells as text.
        from sahel_core.tabular import text_table

        yield from text_table(table).iter_rows(named=True)
        return
    for record in to_entities(table, entity):
        yield unstructure(record)


def write_jsonl(table: pl.DataFrame, path: Path, entity: str, options: WriteOptions) -> None:
    """Write one JSON object per line, UTF-8."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for data in _records(table, entity):
            out.write(json.dumps(data, ensure_ascii=False) + "\n")


def write_json(table: pl.DataFrame, path: Path, entity: str, options: WriteOptions) -> None:
    """Write a JSON list of objects, indented, UTF-8."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        json.dump(list(_records(table, entity)), out, ensure_ascii=False, indent=2)
        out.write("\n")


def _first_lines(head: bytes) -> list[str]:
    """The first two non-blank lines of ``head``."""
    text = head.decode("utf-8-sig", errors="ignore")  # The 64 KiB cut may split a character.
    if len(head) >= _HEAD:
        text = text[: text.rfind("\n") + 1]  # The last line may be cut: keep whole lines.
    return [line for line in text.split("\n")[:1000] if line.strip()][:2]


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def sniff_jsonl(head: bytes, name: str) -> bool:
    """JSON Lines: the first line is a whole object, and a second line or the name says lines."""
    lines = _first_lines(head)
    if not lines or not _is_object(lines[0]):
        return False
    if name.lower().endswith(_JSONL_EXTENSIONS):
        return True
    return len(lines) == 2 and _is_object(lines[1])


def sniff_json(head: bytes, name: str) -> bool:
    """JSON: starts with ``[`` or ``{`` and is not JSON Lines."""
    lines = _first_lines(head)
    return bool(lines) and lines[0].lstrip().startswith(("[", "{")) and not sniff_jsonl(head, name)


@hookimpl
def sahel_register_formats() -> list[FormatSpec]:
    """JSON and JSON Lines."""
    from sahel_core.entities import ENTITY_TYPES

    entities = tuple(ENTITY_TYPES)
    return [
        FormatSpec(
            name="jsonl",
            description="JSON Lines: one entity object per line",
            extensions=_JSONL_EXTENSIONS,
            media_types=("application/x-ndjson", "application/jsonl"),
            entities=entities,
            read=read_jsonl,
            write=write_jsonl,
            sniff=sniff_jsonl,
        ),
        FormatSpec(
            name="json",
            description="JSON: a list of entity objects",
            extensions=(".json",),
            media_types=("application/json",),
            entities=entities,
            read=read_json,
            write=write_json,
            sniff=sniff_json,
        ),
    ]
