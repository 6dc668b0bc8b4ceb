"""``lif kafka …``: publish the event log to a topic, see where the relay stands, consume a topic."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer
from rich.table import Table

from lif_app.cli._common import JsonOpt, console, err, handle_errors, open_store, print_json
from lif_app.cli.app import app
from lif_core.kafka import (
    BOOTSTRAP_ENV,
    ConsumerSettings,
    Relay,
    RelaySettings,
    TopicConsumer,
    bootstrap_servers,
    relay_status,
)
from lif_core.plugins.host import load_plugins

__all__ = ["kafka_app"]

kafka_app = typer.Typer(
    help="Kafka in and out: publish the event log, consume source topics.", no_args_is_help=True
)
app.add_typer(kafka_app, name="kafka")

BootstrapOpt = typer.Option(
    None, "--bootstrap", help=f"Broker HOST:PORT[,HOST:PORT] (default: {BOOTSTRAP_ENV})."
)


def _stop_on_signals() -> threading.Event:
    """SIGTERM or SIGINT finish the current round (its position committed), then stop."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


@kafka_app.command("publish")
@handle_errors
def publish(
    topic: str = typer.Option("lif.events", "--topic", help="The topic to publish to."),
    follow: bool = typer.Option(
        False, "--follow", help="Keep publishing new events as they are recorded (a service)."
    ),
    bootstrap: str = BootstrapOpt,
    batch: int = typer.Option(5000, "--batch", min=1, help="Events per acknowledged round."),
    partitions: int = typer.Option(
        6, "--partitions", min=1, help="Partitions, if the relay has to create the topic."
    ),
    give_up_after: float = typer.Option(
        None,
        "--give-up-after",
        help="Seconds without broker acknowledgement before stopping with an error "
        "(default: 120 without --follow, never with it).",
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Publish every event of the log after the relay's position, in order, keyed by stream."""
    settings = RelaySettings(
        topic=topic,
        bootstrap=bootstrap_servers(bootstrap),
        batch=batch,
        partitions=partitions,
        give_up_after=give_up_after if give_up_after is not None else (None if follow else 120.0),
    )
    stop = _stop_on_signals()
    with open_store() as store:
        report = Relay(store, settings).run(follow=follow, stop=stop)
    if json_out:
        print_json(report.as_dict())
        return
    console.print(
        f"published {report.published} events to {topic} in {report.seconds:.1f} s "
        f"({report.rate:,.0f}/s); position {report.position}"
        + (f"; {report.broker_failures} broker failures retried" if report.broker_failures else ""),
        highlight=False,
    )


@kafka_app.command("status")
@handle_errors
def status(
    topic: str = typer.Option(None, "--topic", help="One relay's topic (default: every relay)."),
    max_lag: float = typer.Option(
        None,
        "--max-lag",
        help="Exit 1 if a relay has events waiting and has not published for this many seconds "
        "(a health check).",
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Where each relay stands: position, events not yet published, time since last publish."""
    with open_store() as store:
        rows = relay_status(store, topic)
    if json_out:
        print_json([r.as_dict() for r in rows])
    elif not rows:
        console.print("no relay has published yet (`lif kafka publish --topic lif.events`)")
    else:
        table = Table("topic", "position", "head", "pending", "last publish")
        for r in rows:
            since = (
                "never"
                if r.seconds_since_last_publish is None
                else f"{r.last_published_at} ({r.seconds_since_last_publish:,.0f} s ago)"
            )
            table.add_row(r.topic, str(r.position), str(r.head), str(r.pending), since)
        console.print(table)
    if max_lag is not None:
        stuck = [r.topic for r in rows if r.lagging(max_lag)]
        if stuck:
            err.print(
                f"[bold red]lagging:[/] {', '.join(stuck)}: events waiting, nothing published "
                f"for more than {max_lag:g} s",
                highlight=False,
            )
            raise typer.Exit(1)


@kafka_app.command("consume")
@handle_errors
def consume(
    source: str = typer.Argument(..., help="The source (plugin) the messages belong to."),
    topic: str = typer.Option(..., "--topic", help="The topic to read."),
    group: str = typer.Option(None, "--group", help="Consumer group (default: lif-ingest-SOURCE)."),
    max_messages: int = typer.Option(
        None, "--max-messages", min=1, help="Stop after this many messages are stored."
    ),
    idle_timeout: float = typer.Option(
        None, "--idle-timeout", help="Stop after this many seconds without a message."
    ),
    bootstrap: str = BootstrapOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Ingest a topic's messages (JSON records, or {"file": path}) with SOURCE's plugin."""
    plugins = load_plugins()
    loaded = plugins.get(source)
    settings = ConsumerSettings(
        topic=topic,
        bootstrap=bootstrap_servers(bootstrap),
        group=group or f"lif-ingest-{source}",
        max_messages=max_messages,
        idle_timeout=idle_timeout,
    )
    stop = _stop_on_signals()
    with open_store() as store:
        report = TopicConsumer(store, loaded, settings).run(stop=stop)
    if json_out:
        print_json(report.as_dict())
        return
    c = report.counts
    console.print(
        f"{report.messages} messages from {topic} ({report.files} file references) in "
        f"{report.seconds:.1f} s: {c['recorded']} recorded, {c['revised']} revised, "
        f"{c['unchanged']} unchanged, {c['rejected']} rejected",
        highlight=False,
    )
    for run in report.runs:
        if not run.ok:
            err.print(f"[yellow]failed[/] {run.origin}: {run.message}", highlight=False)
