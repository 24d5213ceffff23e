"""Built-in plugin: prose (press releases, programme pages, reports) as a format, and the rules
that read programme figures from it.

The ``text`` format reads ``.txt``, ``.md`` and ``.html`` files with
:func:`sahel_core.extract.extract`. HTML is reduced to its text with the standard library's
``html.parser`` (scripts and styles dropped, block elements ending lines, entities decoded)
while an offset map is kept, so every span in the records points into the file as it is on
disk; quotes stay the plain text. The encoding is detected as for CSV (BOM, UTF-8, then
charset-normalizer) unless the caller gives one; NUL bytes with neither a BOM nor a given
encoding (which may say UTF-16) make a binary file, refused. ``ReadOptions.locale``
("en"/"fr") sets the language, else it is detected; ``ReadOptions.published`` is the page's
publication date, from which relative dates are read when the text has no dateline.

Accounting: a text has no rows, so ``read`` counts the candidate records of the requested
tables (seizures, operations, workshops and figures, or the one ``ReadOptions.entity`` names;
figures are no entity of the model but a table of their own, as an IATI file's transactions).
Each record becomes one row, except a candidate the model refuses (a plugin rule that
returned a bad field), which is one :class:`Rejection` (``read == accepted + rejected``). The
notes say the language and the encoding.

The extraction rules registered here read programme counts: a number, up to two describing
words and a word for what is counted ("339 activities", "more than 9,000 direct
beneficiaries", "plus de 13 500 armes", "45 cas") become ``figure`` records with the
sentence's date, place and countries.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import re
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from sahel_core.entities import SourceRef
from sahel_core.errors import FormatError, ParseError, SahelError
from sahel_core.hookspecs import hookimpl
from sahel_core.specs import ExtractionRule, FormatSpec, ReadOptions, ReadResult, Rejection

if TYPE_CHECKING:
    from sahel_core.extract import Extraction, RuleMatch

__all__ = [
    "COUNT_NOUNS",
    "Document",
    "extract_file",
    "html_to_text",
    "load_document",
    "read_text",
    "sahel_register_extraction_rules",
    "sahel_register_formats",
    "sniff_text",
]

EXTENSIONS = (".txt", ".md", ".html", ".htm")
_HTML_EXTENSIONS = (".html", ".htm")
_TABLE_DELIMITERS = (",", ";", "\t", "|")

# --- reading files ------------------------------------------------------------------------


@frozen
class _Segment:
    out: int  # where the piece starts in the plain text
    start: int  # where it starts in the file
    end: int  # where it ends in the file
    linear: bool  # one character of text per character of file (not an entity or a tag)


class _Stripper(HTMLParser):
    """HTML to plain text, remembering where each piece of text came from."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    _LINE = frozenset({"br", "tr", "dt", "dd", "figcaption", "caption"})
    _BLOCK = frozenset(
        [
            "p",
            "div",
            "section",
            "article",
            "header",
            "footer",
            "aside",
            "main",
            "nav",
            "blockquote",
            "pre",
            "ul",
            "ol",
            "table",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "title",
            "hr",
            "form",
            "fieldset",
            "address",
            "figure",
        ]
    )

    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=False)
        self.raw = raw
        self.lines = [0] + [m.end() for m in re.finditer("\n", raw)]
        self.parts: list[str] = []
        self.segments: list[_Segment] = []
        self.length = 0
        self.skipping = 0

    def _where(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def _emit(self, text: str, start: int, end: int, linear: bool) -> None:
        if not text:
            return
        self.segments.append(_Segment(self.length, start, end, linear))
        self.parts.append(text)
        self.length += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = self._where()
        if tag in self._SKIP and tag != "head":
            self.skipping += 1
        elif tag == "title":
            self.skipping = 0
        elif tag == "li":
            self._emit("\n• ", where, where, False)
        elif tag in self._BLOCK:
            self._emit("\n\n", where, where, False)
        elif tag in self._LINE:
            self._emit("\n", where, where, False)

    def handle_endtag(self, tag: str) -> None:
        where = self._where()
        if tag in self._SKIP and tag != "head":
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BLOCK or tag == "li":
            self._emit("\n\n" if tag != "li" else "\n", where, where, False)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        start = self._where()
        self._emit(data, start, start + len(data), True)

    def _reference(self, text: str, raw: str) -> None:
        if self.skipping:
            return
        start = self._where()
        end = start + len(raw)
        self._emit(text, start, end, len(text) == len(raw) and text == raw)

    def handle_entityref(self, name: str) -> None:
        self._reference(html.unescape(f"&{name};"), f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._reference(html.unescape(f"&#{name};"), f"&#{name};")


@frozen
class Document:
    """The plain text of a file and the way back to the file's own character offsets."""

    text: str
    encoding: str
    segments: tuple[_Segment, ...] = ()

    def start_in_file(self, offset: int) -> int:
        """Where the character at ``offset`` of :attr:`text` starts in the file."""
        if not self.segments:
            return offset
        segment = self._segment(offset)
        if segment.linear:
            return segment.start + (offset - segment.out)
        return segment.start

    def end_in_file(self, offset: int) -> int:
        """Where a span of :attr:`text` ending at ``offset`` (exclusive) ends in the file."""
        if not self.segments or offset <= 0:
            return offset
        segment = self._segment(offset - 1)
        if segment.linear:
            return segment.start + (offset - segment.out)
        return segment.end

    def _segment(self, offset: int) -> _Segment:
        # By key, not over a list of the offsets: a page asks once per record and field.
        index = bisect.bisect_right(self.segments, offset, key=lambda s: s.out) - 1
        return self.segments[max(index, 0)]


def html_to_text(raw: str) -> Document:
    """The text of an HTML page (see the module docstring) with its offset map."""
    stripper = _Stripper(raw)
    try:
        stripper.feed(raw)
        stripper.close()
    except (AssertionError, ValueError) as exc:  # html.parser's own complaints
        raise FormatError(f"cannot read the HTML: {exc}") from None
    return Document("".join(stripper.parts), "", tuple(stripper.segments))


def _is_html(text: str, name: str) -> bool:
    head = text[:1024].lstrip().lower()
    return name.lower().endswith(_HTML_EXTENSIONS) or head.startswith(("<!doctype html", "<html"))


_BINARY_SAMPLE = 65536


def _decode_text(data: bytes, source: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` and its encoding (see ``csv_format.decode``); binary data raises
    :class:`~sahel_core.errors.FormatError`."""
    from sahel_core.plugins.csv_format import decode, marked_encoding

    # UTF-16 and UTF-32 text is full of NUL bytes: only the text decoded as the caller, a BOM
    # or UTF-16's own pattern says can tell binary from text. Without any, NUL bytes mean
    # binary, and no detection should make text of them.
    declared = encoding is not None or marked_encoding(data) is not None
    if not declared and b"\x00" in data[:_BINARY_SAMPLE]:
        raise FormatError("a binary file, not text", source=source)
    text, used = decode(data, source, encoding)
    if "\x00" in text[:_BINARY_SAMPLE]:
        raise FormatError("a binary file, not text", source=source)
    return text, used


def load_document(path: Path, *, encoding: str | None = None) -> Document:
    """The plain text of a ``.txt``, ``.md`` or ``.html`` file, decoded and, for HTML, stripped
    of markup. Raises :class:`~sahel_core.errors.FormatError` on undecodable bytes."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(
            f"cannot read the file: {exc.strerror or exc}", source=str(path)
        ) from None
    text, used = _decode_text(data, str(path), encoding)
    if _is_html(text, path.name):
        document = html_to_text(text)
        return Document(document.text, used, document.segments)
    return Document(text, used)


def _language(locale: str | None) -> str | None:
    if locale is None:
        return None
    language = locale.replace("-", "_").split("_", 1)[0].lower()
    if language not in ("en", "fr"):
        raise ParseError("text is read in English ('en') or French ('fr')", field="locale",
                         value=locale)  # fmt: skip
    return language


def extract_file(
    path: Path | str,
    *,
    lang: str | None = None,
    encoding: str | None = None,
    published: dt.date | None = None,
) -> Extraction:
    """:func:`~sahel_core.extract.extract` on a file; spans point into the file as stored.
    ``published`` is the page's publication date (``SourceRef.published``), which dates
    "yesterday" or "last week" where the text has no dateline."""
    path = Path(path)
    return _extract(path, load_document(path, encoding=encoding), lang, published)


def _extract(
    path: Path, document: Document, lang: str | None, published: dt.date | None = None
) -> Extraction:
    from sahel_core.extract import extract

    source = SourceRef(file=path.name, published=published)
    try:
        found = extract(document.text, source=source, lang=lang)
    except SahelError as exc:
        raise exc.located(source=str(path)) from None
    if document.segments:
        found = found.remap(document.start_in_file, document.end_in_file)
    return found


def read_text(path: Path, options: ReadOptions) -> ReadResult:
    """Read a prose file into canonical tables (see the module docstring for the accounting)."""
    document = load_document(path, encoding=options.encoding)
    found = _extract(path, document, _language(options.locale), options.published)
    tables = found.to_tables()
    if options.entity is not None:
        if options.entity not in tables:
            raise FormatError(
                f"text holds seizure, operation, workshop and figure records, not "
                f"{options.entity!r}",
                source=str(path),
                field="entity",
            )
        tables = {options.entity: tables[options.entity]}
    rejections = [
        Rejection(row=None, field=field, value=value, reason=reason)
        for kind, field, value, reason in found.dropped
        if kind in tables
    ]
    accepted = sum(table.height for table in tables.values())
    return ReadResult(
        format="text",
        source=str(path),
        tables=tables,
        read=accepted + len(rejections),
        rejections=rejections,
        notes=[f"language: {found.lang}", f"encoding: {document.encoding}"],
    )


def sniff_text(head: bytes, name: str) -> bool:
    """HTML by its content; ``.md``/``.txt`` files unless their first lines are a delimited
    table (each holding the same number of one delimiter)."""
    from sahel_core.plugins.csv_format import head_text

    text = head_text(head)  # A head may end in the middle of a character: no error for that.
    if text is None or "\x00" in text:  # NUL characters even once decoded: binary
        return False
    if _is_html(text, name) and "<" in text[:1024]:
        return True
    if not name.lower().endswith((".txt", ".md")):
        return False
    lines = [line for line in text.splitlines()[:6] if line.strip()][:5]
    for delimiter in _TABLE_DELIMITERS:
        counts = {line.count(delimiter) for line in lines}
        if len(lines) >= 2 and len(counts) == 1 and counts != {0}:
            return False
    return True


@hookimpl
def sahel_register_formats() -> Iterable[FormatSpec]:
    """The ``text`` format (read only)."""
    return [
        FormatSpec(
            name="text",
            description="Press releases and reports (.txt, .md, .html): records read from prose",
            extensions=EXTENSIONS,
            media_types=("text/plain", "text/markdown", "text/html"),
            entities=("seizure", "operation", "workshop"),
            read=read_text,
            sniff=sniff_text,
        )
    ]


# --- programme counts ----------------------------------------------------------------------

#: What programme figures count, by language: word → unit of the count (``data/units.txt``).
# fmt: off
COUNT_NOUNS: dict[str, dict[str, str]] = {
    "en": {
        "activities": "activity", "activity": "activity", "cases": "case",
        "firearms": "firearm", "weapons": "firearm", "guns": "firearm", "arms": "firearm",
        "institutions": "institution",
        **dict.fromkeys((
            "beneficiaries", "individuals", "people", "persons", "children", "girls", "boys",
            "women", "men", "victims", "stakeholders", "officers", "officials", "trainees",
            "migrants", "suspects", "participants", "staff", "members", "journalists",
            "magistrates", "judges", "prosecutors", "students", "minors", "detainees",
            "prisoners", "inmates", "clerks", "gendarmes", "soldiers", "policemen",
            "investigators", "experts", "lawyers",
        ), "person"),
    },
    "fr": {
        "activites": "activity", "cas": "case", "affaires": "case", "dossiers": "case",
        "armes": "firearm", "institutions": "institution",
        **dict.fromkeys((
            "beneficiaires", "personnes", "individus", "enfants", "filles", "garcons", "femmes",
            "hommes", "victimes", "acteurs", "agents", "participants", "stagiaires", "migrants",
            "suspects", "membres", "magistrats", "journalistes", "mineurs", "detenus",
            "prisonniers", "greffiers", "gendarmes", "soldats", "policiers", "douaniers",
            "enqueteurs", "experts", "avocats",
        ), "person"),
    },
}
# fmt: on
# Words that cannot describe the counted thing: "10 of the members" is not a count of members.
_NOT_DESCRIPTIVE = (
    "of|the|a|an|and|or|in|on|at|to|for|from|with|by|per|de|des|du|la|le|les|et|ou|en|a|au|aux|"
    "sur|pour|par|dans|avec|than|que"
)


def _pattern(lang: str) -> str:
    from sahel_core.extract import NUMBER_PATTERN

    nouns = "|".join(sorted(COUNT_NOUNS[lang], key=len, reverse=True))
    describing = rf"(?:(?!(?:{_NOT_DESCRIPTIVE})\s)[a-z][a-z-]*\s+){{0,2}}?"
    return rf"(?P<count>{NUMBER_PATTERN})\s+(?P<words>{describing}(?P<noun>{nouns}))(?![a-z])"


def _builder(lang: str) -> Any:
    units = COUNT_NOUNS[lang]

    def build(match: RuleMatch) -> Mapping[str, Any] | None:
        from sahel_core.quantities import Amount

        number = match.number("count")
        if number is None:
            return None
        qualifier, value = number
        try:
            amount = Amount(value, units[match.match["noun"]], qualifier, text=match.text(0))
        except SahelError:
            return None
        return {
            "label": match.text("words"),
            "amount": amount,
            "as_of": match.date,
            "place": match.place,
            "countries": match.countries,
        }

    return build


@hookimpl
def sahel_register_extraction_rules() -> Iterable[ExtractionRule]:
    """Programme counts in English and French."""
    return [
        ExtractionRule(
            name=f"programme-counts-{lang}",
            kind="figure",
            pattern=_pattern(lang),
            build=_builder(lang),
            lang=lang,
            description="a count of activities, beneficiaries, cases, firearms or people",
        )
        for lang in ("en", "fr")
    ]
