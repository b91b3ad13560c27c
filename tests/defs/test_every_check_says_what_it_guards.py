"""Every dbt data test and every Dagster asset check says, in words, what it guards; every
asset sits in a named group of the Dagster UI."""

from __future__ import annotations

import json

import dagster as dg

from orchestration.dbt_manifest import MANIFEST
from orchestration.defs import defs


def test_every_dbt_data_test_has_a_description():
    manifest = json.loads(MANIFEST.read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(tests) > 100  # the generic tests of every model and seed, and the singular ones
    undescribed = sorted(t["unique_id"] for t in tests if not t["description"].strip())
    assert not undescribed, f"dbt data tests without a description: {undescribed}"


def test_every_asset_check_has_a_description():
    graph = defs.get_repository_def().asset_graph
    specs = [graph.get_check_spec(key) for key in graph.asset_check_keys]
    assert len(specs) > 100
    undescribed = sorted(s.key.to_user_string() for s in specs if not (s.description or "").strip())
    assert not undescribed, f"asset checks without a description: {undescribed}"


def test_a_dbt_tests_check_carries_the_tests_own_description():
    graph = defs.get_repository_def().asset_graph
    key = dg.AssetCheckKey(dg.AssetKey(["marts", "kpi_values"]), "assert_all_authorities_add_up")
    assert graph.get_check_spec(key).description.startswith(
        "Every `ALL` count in kpi_values is the sum of the authorities' counts"
    )


def test_no_asset_is_left_in_the_default_group():
    graph = defs.get_repository_def().asset_graph
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert "default" not in groups.values(), sorted(k for k, g in groups.items() if g == "default")
    # dbt's models and seeds by layer, ingestion's assets and ledger together
    assert groups["staging/stg_hr__staff"] == "staging"
    assert groups["reference/kpi_definitions"] == "reference"
    assert groups["audit/files"] == groups["raw/hr_staff"] == "ingestion"


def test_a_failed_dbt_test_says_how_many_rows_fail_and_what_it_guards():
    from orchestration.defs.dbt import with_reason

    key = dg.AssetCheckKey(dg.AssetKey(["marts", "kpi_values"]), "assert_all_authorities_add_up")
    guards = {key: "Every ALL count is the sum of the authorities' counts"}

    def result(passed: bool, **kwargs) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            asset_key=key.asset_key, check_name=key.name, passed=passed, **kwargs
        )

    failed = with_reason(result(False, metadata={"dagster_dbt/failed_row_count": 3}), guards)
    assert (
        failed.description
        == "3 failing rows: Every ALL count is the sum of the authorities' counts"
    )
    assert with_reason(result(True), guards).description is None
    said = result(False, description="said already")
    assert with_reason(said, guards) is said
