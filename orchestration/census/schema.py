"""The return checked against its collection's XML schema (`collections/csww_<year>.xsd`), as
COLLECT does first: every schema error is an error finding naming the record and the item,
never quoting a value (libxml2 quotes the offending value; a date of birth or SWE number must
not reach the report)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lxml import etree

from orchestration.census.encoding import Encoding
from orchestration.census.records import PERSONAL_ITEMS
from orchestration.census.rules import Finding

WORKER_PATH = re.compile(r"/Message/CSWWWorker(?:\[(\d+)\])?(?:/(\w+))?")
EXPECTED = re.compile(r"Expected is(?: one of)? \( ([^)]*) \)")
QUOTED_VALUE = re.compile(r"'[^']*' is not a valid value|The value '[^']*'|value '[^']*'")
FIX = "Fix the item's source in the extracts, then rerun the pipeline and the return"


@cache
def schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


@cache
def required_elements(path: Path) -> frozenset[str]:
    """The elements the schema requires where they may appear (minOccurs not 0)."""
    namespace = {"xs": "http://www.w3.org/2001/XMLSchema"}
    elements = etree.parse(str(path)).iterfind(".//xs:complexType//xs:element", namespace)
    return frozenset(e.get("name") for e in elements if e.get("minOccurs", "1") != "0")


def redacted(message: str) -> str:
    """libxml2's message without the value it quotes."""
    return QUOTED_VALUE.sub(
        lambda m: "is not a valid value" if m[0].endswith("valid value") else "The value", message
    )


def expected_item(message: str, required: frozenset[str]) -> str | None:
    """The element a 'Missing child element' error expects (a required one first)."""
    if expected := EXPECTED.search(message):
        names = [name.strip() for name in expected[1].split(",")]
        return next((name for name in names if name in required), names[0])
    return None


def located(error, encoding: Encoding) -> tuple[str, str]:
    """(record, item) of a schema error: `record N` of the workers, `LA level`, or the path."""
    path = error.path or ""
    if path.startswith(f"/Message/{encoding.la_level_element}"):
        item = path.rsplit("/", 1)[-1]
        return ("LA level", expected_item(error.message, frozenset()) or item)
    match = WORKER_PATH.match(path)
    if not match:
        return (path or "Message", path.rsplit("/", 1)[-1])
    item = expected_item(error.message, required_elements(encoding.schema)) or match[2] or ""
    return (f"record {match[1] or '1'}", item)


def check_schema(
    document: bytes, encoding: Encoding, labels: dict[str, str] | None = None
) -> list[Finding]:
    """A finding per schema error of the XML; `labels` names records as the report does."""
    xsd = schema(encoding.schema)
    xsd.validate(etree.fromstring(document))
    facts = {element: fact for element, fact in encoding.worker_items}
    findings = []
    for error in xsd.error_log:
        worker, item = located(error, encoding)
        worker = (labels or {}).get(worker, worker)
        message = redacted(error.message)
        if facts.get(item, item) in PERSONAL_ITEMS:  # drop any value a libxml2 might quote
            message = message.split(":")[0] + ": does not match the schema"
        findings.append(Finding("XSD", "error", f"Schema: {message}", worker, item, "", FIX))
    return findings


def folded(schema_findings: list[Finding], rule_findings: list[Finding]) -> list[Finding]:
    """The schema findings no rule finding explains: a missing item a rule reports (with what
    to do) is one finding, not two."""
    explained = {(f.worker, f.item) for f in rule_findings}
    return [f for f in schema_findings if (f.worker, f.item) not in explained]
