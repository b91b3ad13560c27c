"""The Great Expectations suites in expectations/, run against small DuckDB tables."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.publish.suites import Suite, SuiteResult, load_suites, validate

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"
PSEUDONYM = "0123456789abcdef0123456789abcdef"

GOOD_TABLES = f"""
create schema marts;
create schema staging;
create schema audit;

create table audit.files (file_id varchar, file_name varchar, received_at timestamp);
insert into audit.files values
    ('f-staff', '301/hr_staff_20241031.csv', '2024-11-01 09:00'),
    ('f-staff', '301/hr_staff_20241031_again.csv', '2024-11-02 09:00'),  -- same bytes, later
    ('f-agency', '301/agency_assignments_20241031.csv', '2024-11-01 09:00'),
    ('f-cases', '301/case_allocations_20241031.csv', '2024-11-01 09:00'),
    ('f-recruitment', '301/recruitment_20241031.csv', '2024-11-01 09:00');

create table marts.kpi_values (
    la_code varchar, kpi_code varchar, breakdown varchar, breakdown_value varchar,
    period_type varchar, period_start date, period_end date,
    value double, numerator double, denominator double, unit varchar,
    target double, rag varchar, national_value double, neighbour_median double,
    rank integer, rank_of integer, published_run_id varchar
);
insert into marts.kpi_values (
    la_code, kpi_code, breakdown, breakdown_value, period_type, period_start, period_end,
    value, numerator, denominator, unit, target, rag, national_value, published_run_id
) values
    ('301', 'inpost_fte', 'total', 'total', 'census_year', '2023-10-01', '2024-09-30',
        84.5, null, null, 'fte', null, null, null, null),
    ('301', 'turnover_rate_fte', 'total', 'total', 'census_year', '2023-10-01', '2024-09-30',
        14.2, 12.0, 84.5, 'percent', 15.0, 'green', 16.3, 'run-1'),
    ('301', 'leavers_fte', 'service_band', '2-5y', 'census_year', '2023-10-01', '2024-09-30',
        4.0, null, null, 'fte', null, null, null, null),
    -- agency cover may exceed vacancies, so this rate may pass 100
    ('301', 'vacancy_agency_cover_rate_fte', 'total', 'total', 'census_year', '2023-10-01',
        '2024-09-30', 125.0, 10.0, 8.0, 'percent', null, null, null, null),
    -- credit notes can make a period's agency spend negative
    ('301', 'agency_spend_gbp', 'total', 'total', 'month', '2024-03-01', '2024-03-31',
        -1250.0, null, null, 'gbp', null, null, null, null),
    ('ALL', 'caseload_fte', 'total', 'total', 'census_year', '2023-10-01', '2024-09-30',
        16.1, 1350.0, 83.9, 'cases', 18.0, 'amber', 15.8, null);

create table staging.stg_hr__staff (
    la_code varchar, assignment_id varchar, employee_pseudonym varchar, fte decimal(9, 4),
    contract_type varchar, start_date date, end_date date, org_role integer,
    registered_social_worker boolean, file_id varchar, source_row integer
);
insert into staging.stg_hr__staff values
    ('301', 'A1', '{PSEUDONYM}', 1.0, 'permanent', '2019-04-01', null, 5, true, 'f-staff', 2),
    ('301', 'A2', '{PSEUDONYM}', 0.5, 'fixed_term', '2024-01-08', '2024-01-08', 4, true,
        'f-staff', 3),
    ('301', 'A3', '{PSEUDONYM}', 0.2, 'casual', '2022-06-01', '2023-05-31', null, false,
        'f-staff', 4);

create table staging.stg_agency__assignments (
    la_code varchar, assignment_id varchar, fte decimal(9, 4), cover_reason varchar,
    hourly_charge_gbp decimal(18, 2), file_id varchar, source_row integer
);
insert into staging.stg_agency__assignments values
    ('301', 'G1', 1.0, 'vacancy', 48.50, 'f-agency', 2),
    ('301', 'G2', 0.6, 'maternity', 52.00, 'f-agency', 3);

create table staging.stg_case_management__allocations (
    la_code varchar, child_pseudonym varchar, worker_source varchar, case_type varchar,
    file_id varchar, source_row integer
);
insert into staging.stg_case_management__allocations values
    ('301', '{PSEUDONYM}', 'employee', 'CP', 'f-cases', 2),
    ('301', '{PSEUDONYM}', 'agency', 'care_leaver', 'f-cases', 3);

create table staging.stg_recruitment__applications (
    la_code varchar, candidate_pseudonym varchar, withdrawn_by varchar, file_id varchar,
    source_row integer
);
insert into staging.stg_recruitment__applications values
    ('301', '{PSEUDONYM}', null, 'f-recruitment', 2),
    ('301', '{PSEUDONYM}', 'employer', 'f-recruitment', 3);
"""


@pytest.fixture(scope="module")
def suites() -> dict[str, Suite]:
    return {suite.name: suite for suite in load_suites(EXPECTATIONS)}


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute(GOOD_TABLES)
    return conn


def only_failure(result: SuiteResult) -> str:
    assert not result.success
    assert len(result.failures) == 1, result.failures
    return result.failures[0]


def test_every_suite_names_the_relation_it_validates(suites):
    assert {name: suite.relation for name, suite in suites.items()} == {
        "kpi_values": "marts.kpi_values",
        "stg_hr__staff": "staging.stg_hr__staff",
        "stg_agency__assignments": "staging.stg_agency__assignments",
        "stg_case_management__allocations": "staging.stg_case_management__allocations",
        "stg_recruitment__applications": "staging.stg_recruitment__applications",
    }


@pytest.mark.parametrize(
    "suite_name",
    [
        "kpi_values",
        "stg_hr__staff",
        "stg_agency__assignments",
        "stg_case_management__allocations",
        "stg_recruitment__applications",
    ],
)
def test_good_rows_pass(warehouse, suites, suite_name):
    result = validate(warehouse, suites[suite_name])

    assert result.success, result.failures
    assert result.evaluated == len(suites[suite_name].definition["expectations"])
    json.dumps(result.raw)  # kept in the audit trail as JSON


def test_a_share_above_100_fails_while_turnover_may_exceed_it(warehouse, suites):
    # turnover is a flow over a stock: one manager in post on 30 Sep and three who left in the
    # year is 300%, which a role or team of a small authority reaches
    warehouse.execute(
        "update marts.kpi_values set value = 300 where kpi_code = 'turnover_rate_fte'"
    )
    assert validate(warehouse, suites["kpi_values"]).success
    warehouse.execute("update marts.kpi_values set value = -5 where kpi_code = 'turnover_rate_fte'")
    assert "min_value=0" in only_failure(validate(warehouse, suites["kpi_values"]))

    warehouse.execute(
        "update marts.kpi_values set kpi_code = 'agency_rate_fte', value = 150 "
        "where kpi_code = 'turnover_rate_fte'"
    )
    failure = only_failure(validate(warehouse, suites["kpi_values"]))

    assert failure.startswith("marts.kpi_values.value: expect_column_values_to_be_between(")
    assert "max_value=100" in failure
    assert (
        "where (unit == percent AND kpi_code NOT_IN (vacancy_agency_cover_rate_fte, "
        "agency_spend_change_percent, agency_premium_percent, turnover_rate_fte))" in failure
    )
    assert failure.endswith("failed for 1 of 1 rows, e.g. 150.0")


def test_a_negative_fte_fails(warehouse, suites):
    warehouse.execute("update marts.kpi_values set value = -1 where kpi_code = 'inpost_fte'")

    failure = only_failure(validate(warehouse, suites["kpi_values"]))

    assert failure.startswith("marts.kpi_values.value: expect_column_values_to_be_between(")
    assert "e.g. -1.0" in failure


def test_a_null_value_fails_unless_a_small_count_is_suppressed(warehouse, suites):
    warehouse.execute(
        "insert into marts.kpi_values (la_code, kpi_code, breakdown, breakdown_value,"
        " period_type, period_start, period_end, value, unit) values ('301', 'inpost_headcount',"
        " 'gender', '1', 'census_year', '2023-10-01', '2024-09-30', null, 'headcount')"
    )
    assert validate(warehouse, suites["kpi_values"]).success

    warehouse.execute("update marts.kpi_values set value = null where kpi_code = 'inpost_fte'")

    failure = only_failure(validate(warehouse, suites["kpi_values"]))

    assert failure.startswith("marts.kpi_values.value: expect_column_values_to_not_be_null(")
    assert (
        "where breakdown NOT_IN (gender, ethnic_group, age_band) failed for 1 of 6 rows" in failure
    )


def test_a_duplicate_kpi_key_fails(warehouse, suites):
    warehouse.execute(
        "insert into marts.kpi_values select * from marts.kpi_values where kpi_code = 'inpost_fte'"
    )

    failure = only_failure(validate(warehouse, suites["kpi_values"]))

    assert failure.startswith(
        'marts.kpi_values: expect_compound_columns_to_be_unique(column_list=["la_code", '
    )
    assert 'failed for 2 of 7 rows, e.g. {"la_code": "301", "kpi_code": "inpost_fte"' in failure


def test_an_la_code_that_is_neither_3_digits_nor_all_fails(warehouse, suites):
    warehouse.execute("update marts.kpi_values set la_code = '30' where kpi_code = 'inpost_fte'")

    failure = only_failure(validate(warehouse, suites["kpi_values"]))

    assert failure.startswith("marts.kpi_values.la_code: expect_column_values_to_match_regex(")
    assert 'e.g. "30"' in failure


def test_an_unknown_kpi_code_fails(warehouse, suites):
    warehouse.execute("update marts.kpi_values set kpi_code = 'morale' where unit = 'cases'")

    failure = only_failure(validate(warehouse, suites["kpi_values"]))

    assert failure.startswith("marts.kpi_values.kpi_code: expect_column_values_to_be_in_set(")
    assert 'e.g. "morale"' in failure


def test_a_period_ending_before_it_starts_fails(warehouse, suites):
    warehouse.execute("update marts.kpi_values set period_end = '2024-02-29' where unit = 'gbp'")

    failure = only_failure(validate(warehouse, suites["kpi_values"]))

    assert failure.startswith(
        "marts.kpi_values: expect_column_pair_values_a_to_be_greater_than_b("
        'column_A="period_end", column_B="period_start", or_equal=true'
    )


def test_a_missing_column_is_reported_not_raised(warehouse, suites):
    warehouse.execute("alter table marts.kpi_values drop column rag")

    result = validate(warehouse, suites["kpi_values"])

    assert not result.success
    assert any(
        f.startswith("marts.kpi_values: expect_table_columns_to_match_ordered_list(")
        for f in result.failures
    ), result.failures
    assert any(
        f.startswith("marts.kpi_values.rag:") and 'column "rag"' in f and "does not exist" in f
        for f in result.failures
    ), result.failures


def test_an_fte_above_one_fails(warehouse, suites):
    warehouse.execute("update staging.stg_hr__staff set fte = 1.5 where assignment_id = 'A1'")

    failure = only_failure(validate(warehouse, suites["stg_hr__staff"]))

    assert failure.startswith("staging.stg_hr__staff.fte: expect_column_values_to_be_between(")
    # the file and row the value came from (the name it first arrived under)
    assert failure.endswith("failed for 1 of 3 rows, e.g. 1.5 (301/hr_staff_20241031.csv row 2)")


def test_a_zero_fte_fails(warehouse, suites):
    warehouse.execute("update staging.stg_hr__staff set fte = 0 where assignment_id = 'A1'")

    failure = only_failure(validate(warehouse, suites["stg_hr__staff"]))

    assert failure.startswith("staging.stg_hr__staff.fte: expect_column_values_to_be_between(")


def test_an_assignment_ending_before_it_starts_fails(warehouse, suites):
    warehouse.execute(
        "update staging.stg_hr__staff set end_date = '2022-05-31' where assignment_id = 'A3'"
    )

    failure = only_failure(validate(warehouse, suites["stg_hr__staff"]))

    assert failure.startswith(
        "staging.stg_hr__staff: expect_column_pair_values_a_to_be_greater_than_b("
        'column_A="end_date", column_B="start_date", or_equal=true'
    )
    assert failure.endswith(
        'failed for 1 of 3 rows, e.g. ["2022-05-31T00:00:00", "2022-06-01T00:00:00"]'
        " (301/hr_staff_20241031.csv row 4)"
    )


def test_an_identifier_that_is_not_a_pseudonym_fails(warehouse, suites):
    warehouse.execute(
        "update staging.stg_hr__staff set employee_pseudonym = 'E10042' where assignment_id = 'A2'"
    )

    failure = only_failure(validate(warehouse, suites["stg_hr__staff"]))

    assert failure.startswith(
        "staging.stg_hr__staff.employee_pseudonym: expect_column_values_to_match_regex("
    )
    assert 'e.g. "E10042"' in failure


def test_an_org_role_outside_1_to_6_fails(warehouse, suites):
    warehouse.execute("update staging.stg_hr__staff set org_role = 7 where assignment_id = 'A1'")

    failure = only_failure(validate(warehouse, suites["stg_hr__staff"]))

    assert failure.startswith("staging.stg_hr__staff.org_role: expect_column_values_to_be_in_set(")


def test_an_hourly_charge_of_500_or_more_fails(warehouse, suites):
    warehouse.execute(
        "update staging.stg_agency__assignments set hourly_charge_gbp = 500"
        " where assignment_id = 'G1'"
    )

    failure = only_failure(validate(warehouse, suites["stg_agency__assignments"]))

    assert failure.startswith(
        "staging.stg_agency__assignments.hourly_charge_gbp: expect_column_values_to_be_between("
    )


def test_an_unknown_cover_reason_fails(warehouse, suites):
    warehouse.execute("update staging.stg_agency__assignments set cover_reason = 'holiday'")

    failure = only_failure(validate(warehouse, suites["stg_agency__assignments"]))

    assert failure.startswith(
        "staging.stg_agency__assignments.cover_reason: expect_column_values_to_be_in_set("
    )
    assert failure.endswith(
        'failed for 2 of 2 rows, e.g. "holiday" (301/agency_assignments_20241031.csv row 2), '
        '"holiday" (301/agency_assignments_20241031.csv row 3)'
    )


def test_an_unknown_worker_source_fails(warehouse, suites):
    warehouse.execute(
        "update staging.stg_case_management__allocations set worker_source = 'bank'"
        " where case_type = 'CP'"
    )

    failure = only_failure(validate(warehouse, suites["stg_case_management__allocations"]))

    assert failure.startswith(
        "staging.stg_case_management__allocations.worker_source: expect_column_values_to_be_in_set("
    )


def test_a_candidate_id_as_delivered_fails_where_a_pseudonym_belongs(warehouse, suites):
    warehouse.execute(
        "update staging.stg_recruitment__applications set candidate_pseudonym = 'CAND0001'"
        " where source_row = 3"
    )

    failure = only_failure(validate(warehouse, suites["stg_recruitment__applications"]))

    assert failure.startswith(
        "staging.stg_recruitment__applications.candidate_pseudonym: "
        "expect_column_values_to_match_regex("
    )
    assert failure.endswith(
        'failed for 1 of 2 rows, e.g. "CAND0001" (301/recruitment_20241031.csv row 3)'
    )


def test_a_missing_relation_fails_with_a_clear_message(warehouse, suites):
    warehouse.execute("drop table staging.stg_hr__staff")

    result = validate(warehouse, suites["stg_hr__staff"])

    failure = only_failure(result)
    assert failure.startswith("staging.stg_hr__staff: could not be read")
    assert "stg_hr__staff does not exist" in failure
    assert result.evaluated == 0
    json.dumps(result.raw)


def test_a_scoped_check_reads_only_the_authorities_the_build_re_derived(warehouse, suites):
    """A delivery's validation costs what it brings: rows of authorities outside the build's
    scope were validated when they were delivered, and are not read again."""
    warehouse.execute(
        "insert into staging.stg_hr__staff select * replace ('999' as la_code, 1.5 as fte) "
        "from staging.stg_hr__staff where assignment_id = 'A1'"
    )
    warehouse.execute("create table audit.build_scope as select '301' as la_code")
    suite = suites["stg_hr__staff"]
    assert suite.per_authority

    assert validate(warehouse, suite, scoped=True).success
    assert "fte" in only_failure(validate(warehouse, suite))  # unscoped: the 999 row fails
    warehouse.execute("insert into audit.build_scope values ('999')")
    assert "fte" in only_failure(validate(warehouse, suite, scoped=True))


def test_a_large_suite_is_validated_a_batch_of_authorities_at_a_time(warehouse, suites):
    """Rows are validated in memory: beyond rows_per_batch, a per-authority suite reads a
    batch of authorities at a time, and finds what one read of everything finds."""
    for la_code, fte in (("302", 1.0), ("303", 1.5), ("304", 0.8)):
        warehouse.execute(
            f"insert into staging.stg_hr__staff select * replace ('{la_code}' as la_code, "
            f"{fte} as fte) from staging.stg_hr__staff where la_code = '301'"
        )
    suite = suites["stg_hr__staff"]
    whole = validate(warehouse, suite)
    batched = validate(warehouse, suite, rows_per_batch=6)  # 3 rows an authority: 2 a batch

    assert [codes for codes in (b["la_codes"] for b in batched.raw["authority_batches"])] == [
        ["301", "302"],
        ["303", "304"],
    ]
    assert not whole.success and not batched.success
    assert batched.evaluated == whole.evaluated
    [failure] = batched.failures  # 303's rows, in the second batch
    assert failure.startswith("staging.stg_hr__staff.fte: expect_column_values_to_be_between(")
    assert failure.endswith(
        "failed for 3 of 6 rows, e.g. 1.5 (301/hr_staff_20241031.csv row 2), "
        "1.5 (301/hr_staff_20241031.csv row 3), 1.5 (301/hr_staff_20241031.csv "
        "row 4) (authorities 303 to 304)"
    )
    assert "failed for 3 of 12 rows" in whole.failures[0]
    json.dumps(batched.raw)
