"""Build, check and write one authority's census return (`workforce census`, the Dagster
asset `census/csww_return`).

Nothing is written as final before it is checked: the XML is built in memory, validated
against DfE's schema and the business rules, and only then written, owner-only (0600): as
`csww-<la>-<year>.xml` when there is no error, else as `csww-<la>-<year>-NOT-READY-has-errors.xml`
beside the report, so a file with errors cannot be mistaken for one to submit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.census.continuity import check_continuity
from orchestration.census.encoding import Encoding, EncodingError, encoding_for
from orchestration.census.identifiers import recover_swe_numbers
from orchestration.census.records import Return, build_return, to_xml
from orchestration.census.report import summary_line, write_csv, write_html
from orchestration.census.rules import Finding, check_la_level, check_workers
from orchestration.census.schema import check_schema, folded
from orchestration.census.source import CensusError, CensusSource, read_source
from orchestration.settings import Settings, write_owner_only
from orchestration.warehouse import warehouse_lock

RESTRICTED_NOTICE = (
    "The census return reads restricted data: dates of birth from the warehouse's raw layer "
    "and SWE numbers recovered from the archived deliveries (archive/<la>/hr_staff, "
    "archive/<la>/agency_assignments). The XML holds them for DfE: it is written owner-only; "
    "submit it through DfE COLLECT and keep no other copy."
)

__all__ = ["CensusError", "CensusResult", "RESTRICTED_NOTICE", "generate_census_return"]


@dataclass(frozen=True)
class Paths:
    ready: Path  # the return, when it has no error
    not_ready: Path  # the return, when it has errors
    report_html: Path
    report_csv: Path

    @classmethod
    def for_return(cls, settings: Settings, la: str, year: int, out: Path | None) -> Paths:
        ready = out or settings.room("census") / f"csww-{la}-{year}.xml"
        stem = ready.with_suffix("")
        return cls(
            ready=ready,
            not_ready=stem.with_name(f"{stem.name}-NOT-READY-has-errors.xml"),
            report_html=stem.with_name(f"{stem.name}-report.html"),
            report_csv=stem.with_name(f"{stem.name}-report.csv"),
        )


@dataclass(frozen=True)
class CensusResult:
    la_code: str
    census_year: int
    path: Path  # the XML written
    report_html: Path
    report_csv: Path
    findings: list[Finding]
    workers: int
    publication_run_id: str
    collection: int  # the collection whose encoding the return is written in
    note: str | None = None  # why that is not the census year's own, when it is not

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def queries(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "query"]

    @property
    def ready(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        state = "ready to submit" if self.ready else "NOT READY (errors to fix)"
        return (
            f"Census return {self.la_code} {self.census_year} ({self.collection} encoding): "
            f"{self.workers} worker record(s), {summary_line(self.findings)}: {state}"
        )


def validate(census: Return, document: bytes, source: CensusSource) -> list[Finding]:
    """The business rules, the authority's items, continuity with last year, then the schema
    errors no rule explains."""
    labels = {f"record {w.number}": w.label for w in census.workers}
    findings = check_la_level(census) + check_workers(census) + check_continuity(census, source)
    return findings + folded(check_schema(document, census.encoding, labels), findings)


def generate_census_return(
    settings: Settings,
    la_code: str,
    census_year: int,
    out: Path | None = None,
    encoding: Encoding | None = None,
) -> CensusResult:
    """Build the return from the publication's build, validate it, write it and its report.
    `encoding` defaults to the census year's collection (encoding.py). Raises CensusError when
    it cannot be built (nothing is written then)."""
    try:
        encoding = encoding or encoding_for(census_year)
    except EncodingError as e:
        raise CensusError(str(e)) from None
    with warehouse_lock(settings.lock_file, {"run_id": None, "launched_by": "workforce census"}):
        source = read_source(settings, la_code, census_year)
        wanted = [row["swe_pseudonym"] for row in source.employed + source.agency]
        swe = recover_swe_numbers(
            settings,
            la_code,
            wanted,
            {
                "hr_staff": source.year.staff_basis_date,
                "agency_assignments": source.year.agency_basis_date,
            },
        )
    census = build_return(source, swe, encoding)
    document = to_xml(census)
    findings = validate(census, document, source)
    paths = Paths.for_return(settings, la_code, census_year, out)
    if out is None:  # the home's census folder is owner-only, like the home
        paths.ready.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if any(f.severity == "error" for f in findings):
        write_owner_only(paths.not_ready, document)
        written = paths.not_ready
        # a ready return made from data these errors show to be out of date
        paths.ready.unlink(missing_ok=True)
    else:
        write_owner_only(paths.ready, document)
        written = paths.ready
        paths.not_ready.unlink(missing_ok=True)
    name = f"{source.la_name} ({la_code})" if source.la_name else la_code
    title = f"CSWW census return, {name}, year to {source.year.census_date:%d %B %Y}"
    status = f"{written.name}: " + ("NOT READY" if written == paths.not_ready else "ready")
    write_html(paths.report_html, title, status, findings, encoding)
    write_csv(paths.report_csv, findings)
    return CensusResult(
        la_code,
        census_year,
        written,
        paths.report_html,
        paths.report_csv,
        findings,
        len(census.workers),
        source.publication_run_id,
        encoding.collection,
        encoding.substitute,
    )
