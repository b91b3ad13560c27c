"""Configuration is checked as it is read, and every finding names the file, the line and the
key. workforce.yaml that cannot be read stops the run (the CLI's refusal: tests/cli/
test_a_wrong_workforce_yaml_is_refused_before_the_run.py). A wrong mapping in
mappings/<la>.yaml, or an authority folder that is no DfE code, holds back only the files it
concerns: left in landing/, reported, never recorded, they load once the configuration allows
them. Hidden and Office lock files are passed over, each named with why. (End to end, in the
shared run of bad files: tests/cli/test_bad_inputs_are_rejected_or_quarantined.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.config import ConfigError, load_thresholds
from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.builders import hr_establishment, hr_staff, write_extract
from tests.conftest import query

KINDS = ["hr_staff", "hr_establishment"]


@pytest.fixture
def settings(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    settings = Settings.from_env()
    settings.home.mkdir(parents=True)
    return settings


def ingest(settings: Settings, run_id: str = "run", **kwargs):
    return Ingestor(settings, run_id, log=lambda _: None).run(KINDS, **kwargs)


def recorded(settings: Settings) -> list[str]:
    return [
        name
        for (name,) in query(settings.warehouse, "select file_name from audit.files order by 1")
    ]


# --- workforce.yaml ------------------------------------------------------------------------

WRONG_SETTINGS = {
    "YAML syntax": (
        "max_quarantine_share: 0.1\nlimits:\n  max_rows: [10\n",
        "workforce.yaml, line 4: not valid YAML: expected ',' or ']'",
    ),
    "unknown key": (
        "max_quarantine_share: 0.1\nlimits:\n  max_row: 10\n",
        "workforce.yaml, line 3: limits.max_row: unknown key (known here: max_file_mb, "
        "max_inflated_mb, max_rows, max_cell_chars)",
    ),
    "wrong type": (
        "max_quarantine_share: 0.1\nplausibility:\n  max_caseload: many\n",
        "workforce.yaml, line 3: plausibility.max_caseload: Input should be a valid integer",
    ),
    "key given twice": (
        "max_quarantine_share: 0.1\nmax_quarantine_share: 0.2\n",
        "workforce.yaml, line 2: not valid YAML: key 'max_quarantine_share' is given twice",
    ),
    "extra authority not a code": (
        "extra_authorities: [999]\n",
        "workforce.yaml, line 1: extra_authorities: 999 is not a 3-digit authority code",
    ),
}


@pytest.mark.parametrize("case", WRONG_SETTINGS, ids=list(WRONG_SETTINGS))
def test_a_wrong_workforce_yaml_names_the_file_the_line_and_the_key(settings, case):
    text, message = WRONG_SETTINGS[case]
    (settings.home / "workforce.yaml").write_text(text)
    with pytest.raises(ConfigError) as refused:
        load_thresholds(settings.home)
    assert message in str(refused.value)
    assert str(settings.home / "workforce.yaml") in str(refused.value)


# --- mappings/<la>.yaml ------------------------------------------------------------------------

WRONG_MAPPINGS = {
    "two vendor columns onto one": (
        "hr_staff:\n  columns:\n    Assignment No: assignment_id\n"
        "    Assignment Number: assignment_id\n",
        "mappings/383.yaml, line 4: hr_staff.columns.Assignment Number: 'Assignment No' and "
        "'Assignment Number' both map onto assignment_id (rule: one vendor column per contract "
        "column)",
    ),
    "unknown contract column": (
        "hr_staff:\n  columns:\n    Person Ref: employe_id\n",
        "mappings/383.yaml, line 3: hr_staff.columns.Person Ref: 'employe_id' is not a column "
        "of hr_staff",
    ),
    "label onto an unknown code": (
        "hr_staff:\n  values:\n    gender: {Male: '1', Female: '3'}\n",
        "mappings/383.yaml, line 3: hr_staff.values.gender.Female: '3' is not a code of gender "
        "(rule: a label maps onto one of its codes: 0, 1, 2, 9)",
    ),
    "values of an unknown column": (
        "hr_staff:\n  values:\n    sex: {Male: '1'}\n",
        "mappings/383.yaml, line 3: hr_staff.values.sex: 'sex' is not a column of hr_staff",
    ),
}


def deliver_two_authorities(settings: Settings) -> None:
    write_extract(settings.landing, "383", "hr_staff", "2025-10-31", [hr_staff()])
    write_extract(settings.landing, "383", "hr_establishment", "2025-10-31", [hr_establishment()])
    write_extract(settings.landing, "202", "hr_staff", "2025-10-31", [hr_staff()])


@pytest.mark.parametrize("case", WRONG_MAPPINGS, ids=list(WRONG_MAPPINGS))
def test_a_wrong_mapping_holds_back_its_kinds_files_and_the_rest_load(settings, case):
    text, message = WRONG_MAPPINGS[case]
    (settings.home / "mappings").mkdir()
    (settings.home / "mappings" / "383.yaml").write_text(text)
    deliver_two_authorities(settings)

    report = ingest(settings)
    ((name, reason),) = report.held
    assert name == "383/hr_staff_20251031.csv"
    assert reason.startswith(f"{name}: not loaded: {settings.home / 'mappings'}")
    assert message in reason and "left in landing/" in reason
    assert report.rejected == []
    # the authority's other kinds and the other authorities load
    assert sorted(report.loaded) == [
        "202/hr_staff_20251031.csv",
        "383/hr_establishment_20251031.csv",
    ]
    # never recorded, archived or rejected: it stays new, as delivered
    assert name not in recorded(settings)
    assert not (settings.archive / "383" / "hr_staff").exists()
    (note,) = settings.rejected.glob("*_hr_staff_20251031.csv.reason.txt")
    assert message in note.read_text()
    assert note.read_text().endswith("its bytes are kept as landing/383/hr_staff_20251031.csv)\n")

    # held again, said again, while the mapping is wrong; loaded once it is put right
    assert [n for n, _ in ingest(settings, "again").held] == [name]
    (settings.home / "mappings" / "383.yaml").write_text(
        "hr_staff:\n  columns:\n    Assignment No: assignment_id\n"
    )
    fixed = ingest(settings, "fixed")
    assert fixed.held == [] and fixed.loaded == [name]
    assert not note.exists()  # the note no longer holds


def test_a_mapping_file_that_cannot_be_read_holds_back_every_kind_of_its_authority(settings):
    (settings.home / "mappings").mkdir()
    (settings.home / "mappings" / "383.yaml").write_text("hr_staff:\n  columns: {a: b\n")
    deliver_two_authorities(settings)
    report = ingest(settings)
    assert sorted(name for name, _ in report.held) == [
        "383/hr_establishment_20251031.csv",
        "383/hr_staff_20251031.csv",
    ]
    assert all("mappings/383.yaml, line 3: not valid YAML" in reason for _, reason in report.held)
    assert report.loaded == ["202/hr_staff_20251031.csv"]


def test_columns_that_become_one_under_the_mapping_reject_the_file_naming_the_mapping(settings):
    (settings.home / "mappings").mkdir()
    (settings.home / "mappings" / "383.yaml").write_text(
        "hr_staff:\n  columns:\n    Assignment No: assignment_id\n"
    )
    path = write_extract(settings.landing, "383", "hr_staff", "2025-10-31", [hr_staff()])
    header, *rows = path.read_text().splitlines()
    path.write_text("\n".join([f"{header},Assignment No", *(f"{r},X1" for r in rows)]) + "\n")
    ((name, reason),) = ingest(settings).rejected
    assert reason == (
        f"{name}: columns 'assignment_id' and 'assignment no' would both be assignment_id "
        f"under {settings.home / 'mappings' / '383.yaml'}: hr_staff (rule: one column of the "
        "file per contract column)"
    )


def test_a_mappings_labels_and_codes_are_text_as_written(settings):
    """`Yes`, `No` and `01` unquoted are the labels and codes written, not YAML's booleans
    and numbers: a vendor's `Yes` maps as `Yes`."""
    (settings.home / "mappings").mkdir()
    (settings.home / "mappings" / "383.yaml").write_text(
        "hr_staff:\n  values:\n    gender: {M: 01, F: 2}\n"
        "    registered_social_worker: {Yes: true, No: false}\n"
    )
    write_extract(
        settings.landing,
        "383",
        "hr_staff",
        "2025-10-31",
        [hr_staff(gender="F", registered_social_worker="Yes")],
    )
    report = ingest(settings)
    assert report.loaded == ["383/hr_staff_20251031.csv"] and report.quarantined == []
    assert query(
        settings.warehouse, "select gender, registered_social_worker from raw.hr_staff"
    ) == [(2, True)]


# --- authority folders ------------------------------------------------------------------------


def test_a_folder_that_is_no_dfe_authority_code_loads_only_as_an_extra_authority(settings):
    write_extract(settings.landing, "999", "hr_staff", "2025-10-31", [hr_staff()])
    write_extract(settings.landing, "383", "hr_staff", "2025-10-31", [hr_staff()])
    report = ingest(settings)
    assert report.held == [
        (
            "999/hr_staff_20251031.csv",
            "999/hr_staff_20251031.csv: folder 999/ is not a DfE authority code (rule: an "
            "authority folder is named by a code of seeds/dfe_authorities.csv, or by one listed "
            "in extra_authorities in workforce.yaml for test or pilot data); not loaded: the "
            'file is left in landing/ (move it to its authority\'s folder, or list "999" in '
            "extra_authorities)",
        )
    ]
    assert report.loaded == ["383/hr_staff_20251031.csv"]
    assert recorded(settings) == ["383/hr_staff_20251031.csv"]

    (settings.home / "workforce.yaml").write_text('extra_authorities: ["999"]\n')
    listed = ingest(settings, "listed")
    assert listed.held == [] and listed.loaded == ["999/hr_staff_20251031.csv"]
    assert query(settings.warehouse, "select distinct la_code from raw.hr_staff order by 1") == [
        ("383",),
        ("999",),
    ]
    # no longer listed: what is loaded stays, and a file loaded already is not held (touched,
    # it is read again and found loaded)
    (settings.home / "workforce.yaml").unlink()
    os.utime(settings.landing / "999" / "hr_staff_20251031.csv", ns=(1, 1))
    unlisted = ingest(settings, "unlisted")
    assert unlisted.held == [] and "999/hr_staff_20251031.csv" in unlisted.skipped


# --- hidden and lock files ------------------------------------------------------------------------


def test_hidden_and_office_lock_files_are_passed_over_each_named_with_why(settings):
    landing = settings.landing
    write_extract(landing, "383", "hr_staff", "2025-10-31", [hr_staff()])
    (landing / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (landing / "383" / "~$hr_staff_20251031.xlsx").write_bytes(b"\x0bA Person")
    (landing / "383" / ".~lock.hr_staff_20251031.csv#").write_text("A Person,host")
    (landing / ".git").mkdir()
    (landing / ".git" / "HEAD").write_text("ref: refs/heads/main\n")

    report = Ingestor(settings, "run", log=lambda _: None).run([], unrecognised=True)
    assert report.rejected == [] and report.held == []
    assert report.passed_over == [
        ".DS_Store: skipped: a hidden file (its name begins with '.'), not an extract; not read",
        ".git: skipped: a hidden folder (its name begins with '.'), not an extract; nothing in "
        "it is read",
        "383/.~lock.hr_staff_20251031.csv#: skipped: a hidden file (its name begins with '.'), "
        "not an extract; not read",
        "383/~$hr_staff_20251031.xlsx: skipped: an Office lock file (its name begins with '~$': "
        "a workbook open in Excel), not an extract; not read",
    ]
    # the kinds' own steps pass them over without a word (the step above says it once)
    assert ingest(settings).passed_over == []
