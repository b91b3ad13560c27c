"""What makes one authority different from another: size, workforce targets, pay policy."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

import numpy as np

from orchestration.generator.calibration import CensusCounts

LONDON_CODES = (201, 320)  # inner and outer London boroughs
MIN_VACANCY = 0.01  # posts are sized and agency cover drawn from the usual vacancy rate
IN_POST_FTE_PER_SOCIAL_WORKER = 1.0  # in-post CFSW FTE the establishment gives per social worker


def random_stream(seed: int, la_code: str, part: str) -> np.random.Generator:
    """An independent random stream per authority and per part of the simulation.

    Keyed by the authority code (not its position), so adding authorities or changing how one
    part draws leaves every other authority and part unchanged.
    """
    part_key = zlib.crc32(part.encode())
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(la_code), part_key)))


@dataclass(frozen=True)
class AuthorityProfile:
    """Per-authority targets the simulation steers towards.

    Rates are the DfE definitions for children and family social workers at 30 September:
    turnover = leavers FTE / in-post FTE; vacancy = vacant FTE / (vacant + in post);
    agency = agency FTE / (agency + in post); caseload = cases per case-holder FTE;
    sickness = sickness days / (in-post FTE x 253).
    """

    la_code: str
    name: str
    social_workers: int
    turnover: float
    vacancy: float
    agency: float
    caseload: float
    sickness: float
    move_rate: float
    establishment_growth: float
    pension_rate: float
    pays_market_supplement: bool
    pays_retention_allowance: bool
    pays_golden_hello: bool
    is_london: bool
    # DfE's published counts by census year, which the simulation meets (calibration.py);
    # empty for an uncalibrated authority, whose rates drift around the targets above
    calibration: dict[int, CensusCounts] = field(default_factory=dict)

    def counts_of(self, census_year: int) -> CensusCounts | None:
        return self.calibration.get(census_year)

    @property
    def social_work_posts(self) -> float:
        """Social work posts the establishment starts with: room for the staff and vacancies."""
        return self.social_workers / (1 - self.vacancy)

    def calibrated(self, counts: dict[int, CensusCounts]) -> AuthorityProfile:
        """This profile meeting DfE's counts: size and usual rates from the published years."""
        if not counts:
            return self
        years = [counts[y] for y in sorted(counts)]
        vacancy = max(float(np.mean([c.vacancy for c in years])), MIN_VACANCY)
        return replace(
            self,
            # posts are sized from headcount; FTE per head runs at about this share
            social_workers=round(years[0].inpost_fte / IN_POST_FTE_PER_SOCIAL_WORKER),
            turnover=float(np.mean([c.turnover for c in years])),
            vacancy=vacancy,
            agency=float(np.mean([c.agency for c in years])),
            caseload=float(np.mean([c.caseload for c in years])),
            sickness=float(np.mean([c.sickness for c in years])),
            calibration=dict(counts),
        )

    @classmethod
    def draw(cls, la_code: str, name: str, seed: int) -> AuthorityProfile:
        rng = random_stream(seed, la_code, "profile")
        vacancy = rng.uniform(0.08, 0.25)
        # Agency cover follows vacancies: councils with many vacancies lean on agency staff.
        agency = float(
            np.clip(vacancy * rng.uniform(0.5, 1.2) + rng.uniform(0.01, 0.06), 0.04, 0.32)
        )
        return cls(
            la_code=la_code,
            name=name,
            social_workers=int(np.exp(rng.uniform(np.log(150), np.log(600)))),
            turnover=rng.uniform(0.11, 0.21),
            vacancy=vacancy,
            agency=agency,
            caseload=rng.uniform(13.5, 18.5),
            sickness=rng.uniform(0.025, 0.038),
            move_rate=rng.uniform(0.03, 0.07),
            establishment_growth=rng.uniform(-0.01, 0.02),
            pension_rate=round(rng.uniform(0.16, 0.22), 3),
            # most councils pay children's social workers a market supplement; about half a
            # golden hello or a retention payment (the thresholds move no other draw)
            pays_market_supplement=bool(rng.random() < 0.8),
            pays_retention_allowance=bool(rng.random() < 0.4),
            pays_golden_hello=bool(rng.random() < 0.55),
            is_london=LONDON_CODES[0] <= int(la_code) <= LONDON_CODES[1],
        )
