"""Great Expectations suites from expectations/ as blocking Dagster asset checks."""

import json

import dagster as dg

from orchestration.quality import Suite, load_suites, validate
from orchestration.settings import EXPECTATIONS_DIR, Settings
from orchestration.warehouse import connect


def suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(suite.relation.split(".")),
        name=f"gx_{suite.name}",
        blocking=True,
        description=f"Great Expectations suite expectations/{suite.name}.json",
    )
    def check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        settings = Settings.from_env()
        with connect(settings.warehouse, read_only=True) as conn:
            result = validate(conn, suite)
        kept = settings.run_audit / context.run.run_id / "gx" / f"{suite.name}.json"
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(result.raw, indent=1, default=str))
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(result.failures) or None,
            metadata={
                "expectations": result.evaluated,
                "failures": dg.MetadataValue.md(
                    "\n".join(f"- {f}" for f in result.failures) or "none"
                ),
                "validation_result": dg.MetadataValue.path(str(kept)),
            },
        )

    return check


suites = load_suites(EXPECTATIONS_DIR)
gx_checks = [suite_check(suite) for suite in suites]
validated_relations = sorted({dg.AssetKey(s.relation.split(".")) for s in suites}, key=str)
