"""docs/extracts.md lists exactly the columns of orchestration.contract, each kind's required
ones marked, and every DfE file's required headers: the docs cannot drift from the code."""

from __future__ import annotations

import re

from orchestration.contract import KINDS, REFERENCE_KINDS
from tests.conftest import PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "extracts.md").read_text(encoding="utf-8")


def documented_columns() -> dict[str, list[tuple[str, bool]]]:
    """kind -> [(column, required)] from each `### `kind`` section's table."""
    tables: dict[str, list[tuple[str, bool]]] = {}
    kind = None
    for line in DOC.splitlines():
        if heading := re.match(r"### `(\w+)`", line):
            kind = heading[1]
            tables[kind] = []
        elif line.startswith("## "):
            kind = None
        elif kind and (row := re.match(r"\| (\w+) \| \w+ \| (yes)? ?\|", line)):
            if row[1] != "column":
                tables[kind].append((row[1], row[2] == "yes"))
    return tables


def test_every_kind_and_column_is_documented_as_the_contract_defines_it():
    expected = {name: [(c.name, c.required) for c in kind.columns] for name, kind in KINDS.items()}
    assert documented_columns() == expected


def test_every_dfe_file_and_its_required_headers_are_documented():
    for name, kind in REFERENCE_KINDS.items():
        (row,) = [line for line in DOC.splitlines() if line.startswith(f"| `{name}` |")]
        for header in kind.required:
            assert f"`{header}`" in row, (name, header)
