"""What a council configures without touching code, all under WORKFORCE_HOME.

`workforce.yaml`: thresholds (all optional; the defaults shown)::

    extra_authorities: []          # authority folders that are no DfE code but load (test data)
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

Both are checked as they are read, and every finding names the file, the line and the key
(ConfigError). workforce.yaml wrong stops a run before it starts. A mapping's scalars are all
text as written (`Yes`, `01`); a kind whose mapping is wrong (a vendor column onto no contract
column, two onto one, a label onto no code of its column) has its ConfigError in place of its
mapping (`read_mappings`), and ingestion holds back that authority's files of that kind.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestration.contract import KINDS, WHOLE_NUMBER, Column, Type

LA_CODE = re.compile("[0-9]{3}")  # as an authority folder under landing/ is named


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

    # authority folders under landing/ that are no DfE code (seeds/dfe_authorities.csv) but
    # load all the same: test or pilot data. Any other such folder's files are not loaded.
    extra_authorities: list[str] = []

    max_snapshot_drop_share: float = Field(0.5, ge=0, le=1)
    max_quarantine_share: float = Field(0.05, ge=0, le=1)
    suppression_threshold: int | None = Field(None, ge=1)
    limits: Limits = Limits()
    dates: DateWindow = DateWindow()
    extract_dates: ExtractDates = ExtractDates()
    plausibility: Plausibility = Plausibility()
    board_pack: BoardPack = BoardPack()

    @field_validator("extra_authorities", mode="before")
    @classmethod
    def three_digit_codes(cls, codes: object) -> object:
        if not isinstance(codes, list):
            return codes  # pydantic says it is not a list
        for code in codes:
            if not (isinstance(code, str) and LA_CODE.fullmatch(code)):
                raise ValueError(
                    f"{code!r} is not a 3-digit authority code: write each as its folder under "
                    'landing/ is named, in quotes (extra_authorities: ["999"])'
                )
        return codes


class KindMapping(BaseModel):
    """One kind's mapping: vendor headers onto contract columns, vendor labels onto codes."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    source: str = ""  # where it was read (`.../mappings/383.yaml: hr_staff`), for messages

    def apply(self, table: pa.Table) -> pa.Table:
        """Rename vendor headers (case-insensitively) and translate vendor labels to codes.
        Raises MappedTwice when two of the file's columns would become one."""
        renames = {vendor.strip().lower(): ours for vendor, ours in self.columns.items()}
        names = [renames.get(c.strip().lower(), c) for c in table.column_names]
        for name in set(names):
            sources = [c for c, n in zip(table.column_names, names, strict=True) if n == name]
            if len(sources) > 1:
                raise MappedTwice(name, sources)
        table = table.rename_columns(names)
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


class MappedTwice(Exception):
    """Two of a file's columns become one contract column under the mapping."""

    def __init__(self, column: str, sources: list[str]):
        super().__init__(column, sources)
        self.column = column
        self.sources = sources


# --- reading the files -----------------------------------------------------------------------


def _refuse_duplicate_keys(loader: yaml.BaseLoader, node: yaml.MappingNode) -> None:
    """A key given twice in one mapping: YAML keeps the last silently, so one is lost."""
    seen: set = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice", key_node.start_mark
            )
        seen.add(key)


class _SettingsLoader(yaml.SafeLoader):
    """workforce.yaml: numbers, dates and booleans as YAML reads them; no key given twice."""

    def construct_mapping(self, node, deep=False):
        _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep)


class _TextLoader(yaml.BaseLoader):
    """mappings/<la>.yaml: every scalar as written (`Yes`, `No`, `05`, `1` stay text: they are
    vendor labels and codes, which YAML would read as true, false and numbers); no key given
    twice."""

    def construct_mapping(self, node, deep=False):
        _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep)


def read_yaml(path: Path, loader: type = _SettingsLoader) -> tuple[dict, yaml.Node | None]:
    """The file's content (a mapping) and its node tree (where each key is, for messages)."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=loader)
        content = yaml.load(text, Loader=loader) if root is not None else None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f", line {mark.line + 1}" if mark else ""
        begun = (
            f" ({e.context} begun on line {e.context_mark.line + 1})"
            if e.context and e.context_mark and e.context_mark is not mark
            else ""
        )
        raise ConfigError(f"{path}{line}: not valid YAML: {e.problem}{begun}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if content in (None, ""):
        return {}, None
    if not isinstance(content, dict):
        raise ConfigError(
            f"{path}, line {root.start_mark.line + 1}: expected keys and values (a YAML "
            f"mapping), found {type(content).__name__}"
        )
    return content, root


def line_of(root: yaml.Node | None, loc: tuple) -> int | None:
    """The line (from 1) of the deepest key of `loc` the file has."""
    node, line = root, None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(
                ((k, v) for k, v in node.value if str(getattr(k, "value", None)) == str(part)),
                None,
            )
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def where(path: Path, root: yaml.Node | None, loc: tuple) -> str:
    """`<file>, line N: <key.path>` as the messages name a place in a configuration file."""
    line = line_of(root, loc)
    key = ".".join(str(part) for part in loc)
    return f"{path}" + (f", line {line}" if line else "") + (f": {key}" if key else "")


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the model allows where `loc` points (for an unknown key's message)."""
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return [name for name in model.model_fields if name != "source"]


def explain(
    error: ValidationError, path: Path, root: yaml.Node | None, model: type[BaseModel], at=()
) -> str:
    """Each of pydantic's findings as `<file>, line N: <key>: what is wrong`."""
    lines = []
    for found in error.errors():
        loc = at + tuple(part for part in found["loc"] if part != "[key]")
        if found["type"] == "extra_forbidden":
            known = _fields_at(model, tuple(found["loc"][:-1]))
            lines.append(
                f"{where(path, root, loc)}: unknown key"
                + (f" (known here: {', '.join(known)})" if known else "")
            )
            continue
        message = found["msg"].removeprefix("Value error, ")
        given = found.get("input")
        shown = f" (found {given!r})" if isinstance(given, str | int | float | bool | date) else ""
        lines.append(f"{where(path, root, loc)}: {message}{shown}")
    return "; ".join(lines)


def load_thresholds(home: Path) -> Thresholds:
    """workforce.yaml, checked: an error names the file, the line and the key."""
    path = home / "workforce.yaml"
    if not path.exists():
        return Thresholds()
    content, root = read_yaml(path)
    unnamed = [key for key in content if not isinstance(key, str)]
    if unnamed:
        raise ConfigError(f"{where(path, root, (unnamed[0],))}: a key must be a name")
    try:
        return Thresholds(**content)
    except ValidationError as e:
        raise ConfigError(explain(e, path, root, Thresholds)) from None


# --- vendor mappings ---------------------------------------------------------------------------


def known_code(column: Column, value: str) -> bool:
    """Whether `value` reads as one of the column's codes, as the row rules read a cell
    (codes case-insensitively; numeric codes spelled as WHOLE_NUMBER allows, `05` and `5.0`
    being 5, and nothing else: `5e0` is no code in a cell, so none in a mapping)."""
    text = value.strip()
    if column.type is Type.INT_CODE:
        return (
            bool(re.fullmatch(WHOLE_NUMBER, text)) and str(int(text.split(".")[0])) in column.codes
        )
    return text.lower() in {code.lower() for code in column.codes}


def check_kind_mapping(kind: str, mapping: KindMapping, path: Path, root: yaml.Node | None) -> None:
    """What a mapping may say of the contract: each vendor column onto one contract column of
    the kind, no contract column from two vendor columns, labels onto the column's codes."""
    contract = KINDS[kind]
    names = [c.name for c in contract.columns]
    by_target: dict[str, str] = {}
    by_header: dict[str, str] = {}
    for vendor, ours in mapping.columns.items():
        here = where(path, root, (kind, "columns", vendor))
        if ours not in names:
            raise ConfigError(
                f"{here}: '{ours}' is not a column of {kind} (rule: a vendor column maps onto "
                f"one of {', '.join(names)})"
            )
        header = vendor.strip().lower()
        if header in by_header:
            raise ConfigError(
                f"{here}: '{vendor}' and '{by_header[header]}' are one header (headers are "
                "matched whatever their case)"
            )
        by_header[header] = vendor
        if ours in by_target:
            raise ConfigError(
                f"{here}: '{by_target[ours]}' and '{vendor}' both map onto {ours} (rule: one "
                "vendor column per contract column)"
            )
        by_target[ours] = vendor
    for column, labels in mapping.values.items():
        if column not in names:
            raise ConfigError(
                f"{where(path, root, (kind, 'values', column))}: '{column}' is not a column of "
                f"{kind} (rule: values are given per contract column: {', '.join(names)})"
            )
        codes = contract.column(column)
        spelled: dict[str, str] = {}
        for label, code in labels.items():
            here = where(path, root, (kind, "values", column, label))
            if codes.codes and not known_code(codes, code):
                shown = ", ".join(codes.codes)
                raise ConfigError(
                    f"{here}: '{code}' is not a code of {column} (rule: a label maps onto one of "
                    f"its codes: {shown})"
                )
            key = label.strip().lower()
            if key in spelled and labels[spelled[key]] != code:
                raise ConfigError(
                    f"{here}: '{label}' and '{spelled[key]}' are one label (labels are matched "
                    "whatever their case) mapped onto two codes"
                )
            spelled[key] = label


def read_mappings(home: Path, la_code: str) -> dict[str, KindMapping | ConfigError]:
    """The authority's mapping of each kind its file names, each checked against the contract:
    a kind whose mapping is wrong has its ConfigError (naming file, line and key) instead.
    Raises ConfigError when the file as a whole cannot be read (YAML syntax, an unknown kind):
    then no kind of the authority can be trusted to it."""
    path = home / "mappings" / f"{la_code}.yaml"
    if not path.exists():
        return {}
    content, root = read_yaml(path, _TextLoader)
    unknown = sorted(set(content) - set(KINDS))
    if unknown:
        raise ConfigError(
            f"{where(path, root, (unknown[0],))}: unknown kind(s) {', '.join(unknown)} "
            f"(known: {', '.join(KINDS)})"
        )
    mappings: dict[str, KindMapping | ConfigError] = {}
    for kind, spec in content.items():
        try:
            if not isinstance(spec, dict | str) or (isinstance(spec, str) and spec):
                raise ConfigError(
                    f"{where(path, root, (kind,))}: expected `columns:` and `values:` under it"
                )
            extra = set(spec or {}) - {"columns", "values"}
            if extra:
                raise ConfigError(
                    f"{where(path, root, (kind, sorted(extra)[0]))}: unknown key (known here: "
                    "columns, values)"
                )
            try:
                mapping = KindMapping(
                    **{key: value or {} for key, value in (spec or {}).items()},
                    source=f"{path}: {kind}",
                )
            except ValidationError as e:
                raise ConfigError(explain(e, path, root, KindMapping, (kind,))) from None
            check_kind_mapping(kind, mapping, path, root)
            mappings[kind] = mapping
        except ConfigError as wrong:
            mappings[kind] = wrong
    return mappings


def load_mappings(home: Path, la_code: str) -> dict[str, KindMapping]:
    """The authority's mappings, every kind's right, or ConfigError naming the first wrong."""
    mappings = read_mappings(home, la_code)
    for mapping in mappings.values():
        if isinstance(mapping, ConfigError):
            raise mapping
    return mappings  # type: ignore[return-value]
