"""The publication asset: published/workforce.duckdb, after every blocking check passed."""

import dagster as dg

from orchestration.defs.census import register_published_partitions
from orchestration.defs.run_guard import (
    PUBLICATION_KEY,
    WorkforceRun,
    checks_of_run,
    started_at_of,
)
from orchestration.publish.outcome import CheckResult, audit_folder
from orchestration.settings import Settings


def described(context: dg.AssetExecutionContext, checks: list[CheckResult]) -> list[CheckResult]:
    """Each check with what was wrong, if anything; else what the check guards."""
    asset_graph = context.job_def.asset_layer.asset_graph  # set in every run, in-process too
    out = []
    for check in checks:
        key = dg.AssetCheckKey(dg.AssetKey.from_user_string(check.asset), check.check_name)
        spec = asset_graph.get_check_spec(key) if asset_graph.has(key) else None
        description = check.description or (spec.description if spec else None)
        out.append(CheckResult(**{**check.__dict__, "description": description}))
    return out


def publication_asset(validated: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publish step; it depends on every validated relation so any failed check blocks it."""

    @dg.asset(
        key=PUBLICATION_KEY,
        deps=validated,
        group_name="publication",
        kinds={"duckdb"},
        description="published/workforce.duckdb: kpi_values, the marts and the publications log,"
        " replaced atomically after every blocking check passed.",
    )
    def published_workforce(
        context: dg.AssetExecutionContext, workforce_run: WorkforceRun
    ) -> dg.MaterializeResult:
        from orchestration.publish.publication import publish

        settings = Settings.from_env()
        run_id = context.run.run_id
        checks = described(context, checks_of_run(context.instance, run_id))
        publication = publish(settings, run_id, started_at_of(context.instance, run_id), checks)
        if publication.published:
            context.log.info(f"published {publication.kpi_rows} KPI rows to {settings.published}")
        else:
            context.log.info(
                f"nothing changed: the publication of run {publication.run_id} stays in place"
            )
        # the census return's partitions: every authority and census year now published
        register_published_partitions(context.instance, settings)
        audit = audit_folder(settings, run_id)
        return dg.MaterializeResult(
            metadata={
                "published": publication.published,
                "publication_run_id": publication.run_id,
                "kpi_rows": publication.kpi_rows,
                "path": dg.MetadataValue.path(str(settings.published)),
                # written when the run concludes, after this step (see run_guard.py)
                "summary": dg.MetadataValue.path(str(audit / "summary.json")),
                "quarantine": dg.MetadataValue.path(str(audit / "quarantine.csv")),
                "validation": dg.MetadataValue.path(str(audit / "validation.html")),
                "gx_results": dg.MetadataValue.path(str(audit / "gx")),
            }
        )

    return published_workforce
