"""Where everything lives. One environment variable, WORKFORCE_HOME, decides it all."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEEDS_DIR = PROJECT_ROOT / "seeds"

HOME_ENV = "WORKFORCE_HOME"
# A hub of many councils (docs/deployment.md): each authority its own Dagster partition,
# warehouse, published file and run; the hub file rolled up from them (orchestration/hub/).
HUB_ENV = "WORKFORCE_HUB"
HUB = "hub"  # the tenant name of the hub's own roll-up (its warehouse and the hub file)
PARTITION_TAG = "dagster/partition"
DEFAULT_HOME = "./workforce-data"  # relative to the directory a command runs in
KEY_ENV = "WORKFORCE_PSEUDONYM_KEY"
# dbt installed beside this interpreter (the project's venv), so PATH need not include it.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def write_owner_only(path: Path, content: bytes) -> None:
    """Written beside and renamed into place, mode 0600 from the first byte (the pseudonym key,
    the census return): never half-written, never readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)  # an existing temp file keeps its mode through O_CREAT
    os.replace(tmp, path)


def hub_from_env() -> bool:
    return os.environ.get(HUB_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    home: Path
    # None: a single council's home, one warehouse for what lands. In a hub, an authority's
    # la_code (its own rooms below each folder: warehouse/<la>/, published/<la>/, ...) or HUB
    # (the roll-up: warehouse/hub/ and the hub file, published/workforce.duckdb).
    tenant: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get(HOME_ENV, DEFAULT_HOME)).expanduser().resolve()
        return cls(home=home)

    @classmethod
    def for_run(cls, tags: Mapping[str, str]) -> Settings:
        """The settings of a run: in a hub, those of the authority its partition names."""
        settings = cls.from_env()
        if not settings.hub:
            return settings
        la_code = tags.get(PARTITION_TAG)
        if not la_code:
            raise ValueError(
                f"{HUB_ENV} is set: every run of this home is one authority's (a partition of "
                "`authority`); choose the authority (the UI's partition, `workforce run --la`)"
            )
        return settings.for_authority(la_code)

    @property
    def hub(self) -> bool:
        """A hub of many councils (WORKFORCE_HUB set), or one of its tenants."""
        return self.tenant is not None or hub_from_env()

    def for_authority(self, la_code: str) -> Settings:
        return replace(self, tenant=la_code)

    def of_authority(self, la_code: str) -> Settings:
        """Where an authority's data lives: its own room in a hub, the home otherwise."""
        return self.for_authority(la_code) if self.hub else self

    def rollup(self) -> Settings:
        """The hub's own: its roll-up warehouse and the hub file."""
        return replace(self, tenant=HUB)

    @property
    def la_code(self) -> str | None:
        """The authority whose room this is (None: a single home, or the hub's roll-up)."""
        return self.tenant if self.tenant not in (None, HUB) else None

    def room(self, folder: str) -> Path:
        """A folder of the home, or its tenant's own below it."""
        return self.home / folder / self.tenant if self.tenant else self.home / folder

    @property
    def landing(self) -> Path:
        """Shared by a hub's authorities: each reads its own folder (and DfE's files)."""
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.room("warehouse") / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        if self.tenant == HUB:  # the hub file, where a single council's is
            return self.home / "published" / "workforce.duckdb"
        return self.room("published") / "workforce.duckdb"

    @property
    def archive(self) -> Path:
        """Every delivered file, content-addressed, so history can be replayed."""
        return self.room("archive")

    @property
    def rejected(self) -> Path:
        return self.room("rejected")

    @property
    def run_audit(self) -> Path:
        """Per-run audit artefacts (validation results)."""
        return self.room("audit") / "runs"

    @property
    def dbt_target(self) -> Path:
        """dbt's working files for this home's runs (compiled SQL, run results, logs)."""
        return self.room("dbt")

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance every run is recorded in, whoever starts it (DAGSTER_HOME)."""
        return self.home / "dagster"

    @property
    def key_file(self) -> Path:
        """An authority of a hub has its own key: its pseudonyms are its own."""
        return self.room("secrets") / "pseudonym.key"

    @property
    def lock_file(self) -> Path:
        return self.warehouse.with_name("run.lock")

    def prepare(self) -> None:
        """Create the folders, owner-only, and tell dbt where the warehouse is."""
        for folder in (
            self.landing,
            self.warehouse.parent,
            self.published.parent,
            self.archive,
            self.rejected,
            self.run_audit,
            self.key_file.parent,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o700)
        os.chmod(self.key_file.parent, 0o700)
        os.environ["WORKFORCE_WAREHOUSE"] = str(self.warehouse)
        os.environ["DBT_LOG_PATH"] = str(self.dbt_target / "logs")  # nothing written elsewhere
        # dbt's own log file keeps warnings and errors: every event is in the run's log already,
        # and writing each at debug level costs a build about a fifth of its time
        os.environ.setdefault("DBT_LOG_LEVEL_FILE", "warn")

    def key_source(self) -> str:
        """Where the pseudonym key is read from, as a person would look for it."""
        if os.environ.get(KEY_ENV):
            return f"the environment variable {KEY_ENV}"
        return str(self.key_file)

    def read_key(self) -> bytes | None:
        """The HMAC key as configured: `WORKFORCE_PSEUDONYM_KEY` if set, else the key file;
        None when there is neither. Only `ingest.pseudonyms.bound_key` reads it: it checks the
        key against the warehouse's and alone decides whether a missing one may be made."""
        if os.environ.get(KEY_ENV):
            return os.environ[KEY_ENV].encode()
        if not self.key_file.exists():
            return None
        return self.key_file.read_text().strip().encode()

    def create_key(self) -> bytes:
        """A new random key in the key file, 0600 (a killed run never leaves an empty key)."""
        write_owner_only(self.key_file, secrets.token_hex(32).encode())
        return self.key_file.read_text().strip().encode()
