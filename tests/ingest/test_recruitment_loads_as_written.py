"""The applicant tracking system's applications (`recruitment`) load as a council's export
writes them: UK dates, midnight times and codes in any case are read, stages not yet reached
are empty, and a row whose stage dates are out of order (comparing only the stages present),
that starts without an accepted offer, or is withdrawn without saying by whom (or the reverse)
is quarantined with its file, row, column and rule. A hired candidate known by their HR
employee number has the employee's pseudonym."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.builders import hr_staff, recruitment, write_extract
from tests.conftest import PROJECT_ROOT, query

STAGING = PROJECT_ROOT / "dbt_project" / "models" / "staging" / "recruitment"
FILE = "383/recruitment_20250630.csv"
NOT_YET = {  # an application still at shortlisting: the later stages are empty
    stage: None
    for stage in (
        "interviewed_date", "offer_date", "offer_accepted_date", "checks_cleared_date",
        "planned_start_date", "start_date",
    )
}  # fmt: skip


@pytest.fixture
def settings(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    return Settings.from_env()


def staging(settings: Settings, sql: str) -> list[tuple]:
    """`sql` over stg_recruitment__applications, its SQL read from dbt_project (sources: raw)."""
    text = (STAGING / "stg_recruitment__applications.sql").read_text()
    text = re.sub(r"\{\{\s*source\('\w+',\s*'(\w+)'\)\s*\}\}", r"raw.\1", text)
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(f"with stg_recruitment__applications as ({text}) {sql}").fetchall()


def test_applications_load_as_written_and_each_broken_rule_quarantines_its_row(settings):
    rows = [
        # row 2: hired, every stage reached, known by the HR employee number
        recruitment(application_id="APP1", candidate_id="E1"),
        # row 3: as a spreadsheet writes it; rejected after shortlisting by the employer
        recruitment(
            application_id="APP2",
            candidate_id="C2",
            requisition_opened="06/01/2025",
            applied_date="20/01/2025 00:00",
            shortlisted_date="3/2/2025",
            withdrawn_date="2025-02-10 00:00:00",
            withdrawn_by=" Employer ",
            fte="0.5",
            **NOT_YET,
        ),
        # row 4: declined after accepting the offer
        recruitment(
            application_id="APP3",
            checks_cleared_date=None,
            planned_start_date=None,
            start_date=None,
            withdrawn_date="2025-03-01",
            withdrawn_by="candidate",
        ),
        # row 5: shortlisted before applying
        recruitment(application_id="APP4", shortlisted_date="2025-01-10", **NOT_YET),
        # row 6: no shortlisting date, interviewed before applying: compared with applied_date
        recruitment(application_id="APP5", shortlisted_date=None, interviewed_date="2025-01-15"),
        # row 7: started without an accepted offer
        recruitment(application_id="APP6", offer_accepted_date=None),
        # row 8: withdrawn, not saying by whom
        recruitment(application_id="APP7", withdrawn_date="2025-02-05", **NOT_YET),
        # row 9: withdrawn by the candidate, no withdrawal date
        recruitment(application_id="APP8", withdrawn_by="candidate", **NOT_YET),
        # row 10: withdrawn before applying
        recruitment(
            application_id="APP9",
            shortlisted_date=None,
            withdrawn_date="2025-01-10",
            withdrawn_by="candidate",
            **NOT_YET,
        ),
    ]
    write_extract(settings.landing, "383", "recruitment", "2025-06-30", rows)
    write_extract(settings.landing, "383", "hr_staff", "2025-06-30", [hr_staff(employee_id="E1")])
    report = Ingestor(settings, "run", log=lambda _: None).run(["hr_staff", "recruitment"])
    assert report.rejected == []
    assert query(
        settings.warehouse,
        "select source_row, column_name, rule, value from audit.quarantine "
        "where file_name = ? order by source_row",
        [FILE],
    ) == [
        (
            5,
            "shortlisted_date",
            "must not be before an earlier stage (requisition_opened, applied_date)",
            "2025-01-10",
        ),
        (
            6,
            "interviewed_date",
            "must not be before an earlier stage "
            "(requisition_opened, applied_date, shortlisted_date)",
            "2025-01-15",
        ),
        (
            7,
            "offer_accepted_date",
            "required value missing (required when start_date is given)",
            None,
        ),
        (8, "withdrawn_by", "required value missing (required when withdrawn_date is given)", None),
        (9, "withdrawn_date", "required value missing (required when withdrawn_by is given)", None),
        (10, "withdrawn_date", "must not be before applied_date", "2025-01-10"),
    ]
    assert query(
        settings.warehouse,
        "select rows_read, rows_loaded, rows_quarantined from audit.files where file_name = ?",
        [FILE],
    ) == [(9, 3, 6)]
    assert staging(
        settings,
        "select application_id, requisition_opened::varchar, applied_date::varchar, "
        "shortlisted_date::varchar, interviewed_date::varchar, start_date::varchar, "
        "withdrawn_date::varchar, withdrawn_by, fte::double, valid_from::varchar, valid_to "
        "from stg_recruitment__applications order by application_id",
    ) == [
        (
            "APP1",
            "2025-01-06",
            "2025-01-20",
            "2025-02-03",
            "2025-02-17",
            "2025-04-01",
            None,
            None,
            1.0,
            "2025-06-30",
            None,
        ),  # fmt: skip
        (
            "APP2",
            "2025-01-06",
            "2025-01-20",
            "2025-02-03",
            None,
            None,
            "2025-02-10",
            "employer",
            0.5,
            "2025-06-30",
            None,
        ),  # fmt: skip
        (
            "APP3",
            "2025-01-06",
            "2025-01-20",
            "2025-02-03",
            "2025-02-17",
            None,
            "2025-03-01",
            "candidate",
            1.0,
            "2025-06-30",
            None,
        ),  # fmt: skip
    ]
    # the hire is the employee: one pseudonym, and no candidate id is stored as delivered
    assert query(
        settings.warehouse,
        "select r.application_id from raw.recruitment r join raw.hr_staff s "
        "on s.employee_pseudonym = r.candidate_pseudonym",
    ) == [("APP1",)]
    assert query(
        settings.warehouse,
        "select count(*) from raw.recruitment where candidate_pseudonym in ('E1', 'C1', 'C2')",
    ) == [(0,)]


def test_in_the_demo_each_social_worker_recruited_from_outside_is_their_application(demo_home):
    """In the demo's warehouse, every registered social worker in the newest staff snapshot
    who started in the 24 months before it, by a route other than an internal move or an
    agency conversion, has a started application in the newest recruitment snapshot under
    their own pseudonym, with their start date and post."""
    missing, starters = query(
        demo_home / "warehouse" / "warehouse.duckdb",
        """
        with newest as (
            select max(valid_from) as extract_date from raw.recruitment
        ),
        starters as (
            select employee_pseudonym, start_date, post_id from raw.hr_staff
            where valid_to is null and registered_social_worker and org_role between 1 and 6
                and recruitment_route not in ('internal', 'agency_conversion')
                and start_date > (select extract_date - interval 24 month from newest)
        ),
        started as (
            select candidate_pseudonym as employee_pseudonym, start_date, post_id
            from raw.recruitment where valid_to is null and start_date is not null
        )
        select
            (select count(*) from (from starters except from started)),
            (select count(*) from starters)
        """,
    )[0]
    assert starters > 20 and missing == 0


def test_the_funnels_starters_are_the_starters_kpi_values_counts(demo_home):
    """The demo's 2025 census year. The funnel counts the applications made in the year that
    reached each stage: each of those that started by 30 September 2025 is a person kpi_values
    counts as a starter (int_cfsw_spells, from hr_staff) in the census year of their start,
    matched by pseudonym and start date (a later start belongs to a census year not yet
    published). So is each application starting in the year, and those are no more than the
    year's starters (an internal move starts without an application)."""
    ((funnel_started, funnel_by_census, funnel_matched, year_started, year_matched),) = query(
        demo_home / "warehouse" / "warehouse.duckdb",
        """
        with applications as (
            select candidate_pseudonym, applied_date, start_date
            from staging.stg_recruitment__applications
            where valid_to is null and la_code = '383' and start_date is not null
        ),
        starters as (
            select employee_pseudonym, spell_start_date from intermediate.int_cfsw_spells
            where la_code = '383' and is_starter
        ),
        matched as (
            select applications.* from applications inner join starters
                on applications.candidate_pseudonym = starters.employee_pseudonym
                and applications.start_date = starters.spell_start_date
        )
        select
            count(*) filter (where applied_date between '2024-10-01' and '2025-09-30'),
            count(*) filter (
                where applied_date between '2024-10-01' and '2025-09-30'
                and start_date <= '2025-09-30'
            ),
            (select count(*) from matched
                where applied_date between '2024-10-01' and '2025-09-30'),
            count(*) filter (where start_date between '2024-10-01' and '2025-09-30'),
            (select count(*) from matched
                where start_date between '2024-10-01' and '2025-09-30')
        from applications
        """,
    )

    def published(kpi_code: str, value: str) -> float:
        ((figure,),) = query(
            demo_home / "published" / "workforce.duckdb",
            "select value from kpi_values where la_code = '383' and kpi_code = ? and "
            "breakdown_value = ? and period_type = 'census_year' and period_end = '2025-09-30'",
            [kpi_code, value],
        )
        return figure

    assert funnel_by_census > 20 and funnel_matched == funnel_by_census
    assert published("recruitment_funnel", "started") == funnel_started
    assert year_started > 20 and year_matched == year_started
    assert year_started <= published("starters_headcount", "total")
