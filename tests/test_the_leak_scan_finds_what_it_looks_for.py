"""The personal-data scan (tests/personal_data.py) that the bad-input tests end with: it must
find a landed personal value wherever it is copied, and nowhere it is allowed to be."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.builders import hr_staff, swe_number, write_extract
from tests.personal_data import leaks


def test_a_copied_identifier_is_found_in_a_file_and_a_table_but_not_in_raw(tmp_path: Path):
    home = tmp_path / "home"
    write_extract(home / "landing", "383", "hr_staff", "2025-10-31", [hr_staff(employee_id="EMP1")])
    swe = swe_number("EMP1")
    (home / "archive").mkdir()
    (home / "archive" / "copy.csv").write_text(swe)  # allowed: the archive
    (home / "reports").mkdir()
    (home / "reports" / "pack.html").write_text(f"<td>{swe}</td>")
    (home / "warehouse").mkdir()
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb")) as conn:
        conn.execute("create schema raw; create schema marts")
        conn.execute("create table raw.hr_staff as select ? as swe_number", [swe])  # allowed
        conn.execute("create table marts.workers as select 'x' || ? || 'y' as note", [swe])

    assert leaks(home) == [
        f"{swe!r} in reports/pack.html",
        f"{swe!r} in warehouse/warehouse.duckdb",
    ]
    assert leaks(home, {"EMPSECRET"}) == leaks(home)  # a planted value not present: no hit


def test_a_home_without_personal_values_is_clean(tmp_path: Path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "pack.html").write_text("<p>nothing personal</p>")
    assert leaks(tmp_path) == []
