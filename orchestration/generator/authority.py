"""One authority's simulated history, each part drawn from its own random stream."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.generator.absence import Absences, simulate_absence
from orchestration.generator.agency import Agency, Timesheets, simulate_agency, weekly_timesheets
from orchestration.generator.cases import (
    Allocations,
    CaseHolders,
    allocate_children,
    case_holders,
    settle_caseloads,
)
from orchestration.generator.payroll import PayPolicy
from orchestration.generator.people import Identities, draw_identities
from orchestration.generator.profile import AuthorityProfile, random_stream
from orchestration.generator.timeline import Timeline
from orchestration.generator.workforce import Workforce, simulate_workforce


@dataclass(frozen=True)
class AuthorityHistory:
    profile: AuthorityProfile
    workforce: Workforce
    identities: Identities
    absences: Absences
    agency: Agency
    timesheets: Timesheets
    holders: CaseHolders
    allocations: Allocations
    pay_policy: PayPolicy


def simulate_authority(
    profile: AuthorityProfile, timeline: Timeline, seed: int
) -> AuthorityHistory:
    def stream(part: str):
        return random_stream(seed, profile.la_code, part)

    workforce = simulate_workforce(profile, timeline, stream("workforce"))
    identities = draw_identities(workforce, profile.is_london, stream("identities"))
    absences = simulate_absence(workforce, identities, profile, timeline, stream("absence"))
    agency = simulate_agency(workforce, identities, absences, profile, timeline, stream("agency"))
    holders = case_holders(workforce, agency, profile, timeline, stream("caseloads"))
    team_areas = workforce.organisation.team_areas
    cases = stream("cases")
    allocations = allocate_children(holders, team_areas, timeline, cases)
    allocations = settle_caseloads(
        holders, allocations, workforce, agency, profile, timeline, cases
    )
    return AuthorityHistory(
        profile=profile,
        workforce=workforce,
        identities=identities,
        absences=absences,
        agency=agency,
        timesheets=weekly_timesheets(agency, timeline, stream("timesheets")),
        holders=holders,
        allocations=allocations,
        pay_policy=PayPolicy.draw(workforce, profile, stream("pay")),
    )
