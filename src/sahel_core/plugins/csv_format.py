"""Built-in plugin: CSV and TSV, as exported by Excel, LibreOffice and databases.

Reading detects the text encoding (a BOM, then UTF-8, then Windows-1252 when charset-normalizer
finds it plausible, as French Excel saves it, then charset-normalizer's best guess) and the
delimiter (``,``, ``;`` as in French Excel, tab or ``|``), reads every cell as text, maps the
headers and normalizes (:mod:`sahel_core.tabular`). Well-formed files go through polars' reader;
a file it refuses (a row with more cells than the header) is read again with the ``csv`` module,
and such a row is rejected, not cut. A file whose lines end with a carriage return alone (old
Mac Excel), which polars would take for one line, goes to the ``csv`` module directly. A quoted
cell never closed fails the file, naming its row: read on, it would swallow every later record.
Writing produces UTF-8 with a BOM (so Excel shows accents), comma-separated (tab for ``.tsv``),
canonical columns, formulas neutralized.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import polars as pl

from sahel_core.errors import FormatError
from sahel_core.hookspecs import hookimpl
from sahel_core.qualifiers import lone_surrogate
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, Rejection, WriteOptions
from sahel_core.tabular import (
    HEADER_SEARCH_ROWS,
    HeaderSearch,
    filled_width,
    first_few,
    unique_headers,
)

__all__ = [
    "csv_records",
    "decode",
    "exact_frame",
    "fast_frame",
    "fit_rows",
    "head_text",
    "read_csv",
    "sahel_register_formats",
    "sniff_csv",
    "write_csv",
]

_DELIMITERS = (",", ";", "\t", "|")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_OWN_EXTENSIONS = (".csv", ".tsv")
_UTF16_SAMPLE = 4096
_PREFERRED = ("cp1252", "latin_1", "iso8859_15")
# How much of a file tells its delimiter, and (for UTF-8) its encoding.
_HEAD = 1 << 16
# How much of a file charset-normalizer sees when it is not UTF-8.
_SAMPLE = 1 << 20


def marked_encoding(data: bytes) -> str | None:
    """The encoding ``data`` tells by itself: its BOM, else UTF-16 without one (the "Unicode
    text" some Windows tools save), told by the NUL byte beside each character of text in the
    Latin alphabets; ``None`` otherwise."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    sample = data[: min(len(data), _UTF16_SAMPLE) // 2 * 2]
    if b"\x00" not in sample:  # most files: one search
        return None
    first, second = sample[0::2], sample[1::2]
    for encoding, nuls, chars in (("utf-16-le", second, first), ("utf-16-be", first, second)):
        if nuls.count(0) >= 0.9 * len(nuls) and chars.count(0) <= 0.1 * len(chars):
            # A character cut by the end of the sample is no fault; control characters are
            # binary data (small integers) that happen to look so.
            text = sample.decode(encoding, errors="ignore")
            if text.replace("\t", "").replace("\r", "").replace("\n", "").isprintable():
                return encoding
    return None


def decode(data: bytes, source: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` and the encoding used: ``encoding``, a BOM, UTF-8 or a detection."""
    given = encoding is not None
    if encoding is None:
        encoding = marked_encoding(data)
    if encoding is None:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            if (mixed := _mixed(data)) is not None:
                return mixed
            # charset-normalizer sees a sample; when the guess fails on the whole file, it
            # sees the whole file.
            encoding = _detect(data[:_SAMPLE])
            if encoding is not None and len(data) > _SAMPLE:
                try:
                    return data.decode(encoding).removeprefix("\ufeff"), encoding
                except (LookupError, UnicodeDecodeError):
                    encoding = _detect(data)
            if encoding is None:
                raise FormatError("cannot tell the text encoding", source=source) from None
    try:
        text = data.decode(encoding)
    # UnicodeError, not only its decoding kind: Python's "undefined" codec raises the parent.
    except (LookupError, UnicodeError) as exc:
        raise FormatError(f"cannot decode as {encoding}: {exc}", source=source) from None
    # A codec asked for by name (utf-7, unicode_escape) can give halves of surrogate pairs,
    # which no table and no UTF-8 text can hold.
    if given and (half := lone_surrogate(text)) is not None:
        raise FormatError(
            f"cannot decode as {encoding}: it gives a lone surrogate ({half}), not text",
            source=source,
        )
    return text.removeprefix("\ufeff"), encoding


def _mixed(data: bytes) -> tuple[str, str] | None:
    """The text of a file that is UTF-8 but for some lines in Windows-1252 (a register edited
    with two tools), each line read in its own encoding, and the encoding named with those
    lines; ``None`` for a file not so mixed. Read whole as either, it would turn every "é" of
    the other into "Ã©" or fail."""
    if _UTF8_SEQUENCE.search(data) is None:  # no UTF-8 beyond ASCII: a legacy file
        return None
    parts: list[str] = []
    legacy: list[int] = []
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        try:
            parts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                parts.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                return None
            legacy.append(number)
    shown = first_few([str(number) for number in legacy], 10)
    lines = "line" if len(legacy) == 1 else "lines"
    return "".join(parts).removeprefix("\ufeff"), f"utf-8 ({lines} {shown} in cp1252)"


#: A character of two to four bytes in UTF-8, which Windows-1252 text hardly ever holds ("Ã©").
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _detect(data: bytes) -> str | None:
    """The encoding of non-UTF-8 bytes, Windows-1252 first when it is a plausible reading.

    charset-normalizer alone often names a Baltic or Central European code page for short
    French text (the accented letters sit at the same bytes); files from the region's offices
    are, by far, Excel's Windows-1252.
    """
    from charset_normalizer import from_bytes

    # Short files give the detector too little to go on (it has named Korean "johab" for three
    # French rows): a clean Windows-1252 reading, without C1 control characters, is taken first.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        if not any("\x80" <= char <= "\x9f" for char in text):
            return "cp1252"
    matches = from_bytes(data)
    names = [m.encoding for m in matches]
    for preferred in _PREFERRED:
        if preferred in names:
            return preferred
    best = matches.best()
    return None if best is None else best.encoding


def sniff_delimiter(text: str, default: str = ",") -> str:
    """The delimiter that splits the first lines into the most, equally long, rows.

    A title typed over the header ("Saisies 2016") holds no delimiter: when no delimiter
    splits the lines from the first, the lines before the first one holding a delimiter are
    left out, for every delimiter alike, and the table under them must have three columns or
    more (one or two under a bare line are likelier a one-column file whose cells hold a
    delimiter)."""
    head = text[:_HEAD]
    lines = head.splitlines()
    if len(head) < len(text) and len(lines) > 1:
        lines.pop()  # It may be cut short.
    lines = lines[:20]
    found = _best_delimiter(lines, 2)
    if found is None:
        under = list(itertools.dropwhile(lambda x: not any(d in x for d in _DELIMITERS), lines))
        found = _best_delimiter(under, 3) if 0 < len(under) < len(lines) else None
    return default if found is None else found


def _best_delimiter(lines: list[str], least: int) -> str | None:
    """Of the delimiters splitting the first of ``lines`` into ``least`` cells or more, the
    one giving the most, equally long, rows; ``None`` when none does."""
    best, best_score = None, (False, least - 1)
    for delimiter in _DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not counts or counts[0] < least:
            continue
        score = (all(c == counts[0] for c in counts), counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def head_text(head: bytes) -> str | None:
    """The text of a sniffer's head (the first 64 KiB): decoded by its BOM (UTF-16 and UTF-32
    too) or as UTF-16 without one (:func:`marked_encoding`), else as UTF-8, a character cut
    by the end of the head dropped or replaced; ``None`` for binary data (other NUL bytes)."""
    if (encoding := marked_encoding(head)) is not None:
        return head.decode(encoding, errors="ignore")
    if b"\x00" in head:
        return None
    return head.decode("utf-8", errors="replace")


def sniff_csv(head: bytes, name: str) -> bool:
    """Delimited text: no NUL bytes, a delimiter in the first line, not JSON.

    Files named ``.csv``/``.tsv`` are left to the extension, so a more specific format that
    reads CSV content (HXL) claims them first when its sniffer recognises them.
    """
    if name.lower().endswith(_OWN_EXTENSIONS) or b"\x00" in head:
        return False
    try:
        text, _ = decode(head, name)
    except FormatError:
        return False
    first = text.lstrip().split("\n", 1)[0]
    return not first.startswith(("{", "[")) and any(d in first for d in _DELIMITERS)


_FIELD_LIMIT = threading.Lock()


def csv_records(text: str, delimiter: str, source: str) -> list[list[str]]:
    """Every record of ``text``, read as the ``csv`` module reads it leniently (a stray quote
    inside a cell is kept), except that a quoted cell never closed is a :class:`FormatError`
    naming its row and line: read leniently, it would swallow the rest of the file, records
    lost without a word."""
    # The csv module refuses a cell longer than its limit (128 Ki characters unless raised),
    # which polars reads: a cell may be as long as the text. The limit is process-wide, so it
    # is only ever raised, under a lock: a reader in another thread never finds it lowered.
    with _FIELD_LIMIT:
        csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    lines = io.StringIO(text, newline="").readlines()
    try:
        return list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        pass  # An open quote, or text after a closing one ('"a"b'): read leniently, then check.
    records: list[list[str]] = []
    reader = csv.reader(lines, delimiter=delimiter)
    start = last = 1  # the lines the next and the last record start on
    try:
        for record in reader:
            records.append(record)
            start, last = reader.line_num + 1, start
    except csv.Error as exc:
        raise FormatError(f"not readable as CSV: {exc}", source=source) from None
    # A quoted cell never closed takes the rest of the file into the last record.
    if _ends_quoted("".join(lines[last - 1 :]), delimiter):
        raise FormatError(
            f"row {len(records)} (line {last}): a quoted cell is never closed, so the rest of "
            "the file would be read into it",
            source=source,
        )
    return records


def _ends_quoted(text: str, delimiter: str) -> bool:
    """Whether ``text`` ends inside a quoted cell, as the ``csv`` module reads it leniently: a
    quote opens one only at the start of a cell, ``""`` inside is a quote, and a single quote
    closes it (what follows it, '"a"b', stays in the cell)."""
    quoted, start = False, True
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if quoted:
            if char == '"':
                if text.startswith('"', i + 1):
                    i += 1
                else:
                    quoted = False
        elif char == '"' and start:
            quoted = True
        start = not quoted and char in (delimiter, "\r", "\n")
        i += 1
    return quoted


def fast_frame(data: bytes, delimiter: str) -> pl.DataFrame:
    """The table of UTF-8 ``data`` as polars reads it, every cell text. Raises ``ValueError``
    (or a polars error) where polars' reading is not to be trusted and :func:`exact_frame`
    is to read the file instead."""
    if _cr_line_end(data):
        raise ValueError("a line that ends in CR alone")
    frame = pl.read_csv(
        io.BytesIO(data),
        separator=delimiter,
        infer_schema=False,
        has_header=True,
        quote_char='"',
        raise_if_empty=True,
    )
    # A quote left open in the header takes the rest of the file into a column name, without
    # an error and without rows; a quoted name on two lines ("Quantity\n(kg)") has rows.
    if not frame.height and any("\n" in name or "\r" in name for name in frame.columns):
        raise ValueError("a line break in the header and no rows")
    return frame


def _cr_line_end(data: bytes) -> bool:
    """Whether a line of ``data`` ends in CR alone (old Mac Excel exports, files pasted
    together): polars ends lines at LF only and would join such lines into one record, without
    an error. A CR inside a quoted cell is text, which polars reads: a CR is in one when an
    odd number of quotes comes before it ("" inside a cell counts two)."""
    if b"\r" not in data:  # most files: one memchr
        return False
    quotes, at = 0, 0
    for found in _LONE_CR.finditer(data):
        quotes += data.count(b'"', at, found.start())
        at = found.start()
        if quotes % 2 == 0:
            return True
    return False


_LONE_CR = re.compile(rb"\r(?!\n)")


def fit_rows(
    records: Iterable[list[str]],
    width: int,
    first: int,
    delimiter: str,
    *,
    cut: Callable[[list[str]], bool] | None = None,
) -> tuple[list[list[str]], list[int], list[Rejection]]:
    """``records`` (the first numbered ``first``) fitted to a header of ``width`` cells: a short
    row padded with empty cells; a row with more filled cells than the header rejected, unless
    ``cut`` says it is to be cut (a row the caller will leave out), since cutting it would lose
    data without a word, and a value shifted by a stray delimiter is not the value written.
    Returns the rows, their numbers and the rejections."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    rejections: list[Rejection] = []
    for number, record in enumerate(records, start=first):
        # Counted to the last filled cell: the same row in the workbook reads the same.
        end = filled_width(record, width)
        if end > width and not (cut is not None and cut(record)):
            reason = f"{end} cells but the header has {width}"
            rejections.append(Rejection(number, None, delimiter.join(record[width:end]), reason))
            continue
        rows.append(record[:width] + [""] * (width - len(record)))
        numbers.append(number)
    return rows, numbers, rejections


def exact_frame(
    text: str,
    delimiter: str,
    source: str,
    *,
    cut: Callable[[list[str]], bool] | None = None,
    header_at: int = 1,
) -> tuple[pl.DataFrame, list[int], list[Rejection]]:
    """The slow, exact reading for files polars refuses (ragged rows...): the table under the
    header on row ``header_at``, each row's spreadsheet number, and a rejection for each row
    with more filled cells than the header, unless ``cut`` says it is to be cut to the
    header's width (a row the caller will leave out: ACLED's hashtag row); a short row is
    padded with empty cells. Headers are made distinct as polars makes them
    (:func:`~sahel_core.tabular.unique_headers`)."""
    records = csv_records(text, delimiter, source)
    header = records[header_at - 1] if len(records) >= header_at else None
    if not header:
        raise FormatError("no header row", source=source)
    below = records[header_at:]
    rows, numbers, rejections = fit_rows(below, len(header), header_at + 1, delimiter, cut=cut)
    names = unique_headers(header)
    columns = {n: [r[i] or None for r in rows] for i, n in enumerate(names)}
    return pl.DataFrame(columns, schema=dict.fromkeys(names, pl.String)), numbers, rejections


def read_csv(path: Path, options: ReadOptions) -> ReadResult:
    """Read a CSV/TSV file into a canonical table (see the module docstring)."""
    from sahel_core.tabular import read_table, unneutralize

    source = str(path)
    data = path.read_bytes()
    default = "\t" if path.suffix.lower() == ".tsv" else ","
    frame: pl.DataFrame | None = None
    head = _utf8_head(data) if options.encoding is None else None
    if head is not None:
        # Most files are UTF-8 without a BOM: the head tells the delimiter and the header, and
        # polars checks the rest as it reads, so the file is never decoded into a Python
        # string. A file that is not UTF-8 after all is decoded whole below.
        if b"\x00" in data:
            raise FormatError("binary data, not delimited text", source=source)
        encoding, delimiter = "utf-8", sniff_delimiter(head, default)
        header_at, skip, search = _find_header(head, delimiter, options)
        apostrophe = b"'" in data
        try:
            # Slicing copies the file: only a header under titles pays for it.
            frame = fast_frame(data[len(head[:skip].encode()) :] if skip else data, delimiter)
        except (pl.exceptions.PolarsError, ValueError):
            frame = None
    rows: Sequence[int] | None = None
    refused: list[Rejection] = []
    if frame is None:
        text, encoding = decode(data, source, options.encoding)
        if "\x00" in text:
            raise FormatError("binary data, not delimited text", source=source)
        if not text or text.isspace():
            raise FormatError("empty file", source=source)
        delimiter = sniff_delimiter(text, default)
        header_at, skip, search = _find_header(text[:_HEAD], delimiter, options)
        apostrophe = "'" in text
        utf8 = data if encoding == "utf-8" and not skip else text[skip:].encode("utf-8")
        try:
            frame = fast_frame(utf8, delimiter)
        except (pl.exceptions.PolarsError, ValueError):
            frame, rows, refused = exact_frame(text, delimiter, source, header_at=header_at)
        del text, utf8
    del data  # The bytes are not needed while the table is normalized.
    if rows is None and header_at > 1:
        rows = range(header_at + 1, header_at + 1 + frame.height)
    # Headers that differ only by spaces around them ("drug", " drug ") stay distinct.
    frame.columns = unique_headers([c.strip() for c in frame.columns])
    # Only columns with a cell starting with "'" can hold a neutralized formula, and only a
    # file with a "'" somewhere has such a cell: most have none, told by one search of it.
    if apostrophe:
        quoted = frame.select(pl.col(c).str.starts_with("'").any() for c in frame.columns)
        frame = frame.with_columns(
            unneutralize(pl.col(c)).alias(c)
            for c, q in zip(frame.columns, quoted.row(0), strict=True)
            if q
        )
    notes = [f"encoding {encoding}, delimiter {delimiter!r}", *search.notes()]
    return read_table(
        frame, path, options, format="csv", rows=rows, notes=notes, refused=refused, consume=True
    )


def _find_header(head: str, delimiter: str, options: ReadOptions) -> tuple[int, int, HeaderSearch]:
    """The header's row number among the first records of ``head`` (1 when no row names two
    known columns: the first row, as ever), how many characters come before it, and the
    search, for its note. Only the first records are parsed, never the whole file: when row
    1 is the header, the search ends on the row of data under it."""
    from sahel_core.plugins.hxl import is_hashtag_row

    search = HeaderSearch(options)
    lines = io.StringIO(head, newline="").readlines()
    reader = csv.reader(lines, delimiter=delimiter)
    starts = [0]  # the line each record starts on
    try:
        for number, record in enumerate(reader, start=1):
            # A row of HXL hashtags (a file read as CSV by name) is no header, as in a workbook.
            search.see(number, record, candidate=not is_hashtag_row(record))
            starts.append(reader.line_num)
            if search.settled or number >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # What the head cannot tell, the reading of the whole file will.
    if search.at <= 1:
        return 1, 0, search
    return search.at, sum(map(len, lines[: starts[search.at - 1]])), search


def _utf8_head(data: bytes) -> str | None:
    """The first 64 KiB of ``data`` as text when they are UTF-8 without a BOM and not blank,
    else ``None`` (then the whole file is decoded: :func:`decode`)."""
    if marked_encoding(data) is not None:
        return None
    sample = data[:_HEAD]
    try:
        head = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character cut by the end of the sample is not an error.
        if len(sample) == len(data) or exc.reason != "unexpected end of data":
            return None
        head = sample[: exc.start].decode("utf-8")
    return head if head.strip() else None


def write_csv(table: pl.DataFrame, path: Path, entity: str, options: WriteOptions) -> None:
    """Write a canonical table: UTF-8 with BOM, ``,`` (tab for ``.tsv``), formulas neutralized."""
    from sahel_core.tabular import neutralize, text_table

    text = text_table(table)
    safe = text.select([neutralize(pl.col(c)).alias(c) for c in text.columns])
    separator = "\t" if path.suffix.lower() == ".tsv" else ","
    safe.write_csv(path, separator=separator, include_bom=True, null_value="")
    if options.hxl:
        from sahel_core.plugins.hxl import add_hashtag_row

        add_hashtag_row(path, entity)


@hookimpl
def sahel_register_formats() -> list[FormatSpec]:
    """CSV and TSV."""
    from sahel_core.entities import ENTITY_TYPES

    return [
        FormatSpec(
            name="csv",
            description="Delimited text (, ; tab |), any encoding; French or English headers",
            extensions=_OWN_EXTENSIONS,
            media_types=("text/csv", "text/tab-separated-values"),
            entities=tuple(ENTITY_TYPES),
            read=read_csv,
            write=write_csv,
            sniff=sniff_csv,
        )
    ]
