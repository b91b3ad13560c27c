"""The return checked against DfE's XML schema (`reference/csww_2022.xsd`), as COLLECT does
first: every schema error is an error finding naming the record and the item, never quoting a
value (libxml2 quotes the offending value; a date of birth or SWE number must not reach the
report)."""

from __future__ import annotations

import re
from functools import cache

from lxml import etree

from orchestration.census.records import PERSONAL_ITEMS
from orchestration.census.rules import Finding
from orchestration.settings import PROJECT_ROOT

SCHEMA = PROJECT_ROOT / "reference" / "csww_2022.xsd"
WORKER_PATH = re.compile(r"/Message/CSWWWorker(?:\[(\d+)\])?(?:/(\w+))?")
EXPECTED = re.compile(r"Expected is(?: one of)? \( ([^)]*) \)")
# CSWWWorker's elements the schema requires (minOccurs 1): a missing one is named first
REQUIRED = ("AgencyWorker", "SWENo", "QualInst")
QUOTED_VALUE = re.compile(r"'[^']*' is not a valid value|The value '[^']*'|value '[^']*'")


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def redacted(message: str) -> str:
    """libxml2's message without the value it quotes."""
    return QUOTED_VALUE.sub(
        lambda m: "is not a valid value" if m[0].endswith("valid value") else "The value", message
    )


def located(error) -> tuple[str, str]:
    """(record, item) of a schema error: `record N` of the workers, or the element's path."""
    match = WORKER_PATH.match(error.path or "")
    if not match:
        return (error.path or "Message", (error.path or "").rsplit("/", 1)[-1])
    number = match[1] or "1"
    item = match[2] or ""
    if expected := EXPECTED.search(error.message):  # a missing element: name the one expected
        names = [name.strip() for name in expected[1].split(",")]
        item = next((name for name in names if name in REQUIRED), names[0])
    return (f"record {number}", item)


def check_schema(document: bytes, labels: dict[str, str] | None = None) -> list[Finding]:
    """A finding per schema error of the XML; `labels` names records as the report does."""
    xsd = schema()
    xsd.validate(etree.fromstring(document))
    findings = []
    for error in xsd.error_log:
        worker, item = located(error)
        worker = (labels or {}).get(worker, worker)
        message = redacted(error.message)
        if item in PERSONAL_ITEMS:  # also drop any value a future libxml2 might quote
            message = message.split(":")[0] + ": does not match the schema"
        findings.append(Finding("XSD", "error", f"Schema: {message}", worker, item, ""))
    return findings
