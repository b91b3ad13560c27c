"""The published file's digest, kept beside it: `published/workforce.duckdb.sha256.json`.

Publication records the SHA-256 and size of the bytes it moved into place, in a small JSON
file written (atomically) right after the move. Every run checks the file against it before
trusting it (`verify`): a file truncated, altered in place, deleted or unreadable is never
called "byte-identical", never copied as the start of the next publication, and is written
again from the warehouse (publication.py, `check_publication`).

The record lives with the file, not in the warehouse, so a rebuilt warehouse does not lose
it; its name has no leading dot, so the clean-up of temporary files (`.workforce.duckdb.*.tmp`)
never takes it, and its own temporary file is one of those.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

DIGEST_SUFFIX = ".sha256.json"


def digest_path(published: Path) -> Path:
    return published.with_name(published.name + DIGEST_SUFFIX)


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def record_digest(published: Path, sha256: str, size: int, run_id: str, written_by: str) -> None:
    """Record what was just moved into place: its SHA-256 and size, the run whose publication
    it is and the run that wrote it (they differ when a run wrote a publication again)."""
    record = digest_path(published)
    tmp = published.with_name(f".{record.name}.{os.getpid()}.tmp")
    content = {
        "file": published.name,
        "sha256": sha256,
        "bytes": size,
        "publication_run_id": run_id,
        "written_by_run_id": written_by,
        "written_at": datetime.now().isoformat(timespec="seconds"),
    }
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(content, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, record)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(record.parent)


def read_digest(published: Path) -> dict | None:
    """The recorded digest; None when there is none. Raises ValueError when it is unreadable."""
    try:
        record = json.loads(digest_path(published).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise ValueError(f"{digest_path(published).name} is unreadable ({e})") from e
    if not (
        isinstance(record, dict)
        and isinstance(record.get("sha256"), str)
        and isinstance(record.get("bytes"), int)
    ):
        raise ValueError(f"{digest_path(published).name} does not hold a SHA-256 and a size")
    return record


@dataclass(frozen=True)
class Verification:
    """What the check of the published file against its recorded digest found.

    state: `verified` (the bytes are those recorded), `none` (nothing published, nothing
    recorded), or what is wrong: `missing`, `truncated`, `altered`, `unreadable`,
    `unrecorded` (a file with no readable digest: it cannot be verified)."""

    state: str
    problem: str | None = None  # what was found, in words, naming the file
    run_id: str | None = None  # the run whose publication the record says it is

    @property
    def ok(self) -> bool:
        return self.state in ("verified", "none")


def verify(published: Path, expected: bool) -> Verification:
    """Check `published` against its recorded digest. `expected`: a publication is recorded
    elsewhere (the warehouse's log), so a missing file is a fault even without a record."""
    try:
        record = read_digest(published)
    except ValueError as unreadable:
        record, unrecorded = None, str(unreadable)
    else:
        unrecorded = f"{digest_path(published).name} is missing"
    run_id = record.get("publication_run_id") if record else None
    of_run = f" (the publication of run {run_id})" if run_id else ""
    if not published.exists():
        if record is None and not expected:
            return Verification("none")
        return Verification("missing", f"{published} was found missing{of_run}", run_id)
    if record is None:
        return Verification(
            "unrecorded",
            f"{published} could not be verified against its recorded digest: {unrecorded}",
        )
    try:
        size = published.stat().st_size
        sha256 = file_sha256(published)
    except OSError as e:
        return Verification("unreadable", f"{published} was found unreadable ({e})", run_id)
    if size < record["bytes"]:
        return Verification(
            "truncated",
            f"{published} was found truncated: {size:,} of the {record['bytes']:,} bytes "
            f"published{of_run}",
            run_id,
        )
    if size != record["bytes"]:
        return Verification(
            "altered",
            f"{published} was found altered since it was published{of_run}: {size:,} bytes "
            f"where {record['bytes']:,} were published",
            run_id,
        )
    if sha256 != record["sha256"]:
        return Verification(
            "altered",
            f"{published} was found altered in place since it was published{of_run}: its "
            "SHA-256 is not the one recorded at publication",
            run_id,
        )
    return Verification("verified", None, run_id)
