"""A hub's partitions: one per authority, added as its first file lands (WORKFORCE_HUB set when
the definitions load). A single council's home has none: its assets are unpartitioned."""

import dagster as dg

from orchestration.settings import hub_from_env

AUTHORITY = "authority"
authorities = dg.DynamicPartitionsDefinition(name=AUTHORITY)

# the partitions of the workforce job's assets: by authority in a hub, none in a council's home
PARTITIONS = authorities if hub_from_env() else None


def upstream(key: dg.AssetKey) -> dg.AssetKey | dg.AssetDep:
    """A dependency of an on-demand return (partitioned by authority and a second dimension)
    on the workforce job's assets: in a hub, on that authority's latest materialization."""
    if PARTITIONS is None:
        return key
    return dg.AssetDep(key, partition_mapping=dg.AllPartitionMapping())


def register_authorities(instance: dg.DagsterInstance, la_codes: list[str]) -> None:
    """Add the authorities the instance does not know yet as partitions."""
    known = set(instance.get_dynamic_partitions(AUTHORITY))
    if new := sorted(set(la_codes) - known):
        instance.add_dynamic_partitions(AUTHORITY, new)
