"""One ingestion pass over the landing folder: for each new file, archive it, stage it,
apply it to history and record it in the ledger. The files of one kind and authority are
staged together (`stage.py`); when they are all new and newer than what is loaded (a first
load, the next snapshots) they are applied in one transaction, otherwise (a correction, a
late file, a file refused) one transaction per file, in date order."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.config import ConfigError, KindMapping, load_thresholds, read_mappings
from orchestration.contract import KINDS, REFERENCE_KINDS
from orchestration.ingest.history import (
    apply_period,
    apply_periods_at_once,
    apply_reference,
    apply_snapshot_in_order,
    apply_snapshots_at_once,
)
from orchestration.ingest.landing import (
    LandedFile,
    RejectedFile,
    hashed,
    identify,
    landed_files_of,
)
from orchestration.ingest.ledger import Ledger
from orchestration.ingest.pseudonyms import bound_key, register_pseudonym
from orchestration.ingest.stage import Staged, StagingBatch, stage
from orchestration.settings import SEEDS_DIR, Settings
from orchestration.warehouse import connect, create_schemas

# how a note in rejected/ of a file held back ends (`Ingestor.hold`): where the file still is
HELD_NOTE = "not loaded and not archived: left in landing/ as delivered; its bytes are kept as "


def authority_codes() -> set[str]:
    """DfE's 3-digit authority codes (seeds/dfe_authorities.csv)."""
    with (SEEDS_DIR / "dfe_authorities.csv").open(encoding="utf-8", newline="") as f:
        return {row["la_code"] for row in csv.DictReader(f)}


@dataclass
class IngestReport:
    loaded: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    # not loaded because of the configuration (an authority folder that is no DfE code, a
    # wrong mapping): left in landing/, they load once it is put right (file, reason)
    held: list[tuple[str, str]] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)  # hidden and lock files, with why
    quarantined: list[tuple[str, int, int]] = field(default_factory=list)  # file, rows, of rows

    @classmethod
    def merged(cls, reports: Iterable[IngestReport]) -> IngestReport:
        merged = cls()
        for report in reports:
            for name in fields(cls):
                getattr(merged, name.name).extend(getattr(report, name.name))
        return merged

    def summary(self) -> str:
        return (
            f"{len(self.loaded)} loaded, {len(self.corrected)} corrected, "
            f"{len(self.skipped)} already loaded, {len(self.rejected)} rejected, "
            + (f"{len(self.held)} held in landing/, " if self.held else "")
            + f"{sum(rows for _, rows, _ in self.quarantined)} rows quarantined"
        )


def already_loaded(landed: LandedFile, versions: list[tuple[str, str, str]]) -> bool:
    """Loaded or rejected before, or an older version still lying in landing/ after its
    correction."""
    return any(
        sha == landed.sha256 and (status in ("loaded", "rejected") or name == landed.name)
        for sha, status, name in versions
    )


def batches(claimed: list[LandedFile], max_bytes: int = 128 << 20) -> list[list[LandedFile]]:
    """Consecutive files of one kind and authority, at most `max_bytes` of them together
    (bounding the memory of staging them at once)."""
    groups: list[list[LandedFile]] = []
    size = 0
    for landed in claimed:
        group = groups[-1] if groups else None
        if (
            group
            and (group[0].kind, group[0].la_code) == (landed.kind, landed.la_code)
            and size + (landed.size or 0) <= max_bytes
        ):
            group.append(landed)
            size += landed.size or 0
        else:
            groups.append([landed])
            size = landed.size or 0
    return groups


class Ingestor:
    """One ingestion pass over the landing folder, for some or all kinds."""

    def __init__(self, settings: Settings, run_id: str, log: Callable[[str], None] = print):
        self.settings = settings
        self.run_id = run_id
        self.log = log
        self.thresholds = load_thresholds(settings.home)
        self.authorities = authority_codes() | set(self.thresholds.extra_authorities)
        self.mappings: dict[str, dict[str, KindMapping | ConfigError] | ConfigError] = {}
        self.batch: StagingBatch | None = None  # the files being loaded, staged together
        self.archived: dict[Path, tuple[Path, str]] = {}  # landed path -> (archived, hash)
        self.versions: dict[Path, list[tuple[str, str, str]]] = {}  # see Ledger.versions

    def run(self, kinds: list[str] | None = None, unrecognised: bool = False) -> IngestReport:
        """Load new files of `kinds`; with `unrecognised`, reject files no kind can claim."""
        return IngestReport.merged(self.run_each(kinds, unrecognised).values())

    def run_each(
        self,
        kinds: list[str] | None = None,
        unrecognised: bool = False,
        done: Callable[[str, IngestReport], None] = lambda kind, report: None,
    ) -> dict[str | None, IngestReport]:
        """As `run`, reporting each kind apart (and files no kind claims under None): one pass
        over landing/ and one connection for every kind, as a run's ingestion step does.
        `done` hears of each kind as it is finished (a national delivery takes minutes)."""
        self.settings.prepare()
        wanted = set(kinds or [])
        order = list(KINDS) + list(REFERENCE_KINDS)
        reports: dict[str | None, IngestReport] = {
            kind: IngestReport() for kind in [None, *sorted(wanted, key=order.index)]
        }
        unclaimed = reports[None]
        with connect(self.settings.warehouse) as conn:
            key = bound_key(self.settings, conn, self.log)  # refused before anything else
            create_schemas(conn)
            register_pseudonym(conn, key)
            ledger = Ledger(conn, self.settings, self.run_id)
            ledger.clear_partial_copies(sorted(wanted))
            seen = ledger.recorded_stats(sorted(wanted))
            claimed = []
            passed_over = unclaimed.passed_over if unrecognised else None
            for path in landed_files_of(
                self.settings, None if unrecognised else wanted, passed_over
            ):
                try:
                    identity = identify(path, self.settings.landing)
                except RejectedFile as reason:
                    if unrecognised:
                        self.reject(ledger, path, None, str(reason), unclaimed)
                    continue
                if identity.kind not in wanted:
                    continue
                report = reports[identity.kind]
                status = path.lstat()
                if (status.st_size, status.st_mtime_ns) in seen.get(identity.name, ()):
                    # recorded with this size and time: not read again (a run's cost follows
                    # what was delivered, not what lies in landing/)
                    report.skipped.append(identity.name)
                    continue
                landed = hashed(path, identity, status)
                if reason := self.held_back(landed):
                    if already_loaded(landed, ledger.versions(landed)):
                        report.skipped.append(landed.name)  # its content is in: nothing held
                    else:
                        self.hold(landed, reason, report)
                    continue
                claimed.append(landed)
            for line in unclaimed.passed_over:
                self.log(line)
            # Kinds in contract order (people before the timesheets and cases that refer to
            # them), each authority's files oldest first so history is usually appended.
            claimed.sort(
                key=lambda f: (order.index(f.kind), f.la_code or "", f.extract_date, f.name)
            )
            pending = [kind for kind in reports if kind]
            for group in batches(claimed):
                while pending[0] != group[0].kind:  # the kinds before it are finished
                    done(pending[0], reports[pending.pop(0)])
                report = reports[group[0].kind]
                self.prestage(conn, ledger, group)
                if not self.ingest_at_once(conn, ledger, group, report):
                    for landed in group:
                        self.ingest_file(conn, ledger, landed, report)
            if self.batch:
                self.batch.close()
                self.batch = None
            for kind in pending:
                done(kind, reports[kind])
        return reports

    def prestage(self, conn: duckdb.DuckDBPyConnection, ledger: Ledger, group: list[LandedFile]):
        """Archive the files of one kind and authority that will be loaded, and run the row
        rules over all of them at once (`StagingBatch`); they are then applied together
        (`ingest_at_once`) or one by one (`ingest_file`)."""
        self.archived.clear()
        if self.batch:
            self.batch.close()
        if group[0].is_reference:
            self.batch = None
            return
        files = []
        self.versions = ledger.versions_of(group)
        for landed in group:
            if already_loaded(landed, self.versions[landed.path]) or self.outside_window(landed):
                continue  # ingest_file says why
            archived, sha = ledger.archive(landed)
            self.archived[landed.path] = (archived, sha)
            files.append((replace(landed, sha256=sha), archived))
        self.batch = StagingBatch(conn, files, self.mapping(group[0]), self.thresholds)

    def ingest_at_once(
        self,
        conn: duckdb.DuckDBPyConnection,
        ledger: Ledger,
        group: list[LandedFile],
        report: IngestReport,
    ) -> bool:
        """Apply a prestaged group in one transaction, when that is what applying its files one
        by one would do: every file new (no correction, none dated outside the window, none
        unreadable or changed while read, no two of one date; two of one content are two
        snapshots of one staged file) and, for a snapshot
        kind, every one newer than all loaded and none a likely partial export. Otherwise
        False, having changed nothing: the files then go one by one (`ingest_file`)."""
        batch = self.batch
        if batch is None or batch.failed or batch.unreadable:
            return False
        pending, skipped = [], []
        for landed in group:
            versions = self.versions[landed.path]
            if already_loaded(landed, versions):
                skipped.append(landed.name)
                continue
            archived, sha = self.archived.get(landed.path, (None, None))
            if archived is None or sha != landed.sha256 or versions:
                return False
            pending.append((landed, archived))
        if not pending:
            return False
        if len({f.extract_date for f, _ in pending}) < len(pending) or any(
            f not in batch for f, _ in pending
        ):
            return False
        kind = KINDS[group[0].kind]
        first = pending[0][0]
        if kind.snapshot and (
            ledger.snapshots_from(first) or self.drops_too_far(ledger, first, pending)
        ):
            return False
        files = pa.table(
            {
                "file_no": [batch.numbers[f.sha256] for f, _ in pending],
                "position": list(range(1, len(pending) + 1)),
                "extract_date": [f.extract_date for f, _ in pending],
                "file_id": [f.sha256 for f, _ in pending],
                "file_name": [f.name for f, _ in pending],
                "archived_path": [
                    a.relative_to(self.settings.archive).as_posix() for _, a in pending
                ],
                "size_bytes": [a.stat().st_size for _, a in pending],
                "rows_read": [batch.staged(f).rows_read for f, _ in pending],
                "rows_quarantined": [batch.staged(f).rows_quarantined for f, _ in pending],
                "landed_size": pa.array([f.size for f, _ in pending], pa.int64()),
                "landed_mtime_ns": pa.array([f.mtime_ns for f, _ in pending], pa.int64()),
            }
        )
        conn.execute("begin transaction")
        try:
            conn.register("batch_files_arrow", files)
            conn.execute("create or replace temp table batch_files as from batch_files_arrow")
            conn.unregister("batch_files_arrow")
            apply_at_once = apply_snapshots_at_once if kind.snapshot else apply_periods_at_once
            apply_at_once(conn, kind, first.la_code, batch.prefix)
            ledger.record_batch(kind.name, first.la_code, batch.prefix)
            conn.execute("drop table batch_files")
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise
        report.skipped += skipped
        for landed, _ in pending:
            self.loaded(landed, batch.staged(landed), report, corrected=False)
        return True

    def drops_too_far(
        self, ledger: Ledger, first: LandedFile, pending: list[tuple[LandedFile, Path]]
    ) -> bool:
        """Whether a snapshot of the batch would be refused as a likely partial export."""
        before = ledger.previous_snapshot(first)
        rows_before = before[0] if before else None
        for landed, _ in pending:
            rows = self.batch.staged(landed).rows_read
            if rows_before and rows < rows_before * (1 - self.thresholds.max_snapshot_drop_share):
                return True
            rows_before = rows
        return False

    def outside_window(self, landed: LandedFile) -> str | None:
        """Why the file's extract date cannot be right: after the day of the run, or before
        `extract_dates.earliest` (workforce.yaml). None when it is in the window."""
        if landed.extract_date > date.today():
            return (
                f"{landed.name}: extract date {landed.extract_date} is in the future "
                "(rule: the file name's date is the date the data is as at)"
            )
        earliest = self.thresholds.extract_dates.earliest
        if landed.extract_date < earliest:
            return (
                f"{landed.name}: extract date {landed.extract_date} is before {earliest}, the "
                "earliest an extract may be dated (rule: extract_dates.earliest in "
                "workforce.yaml; the file name's date is the date the data is as at)"
            )
        return None

    def mapping(self, landed: LandedFile) -> KindMapping | None:
        """The authority's mapping of the file's kind (checked: a file whose mapping is wrong
        is held back before it gets here, see `held_back`)."""
        mapping = self.mapping_or_error(landed.la_code, landed.kind)
        return None if isinstance(mapping, ConfigError) else mapping

    def mapping_or_error(self, la_code: str, kind: str) -> KindMapping | ConfigError | None:
        if la_code not in self.mappings:
            try:
                self.mappings[la_code] = read_mappings(self.settings.home, la_code)
            except ConfigError as wrong:  # the whole file: no kind of it can be trusted
                self.mappings[la_code] = wrong
        mappings = self.mappings[la_code]
        return mappings if isinstance(mappings, ConfigError) else mappings.get(kind)

    def held_back(self, landed: LandedFile) -> str | None:
        """Why the configuration keeps the file from loading: its folder is no authority's
        (not a DfE code, nor one of `extra_authorities`), or the authority's mapping of its
        kind is wrong. None when it may load."""
        if landed.la_code is None:  # DfE's files: no authority, no mapping
            return None
        if landed.la_code not in self.authorities:
            return (
                f"{landed.name}: folder {landed.la_code}/ is not a DfE authority code (rule: an "
                "authority folder is named by a code of seeds/dfe_authorities.csv, or by one "
                "listed in extra_authorities in workforce.yaml for test or pilot data); not "
                "loaded: the file is left in landing/ (move it to its authority's folder, or "
                f'list "{landed.la_code}" in extra_authorities)'
            )
        wrong = self.mapping_or_error(landed.la_code, landed.kind)
        if isinstance(wrong, ConfigError):
            return (
                f"{landed.name}: not loaded: {wrong}; the file is left in landing/ and loads on "
                "the first run after the mapping is put right"
            )
        return None

    def hold(self, landed: LandedFile, reason: str, report: IngestReport) -> None:
        """Leave a file in landing/ unloaded and unrecorded (so it loads once the configuration
        allows it), saying why in the run's report and in rejected/."""
        report.held.append((landed.name, reason))
        self.log(f"HELD {reason}")
        note = self.hold_note(landed)
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text(f"{reason}\n({HELD_NOTE}landing/{landed.name})\n")

    def hold_note(self, landed: LandedFile) -> Path:
        """rejected/<hash>_<la>_<file>.reason.txt: by folder too, as one content may be held in
        two authorities' folders and loaded from one."""
        flat = landed.name.replace("/", "_")
        return self.settings.rejected / f"{landed.sha256[:12]}_{flat}.reason.txt"

    def clear_hold(self, landed: LandedFile) -> None:
        """A file held back before and loaded now: its note in rejected/ no longer holds."""
        note = self.hold_note(landed)
        try:
            if HELD_NOTE in note.read_text():
                note.unlink()
        except FileNotFoundError:
            pass

    def ingest_file(
        self,
        conn: duckdb.DuckDBPyConnection,
        ledger: Ledger,
        landed: LandedFile,
        report: IngestReport,
    ) -> None:
        versions = ledger.versions(landed)
        if already_loaded(landed, versions):
            report.skipped.append(landed.name)
            return
        if reason := self.outside_window(landed):
            self.reject(ledger, landed.path, landed, reason, report)
            return
        archived, sha = self.archived.pop(landed.path, None) or ledger.archive(landed)
        if sha != landed.sha256:  # changed since it was hashed: the archived bytes count
            self.log(f"{landed.name} changed while it was read; loading the content archived")
            landed = replace(landed, sha256=sha)
            if already_loaded(landed, versions):
                report.skipped.append(landed.name)
                return
        previous = next((sha for sha, status, _ in versions if status == "loaded"), None)
        conn.execute("begin transaction")
        try:
            if landed.is_reference:
                staged = apply_reference(conn, landed, archived, previous)
            else:
                staged = self.apply(conn, ledger, landed, archived, previous)
            if previous:
                ledger.supersede(landed, previous)
            ledger.record(landed, archived, staged, "loaded", None)
            conn.execute("commit")
        except RejectedFile as reason:
            conn.execute("rollback")
            self.reject(ledger, landed.path, landed, str(reason), report, archived)
            return
        except BaseException:
            conn.execute("rollback")
            raise
        self.loaded(landed, staged, report, corrected=bool(previous))

    def loaded(
        self, landed: LandedFile, staged: Staged, report: IngestReport, corrected: bool
    ) -> None:
        """Report and log a file applied to history."""
        (report.corrected if corrected else report.loaded).append(landed.name)
        self.clear_hold(landed)
        if staged.rows_quarantined:
            report.quarantined.append((landed.name, staged.rows_quarantined, staged.rows_read))
        self.log(
            f"{'corrected' if corrected else 'loaded'} {landed.name} ({staged.rows_loaded} rows"
            + (f", {staged.rows_quarantined} quarantined)" if staged.rows_quarantined else ")")
        )

    def apply(
        self,
        conn: duckdb.DuckDBPyConnection,
        ledger: Ledger,
        landed: LandedFile,
        archived: Path,
        previous: str | None,
    ) -> Staged:
        """An authority's extract: stage, check, apply to raw, keep its quarantined rows."""
        kind = KINDS[landed.kind]

        def stage_file(file: LandedFile, path=None) -> Staged:
            if self.batch and file in self.batch:
                return self.batch.take(file)
            return stage(conn, file, path or file.path, self.mapping(file), self.thresholds)

        staged = stage_file(landed, archived)
        # kept now: replaying later snapshots restages them over this file's `problems`
        ledger.keep_quarantined_rows(landed)
        if kind.snapshot:
            self.check_not_partial(ledger, landed, staged)
            later = ledger.snapshots_from(landed)
            apply_snapshot_in_order(conn, kind, landed, later, stage_file, self.log)
        else:
            if previous:
                conn.execute(
                    f"delete from raw.{kind.name} where la_code = ? and extract_date = ? "
                    "and file_id = ?",
                    [landed.la_code, landed.extract_date, previous],
                )
            apply_period(conn, kind, landed)
        return staged

    def check_not_partial(self, ledger: Ledger, landed: LandedFile, staged: Staged) -> None:
        """A snapshot much smaller than the one before is more likely cut short than true."""
        before = ledger.previous_snapshot(landed)
        share = self.thresholds.max_snapshot_drop_share
        if before and staged.rows_read < before[0] * (1 - share):
            raise RejectedFile(
                f"{landed.name}: {staged.rows_read} rows where {before[1]} had {before[0]}: "
                f"a likely partial export (rule: a snapshot may not drop more than {share:.0%} "
                "of the previous snapshot's rows; max_snapshot_drop_share in workforce.yaml)"
            )

    def reject(
        self,
        ledger: Ledger,
        path: Path,
        landed: LandedFile | None,
        reason: str,
        report: IngestReport,
        archived: Path | None = None,
    ) -> None:
        name = path.relative_to(self.settings.landing).as_posix()
        if ledger.reject(path, landed, reason, archived):
            report.rejected.append((name, reason))
            self.log(f"REJECTED {reason}")
        else:
            report.skipped.append(name)
