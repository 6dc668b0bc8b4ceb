"""Materialise the whole flow in process (the demo and the tests): sources -> policies -> projections."""

from typing import Any

import dagster as dg

from dagster_project.defs.resources import LifStore


def load_definitions() -> dg.Definitions:
    from dagster_project.definitions import defs

    return defs()


def materialize_all(
    store_url: str, *, samples: bool = True, sources: list[str] | None = None
) -> dg.ExecuteInProcessResult:
    """Ingest every source's shipped samples (or inbox), run the policies, build every projection."""
    definitions = load_definitions()
    graph = definitions.resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys()]
    ops: dict[str, Any] = {}
    selected = []
    for key in keys:
        if key.path[0] == "sources":
            name = key.path[1].replace("_", "-")
            if sources is not None and name not in sources:
                continue
            ops["__".join(key.path)] = {"config": {"samples": samples}}
        selected.append(key)
    assets = [a for a in definitions.assets or [] if isinstance(a, dg.AssetsDefinition)]
    checks = [c for c in definitions.asset_checks or []]
    return dg.materialize(
        [*assets, *checks],
        selection=dg.AssetSelection.assets(*selected),
        resources={"lif": LifStore(url=store_url)},
        run_config={"ops": ops},
        raise_on_error=False,
    )
