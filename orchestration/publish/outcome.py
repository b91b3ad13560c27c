"""What came of a run: one type, decided in one place, whoever started the run.

The run itself concludes (see `defs/run_guard.py`): when its last step is done, while it
still holds the warehouse, it turns what happened (files, checks, step failures, the
publication) into a `RunOutcome`, logs a publication attempt that did not publish, and
writes the audit trail. The CLI's exit code, the Dagster run's tags and the audit trail are
all read from that one outcome.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from orchestration.settings import Settings

EXIT_PUBLISHED, EXIT_FAILED, EXIT_REJECTED, EXIT_BLOCKED = 0, 1, 2, 3

# status        what it means                                             exit code
# published     a new publication is in place                             0 (2 if a file was rejected or held)
# unchanged     nothing new: the publication in place stays, byte-identical  0 (2 ...)
#               (its bytes checked against the digest recorded at publication)
# republished   nothing new, but the published file was found missing or altered and the
#               publication in place was written again from the warehouse  0 (2 ...)
# blocked       a blocking check failed; the publication in place stays   3
# failed        a step failed; the publication in place stays             1
# refused       another run holds the warehouse; nothing was done         1
# not_published the run did not include the publication (a partial run)  0 (2 ...)
# current       (`workforce run` alone) nothing new: no run was started;     0
#               `run_id` is the run whose publication is in place, verified
STATUSES = (
    "published",
    "unchanged",
    "republished",
    "blocked",
    "failed",
    "refused",
    "not_published",
    "current",
)


@dataclass(frozen=True)
class CheckResult:
    """One check evaluated in a run (dbt test, Great Expectations suite, ingestion check)."""

    asset: str
    check_name: str
    passed: bool
    severity: str  # ERROR (blocks publication) | WARN
    description: str | None

    @property
    def blocks(self) -> bool:
        return not self.passed and self.severity == "ERROR"

    def line(self) -> str:
        return f"{self.asset}:{self.check_name}" + (
            f" - {self.description}" if self.description else ""
        )


@dataclass
class RunOutcome:
    run_id: str
    status: str
    launched_by: str = "dagster"
    files_loaded: int = 0
    files_skipped: int = 0
    rows_quarantined: int = 0
    rejected: list[str] = field(default_factory=list)  # reasons, each naming its file
    # loaded files over their quarantine bound that someone accepted (`workforce accept`):
    # file_name, sha256, rows, reason, accepted_by, accepted_at
    accepted: list[dict] = field(default_factory=list)
    # not loaded because of the configuration, left in landing/ (reasons, each naming its
    # file): an authority folder that is no DfE code, a wrong mapping
    held: list[str] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)  # hidden and lock files, with why
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None
    publication_run_id: str | None = None  # the run whose publication is in place
    kpi_rows: int | None = None
    # what the check of the published file against its recorded digest found as the run
    # started, and what was done (None: it was what was published, or nothing was yet)
    published_file: str | None = None

    @property
    def exit_code(self) -> int:
        if self.status == "blocked":
            return EXIT_BLOCKED
        if self.status in ("failed", "refused"):
            return EXIT_FAILED
        return EXIT_REJECTED if self.rejected or self.held else EXIT_PUBLISHED

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if c.blocks]

    @property
    def published(self) -> bool:
        return self.status == "published"

    def headline(self) -> str:
        return (
            f"Run {self.run_id}: {self.files_loaded} file(s) loaded, {self.files_skipped} "
            f"already loaded, {len(self.rejected)} rejected, "
            + (f"{len(self.held)} held in landing/, " if self.held else "")
            + f"{self.rows_quarantined} row(s) quarantined; {self.status}"
            + (
                f" (publication of run {self.publication_run_id} in place)"
                if self.publication_run_id and not self.published
                else ""
            )
        )

    def to_json(self) -> dict:
        return {**asdict(self), "exit_code": self.exit_code}

    @classmethod
    def from_json(cls, data: dict) -> RunOutcome:
        data = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        data["checks"] = [CheckResult(**c) for c in data.get("checks", [])]
        return cls(**data)


def decide(
    run_id: str,
    *,
    checks: list[CheckResult],
    step_errors: list[str],
    refused: str | None,
    publication: dict | None,
    publication_planned: bool,
    up_to_date_since: str | None,
) -> tuple[str, str | None]:
    """(status, error). `publication` is the publish step's result, if it ran;
    `up_to_date_since` the run whose publication already reflects every loaded file."""
    if refused:
        return "refused", refused
    if any(c.blocks for c in checks):
        return "blocked", None
    if step_errors:
        return "failed", "; ".join(step_errors)
    if publication is not None:
        return ("published" if publication["published"] else "unchanged"), None
    if up_to_date_since:  # nothing new: the build was skipped, or not even planned
        return "unchanged", None
    if publication_planned:
        return "failed", "the publication step did not run"
    return "not_published", None


def audit_folder(settings: Settings, run_id: str) -> Path:
    return settings.run_audit / run_id


def summary_path(settings: Settings, run_id: str) -> Path:
    return audit_folder(settings, run_id) / "summary.json"


def read_outcome(settings: Settings, run_id: str) -> RunOutcome | None:
    """The outcome a run recorded in its audit trail, if it got that far."""
    path = summary_path(settings, run_id)
    if not path.exists():
        return None
    return RunOutcome.from_json(json.loads(path.read_text())["outcome"])
