"""Sensors (one per source, watching its inbox folder; one following the log) and the hourly refresh.

``LIF_SENSOR_INTERVAL`` (seconds, default 30) is how often the daemon evaluates each sensor.
"""

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg

from dagster_project.defs.assets import POLICIES, inbox_files, source_key
from dagster_project.defs.resources import LifStore
from lif_core.config import lif_home
from lif_core.plugins.host import LoadedSource, load_plugins
from projections import TABLES, projected_position

SENSOR_INTERVAL = int(os.environ.get("LIF_SENSOR_INTERVAL") or 30)

# The steps of these jobs are short and database-bound: run in one process, not a process per
# step (the default multiprocess executor spent about 5 s starting each of the refresh's ~45
# steps and checks, minutes a run on two cores).
refresh_job = dg.define_asset_job(
    "refresh_projections",
    selection=dg.AssetSelection.assets(POLICIES, *(dg.AssetKey([t]) for t in TABLES)),
    executor_def=dg.in_process_executor,
)


def ingest_job(name: str) -> Any:
    return dg.define_asset_job(
        f"ingest_{name.replace('-', '_')}",
        selection=dg.AssetSelection.assets(source_key(name)),
        executor_def=dg.in_process_executor,
    )


def inbox_sensor(loaded: LoadedSource, job: Any) -> dg.SensorDefinition:
    name = loaded.name

    @dg.sensor(
        name=f"inbox_{name.replace('-', '_')}",
        job=job,
        minimum_interval_seconds=SENSOR_INTERVAL,
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


_IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.sensor(
    name="projections_follow_log",
    job=refresh_job,
    minimum_interval_seconds=SENSOR_INTERVAL,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the policies and the projections when the log has moved past them "
    "(one refresh at a time; the hourly schedule stays as a backstop).",
)
def projections_follow_log(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    with LifStore().open() as store:
        head = store.max_notification_id()
        position = projected_position(store)
    if head <= position:
        return dg.SensorResult(skip_reason=f"projections are at the log's head ({head})")
    busy = context.instance.get_run_records(
        dg.RunsFilter(job_name=refresh_job.name, statuses=_IN_FLIGHT), limit=1
    )
    if busy:
        return dg.SensorResult(
            skip_reason=f"a refresh is already running ({busy[0].dagster_run.run_id})"
        )
    # One run per head: a daemon restarted mid-tick asks again for the same key, and Dagster
    # launches a run key once.
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"refresh:{head}", tags={"lif/log_head": str(head)})]
    )


@dg.definitions
def automation() -> dg.Definitions:
    plugins = list(load_plugins())
    jobs = {p.name: ingest_job(p.name) for p in plugins}
    return dg.Definitions(
        jobs=[refresh_job, *jobs.values()],
        sensors=[*(inbox_sensor(p, jobs[p.name]) for p in plugins), projections_follow_log],
        schedules=[refresh_schedule],
    )
