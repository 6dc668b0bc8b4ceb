"""Assets mirroring the flow: one per installed source plugin -> policies -> the projection tables."""

from pathlib import Path

import dagster as dg
from pydantic import Field

from dagster_project.defs.resources import LifStore
from lif_core.ingestion import FORMATS, ingest_file
from lif_core.plugins.host import LoadedSource, load_plugins
from lif_core.policies import run_policies
from projections import TABLES, project

POLICIES = dg.AssetKey(["policies"])
# Set on an ingestion run that failed after recording each failure and why in the store.
OUTCOME_TAG = "lif/outcome"


def source_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["sources", name.replace("-", "_")])


def inbox_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in FORMATS and not p.name.startswith(".")
    )


class IngestConfig(dg.Config):
    """``files``: ingest these paths instead of the inbox; ``samples``: the plugin's shipped samples."""

    files: list[str] = Field(default_factory=list)
    samples: bool = False


def source_asset(loaded: LoadedSource) -> dg.AssetsDefinition:
    source = loaded.source

    @dg.asset(
        key=source_key(source.name),
        group_name="sources",
        description=f"{source.title} ({source.provider}). {source.description}".strip(),
        kinds={"python"},
        metadata={
            "source": source.name,
            "provider": source.provider,
            "plugin": loaded.plugin,
            "version": loaded.version,
            "cadence": source.cadence,
        },
    )
    def ingest(
        context: dg.AssetExecutionContext, config: IngestConfig, lif: LifStore
    ) -> dg.MaterializeResult[None]:
        if config.files:
            files = [Path(f) for f in config.files]
        elif config.samples:
            from lif_core.ingestion.samples import sample_inputs

            files = sample_inputs(source)
        else:
            files = inbox_files(lif.inbox(source.name))
        totals: dict[str, int] = {}
        failed = []
        with lif.open() as store:
            for path in files:
                result = ingest_file(store, loaded, path)
                context.log.info(f"{path.name}: {result.status}: {result.message}")
                for k, v in result.counts.items():
                    totals[k] = totals.get(k, 0) + v
                if not result.ok:
                    failed.append(f"{path.name}: {result.message}")
        if failed:
            # The store recorded each failure and why: the inbox sensor need not ask again.
            context.instance.add_run_tags(context.run.run_id, {OUTCOME_TAG: "failed, recorded"})
            raise dg.Failure(
                description=f"{len(failed)} file(s) failed",
                metadata={"failures": "\n".join(failed)},
            )
        return dg.MaterializeResult(
            metadata={
                "files": len(files),
                **{k: dg.MetadataValue.int(v) for k, v in totals.items()},
            }
        )

    return ingest


@dg.definitions
def assets() -> dg.Definitions:
    plugins = load_plugins()
    sources = [source_asset(loaded) for loaded in plugins]
    source_keys = [source_key(loaded.name) for loaded in plugins]

    @dg.asset(
        key=POLICIES,
        deps=source_keys,
        group_name="log",
        description="Decision events implied by evidence (tracker exports, learning logs, reviews), recorded exactly once.",
    )
    def policies(context: dg.AssetExecutionContext, lif: LifStore) -> dg.MaterializeResult[None]:
        with lif.open() as store:
            result = run_policies(store)
        context.log.info(str(result.as_dict()))
        return dg.MaterializeResult(
            metadata={
                "events_written": sum(result.events_written.values()),
                "conflicts": sum(result.conflicts.values()),
            }
        )

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                dg.AssetKey([name]),
                deps=[POLICIES],
                group_name="projections",
                description=table.description,
                metadata={
                    "columns": dg.TableSchema(
                        columns=[
                            dg.TableColumn(c.name, c.type, description=c.description)
                            for c in table.columns
                        ]
                    )
                },
            )
            for name, table in TABLES.items()
        ],
        can_subset=False,
    )
    def projection_tables(context: dg.AssetExecutionContext, lif: LifStore):  # type: ignore[no-untyped-def]
        with lif.open() as store:
            run = project(store)
        for name, info in run.tables.items():
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey([name]),
                metadata={
                    "rows": info["rows"],
                    "checksum": info["checksum"],
                    "position": run.position,
                },
            )

    return dg.Definitions(assets=[*sources, policies, projection_tables])
