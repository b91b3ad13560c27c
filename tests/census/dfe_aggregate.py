"""A census return aggregated the way DfE aggregates it, from the XML alone.

Written apart from the generator on purpose: it parses the file with the standard library's
ElementTree and imports nothing of `orchestration`, so a figure can only agree with the
published KPIs if the XML says it. DfE's counts (their methodology and the census guide):

- in post on 30 September: directly employed records (AgencyWorker 0) without a RoleEndDate
  and with an FTE: headcount, and FTE summed (not de-duplicated);
- starters / leavers: employed records whose RoleStartDate / RoleEndDate falls in the year
  (1 October to 30 September), FTE30 summed;
- agency workers and vacancies: the LA-level items (LALevelVacancies, LALevel from 2025);
- case holders: records, employed or agency, in post with Cases30 above 0: their FTE summed,
  their cases summed;
- working days lost: WorkingDaysLost summed over employed records;
- the rates: turnover = leavers / in post, agency = agency / (agency + in post), vacancy =
  vacancies / (vacancies + in post), caseload = cases / case-holder FTE, absence = days lost /
  (in post FTE x 253), all in per cent but the caseload.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _number(text: str | None) -> Decimal:
    return Decimal(text) if text else Decimal(0)


def aggregate(path: Path) -> dict[str, Decimal]:
    root = ET.parse(path).getroot()
    census_date = date.fromisoformat(root.findtext("Header/CollectionDetails/ReferenceDate"))
    year_start = census_date.replace(year=census_date.year - 1) + timedelta(days=1)
    # LALevelVacancies to the 2024 collection, LALevel from 2025
    la_level = root.find("LALevelVacancies")
    if la_level is None:
        la_level = root.find("LALevel")
    counts = dict.fromkeys(
        (
            "inpost_fte", "inpost_headcount", "starters_fte", "leavers_fte", "case_holders_fte",
            "cases", "working_days_lost_fte", "agency_records_fte", "agency_records",
        ),
        Decimal(0),
    )  # fmt: skip
    days_lost_records = 0
    for worker in root.iter("CSWWWorker"):
        item = worker.findtext
        employed = item("AgencyWorker") == "0"
        started, ended = _date(item("RoleStartDate")), _date(item("RoleEndDate"))
        fte = _number(item("FTE"))
        in_post = ended is None and fte > 0
        if employed:
            if in_post:
                counts["inpost_fte"] += fte
                counts["inpost_headcount"] += 1
            if started and year_start <= started <= census_date:
                counts["starters_fte"] += _number(item("FTE30"))
            if ended and year_start <= ended <= census_date:
                counts["leavers_fte"] += _number(item("FTE30"))
            if item("WorkingDaysLost") is not None:
                counts["working_days_lost_fte"] += _number(item("WorkingDaysLost"))
                days_lost_records += 1
        else:
            counts["agency_records_fte"] += fte
            counts["agency_records"] += 1
        if in_post and _number(item("Cases30")) > 0:
            counts["case_holders_fte"] += fte
            counts["cases"] += _number(item("Cases30"))
    counts["agency_fte"] = _number(la_level.findtext("NoAgencyFTE"))
    counts["agency_headcount"] = _number(la_level.findtext("NoAgencyHeadcount"))
    counts["vacancy_fte"] = _number(la_level.findtext("NumberOfVacancies"))
    inpost, agency, vacancies = counts["inpost_fte"], counts["agency_fte"], counts["vacancy_fte"]
    hundred = Decimal(100)
    counts["turnover_rate_fte"] = hundred * counts["leavers_fte"] / inpost
    counts["agency_rate_fte"] = hundred * agency / (agency + inpost)
    counts["vacancy_rate_fte"] = hundred * vacancies / (vacancies + inpost)
    counts["caseload_fte"] = counts["cases"] / counts["case_holders_fte"]
    counts["absence_rate_fte"] = hundred * counts["working_days_lost_fte"] / (inpost * 253)
    counts["days_lost_records"] = Decimal(days_lost_records)
    return counts
