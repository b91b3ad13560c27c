"""The audit step of write-audit-publish: Great Expectations suites run against DuckDB.

Suites live as GX 1.x ExpectationSuite JSON in `expectations/<suite_name>.json`. Each names in
its `meta` the DuckDB `relation` it validates and, optionally, the `query` to read instead of
the whole relation (only the columns or aggregates the suite needs). GX's SQL datasource does
not work on DuckDB, so the rows are read with DuckDB into pandas and validated there.
"""

from __future__ import annotations

import importlib
import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.kpi_seeds import read_seed
from orchestration.settings import SEEDS_DIR
from orchestration.warehouse import IN_BUILD_SCOPE

if TYPE_CHECKING:  # Great Expectations is slow to import: loaded when a check first runs
    from great_expectations.core.batch_definition import BatchDefinition

# SUMMARY keeps counts and up to 20 example values: enough to act on, small enough for the
# audit trail (COMPLETE would copy every failing row into it).
RESULT_FORMAT = "SUMMARY"
# Rows of a per-authority suite read into memory at once (about 300 bytes a row in pandas).
ROWS_PER_BATCH = 2_000_000
EXAMPLES_PER_FAILURE = 3
# Shown in their own place in a failure line (column first, row condition last) or, for
# batch_id, not at all; every other keyword argument is the rule.
NOT_RULE_KWARGS = {"column", "row_condition", "batch_id"}


@dataclass(frozen=True, eq=False)  # hashed by identity: one GX suite object per Suite
class Suite:
    """An expectation suite and the DuckDB rows it validates."""

    name: str
    relation: str  # <schema>.<table>
    query: str
    located_by: tuple[str, ...]  # columns naming the file and row of a failing value, if any
    definition: dict  # the suite's JSON, made a GX ExpectationSuite when it is validated
    description: str  # what the suite guards, in words (its meta.description)
    # rows of the authorities the build re-derived only (audit.build_scope): a delivery's
    # validation costs what it brings, not the whole history (its rows carry la_code)
    per_authority: bool = False


@dataclass
class SuiteResult:
    suite_name: str
    relation: str
    success: bool
    failures: list[str]  # one line per failed expectation, naming column, rule and evidence
    evaluated: int  # expectations evaluated
    raw: dict  # the GX validation result, JSON-serialisable, for the audit trail


def load_suites(directory: Path) -> list[Suite]:
    """Every `<suite_name>.json` in `directory`, sorted by name."""
    return [_load_suite(path) for path in sorted(directory.glob("*.json"))]


def _load_suite(path: Path) -> Suite:
    definition = with_seed_values(json.loads(path.read_text()))
    if definition.get("name") != path.stem:
        # The file name is how people find a suite from a failed check's name.
        raise ValueError(
            f"{path}: suite is named {definition.get('name')!r}, expected {path.stem!r}"
        )
    meta = definition.get("meta", {})
    relation = meta["relation"]
    return Suite(
        name=definition["name"],
        relation=relation,
        query=meta.get("query", f"select * from {relation}"),
        located_by=tuple(meta.get("located_by", ())),
        definition=definition,
        description=meta.get("description", f"Great Expectations suite expectations/{path.name}"),
        per_authority=meta.get("per_authority", False),
    )


def with_seed_values(definition: dict, seeds: Path = SEEDS_DIR) -> dict:
    """Each expectation whose meta names `values_from` (`<seed>.<column>`) gets that seed
    column's values as its `value_set`, read as the suite is loaded: the seed stays the one list
    (a new KPI is one row of seeds/kpi_definitions.csv, not an edit here too)."""
    for expectation in definition.get("expectations", []):
        source = expectation.get("meta", {}).get("values_from")
        if source:
            seed, column = source.split(".")
            expectation["kwargs"]["value_set"] = [row[column] for row in read_seed(seed, seeds)]
    return definition


@cache
def _expectation_suite(suite: Suite):
    from great_expectations.core import ExpectationSuite

    return ExpectationSuite(**suite.definition)


def validate(
    conn: duckdb.DuckDBPyConnection,
    suite: Suite,
    scoped: bool = False,
    rows_per_batch: int = ROWS_PER_BATCH,
) -> SuiteResult:
    """Read the suite's rows from DuckDB and validate them; a missing relation is a failure.
    `scoped`: a per-authority suite reads the authorities of the build's scope only. Rows are
    validated in memory (pandas), so a per-authority suite over more than `rows_per_batch`
    rows is validated a batch of authorities at a time."""
    query = suite.query
    if scoped and suite.per_authority:
        query = f"select * from ({query}) as suite_rows where {IN_BUILD_SCOPE}"
    batches = authority_batches(conn, query, rows_per_batch) if suite.per_authority else []
    if len(batches) <= 1:
        return _validate_rows(conn, suite, query)
    results = [
        _validate_rows(
            conn,
            suite,
            f"select * from ({query}) as suite_rows where la_code in "
            f"({', '.join(repr(code) for code in codes)})",
        )
        for codes in batches
    ]
    success = all(r.success for r in results)
    return SuiteResult(
        suite_name=suite.name,
        relation=suite.relation,
        success=success,
        failures=[
            f"{line} (authorities {codes[0]} to {codes[-1]})"
            for codes, r in zip(batches, results, strict=True)
            for line in r.failures
        ],
        evaluated=results[0].evaluated,
        raw={
            "success": success,
            "suite_name": suite.name,
            "authority_batches": [
                {"la_codes": codes, "result": r.raw}
                for codes, r in zip(batches, results, strict=True)
            ],
        },
    )


def authority_batches(
    conn: duckdb.DuckDBPyConnection, query: str, rows_per_batch: int
) -> list[list[str]]:
    """The authorities of the suite's rows, in batches of at most `rows_per_batch` rows (an
    authority with more is a batch of its own); [] when the rows cannot be read."""
    try:
        counts = conn.sql(
            f"select la_code, count(*) from ({query}) as suite_rows group by 1 order by 1"
        ).fetchall()
    except (duckdb.CatalogException, duckdb.BinderException):
        return []
    batches: list[list[str]] = []
    rows = 0
    for la_code, count in counts:
        if batches and rows + count <= rows_per_batch:
            batches[-1].append(la_code)
            rows += count
        else:
            batches.append([la_code])
            rows = count
    return batches


def _validate_rows(conn: duckdb.DuckDBPyConnection, suite: Suite, query: str) -> SuiteResult:
    try:
        frame = conn.sql(query).df()
    except (duckdb.CatalogException, duckdb.BinderException) as error:
        message = str(error).splitlines()[0]
        return SuiteResult(
            suite_name=suite.name,
            relation=suite.relation,
            success=False,
            failures=[f"{suite.relation}: could not be read ({message})"],
            evaluated=0,
            raw={"success": False, "suite_name": suite.name, "error": message},
        )
    batch = _dataframe_batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result_format = (
        {"result_format": RESULT_FORMAT, "unexpected_index_column_names": list(suite.located_by)}
        if suite.located_by
        else RESULT_FORMAT
    )
    raw = batch.validate(_expectation_suite(suite), result_format=result_format).to_json_dict()
    return SuiteResult(
        suite_name=suite.name,
        relation=suite.relation,
        success=raw["success"],
        # Described from the JSON form, where example values are plain strings and numbers.
        failures=[
            _describe_failure(suite.relation, r, suite.located_by)
            for r in raw["results"]
            if not r["success"]
        ],
        evaluated=raw["statistics"]["evaluated_expectations"],
        raw=raw,
    )


def import_in_background() -> None:
    """Import Great Expectations on a thread (about 2 s of Python), for a run about to wait
    on dbt's own process: the suites run next, and the import then takes the core dbt leaves
    idle rather than the run's time. Python's import lock makes a check that starts first
    wait for it, not import it twice."""
    threading.Thread(
        target=importlib.import_module, args=("great_expectations",), daemon=True
    ).start()


@cache
def _dataframe_batch_definition() -> BatchDefinition:
    """One in-memory GX context per process, built on first use rather than at import."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,  # no usage events leave the pipeline
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    asset = context.data_sources.add_pandas("duckdb").add_dataframe_asset("relation")
    return asset.add_batch_definition_whole_dataframe("whole_relation")


def _describe_failure(relation: str, outcome: dict, located_by: tuple[str, ...] = ()) -> str:
    """One line: where, which rule, and what was wrong (with the file and row of each example
    when the suite's rows carry them)."""
    expectation_type = outcome["expectation_config"]["type"]
    kwargs = outcome["expectation_config"]["kwargs"]
    domain = f"{relation}.{kwargs['column']}" if "column" in kwargs else relation
    rule = ", ".join(f"{k}={json.dumps(v)}" for k, v in kwargs.items() if k not in NOT_RULE_KWARGS)
    head = f"{domain}: {expectation_type}({rule})"
    if row_condition := kwargs.get("row_condition"):
        from great_expectations.expectations.row_conditions import deserialize_row_condition

        head += f" where {deserialize_row_condition(row_condition)!r}"

    if error := _exception_message(outcome["exception_info"]):
        return f"{head} could not be evaluated: {error}"
    result = outcome["result"]
    if "unexpected_count" in result:
        located = result.get("partial_unexpected_index_list") or []
        if located_by and located and isinstance(located[0], dict):
            file_column, row_column = located_by
            values = [
                f"{json.dumps(_example_value(r, located_by))} ({r.get(file_column)} row "
                f"{r.get(row_column)})"
                for r in located
            ]
        else:
            values = list(map(json.dumps, result["partial_unexpected_list"]))
        examples = dict.fromkeys(values)
        return (
            f"{head} failed for {result['unexpected_count']} of {result['element_count']} rows,"
            f" e.g. {', '.join(list(examples)[:EXAMPLES_PER_FAILURE])}"
        )
    return f"{head} failed: observed {json.dumps(result.get('observed_value'))}"


def _example_value(located: dict, located_by: tuple[str, ...]):
    """The checked value(s) of a located example: every key but the locating ones."""
    values = [v for k, v in located.items() if k not in located_by]
    return values[0] if len(values) == 1 else values


def _exception_message(exception_info: dict) -> str | None:
    """GX reports one exception flat, or several keyed by the metric that raised them."""
    infos = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    messages = [info["exception_message"] for info in infos if info.get("raised_exception")]
    return "; ".join(dict.fromkeys(messages)) or None
