"""Each collection's encoding of the return, as data: `collections/<year>.yaml` and its schema.

DfE changes the census return between collections (`docs/census-return.md` lists what changed
when): an item is renamed, replaced or added, the LA-level block gains items, a pattern is
relaxed. records.py works out every item a record can carry (a "fact", named as DfE names it);
a collection's YAML file says which facts it asks for, under which element names and in which
order, and which a record must have. The census year chooses the file: its own, else the
latest earlier one (a collection whose specification is not published yet), else the earliest
(years before the first encoding kept here). Adding next year's collection is a YAML file and
a schema file in `collections/`, and their tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

COLLECTIONS = Path(__file__).with_name("collections")


class EncodingError(Exception):
    """A collection file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Encoding:
    collection: int  # the collection year whose file this is
    census_year: int  # the census year the return is for
    schema: Path
    swe_digits: int | None  # SWENo's digits zero-padded to this many (None: as registered)
    la_level_element: str
    la_level_items: tuple[tuple[str, str], ...]  # (element, fact) in the schema's order
    worker_items: tuple[tuple[str, str], ...]
    employed_required: tuple[str, ...]  # facts
    agency_required: tuple[str, ...]
    in_post_required: tuple[str, ...]

    @property
    def facts(self) -> frozenset[str]:
        """Every fact the collection asks for, of a worker or of the authority."""
        return frozenset(f for _, f in self.worker_items + self.la_level_items)

    def element(self, fact: str) -> str:
        """The element a fact is written as (the fact's own name when it is not written)."""
        return next((e for e, f in self.worker_items + self.la_level_items if f == fact), fact)

    @property
    def substitute(self) -> str | None:
        """Why the return is not in its own collection's encoding, when it is not."""
        if self.collection == self.census_year:
            return None
        if self.collection < self.census_year:
            return (
                f"DfE has published no encoding of the {self.census_year} collection that this "
                f"project knows: the return is written in the {self.collection} encoding, the "
                "latest known. Check DfE's collection guide for changes before submitting."
            )
        return (
            f"The {self.census_year} collection's encoding is not kept here: the return is "
            f"written in the {self.collection} encoding, the earliest known."
        )


def items(entries: list, path: Path, key: str) -> tuple[tuple[str, str], ...]:
    """`[Element, {Element: fact}, ...]` as (element, fact) pairs."""
    pairs = []
    for entry in entries:
        if isinstance(entry, str):
            pairs.append((entry, entry))
        elif isinstance(entry, dict) and len(entry) == 1:
            ((element, fact),) = entry.items()
            pairs.append((str(element), str(fact)))
        else:
            raise EncodingError(f"{path}: {key}: {entry!r} is not `Element` or `Element: fact`")
    return tuple(pairs)


def read_encoding(path: Path, census_year: int) -> Encoding:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        la_level = data["la_level"]
        encoding = Encoding(
            collection=int(data["collection"]),
            census_year=census_year,
            schema=path.with_name(data["schema"]),
            swe_digits=data.get("swe_digits"),
            la_level_element=la_level["element"],
            la_level_items=items(la_level["items"], path, "la_level.items"),
            worker_items=items(data["worker_items"], path, "worker_items"),
            employed_required=tuple(data.get("employed_required") or ()),
            agency_required=tuple(data.get("agency_required") or ()),
            in_post_required=tuple(data.get("in_post_required") or ()),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as e:
        raise EncodingError(f"{path}: {type(e).__name__}: {e}") from None
    if not encoding.schema.is_file():
        raise EncodingError(f"{path}: its schema {encoding.schema.name} is not beside it")
    return encoding


def collection_years(directory: Path = COLLECTIONS) -> list[int]:
    return sorted(int(p.stem) for p in directory.glob("*.yaml") if p.stem.isdigit())


def encoding_for(census_year: int, directory: Path = COLLECTIONS) -> Encoding:
    """The encoding of the census year's collection, or the nearest known one (see above)."""
    years = collection_years(directory)
    if not years:
        raise EncodingError(f"No collection encoding in {directory}")
    earlier = [y for y in years if y <= census_year]
    year = earlier[-1] if earlier else years[0]
    return read_encoding(directory / f"{year}.yaml", census_year)
