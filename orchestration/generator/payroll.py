"""Monthly pay lines of every employed assignment: basic pay, extras and employer on-costs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.generator import reference as ref
from orchestration.generator.profile import AuthorityProfile
from orchestration.generator.timeline import Month
from orchestration.generator.workforce import MAIN, YEAR, Workforce

PAY_ELEMENTS = (
    "basic", "overtime", "market_supplement", "retention_allowance", "golden_hello", "other",
    "employer_ni", "employer_pension",
)  # fmt: skip
WEEKS_A_MONTH = 52 / 12
OVERTIME_SHARE = 0.04  # of monthly pay of staff below manager grades
MANAGER_ROLES = (ref.SENIOR_MANAGER, ref.MIDDLE_MANAGER, ref.FIRST_LINE_MANAGER)
MARKET_SUPPLEMENT_AREAS = ("Front Door", "Assessment", "Child Protection")
ADJUSTMENT_SHARE, ARREARS_SHARE = 0.004, 0.003
# Employer National Insurance (rate, monthly secondary threshold), changed in April 2025.
EMPLOYER_NI_BEFORE_APRIL_2025 = (0.138, 758.0)
EMPLOYER_NI_FROM_APRIL_2025 = (0.15, 417.0)


def pay_index(year: int, month: int) -> float:
    """Pay level of a month relative to April 2025 pay levels (awards apply from April)."""
    pay_year = year if month >= 4 else year - 1
    index = 1.0
    for award_year in range(pay_year + 1, ref.PAY_LEVEL_YEAR + 1):
        index /= 1 + ref.PAY_AWARDS.get(award_year, ref.DEFAULT_PAY_AWARD)
    for award_year in range(ref.PAY_LEVEL_YEAR + 1, pay_year + 1):
        index *= 1 + ref.PAY_AWARDS.get(award_year, ref.DEFAULT_PAY_AWARD)
    return index


@dataclass(frozen=True)
class PayPolicy:
    """What each assignment is paid at April 2025 pay levels, drawn once so pay is stable."""

    salary: np.ndarray  # yearly, for salaried assignments
    hourly_rate: np.ndarray  # for casual assignments paid by hours claimed
    market_supplement: np.ndarray  # yearly, 0 where none is paid
    golden_hello: np.ndarray  # paid with the first month's pay, 0 where none
    retention_allowance: np.ndarray  # paid each December, 0 where none

    @classmethod
    def draw(cls, workforce: Workforce, profile: AuthorityProfile, rng) -> PayPolicy:
        rows = len(workforce.title)
        low, high = np.array([ref.SALARY_BANDS.get(t, (0, 0)) for t in workforce.title]).T
        salary = np.round(rng.uniform(low, high), -1)
        hourly = np.array([ref.SESSIONAL_HOURLY_RATE.get(t, 0.0) for t in workforce.title])
        case_work = np.isin(workforce.role, (ref.SENIOR_PRACTITIONER, ref.CASE_HOLDER)) & (
            workforce.kind == MAIN
        )
        areas = np.array(workforce.organisation.team_areas, dtype=object)[workforce.team]
        supplement = np.where(
            profile.pays_market_supplement & case_work & np.isin(areas, MARKET_SUPPLEMENT_AREAS),
            np.round(rng.uniform(1_500, 5_000, rows), -2),
            0.0,
        )
        new_to_authority = np.isin(workforce.route, ("external", "international"))
        golden_hello = np.where(
            profile.pays_golden_hello & case_work & new_to_authority & (rng.random(rows) < 0.5),
            np.round(rng.uniform(2_000, 5_000, rows), -2),
            0.0,
        )
        retention = np.where(
            profile.pays_retention_allowance & case_work,
            np.round(rng.uniform(1_000, 2_500, rows), -1),
            0.0,
        )
        return cls(salary, hourly, supplement, golden_hello, retention)


@dataclass(frozen=True)
class PayLines:
    row: np.ndarray  # assignment
    element: np.ndarray  # index into PAY_ELEMENTS
    amount: np.ndarray


def monthly_pay(
    workforce: Workforce,
    policy: PayPolicy,
    profile: AuthorityProfile,
    month: Month,
    rng: np.random.Generator,
) -> PayLines:
    """Pay lines for one calendar month, ordered by assignment and pay element."""
    wf = workforce
    rows = np.flatnonzero((wf.start <= month.last) & (wf.end >= month.first))
    worked = np.minimum(wf.end[rows], month.last) - np.maximum(wf.start[rows], month.first) + 1
    share = worked / month.days
    index = pay_index(month.year, month.month)
    fte = wf.fte[rows]
    by_hours = policy.hourly_rate[rows] > 0
    hours = WEEKS_A_MONTH * 37 * fte * share * rng.uniform(0.5, 1.5, len(rows))
    basic = np.where(
        by_hours,
        policy.hourly_rate[rows] * index * np.round(hours * 4) / 4,
        policy.salary[rows] * index / 12 * fte * share,
    )
    overtime = np.where(
        ~np.isin(wf.role[rows], MANAGER_ROLES) & (rng.random(len(rows)) < OVERTIME_SHARE),
        rng.uniform(60, 500, len(rows)),
        0.0,
    )
    supplement = policy.market_supplement[rows] * index / 12 * fte * share
    starts_this_month = wf.start[rows] >= month.first
    golden_hello = np.where(starts_this_month, policy.golden_hello[rows], 0.0)
    long_serving = month.first - wf.service_start[wf.person[rows]] >= 2 * YEAR
    retention = np.where(
        (month.month == 12) & long_serving & (wf.end[rows] > month.last),
        policy.retention_allowance[rows],
        0.0,
    )
    draw = rng.random(len(rows))
    other = np.select(
        [draw < ADJUSTMENT_SHARE, draw < ADJUSTMENT_SHARE + ARREARS_SHARE],
        [-rng.uniform(40, 900, len(rows)), rng.uniform(40, 600, len(rows))],
        0.0,
    )
    pensionable = basic + overtime + supplement
    gross = pensionable + golden_hello + retention + np.maximum(other, 0)
    rate, threshold = (
        EMPLOYER_NI_FROM_APRIL_2025
        if (month.year, month.month) >= (2025, 4)
        else EMPLOYER_NI_BEFORE_APRIL_2025
    )
    employer_ni = rate * np.maximum(gross - threshold, 0)
    employer_pension = profile.pension_rate * pensionable

    amounts = np.round(
        np.stack(
            [
                basic,
                overtime,
                supplement,
                retention,
                golden_hello,
                other,
                employer_ni,
                employer_pension,
            ],
            axis=1,
        ),
        2,
    )
    line_rows, elements = np.nonzero(amounts)
    return PayLines(rows[line_rows], elements, amounts[line_rows, elements])
