"""The agency rules' columns of the agency extract, and the regional price caps file.

Every value is drawn from a hash of the authority and the assignment id, not from the
simulation's random streams: the other columns, every other extract and so every published KPI
are as they were before the columns existed, and an assignment's values repeat in every
snapshot. A few assignments break a rule, as in life: about 1 in 16 costs more than its
region's cap (half of them signed off), 1 in 25 has under three years' PQE, 1 in 25 arrived
without a practice-based reference, and project cover comes through a project team. (The
simulation has no permanent leaver returning as a locum, so the demo shows no re-engagement.)
"""

from __future__ import annotations

import csv
import hashlib
from functools import cache
from pathlib import Path

import numpy as np

from orchestration.settings import SEEDS_DIR

CAPS_FILE = "agency_price_caps_20250401.csv"
CAPS_FROM = "2025-04-01"  # the caps applied to new assignments from 1 April 2025
# pay rate + on-costs per hour, per role category; London and the South East pay more
CAPS = {"SW": 40.0, "SSW": 45.0, "AP": 48.0, "TM": 55.0, "IRO": 52.0}
REGION_UPLIFT = {"Inner London": 6.0, "Outer London": 4.0, "South East": 2.0}
ONCOSTS = 0.12  # employer National Insurance and apprenticeship levy, about 12% of pay
OVER_CAP, SIGNED_OFF, UNDER_3_YEARS, NO_REFERENCE, IRO = 0.06, 0.5, 0.04, 0.04, 0.08
SIGN_OFF_ROLES = (
    "Director of Children's Services",
    "Assistant Director of Children's Social Care",
    "Head of Service for Safeguarding",
)


@cache
def regions() -> dict[str, str]:
    with (SEEDS_DIR / "dfe_authorities.csv").open(encoding="utf-8", newline="") as f:
        return {row["la_code"]: row["region_name"] for row in csv.DictReader(f)}


def cap(region: str, role_category: str) -> float:
    return CAPS[role_category] + REGION_UPLIFT.get(region, 0.0)


def draw(la_code: str, assignment_id: str, what: str) -> float:
    """A number in [0, 1) that is the assignment's alone."""
    digest = hashlib.sha256(f"agency_rules:{la_code}:{assignment_id}:{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def role_category(role: int, u: float) -> str:
    """The rules' category of a CSWW role: managers are team managers, senior practitioners
    senior social workers or advanced practitioners (a few IROs), case holders social workers."""
    if role in (1, 2):
        return "TM"
    if role == 3:
        return "TM" if u < 0.6 else "AP"
    if role == 4:
        return "IRO" if u < IRO else "SSW" if u < 0.75 else "AP"
    return "SW"


def agency_rules_columns(
    la_code: str,
    assignment_ids: np.ndarray,
    registered: np.ndarray,
    roles: np.ndarray,
    cover_reasons: np.ndarray,
) -> dict[str, object]:
    """The seven columns, empty for a worker who is not a registered social worker (the rules
    cover child and family social workers only)."""
    region = regions().get(la_code, "")
    columns: dict[str, list] = {
        name: []
        for name in (
            "role_category", "hourly_pay_rate_gbp", "hourly_oncosts_gbp", "project_team",
            "pqe_la_years", "cap_exceeded_approved_by", "practice_reference_received",
        )
    }  # fmt: skip
    for assignment, is_registered, role, reason in zip(
        np.asarray(assignment_ids).tolist(),
        np.asarray(registered).tolist(),
        np.asarray(roles).tolist(),
        np.asarray(cover_reasons).tolist(),
        strict=True,
    ):
        if not is_registered:
            for values in columns.values():
                values.append(None)
            continue

        def u(what: str, assignment: str = assignment) -> float:
            return draw(la_code, assignment, what)

        category = role_category(int(role), u("role"))
        over = u("over_cap") < OVER_CAP
        factor = 1.01 + 0.09 * u("factor") if over else 0.82 + 0.17 * u("factor")
        cost = round(cap(region, category) * factor, 2)
        pay = round(cost / (1 + ONCOSTS), 2)
        columns["role_category"].append(category)
        columns["hourly_pay_rate_gbp"].append(pay)
        columns["hourly_oncosts_gbp"].append(round(cost - pay, 2))
        columns["project_team"].append(reason == "project")
        under = u("pqe") < UNDER_3_YEARS
        columns["pqe_la_years"].append(
            round(1 + 1.9 * u("years"), 1) if under else round(3 + 22 * u("years"), 1)
        )
        signed = over and u("signed") < SIGNED_OFF
        columns["cap_exceeded_approved_by"].append(
            SIGN_OFF_ROLES[int(u("who") * len(SIGN_OFF_ROLES))] if signed else None
        )
        columns["practice_reference_received"].append(u("reference") >= NO_REFERENCE)
    missing = np.array([v is None for v in columns["hourly_pay_rate_gbp"]])
    out: dict[str, object] = {}
    for name, values in columns.items():
        if name in ("hourly_pay_rate_gbp", "hourly_oncosts_gbp", "pqe_la_years"):
            out[name] = (np.array([0.0 if v is None else v for v in values]), missing)
        elif name in ("project_team", "practice_reference_received"):
            out[name] = (np.array([bool(v) for v in values]), missing)
        else:
            out[name] = np.array(values, dtype=object)
    return out


def write_price_caps(out: Path) -> Path:
    """`<out>/agency_price_caps_20250401.csv`: every region's caps from 1 April 2025, open-ended
    (the landing folder's root, where DfE's files go too)."""
    path = Path(out) / CAPS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["region,role_category,cap_gbp_per_hour,applies_from,applies_to"]
    for region in sorted(set(regions().values())):
        lines += [f"{region},{c},{cap(region, c):.2f},{CAPS_FROM}," for c in CAPS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
