"""Hand-made runs for the validation page's tests: checks and a Great Expectations result as
a run records them, written by the audit trail without running the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.publish.audit_trail import write_run_audit
from orchestration.publish.outcome import CheckResult, RunOutcome, audit_folder
from orchestration.settings import Settings

# a dbt test's name: its generic test, its model and its arguments (153 characters)
LONG_CHECK_NAME = (
    "expression_is_true_fct_workforce_census_inpost_fte_0_and_starters_fte_0_and_leavers_fte_0"
    "_and_agency_fte_0_and_vacancy_fte_0_and_working_days_lost_fte_0_"
)
LONG_REASON = (
    "staging.stg_hr__staff.fte: expect_column_values_to_be_between(min_value=0, max_value=1, "
    "strict_min=true) failed for 3 of 1204 rows, e.g. 1.5 (383/hr_staff_20251001.csv row 17), "
    "0 (383/hr_staff_20251001.csv row 245), -0.5 (383/hr_staff_20251001.csv row 1090); "
    "staging.stg_hr__staff.contract_type: expect_column_values_to_be_in_set(value_set="
    '["permanent", "fixed_term", "casual"]) failed for 1 of 1204 rows, e.g. "=HYPERLINK(1)" '
    "(383/hr_staff_20251001.csv row 52)"
)
REASON_END = "(383/hr_staff_20251001.csv row 52)"


def passing(count: int) -> list[CheckResult]:
    """Checks that passed, with dbt's long names and what each guards."""
    return [
        CheckResult(
            asset="intermediate/int_census_year__spells",
            check_name=f"unique_combination_of_columns_int_census_year__spells_la_code__census_"
            f"year__employee_pseudonym__spell_number__{n:03d}_and_more_arguments_of_the_test",
            passed=True,
            severity="ERROR",
            description="One row per authority, census year, worker and spell.",
        )
        for n in range(count)
    ]


FAILED = CheckResult(
    asset="marts/fct_workforce_census",
    check_name=LONG_CHECK_NAME,
    passed=False,
    severity="ERROR",
    description=LONG_REASON,
)
WARNED = CheckResult(
    asset="raw/dfe_indicators",
    check_name="dfe_file",
    passed=False,
    severity="WARN",
    description="authority codes not in seeds/dfe_authorities.csv: 999",
)

GX_RESULT = {
    "success": False,
    "results": [
        {
            "success": False,
            "expectation_config": {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "fte", "min_value": 0, "max_value": 1, "strict_min": True},
            },
            "result": {
                "element_count": 1204,
                "unexpected_count": 3,
                "partial_unexpected_list": [1.5, 0, -0.5],
            },
        },
        {
            "success": True,
            "expectation_config": {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "employee_pseudonym"},
            },
            "result": {"element_count": 1204, "unexpected_count": 0},
        },
    ],
}


def write_page(home: Path, outcome: RunOutcome) -> Path:
    """The run's validation.html, with one Great Expectations result kept beside it."""
    settings = Settings(home)
    gx = audit_folder(settings, outcome.run_id) / "gx"
    gx.mkdir(parents=True)
    (gx / "stg_hr__staff.json").write_text(json.dumps(GX_RESULT))
    return write_run_audit(settings, outcome, None) / "validation.html"


def blocked_run() -> RunOutcome:
    return RunOutcome(
        "run-blocked-0001",
        "blocked",
        files_loaded=6,
        rows_quarantined=2,
        checks=[*passing(60), FAILED, WARNED],
        publication_run_id="run-published-0000",
    )


def passed_run() -> RunOutcome:
    return RunOutcome("run-passed-0002", "published", files_loaded=6, checks=passing(60))
