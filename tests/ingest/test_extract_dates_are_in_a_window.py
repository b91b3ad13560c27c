"""A file name's date must be in the extract-date window: from `extract_dates.earliest` in
workforce.yaml (default 2000-01-01) to the day of the run. A file dated outside is rejected
naming the file, its date and the setting; the other files load. (End to end, a staff
snapshot named 19000101 delivered to a published home: tests/cli/
test_bad_inputs_are_rejected_or_quarantined.py, case `extract date before the earliest`.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestration.config import ConfigError, load_thresholds
from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.builders import hr_staff, write_extract
from tests.conftest import query


@pytest.fixture
def settings(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    return Settings.from_env()


def deliver(settings: Settings, *extract_dates: str) -> None:
    for extract_date in extract_dates:
        write_extract(settings.landing, "383", "hr_staff", extract_date, [hr_staff()])


def ingest(settings: Settings):
    return Ingestor(settings, "run", log=lambda _: None).run(["hr_staff"])


def test_the_earliest_extract_date_is_2000_01_01_unless_workforce_yaml_says(settings):
    assert load_thresholds(settings.home).extract_dates.earliest == date(2000, 1, 1)
    settings.home.mkdir(parents=True)
    (settings.home / "workforce.yaml").write_text("extract_dates:\n  earliest: 2020-04-01\n")
    assert load_thresholds(settings.home).extract_dates.earliest == date(2020, 4, 1)
    (settings.home / "workforce.yaml").write_text("extract_dates:\n  latest: 2030-01-01\n")
    with pytest.raises(ConfigError, match="extract_dates"):
        load_thresholds(settings.home)


def test_a_file_dated_before_the_earliest_is_rejected_and_the_others_load(settings):
    deliver(settings, "1900-01-01", "1999-12-31", "2000-01-01", "2025-09-30")
    report = ingest(settings)
    assert report.loaded == ["383/hr_staff_20000101.csv", "383/hr_staff_20250930.csv"]
    reasons = dict(report.rejected)
    assert reasons["383/hr_staff_19000101.csv"] == (
        "383/hr_staff_19000101.csv: extract date 1900-01-01 is before 2000-01-01, the earliest "
        "an extract may be dated (rule: extract_dates.earliest in workforce.yaml; the file "
        "name's date is the date the data is as at)"
    )
    assert (
        "383/hr_staff_19991231.csv: extract date 1999-12-31 is before"
        in reasons["383/hr_staff_19991231.csv"]
    )
    (note,) = settings.rejected.glob("*_hr_staff_19000101.csv.reason.txt")
    assert reasons["383/hr_staff_19000101.csv"] in note.read_text()
    assert query(settings.warehouse, "select min(valid_from)::varchar from raw.hr_staff") == [
        ("2000-01-01",)
    ]


def test_the_window_follows_workforce_yaml(settings):
    settings.home.mkdir(parents=True)
    (settings.home / "workforce.yaml").write_text("extract_dates:\n  earliest: 2025-04-01\n")
    deliver(settings, "2025-03-31", "2025-04-01")
    report = ingest(settings)
    assert report.loaded == ["383/hr_staff_20250401.csv"]
    assert [name for name, _ in report.rejected] == ["383/hr_staff_20250331.csv"]
    assert "is before 2025-04-01" in report.rejected[0][1]
