"""The personal data guard on its labelled corpus: recall and false positives per kind, and speed.

The corpus is ``tests/lif_core/privacy/corpus.tsv`` (hand-written safeguarding text, each line
labelled with the kinds of identifier it holds, ``-`` for none). Recall is the share of the lines
labelled with a kind on which the guard finds that kind; the false-positive rate is the share of
clean lines on which it finds that kind (and, in the ``any kind`` row, anything at all).
Floors (issue 17): recall >= 0.98 for NHS numbers, dates of birth, postcodes, phones and e-mails,
>= 0.90 for names; false positives <= 5 % of clean lines. ``ok`` is False when one is missed.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from lif_core.privacy.detect import KIND_WORDS, find_personal

CORPUS = Path(__file__).resolve().parents[1] / "tests/lif_core/privacy/corpus.tsv"
FLOORS = {"nhs_number": 0.98, "date_of_birth": 0.98, "postcode": 0.98, "phone": 0.98}
FLOORS |= {"email": 0.98, "person_name": 0.90}
MAX_FALSE_POSITIVES = 0.05


def _lines() -> list[tuple[set[str], str]]:
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kinds, text = line.split("\t", 1)
            out.append((set() if kinds == "-" else set(kinds.split(",")), text))
    return out


def run() -> list[dict[str, Any]]:
    lines = _lines()
    find_personal("warm the name lists up")
    started = time.perf_counter()
    results = [(kinds, {f.kind for f in find_personal(text)}) for kinds, text in lines]
    seconds = time.perf_counter() - started
    positives: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    false: Counter[str] = Counter()
    clean = flagged = 0
    for kinds, found in results:
        for kind in kinds:
            positives[kind] += 1
            caught[kind] += kind in found
        if not kinds:
            clean += 1
            flagged += bool(found)
            for kind in found:
                false[kind] += 1
    rows: list[dict[str, Any]] = []
    for kind in KIND_WORDS:
        recall = caught[kind] / positives[kind] if positives[kind] else None
        floor = FLOORS.get(kind)
        rate = false[kind] / clean
        rows.append(
            {
                "name": kind,
                "labelled lines": positives[kind],
                "recall": recall,
                "recall floor": floor,
                "false positive rate": rate,
                "ok": (floor is None or (recall or 0) >= floor) and rate <= MAX_FALSE_POSITIVES,
            }
        )
    rows.append(
        {
            "name": "any kind (clean lines)",
            "labelled lines": clean,
            "false positive rate": flagged / clean,
            "ok": flagged / clean <= MAX_FALSE_POSITIVES,
            "lines/s": len(lines) / seconds,
        }
    )
    return rows
