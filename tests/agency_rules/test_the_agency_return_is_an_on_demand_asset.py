"""The agency rules return is a Dagster asset partitioned by authority and quarter, downstream of
the publication, outside the job the sensor and the schedule run (it holds SWE numbers)."""

from __future__ import annotations

import dagster as dg

from orchestration.defs import defs


def test_the_agency_return_is_partitioned_on_demand_and_outside_the_workforce_job():
    repo = defs.get_repository_def()
    key = dg.AssetKey(["agency_rules", "agency_return"])
    node = repo.asset_graph.get(key)
    assert node.parent_keys == {dg.AssetKey(["published", "workforce"])}
    partitions = node.partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    assert {d.name for d in partitions.partitions_defs} == {"authority", "quarter"}
    workforce = repo.get_job("workforce")
    assert workforce.partitions_def is None
    assert key not in workforce.asset_layer.executable_asset_keys
    assert key in repo.get_job("agency_return").asset_layer.executable_asset_keys
    # the price caps are ingested like DfE's files, with their own check
    caps = dg.AssetKey(["raw", "agency_price_caps"])
    assert caps in workforce.asset_layer.executable_asset_keys
    assert {k.name for k in repo.asset_graph.asset_check_keys if k.asset_key == caps} == {
        "dfe_file"
    }
