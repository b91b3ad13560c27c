"""Landing-folder discovery: which files are waiting, and what each one is.

A file's authority, kind and extract date come from its path
(`landing/<la_code>/<kind>_<YYYYMMDD>[_anything].csv|xlsx|parquet`, or
`landing/<dfe kind>_<YYYYMMDD>.csv` for DfE's files). Light on imports: the landing sensor
uses it on every tick.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from orchestration.contract import KINDS, REFERENCE_KINDS

if TYPE_CHECKING:
    from orchestration.settings import Settings

# ASCII digits only: Python's \d also matches other scripts' digits (an authority folder of
# Arabic-Indic digits is not a new authority).
FILE_NAME = re.compile(
    r"^(?P<kind>[a-z_]+?)_(?P<date>[0-9]{8})(?:_[^/]*)?\.(?P<ext>csv|xlsx|parquet)$", re.IGNORECASE
)
LA_CODE = re.compile(r"^[0-9]{3}$")

LISTING = "landed-files.json"  # beside the warehouse: see ledger.write_listing


@dataclass(frozen=True)
class Listing:
    """What the ledger held when the last run concluded, for the landing sensor and the nightly
    schedule, which never open the warehouse (a reader would block the run that writes it)."""

    files: dict[str, list[list]]  # landed name: [[size, mtime_ns, sha256], ...] as recorded
    up_to_date_since: str | None  # the run whose publication reflects every file recorded
    project: str | None  # the project's fingerprint then (publish/publication.py)

    def knows(self, name: str, size: int, mtime_ns: int, sha256: str | None = None) -> str | None:
        """The hash recorded for this file, if the ledger holds it as it stands (by size and
        time, as ingestion itself skips it) or, given `sha256`, by content."""
        for recorded_size, recorded_mtime, recorded_sha in self.files.get(name, ()):
            if [recorded_size, recorded_mtime] == [size, mtime_ns] or recorded_sha == sha256:
                return recorded_sha
        return None


def read_listing(settings: Settings) -> Listing | None:
    """The listing of the last run that concluded; None without one (or without a warehouse:
    a listing outliving its warehouse describes nothing)."""
    if not settings.warehouse.exists():
        return None
    try:
        kept = json.loads(settings.warehouse.with_name(LISTING).read_text())
        return Listing(kept["files"], kept["up_to_date_since"], kept["project"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


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
    # as the file stood in landing/ when it was hashed: a later run finding the same name,
    # size and time recorded in the ledger does not read it again (as the sensor does)
    size: int | None = None
    mtime_ns: int | None = None

    @property
    def la_code_or_dfe(self) -> str:
        """The archive folder of the file's source: its authority, or `dfe`."""
        return self.la_code or "dfe"

    @property
    def is_reference(self) -> bool:
        return self.kind in REFERENCE_KINDS


def not_a_regular_file(path: Path) -> str | None:
    """Why `path` is not read: a link (followed, it could read anything on the machine), a
    pipe (reading one waits forever), a device or socket. None for a regular file."""
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if not stat.S_ISREG(mode):
        return "not a regular file (a pipe, socket or device)"
    return None


def sha256_of(path: Path) -> str:
    """The content's SHA-256; for what is not a regular file, a hash of what it is and, for a
    link, where it points (its target is never opened)."""
    digest = hashlib.sha256()
    if problem := not_a_regular_file(path):
        target = os.readlink(path) if path.is_symlink() else ""
        digest.update(f"{problem}: {target}".encode())
        return digest.hexdigest()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def landed_files(
    landing: Path,
    kinds: set[str] | None = None,
    passed_over: list[str] | None = None,
    authority: str | None = None,
) -> Iterator[Path]:
    """Every entry below landing/ but folders, by name; hidden files and folders and Office
    lock files are not read (with `passed_over`, each is added to it, with why: see
    `not_read`). Links are listed (to be refused), never followed into. With `kinds`, only the
    files whose name could make them one of those kinds (`identify` decides): a step loading
    some kinds looks no further at the others' files, tens of thousands nationally. With
    `authority` (an authority of a hub), only its own folder and DfE's files beside them."""
    found: list[str] = []
    top = os.path.join(landing, authority) if authority else landing
    for folder, subfolders, files in os.walk(top, followlinks=False):
        if passed_over is not None:
            passed_over += [
                f"{landed_name(Path(folder, name), landing)}: {why}"
                for name in sorted(subfolders + files)
                if (why := not_read(name, folder=name in subfolders))
            ]
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        if kinds is None:
            for name in subfolders:  # a link to a folder is listed as an entry, not walked
                if os.path.islink(os.path.join(folder, name)):
                    found.append(os.path.join(folder, name))
        found += [
            os.path.join(folder, name)
            for name in files
            if not name.startswith((".", "~$")) and (kinds is None or may_be_of(name, kinds))
        ]
    if authority and landing.is_dir():  # DfE's files: every authority of a hub loads them
        wanted = set(REFERENCE_KINDS) & (kinds if kinds is not None else set(REFERENCE_KINDS))
        found += [
            entry.path
            for entry in os.scandir(landing)
            if not entry.is_dir(follow_symlinks=False) and may_be_of(entry.name, wanted)
        ]
    for path in sorted(found, key=lambda p: p.split(os.sep)):  # as paths sort, by their parts
        yield Path(path)


def landed_files_of(
    settings: Settings, kinds: set[str] | None = None, passed_over: list[str] | None = None
) -> Iterator[Path]:
    """`landed_files` of the home, or of its authority when the settings are one's in a hub."""
    if not settings.landing.exists():
        return iter(())
    return landed_files(settings.landing, kinds, passed_over, authority=settings.la_code)


def not_read(name: str, folder: bool = False) -> str | None:
    """Why an entry of landing/ is passed over unread, or None. Hidden files are the system's
    (`.DS_Store`, `._name`, `.~lock.name#`) and a `~$name` file is the lock Office keeps
    beside a workbook open in Excel: neither is an extract, and the lock holds who opened it."""
    if name.startswith("."):
        what = "folder" if folder else "file"
        return f"skipped: a hidden {what} (its name begins with '.'), not an extract; " + (
            "nothing in it is read" if folder else "not read"
        )
    if name.startswith("~$") and not folder:
        return (
            "skipped: an Office lock file (its name begins with '~$': a workbook open in "
            "Excel), not an extract; not read"
        )
    return None


def may_be_of(name: str, kinds: set[str]) -> bool:
    """Whether a file so named could be one of `kinds`."""
    match = FILE_NAME.match(name)
    return bool(match) and match["kind"].lower() in kinds


class Identity(NamedTuple):
    name: str
    la_code: str | None
    kind: str
    extract_date: date


def hashed(path: Path, identity: Identity, status: os.stat_result) -> LandedFile:
    """The identified file with its hash, and its size and time as `status` saw them first."""
    return LandedFile(path, *identity, sha256_of(path), status.st_size, status.st_mtime_ns)


def landed_name(path: Path, landing: Path) -> str:
    """The path below landing/, as people see it (`201/hr_staff_20250331.csv`). By string:
    pathlib's relative_to costs seconds over a national landing folder."""
    relative = str(path).removeprefix(f"{landing}{os.sep}")
    if relative == str(path):
        return path.relative_to(landing).as_posix()
    return relative.replace(os.sep, "/")


def identify(path: Path, landing: Path) -> Identity:
    """Authority, kind and extract date from the path (the bytes are not read), or reject."""
    name = landed_name(path, landing)
    parts = tuple(name.split("/"))
    if problem := not_a_regular_file(path):
        raise RejectedFile(
            f"{name}: {problem} (rule: only regular files inside landing/ are read; "
            "links are never followed)"
        )
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
    return Identity(name, None if reference else parts[0], kind, extract_date)
