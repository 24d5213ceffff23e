"""The words and patterns the rules of :mod:`sahel_core.extract` look for."""

from __future__ import annotations

import re
from typing import Final

from sahel_core.dates import _WEEKDAYS
from sahel_core.extract._figures import _DAY_OF_MONTH, _DIGITS, _NUMBER_WORD
from sahel_core.extract._vocabulary import _DEMONYM_INVARIANT, _DEMONYM_OF, _DEMONYM_PLURALS

_SEIZE = re.compile(
    r"(?<![a-z])(?:seiz\w*|confiscat\w*|intercept\w*|impound\w*|saisi\w*|discover\w*|"
    r"decouv\w*|recovered)"
)

# Words that tell what a source says, not what it did: "..., the OCRTIS said", "The OCRTIS said
# customs seized...", "according to the OCRTIS", "a indiqué l'OCRTIS", "selon l'OCRTIS" (see
# _Seizures.seizer: within _REPORTED_BACK characters before the agency, up to the verb).
_REPORTED = re.compile(
    r"(?<![a-z])(?:said|says|stated|announced|reported|told|indicated|explained|according\s+to|"
    r"selon|d'apres|indique\w*|annonce\w*|declare\w*|rapporte\w*|precise\w*|explique\w*)"
    r"(?![a-z])"
)
_REPORTED_BACK = 25
# Right before the agent of a passive: "seized by the OCS", "saisies par l'OCS", "by Niger's
# OCRTIS" (within _BY_AGENT_BACK characters).
_BY_AGENT = re.compile(
    r"(?<![a-z])(?:by|par)\s+(?:the\s+|l'|la\s+|le\s+|les\s+)?(?:[\w']+\s+){0,2}$"
)
_BY_AGENT_BACK = 30

_ARREST = re.compile(
    r"(?<![a-z])(?:arrest(?:ed|s|ing)?|apprehend\w*|interpell\w*|arrete[es]{0,2}|arrestations?|"
    r"apprehende\w*)(?![a-z])"
)

_DESTROY = re.compile(
    r"(?<![a-z])(?:incinerat\w*|destroy\w*|destruction|burn(?:ed|t)|incinere\w*|detrui\w*|"
    r"brule[es]{0,2})(?![a-z])"
)

# Words of a sentence that reports quantities over a period: "since 2014", "in total", and what
# has "already" been seized, a running total ("This year, customs have already seized 2 tons").
_CUMULATIVE = re.compile(
    r"(?<![a-z])(?:since|depuis|a\s+partir\s+de|in\s+total|au\s+total|a\s+total\s+of|so\s+far|"
    r"to\s+date|cumulative\w*|en\s+tout|jusqu'a\s+present|a\s+ce\s+jour|each\s+year|per\s+year|"
    rf"par\s+an|annually|chaque\s+annee|(?:already|deja)\s+(?:been\s+|ete\s+)?{_SEIZE.pattern})"
    r"(?![a-z])"
)

# Before a quantity that is a running total, not a seizure: "Customs seized 3 tons of cannabis,
# bringing the total seized this year to 10 tons", "portant ainsi le total des saisies à 10
# tonnes" (within _RUNNING_BACK characters; see _Seizures.running_total).
_RUNNING_TOTAL = re.compile(
    r"(?<![a-z])(?:bring\w*|brought|rais\w*|tak\w*|took|push\w*|port(?:ant|e|ent))\s+"
    r"(?:[a-z]+\s+)?(?:the|its|their|le|son|leur)\s+total(?:\s+[\w'-]+){0,8}?\s+(?:to|a)\s+$"
)
_RUNNING_BACK = 100

# A superlative a few words before a word of _CUMULATIVE (searched up to where that word
# starts): "the biggest seizure in Mali since 2010", "the largest to date", "la plus grosse
# saisie depuis 2010" compare one seizure with a period; they report none over it.
_COMPARED = re.compile(
    r"(?<![a-z])(?:largest|biggest|greatest|highest|heaviest|most\s+(?:important|significant)|"
    r"record|(?:la|le|les)\s+plus\s+[a-z]+)(?:\s+[\w'-]+){0,6}?\s+$"
)
_COMPARED_BACK = 100  # characters


def compares(text: str, at: int) -> bool:
    """Whether the word of _CUMULATIVE starting at ``at`` in ``text`` (folded) follows a
    superlative: "the largest seizure since 2014" compares, it reports no period."""
    return _COMPARED.search(text, max(0, at - _COMPARED_BACK), at) is not None


# Where two clauses of one sentence part: each may report its own seizure and date.
# A comma between digits is a number's ("1,000,000", "1,5 million"), not a clause's.
_CLAUSE_BREAK = re.compile(
    r";|,(?!\d)|(?<![a-z])(?:and|et|while|whereas|but|mais|alors\s+que|tandis\s+que)(?![a-z])"
)

# Before a quantity, a part of it: "half of the 2 tons of cannabis", "la moitié des 2 tonnes".
_FRACTION_OF = re.compile(
    r"(?<![a-z])(?:half|third|quarter|part|portion|fraction|some|most|moitie|tiers|quart|"
    r"partie|\d+\s*(?:%|per\s*cent|percent|pour\s*cent))\s+(?:of|de|d'|des|du)\s*"
    r"(?:the\s+|these\s+|those\s+|la\s+|le\s+|les\s+|l'|ces\s+)?$"
)

_CUT_WITH = re.compile(r"(?:cut|mixed|coupee?s?|melangee?s?)\s+(?:with|avec|a)\s+$")

_OF = re.compile(r"\s*(?:of|de|d'|du|des)\s*(?:the\s+|la\s+|le\s+|l')?(?:[a-z]+\s+)?$")

_CONTAINING = re.compile(r"\s*,?\s*(?:containing|contenant|with|soit|avec|comprising)\s+$")

_CONTAINERS = frozenset({"carton", "packet", "bag", "sack", "block", "bottle"})

_WORKSHOP = re.compile(
    r"(?<![a-z])(?:workshops?|trainings?|seminars?|ateliers?|formations?|seminaires?)(?![a-z])"
)

# What trainees do with a case: the quantities of a workshop sentence that says so are course
# material ("participants studied a case where 2 kg of heroin were seized"), not seizures.
# Learning as such ("applied what they learned and seized 250 kg") is no case: the words name
# the case work itself, or learning to do something ("learned to detect packages of 1 kg").
_LEARNING = re.compile(
    r"(?<![a-z])(?:learn(?:ed|t|ing|s)?\s+(?:to|how)|appren\w*\s+a|appris\w*\s+a|"
    r"stud(?:y|ied|ies|ying)|case\s+stud(?:y|ies)|exercises?|simulat\w*|"
    r"practical\s+cases?|mock|role[\s-]plays?|etudi\w*|etudes?\s+de\s+cas|cas\s+pratiques?|"
    r"exercices?|mises?\s+en\s+situation)(?![a-z])"
)

_WORKSHOP_VERB = re.compile(
    r"(?<![a-z])(?:organi[sz]ed(?!\s+crim)|organisee?s?(?!\s+crim)|held|conducted|took\s+place|was\s+held|"
    r"s'est\s+tenue?|se\s+sont\s+tenu\w*|a\s+eu\s+lieu|ont\s+eu\s+lieu|tenue?s?|"
    r"brought\s+together|reunited|gathered|a\s+reuni|ont\s+reuni|a\s+rassemble)(?![a-z])"
)

# "the first of these workshops": a workshop the sentence before announced.
_ANNOUNCED = re.compile(
    r"(?<![a-z])(?:these|those|ces)\s+(?:workshops|trainings|seminars|sessions|ateliers|"
    r"formations|seminaires)(?![a-z])"
)
_DEFINITE = re.compile(
    r"(?<![a-z])(?:the|this|that|these|ce|cet|cette|ces|l'|la|le|les)\s*(?:[a-z-]+\s+){0,2}?"
    r"(?:workshops?|trainings?|seminars?|ateliers?|formations?|seminaires?|event|sessions?|"
    r"activit(?:y|e))(?![a-z])"
)

_TOPIC = re.compile(
    r"(?:(?:workshops?|trainings?|seminars?|ateliers?|formations?|seminaires?|sessions?|de)\s+)"
    r"{1,3}(?:on|sur|about|consacree?s?\s+a)\s+(?P<topic>.+?)"
    r"(?=\s*(?:[,;:.()]|\s(?:on|in|at|from|for|with|le|du|a|au|en|dans|pour|avec|was|were|"
    r"is|are|has|have|will|took|which|that|s'est|se|a\s+eu|ont|qui|sera)\s+|$))"
)

_BECAUSE_OF = re.compile(
    r"(?<![a-z])(?:following|after|thanks\s+to|as\s+a\s+result\s+of|suite\s+a|apres|"
    r"grace\s+a)(?![a-z])"
)

_VERB_AFTER = re.compile(
    r"(?:\s+sessions?)?\s+(?:was\s+|were\s+)?(?:conducted|organi[sz]ed|held|delivered|"
    r"organisee?s?|dispensee?s?|tenue?s?)(?![a-z])"
)

_QUOTED = re.compile(r"\s*\"\s*(?P<topic>[^\"\n]{1,200}?)\s*\"")

# fmt: off
_ATTENDEES = frozenset((
    "participants", "participant", "representatives", "trainees", "attendees", "delegates",
    "representants", "stagiaires", "delegues",
))

# fmt: on
# fmt: off
_PEOPLE = _ATTENDEES | frozenset((
    "people", "persons", "officers", "officials", "agents", "magistrates", "judges",
    "prosecutors", "personnes", "magistrats", "officiers", "individuals", "individus",
    "journalists", "journalistes",
))

# fmt: on
# After a count: "30 Malian officers", "une trentaine d'officiers".
_COUNT_NOUN = re.compile(rf"\s+(?:[a-z-]+\s+|d')?(?P<noun>{'|'.join(sorted(_PEOPLE))})(?![a-z])")

_INSTITUTION_NOUNS = (
    r"institutions|agencies|services|organisations|organizations|structures|administrations|"
    r"ministries|ministeres|units|unites"
)

_INSTITUTIONS = re.compile(
    rf"\s+(?:of|de|d'|from|venus\s+de|issus\s+de)\s+(?P<count>{_DIGITS})\s+"
    rf"(?:[a-z-]+\s+)?(?:{_INSTITUTION_NOUNS})(?![a-z])"
)

_ARRESTED_ONE = re.compile(
    r"(?<![a-z])(?:the|a|an|one|le|un|une|son|its|their|his)\s+(?:alleged\s+|suspected\s+|"
    r"presumed\s+|notorious\s+|presume\s+|suppose\s+)?(?:kingpin|suspect|trafficker|ringleader|"
    r"leader|baron|dealer|smuggler|individual|man|woman|mastermind|chef|trafiquant|individu|caid|"
    r"passeur|cerveau)(?![a-z])(?:\s+(?:presumee?|supposee?)(?![a-z]))?"
)

_ARRESTED_NOUNS = (
    r"people|persons|suspects|individuals|traffickers|members|smugglers|dealers|men|women|"
    r"nationals|accomplices|couriers|mules|personnes|individus|trafiquants|membres|passeurs|"
    r"ressortissants|complices|convoyeurs"
)
# The noun of a count of people arrested, at the end of an amount ("12 people"), not of
# those taking part ("40 participants").
_PEOPLE_ARRESTED = re.compile(rf"(?<![a-z])(?:{_ARRESTED_NOUNS})$")
# One person: "a suspect", "an alleged accomplice", "un ressortissant", "une passeuse".
_ARRESTED_NOUN = (
    r"suspect|trafficker|smuggler|dealer|individual|national|man|woman|accomplice|courier|"
    r"suspecte?|trafiquante?|individu|ressortissante?|homme|femme|complice|convoyeur|"
    r"passeur|passeuse"
)
# After a demonym that names people, not a noun: "and a Malian in Niamey", "and a Malian were",
# not "and a Malian truck".
_PERSON_END = (
    r"(?=\s*(?:[^\w\s]|$)|\s+(?:in|at|on|near|from|with|who|and|or|were|was|have|has|had|en|"
    r"dans|qui|et|ou|pres|avec|au|aux|a|ont|sont)(?![a-z]))"
)
_DEMONYM_NOUNS = "|".join(sorted(_DEMONYM_OF, key=len, reverse=True))

# A count's noun: "12 suspects", "two Nigerian nationals", "deux Nigérians", "two Burkinabe";
# a plural demonym with nothing before it, as "deux camions maliens" counts trucks.
_ARRESTED_COUNT = re.compile(
    rf"\s+(?:(?:[a-z-]+\s+|d')?(?:{_ARRESTED_NOUNS})|"
    rf"(?:{'|'.join(sorted(_DEMONYM_PLURALS, key=len, reverse=True))})|"
    rf"(?:{'|'.join(sorted(_DEMONYM_INVARIANT, key=len, reverse=True))}){_PERSON_END})(?![a-z])"
)
# A demonym after a count's noun: "deux ressortissants nigérians (et un Malien)".
_NOUN_DEMONYM = re.compile(rf"\s+(?:{_DEMONYM_NOUNS})(?![a-z])")

# One person, in a list of people: "two Nigerian nationals and a Malian", "3 suspects and a
# woman", "a Nigerian and a Malian were arrested", "deux Nigérians et un Malien", "3 Malians
# and 1 Ghanaian".
_ONE_PERSON = re.compile(
    rf"(?=[aou1])(?<![a-z\d.,])(?:an?|one|une?|1)\s+(?:(?:[a-z]+\s+)?(?:{_ARRESTED_NOUN})|"
    rf"(?:{_DEMONYM_NOUNS}){_PERSON_END})(?![a-z])"
)

# Between two counts of one list of people: "two Nigerians and three Malians", "2 suspects,
# 3 Malians and 1 Ghanaian".
_AND_MORE = re.compile(r"\s*,\s*(?:and\s+|et\s+)?|\s+(?:and|et)\s+")
# Before a count of some of the people counted ("12 suspects, including 3 women"): no other
# count of people arrested.
_SUBSET = re.compile(
    r"(?<![a-z])(?:including|among\s+(?:them|whom)|of\s+whom|dont|parmi\s+(?:eux|elles|"
    r"lesquels|lesquelles)|y\s+compris)\s+(?:[a-z]+\s+)?$"
)
# Before the first of the parts of a total listed after it: "3 tons of cannabis, including 1 ton
# in Zinder", "dont 1 tonne à Zinder", "3 tons of cannabis: 2 tons in Agadez and 1 ton in
# Zinder" (see _Seizures.parts_of_totals).
_PARTS_OPEN = re.compile(rf"{_SUBSET.pattern}|:\s*$")
# The words that place something, English and French: "in Mopti", "à Bamako", "aux Almadies".
_IN_PLACE = r"(?:in|at|a|au|aux|en|dans)"

# A count of people whose noun is left out: "two Nigerians were arrested in Niamey and three in
# Gao" (the number, then this).
_ELLIPTIC = re.compile(rf"\s+(?:{_IN_PLACE}|near|pres)(?![a-z])")
_BEFORE_ELLIPTIC = re.compile(r"(?:,|(?<![a-z])(?:and|et))\s*$")

# Between a count of people and the arrest word of a passive: "12 suspects were (later)
# arrested", "12 personnes ont été interpellées".
# One word may come between ("were reportedly arrested"), never a negation.
_ARRESTED_PASSIVE = re.compile(
    r"\s+(?:were|was|have\s+been|has\s+been|had\s+been|ont\s+ete|a\s+ete|sont)\s+"
    r"(?:(?!(?:not|never|pas|jamais)\s)[a-z]+\s+)?"
)

_CLOSING = re.compile(r"\s*[)\]]")

# Between a sum and an equivalent the text states for it: "(about 20,000 USD)", "/ USD 20,000",
# "(soit environ 20 000 dollars)", ", i.e. about 20,000 USD", ", or about 20,000 USD". A comma
# alone is a list of sums, unless a bracket opened after the first (see _Base.attach_money).
_BETWEEN_EQUIVALENTS = re.compile(
    r"\s*(?:[(\[/,]\s*)?(?:(?P<word>i\.\s?e\.|soit|that\s+is|or|ou|c'est-a-dire)(?![a-z])[\s,]*)?"
)

_COREFERENCE = re.compile(
    r"(?<![a-z])(?:his|her|their|the|this|that|son|sa|leur|cette|l')\s*"
    r"(?:arrest|arrestation|interpellation)(?![a-z])"
)

# Who a funding phrase names next: "support of/from", "soutien du/de la/de l'/des/d'".
_FROM_DONOR = r"(?:provided\s+by|from|of|d'|de\s+l'|(?:du|de\s+la|des|de)(?![a-z]))"

# The look-ahead holds the first letters of the phrases below (keep it in step with them):
# elsewhere ``re`` moves on at once instead of trying every phrase at every character.
_FUNDED = re.compile(
    r"(?=[acfgmsw])"
    r"(?:(?<![a-z])(?:funded|financed|sponsored|supported|made\s+possible|financee?s?|"
    r"soutenue?s?|appuyee?s?)\s+(?:\w+\s+){0,6}?(?:by|par|thanks\s+to|grace\s+a)"
    r"|(?:funds|funding|financial\s+support|contribution|financement|fonds|"
    rf"(?:appui|soutien)\s+financier)\s+{_FROM_DONOR}"
    r"|(?:with\s+(?:the\s+)?(?:financial\s+)?support|avec\s+(?:l'appui|le\s+soutien)"
    r"(?:\s+financier)?|grace\s+(?:au\s+|a\s+l')(?:financement|soutien|appui)(?:\s+financier)?)"
    rf"\s+{_FROM_DONOR})"
)

# Where the names after a funding phrase end: "With support from UNODC, police arrested".
_PHRASE_END = re.compile(r"[,;]")

# A dateline as written, up to its date (_DATELINE) and after it (_AFTER_DATELINE): a place, maybe
# its country in brackets, a comma, the date, a dash: "NIAMEY, 12 May 2016 -", "Dakar (Sénégal),
# le 3 juin 2016 –".
# A weekday may come before the date: "NIAMEY, Thursday 12 May 2016 -", "NIAMEY, jeudi 12 mai
# 2016 -", "Dakar, le mercredi 3 juin 2016 -" (the text as written: any case).
_WEEKDAY = rf"(?i:{'|'.join(_WEEKDAYS)})"
_DATELINE = re.compile(
    r"\s*[^\W\d_][\w'’.-]*(?:[ -][^\W\d_][\w'’.-]*){0,3}\s*(?:\([^()\n]{1,40}\)\s*)?,\s*"
    rf"(?:(?:le|on)\s+)?(?:{_WEEKDAY}\s*,?\s+)?"
)
_AFTER_DATELINE = re.compile(r"\s*(?:\([^()\n]{1,40}\)\s*)?[-–—:]")
_DATELINE_REACH = 100  # characters from a sentence's start to its dateline's date, at most

_PROGRAMME_LIST = re.compile(
    r"contributions?\s+(?:from|of)\s+the\s+governments\s+of|(?:grace\s+aux|avec\s+les)\s+"
    r"contributions\s+des\s+gouvernements"
)

# The rules' patterns, run on a sentence where the scan saw one of their words (_TRIGGER_STEMS).
_TRIGGERS: Final = {
    "programme": _PROGRAMME_LIST,
    "funded": _FUNDED,
    "workshop": _WORKSHOP,
    "arrest": _ARREST,
    "destroy": _DESTROY,
}

_PROGRAMME_NAME = re.compile(r"((?:[A-Z][\w-]*\s+){1,4}Program(?:me)?)(?![a-z])")

_VALUE_CUE = re.compile(
    r"(?<![a-z])(?:worth|value[ds]?|valued|price[ds]?|priced|sold|costs?|cost|valeur|prix|"
    r"vendue?s?|coute\w*|estimated\s+at|estimee?s?\s+a)(?![a-z])"
)

_DONOR_JOINER = re.compile(
    r"[\s,:;•·*()\"-]+|[ld]'|(?:and|et|the|of|government|governments|gouvernement|"
    r"gouvernements|du|de|des|la|le|kingdom|royaume|federal|republic|republique|ainsi\s+que|"
    r"as\s+well\s+as)(?![a-z])"
)

# Verbs that say the people counted took part ("brought together 24 customs officers").
_GATHERED = re.compile(
    r"(?<![a-z])(?:brought\s+together|gathered|reunited|attended|took\s+part|participated|"
    r"were\s+trained|a\s+reuni|ont\s+reuni|a\s+rassemble|ont\s+participe|ont\s+pris\s+part|"
    r"ont\s+ete\s+formee?s)(?![a-z])"
)

_PERIOD_DAYS = 366

_VERB_WINDOW = 80

# Between the places of a list: "in Mali and Niger", "à Bamako et à Ségou", "in Gao, Mali or
# in Niamey".
_PLACE_JOIN = re.compile(
    r"\s*(?:,\s*(?:(?:and|et|or|ou)\s+)?|\s+(?:and|et|or|ou)\s+)"
    rf"(?:{_IN_PLACE}\s+(?:the\s+|la\s+|le\s+|l')?)?"
)

# A date told relative to the page's (a dateline's, or the source's publication date): read
# only where the page has one, back from its last word (see _Extractor.relative_dates and
# _figures._relative_date), at most _RELATIVE_BACK characters before it and _RELATIVE_AROUND
# after. After "since"/"depuis" it runs to the page's date ("since last year"), and only there
# is the start of the year a date ("since the beginning of the year", "depuis le début de
# l'année"). A weekday is the last such day on or before the page's ("last Tuesday", "mardi
# dernier": before it), or the day of a month written after it, whose year it tells ("Tuesday,
# 10 May", "mardi 10 mai"); a count of days back is a number ("three days ago", "il y a 3
# jours").
_RELATIVE_DATE = re.compile(
    r"(?<![a-z])(?P<since>(?:(?:ever\s+)?since|depuis)\s+)?"
    r"(?:(?P<yesterday>yesterday|hier)"
    r"|(?P<last_week>last\s+week|la\s+semaine\s+(?:derniere|passee))"
    r"|(?P<this_week>(?:earlier\s+)?this\s+week|cette\s+semaine)"
    r"|(?P<last_month>last\s+month|le\s+mois\s+(?:dernier|passe))"
    r"|(?P<this_month>(?:earlier\s+)?this\s+month|ce\s+mois(?:-ci)?)"
    r"|(?P<last_year>last\s+year|l'annee\s+(?:derniere|passee))"
    r"|(?P<this_year>(?:earlier\s+)?this\s+year|cette\s+annee)"
    r"|(?P<year_start>(?<=since\s)(?:the\s+)?(?:beginning|start)\s+of\s+(?:the|this)\s+year"
    r"|(?<=depuis\s)le\s+debut\s+de\s+(?:l'annee|cette\s+annee))"
    rf"|(?P<weekday>(?P<last>last\s+)?(?P<day>{'|'.join(_WEEKDAYS)})"
    rf"(?P<dernier>\s+(?:dernier|passe))?(?:\s*,?\s+(?P<date>{_DAY_OF_MONTH}))?)"
    rf"|(?P<days_ago>(?P<il_y_a>il\s+y\s+a\s+)?(?P<count>(?<![\d.,])\d{{1,3}}|{_NUMBER_WORD})"
    r"\s+(?(il_y_a)jours|days\s+ago)))(?![a-z])"
)
_RELATIVE_AROUND = 24
_RELATIVE_BACK = 40
# Between a relative date and a date it names the day of: "Thursday 12 May 2016", "le mardi, 3
# mai 2016".
_BEFORE_DATE = re.compile(r"\s*,?\s*")

# Where a date told relative to the page's stops dating: a break of _CLAUSE_BREAK but "and"/
# "et" (which join places, agencies and verbs of one clause too), or a word opening another
# clause: "Customs seized 2 tons in Agadez, compared with 1 ton seized last year", "Customs,
# who last year received training, seized...", "said yesterday that they seized...". A
# relative date that opens the sentence dates what follows its comma ("Yesterday, customs
# seized...": see _Base.relative_breaks).
_RELATIVE_BREAK = re.compile(
    r";|,(?!\d)|(?<![a-z])(?:while|whereas|but|mais|alors\s+que|tandis\s+que|that|which|who|"
    r"whom|whose|when|(?<!ainsi\s)que|qui|dont|lorsque|quand)(?![a-z])|(?<![a-z])qu'"
)
# Before a relative date that opens its sentence, or a part of it after a comma: nothing but
# spaces, quotes, brackets, and the word that makes a weekday a date ("On Tuesday, gendarmes
# seized...", "Le mardi 10 mai, ...", "Ce mardi, ...").
_OPENING = re.compile(r"[\s\"'“«(]*(?:(?:on|le|ce)\s+)?")
# A relative clause right after a record, which may tell of it ("the 2 tons of cannabis which
# were seized last week"; see _Base.clause).
_OF_THE_RECORD = re.compile(r"[\s,]*(?:(?:which|that|qui|que)(?![a-z])|qu')")
# A pronoun that opens a relative clause, not a reported one ("said that", "a indiqué que"): the
# clause may be about another subject than a record after it ("The gendarmes who arrived
# yesterday seized 2 t"; see _Base.relative_for).
_RELATIVE_PRONOUN = re.compile(r"(?:who|whom|whose|which|qui)(?![a-z])")
