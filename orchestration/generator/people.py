"""Who the simulated people are: names, gender, ethnicity, qualification and SWE number."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.generator import reference as ref
from orchestration.generator.workforce import Workforce, choose


def swe_numbers(rng: np.random.Generator, count: int) -> np.ndarray:
    """Social Work England numbers: `SW` and 10 digits."""
    digits = rng.integers(0, 10**10, size=count)
    return np.array([f"SW{d:010d}" for d in digits], dtype=object)


@dataclass(frozen=True)
class Identities:
    """One element per person of the workforce."""

    full_name: np.ndarray
    gender: np.ndarray
    ethnicity: np.ndarray
    qual_level: np.ndarray  # 0 for people never registered
    swe_number: np.ndarray  # None for people never registered


def draw_identities(workforce: Workforce, is_london: bool, rng: np.random.Generator) -> Identities:
    people = len(workforce.birth_day)
    gender = choose(rng, ref.GENDERS, people).astype(np.int64)
    ethnicity_weights = dict(ref.ETHNICITIES)
    if is_london:
        ethnicity_weights["WBRI"] *= ref.LONDON_WHITE_BRITISH_FACTOR
    ethnicity = choose(rng, ethnicity_weights, people)
    origin = np.array([ref.NAME_ORIGIN_BY_ETHNICITY[e] for e in ethnicity])
    first = np.empty(people, dtype=object)
    last = np.empty(people, dtype=object)
    for name_origin in ref.SURNAMES:
        mine = origin == name_origin
        female = mine & (gender != 1)
        male = mine & (gender == 1)
        first[female] = rng.choice(ref.FEMALE_NAMES[name_origin], size=female.sum())
        first[male] = rng.choice(ref.MALE_NAMES[name_origin], size=male.sum())
        last[mine] = rng.choice(ref.SURNAMES[name_origin], size=mine.sum())
    registered = np.zeros(people, dtype=bool)
    registered[workforce.person[workforce.registered]] = True
    swe = np.where(registered, swe_numbers(rng, people), None)
    qual_level = np.where(registered, choose(rng, ref.QUALIFICATION_LEVELS, people), 0)
    return Identities(
        full_name=np.char.add(np.char.add(first.astype(str), " "), last.astype(str)).astype(object),
        gender=gender,
        ethnicity=ethnicity,
        qual_level=qual_level.astype(np.int64),
        swe_number=swe,
    )
