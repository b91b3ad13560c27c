"""Great Expectations suites from expectations/ as blocking Dagster asset checks, one factory
for every suite. Great Expectations itself is imported when a check runs, not at load."""

import json

import dagster as dg

from orchestration.defs.run_guard import WorkforceRun
from orchestration.publish.suites import Suite, load_suites
from orchestration.settings import EXPECTATIONS_DIR, Settings
from orchestration.warehouse import connect


def suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(suite.relation.split(".")),
        name=f"gx_{suite.name}",
        blocking=True,
        description=f"{suite.description} (Great Expectations suite expectations/{suite.name}.json)",
    )
    def check(
        context: dg.AssetCheckExecutionContext, workforce_run: WorkforceRun
    ) -> dg.AssetCheckResult:
        from orchestration.publish.suites import validate

        settings = Settings.for_run(context.run.tags)
        with connect(settings.warehouse, read_only=True) as conn:
            result = validate(conn, suite, scoped=True)
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


@dg.asset_check(
    asset=dg.AssetKey(["marts", "kpi_values"]),
    name="plausibility",
    blocking=True,
    description=(
        "Figures no English authority's data reaches: a worker's caseload, the movement of "
        "in-post headcount and FTE between staff snapshots, rates outside every authority's "
        "published range (bounds: plausibility in workforce.yaml)"
    ),
)
def plausibility_check(
    context: dg.AssetCheckExecutionContext, workforce_run: WorkforceRun
) -> dg.AssetCheckResult:
    from orchestration.config import load_thresholds
    from orchestration.publish.plausibility import findings

    settings = Settings.for_run(context.run.tags)
    bounds = load_thresholds(settings.home).plausibility
    with connect(settings.warehouse, read_only=True) as conn:
        found = findings(conn, bounds, scoped=True)
    return dg.AssetCheckResult(
        passed=not found,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(map(str, found)) or None,
        metadata={
            "findings": dg.MetadataValue.md("\n".join(f"- {f}" for f in found) or "none"),
            "bounds": dg.MetadataValue.json(bounds.model_dump()),
        },
    )


suites = load_suites(EXPECTATIONS_DIR)
gx_checks = [suite_check(suite) for suite in suites]
validated_relations = sorted({dg.AssetKey(s.relation.split(".")) for s in suites}, key=str)
