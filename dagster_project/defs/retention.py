"""The retention of rejected rows: a daily job that erases raw copies kept past their period."""

import dagster as dg

from dagster_project.defs.resources import LifStore
from lif_core.config import rejected_rows_retention_days
from lif_core.decisions.erasure import erase_expired


@dg.op(
    description="Erase the raw copies of rejected rows kept past LIF_REJECTED_ROWS_RETENTION_DAYS."
)
def erase_expired_rejected_rows(context: dg.OpExecutionContext, lif: LifStore) -> int:
    days = rejected_rows_retention_days()
    with lif.open() as store:
        results = erase_expired(store, days)
    for result in results:
        context.log.info(f"erased {result.what} (erasure {result.erasure_id})")
    return len(results)


@dg.job(description="Erase rejected rows past their retention period (lif privacy retention).")
def rejected_rows_retention() -> None:
    erase_expired_rejected_rows()


retention_schedule = dg.ScheduleDefinition(
    name="rejected_rows_retention_daily",
    job=rejected_rows_retention,
    cron_schedule="30 2 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:30: rejected rows past their retention period are erased.",
)


@dg.definitions
def retention() -> dg.Definitions:
    return dg.Definitions(jobs=[rejected_rows_retention], schedules=[retention_schedule])
