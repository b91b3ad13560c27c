"""Synthetic extracts for N authorities, in the format of docs/extracts.md.

`generate` simulates each authority's children's social care workforce (posts, staff moving,
leaving and starting, agency cover, absence, case allocations, pay) from two years before its
first extract to the end date, then writes what its HR, payroll, agency and case systems would
have delivered: `<out>/<la_code>/<kind>_<YYYYMMDD>.csv` (see timeline.Timeline for the dates),
and the agency rules' regional price caps as `<out>/agency_price_caps_20250401.csv`. Output depends only on the
arguments: the same arguments give byte-identical files, and each authority has its own random
streams so adding authorities leaves the earlier ones unchanged. One authority is held in
memory at a time. A calibrated authority (`calibrate`) meets DfE's published counts in the
census years DfE publishes (calibration.py; docs/generator.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import islice
from pathlib import Path

from orchestration.generator.agency_rules import write_price_caps
from orchestration.generator.authority import simulate_authority
from orchestration.generator.calibration import dfe_counts
from orchestration.generator.extracts import write_extracts
from orchestration.generator.profile import AuthorityProfile, random_stream
from orchestration.generator.reference import AUTHORITIES
from orchestration.generator.timeline import Timeline

DEFAULT_END_DATE = date(2025, 12, 31)


def generate(
    out: Path,
    authorities: int,
    years: int,
    seed: int,
    end_date: date = DEFAULT_END_DATE,
    progress: Callable[[str], None] | None = None,
    calibrate: bool = False,
) -> list[Path]:
    """Write extracts for the first `authorities` authorities over `years` census years;
    with `calibrate`, each authority meets DfE's published counts in the census years DfE
    publishes in full (calibration.py), and is drawn at random in the others."""
    if not 1 <= authorities <= len(AUTHORITIES):
        raise ValueError(f"authorities must be between 1 and {len(AUTHORITIES)}")
    timeline = Timeline.ending(end_date, years)
    written: list[Path] = []
    for la_code, name in islice(AUTHORITIES.items(), authorities):
        profile = AuthorityProfile.draw(la_code, name, seed)
        if calibrate:
            profile = profile.calibrated(dfe_counts(la_code))
        history = simulate_authority(profile, timeline, seed)
        payroll_rng = random_stream(seed, la_code, "payroll")
        recruitment_rng = random_stream(seed, la_code, "recruitment")
        files = write_extracts(Path(out) / la_code, history, timeline, payroll_rng, recruitment_rng)
        written += files
        if progress:
            in_post = history.workforce.social_workers_at(timeline.end_day)
            progress(f"{la_code} {name}: {len(files)} files, {in_post} social workers in post")
    # the agency rules' regional price caps, in the landing folder's root
    written.append(write_price_caps(Path(out)))
    return written


__all__ = ["AUTHORITIES", "generate"]
