"""The main job, end to end on the embedded default: every source's sample, policies, projections, decisions.

Re-running it is safe: files already ingested are skipped, decisions already recorded are
not recorded again, and the projections simply catch up.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from lif_app.demo_dagster import RUNNING, materialize, prepare_dagster_home
from lif_app.demo_partnership import record_partners, record_partnership
from lif_core.audit.verify import make_seal, verify
from lif_core.config import store_url as config_store_url
from lif_core.domain import Action, Learning, Measure, SourceRecord
from lif_core.errors import NotFoundError
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.plugins.host import load_plugins
from projections.action_status import action_counts, owner_names

__all__ = ["MEASURES", "run_demo"]

BUSINESS_UNIT = "demo:business-unit"
LATE_RETURN = Path(__file__).with_name("demo_section_11_late_return.csv")
"""A Section 11 return that names its agency with a misspelling: rejected, with the close match."""

# The partnership's report-card measures (OBA): how much, how well, is anyone better off.
MEASURES: list[dict[str, Any]] = [
    {
        "reference": "MEA-ICPC-15WD",
        "name": "Initial child protection conferences within 15 working days",
        "category": "how-well",
        "unit": "%",
        "polarity": "higher-is-better",
        "frequency": "yearly",
        "baseline_periods": 2,
        "target": Decimal("90"),
        "result": "Children are protected from significant harm",
        "binding": {
            "source": "performance",
            "kind": "indicator-value",
            "match": {"indicator_code": "ICPC-15WD", "area": "Leeds"},
            "value": "value",
        },
    },
    {
        "reference": "MEA-CPP-REPEAT",
        "name": "Children on a child protection plan for a second or subsequent time",
        "category": "better-off",
        "unit": "%",
        "polarity": "lower-is-better",
        "frequency": "yearly",
        "baseline_periods": 2,
        "target": Decimal("20"),
        "result": "Children are protected from significant harm",
        "binding": {
            "source": "performance",
            "kind": "indicator-value",
            "match": {"indicator_code": "CPP-REPEAT", "area": "Leeds"},
            "value": "value",
        },
    },
    {
        "reference": "MEA-SAFE-AT-SCHOOL",
        "name": "Year 10 pupils who feel safe at school",
        "category": "better-off",
        "unit": "%",
        "polarity": "higher-is-better",
        "frequency": "yearly",
        "baseline_periods": 2,
        "target": Decimal("80"),
        "result": "Children feel safe",
        "binding": {
            "source": "school-health-survey",
            "kind": "response",
            "match": {"question_code": "SAF01", "response": "Yes", "year_group": "10"},
            "value": "percentage",
        },
    },
    {
        "reference": "MEA-ACTIONS-ON-TIME",
        "name": "Actions completed by their due date",
        "category": "how-well",
        "unit": "%",
        "polarity": "higher-is-better",
        "frequency": "yearly",
        "baseline_periods": 2,
        "target": Decimal("80"),
        "result": "Learning is shared and acted on",
        "binding": {"computed": "actions-on-time"},
    },
    {
        "reference": "MEA-LEARNING-SHARED",
        "name": "Times learning was shared",
        "category": "how-much",
        "unit": "count",
        "polarity": "higher-is-better",
        "frequency": "yearly",
        "baseline_periods": 2,
        "target": None,
        "result": "Learning is shared and acted on",
        "binding": {"computed": "learning-disseminated"},
    },
]


def _decide(store: Store, cls: type[Any], reference: str, needed: Any, command: Any) -> None:
    """Record a scripted decision when the item exists and does not carry it yet (re-runs add nothing)."""
    try:
        item = store.get(cls, cls.stream_id(reference), label=reference)
    except NotFoundError:
        return
    if needed(item):
        command(item)
        store.save(item)


def _latest_event_id(store: Store, stream: Any) -> list[str]:
    events = store.recorder.select_events(stream, desc=True, limit=1)
    return [str(store.decode(events[0]).event_id)] if events else []


def record_decisions(store: Store) -> None:
    """What the business unit decides at its subgroup meeting, recorded as a person would."""
    review = SourceRecord.record_id("practice-reviews", "review", "CSPR-2024-02")
    meta = {"causation": _latest_event_id(store, review), "correlation": "demo"}
    _decide(
        store,
        Learning,
        "LRN-2025-014",
        lambda i: i.priority is None,
        lambda i: i.prioritise(
            "high", "Found in two reviews and in the neglect audit.", BUSINESS_UNIT, **meta
        ),
    )
    if store.exists(review):
        _decide(
            store,
            Learning,
            "LRN-2025-014",
            lambda i: str(review) not in i.evidence,
            lambda i: i.link_evidence(
                str(review), "The practice review that found it.", BUSINESS_UNIT, **meta
            ),
        )
    _decide(
        store,
        Learning,
        "RR-2025-02/LP01",
        lambda i: i.status == "identified",
        lambda i: i.accept(
            "Exploitation plans must continue across agencies: agreed by the subgroup.",
            BUSINESS_UNIT,
            **meta,
        ),
    )
    _decide(
        store,
        Learning,
        "LLR-2024-01/LP02",
        lambda i: i.status == "identified",
        lambda i: i.decline(
            "Single-agency learning for adult mental health services, taken forward in"
            " their own think-family plan; no multi-agency action is needed.",
            BUSINESS_UNIT,
            **meta,
        ),
    )
    _decide(
        store,
        Action,
        "ACT-2025-032",
        lambda i: i.status == "completed",
        lambda i: i.verify_impact(
            "Re-audit in June found the policy applied in 9 of 10 cases.",
            [str(SourceRecord.record_id("action-plans", "action", "ACT-2025-032"))],
            BUSINESS_UNIT,
            **meta,
        ),
    )
    if not store.exists(Action.stream_id("ACT-2025-101")) and store.exists(
        Learning.stream_id("LRN-2025-019")
    ):
        store.save(
            Action.raise_action(
                reference="ACT-2025-101",
                description="Weekly tracking of strategy discussions awaiting an initial conference.",
                owner_agency="Leeds City Council Children and Families",
                due=date(2025, 12, 31),
                raised_on=date(2025, 7, 15),
                learning_reference="LRN-2025-019",
                actor=BUSINESS_UNIT,
                correlation="demo",
            )
        )
    for spec in MEASURES:
        if not store.exists(Measure.stream_id(spec["reference"])):
            store.save(Measure.define(**spec, actor=BUSINESS_UNIT, correlation="demo"))
    record_partnership(store, BUSINESS_UNIT)


def run_demo(store_url: str | None = None, console: Console | None = None) -> dict[str, Any]:
    """Ingest every sample through Dagster, decide, project, seal, and print what it all says."""
    console = console or Console(soft_wrap=True)
    if not console.is_terminal:
        console.width = 160
    prepare_dagster_home()
    url = config_store_url(store_url).url  # --store, else LIF_STORE, else $LIF_HOME/lif.db
    with Store(url) as store:
        # The register first: every agency name the samples use is checked against it.
        record_partners(store, BUSINESS_UNIT)
    console.rule("[bold]1. Every source's sample, ingested by its own plugin (Dagster)")
    console.print(RUNNING, style="dim", highlight=False)
    first = materialize(url)
    with Store(url) as store:
        _unknown_agency(store, console)
        record_decisions(store)
    console.rule("[bold]2. Decisions recorded; policies and projections brought up to date")
    console.print(RUNNING, style="dim", highlight=False)
    second = materialize(url)
    with Store(url) as store:
        seal = make_seal(store, BUSINESS_UNIT)
        report = verify(store, seal)
        summary = _print(store, console)
    ok = first and second and report.ok
    console.rule("[bold]Where things are")
    console.print(f"store            {url}", highlight=False)
    console.print(
        f"seal             {seal.seal_id}: {seal.event_count} events up to notification {seal.last_notification_id}; chain verified: {report.ok}",
        highlight=False,
    )
    console.print(
        "read tables      learning_register, action_status, impact_monitoring, source_catalogue, ingestion_runs, rejections (views *_v1); docs/projections.md",
        highlight=False,
    )
    console.print(
        "export           .venv/bin/lif export learning_register --format csv --out register.csv",
        highlight=False,
    )
    console.print("Dagster UI       make dev   (then http://127.0.0.1:3000)", highlight=False)
    console.print(
        "audit            .venv/bin/lif audit verify; .venv/bin/lif audit trail LRN-2025-014",
        highlight=False,
    )
    from lif_app.web.demo_hook import after_demo

    after_demo(url, console)
    summary["ok"] = ok
    return summary


def _print_partnership(
    console: Console, cascades: list[Any], priorities: list[Any], stories: list[Any]
) -> None:
    """Cascade inside each partner, strengths beside areas for improvement, narratives."""
    table = Table(
        "learning item",
        "cascade confirmed by",
        "awaited from",
        title="Cascade inside each partner (items the partnership shares)",
    )
    for reference, confirmed, awaited in cascades:
        waiting = [p for p in (awaited or "").split("; ") if p]
        table.add_row(reference, confirmed or "(none yet)", f"{len(waiting)} partners")
    console.print(table)
    table = Table(
        "priority",
        "strengths (good practice to spread)",
        "areas for improvement",
        title="Priorities: strengths beside areas for improvement",
    )
    for reference, title, strengths, improving in priorities:
        table.add_row(f"{reference} {title}", strengths or "", improving or "")
    console.print(table)
    table = Table(
        "measure",
        "period",
        "story behind the curve",
        "partners with a role",
        title="Turn-the-curve narratives (report cards)",
    )
    for row in stories:
        table.add_row(*(str(v or "") for v in row))
    console.print(table)


def _unknown_agency(store: Store, console: Console) -> None:
    """Ingest the late Section 11 return and show its rows rejected for an unknown agency."""
    from lif_app.cli.ingest import rejections_of

    # On a re-run with the same register the file is skipped, and run_id is the first run's.
    result = ingest_file(store, load_plugins().get("section-11"), LATE_RETURN)
    table = Table(
        "file", "where", "why", title="Rejected: an agency the partner register does not know"
    )
    for rejection in rejections_of(store, result.run_id)["rejections"]:
        where = ", ".join(f"{k} {v}" for k, v in rejection["locator"].items())
        table.add_row(LATE_RETURN.name, where, "; ".join(rejection["reasons"]))
    console.print(table)


def _actions_by_source(rows: list[Any]) -> Table:
    """Where the actions come from: inspections, reviews, audits and trackers alike."""
    by_source: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for sources, title, status, overdue in rows:
        key = (sources or "(raised in the platform)", title or "")
        by_source.setdefault(key, []).append({"status": status, "overdue": overdue})
    columns = ("actions", "open", "overdue", "completed", "impact verified")
    table = Table("source", "what it is", *columns, title="Actions by the source they rest on")
    for (source, title), actions in sorted(by_source.items()):
        c = action_counts(actions)
        counted = (c.total, c.open, c.overdue, c.complete, c.impact_verified)
        table.add_row(source, title, *(str(n) for n in counted))
    return table


def _print(store: Store, console: Console) -> dict[str, Any]:
    with store.read() as tx:
        runs = tx.execute(
            "SELECT source, SUM(recorded), SUM(revised), SUM(withdrawn), SUM(rejected), COUNT(*) FROM ingestion_runs WHERE status = 'completed' GROUP BY source ORDER BY source"
        ).fetchall()
        register = tx.execute(
            "SELECT reference, status, priority, themes, dissemination_count, actions_total, actions_overdue FROM learning_register ORDER BY reference"
        ).fetchall()
        actions = tx.execute(
            "SELECT owner_partner_name, owner_agency, rag, COUNT(*) FROM action_status "
            "GROUP BY owner_partner_name, owner_agency, rag"
        ).fetchall()
        by_source = tx.execute(
            "SELECT a.sources, c.title, a.status, a.overdue FROM action_status a "
            "LEFT JOIN source_catalogue c ON c.source = a.sources"
        ).fetchall()
        impact = tx.execute(
            "SELECT result, category, measure, name, period_end, value, unit, forecast, target, curve_turned, rag FROM impact_monitoring ORDER BY result, category, measure, period_start"
        ).fetchall()
        catalogue = tx.execute("SELECT COUNT(*), SUM(records) FROM source_catalogue").fetchone()
        cascades = tx.execute(
            "SELECT reference, cascade_confirmed, cascade_awaited FROM learning_register "
            "WHERE status IN ('accepted', 'disseminated', 'closed') ORDER BY reference"
        ).fetchall()
        priorities = tx.execute(
            "SELECT reference, title, strengths, areas_for_improvement FROM priorities "
            "ORDER BY reference"
        ).fetchall()
        stories = tx.execute(
            "SELECT measure, period, story, partners FROM measure_narratives "
            "ORDER BY measure, period"
        ).fetchall()
    table = Table(
        "source",
        "files",
        "recorded",
        "revised",
        "withdrawn",
        "rejected (kept)",
        title="Per-source summary",
    )
    for source, rec, rev, wd, rej, files in runs:
        table.add_row(source, str(files), str(rec), str(rev), str(wd), str(rej))
    console.print(table)
    table = Table(
        "reference",
        "status",
        "priority",
        "themes",
        "shared",
        "actions",
        "overdue",
        title="Learning register",
    )
    for row in register:
        table.add_row(*(str(v) if v is not None else "" for v in row))
    console.print(table)
    by_agency: dict[str, Counter[str]] = {}
    for partners, agency, rag, count in actions:
        # A shared action counts once for each partner it resolves to, as the web view counts it.
        for owner in owner_names({"owner_partner_name": partners, "owner_agency": agency}):
            by_agency.setdefault(owner, Counter())[rag or "cancelled"] += int(count)
    table = Table(
        "owner agency",
        "red",
        "amber",
        "green",
        "blue",
        title=f"Action status by RAG and agency (as at {date.today()})",
    )
    for agency, counts in sorted(by_agency.items()):
        table.add_row(agency, *(str(counts.get(c, 0)) for c in ("red", "amber", "green", "blue")))
    console.print(table)
    console.print(_actions_by_source(by_source))
    table = Table(
        "result",
        "category",
        "measure",
        "latest period",
        "value",
        "forecast",
        "target",
        "curve turned",
        "RAG",
        title="OBA report card summary (latest period per measure)",
    )
    latest: dict[str, tuple[Any, ...]] = {}
    for row in impact:
        latest[row[2]] = row
    for (
        result,
        category,
        measure,
        _name,
        end,
        value,
        unit,
        forecast,
        target,
        turned,
        rag,
    ) in latest.values():
        table.add_row(
            result or "",
            category,
            measure,
            str(end),
            f"{value:g}{unit if unit == '%' else ''}",
            "" if forecast is None else f"{forecast:.1f}",
            "" if target is None else f"{target:g}",
            {None: "baseline", 1: "yes", 0: "no"}.get(turned, str(turned)),
            rag or "",
        )
    console.print(table)
    _print_partnership(console, cascades, priorities, stories)
    return {
        "sources": len(runs),
        "learning_items": len(register),
        "measures": len(latest),
        "catalogue_sources": catalogue[0] if catalogue else 0,
    }
