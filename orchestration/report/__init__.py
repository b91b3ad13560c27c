"""The board pack: one self-contained HTML page per authority and census year, built only
from the published (validated) file. `workforce report` and `workforce demo` write it."""

from __future__ import annotations

from pathlib import Path

from orchestration.report.data import ReportError, load
from orchestration.report.render import write
from orchestration.settings import Settings

__all__ = ["ReportError", "default_path", "write_board_pack"]


def default_path(settings: Settings, la_code: str, census_year: int) -> Path:
    return settings.room("reports") / f"board-pack-{la_code}-{census_year}.html"


def write_board_pack(
    settings: Settings, la: str | None = None, year: int | None = None, out: Path | None = None
) -> Path:
    """Write the board pack for one authority and census year; return where it went."""
    from orchestration.config import load_thresholds

    gap = load_thresholds(settings.home).board_pack.dfe_difference
    data = load(settings.published, la, year, dfe_difference=gap)
    return write(data, out or default_path(settings, data.la_code, data.census_year))
