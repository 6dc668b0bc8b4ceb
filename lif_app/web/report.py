"""The publishable report: a static site of learning, actions and report cards, safe to publish.

What makes it safe:

- small counts of people are suppressed (:mod:`lif_app.web.suppression`, rules as data): a
  count of children, young people, families or practitioners from 1 to N − 1 is shown as
  "fewer than N" (0 is shown), a rate is withheld when its numerator, its denominator or their
  difference is such a count (a chart then leaves that point out, and hides the baseline
  forecast if it rests on one), and a table of such counts with totals gets secondary
  suppression; counts of actions and learning items are published as they are;
- no person is named: actors, "by" columns, rationales and progress notes are left out;
  agencies are named, people are not;
- it publishes read tables only as ``lif project`` built them: a table whose rows differ from
  the checksum recorded then is refused, by name;
- it states the seal it was built from (seal id, digest, last notification id), refuses to
  build when the read tables reach past that seal or the log does not verify against it, and
  ships ``seal.json`` so a reader holding the log can run ``lif audit verify --seal seal.json``;
- it is written to a temporary folder beside ``out`` and renamed into place: never half a report;
  ``out`` must be new, empty or a folder a report wrote before (marked, holding only what that
  report wrote), so it never deletes a file it did not write, nor a store.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from lif_app.web.api import projection_position
from lif_app.web.charts import period_label
from lif_app.web.story import CATEGORIES, MeasureStory, report_cards, strengths
from lif_app.web.suppression import TOTAL, CountTable, Rules, load_rules, protect
from lif_app.web.tables import all_rows
from lif_app.web.templating import environment, measure_value, stylesheet
from lif_core.audit.verify import Seal, latest_seal, verify
from lif_core.errors import ConfigError, RefusedError, VerificationError
from lif_core.eventlog.store import Store
from projections import check_tables
from projections.action_status import counts_by_owner

__all__ = ["PAGES", "ReportResult", "Suppression", "build_report"]

PAGES = {
    "index.html": "Overview",
    "learning.html": "Learning themes and dissemination",
    "actions.html": "Action progress by agency",
    "report-cards.html": "Report cards",
}
RAGS = ("red", "amber", "green", "blue")
SHARED = ("disseminated", "closed")


@dataclass(frozen=True, slots=True)
class Suppression:
    """The small-number rules of one report (:class:`~lif_app.web.suppression.Rules`) applied.

    Only counts of people are suppressed: a count from 1 to threshold − 1 is published as
    "fewer than N" (0 is shown); counts of actions and learning items are published as they are.
    """

    rules: Rules

    @property
    def threshold(self) -> int:
        return self.rules.threshold

    def hides(self, count: float | None) -> bool:
        return self.rules.hides(count)

    def count(self, count: int, *, people: bool) -> int | str:
        """A count as published: the number, or "fewer than N" for a small count of people."""
        return f"fewer than {self.threshold}" if people and self.hides(count) else int(count)

    @staticmethod
    def html(shown: int | str) -> Markup:
        """A published count (from :meth:`count`) marked up, so every count is findable."""
        if isinstance(shown, str):
            return Markup('<span class="count suppressed" data-suppressed="true">{}</span>').format(
                shown
            )
        return Markup('<span class="count">{}</span>').format(shown)

    def order(self, count: int, name: str, *, people: bool) -> tuple[int, int, str]:
        """Sort key: published counts largest first, then the suppressed ones by name only
        (ordering them by their hidden size would give the size away)."""
        if people and self.hides(count):
            return (1, 0, name.lower())
        return (0, -count, name.lower())

    def hides_value(self, row: dict[str, Any]) -> bool:
        """Whether a value of a measure that counts people must be withheld for a period."""
        if row["value"] is None:
            return False
        if row["unit"] == "count":
            return self.hides(float(row["value"]))
        numerator, denominator = row.get("numerator"), row.get("denominator")
        parts = [numerator, denominator]
        if numerator is not None and denominator is not None:
            parts.append(float(denominator) - float(numerator))
        return any(p is not None and self.hides(float(p)) for p in parts)


@dataclass(slots=True)
class ReportResult:
    out: Path
    files: list[str]
    seal: Seal
    threshold: int
    suppressed: int = 0
    data: dict[str, Any] = field(default_factory=dict)


def _published_seal(seal: Seal) -> dict[str, Any]:
    """The seal as published: everything a reader needs to check it, but who made it."""
    return {
        "seal_id": seal.seal_id,
        "created_at": seal.created_at,
        "last_notification_id": seal.last_notification_id,
        "event_count": seal.event_count,
        "digest": seal.digest,
    }


def _checked_seal(store: Store) -> tuple[Seal, dict[str, Any]]:
    seal = latest_seal(store)
    if seal is None:
        raise RefusedError(
            "no seal recorded: a published report must say which sealed log it was built from. "
            "Record one with `lif audit seal`, then run `lif report` again."
        )
    position = projection_position(store)
    if position["position"] is None:
        raise RefusedError("the read tables have not been built: run `lif project` first")
    if position["position"] > seal.last_notification_id:
        raise RefusedError(
            f"the read tables include events up to notification {position['position']}, past the "
            f"latest seal ({seal.seal_id}, up to {seal.last_notification_id}): record a new seal "
            "with `lif audit seal`, then run `lif report` again"
        )
    checked = verify(store, seal)
    if not checked.ok:
        problem = checked.seal_problem or str(checked.first)
        raise VerificationError(f"the log does not verify against seal {seal.seal_id}: {problem}")
    return seal, position


def _themes(register: list[dict[str, Any]], rule: Suppression) -> list[dict[str, Any]]:
    items: Counter[str] = Counter()
    shared: Counter[str] = Counter()
    for row in register:
        for theme in (t.strip() for t in (row["themes"] or "").split(";") if t.strip()):
            items[theme] += 1
            shared[theme] += int(row["status"] in SHARED or bool(row["dissemination_count"]))
    people = rule.rules.table_counts_people("themes")
    return [
        {
            "theme": theme,
            "learning_items": rule.count(items[theme], people=people),
            "shared": rule.count(shared[theme], people=people),
        }
        for theme in sorted(items, key=lambda t: rule.order(items[t], t, people=people))
    ]


def _dissemination(register: list[dict[str, Any]], rule: Suppression) -> dict[str, Any]:
    channels: Counter[str] = Counter()
    for row in register:
        for channel in (c.strip() for c in (row["dissemination_channels"] or "").split(";")):
            if channel:
                channels[channel] += 1
    shared = [r for r in register if r["dissemination_count"]]
    people = rule.rules.table_counts_people("dissemination")
    return {
        "learning_items": rule.count(len(register), people=people),
        "items_shared": rule.count(len(shared), people=people),
        "times_shared": rule.count(
            sum(int(r["dissemination_count"]) for r in register), people=people
        ),
        "channels": [
            {"channel": channel, "learning_items": rule.count(channels[channel], people=people)}
            for channel in sorted(channels, key=lambda c: rule.order(channels[c], c, people=people))
        ],
        "shared": [
            {
                "reference": r["reference"],
                "title": r["title"],
                "statement": r["statement"],
                "themes": r["themes"],
                "channels": r["dissemination_channels"],
                "last_shared": r["last_disseminated"],
            }
            for r in sorted(shared, key=lambda r: (r["last_disseminated"] or "", r["reference"]))
        ],
    }


WITHHELD = "withheld"  # a cell hidden so that a small count in its table cannot be worked out


def _actions(actions: list[dict[str, Any]], rule: Suppression) -> list[dict[str, Any]]:
    """Actions by owner agency and RAG, with each agency's total (cancelled ones are in the
    total, not in a column). Counts of actions are not people: published as they are, unless
    the rules say otherwise, and then with secondary suppression across the RAG columns and
    the totals (:func:`~lif_app.web.suppression.protect`)."""
    # Each partner once, whatever spelling its actions used; a shared action once for each
    # partner that shares it (issue 15).
    by_agency = counts_by_owner(actions)
    people = rule.rules.table_counts_people("actions_by_agency")
    hidden: set[Any] = set()
    if people:
        cells: dict[tuple[Any, Any], int] = {
            (agency, key): counts[key] for agency, counts in by_agency.items() for key in RAGS
        }
        cells |= {(agency, TOTAL): counts["total"] for agency, counts in by_agency.items()}
        # "cancelled" is in each total but not published: protect treats it as hidden.
        table = CountTable(tuple(by_agency), (*RAGS, "cancelled"), cells)
        hidden = protect(table, rule.rules)

    def shown(agency: str, key: str) -> int | str:
        count = by_agency[agency][key]
        if rule.hides(count) and people:
            return rule.count(count, people=True)
        return WITHHELD if (agency, key) in hidden else count

    return [
        {"agency": agency, **{key: shown(agency, key) for key in (*RAGS, "overdue", "total")}}
        for agency in sorted(by_agency)
    ]


def _measure(story: MeasureStory, rule: Suppression) -> dict[str, Any]:
    m = story.measure
    people = rule.rules.measure_counts_people(str(m["reference"]), str(m["name"]))
    hidden = [people and rule.hides_value(r) for r in story.rows]
    baseline_hidden = any(h for h, r in zip(hidden, story.rows, strict=True) if r["baseline"])
    periods = []
    for hide, row in zip(hidden, story.rows, strict=True):
        periods.append(
            {
                "period": period_label(row["period_start"], row["period_end"]),
                "period_start": row["period_start"],
                "period_end": row["period_end"],
                "baseline": bool(row["baseline"]),
                "value": f"withheld (fewer than {rule.threshold})"
                if hide
                else measure_value(row["value"], row["unit"]),
                "forecast": None
                if baseline_hidden or row["forecast"] is None
                else measure_value(row["forecast"], row["unit"]),
                "target": measure_value(row["target"], row["unit"]) or None,
                "curve_turned": None
                if baseline_hidden or hide
                else {None: None, 1: True, 0: False}.get(row["curve_turned"]),
                "rag": None if hide else row["rag"],
            }
        )
    return {
        "reference": m["reference"],
        "name": m["name"],
        "category": m["category"],
        "unit": m["unit"],
        "counts": rule.rules.measure_subject(str(m["reference"]), str(m["name"])),
        "polarity": m["polarity"],
        "target": measure_value(m["target"], m["unit"]) or None,
        "periods": periods,
        "forecast_withheld": baseline_hidden,
        "_points_plotted": hidden.count(False),
        "story": {
            "learning": [
                {"reference": r["reference"], "title": r["title"]} for r in story.learning
            ],
            "actions": [
                {
                    "reference": a["reference"],
                    "description": a["description"],
                    "owner_agency": a["owner_agency"],
                    "rag": a["rag"],
                    "status": a["status"],
                }
                for a in story.actions
            ],
            # The turn-the-curve narratives people recorded (lif measure narrate): words and
            # references only, no counts of people, so nothing to suppress.
            "narratives": [
                {
                    "period": n["period"],
                    "story": n["story"],
                    "partners": n["partners"],
                    "what_works": n["what_works"],
                    "action_plan": n["action_plan"],
                }
                for n in story.narratives
            ],
        },
        "_chart": (story.rows, m, hidden, not baseline_hidden),
    }


def _cards(store: Store, rule: Suppression) -> list[dict[str, Any]]:
    return [
        {
            "result": card["result"],
            "categories": [
                {
                    "category": c["category"],
                    "question": c["question"],
                    "measures": [_measure(s, rule) for s in c["measures"]],
                }
                for c in card["categories"]
            ],
        }
        for card in report_cards(store)
    ]


def _public(data: Any) -> Any:
    """The data without the private chart inputs (keys starting with "_")."""
    if isinstance(data, dict):
        return {k: _public(v) for k, v in data.items() if not str(k).startswith("_")}
    if isinstance(data, list):
        return [_public(v) for v in data]
    return data


MARK = ".lif-report.json"  # in a folder this command wrote: the files it wrote there


def _written_by_us(out: Path) -> set[str] | None:
    """The files a previous report wrote into ``out`` (from its mark), or None if not marked."""
    try:
        mark = json.loads((out / MARK).read_text(encoding="utf-8"))
        files = mark["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return {*files, MARK}


def check_out(out: Path, store_path: Path | None = None) -> None:
    """Refuse an ``--out`` that holds anything a report did not write (a store above all).

    A new or empty folder is taken; so is one a report wrote before (marked by :data:`MARK`)
    while it holds only the files that report wrote. Anything else is refused before a thing
    is written, so nothing the user put there can be lost.
    """
    if store_path is not None:
        store = store_path.resolve()
        if store == out or out in store.parents:
            raise RefusedError(
                f"--out {out} holds the store {store}: a report is never written over a store; "
                "choose a new or empty folder"
            )
    if not out.exists() and not out.is_symlink():
        return
    if out.is_symlink() or not out.is_dir():
        raise RefusedError(f"--out {out} is not a folder: choose a new or empty folder")
    held = {p.name for p in out.iterdir()}
    if not held:
        return
    ours = _written_by_us(out)
    if ours is None:
        raise RefusedError(
            f"--out {out} is not empty and no report was written there before "
            f"(it holds {len(held)} entries, e.g. {sorted(held)[0]!r}): choose a new or empty folder"
        )
    foreign = sorted(held - ours)
    if foreign or any((out / name).is_dir() for name in held):
        others = foreign or sorted(n for n in held if (out / n).is_dir())
        raise RefusedError(
            f"--out {out} holds files the report did not write ({', '.join(others[:3])}"
            f"{', …' if len(others) > 3 else ''}): move them away or choose another folder"
        )


def _replace_dir(built: Path, out: Path) -> None:
    """Put ``built`` at ``out`` by renames only: a reader sees the old report or the new one."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.rmdir(old)
        os.replace(out, old)
    try:
        os.replace(built, out)
    except OSError:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        # Only what the previous report wrote is there (check_out made sure of it).
        for name in _written_by_us(old) or ():
            (old / name).unlink(missing_ok=True)
        os.rmdir(old)


def build_report(
    store: Store,
    out: Path,
    *,
    threshold: int | None = None,
    rules: Rules | None = None,
    title: str = "Safeguarding learning report",
) -> ReportResult:
    """Build the report from ``store`` into the folder ``out`` (replaced whole, or left as it was).

    ``out`` must be new, empty or a report written before (see :func:`check_out`).
    """
    if threshold is not None and threshold < 1:
        raise ConfigError(f"--threshold must be at least 1, not {threshold}")
    rule = Suppression((rules or load_rules()).with_threshold(threshold))
    threshold = rule.threshold
    out = Path(out).resolve()
    check_out(out, store.url.path if store.url.kind == "sqlite" else None)
    seal, position = _checked_seal(store)
    with store.read() as tx:
        check_tables(tx)  # every table as `lif project` built it, or nothing is published
    register = all_rows(store, "learning_register")
    actions = all_rows(store, "action_status")
    cards = _cards(store, rule)
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    data = {
        "title": title,
        "generated_at": generated_at,
        "threshold": threshold,
        "suppression": {
            "threshold": threshold,
            "zero_shown": rule.rules.show_zero,
            "counts_of_people": list(rule.rules.people),
        },
        "seal": _published_seal(seal),
        "read_tables": {
            "up_to_notification": position["position"],
            "judged_at": position["reference_date"],
        },
        "themes": _themes(register, rule),
        "dissemination": _dissemination(register, rule),
        "actions_by_agency": _actions(actions, rule),
        "strengths": strengths(register),
        "report_cards": cards,
    }
    public = _public(data)
    env = environment(categories=CATEGORIES)
    env.filters["pub"] = rule.html
    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out.name}.building.", dir=out.parent))
    try:
        files = []
        for name, heading in PAGES.items():
            template = env.get_template(f"report/{name}")
            html = template.render(
                page=name, heading=heading, pages=PAGES, report=data, seal=public["seal"]
            )
            (building / name).write_text(html, encoding="utf-8")
            files.append(name)
        (building / "style.css").write_text(stylesheet(), encoding="utf-8")
        (building / "data.json").write_text(
            json.dumps(public, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        # The form `lif audit verify --seal` reads; who sealed it is left empty.
        (building / "seal.json").write_text(
            json.dumps({**public["seal"], "actor": ""}, indent=2) + "\n", encoding="utf-8"
        )
        files += ["style.css", "data.json", "seal.json"]
        (building / MARK).write_text(
            json.dumps({"written_by": "lif report", "files": files}, indent=2) + "\n",
            encoding="utf-8",
        )
        os.chmod(building, 0o755)
        _replace_dir(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    text = json.dumps(public)
    suppressed = text.count(f"fewer than {threshold}") + text.count(f'"{WITHHELD}"')
    return ReportResult(out, files, seal, threshold, suppressed, public)
