"""Sensors (one per source, watching its inbox folder; one following the log) and the hourly refresh.

``LIF_SENSOR_INTERVAL`` (seconds, default 30) is how often the daemon evaluates each sensor.

Both sensors ask again for what a run did not finish. A run can fail without its job having
run at all: launched while the code location was down or restarting, or its process killed. Dagster's
run retries cover some of that, but a retry launched while the code location is still loading
fails and is not tried again. So a file counts as done only once a run for it succeeded, or
failed after recording its outcome in the store (bad input: tag ``lif/outcome``); until then the
inbox sensor requests another run (a new run key per attempt), at most ``MAX_ATTEMPTS`` in all.
Likewise the follow sensor requests another refresh for a head whose refresh failed. Asking
again is safe: ingestion skips a file it has ingested (by sha256), policies and projections
follow positions.
"""

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg

from dagster_project.defs.assets import OUTCOME_TAG, POLICIES, inbox_files, source_key
from dagster_project.defs.resources import LifStore
from lif_core.config import lif_home
from lif_core.plugins.host import LoadedSource, load_plugins
from projections import TABLES, projected_position

SENSOR_INTERVAL = int(os.environ.get("LIF_SENSOR_INTERVAL") or 30)
MAX_ATTEMPTS = 5
# On every run an inbox sensor requests: which file (SOURCE:FILE:SIZE:MTIME) it is for.
FILE_TAG = "lif/inbox_file"
HEAD_TAG = "lif/log_head"

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
        # The cursor holds the files that are done (name -> SIZE:MTIME); a file changed since is new.
        done: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        requests, waiting, finished = [], [], {}
        for path in inbox_files(folder):
            stat = path.stat()
            stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
            if done.get(path.name) == stamp:
                continue
            key = f"{name}:{path.name}:{stamp}"
            runs = [
                r.dagster_run
                for r in context.instance.get_run_records(dg.RunsFilter(tags={FILE_TAG: key}))
            ]
            if any(r.status in _IN_FLIGHT or _retry_coming(r) for r in runs):
                waiting.append(path.name)
                continue
            if any(r.status == dg.DagsterRunStatus.SUCCESS or OUTCOME_TAG in r.tags for r in runs):
                finished[path.name] = stamp
                continue
            if len(runs) >= MAX_ATTEMPTS:
                context.log.error(
                    f"{path.name}: {len(runs)} runs failed without an outcome; not asking again "
                    "(drop the file again to retry)"
                )
                finished[path.name] = stamp
                continue
            if runs:
                context.log.warning(
                    f"{path.name}: {len(runs)} run(s) failed before ingesting it; asking again"
                )
            requests.append(
                dg.RunRequest(
                    # Dagster launches a run key once: a daemon killed mid-tick asks again for
                    # the same key; each new attempt has its own.
                    run_key=key if not runs else f"{key}:{len(runs) + 1}",
                    tags={FILE_TAG: key},
                    run_config={
                        "ops": {
                            f"sources__{name.replace('-', '_')}": {"config": {"files": [str(path)]}}
                        }
                    },
                )
            )
        cursor = json.dumps({**done, **finished}, sort_keys=True)
        if not requests:
            reason = f"waiting for runs of {', '.join(waiting)}" if waiting else "no new files"
            return dg.SensorResult(skip_reason=f"{reason} in {folder}", cursor=cursor)
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return watch


refresh_schedule = dg.ScheduleDefinition(
    name="refresh_projections_hourly",
    job=refresh_job,
    cron_schedule="0 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Runs the policies and brings every projection up to date, every hour.",
)


def _retry_coming(run: dg.DagsterRun) -> bool:
    """A failed run that Dagster's run retries will re-execute, and has not yet."""
    return (
        run.status == dg.DagsterRunStatus.FAILURE
        and run.tags.get("dagster/will_retry") == "true"
        and "dagster/auto_retry_run_id" not in run.tags
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
    # launches a run key once. A refresh for this head that ended without reaching it (failed,
    # or killed with the code location) is asked for again under a new key.
    runs = [
        r.dagster_run
        for r in context.instance.get_run_records(
            dg.RunsFilter(job_name=refresh_job.name, tags={HEAD_TAG: str(head)})
        )
    ]
    if any(_retry_coming(r) for r in runs):
        return dg.SensorResult(skip_reason=f"a refresh for head {head} is about to be retried")
    tried = len(runs)
    if tried >= MAX_ATTEMPTS:
        return dg.SensorResult(
            skip_reason=f"{tried} refreshes for head {head} did not reach it; "
            "the hourly schedule or the next event will try again"
        )
    key = f"refresh:{head}" if not tried else f"refresh:{head}:{tried + 1}"
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=key, tags={HEAD_TAG: str(head)})])


@dg.definitions
def automation() -> dg.Definitions:
    plugins = list(load_plugins())
    jobs = {p.name: ingest_job(p.name) for p in plugins}
    return dg.Definitions(
        jobs=[refresh_job, *jobs.values()],
        sensors=[*(inbox_sensor(p, jobs[p.name]) for p in plugins), projections_follow_log],
        schedules=[refresh_schedule],
    )
