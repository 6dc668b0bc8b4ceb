"""Sensors (one per source, watching its inbox folder) and the schedule that refreshes projections."""

import json
from pathlib import Path
from typing import Any

import dagster as dg

from dagster_project.defs.assets import POLICIES, inbox_files, source_key
from lif_core.config import lif_home
from lif_core.plugins.host import LoadedSource, load_plugins
from projections import TABLES

refresh_job = dg.define_asset_job(
    "refresh_projections",
    selection=dg.AssetSelection.assets(POLICIES, *(dg.AssetKey([t]) for t in TABLES)),
)


def ingest_job(name: str) -> Any:
    return dg.define_asset_job(
        f"ingest_{name.replace('-', '_')}", selection=dg.AssetSelection.assets(source_key(name))
    )


def inbox_sensor(loaded: LoadedSource, job: Any) -> dg.SensorDefinition:
    name = loaded.name

    @dg.sensor(
        name=f"inbox_{name.replace('-', '_')}",
        job=job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Ingests each new file dropped in $LIF_HOME/inbox/{name}/ once.",
    )
    def watch(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        folder: Path = lif_home() / "inbox" / name
        folder.mkdir(parents=True, exist_ok=True)
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        new = {}
        for path in inbox_files(folder):
            stat = path.stat()
            stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
            if seen.get(path.name) != stamp:
                new[path.name] = stamp
        if not new:
            return dg.SensorResult(skip_reason=f"no new files in {folder}")
        requests = [
            dg.RunRequest(
                run_key=f"{name}:{file}:{stamp}",
                run_config={
                    "ops": {
                        f"sources__{name.replace('-', '_')}": {
                            "config": {"files": [str(folder / file)]}
                        }
                    }
                },
            )
            for file, stamp in sorted(new.items())
        ]
        return dg.SensorResult(
            run_requests=requests, cursor=json.dumps({**seen, **new}, sort_keys=True)
        )

    return watch


refresh_schedule = dg.ScheduleDefinition(
    name="refresh_projections_hourly",
    job=refresh_job,
    cron_schedule="0 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Runs the policies and brings every projection up to date, every hour.",
)


@dg.definitions
def automation() -> dg.Definitions:
    plugins = list(load_plugins())
    jobs = {p.name: ingest_job(p.name) for p in plugins}
    return dg.Definitions(
        jobs=[refresh_job, *jobs.values()],
        sensors=[inbox_sensor(p, jobs[p.name]) for p in plugins],
        schedules=[refresh_schedule],
    )
