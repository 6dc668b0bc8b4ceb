"""The detectors of the personal data guard: what in a piece of text identifies a person.

Two families. *Identifiers* (NHS numbers, unique pupil numbers, e-mail addresses, phone
numbers) are looked for in every cell the platform reads: their shape is distinctive, and an
organisation's data holds none of them. *Free-text findings* (dates of birth and ages tied to a
child, postcodes, street addresses, person names) are looked for only in free text — the
fields a record model declares free text, and every cell ``lif privacy scan`` is given without
a source — because a register of providers rightly holds organisations' postcodes and names.

Every finding says its kind, where it is (``start``/``end``) and what it matched; :func:`mask`
blanks the matches. The measured recall and false-positive rate per kind, over the labelled
corpus in ``tests/lif_core/privacy/corpus.tsv``, are in ``make bench`` (``bench_privacy``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from lif_core.privacy.names import COMMON_WORDS, first_names, last_names, not_people, word_set

__all__ = [
    "FREE_TEXT_KINDS",
    "IDENTIFIER_KINDS",
    "KIND_WORDS",
    "Finding",
    "find_identifiers",
    "find_personal",
    "mask",
    "may_hold_identifier",
    "nhs_number_valid",
    "scan_identifiers",
]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing in a text that identifies a person: its kind, where it is, what it matched."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def words(self) -> str:
        """The kind in words, for messages: ``an NHS number``."""
        return KIND_WORDS[self.kind]


KIND_WORDS: Final = {
    "nhs_number": "an NHS number",
    "upn": "a unique pupil number",
    "email": "an email address",
    "phone": "a phone number",
    "date_of_birth": "a date of birth",
    "age": "a child's age",
    "postcode": "a postcode",
    "address": "a street address",
    "person_name": "a person's name",
}
IDENTIFIER_KINDS: Final = ("nhs_number", "upn", "email", "phone")
FREE_TEXT_KINDS: Final = ("date_of_birth", "age", "postcode", "address", "person_name")

# --- identifiers --------------------------------------------------------------------------------

# Ten digits as NHS numbers are written: 3-3-4 or 4-3-3, the same space, hyphen or dot (or
# nothing) between the groups (943 476 5919, 943-476-5919, 943.476.5919, 9434 765 919,
# 9434765919), not part of a longer number. Other groupings are other identifiers: an
# inspectorate writes its location ids as "1-101234567".
_NHS = re.compile(
    r"(?<![\d.\-/])(?<!\d[ .\-])"
    r"(?:\d{3}([ .\-]?)\d{3}\1\d{4}|\d{4}([ .\-]?)\d{3}\2\d{3})"
    r"(?![\d/]|[ .\-]\d)"
)
_UPN = re.compile(r"\b[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# A UK number: +44 or 0, then digits at most two spaces, hyphens, dots or brackets apart; 10 or
# 11 digits (counting the leading 0) are checked after the match.
_PHONE = re.compile(
    r"(?<![\w+.])(?:\+44[ .\-]?(?:\(0\)[ .\-]?)?|\(0|0)[1-9](?:[ )(.\-]{0,2}\d){8,9}(?![\d\-/])"
)
# Every identifier above holds nine digits at most two of " ().-" apart, or an @: a text without
# either is skipped. For ASCII text the same test runs on a copy with every digit made a 9 and
# every separator a space, so the pattern opens with a literal and the search skips ahead in C.
_SUSPECT = re.compile(r"@|\d(?:[ )(.\-]{0,2}\d){8}")
_ASCII_SHAPES = bytes.maketrans(b"0123456789 )(.-", b"9999999999     ")
_SUSPECT_ASCII = re.compile(rb"9(?: {0,2}9){8}")


def may_hold_identifier(text: str) -> bool:
    """False only when :func:`find_identifiers` finds nothing in ``text`` (a quick pre-check)."""
    if not text.isascii():
        return _SUSPECT.search(text) is not None
    return "@" in text or _SUSPECT_ASCII.search(text.encode().translate(_ASCII_SHAPES)) is not None


def nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit holds (``digits``: the ten digits alone)."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _phone_digits_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    digits = digits.replace("00", "0", 1) if digits.startswith("00") else digits
    return len(digits) in (10, 11) and digits[0] == "0"


def find_identifiers(text: str) -> list[Finding]:
    """NHS numbers (valid check digit), UPNs, e-mail addresses and UK phone numbers in ``text``."""
    if not may_hold_identifier(text):
        return []
    return scan_identifiers(text)


def scan_identifiers(text: str) -> list[Finding]:
    """:func:`find_identifiers` without its pre-check (what the pre-check is tested against)."""
    found: list[Finding] = []
    nhs_spans = []
    for m in _NHS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if nhs_number_valid(digits):
            found.append(Finding("nhs_number", m.start(), m.end(), m.group(0)))
            nhs_spans.append((m.start(), m.end()))
    found += [Finding("upn", m.start(), m.end(), m.group(0)) for m in _UPN.finditer(text)]
    found += [Finding("email", m.start(), m.end(), m.group(0)) for m in _EMAIL.finditer(text)]
    for m in _PHONE.finditer(text):
        if _phone_digits_ok(m.group(0)) and not _inside(m.start(), m.end(), nhs_spans):
            found.append(Finding("phone", m.start(), m.end(), m.group(0).rstrip(" )(.-")))
    return found


def _inside(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


# --- dates of birth and ages --------------------------------------------------------------------

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}|"
    rf"{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|{_MONTHS}\s+\d{{4}})"
)
_DOB = re.compile(
    rf"\b(?:born(?:\s+on|\s+in)?|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday)"
    rf"\s*(?:[:\-–(=]\s*|is\s+|was\s+|as\s+)?({_DATE})",
    re.IGNORECASE,
)
# "aged 4", "age 14", "aged 3 years", "aged 18 months", "a 4-year-old", "the 14 year old boy" — one
# child's age; not "children aged 0-4", "aged 10 to 17", "aged under 5" or "4-year-olds".
_AGE = re.compile(
    r"(?<![\w-])(?:aged?|age:)\s+(\d{1,2})(?:\s*(?:years?|yrs?|months?|weeks?|days?)(?:\s+old)?)?"
    r"(?!\s*(?:-|–|to|and|or|\+|plus|&)\s*\d|\s*(?:\+|and\s+(?:over|under|above|below)|or\s+(?:over|under))|\d|\s*%)"
    r"|\b(?:a|an|the|this|one)\s+(\d{1,2})[\s-]*(?:year|month|week|day)[\s-]*old\b(?!s)",
    re.IGNORECASE,
)
_GROUP_BEFORE = re.compile(
    r"(?:children|young\s+people|people|pupils|boys|girls|those|adults|persons|babies|"
    r"infants|students|learners|cohort|group|groups|population|residents|ones)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


def _ages(text: str) -> Iterator[Finding]:
    for m in _AGE.finditer(text):
        if m.group(1) is not None and _GROUP_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            continue
        yield Finding("age", m.start(), m.end(), m.group(0))


# --- postcodes and addresses --------------------------------------------------------------------

# Every postcode area of the United Kingdom: a shape alone would take "KS2 3RD" for one.
_AREAS = word_set(
    """
    AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN
    DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY
    L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S
    SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR
    WS WV YO ZE
    """
)
_POSTCODE = re.compile(
    rf"\b(?:{'|'.join(sorted(_AREAS, key=len, reverse=True))})"
    r"\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b",
    re.IGNORECASE,
)
_STREET_WORDS = word_set(
    """
    street st road rd lane ln avenue ave close drive dr way court ct crescent cres grove
    gardens gdns terrace place pl walk mount view rise hill square sq row mews parade vale
    fold croft approach garth green park wood lea side bank gate
    """
)
_ADDRESS = re.compile(
    r"\b(?:(?:flat|apartment|apt|unit)\s+\d+[a-z]?,?\s+)?\d{1,4}[a-z]?,?\s+"
    r"(?:[A-Z][\w'’\-]+\s+){1,3}"
    rf"(?:{'|'.join(_STREET_WORDS)})\b\.?",
    re.IGNORECASE,
)
# A number then capitalised words: the street name must be written as one.
_NUMBER_THEN_WORDS = re.compile(r"\d{1,4}[a-z]?,?\s+((?:[A-Z][\w'’\-]+\s+){1,3})", re.IGNORECASE)


def _addresses(text: str) -> Iterator[Finding]:
    for m in _ADDRESS.finditer(text):
        words = _NUMBER_THEN_WORDS.search(m.group(0))
        if words is None or not all(w[0].isupper() for w in words.group(1).split()):
            continue
        yield Finding("address", m.start(), m.end(), m.group(0))


# --- person names -------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_HONORIFICS = word_set("mr mrs ms miss mx dr master")
# A capitalised run holding one of these is an organisation or a place, not a person.
_INSTITUTION_WORDS = word_set(
    """
    hospital hospitals school schools academy academies primary infant infants junior
    juniors college university trust council road street lane avenue close drive way court
    house centre center ward surgery practice clinic foundation church park hall nursery
    team service services police board partnership unit place crescent gardens terrace grove
    walk row square hill infirmary health nhs icb group project programme network forum
    panel review inquiry commission office department ministry agency county city borough
    district estate village community children's childrens family families home homes care
    campus site library medical mental safeguarding hub mash lado cafcass ofsted barnardo's
    barnardos nspcc report act law rule rules assessment plan strategy framework policy
    procedure protocol cottage lodge manor farm mill green wood woods gate bridge fields
    field vale view rise station stadium arena building tower court's limited ltd plc cic
    llp company primary's mosque temple synagogue gurdwara chapel cathedral
    """
)
_RELATION_BEFORE = re.compile(
    r"(?:\b(?:child|son|daughter|brother|sister|sibling|siblings|mother|father|mum|dad|mummy|"
    r"daddy|stepfather|stepmother|step-father|step-mother|stepdad|stepmum|grandmother|grandfather|"
    r"grandma|grandad|nan|baby|infant|toddler|boy|girl|pupil|student|teenager|partner|boyfriend|"
    r"girlfriend|carer|uncle|aunt|auntie|cousin|twin|twins|named|called|known\s+as|nee|née|"
    r"young\s+person|youngster|victim|perpetrator|alleged|friend|neighbour|lodger|foster\s+carer)"
    r"\s+$)",
    re.IGNORECASE,
)
_CONTEXT_AFTER = re.compile(
    r"^(?:'s?|’s?)\s+(?:mother|father|mum|dad|brother|sister|sibling|siblings|parents?|"
    r"grand\w+|carer|carers|school|nursery|teacher|social\s+worker|family|home|bedroom|"
    r"birthday|death|injur\w+|needs|voice|views|wishes|behaviour|attendance|case|plan)"
    r"|^\s*[(,]\s*(?:aged?|dob|d\.o\.b|born|\d{1,2}\s*(?:years?|yrs?|months?)?\s*\)|\d{1,2}\))"
    r"|^\s+(?:\(\d{1,2}\)|aged\s+\d)",
    re.IGNORECASE,
)
_GROUP_WORD = re.compile(
    r"^(?:children|child|young|people|pupils?|boys?|girls?|babies|baby|infants?|students?|"
    r"learners?|adults?|teenagers?|toddlers?|families|those|everyone|some|many|most|all|"
    r"parents?|carers?|mothers?|fathers?|siblings?|twins?|victims?|none|each|both)$"
)
_LABEL_AFTER = re.compile(r"\s+(?:[A-Z]|\d{1,2})\b")
_FAMILY_AFTER = re.compile(r"^\s+(?:family|household|children|siblings|twins)\b")


# Capitalised at a sentence's start, never a name: they end a run of capitalised words.
_FUNCTION_WORDS = word_set(
    """
    the a an her his their this that these those when after before and but in on at of for
    with by from to as if she he they we it our my your its there then both each all some no
    not while during although because since until where who which what why how once only
    also however following despite
    """
)
# After a lone capitalised word at a sentence's start, these say a person acted.
_PERSON_VERB = re.compile(
    r"^\s+(?:said|told|disclosed|asked|admitted|explained|reported\s+that|was\s+(?:seen|found|"
    r"stopped|referred|excluded|reported|known|placed|taken|arrested|groomed|admitted|born)|"
    r"had\s+been|has\s+been|is\s+(?:now|a|an))\b",
    re.IGNORECASE,
)
_ROLE_WORDS = word_set(
    """
    police staff practitioners professionals health education housing schools school nurses
    midwives doctors officers managers agencies partners colleagues teachers families
    parents everyone nobody someone probation ofsted cafcass camhs gps nobody records data
    figures
    """
)


def _runs(text: str) -> Iterator[list[re.Match[str]]]:
    """Runs of capitalised words separated by one space (``Mia Kowalska``, ``St James's``)."""
    run: list[re.Match[str]] = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        capitalised = (
            word[0].isupper()
            and not (len(word) > 1 and word.isupper())
            and word.casefold() not in _FUNCTION_WORDS
        )
        joined = run and text[run[-1].end() : m.start()] in (" ", ". ")
        if joined and text[run[-1].end() : m.start()] == ". ":
            joined = run[-1].group(0).casefold() in _HONORIFICS
        if capitalised and len(word) > 1 and (not run or joined):
            run.append(m)
            continue
        if run:
            yield run
        run = [m] if capitalised and len(word) > 1 else []
    if run:
        yield run


def _names(text: str, places: frozenset[str]) -> Iterator[Finding]:
    known = first_names()
    for run in _runs(text):
        words = [m.group(0) for m in run]
        folded = [w.casefold().replace("’", "'") for w in words]
        if len(folded[-1].removesuffix("'s")) < 2 or _LABEL_AFTER.match(text, run[-1].end()):
            continue  # "Child E's", "Baby F", "Young Person G": a review's anonymised label
        if any(
            f in _INSTITUTION_WORDS or f.removesuffix("'s") in _INSTITUTION_WORDS for f in folded
        ):
            continue
        if folded[0] in ("st", "saint") or any(f in places for f in folded):
            continue
        before = text[max(0, run[0].start() - 30) : run[0].start()]
        after = text[run[-1].end() : run[-1].end() + 30]
        start, end = run[0].start(), run[-1].end()
        if folded[0] in _HONORIFICS:
            if len(run) > 1:
                yield Finding("person_name", start, end, text[start:end])
            continue
        plain = [f.removesuffix("'s") for f in folded]
        parts = plain[0].split("-")
        first_name = all(p in known for p in parts) and (
            plain[0] not in COMMON_WORDS
            or (len(run) > 1 and (plain[-1] in last_names() or plain[1] in known))
        )
        surname = len(run) > 1 and plain[-1] in last_names() and plain[0] not in COMMON_WORDS
        acted = (
            len(run) == 1
            and plain[0] not in _ROLE_WORDS
            and not plain[0].endswith("s")
            and _PERSON_VERB.search(after) is not None
        )
        in_context = (
            _RELATION_BEFORE.search(before) is not None
            or _CONTEXT_AFTER.search(
                text[run[-1].end() - 2 if folded[-1].endswith("'s") else run[-1].end() :][:40]
            )
            is not None
            or (folded[-1].endswith("'s") and _CONTEXT_AFTER.search("'s" + after) is not None)
            or (
                before.rstrip().casefold().endswith("the")
                and _FAMILY_AFTER.search(after) is not None
            )
        )
        if in_context and len(run) == 1 and _GROUP_WORD.match(plain[0]):
            in_context = False
        later = any(p in known and p not in COMMON_WORDS for p in plain[1:])
        if first_name or in_context or later or surname or acted:
            end = run[-1].end() - (2 if folded[-1].endswith("'s") else 0)
            yield Finding("person_name", start, end, text[start:end])


# --- all of it ----------------------------------------------------------------------------------


def find_personal(text: str, *, places: frozenset[str] | None = None) -> list[Finding]:
    """Every identifier and free-text finding in ``text``, in order of where it starts."""
    found = find_identifiers(text)
    spans = [(f.start, f.end) for f in found]
    for m in _DOB.finditer(text):
        found.append(Finding("date_of_birth", m.start(), m.end(), m.group(0)))
    found.extend(_ages(text))
    found += [Finding("postcode", m.start(), m.end(), m.group(0)) for m in _POSTCODE.finditer(text)]
    found.extend(_addresses(text))
    found.extend(
        f
        for f in _names(text, not_people() if places is None else places)
        if not _inside(f.start, f.end, spans)
    )
    return sorted(found, key=lambda f: (f.start, f.end))


@functools.lru_cache(maxsize=4096)
def _mask_char(ch: str) -> str:
    return "█" if not ch.isspace() else ch


def mask(text: str, findings: Iterable[Finding]) -> str:
    """``text`` with every finding's characters blanked (spaces kept, so the shape shows)."""
    chars = list(text)
    for finding in findings:
        for i in range(finding.start, min(finding.end, len(chars))):
            chars[i] = _mask_char(chars[i])
    return "".join(chars)
