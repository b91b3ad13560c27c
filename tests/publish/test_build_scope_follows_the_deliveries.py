"""Which authorities a build re-derives (orchestration/publish/scope.py), decided from the file
ledger and the build the publication in place reflects."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish.publication import record_build
from orchestration.publish.scope import build_scope, write_build_scope
from orchestration.settings import Settings
from orchestration.warehouse import create_schemas


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    home = tmp_path / "workforce-data"
    home.mkdir()
    return Settings(home=home)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    create_schemas(conn)
    return conn


def deliver(conn, la_code: str | None, status: str = "loaded", name: str | None = None) -> None:
    name = name or f"{la_code or ''}/hr_staff_20251031.csv".lstrip("/")
    conn.execute(
        "insert into audit.files (file_id, la_code, kind, extract_date, file_name, status, "
        "received_at) values (?, ?, 'hr_staff', '2025-10-31', ?, ?, current_timestamp)",
        [f"sha-{name}-{status}", la_code, name, status],
    )


def authorities_in_scope(conn) -> list[str]:
    return [
        la for (la,) in conn.execute("select la_code from audit.build_scope order by 1").fetchall()
    ]


def test_before_the_first_publication_every_authority_is_derived(conn, settings):
    deliver(conn, "383")
    deliver(conn, "202")
    scope = build_scope(conn, settings)
    assert scope.full and scope.describe() == "full build: nothing published yet"
    write_build_scope(conn, scope)
    assert authorities_in_scope(conn) == ["202", "383"]  # the checks read every authority


def test_after_a_publication_only_the_authorities_delivered_since_are_derived(conn, settings):
    deliver(conn, "383")
    deliver(conn, "202")
    record_build(conn, settings, "run-1")
    deliver(conn, "383", name="383/hr_staff_20251130.csv")
    deliver(conn, "202", status="rejected", name="202/hr_staff_20251130.csv")  # loads nothing
    scope = build_scope(conn, settings)
    assert scope.authorities == ("383",)
    write_build_scope(conn, scope)
    assert authorities_in_scope(conn) == ["383"]


def test_a_blocked_run_leaves_its_authorities_in_scope_until_a_run_publishes(conn, settings):
    deliver(conn, "383")
    record_build(conn, settings, "run-1")
    deliver(conn, "202", name="202/hr_absence_20251031.csv")  # run 2 loads it, then is blocked
    deliver(conn, "383", name="383/hr_absence_20251031.csv")  # run 3
    assert build_scope(conn, settings).authorities == ("202", "383")


def test_a_dfe_file_alone_re_derives_no_authority(conn, settings):
    deliver(conn, "383")
    record_build(conn, settings, "run-1")
    deliver(conn, None, name="dfe_indicators_20251201.csv")
    scope = build_scope(conn, settings)
    assert not scope.full and scope.authorities == ()
    write_build_scope(conn, scope)
    assert authorities_in_scope(conn) == []


def test_a_change_of_settings_or_a_full_refresh_derives_everything(conn, settings):
    deliver(conn, "383")
    record_build(conn, settings, "run-1")
    deliver(conn, "383", name="383/hr_staff_20251130.csv")
    assert build_scope(conn, settings, full_refresh=True).describe() == (
        "full build: a full rebuild was asked for"
    )
    (settings.home / "workforce.yaml").write_text("suppression_threshold: 5\n")
    scope = build_scope(conn, settings)
    assert scope.full and "workforce.yaml changed" in scope.reason


def test_a_build_with_nothing_delivered_since_derives_everything(conn, settings):
    """The pipeline builds then only when the warehouse changed by other means than a delivery
    (its fingerprint differs): nothing says which authority, so every one is derived."""
    deliver(conn, "383")
    record_build(conn, settings, "run-1")
    scope = build_scope(conn, settings)
    assert scope.full and scope.reason == "the warehouse changed, but by no delivery"
