"""Who counts as a person in free text: first and last names, and the names that are not people.

Person names come from the name lists that ship in `Faker <https://pypi.org/project/Faker/>`_
(MIT, released every few weeks, pure Python, 14 MB installed, no download at run time): the
first names of the English-speaking locales and of the languages most spoken in England's
schools after English (Polish, Romanian, Lithuanian, Portuguese, Urdu/Pakistani English, Yoruba,
Igbo, Hausa, Twi, Slovak, Czech, Hungarian, Turkish, Italian, French, Spanish). We weighed
``names-dataset`` (730k names, but about 3 GB of memory to load), a spaCy or GLiNER model
(hundreds of MB with torch, and no better on a child's first name alone) and the 1990 US census
lists (unmaintained). A list is cheap, explainable ("Jayden is a first name"), and what the
guard misses through it is caught by context instead (``her son Kacper``, ``the Kowalski
family``, ``Mr Okafor``): see :mod:`lif_core.privacy.detect`.

Words that are names but far more often ordinary words (``Will``, ``May``, ``Grace``) count
only beside another name or in a person's context. Places and agencies of the partnership
(``Leeds``, ``Harehills``, ``St James's``) are never people; a deployment adds its own with
``LIF_PRIVACY_NOT_PEOPLE`` (a file, one name a line).
"""

from __future__ import annotations

import functools
import importlib
import os
from pathlib import Path

__all__ = ["COMMON_WORDS", "first_names", "last_names", "not_people", "word_set"]


def word_set(text: str) -> frozenset[str]:
    """The words of ``text`` (split on white space) as a set: long word lists read as prose."""
    return frozenset(text.split())


_LOCALES = (
    "en", "en_NG", "en_KE", "fr_DZ", "de_CH", "en_GB", "en_US", "en_IE", "en_IN", "en_NZ", "en_PK", "pl_PL", "ro_RO", "lt_LT", "pt_PT",
    "it_IT", "fr_FR", "es_ES", "tw_GH", "yo_NG", "ha_NG", "ig_NG", "sk_SK", "cs_CZ", "hu_HU",
    "tr_TR",
)  # fmt: skip

# Names that, written with a capital, are more often a word of a sentence than a person
# (a sentence's first word, a month, a virtue, a verb): people only in a person's context.
COMMON_WORDS = word_set(
    """
    will may june april august march grace hope faith joy mark bill frank rose summer dawn
    ray rich sandy pat art gene guy major young long ivy holly iris amber ruby crystal jewel
    sunny star page hunter mason parker carter cooper baker taylor price rice king earl duke
    prince justice liberty harmony precious patience mercy charity chance chase sterling
    royal river brook brooke skye sky storm rain misty autumn winter angel christian paris
    florence sydney victoria georgia carolina virginia dallas austin jordan india china
    kenya lincoln york chester warren miles bishop dean don bob rob sue jean ken van lee
    early job cain christmas easter monday friday sunday january february september october
    november december lady lord sir case lead support nurse head link core key care plan
    trust unity
    """
)


_FIRST = ("first_names", "first_names_male", "first_names_female")


def _locale_names(locale: str, attributes: tuple[str, ...]) -> set[str]:
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    names: set[str] = set()
    for attribute in attributes:
        value = getattr(provider, attribute, ())
        if isinstance(value, dict | list | tuple | set | frozenset):
            names.update(str(n) for n in value)
    return names


def _folded(attributes: tuple[str, ...]) -> frozenset[str]:
    names: set[str] = set()
    for locale in _LOCALES:
        for name in _locale_names(locale, attributes):
            if (name.isalpha() and len(name) > 2 and name.isascii()) or name.isalpha():
                names.add(name.casefold())
    return frozenset(n for n in names if len(n) > 2)


@functools.cache
def first_names() -> frozenset[str]:
    """Every first name of the chosen locales, case-folded."""
    return _folded(_FIRST)


@functools.cache
def last_names() -> frozenset[str]:
    """Every last name of the chosen locales, case-folded, less the common words."""
    return _folded(("last_names",)) - COMMON_WORDS


# The partnership's places, wards and agencies that a name list could take for a person
# (``Hunslet`` is no one; ``St James's`` is a hospital). Case-folded single words.
_PLACES = word_set(
    """
    leeds bradford wakefield kirklees calderdale huddersfield halifax dewsbury batley
    harrogate york yorkshire pudsey morley otley wetherby garforth rothwell horsforth
    guiseley yeadon headingley harehills chapeltown beeston holbeck hunslet armley bramley
    seacroft gipton roundhay moortown meanwood chapel allerton kirkstall burley hyde
    seacroft halton whinmoor middleton belle isle killingbeck osmondthorpe richmond farnley
    wortley kippax boston spa shadwell alwoodley adel cookridge tinshill lawnswood weetwood
    burmantofts lincoln green temple newsam cross gates crossgates swarcliffe colton
    austhorpe ardsley tingley wyke rawdon calverley drighlington gildersome churwell
    stanningley rodley farsley thornbury england wales scotland britain london manchester
    sheffield liverpool birmingham newcastle
    """
)


@functools.cache
def _extra_not_people(path: str) -> frozenset[str]:
    text = Path(path).read_text(encoding="utf-8")
    return frozenset(w.casefold() for line in text.splitlines() for w in line.split() if w)


def not_people() -> frozenset[str]:
    """Words never taken for a person: the built-in places plus ``LIF_PRIVACY_NOT_PEOPLE``."""
    extra = os.environ.get("LIF_PRIVACY_NOT_PEOPLE", "").strip()
    built_in = _PLACES
    return built_in | _extra_not_people(extra) if extra else built_in
