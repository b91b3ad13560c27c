"""The warehouse records a fingerprint of its pseudonym key: ingestion with another key, or
with none where pseudonyms exist, is refused before anything is loaded, and no key is ever
made for a warehouse that holds pseudonyms; a warehouse from before fingerprints adopts the
key it is next run with. (End to end, through `workforce run`, the Dagster job and the census
return: tests/cli/test_a_run_with_another_pseudonym_key_is_refused.py.)"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.pseudonyms import (
    FINGERPRINT_TEXT,
    KeyRefused,
    key_fingerprint,
)
from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.builders import hr_staff, write_extract
from tests.conftest import query

FILES = "select file_name, status, file_id from audit.files order by all"
RAW = "select * from raw.hr_staff order by all"


@pytest.fixture
def settings(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    return Settings.from_env()


def ingest(settings: Settings, said: list[str] | None = None):
    log = said.append if said is not None else (lambda _: None)
    return Ingestor(settings, "run", log=log).run(["hr_staff"])


def deliver(settings: Settings, extract_date: str) -> None:
    write_extract(settings.landing, "383", "hr_staff", extract_date, [hr_staff()])


def fingerprints(settings: Settings) -> list[tuple]:
    return query(settings.warehouse, "select fingerprint, how from audit.pseudonym_key")


def loaded_once(settings: Settings) -> tuple[list, list]:
    """One snapshot loaded, then the next one landed: what a refused run must leave as is."""
    deliver(settings, "2025-09-30")
    assert ingest(settings).loaded == ["383/hr_staff_20250930.csv"]
    deliver(settings, "2025-10-31")
    return query(settings.warehouse, FILES), query(settings.warehouse, RAW)


def test_the_warehouse_records_a_fingerprint_of_its_key_never_the_key(settings):
    deliver(settings, "2025-09-30")
    ingest(settings)
    key = settings.key_file.read_bytes().strip()
    assert fingerprints(settings) == [(key_fingerprint(key), "made")]  # here, by ingestion
    assert key_fingerprint(key) != key.decode() and FINGERPRINT_TEXT not in key
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        stored = str(conn.execute("from audit.pseudonym_key").fetchall())
    assert key.decode() not in stored


def test_another_key_in_the_environment_is_refused_and_nothing_is_loaded(settings, monkeypatch):
    before = loaded_once(settings)
    monkeypatch.setenv("WORKFORCE_PSEUDONYM_KEY", "a key from another home")
    with pytest.raises(KeyRefused) as refused:
        ingest(settings)
    message = str(refused.value)
    assert "the environment variable WORKFORCE_PSEUDONYM_KEY" in message
    assert "Restore the key from your backup" in message and "nothing was loaded" in message
    assert (query(settings.warehouse, FILES), query(settings.warehouse, RAW)) == before
    assert len(list((settings.archive / "383").rglob("*.csv"))) == 1  # the first one's bytes

    # the right key, from the environment or the file, loads the new snapshot
    monkeypatch.setenv("WORKFORCE_PSEUDONYM_KEY", settings.key_file.read_text().strip())
    assert ingest(settings).loaded == ["383/hr_staff_20251031.csv"]


def test_a_deleted_key_file_is_refused_and_no_new_key_is_made(settings):
    before = loaded_once(settings)
    settings.key_file.unlink()
    with pytest.raises(KeyRefused) as refused:
        ingest(settings)
    assert str(settings.key_file) in str(refused.value)
    assert "none is made" in str(refused.value)
    assert not settings.key_file.exists()
    assert (query(settings.warehouse, FILES), query(settings.warehouse, RAW)) == before


def forget_the_fingerprint(settings: Settings) -> None:
    """The warehouse as it stood before fingerprints were recorded."""
    with duckdb.connect(str(settings.warehouse)) as conn:
        conn.execute("drop table audit.pseudonym_key")


def test_an_older_warehouse_adopts_the_key_it_is_first_run_with_and_says_so_once(settings):
    loaded_once(settings)
    forget_the_fingerprint(settings)
    key = settings.key_file.read_bytes().strip()
    said: list[str] = []
    assert ingest(settings, said).loaded == ["383/hr_staff_20251031.csv"]
    assert fingerprints(settings) == [(key_fingerprint(key), "adopted")]
    assert [line for line in said if "now records the fingerprint" in line] != []
    assert str(settings.key_file) in said[0]

    deliver(settings, "2025-11-30")
    again: list[str] = []
    assert ingest(settings, again).loaded == ["383/hr_staff_20251130.csv"]
    assert not [line for line in again if "fingerprint" in line]
    assert fingerprints(settings) == [(key_fingerprint(key), "adopted")]


def test_an_older_warehouse_without_its_key_file_is_refused_not_given_a_new_key(settings):
    before = loaded_once(settings)
    forget_the_fingerprint(settings)
    settings.key_file.unlink()
    with pytest.raises(KeyRefused):
        ingest(settings)
    assert not settings.key_file.exists()
    assert (query(settings.warehouse, FILES), query(settings.warehouse, RAW)) == before
