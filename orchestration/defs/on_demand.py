"""What the on-demand returns (the census return, the agency rules return) share: partitions
by authority and a second dimension, registered as publications make them buildable, and the
command that materializes one partition on the home's instance, as the UI would, logging to a
file rather than the console."""

from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg

from orchestration.settings import Settings


def register_partitions(
    instance: dg.DagsterInstance,
    dimensions: tuple[dg.DynamicPartitionsDefinition, dg.DynamicPartitionsDefinition],
    pairs: list[tuple[str, str]],
) -> None:
    """Add the values of `pairs` (authority, other) the instance does not know yet."""
    for dimension, values in zip(dimensions, zip(*pairs, strict=True), strict=False):
        known = set(instance.get_dynamic_partitions(dimension.name))
        if new := sorted(set(values) - known):
            instance.add_dynamic_partitions(dimension.name, new)


@dg.logger(
    config_schema={"path": str},
    description="An on-demand return's command run log: to a file, nothing on the console.",
)
def to_file(init_context) -> logging.Logger:
    log = logging.Logger("workforce.on_demand", level=logging.INFO)
    handler = logging.FileHandler(init_context.logger_config["path"])
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    return log


def materialize_partition(
    settings: Settings,
    job_name: str,
    node: str,
    partition_key: dg.MultiPartitionKey,
    out: Path | None,
    log_path: Path,
    launched_by: str,
) -> tuple[dict, str | None]:
    """One partition of an on-demand job materialized on the home's instance. Returns (the
    materialization's metadata, None) or ({}, why it failed)."""
    from orchestration.defs import defs
    from orchestration.defs.launch import instance_for
    from orchestration.defs.run_guard import LAUNCHED_BY_TAG, root_cause

    job = defs.resolve_job_def(job_name).with_logger_defs({"to_file": to_file})
    result = job.execute_in_process(
        instance=instance_for(settings),
        partition_key=partition_key,
        raise_on_error=False,
        run_config={
            "loggers": {"to_file": {"config": {"path": str(log_path)}}},
            "ops": {node: {"config": {"out": str(out) if out else None}}},
        },
        tags={LAUNCHED_BY_TAG: launched_by},
    )
    if result.success:
        (materialization,) = result.asset_materializations_for_node(node)
        return {k: v.value for k, v in materialization.metadata.items()}, None
    failures = [e for e in result.all_events if e.is_step_failure]
    errors = [root_cause(e.step_failure_data.error) for e in failures]
    return {}, "; ".join(filter(None, errors)) or f"the {job_name.replace('_', ' ')} run failed"
