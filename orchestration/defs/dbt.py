"""The dbt project as Dagster assets: every model, seed and test, lineage from raw to marts."""

import importlib.metadata
import json
import math
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging import version

from orchestration.dbt_manifest import seed_partial_parse
from orchestration.defs.partitions import PARTITIONS
from orchestration.defs.project import dbt_project
from orchestration.defs.run_guard import WorkforceRun
from orchestration.settings import Settings
from orchestration.warehouse import connect

# A run tagged so re-derives every authority (`workforce run --full-refresh`, or this tag on a
# launch from the UI); otherwise only those its deliveries changed (publish/scope.py).
FULL_REFRESH_TAG = "workforce/full_refresh"
SEED_SCHEMA = "reference"  # dbt_project.yml: every seed's schema


class WorkforceDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource, trimmed of two costs of every run (about 4 s together):
    it asks `dbt --version` in a subprocess for the version of the dbt-core installed beside
    it, and it builds an in-process dbt adapter, which only fetches row counts and column
    metadata this project does not ask for, by loading the profile and project again."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


class WorkforceTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        """Key relations by schema and name, so raw sources meet the ingestion assets."""
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["alias"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Group models by layer (staging, intermediate, marts, reference)."""
        return dbt_resource_props["schema"]

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """A dbt test's check says what it guards: the test's own `description` (dagster-dbt
        reads only `meta.description`)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        test = manifest["nodes"][unique_id]
        return spec._replace(description=test.get("description") or spec.description)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=WorkforceTranslator(),
    partitions_def=PARTITIONS,
)
def workforce_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, workforce_run: WorkforceRun
):
    from orchestration.publish.publication import up_to_date_since
    from orchestration.publish.scope import build_scope, write_build_scope
    from orchestration.publish.suites import import_in_background

    settings = Settings.for_run(context.run.tags)
    full_refresh = context.run.tags.get(FULL_REFRESH_TAG) == "true"
    with connect(settings.warehouse) as conn:
        current = None if full_refresh else up_to_date_since(conn, settings)
        if not current:
            scope = build_scope(conn, settings, full_refresh)
            write_build_scope(conn, scope)
    if current:
        # Nothing was loaded since, and the project is unchanged: the build would publish
        # exactly what is in place. Yielding nothing skips the checks and the publication.
        context.log.info(
            f"nothing new since run {current}: its publication stays in place; "
            "dbt build, checks and publication skipped"
        )
        return
    context.log.info(scope.describe())
    # Unit tests check the SQL on hand-made rows, not the delivered data: `make test` runs them
    # (tests/dbt); a pipeline run builds the models and runs the data tests only.
    seed_partial_parse(settings.dbt_target)
    import_in_background()  # the suites' library, while dbt builds in its own process
    skipped_seeds = [] if scope.full else unchanged_seeds(context)
    with terminable_children():
        invocation = dbt.cli(
            [
                "build",
                "--exclude-resource-type",
                "unit_test",
                # the run reads dbt's events as they stream; writing manifest.json and
                # run_results.json into the home's dbt folder too cost a build a third of its time
                "--no-write-json",
                "--vars",
                json.dumps(dbt_vars(settings)),
                *(["--full-refresh"] if scope.full else skipped_seeds),
            ],
            context=context,
            target_path=settings.dbt_target,
        )
    built = context.selected_asset_keys
    if skipped_seeds:  # the seeds (schema reference) are not built: not counted either
        built = {key for key in built if key.path[0] != SEED_SCHEMA}
    progress = BuildProgress(len(built), context.log.info)
    guards = {spec.key: spec.description for spec in context.assets_def.check_specs}
    try:
        for event in invocation.stream():
            progress.saw(event)
            yield with_reason(event, guards)
    finally:
        progress.finish()
        stop(invocation.process)


def unchanged_seeds(context: dg.AssetExecutionContext) -> list[str]:
    """An incremental build's seeds are those the last publication was built with (a changed
    seed makes the build a full one: publish/scope.py), so they are neither reloaded nor tested
    again: about 50 of the build's nodes. The tests that read a seed beside a model (the
    delivered codes against their code list) still run ("buildable": a test runs when its
    models are built). Only when the run checks everything, so no check is selected twice."""
    every_check = set(context.assets_def.check_keys)
    if set(context.selected_asset_check_keys) != every_check:
        return []
    return ["--exclude", "resource_type:seed", "--indirect-selection", "buildable"]


def with_reason(event: object, guards: Mapping[dg.AssetCheckKey, str | None]) -> object:
    """A failed dbt test says what was wrong (dagster-dbt gives it no description): how many
    rows fail it and what it guards, shown on the check, in the run's outcome and on its
    validation page."""
    if not isinstance(event, dg.AssetCheckResult) or event.passed or event.description:
        return event
    count = event.metadata.get("dagster_dbt/failed_row_count")
    count = getattr(count, "value", count)
    rows = f"{count} failing row{'' if count == 1 else 's'}" if count is not None else None
    guard = guards.get(dg.AssetCheckKey(event.asset_key, event.check_name))
    description = ": ".join(part for part in (rows, guard) if part)
    return event._replace(description=description) if description else event


class BuildProgress:
    """What `dbt build` has done so far, said every tenth of its models and seeds (a national
    build takes minutes), and at the end its slowest models: the run's progress lines."""

    SLOWEST = 5

    def __init__(self, total: int, log: Callable[[str], None]):
        self.total, self.log = total, log
        self.every = max(1, math.ceil(total / 10))
        self.started = time.monotonic()
        self.built: list[tuple[float, str]] = []  # (seconds, model or seed)
        self.tests = self.tests_failed = 0

    def saw(self, event: object) -> None:
        if isinstance(event, dg.Output):
            metadata = {k: getattr(v, "value", v) for k, v in event.metadata.items()}
            name = str(metadata.get("unique_id", event.output_name)).split(".")[-1]
            self.built.append((float(metadata.get("Execution Duration", 0.0)), name))
            if len(self.built) % self.every == 0 and len(self.built) < self.total:
                self.log(f"dbt build: {self.done()}")
        elif isinstance(event, dg.AssetCheckResult):
            self.tests += 1
            self.tests_failed += not event.passed

    def done(self) -> str:
        failed = f" ({self.tests_failed} failed)" if self.tests_failed else ""
        return (
            f"{len(self.built)} of {self.total} models and seeds built, {self.tests} tests "
            f"run{failed}, {time.monotonic() - self.started:.0f} s"
        )

    def finish(self) -> None:
        if not (self.built or self.tests):
            return
        slowest = sorted(self.built, reverse=True)[: self.SLOWEST]
        self.log(
            f"dbt build: {self.done()}; slowest: "
            + ", ".join(f"{name} {seconds:.1f} s" for seconds, name in slowest)
        )


def dbt_vars(settings: Settings) -> dict:
    """The council's settings (workforce.yaml) that dbt models read as vars."""
    from orchestration.config import load_thresholds

    return {"suppression_threshold": load_thresholds(settings.home).suppression_threshold}


@contextmanager
def terminable_children() -> Iterator[None]:
    """A process started inside stops on TERM (`stop` below relies on it). Dagster gives TERM
    the handler SIGINT has, and where SIGINT is ignored (a run started in the background of a
    script, a pytest-xdist worker) TERM is then ignored too, which a child inherits: while
    the child starts, TERM has its default action."""
    try:
        ignored = signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
        if ignored:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except ValueError:  # not the main thread, where only the main thread may set handlers
        ignored = False
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)


def stop(process: subprocess.Popen, grace_seconds: float = 30) -> None:
    """A step that fails or is interrupted mid-stream must not leave dbt running: it would keep
    the warehouse locked (and keep writing it) after the run has reported its outcome."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
