"""Press releases and reports → Seizure, Operation, Workshop and Figure records, with evidence.

:func:`extract` reads English or French prose with deterministic, explainable rules: the text is
split into sentences, every figure, date and name is located in one pass over its words (the
reference vocabularies are compiled once into an index by first word; dates and figures are
matched only around a month, a year or a number), then rules look at each sentence. Every record
keeps the sentence it came from and, for each field, the phrase that gave it;
:meth:`Extraction.explain` prints them. No network, no model. Work and output grow with the
text, not with the square of a sentence: text without full stops (tables copied from a PDF)
can make one "sentence" of thousands of figures, so a sentence longer than ``QUOTE_LIMIT``
(1,000) characters is quoted by the part of it around each record (at most that long, whole
words), in ``evidence`` and in the record's ``sources``.

The package's modules, in the order the work happens: ``_text`` (folding, language, sentences),
``_vocabulary`` and ``_figures`` (what is looked for), ``_scan`` (the pass), ``_patterns`` and
the rules (``_base``, ``_seizures``, ``_operations``, ``_workshops``, ``_figure_rules``,
``_rules``), ``_records`` (records, checks of stated values), ``_output`` (JSON shape,
explanations, tables), ``_model`` (the records returned).

The parsing itself is done by the project's building blocks: numbers by
:func:`~sahel_core.numbers.parse_number`, quantities by
:func:`~sahel_core.quantities.parse_amount`, dates by :func:`~sahel_core.dates.parse_date`,
money by :func:`~sahel_core.money.parse_money`, names by :mod:`sahel_core.reference` and the
locality gazetteer ``data/localities.csv``. A figure that cannot be read is skipped, not
guessed.

Rules, in the order they apply (wrongly attached facts are worse than missing ones, so each
rule attaches only what its sentence states):

* **Language** is given or detected by counting English and French stop words (a tie is
  English); it chooses how "2,700" reads (``en``: 2700, ``fr``: 2.7).
* **Sentences** end at ``.``/``!``/``?`` followed by a capital (not after abbreviations or
  initials), at blank lines, and at line ends unless the next line starts in lower case (a
  hard-wrapped sentence). A line ending with ":" keeps the bullet list under it (up to 50
  items).
* **Dates** are what :func:`~sahel_core.dates.parse_date` reads: "12 May 2016", "late October
  2016", "12/05/2016" (day first), "Q3 2016", "3e trimestre 2016", "late 2016", "mi-2016", "fin
  de l'année 2016", with or without "in"/"on"/"le" before them. A bare year ("2016",
  "2015-2016") is a date only after a word that makes it one ("in", "en", "since", "depuis"):
  alone it is as often a figure ("2016 kg") or a name ("Resolution 2295"). A quarter written
  short right after a capitalised name is a model ("the Audi Q3 2016"); a part of a year in
  words followed by a unit of mass is a quantity ("at the end of the year 2016 kg"). "from"
  before one date opens it ("from mid-2016": since), not before two linked ("from 30 January to
  2 February 2015"); so does "since" before one however it is written ("since the beginning of
  the year 2015": from 1 January 2015). A dateline's date ("NIAMEY, 12 May 2016 - ...", "NIAMEY,
  Thursday 12 May 2016 -", "NIAMEY, jeudi 12 mai 2016 -") dates the sentence only when it states
  no other. The page's date (its last dateline before a sentence, else the source's
  ``published`` date) reads dates told relative to it, as the span they may mean:
  "yesterday"/"hier" the day before, "last week"/"la semaine dernière" from the Monday of the
  week before to the day before (it is said of the calendar week and of the past seven days),
  "last month"/"le mois dernier" and "last year" the whole month or year before, "(earlier) this
  week/month/year" from its start to the page's date, a weekday ("on Tuesday", "mardi") the last
  such day on or before the page's date (a release of Tuesday that says "on Tuesday" tells of
  that day; "last Tuesday", "mardi dernier": the one before it) or, with a day of a month after
  it, that day of the year that puts it on or before the page's date ("Tuesday, 10 May", "le
  mardi 10 mai"; none if the two are different days), "three days ago"/"il y a 3 jours" that
  day; after "since"/"depuis" they run to the page's date ("since last year": 1
  January of the year before to the page's date; "since the beginning of the year", "depuis le
  début de l'année": from 1 January of the page's year). A weekday written before a date is that
  date's ("Thursday 12 May 2016"). Without a page date they date nothing. A relative date dates
  a record only in the record's own clause: no comma, ";", "that", "who", "which", "but", "que",
  "qui"... stands between them, except the commas after (and inside) a relative date that opens
  the sentence or a part of it after a comma, maybe after "on"/"le"/"ce", or is a possessive,
  up to the next figure ("Yesterday, in Agadez, customs seized 2 tons...", "On Tuesday, 10 May,
  gendarmes seized...", "Customs seized, yesterday, 2 tons...", "made this year's largest
  seizure, 2 tons..."); a relative clause right after the record whose verb names the
  record's event before the date is the record's ("the 2 tons of cannabis which were seized last
  week"), and one that opens before the record is not where other words come between its pronoun
  and the date ("The gendarmes who arrived yesterday seized 2 t": the arrival's). There a date
  the clause states beats the relative one, and the relative one beats a date stated in another
  clause ("Customs seized 2 tons in Agadez yesterday, after seizing 1 ton on 2 May 2016": the 2
  tons yesterday, the 1 ton 2 May 2016). "Customs seized 2 tons in Agadez, compared with 1 ton
  seized last year", "Customs, who last year received training, seized...", "said yesterday that
  they seized ... on 15 January 2017": the record takes the stated date, else the dateline's, as
  if the relative date were not there.
* **Seizure**: a quantity of a drug ("more than 2.7 tons of cannabis", "between 2 and 3 tons of
  cannabis", "between two and three tons", "de deux à trois tonnes", "170 cartons of Tramadol
  containing 70,000 tablets" → packaging 170 cartons, quantity 70,000 tablets; "12 of
  methamphetamine" after "9 kilograms of cocaine" borrows the kilograms; "a ton", "une tonne",
  "half a ton", "une demi-tonne", "une tonne et demie", "two and a half tons", "a ton and a half",
  "a half kilogram", "a dozen kilograms", "une dizaine de kilogrammes": about ten; tablets counted
  around the drug's name: "70,000 tramadol tablets", "1.5 million Tramadol pills", "70 000
  comprimés de tramadol") in a sentence with a seizure word (seized, seizure, confiscated,
  intercepted, saisi, saisie...). An article is a figure only before a unit of measure written
  out, never before a symbol ("a t") or a count ("a case of cocaine trafficking"). A half is not
  added to a number with decimals ("1.5 tons and a half" is 1.5 or 2 tons), nor is a part of a
  total its total ("half of the 2 tons of cannabis"): neither is read, and
  :attr:`Extraction.dropped` says why. A drug after "cut with"/"coupée avec", weighed or not ("cut
  with 200 grams of ephedrine"), is an adulterant, not a seizure; nor is a quantity of a workshop
  sentence about a case studied ("participants studied a case where 2 kg of heroin were seized").
  A quantity of the same measure right after a seizure's, joined by "and"/"et" or a seizure word,
  is another seizure of the same drug ("seized 2 tons of cannabis in Agadez yesterday and 1 ton in
  Zinder last week", "after seizing 1 ton"), with its own place and date. The date is the
  sentence's; when the sentence gives several, each seizure takes the one in its own clause ("2 kg
  of cocaine on 5 May 2016 and 3 kg of heroin on 6 June 2016"), and none if its clause has none (a
  relative date: see **Dates**), nor one of a quantity that is no seizure ("2 t of cannabis,
  compared with 1 t in 2014"). Quantities listed as parts of a seizure's total, after
  "including"/"dont"..., a colon, or a comma right after the drug ("3 tons of cannabis yesterday,
  including 1 ton in Zinder", "3 tons of cannabis: 2 tons in Agadez and 1 ton in Zinder"), are no
  seizures of their own, since the total is one (a ton counted twice is worse than a part told in
  a flag): the total's record names them in a ``parts: ...`` flag, and their places are not its
  place (it has no place of its own in those examples). The agency is the national agency that
  seized: the subject of a seizure word ("The OCS seized", "L'OCS a saisi") or the agent of a
  passive ("were seized by the OCS"), not a source ("Niger customs seized 2 tons, the OCRTIS
  said", "according to the OCRTIS", "a indiqué l'OCRTIS": no agency). The place is a locality or
  country introduced by "in/at/à/au/en" ("in Mopti"; never "from Ghana" or "between Bamako and
  Ségou"), or a country right after a capitalised place and a comma ("in Gao, Mali"); else the
  country of "Malian authorities"/"autorités maliennes"; else the country of the sentence's
  national agencies, when they have one. A list of places ("in Mali and Niger", "à Bamako et à
  Ségou", "in Gao, Mali and Niamey, Niger") does not fit a seizure's one place: it keeps their
  country when they share one ("in Bamako and Ségou": MLI, no locality), else no place at all (not
  the first, nor the agency's country), and a ``places: ...`` flag names them; a figure keeps
  every country of the list in ``countries``. So do workshops ("held in Dakar and Thiès": SEN,
  flagged) and operations, whose ``places`` then hold the list's countries ("arrested 3 suspects
  in Mali and Niger": MLI and NER, no one ``country``; "in Niamey and Zinder": NER; flagged). The
  value is the first sum of money in the sentence ("worth between 100,000 and 120,000 USD" is a
  range; "half a million CFA francs", "deux millions et demi de FCFA", "a million dollars" are
  sums); of a sentence of several seizures, the first sum in the seizure's own part of it, from
  its quantity on ("2 tons worth CFA 100 million in Agadez yesterday and 1 ton worth CFA 50
  million in Zinder last week": each its own), but a sum after the last of them when another has
  none is no seizure's, as it may be the value of them all ("2 kg of cocaine and 3 kg of heroin
  worth CFA 100 million": a ``figure``). Sums in brackets right after it, or after "soit", "i.e.",
  "or", are ``stated_values``; they are checked against the value converted at the seizure's date
  (:func:`~sahel_core.money.convert`), and a disagreement beyond :data:`VALUE_TOLERANCE` is
  written in the record's ``flags``. A currency word whose meaning changed ("cedis": GHC before
  July 2007, GHS from then) is read by the record's date; without one, or with one that spans the
  change, the sum is no value and :attr:`Extraction.dropped` says why.
* **Cumulative figures**: the same quantities in a sentence that covers a period ("since 2014 ...
  have seized over 9 kilograms of cocaine", "in total", "depuis", a date range longer than a
  year), or that tells a running total ("This year, customs have already seized 2 tons", "ont déjà
  saisi"), are ``figure`` records (drug, amount, ``as_of``), never seizures; so is a quantity a
  total is brought to beside a seizure ("Customs seized 3 tons of cannabis in Agadez, bringing the
  total seized this year to 10 tons", "portant le total des saisies à 10 tonnes"): a running total
  of the one drug the sentence names, dated and placed by its own part of the sentence. A figure
  is placed as a seizure is, in the country of the sentence's national agencies too ("l'OCS a déjà
  saisi 12 tonnes": MLI). An open period ("since 2014") runs to the page's date when the page has
  one (``as_of`` 2014-01-01 to 12 May 2016 on a page dated 12 May 2016): a cumulative figure is as
  of the day it was stated, and so the latest statement of it is told apart. Without a page date
  it has no end. A superlative compares one seizure with a period and reports none over it ("the
  largest seizure since 2014").
* **Operation**: an arrest (arrested, arrest of, interpellé...) or a destruction (incinerated,
  destroyed, détruit...) in a sentence that dates it. Without a date, only an arrest that
  counts the people arrested and names an agency or a place ("The OCRTIS arrested 5
  traffickers in Niamey") is an operation (with no date); "arrested" alone is often background.
  "the (alleged) kingpin/suspect", "le cerveau présumé" arrested counts as 1 person; "12
  suspects" (arrested, or "were arrested") as 12, "between 10 and 12 suspects", "between ten
  and twelve suspects" and "entre dix et douze personnes" as a range (10 to 12, as quantities
  are), "a dozen suspects" as 12, "une dizaine de suspects" as about
  10, "two Nigerian nationals and a Malian" as 3, "deux Nigérians et un
  Malien" as 3, "a Nigerian and a Malian" as 2, and a list of counts as their sum ("two
  Nigerians and three Malians": 5; "three Nigerian traffickers and two Malian accomplices": 5;
  "about 10 ... and 3 ...": about 13, from 12 to 14, the sums of each count's bounds); a
  plural demonym right after a count names people ("12 Senegalese", "two Burkinabe"), not after
  a noun ("deux camions maliens", "two Burkinabe trucks"); "several" gives no count. Counts of
  people in several clauses ("two Nigerians were arrested in Niamey and three Malians in Gao",
  "2 suspects in Niamey and 3 in Gao") are no one count: the record has none, rather than too
  low a one, and :attr:`Extraction.dropped` says why ("12 suspects, including 3 women" is
  12). A later sentence that says "his/the arrest" adds the agencies it names to the last
  arrest. A sum of money in a destruction sentence becomes a ``figure``
  ("value of destroyed goods") linked to the operation, as do quantities destroyed.
* **Workshop**: a workshop/training/atelier/formation word with a date, an organising verb
  (organized, held, conducted, took place, s'est tenu...) or a count of participants ("40
  participants", "a dozen judges", "une trentaine d'officiers": about 30, "between 30 and 40
  officers": a range). A sentence that refers back ("the workshop", "this training") without a
  date of its own, or whose date falls inside the last workshop's, adds to the last workshop
  instead: participants, institutions ("35 representatives of 20 institutions"), the countries
  listed after them (up to a funding phrase: "funded by Germany" names a donor), agencies. A
  workshop "of these workshops" announced by the sentence just before, in the same paragraph,
  takes the agencies named there ("UNODC and the OCS decided to deliver a series of workshops").
  The topic is what follows "on"/"sur"; the title is the page's headline when it names a
  workshop and the page has one workshop.
* **Donors**: "with the support of the government of Germany" in a workshop sentence funds that
  workshop. An activity-level statement ("This activity was funded by Denmark", "thanks to
  funds provided by the government of Japan") funds the page's main workshop (the one with
  the most of date, place and participants; the first on a tie) and no other record. A
  sentence that reports a seizure or an arrest "with the support of" someone funds no workshop,
  and the supporter is not an agency of the arrest. A programme-level list ("Sahel Programme
  activities are made possible thanks to contributions from the governments of: ...") is an
  ``operation`` of kind ``programme`` with those donors.
* **Figures** from plugins: rules registered through the ``sahel_register_extraction_rules``
  hook run on what the rules above left; the built-in ``text`` plugin reads programme counts
  ("339 activities implemented as of June 2017", "45 cases involving 117 individuals").
  Any sum of money left (a price, a value) is a ``figure`` too.

JSON shape of one record (:meth:`Extracted.as_dict`, printed by ``sahel extract --json``)::

    {"kind": "seizure" | "operation" | "workshop" | "figure", "id": "file:seizure:1",
     "operation_kind": "arrest" | ... | null, "label": str | null, "title": ..., "topic": ...,
     "drug": "cocaine" | null, "drug_text": "cocaine cut with ephedrine" | null,
     "quantity" | "packaging" | "arrested" | "participants" | "institutions":
         {"magnitude": "2.7", "unit": "t", "qualifier": "more_than", "low": "2.7",
          "high": null, "text": "more than 2.7 tons"} | null,
     "value": [{"amount": "13000000", "currency": "XOF", "qualifier": "exact", "low": ...,
                "high": ..., "text": "13 million CFA"}, ...stated equivalents],
     "date": {"text": "late October 2016", "earliest": "2016-10-21",
              "latest": "2016-10-31"} | null,
     "country": "MLI" | null, "place": "Mopti" | null, "countries": ["SEN", ...],
     "agencies": ["OCS"], "donors": ["DEU"], "seizures": [ids], "operation": id | null,
     "flags": [str], "evidence": {"start": 120, "end": 260, "text": "In August 2016, ..."},
     "fields": {"quantity": {"start": ..., "end": ..., "text": "more than 400 grams",
                             "sentence": {"start": ..., "end": ...}}, ...}}

Decimals are strings, dates ISO text. Offsets count characters of the text given to
:func:`extract` (end exclusive).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sahel_core.collector import collector_paused
from sahel_core.entities import SourceRef
from sahel_core.errors import ParseError
from sahel_core.extract._figure_rules import RuleMatch
from sahel_core.extract._figures import NUMBER_PATTERN
from sahel_core.extract._model import (
    KINDS,
    VALUE_TOLERANCE,
    Evidence,
    Extracted,
    Extraction,
    FieldEvidence,
    Figure,
)
from sahel_core.extract._records import _base_source, _build_records
from sahel_core.extract._rules import _Extractor
from sahel_core.extract._text import detect_language, fold_same_length, split_sentences
from sahel_core.qualifiers import lone_surrogate

if TYPE_CHECKING:
    from sahel_core.specs import ExtractionRule

__all__ = [
    "KINDS",
    "NUMBER_PATTERN",
    "VALUE_TOLERANCE",
    "Evidence",
    "Extracted",
    "Extraction",
    "FieldEvidence",
    "Figure",
    "RuleMatch",
    "detect_language",
    "extract",
    "fold_same_length",
    "split_sentences",
]


# --- the public function ----------------------------------------------------------------------


def extract(
    text: str,
    *,
    source: SourceRef | str | None = None,
    lang: str | None = None,
    rules: Iterable[ExtractionRule] | None = None,
) -> Extraction:
    """Seizures, operations, workshops and figures stated in ``text``, each with evidence.

    ``source`` (a :class:`~sahel_core.entities.SourceRef`, a URL or a file name) goes into
    every record's ``sources``, with the character span and quote of each sentence used.
    ``lang`` is ``"en"`` or ``"fr"``; by default it is detected (:func:`detect_language`).
    ``rules`` are the plugin rules to apply; by default those of every loaded plugin
    (``sahel_register_extraction_rules``). See the module docstring for what is read and how.

    Raises :class:`~sahel_core.errors.ParseError` when ``text`` is not a string or ``lang`` is
    not a supported language; nothing else on bad text.
    """
    if not isinstance(text, str):
        raise ParseError("expected text", field="text", value=type(text).__name__)
    if (half := lone_surrogate(text)) is not None:  # no record could quote it
        raise ParseError(f"a lone surrogate ({half}) is no text", field="text", value=half)
    if lang is None:
        lang = detect_language(text)
    elif lang not in ("en", "fr"):
        raise ParseError("lang must be 'en' or 'fr'", field="lang", value=lang)
    base = _base_source(source)
    if rules is None:
        from sahel_core.plugins import get_manager

        rules = get_manager().extraction_rules.values()
    with collector_paused():
        extractor = _Extractor(text, lang, base, list(rules))
        records, dropped = _build_records(extractor.run(), extractor)
    return Extraction(records=records, lang=lang, source=base, dropped=tuple(dropped))
