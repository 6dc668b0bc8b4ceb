"""Materialise the whole flow in process (the demo and the tests): sources -> policies -> projections.

``python -m dagster_project.run --store URL`` runs it as its own process and prints one JSON line
(``{"success": …, "steps": …}``): that is how the demo drives Dagster, so no app imports the
Dagster definitions.
"""

import argparse
import json
import sys
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.run", description=__doc__)
    parser.add_argument("--store", required=True, help="the store URL (LIF_STORE)")
    parser.add_argument(
        "--inbox", action="store_true", help="ingest each source's inbox, not its samples"
    )
    parser.add_argument("--source", action="append", help="only this source (repeatable)")
    args = parser.parse_args(argv)
    result = materialize_all(args.store, samples=not args.inbox, sources=args.source)
    failed = [
        event.step_key
        for event in result.all_events
        if event.event_type_value == "STEP_FAILURE" and event.step_key
    ]
    print(json.dumps({"success": result.success, "failed_steps": failed}))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
