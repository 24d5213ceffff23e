"""HXL (Humanitarian Exchange Language) CSV: hashtag rows in, hashtag rows out.

An HXL file is a CSV whose hashtag row (``#country+code``, ``#adm1 +name``, ``#value``) sits
under the human header, anywhere in the first 25 rows. A row is the hashtag row when it has at
least one hashtag and every non-empty cell is a hashtag (attributes may be separated by spaces:
``#country +code +v_iso3`` = ``#country+code+v_iso3``; case is ignored). Columns without a
hashtag are not part of the data (HXL's rule) and are dropped.

Which table a file becomes, in this order:

1. ``options.entity`` when the caller names one;
2. a canonical table written by this project (:func:`hxl_tags`): the hashtags of an entity's
   own columns, with ``#meta+id``, are read back column for column;
3. **seizures** when a column names a drug (``#item+drug``, ``#drug``) and another a quantity
   (``#indicator+num``, ``#item+num``, ``#quantity``): ``#country`` → country (``+code`` or a
   name), ``#loc``/``#adm2``/``#adm1`` ``+name`` → locality (the most precise), ``#date`` →
   date, ``#org`` → agency, ``#item+unit``/``#indicator+unit`` → unit, ``#value`` → value,
   ``#currency`` → its currency;
4. **events** when the hashtags are those of HDX's ACLED files (``#event``, ``#date``,
   ``#affected+killed``): read by :func:`sahel_core.plugins.acled.events_table`;
5. otherwise a generic table ``hxl``: one text column per hashtagged column, named by its
   normalized hashtag (``#adm1+name``; a repeated one is named as the CSV reader names a
   repeated header: ``#adm1+name_duplicated_0``), plus ``row``.
   The WFP food-price file (``#item+name``, ``#value``, ``#currency``) lands here: prices are
   not seizures, and ``#value`` is money in HXL, not a quantity.

A hashtag's attributes are a set (``#item+code+drug`` is ``#item+drug+code``). When several
columns carry one hashtag, the first is read as the column it maps to, and the others are
compared with it: a row where they differ is rejected, naming both (which value is meant cannot
be told), as for a repeated header of any table.

A workbook (.xlsx) whose sheet has a hashtag row is read by its hashtags as well: the ``xlsx``
format hands the sheet's rows to :func:`tagged` and :func:`read_tagged`, the code that reads
this format's CSV after it is split into rows.

Writing: the ``hxl`` format writes a canonical table as the ``csv`` format does and inserts the
hashtag row of :func:`hxl_tags` under the header; the ``csv`` format does the same when
``WriteOptions(hxl=True)``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sahel_core.errors import FormatError
from sahel_core.hookspecs import hookimpl
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, Rejection, WriteOptions

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "SCAN_ROWS",
    "Tagged",
    "add_hashtag_row",
    "hashtags",
    "hxl_locale",
    "hxl_tags",
    "is_hashtag_row",
    "normalize_tag",
    "read_hxl",
    "read_tagged",
    "sahel_register_formats",
    "sniff_hxl",
    "tagged",
    "write_hxl",
]

#: How many rows at the top of a file or sheet may come before the hashtag row.
SCAN_ROWS = 25
_TAG = re.compile(r"#([a-z][a-z0-9_]*)((?:\s*\+\s*[a-z][a-z0-9_]*)*)\s*", re.IGNORECASE)

Tag = tuple[str, frozenset[str]]


def normalize_tag(text: str) -> str | None:
    """``"#Country +code +v_iso3"`` → ``"#country+code+v_iso3"``; ``None`` if not a hashtag."""
    match = _TAG.fullmatch(text.strip())
    if match is None:
        return None
    attributes = re.findall(r"[a-z][a-z0-9_]*", match[2].lower())
    return "#" + match[1].lower() + "".join(f"+{a}" for a in attributes)


def hashtags(cells: Sequence[str | None]) -> list[str]:
    """The normalized hashtags of a hashtag row, ``""`` for a column without one."""
    return [normalize_tag(c or "") or "" for c in cells]


def _parts(tag: str) -> Tag:
    hashtag, *attributes = tag.split("+")
    return hashtag, frozenset(attributes)


def is_hashtag_row(cells: Sequence[str | None], *, single: bool = False) -> bool:
    """Whether a row is an HXL hashtag row: a hashtag in every cell that is not empty, and in
    two cells at least unless ``single`` (a file's first two rows, where HXL puts it: a file
    may tag one column only). Further down, a single tag-like cell ("#sahel" in a notes
    column) is data: taking its row for tags would drop it, or make a register HXL."""
    filled = [c for c in cells if c and c.strip()]
    return (
        bool(filled)
        and (single or len(filled) >= min(2, len(cells)))
        and all(normalize_tag(c) is not None for c in filled)
    )


# -- the hashtags of canonical tables ------------------------------------------------------------

#: Hashtags by canonical column, for the columns whose meaning HXL has a hashtag for.
_COLUMN_TAGS: dict[str, str] = {
    "id": "#meta+id",
    "country": "#country+code",
    "locality": "#loc+name",
    "date": "#date",
    "date_earliest": "#date+start",
    "date_latest": "#date+end",
    "drug": "#item+drug+code",
    "drug_text": "#item+drug+name",
    "agency": "#org+agency+code",
    "agencies": "#org+agency+list",
    "donors": "#org+funder+list",
    "title": "#activity+name",
    "topic": "#activity+topic",
    "kind": "#meta+kind",
    "actors": "#group+name+list",
    "fatalities": "#affected+killed",
    "sectors": "#sector+code+list",
    "countries": "#country+code+list",
    "places": "#loc+list",
    "seizures": "#meta+seizures",
    "operation": "#activity+code",
    "sources": "#meta+sources",
}
#: Per entity, where a column means something else than the table above says.
_ENTITY_TAGS: dict[str, dict[str, str]] = {
    "donor": {"id": "#org+code", "name": "#org+name", "kind": "#org+type"},
    "agency": {
        "acronym": "#org+acronym",
        "name_en": "#org+name+i_en",
        "name_fr": "#org+name+i_fr",
        "kind": "#org+type",
        "key": "#org+code",
        "aliases": "#org+name+alias+list",
    },
    "country": {
        "alpha3": "#country+code+v_iso3",
        "alpha2": "#country+code+v_iso2",
        "name_en": "#country+name+i_en",
        "name_fr": "#country+name+i_fr",
    },
}
#: Figures: the hashtag of the amount; parts get ``+num``, ``+unit``/``+code``, ``+qualifier``...
_FIGURE_TAGS = {"Amount": "#indicator", "Money": "#value"}


@cache
def hxl_tags(entity: str) -> dict[str, str]:
    """The HXL hashtag of every column of ``entity``'s canonical table, in column order.

    Columns HXL has a hashtag for get it (``country`` → ``#country+code``, ``date`` →
    ``#date``, ``fatalities`` → ``#affected+killed``); a figure ``x`` gets ``#indicator+x+num``
    (quantities) or ``#value+x+num`` (money), with ``+unit`` / ``#currency+code+x`` and
    ``+qualifier``, ``+low``, ``+high``, ``+text`` for its parts; other columns get
    ``#meta+<column>``. Every hashtag of a table is distinct.
    """
    from sahel_core.tables import _hints, entity_type, schema

    cls = entity_type(entity)
    name = cls.__name__.lower()
    columns = list(schema(cls))
    figures = {
        field: _FIGURE_TAGS[hint.__name__]
        for field, hint in _hints(cls).items()
        if getattr(hint, "__name__", "") in _FIGURE_TAGS
    }
    tags: dict[str, str] = {}
    special = _ENTITY_TAGS.get(name, {})
    for column in columns:
        tag = special.get(column)
        base, _, part = column.rpartition("_")
        if tag is None and (column in figures or base in figures):
            field = column if column in figures else base
            hashtag = figures[field]
            # "value" on #value says nothing twice: #value, #currency+code, #value+qualifier.
            key = "" if hashtag == f"#{field}" else "+" + field.replace("_", "")
            if column == field:
                tag = f"{hashtag}{key}+num" if key else hashtag
            elif part in ("currency", "unit"):
                tag = f"#currency+code{key}" if part == "currency" else f"{hashtag}{key}+unit"
            else:
                tag = f"{hashtag}{key}+{part}"
        if tag is None:
            tag = _COLUMN_TAGS.get(column) or f"#meta+{column}"
        tags[column] = tag
    if len({_parts(t) for t in tags.values()}) != len(tags):  # pragma: no cover - a bug here
        raise AssertionError(f"duplicate HXL hashtags for {name}")
    return tags


def add_hashtag_row(path: Path, entity: str) -> None:
    """Insert the hashtag row of ``entity`` under the header of a CSV written by this project.

    The header line holds canonical column names (no quotes, no line breaks), so the row goes
    right after the first line break; the delimiter is read from the header.
    """
    data = path.read_bytes()
    end = data.find(b"\n")
    if end < 0:
        raise FormatError("no header line to put the HXL row under", source=path.name)
    header = data[:end].decode("utf-8-sig").rstrip("\r")
    delimiter = "\t" if "\t" in header else ","
    tags = hxl_tags(entity)
    row = delimiter.join(tags.get(column, "") for column in header.split(delimiter))
    newline = b"\r\n" if data[:end].endswith(b"\r") else b"\n"
    path.write_bytes(data[: end + 1] + row.encode("utf-8") + newline + data[end + 1 :])


def write_hxl(table: pl.DataFrame, path: Path, entity: str, options: WriteOptions) -> None:
    """Write a canonical table as CSV with the HXL hashtag row (see :func:`hxl_tags`)."""
    from sahel_core.plugins.csv_format import write_csv

    write_csv(table, path, entity, WriteOptions(hxl=False))
    add_hashtag_row(path, entity)


# -- reading ---------------------------------------------------------------------------------------


def sniff_hxl(head: bytes, name: str) -> bool:
    """True when one of the first 25 rows is an HXL hashtag row."""
    from sahel_core.plugins.csv_format import head_text, sniff_delimiter

    text = None if head.startswith(b"PK") else head_text(head)
    if text is None:
        return False
    lines = text.splitlines()[:SCAN_ROWS]
    if len(lines) > 1:
        lines = lines[:-1]  # The head may cut the last line anywhere.
    try:
        rows = list(csv.reader(lines, delimiter=sniff_delimiter("\n".join(lines))))
    except csv.Error:
        return False
    return any(is_hashtag_row(row, single=index < 2) for index, row in enumerate(rows))


def _split(path: Path, options: ReadOptions) -> tuple[list[str], list[str], list[list[str]], int]:
    """(human header, hashtags, data rows, number of the hashtag row) of an HXL CSV."""
    from sahel_core.plugins.csv_format import csv_records, decode, sniff_delimiter

    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FormatError(f"cannot read the file: {reason}", source=path.name) from None
    if data.startswith(b"PK\x03\x04"):  # a zip archive: a workbook, say, not text
        raise FormatError(
            "a zip archive, not HXL CSV (a workbook reads as xlsx: format='xlsx')",
            source=path.name,
        )
    text, _ = decode(data, path.name, options.encoding)
    if "\x00" in text:
        raise FormatError("binary data, not delimited text", source=path.name)
    delimiter = sniff_delimiter(text)
    records = csv_records(text, delimiter, path.name)
    for index, cells in enumerate(records[:SCAN_ROWS]):
        if is_hashtag_row(cells, single=index < 2):
            header = records[index - 1] if index > 0 else []
            return header, hashtags(cells), records[index + 1 :], index + 1
    raise FormatError(f"no HXL hashtag row in the first {SCAN_ROWS} rows", source=path.name)


def _has(tags: Iterable[str], hashtag: str, *attributes: str) -> bool:
    return any(_parts(t)[0] == hashtag and set(attributes) <= _parts(t)[1] for t in tags if t)


def _own_entity(tags: Sequence[str]) -> str | None:
    """The entity whose canonical hashtags the file carries (a table this project wrote)."""
    from sahel_core.entities import ENTITY_TYPES

    present = {_parts(t) for t in tags if t}
    best, best_score = None, 0
    for name in ENTITY_TYPES:
        own = {_parts(t) for t in hxl_tags(name).values()}
        score = len(present & own)
        if _parts(hxl_tags(name)[next(iter(hxl_tags(name)))]) in present and score > best_score:
            best, best_score = name, score
    # Most of the file's columns must be the entity's own: a foreign file that happens to
    # share #meta+id and a few hashtags stays generic.
    return best if best_score >= 3 and 2 * best_score >= len(present) else None


def _seizure_columns(tags: Sequence[str]) -> dict[int, str]:
    """Column index → canonical seizure column for a foreign HXL file (rule 3)."""
    chosen: dict[str, tuple[int, int]] = {}  # column → (priority, index)

    def offer(column: str, index: int, priority: int) -> None:
        if column not in chosen or priority > chosen[column][0]:
            chosen[column] = (priority, index)

    for index, tag in enumerate(tags):
        if not tag:
            continue
        hashtag, attributes = _parts(tag)
        drug = hashtag == "#drug" or (hashtag == "#item" and "drug" in attributes)
        if drug and "code" in attributes:
            offer("drug", index, 3)
        elif drug and "num" not in attributes and "unit" not in attributes:
            offer("drug_text", index, 2)
            offer("drug", index, 1)
        elif hashtag in ("#indicator", "#item", "#quantity") and "num" in attributes:
            offer("quantity", index, 2)
        elif hashtag == "#quantity":
            offer("quantity", index, 1)
        elif hashtag in ("#indicator", "#item") and "unit" in attributes:
            offer("quantity_unit", index, 1)
        elif hashtag == "#country":
            offer("country", index, 2 if "code" in attributes else 1)
        elif hashtag in ("#loc", "#adm3", "#adm2", "#adm1") and "code" not in attributes:
            offer("locality", index, {"#loc": 4, "#adm3": 3, "#adm2": 2, "#adm1": 1}[hashtag])
        elif hashtag == "#date" and not attributes & {"start", "end", "reported"}:
            offer("date", index, 1)
        elif hashtag == "#org":
            offer("agency", index, 2 if "code" in attributes else 1)
        elif hashtag == "#value" and not attributes - {"num"}:
            offer("value", index, 1)
        elif hashtag == "#currency":
            offer("value_currency", index, 1)
        elif hashtag == "#meta" and "id" in attributes:
            offer("id", index, 1)
    return {index: column for column, (_, index) in chosen.items()}


def _first(tags: Sequence[str], columns: Mapping[Tag, str]) -> dict[int, str]:
    """Column index → the canonical column its hashtag stands for: of the columns that carry
    one hashtag, in any order of its attributes, the first."""
    chosen: dict[str, int] = {}
    for index, tag in enumerate(tags):
        column = columns.get(_parts(tag))
        if column is not None:
            chosen.setdefault(column, index)
    return {index: column for column, index in chosen.items()}


#: HDX's hashtags for ACLED columns (rule 4).
_ACLED_TAGS: dict[str, str] = {
    "#event+code": "event_id_cnty",
    "#date": "event_date",
    "#event+type": "event_type",
    "#event+sub+type": "sub_event_type",
    "#group+first+name": "actor1",
    "#group+assoc+first+name": "assoc_actor_1",
    "#group+name+second": "actor2",
    "#group+assoc+name+second": "assoc_actor_2",
    "#country+name": "country",
    "#country+code": "iso3",
    "#adm1+name": "admin1",
    "#adm2+name": "admin2",
    "#adm3+name": "admin3",
    "#loc+name": "location",
    "#affected+killed": "fatalities",
    "#meta+source": "source",
}


def _rows(
    rows: list[list[str]], width: int, first: int
) -> tuple[list[list[str]], list[int], list[Rejection]]:
    """Non-empty data rows, their numbers, and the rows refused for a value beyond the hashtag
    row's width."""
    from sahel_core.tabular import filled_width

    kept, numbers, refused = [], [], []
    for number, cells in enumerate(rows, start=first):
        if not any(c.strip() for c in cells):
            continue
        end = filled_width(cells, width)
        if end > width:
            refused.append(
                Rejection(number, None, ",".join(cells[width:end]),
                          f"{end} cells but the hashtag row has {width}")
            )  # fmt: skip
            continue
        kept.append(cells)  # not padded: only the tagged cells are taken, "" past the end
        numbers.append(number)
    return kept, numbers, refused


@dataclass(frozen=True)
class Tagged:
    """A table split at its hashtag row, its columns not yet mapped to an entity's.

    ``tags`` holds the normalized hashtag of each column, ``""`` for a column without one;
    ``frame`` one text column per hashtagged column, named by its hashtag (a repeat named
    apart); ``numbers`` the row number of each of its rows, and ``refused`` the rows with
    cells beyond the hashtag row.
    """

    header: Sequence[str]
    tags: Sequence[str]
    tag_row: int
    frame: pl.DataFrame
    numbers: list[int]
    refused: list[Rejection]


def hxl_locale(options: ReadOptions) -> str:
    """The locale HXL cells are read in: HDX writes numbers with a decimal point."""
    return options.locale or "en"


def tagged(
    header: Sequence[str], tags: Sequence[str], body: list[list[str]], tag_row: int
) -> Tagged:
    """The rows under the hashtag row ``tags`` (see :func:`hashtags`), on row ``tag_row``,
    as a :class:`Tagged` table: blank rows skipped, rows with cells beyond it refused."""
    import polars as pl

    from sahel_core.tabular import unique_headers

    rows, numbers, refused = _rows(body, len(tags), tag_row + 1)
    used = [i for i, t in enumerate(tags) if t]
    names = unique_headers([tags[i] for i in used])
    frame = pl.DataFrame(
        {
            name: [r[i] or None if i < len(r) else None for r in rows]
            for name, i in zip(names, used, strict=True)
        },
        schema=dict.fromkeys(names, pl.String),
    )
    return Tagged(header, tags, tag_row, frame, numbers, refused)


def read_hxl(path: Path, options: ReadOptions) -> ReadResult:
    """Read an HXL CSV into a canonical table or the generic ``hxl`` table (module docs)."""
    import polars as pl

    from sahel_core.tabular import unneutralize

    path = Path(path)
    table = tagged(*_split(path, options))
    # The quote this project's CSV writer puts before formula-like text is not the cell's.
    frame = table.frame.select([unneutralize(pl.col(c)).alias(c) for c in table.frame.columns])
    return read_tagged(replace(table, frame=frame), path, options, format="hxl")


def read_tagged(
    table: Tagged, path: Path, options: ReadOptions, *, format: str, notes: Sequence[str] = ()
) -> ReadResult:
    """A :class:`Tagged` table read by its hashtags (rules of the module doc); ``format``
    names the reader in the result, ``notes`` come before the hashtags' own."""
    from sahel_core.tabular import first_few, unused_mapping

    header, tags = table.header, table.tags
    all_notes = [
        *notes,
        f"HXL hashtag row on row {table.tag_row}",
        *unused_mapping(options, "HXL columns are read by their hashtags"),
    ]
    if not all(tags):
        dropped = [header[i] if i < len(header) and header[i] else f"column {i + 1}"
                   for i, t in enumerate(tags) if not t]  # fmt: skip
        # A sheet with a stray value far right has thousands of such columns.
        all_notes.append(f"columns without a hashtag dropped: {first_few(dropped, 20)}")
    # Names label the frame's columns; meanings come from the hashtags as written, since a
    # name made distinct ("#loc+code_duplicated_0") no longer says what its column holds.
    found = [t for t in tags if t]
    names = table.frame.columns
    entity, rename = _mapping(found, names, options.entity)
    if entity is None and _has(found, "#event") and _has(found, "#affected", "killed"):
        return _events(table, found, path, all_notes, format)
    if entity is None or entity == "hxl":
        return _generic(table, path, all_notes, format)
    if options.entity is not None:
        all_notes[:0] = _misfit(found, names, entity, rename)
    return _canonical(table, rename, entity, path, all_notes, options, format)


def _misfit(
    tags: Sequence[str], names: Sequence[str], asked: str, rename: dict[str, str]
) -> list[str]:
    """:func:`sahel_core.tabular.misfit_notes` by the hashtags: a seizure register read as
    workshops says so."""
    from sahel_core.entities import ENTITY_TYPES
    from sahel_core.headers import HeaderMap
    from sahel_core.tabular import misfit_notes

    fits = [HeaderMap(e, _mapping(tags, names, e)[1]) for e in ENTITY_TYPES if e != asked]
    return misfit_notes(HeaderMap(asked, rename), fits)


def _mapping(
    tags: Sequence[str], names: Sequence[str], entity: str | None
) -> tuple[str | None, dict[str, str]]:
    """The entity the hashtags ``tags`` (normalized) describe, ``entity`` if given, and the
    canonical column of each column (by its name in ``names``) that has one (rules 1 to 3 of
    the module doc); ``(None, {})`` when they describe none."""
    # Entity names are read in any case, as everywhere ("Seizure" is "seizure").
    entity = entity.lower() if entity else _own_entity(tags)
    columns: dict[int, str] = {}
    if entity is not None and entity != "hxl":
        columns = _first(tags, {_parts(t): c for c, t in hxl_tags(entity).items()})
        if entity == "seizure" and "drug" not in columns.values():
            columns = _seizure_columns(tags)
    elif entity is None and (_has(tags, "#item", "drug") or _has(tags, "#drug")):
        seizure = _seizure_columns(tags)
        if "quantity" in seizure.values() and ("drug" in seizure.values()):
            entity, columns = "seizure", seizure
    return entity, {names[i]: c for i, c in columns.items()}


def _canonical(
    table: Tagged,
    rename: Mapping[str, str],
    entity: str,
    path: Path,
    notes: list[str],
    options: ReadOptions,
    format: str,
) -> ReadResult:
    import polars as pl

    from sahel_core.headers import REPEAT_SUFFIX, HeaderMap
    from sahel_core.normalize import normalize
    from sahel_core.tables import entity_type
    from sahel_core.tabular import REPEATED_NOTE, repeated_rows

    name = entity_type(entity).__name__.lower()
    if not rename:
        raise FormatError(f"no HXL hashtag of this file maps to a {name} column", source=path.name)
    frame = table.frame
    notes.append("hashtags: " + ", ".join(f"{s} → {c}" for s, c in rename.items()))
    # A hashtag read twice ("#item+drug" again) is compared with the first, as a repeated
    # header of any table is: a row where they differ is rejected, never settled.
    read_as = {_parts(REPEAT_SUFFIX.sub("", s)): s for s in rename}  # attributes are a set
    repeats = {
        c: read_as[tag]
        for c in frame.columns
        if c not in rename and (tag := _parts(REPEAT_SUFFIX.sub("", c))) in read_as
    }
    _note_unread(frame, {**rename, **repeats}, notes)
    if repeats:
        notes.append(f"{REPEATED_NOTE}: {', '.join(dict.fromkeys(repeats.values()))}")
    numbers = pl.Series("row", table.numbers, dtype=pl.Int64)
    header_map = HeaderMap(name, rename=dict(rename), repeats=repeats)
    tagged_at = [i for i, tag in enumerate(table.tags, start=1) if tag]
    positions = dict(zip(frame.columns, tagged_at, strict=True))
    differ, refused = repeated_rows(frame, numbers, header_map, [], positions)
    if differ is not None:
        frame, numbers = frame.filter(~differ), numbers.filter(~differ)
    raw = frame.select([frame[s].alias(c) for s, c in rename.items()])
    canonical, rejections = normalize(
        raw, name, source=path.name, locale=hxl_locale(options), rows=numbers
    )
    rejections = _by_tag([*rejections, *refused], rename)
    return _result(table, path, format, {name: canonical}, rejections, notes)


def _events(
    table: Tagged, found: list[str], path: Path, notes: list[str], format: str
) -> ReadResult:
    from sahel_core.plugins.acled import events_table

    known = {_parts(t): c for t, c in _ACLED_TAGS.items()}
    names = table.frame.columns
    rename = {names[i]: c for i, c in _first(found, known).items()}
    raw = table.frame.select([table.frame[s].alias(c) for s, c in rename.items()])
    events, rejections = events_table(raw, source=path.name, rows=table.numbers)
    notes.append("ACLED hashtags: events")
    _note_unread(table.frame, rename, notes)
    return _result(table, path, format, {"operation": events}, _by_tag(rejections, rename), notes)


def _by_tag(rejections: list[Rejection], rename: Mapping[str, str]) -> list[Rejection]:
    """Rejections naming the hashtag of the column a field was read from, as the file does."""
    tags = {c: s for s, c in rename.items()}
    return [
        Rejection(r.row, tags.get(r.field or "", r.field), r.value, r.reason) for r in rejections
    ]


def _result(
    table: Tagged,
    path: Path,
    format: str,
    tables: dict[str, pl.DataFrame],
    rejections: list[Rejection],
    notes: list[str],
) -> ReadResult:
    """The result of a hashtag-mapped read: rows refused for their width among the others."""
    return ReadResult(
        format=format,
        source=str(path),
        tables=tables,
        read=table.frame.height + len(table.refused),
        rejections=sorted([*rejections, *table.refused], key=lambda r: r.row or 0),
        notes=notes,
    )


def _note_unread(frame: pl.DataFrame, read: Mapping[str, str], notes: list[str]) -> None:
    """A note naming the hashtagged columns not read: no field has their hashtag, or an
    earlier column with it was read. What a file holds is never left out without a word."""
    unread = [name for name in frame.columns if name not in read]
    if unread:
        notes.append("hashtags not read (no field, or read from an earlier column): " +
                     ", ".join(unread))  # fmt: skip


def _generic(table: Tagged, path: Path, notes: list[str], format: str) -> ReadResult:
    import polars as pl

    generic = table.frame.with_columns(pl.Series("row", table.numbers, dtype=pl.Int64))
    notes.append("not one of the project's entities: generic 'hxl' table, one column per hashtag")
    return _result(table, path, format, {"hxl": generic}, [], notes)


@hookimpl
def sahel_register_formats() -> Iterable[FormatSpec]:
    """The ``hxl`` format: HXL-tagged CSV, read and written."""
    from sahel_core.entities import ENTITY_TYPES

    return [
        FormatSpec(
            name="hxl",
            description=(
                "HXL-tagged CSV (hashtag row under the header): seizures, ACLED events, "
                "tables written by sahel, or a generic 'hxl' table"
            ),
            extensions=(),
            media_types=(),
            entities=tuple(ENTITY_TYPES),
            read=read_hxl,
            write=write_hxl,
            sniff=sniff_hxl,
        )
    ]
