"""The board pack says what the figures mean: a part year against the same months of the
baseline year, the authority's own figure ranked and set beside DfE's figure for it, both of
the authority's series in the trends, names and bases in words, and an opening summary.

Expected figures come from hand-made rows or from the published file (never from the
pack's own code): the demo's synthetic figures change with the generator."""

from __future__ import annotations

import html
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.report import write_board_pack
from orchestration.report.charts import trend_chart
from orchestration.report.data import load
from orchestration.report.headline import headline_figures
from orchestration.settings import Settings
from tests.cli.conftest import hand_home  # noqa: F401  (the hand fixture, published, no DfE files)
from tests.conftest import query

LEEDS = "383"
BENCHMARKED = ("turnover_rate_fte", "vacancy_rate_fte", "agency_rate_fte", "caseload_fte")


def text_of(page: str) -> str:
    """The page as a reader sees it: tags and scripts out, entities decoded, spaces folded."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def pack_of(published_from: Path, home: Path, *, la: str | None = None, yaml: str = "") -> str:
    """The board pack of a copy of a publication, written under `home` (the source home is
    shared by other tests and left untouched)."""
    (home / "published").mkdir(parents=True)
    shutil.copyfile(published_from, home / "published" / "workforce.duckdb")
    if yaml:
        (home / "workforce.yaml").write_text(yaml)
    return write_board_pack(Settings(home=home), la=la).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo_pack(demo_home: Path, tmp_path_factory) -> tuple[Path, str]:
    published = demo_home / "published" / "workforce.duckdb"
    return published, pack_of(published, tmp_path_factory.mktemp("pack") / "home")


def latest(published: Path) -> int:
    [(year,)] = query(
        published,
        "select max(year(period_end)) from kpi_values where period_type = 'census_year'",
    )
    return year


def headline(published: Path, year: int) -> dict[str, tuple]:
    return {
        code: rest
        for code, *rest in query(
            published,
            "select kpi_code, value, numerator, denominator, rag, target from kpi_values "
            "where la_code = ? and breakdown = 'total' and period_type = 'census_year' "
            "and year(period_end) = ?",
            [LEEDS, year],
        )
    }


def scorecard_row(page: str, kpi_code: str) -> str:
    row = re.search(rf'<tr data-kpi="{kpi_code}">(.*?)</tr>', page, flags=re.S)
    assert row, kpi_code
    return text_of(row.group(1))


# --- 1. a part year compares like with like (hand-made figures: test_board_pack_shows_the_
# workforce_sections.py) ----------------------------------------------------------------------


def test_the_pack_compares_the_part_year_with_the_same_months_and_says_so(demo_pack):
    published, page = demo_pack
    spend = {
        start.year: value
        for start, value in query(
            published,
            "select period_start, value from kpi_values where la_code = ? "
            "and kpi_code = 'agency_spend_gbp' and period_type = 'financial_year'",
            [LEEDS],
        )
    }
    monthly = dict(
        query(
            published,
            "select period_start, value from kpi_values where la_code = ? "
            "and kpi_code = 'agency_spend_gbp' and period_type = 'month'",
            [LEEDS],
        )
    )
    [(base_year,)] = query(
        published,
        "select min(year(period_start)) from kpi_values where la_code = ? and "
        "kpi_code = 'agency_spend_change_gbp' and period_type = 'financial_year'",
        [LEEDS],
    )

    def in_year(m: date, start: int) -> bool:
        return date(start, 4, 1) <= m <= date(start + 1, 3, 31)

    parts = [y for y in spend if y > base_year and sum(in_year(m, y) for m in monthly) < 12]
    if not parts:
        pytest.skip("the demo's extracts end with a full financial year")
    part = max(parts)
    covered = sorted(m for m in monthly if in_year(m, part))
    same = sum(v for m, v in monthly.items() if in_year(m, base_year) and m.month in
               {c.month for c in covered})  # fmt: skip
    row = re.search(rf'<tr data-year="{part}">(.*?)</tr>', page, flags=re.S)
    assert row
    cells = text_of(row.group(1))
    fy = f"{base_year}/{(base_year + 1) % 100:02d}"
    assert f"the same {len(covered)} months of {fy}: £{same / 1000:,.0f}k" in cells
    change = spend[part] - same
    assert f"{100 * change / same:+,.0f}%".replace("-", "−") in cells
    assert f"{len(covered)} of 12" in cells
    # the months named, and the summary never sets the part year against a whole year
    first, last = covered[0], covered[-1]
    assert f"{first:%B}" in cells and f"{last:%B} {last.year}" in cells
    summary = text_of(re.search(r'<section id="summary">(.*?)</section>', page, re.S).group(1))
    part_fy = f"{part}/{(part + 1) % 100:02d}"
    assert f"on the same months of {fy} (£{same / 1000:,.0f}k)" in summary
    assert part_fy + " (a full year)" not in summary


# --- 2. the own figure's rank, DfE's figure beside it, a flag when they differ ----------------


def test_the_rank_is_of_the_figure_shown_and_dfe_s_figure_is_beside_it(demo_pack):
    published, page = demo_pack
    year = latest(published)
    values = headline(published, year)
    for kpi in BENCHMARKED:
        own = values[kpi][0]
        others = [
            v
            for (v,) in query(
                published,
                "select value from kpi_benchmarks where la_code <> ? and kpi_code = ? "
                "and census_year = ? and value is not null",
                [LEEDS, kpi, year],
            )
        ]
        expected_rank = 1 + sum(v < round(own, 1) for v in others)
        [(dfe,)] = query(
            published,
            "select value from kpi_benchmarks where la_code = ? and kpi_code = ? "
            "and census_year = ?",
            [LEEDS, kpi, year],
        )
        [(rank, rank_of)] = query(
            published,
            "select rank, rank_of from kpi_values where la_code = ? and kpi_code = ? "
            "and breakdown = 'total' and period_type = 'census_year' and year(period_end) = ?",
            [LEEDS, kpi, year],
        )
        assert (rank, rank_of) == (expected_rank, len(others) + 1), kpi
        row = scorecard_row(page, kpi)
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
        if 10 <= rank % 100 <= 20:
            suffix = "th"
        assert f"{rank}{suffix} of {rank_of}" in row, (kpi, row)
        unit = "%" if kpi != "caseload_fte" else ""
        assert f"{dfe:.1f}{unit}" in row, (kpi, row)
        gap = abs(round(own, 1) - dfe)
        assert ("check the data" in row) == (gap > 2.0), (kpi, own, dfe, row)
        if gap > 2.0:
            assert re.search(rf'<td class="num dfe differs" data-dfe-value="{dfe:.1f}">', page)


def test_the_flag_follows_the_gap_set_in_workforce_yaml(demo_pack, tmp_path: Path):
    """The calibrated demo agrees with DfE, so DfE's caseload figure is moved 3.0 away on a
    copy: a gap of 3.0 is flagged under a threshold of 2.5 and the default 2, not under 3.5."""
    published, _ = demo_pack
    year = latest(published)
    own = headline(published, year)["caseload_fte"][0]
    moved = tmp_path / "moved.duckdb"
    shutil.copyfile(published, moved)
    dfe = round(own, 1) + 3.0
    with duckdb.connect(str(moved)) as conn:
        conn.execute(
            "update kpi_benchmarks set value = ? where la_code = ? and kpi_code = 'caseload_fte' "
            "and census_year = ?",
            [dfe, LEEDS, year],
        )
    for name, yaml, flagged in (
        ("default", "", True),
        ("narrow", "board_pack:\n  dfe_difference: 2.5\n", True),
        ("wide", "board_pack:\n  dfe_difference: 3.5\n", False),
    ):
        page = pack_of(moved, tmp_path / name, yaml=yaml)
        assert ("check the data" in scorecard_row(page, "caseload_fte")) == flagged, name
        summary = text_of(re.search(r'<section id="summary">(.*?)</section>', page, re.S)[1])
        finding = f"average caseload (cases per FTE) {own:,.1f} against DfE's {dfe:,.1f}"
        assert (finding in summary) == flagged, (name, summary)


# --- 3. trends: both series over every year each has, the target over its years -------------


def test_the_trend_plots_dfe_and_this_publication_over_every_year_each_has(demo_pack):
    published, _ = demo_pack
    year = latest(published)
    data = load(published)
    trend = next(t for t in data.trends if t.kpi_code == "turnover_rate_fte")
    dfe_years = [
        y
        for (y,) in query(
            published,
            "select census_year from kpi_benchmarks where la_code = ? and kpi_code = "
            "'turnover_rate_fte' and value is not null and census_year <= ? order by 1",
            [LEEDS, year],
        )
    ]
    own = dict(
        query(
            published,
            "select year(period_end), value from kpi_values where la_code = ? and kpi_code = "
            "'turnover_rate_fte' and breakdown = 'total' and period_type = 'census_year' "
            "and year(period_end) <= ?",
            [LEEDS, year],
        )
    )
    targets = dict(
        query(
            published,
            "select year(period_end), target from kpi_values where la_code = ? and kpi_code = "
            "'turnover_rate_fte' and breakdown = 'total' and period_type = 'census_year' "
            "and target is not null and year(period_end) <= ?",
            [LEEDS, year],
        )
    )
    assert own and targets and len(dfe_years) > len(own)  # DfE's file goes back further
    figure = trend_chart(trend, "t", "y", "Leeds", ".1f")
    by_name = {t.name: t for t in figure.data}
    dfe_line = by_name["Leeds, DfE published"]
    own_line = by_name["Leeds, this publication (from the extracts)"]
    assert list(dfe_line.x) == dfe_years  # every DfE year, the publication's years included
    assert list(own_line.x) == sorted(own)
    assert set(own) <= set(dfe_line.x)  # they overlap: no splice at a change of source
    [target_line] = [t for t in figure.data if t.name.startswith("Target")]
    drawn = [x for x in target_line.x if x is not None]
    assert min(drawn) > min(targets) - 1 and max(drawn) < max(targets) + 1
    assert f"applied {min(targets)}–{max(targets)}" in target_line.name
    assert min(drawn) > min(dfe_years)  # not drawn back to DfE's first year


def test_a_target_set_later_is_drawn_only_from_the_year_it_applied(demo_pack, tmp_path: Path):
    """A target applying from the second census year of the publication (kpi_targets
    applies_from) leaves the first year without a target in kpi_values: no line there."""
    published, _ = demo_pack
    copy = tmp_path / "workforce.duckdb"
    shutil.copyfile(published, copy)
    with duckdb.connect(str(copy)) as conn:
        [(first,)] = conn.execute(
            "select min(year(period_end)) from kpi_values where la_code = ? and kpi_code = "
            "'turnover_rate_fte' and period_type = 'census_year'",
            [LEEDS],
        ).fetchall()
        conn.execute(
            "update kpi_values set target = null, rag = null where kpi_code = "
            "'turnover_rate_fte' and period_type = 'census_year' and year(period_end) = ?",
            [first],
        )
    trend = next(t for t in load(copy).trends if t.kpi_code == "turnover_rate_fte")
    assert first not in trend.targets and first + 1 in trend.targets
    figure = trend_chart(trend, "t", "y", "Leeds", ".1f")
    [target_line] = [t for t in figure.data if t.name.startswith("Target")]
    assert min(x for x in target_line.x if x is not None) > first + 0.5
    assert f"applied {first + 1}–" in target_line.name


# --- 5. names, one meaning of posts, every number's base in words ---------------------------


def test_without_dfe_files_the_authority_is_named_from_the_project_list(
    hand_home: Path,  # noqa: F811
    tmp_path: Path,
):
    published = hand_home / "published" / "workforce.duckdb"
    assert query(published, "select count(*) from kpi_benchmarks") == [(0,)]
    leeds = pack_of(published, tmp_path / "leeds", la=LEEDS)
    assert "Leeds (383)" in leeds and "Authority 383" not in leeds
    camden = pack_of(published, tmp_path / "camden", la="202")
    assert "Camden (202)" in camden and "Authority 202" not in camden


def test_posts_have_one_meaning_and_every_figure_its_base_in_words(demo_pack):
    published, page = demo_pack
    values = headline(published, latest(published))
    text = text_of(page)
    establishment = values["establishment_fte"][0]
    vacant, vacancy_base = values["vacancy_rate_fte"][1:3]
    # posts are the establishment; the vacancy rate's base is named for what it is
    assert f"vacant, of {establishment:,.1f} FTE of budgeted social work posts" in text
    assert f"{vacant:,.1f} FTE vacant ÷ {vacancy_base:,.1f} FTE vacant plus employed in post" in (
        text
    )
    assert f"{vacancy_base:,.1f} posts" not in text
    assert f"not by the establishment ({establishment:,.1f} FTE)" in text
    # a share of children: its base and its count
    share, three, allocated = values["children_with_3plus_workers_percent"][:3]
    assert (
        f"{share:.1f}% of {allocated:,.0f} children allocated in the 12 months to 30 September "
        f"had 3 or more social workers, {three:,.0f} of them"
    ) in text
    share, above, holders = values["caseload_above_threshold_share"][:3]
    [(threshold,)] = query(
        published, "select value from kpi_settings where var_name = 'caseload_threshold'"
    )
    assert (
        f"{share:.1f}% of {holders:,.0f} social workers holding cases had more than {threshold} "
        f"children allocated, {above:,.0f} of them"
    ) in text
    leavers, in_post = values["turnover_rate_fte"][1:3]
    assert f"{leavers:,.1f} FTE leavers in the year ÷ {in_post:,.1f} FTE employed in post" in text


def test_the_demo_summary_compares_rates_with_england_and_names_the_authority(demo_home: Path):
    published = demo_home / "published" / "workforce.duckdb"
    _, rows = headline_figures(published)
    assert rows and {r.authority for r in rows} == {"Leeds (383)"}
    units = dict(query(published, "select kpi_code, is_rate from kpi_definitions"))
    for row in rows:
        assert units[row.kpi_code] or row.england is None, row  # no count against England's
    rates = [r for r in rows if units[r.kpi_code]]
    assert rates and all(r.england is not None for r in rates)


# --- 6. an opening summary a board can read; the file list behind a fold ----------------------


def test_the_pack_opens_with_a_summary_of_what_is_red_what_moved_and_the_data_quality(demo_pack):
    published, page = demo_pack
    year = latest(published)
    assert page.index('id="summary"') < page.index('id="scorecard"')
    summary = text_of(re.search(r'<section id="summary">(.*?)</section>', page, re.S).group(1))
    labels = dict(query(published, "select kpi_code, label from kpi_definitions"))
    values = headline(published, year)
    previous = headline(published, year - 1)
    scorecard = [
        k
        for k, *_ in query(
            published, "select kpi_code from kpi_definitions where scorecard_order is not null"
        )
    ]

    def name(code: str) -> str:
        return labels[code].replace(" (FTE)", "").lower().replace("per fte", "per FTE")

    for code in scorecard:
        if values[code][3] == "red":
            assert "Red (off target): " in summary and name(code) in summary
    moved = max(
        (c for c in scorecard if previous.get(c) and previous[c][0]),
        key=lambda c: abs(values[c][0] - previous[c][0]) / abs(previous[c][0]),
    )
    direction = "up" if values[moved][0] > previous[moved][0] else "down"
    assert f"Largest move on {year - 1}: {name(moved)} {direction}" in summary
    [(checks, passed)] = query(published, "select count(*), count(*) filter (passed) from checks")
    assert f"Data quality: {passed} of {checks} checks passed" in summary


def test_the_appendix_summarises_files_by_kind_with_the_full_list_behind_a_fold(demo_pack):
    published, page = demo_pack
    appendix = page[page.index('<section id="appendix-files"') :]
    fold = re.search(r'<details id="file-list">(.*?)</details>', appendix, re.S)
    assert fold, "the file list is not behind a fold"
    hashes = query(published, "select sha256 from source_files")
    assert all(sha[:12] in fold.group(1) for (sha,) in hashes)
    assert f"Every file ({len(hashes)})" in fold.group(1)
    # the per-kind summary: one row per kind, with its file count
    kinds = dict(query(published, "select kind, count(*) from source_files group by kind"))
    table = re.search(r'<table id="files-by-kind">(.*?)</table>', page, re.S).group(1)
    assert table.count("<tr>") == len(kinds) + 1  # the header and one row per kind
    with duckdb.connect(str(published), read_only=True) as conn:
        assert conn.execute("select count(*) from source_files").fetchone()[0] == sum(
            kinds.values()
        )
