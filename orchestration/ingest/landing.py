"""Landing-folder discovery: which files are waiting, and what each one is.

A file's authority, kind and extract date come from its path
(`landing/<la_code>/<kind>_<YYYYMMDD>[_anything].csv|xlsx|parquet`, or
`landing/<dfe kind>_<YYYYMMDD>.csv` for DfE's files). Light on imports: the landing sensor
uses it on every tick.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from orchestration.contract import KINDS, REFERENCE_KINDS

FILE_NAME = re.compile(
    r"^(?P<kind>[a-z_]+?)_(?P<date>\d{8})(?:_[^/]*)?\.(?P<ext>csv|xlsx|parquet)$", re.IGNORECASE
)
LA_CODE = re.compile(r"^\d{3}$")


class RejectedFile(Exception):
    """The file as a whole cannot be loaded; the message says why (file, row, column, rule)."""


@dataclass(frozen=True)
class LandedFile:
    path: Path
    name: str  # path below landing/, as people see it
    la_code: str | None  # None for a DfE reference file
    kind: str
    extract_date: date
    sha256: str

    @property
    def archive_name(self) -> str:
        return f"{self.la_code or 'dfe'}/{self.kind}/{self.sha256}{self.path.suffix.lower()}"

    @property
    def is_reference(self) -> bool:
        return self.kind in REFERENCE_KINDS


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def landed_files(landing: Path) -> Iterator[Path]:
    """Every file below landing/, oldest name first; hidden and temporary files are ignored."""
    for path in sorted(landing.rglob("*")):
        if path.is_file() and not path.name.startswith((".", "~$")):
            yield path


def classify(path: Path, landing: Path) -> LandedFile:
    """Read authority, kind and extract date from the path, or reject the file."""
    name = path.relative_to(landing).as_posix()
    parts = path.relative_to(landing).parts
    match = FILE_NAME.match(path.name)
    reference = match and match["kind"].lower() in REFERENCE_KINDS
    if reference and len(parts) != 1:
        raise RejectedFile(
            f"{name}: DfE reference file in a subfolder (rule: landing/<kind>_<YYYYMMDD>.csv)"
        )
    if reference and match["ext"].lower() != "csv":
        raise RejectedFile(f"{name}: a DfE reference file must be the CSV DfE publishes")
    if not reference and (len(parts) != 2 or not LA_CODE.match(parts[0])):
        raise RejectedFile(
            f"{name}: not in an authority folder (rule: landing/<3-digit la_code>/<file>, "
            f"or landing/<{'|'.join(REFERENCE_KINDS)}>_<YYYYMMDD>.csv for DfE's files)"
        )
    if not match:
        raise RejectedFile(f"{name}: file name is not <kind>_<YYYYMMDD>[_<anything>].csv|parquet")
    kind = match["kind"].lower()
    if kind not in KINDS and not reference:
        raise RejectedFile(f"{name}: unknown kind '{kind}' (known: {', '.join(KINDS)})")
    try:
        extract_date = datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError as e:
        raise RejectedFile(f"{name}: '{match['date']}' in the file name is not a date") from e
    la_code = None if reference else parts[0]
    return LandedFile(path, name, la_code, kind, extract_date, sha256_of(path))
