"""The board pack (`workforce report`): published figures only, one offline page, clear refusals."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import query, run_workforce

LEEDS = "383"


class Page(HTMLParser):
    """The attributes of every element, and each scorecard row's published figure."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.scorecard: dict[str, str] = {}
        self.row_kpi: str | None = None
        self.ids: set[str] = set()
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "action", "data"):
            if attrs.get(name):
                self.links.append((tag, name, attrs[name]))
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "script":
            self.scripts += 1
        if tag == "tr" and "data-kpi" in attrs:
            self.row_kpi = attrs["data-kpi"]
        if tag == "td" and self.row_kpi and "data-value" in attrs:
            self.scorecard[self.row_kpi] = attrs["data-value"]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def headline(home: Path, kpi_code: str, year: int) -> float:
    [(value,)] = query(
        home / "published" / "workforce.duckdb",
        "select value from kpi_values where la_code = ? and kpi_code = ? and breakdown = 'total' "
        "and period_type = 'census_year' and year(period_end) = ?",
        [LEEDS, kpi_code, year],
    )
    return value


def test_the_demo_writes_the_board_pack(demo_home: Path):
    """`workforce demo` prints the pack's path (OUTPUTS.md); the file is where it said."""
    packs = list((demo_home / "reports").glob(f"board-pack-{LEEDS}-*.html"))
    assert packs, "workforce demo wrote no board pack"


@pytest.fixture(scope="module")
def pack(demo_home: Path) -> tuple[Path, Path, str]:
    result = run_workforce(demo_home, "report")
    assert result.returncode == 0, result.stdout + result.stderr
    printed = re.search(r"Board pack: (\S+\.html)", result.stdout)
    assert printed, result.stdout
    return demo_home, Path(printed.group(1)), result.stdout


def latest_year(home: Path) -> int:
    [(year,)] = query(
        home / "published" / "workforce.duckdb",
        "select max(year(period_end)) from kpi_values where period_type = 'census_year'",
    )
    return year


def test_the_pack_is_written_under_workforce_home_for_the_only_authority_and_latest_year(pack):
    home, path, _ = pack
    year = latest_year(home)
    assert path == home / "reports" / f"board-pack-{LEEDS}-{year}.html"
    assert path.is_file() and path.resolve().is_relative_to(home.resolve())
    text = path.read_text(encoding="utf-8")
    assert f"census year to 30 September {year}" in text
    assert "Leeds" in text or f"Authority {LEEDS}" in text


def test_scorecard_figures_equal_the_published_kpi_values(pack):
    home, path, _ = pack
    year = latest_year(home)
    scorecard = parse(path).scorecard
    for kpi in (
        "turnover_rate_fte",
        "vacancy_rate_fte",
        "agency_rate_fte",
        "caseload_fte",
        "absence_rate_fte",
    ):
        assert scorecard[kpi] == f"{headline(home, kpi, year):.1f}", kpi
    text = path.read_text(encoding="utf-8")
    turnover = headline(home, "turnover_rate_fte", year)
    assert f"{turnover:.1f}%" in text


def test_every_rag_status_is_written_in_words_as_well_as_colour(pack):
    home, path, _ = pack
    year = latest_year(home)
    rags = query(
        home / "published" / "workforce.duckdb",
        "select kpi_code, rag from kpi_values where la_code = ? and breakdown = 'total' "
        "and period_type = 'census_year' and year(period_end) = ? and rag is not null",
        [LEEDS, year],
    )
    assert rags
    text = path.read_text(encoding="utf-8")
    words = {
        "green": "Green: on target",
        "amber": "Amber: close to target",
        "red": "Red: off target",
    }
    for _, rag in rags:
        assert f'aria-label="{words[rag]}"' in text  # read out, and printed in words beside it
        name, what = words[rag].split(": ")
        assert re.search(rf"{name}:</span> {what}</span>", text), rag


def test_the_pack_works_offline_with_the_charting_library_inlined_once(pack):
    _, path, _ = pack
    page = parse(path)
    external = [
        (tag, attr, value)
        for tag, attr, value in page.links
        if re.match(r"\s*(https?:)?//", value, re.IGNORECASE)
    ]
    assert external == []
    text = path.read_text(encoding="utf-8")
    assert text.count("plotly.js v") == 1  # the bundle's own banner: inlined once
    assert len(re.findall(r"<script[^>]*\bsrc=", text)) == 0


def test_the_pack_has_every_section_a_board_reads(pack):
    _, path, _ = pack
    page = parse(path)
    for section in (
        "scorecard",
        "trends",
        "monthly",
        "agency-spend",
        "establishment",
        "caseloads",
        "leavers",
        "starters",
        "data-quality",
    ):
        assert section in page.ids, section
    text = path.read_text(encoding="utf-8")
    assert "Senior Practitioner" in text  # org roles by label, not code
    assert "Resignation" in text  # leaving reasons by label
    assert "DfE definitions, census at 30 September" in text


def test_the_data_quality_panel_shows_the_files_and_checks_of_the_publication(pack):
    home, path, _ = pack
    db = home / "published" / "workforce.duckdb"
    text = path.read_text(encoding="utf-8")
    [(run_id,)] = query(db, "select any_value(published_run_id) from kpi_values")
    assert run_id in text
    hashes = query(db, "select sha256 from source_files where la_code = ?", [LEEDS])
    assert hashes and all(sha[:12] in text for (sha,) in hashes)
    [(checks, passed)] = query(db, "select count(*), count(*) filter (passed) from checks")
    assert checks > 0
    assert f"{passed} of {checks}" in text


def test_an_earlier_year_and_an_explicit_output_path_are_honoured(pack, tmp_path):
    home, _, _ = pack
    [(first,)] = query(
        home / "published" / "workforce.duckdb",
        "select min(year(period_end)) from kpi_values where period_type = 'census_year'",
    )
    out = home / "reports" / "custom" / "pack.html"
    result = run_workforce(home, "report", "--la", LEEDS, "--year", str(first), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.is_file()
    assert f"census year to 30 September {first}" in out.read_text(encoding="utf-8")


def test_an_unknown_authority_is_refused_naming_the_choices(pack):
    home, _, _ = pack
    result = run_workforce(home, "report", "--la", "999")
    assert result.returncode == 1
    assert "'999' is not in the publication" in result.stderr
    assert LEEDS in result.stderr


def test_an_unknown_year_is_refused_naming_the_choices(pack):
    home, _, _ = pack
    result = run_workforce(home, "report", "--year", "1999")
    assert result.returncode == 1
    assert "Census year 1999 is not published" in result.stderr
    assert str(latest_year(home)) in result.stderr


def test_without_a_publication_the_pack_is_refused_clearly(home):
    result = run_workforce(home, "report")
    assert result.returncode == 1
    assert "No publication yet" in result.stderr
    assert not (home / "reports").exists()


def test_with_several_authorities_one_must_be_chosen(pack, tmp_path):
    """A copy of the publication with a second authority: no default, the codes are listed."""
    import duckdb

    home, _, _ = pack
    other = tmp_path / "workforce-data"
    (other / "published").mkdir(parents=True)
    shutil.copy(home / "published" / "workforce.duckdb", other / "published" / "workforce.duckdb")
    with duckdb.connect(str(other / "published" / "workforce.duckdb")) as conn:
        conn.execute(
            "insert into kpi_values select * replace ('384' as la_code) from kpi_values "
            "where la_code = ?",
            [LEEDS],
        )
    result = run_workforce(other, "report")
    assert result.returncode == 1
    assert "choose one with --la" in result.stderr and "383, 384" in result.stderr
    chosen = run_workforce(other, "report", "--la", "384")
    assert chosen.returncode == 0, chosen.stderr
    assert (other / "reports").is_dir()
