"""The file ledger: `audit.files` (every landed file, by content hash, with its status), the
content-addressed archive, the rejected/ folder and the quarantined rows of each file; and,
as each run concludes, its listing beside the warehouse (`write_listing`), which the landing
sensor and the nightly schedule read instead of opening the warehouse."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import duckdb

from orchestration.ingest.landing import LISTING, LandedFile, not_a_regular_file, sha256_of
from orchestration.ingest.stage import Staged
from orchestration.settings import Settings

PARTIAL = "incoming.partial"  # a copy into the archive not yet renamed to its hash


class Ledger:
    def __init__(self, conn: duckdb.DuckDBPyConnection, settings: Settings, run_id: str):
        self.conn = conn
        self.settings = settings
        self.run_id = run_id

    def clear_partial_copies(self, kinds: list[str]) -> None:
        """What a killed run left half-copied into the archive folders of these kinds (looked
        up by name: the archive is not listed, its size must not cost every run)."""
        for kind in kinds:
            for stale in self.settings.archive.glob(f"*/{kind}/{PARTIAL}"):
                stale.unlink()
        (self.settings.archive / "rejected" / PARTIAL).unlink(missing_ok=True)

    def recorded_stats(self, kinds: list[str] | None = None) -> dict[str, set[tuple[int, int]]]:
        """(size, modification time) of each file (of these kinds) as it stood in landing/ when
        it was recorded, by name: a file found so again is not read again."""
        seen: dict[str, set[tuple[int, int]]] = {}
        for name, size, mtime_ns in self.conn.execute(
            "select file_name, landed_size, landed_mtime_ns from audit.files "
            "where ($kinds is null or kind in (select unnest($kinds::varchar[]))) "
            "and landed_mtime_ns is not null",
            {"kinds": kinds},
        ).fetchall():
            seen.setdefault(name, set()).add((size, mtime_ns))
        return seen

    def versions(self, landed: LandedFile) -> list[tuple[str, str, str]]:
        """(sha256, status, file name) of every file of this authority, kind and date."""
        return self.conn.execute(
            "select file_id, status, file_name from audit.files "
            "where la_code is not distinct from ? and kind = ? and extract_date = ?",
            [landed.la_code, landed.kind, landed.extract_date],
        ).fetchall()

    def versions_of(self, group: list[LandedFile]) -> dict[Path, list[tuple[str, str, str]]]:
        """`versions` of each file of a group of one kind and authority, in one query."""
        found: dict = {}
        for d, sha, status, name in self.conn.execute(
            "select extract_date, file_id, status, file_name from audit.files "
            "where la_code is not distinct from ? and kind = ? and extract_date between ? and ?",
            [
                group[0].la_code,
                group[0].kind,
                min(f.extract_date for f in group),
                max(f.extract_date for f in group),
            ],
        ).fetchall():
            found.setdefault(d, []).append((sha, status, name))
        return {f.path: found.get(f.extract_date, []) for f in group}

    def previous_snapshot(self, landed: LandedFile) -> tuple[int, str] | None:
        """(rows read, file name) of the loaded snapshot just before this one, if any."""
        return self.conn.execute(
            "select rows_read, file_name from audit.files where la_code = ? and kind = ? "
            "and status = 'loaded' and extract_date < ? order by extract_date desc limit 1",
            [landed.la_code, landed.kind, landed.extract_date],
        ).fetchone()

    def snapshots_from(self, landed: LandedFile) -> list[LandedFile]:
        """The loaded snapshots of this authority and kind dated on or after this one, as
        archived (so they can be replayed)."""
        rows = self.conn.execute(
            "select extract_date, file_id, archived_path, file_name from audit.files "
            "where la_code = ? and kind = ? and status = 'loaded' and extract_date >= ? "
            "order by extract_date",
            [landed.la_code, landed.kind, landed.extract_date],
        ).fetchall()
        return [
            LandedFile(self.settings.archive / path, name, landed.la_code, landed.kind, d, sha)
            for d, sha, path, name in rows
        ]

    def supersede(self, landed: LandedFile, previous_sha: str) -> None:
        self.conn.execute(
            "update audit.files set status = 'superseded', reason = ? "
            "where la_code is not distinct from ? and kind = ? and extract_date = ? "
            "and file_id = ?",
            [
                f"corrected by {landed.name} in run {self.run_id}",
                landed.la_code,
                landed.kind,
                landed.extract_date,
                previous_sha,
            ],
        )

    def archive(self, landed: LandedFile) -> tuple[Path, str]:
        """Copy the file into the archive under the hash of the bytes copied, and return
        (archived path, that hash). Everything after reads the archived copy, so the hash
        recorded, the bytes kept and the rows loaded are of one content even when the file
        in landing/ changes meanwhile."""
        folder = self.settings.archive / landed.la_code_or_dfe / landed.kind
        tmp, sha = copy_hashed(landed.path, folder)
        target = folder / f"{sha}{landed.path.suffix.lower()}"
        tmp.replace(target)
        return target, sha

    def keep_quarantined_rows(self, landed: LandedFile) -> None:
        """The staged file's `problems` rows, for the audit trail and the analysts."""
        self.conn.execute(
            "insert into audit.quarantine select ?, ?, ?, ?, ?, ?, source_row, column_name, "
            "rule, value, current_timestamp from problems order by source_row, column_name",
            [
                self.run_id,
                landed.sha256,
                landed.name,
                landed.la_code,
                landed.kind,
                landed.extract_date,
            ],
        )

    def record(
        self,
        landed: LandedFile,
        archived: Path | None,
        staged: Staged | None,
        status: str,
        reason: str | None,
    ) -> None:
        self.conn.execute(
            "insert into audit.files (file_id, la_code, kind, extract_date, file_name, "
            "archived_path, size_bytes, rows_read, rows_loaded, rows_quarantined, status, reason, "
            "run_id, received_at, landed_size, landed_mtime_ns) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp, ?, ?)",
            [
                landed.sha256,
                landed.la_code,
                landed.kind,
                landed.extract_date,
                landed.name,
                archived.relative_to(self.settings.archive).as_posix() if archived else None,
                archived.stat().st_size if archived else landed.path.lstat().st_size,
                staged.rows_read if staged else None,
                staged.rows_loaded if staged else 0,
                staged.rows_quarantined if staged else None,
                status,
                reason,
                self.run_id,
                landed.size,
                landed.mtime_ns,
            ],
        )

    def record_batch(self, kind: str, la_code: str, staged: str) -> None:
        """Ledger and quarantine rows of a batch applied at once (`batch_files`, see
        history.BATCH_VERSIONS): as `keep_quarantined_rows` and `record` would write them
        file by file."""
        self.conn.execute(
            "insert into audit.quarantine select $run, f.file_id, f.file_name, $la, $kind, "
            "f.extract_date, p.source_row, p.column_name, p.rule, p.value, current_timestamp "
            f"from {staged}_problems p join batch_files f using (file_no) "
            "order by f.position, p.source_row, p.column_name",
            {"run": self.run_id, "la": la_code, "kind": kind},
        )
        self.conn.execute(
            "insert into audit.files (file_id, la_code, kind, extract_date, file_name, "
            "archived_path, size_bytes, rows_read, rows_loaded, rows_quarantined, status, reason, "
            "run_id, received_at, landed_size, landed_mtime_ns) "
            "select file_id, $la, $kind, extract_date, file_name, archived_path, size_bytes, "
            "rows_read, rows_read - rows_quarantined, rows_quarantined, 'loaded', null, "
            "$run, current_timestamp, landed_size, landed_mtime_ns from batch_files "
            "order by position",
            {"run": self.run_id, "la": la_code, "kind": kind},
        )

    def reject(
        self, path: Path, landed: LandedFile | None, reason: str, archived: Path | None = None
    ) -> bool:
        """Record the file as rejected, once per content, with its reason in rejected/ and its
        bytes in the archive (`archived` when already there, else archive/rejected/). A link
        or other non-file is recorded, never opened. False when this very file was rejected
        before (nothing new to say)."""
        name = path.relative_to(self.settings.landing).as_posix()
        copy = None
        if archived and landed:
            sha = landed.sha256
        elif not_a_regular_file(path):
            sha = sha256_of(path)
        else:
            copy, sha = copy_hashed(path, self.settings.archive / "rejected")
        seen = self.conn.execute(
            "select 1 from audit.files where file_name = ? and file_id = ? and status = 'rejected'",
            [name, sha],
        ).fetchone()
        if seen:
            if copy:
                copy.unlink()
            return False
        kept = archived
        if copy:
            kept = copy.with_name(f"{sha[:12]}_{path.name}")
            copy.replace(kept)
        note = self.settings.rejected / f"{sha[:12]}_{path.name}.reason.txt"
        note.parent.mkdir(parents=True, exist_ok=True)
        where = (
            f"its bytes are kept as {kept.relative_to(self.settings.home).as_posix()}"
            if kept
            else "nothing was read or kept"
        )
        note.write_text(f"{reason}\n({where})\n")
        record_as = (
            replace(landed, sha256=sha) if landed else LandedFile(path, name, None, None, None, sha)  # type: ignore[arg-type]
        )
        self.record(record_as, kept, None, "rejected", reason)
        return True


def copy_hashed(source: Path, folder: Path) -> tuple[Path, str]:
    """Copy `source` to a temporary file in `folder`, hashing the bytes as they are copied.
    One run at a time holds the warehouse, so one temporary name per folder is enough."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    tmp = folder / PARTIAL
    with source.open("rb") as src, tmp.open("wb") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
            dst.write(block)
    return tmp, digest.hexdigest()


def write_listing(
    conn: duckdb.DuckDBPyConnection, settings: Settings, up_to_date_since: str | None
) -> None:
    """Keep beside the warehouse every file `audit.files` holds (any status, as `nothing_new`
    counts them) with its size, time and hash in landing/, replaced whole (`os.replace`)."""
    from orchestration.publish.publication import project_fingerprint

    files: dict[str, list[list]] = {}
    for name, size, mtime_ns, sha in conn.execute(
        "select file_name, landed_size, landed_mtime_ns, file_id from audit.files "
        "order by file_name, received_at"
    ).fetchall():
        files.setdefault(name, []).append([size, mtime_ns, sha])
    listing = {
        "up_to_date_since": up_to_date_since,
        "project": project_fingerprint(settings),
        "files": files,
    }
    path = settings.warehouse.with_name(LISTING)
    tmp = path.with_name(f".{LISTING}.tmp")
    tmp.write_text(json.dumps(listing, separators=(",", ":")))
    os.replace(tmp, path)
