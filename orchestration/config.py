"""What a council configures without touching code, all under WORKFORCE_HOME.

`workforce.yaml`: thresholds (all optional; the defaults shown)::

    max_snapshot_drop_share: 0.5   # reject a snapshot with under half the rows of the one before
    max_quarantine_share: 0.05     # a file with more quarantined rows than this blocks publication
    suppression_threshold: 5       # counts below this are shown as `c` in publication tables
    limits:                        # what one delivered file may cost; beyond, it is rejected
      max_file_mb: 512             #   bytes on disk
      max_inflated_mb: 2048        #   XLSX and Parquet: bytes once decompressed
      max_rows: 2000000            #   data rows
      max_cell_chars: 10000        #   characters in one cell
    dates:                         # a date outside this window quarantines its row
      earliest: 1900-01-01
      latest: 2099-12-31
    extract_dates:                 # a file whose name's date is outside this window is rejected
      earliest: 2000-01-01         #   (the latest is the day of the run: no date in the future)
    plausibility:                  # publication is blocked beyond these (see publish/plausibility.py)
      max_caseload: 60             #   children allocated to one worker on one day
      max_headline_movement_share: 0.25  # in-post headcount/FTE change between snapshots
      rate_margin: 0.0             #   how far outside every published DfE rate a rate may go
    board_pack:
      dfe_difference: 2.0          # flag an own figure this far from DfE's published one for the
                                   #   authority (percentage points; cases for caseload)

`mappings/<la_code>.yaml`: how one authority's exports map onto the contract, per kind::

    hr_staff:
      columns:                 # vendor header: contract column
        Assignment Number: assignment_id
        Person Ref: employee_id
        Sex: gender
      values:                  # contract column: {vendor label: contract code}
        gender: {Male: "1", Female: "2", Unknown: "0"}
        leaving_reason: {Resignation: "1", Retirement: "5"}
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestration.contract import KINDS


class ConfigError(Exception):
    """A configuration file is unreadable or says something impossible; names file and key."""


class Limits(BaseModel):
    """What reading one delivered file may cost, checked before (or while) it is read."""

    model_config = ConfigDict(extra="forbid")

    max_file_mb: float = Field(512, gt=0)
    max_inflated_mb: float = Field(2048, gt=0)
    max_rows: int = Field(2_000_000, ge=1)
    max_cell_chars: int = Field(10_000, ge=1)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def max_inflated_bytes(self) -> int:
        return int(self.max_inflated_mb * 1_000_000)


class DateWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    earliest: date = date(1900, 1, 1)
    latest: date = date(2099, 12, 31)


class ExtractDates(BaseModel):
    """The dates a file name may carry (`<kind>_<YYYYMMDD>`): from `earliest` to the day of the
    run (a later date is in the future). A file dated outside is rejected: a date like
    19000101 is a mistyped name, and loaded it would publish census years nobody delivered."""

    model_config = ConfigDict(extra="forbid")

    earliest: date = date(2000, 1, 1)


class Plausibility(BaseModel):
    """Bounds on published figures no English authority's data reaches: beyond them the data
    is wrong, and publication is blocked."""

    model_config = ConfigDict(extra="forbid")

    max_caseload: int = Field(60, ge=1)
    max_headline_movement_share: float = Field(0.25, gt=0)
    rate_margin: float = Field(0.0, ge=0)


class BoardPack(BaseModel):
    """How the board pack reads the figures (not how they are computed)."""

    model_config = ConfigDict(extra="forbid")

    # An authority's own figure further than this from DfE's published figure for it (same
    # year, same KPI) is a data-quality finding the pack flags: one of the two is wrong.
    dfe_difference: float = Field(2.0, ge=0)


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_snapshot_drop_share: float = Field(0.5, ge=0, le=1)
    max_quarantine_share: float = Field(0.05, ge=0, le=1)
    suppression_threshold: int | None = Field(None, ge=1)
    limits: Limits = Limits()
    dates: DateWindow = DateWindow()
    extract_dates: ExtractDates = ExtractDates()
    plausibility: Plausibility = Plausibility()
    board_pack: BoardPack = BoardPack()


class KindMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}

    def apply(self, table: pa.Table) -> pa.Table:
        """Rename vendor headers (case-insensitively) and translate vendor labels to codes."""
        renames = {vendor.strip().lower(): ours for vendor, ours in self.columns.items()}
        table = table.rename_columns([renames.get(c, c) for c in table.column_names])
        for column, labels in self.values.items():
            if column not in table.column_names:
                continue
            lookup = {label.strip().lower(): code for label, code in labels.items()}
            values = table[column]
            distinct = pc.unique(values)
            translated = pa.array(
                [
                    None if v is None else lookup.get(v.strip().lower(), v)
                    for v in distinct.to_pylist()
                ],
                pa.string(),
            )
            index = table.column_names.index(column)
            table = table.set_column(
                index, column, pc.take(translated, pc.index_in(values, distinct))
            )
        return table


def read_yaml(path: Path) -> dict:
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid YAML ({e})") from e
    if not isinstance(content, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values")
    return content


def load_thresholds(home: Path) -> Thresholds:
    path = home / "workforce.yaml"
    if not path.exists():
        return Thresholds()
    try:
        return Thresholds(**read_yaml(path))
    except ValidationError as e:
        raise ConfigError(f"{path}: {e}") from e


def load_mappings(home: Path, la_code: str) -> dict[str, KindMapping]:
    path = home / "mappings" / f"{la_code}.yaml"
    if not path.exists():
        return {}
    content = read_yaml(path)
    unknown = set(content) - set(KINDS)
    if unknown:
        raise ConfigError(f"{path}: unknown kind(s) {', '.join(sorted(unknown))}")
    try:
        mappings = {kind: KindMapping(**(spec or {})) for kind, spec in content.items()}
    except ValidationError as e:
        raise ConfigError(f"{path}: {e}") from e
    for kind, mapping in mappings.items():
        contract = {c.name for c in KINDS[kind].columns}
        wrong = (set(mapping.columns.values()) | set(mapping.values)) - contract
        if wrong:
            raise ConfigError(
                f"{path}: {kind} maps onto column(s) not in the contract: {', '.join(sorted(wrong))}"
            )
    return mappings
