"""Where everything lives. One environment variable, WORKFORCE_HOME, decides it all."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEEDS_DIR = PROJECT_ROOT / "seeds"

HOME_ENV = "WORKFORCE_HOME"
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


@dataclass(frozen=True)
class Settings:
    home: Path

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get(HOME_ENV, DEFAULT_HOME)).expanduser().resolve()
        return cls(home=home)

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse" / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.home / "published" / "workforce.duckdb"

    @property
    def archive(self) -> Path:
        """Every delivered file, content-addressed, so history can be replayed."""
        return self.home / "archive"

    @property
    def rejected(self) -> Path:
        return self.home / "rejected"

    @property
    def run_audit(self) -> Path:
        """Per-run audit artefacts (validation results)."""
        return self.home / "audit" / "runs"

    @property
    def dbt_target(self) -> Path:
        """dbt's working files for this home's runs (compiled SQL, run results, logs)."""
        return self.home / "dbt"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance every run is recorded in, whoever starts it (DAGSTER_HOME)."""
        return self.home / "dagster"

    @property
    def key_file(self) -> Path:
        return self.home / "secrets" / "pseudonym.key"

    @property
    def lock_file(self) -> Path:
        return self.home / "warehouse" / "run.lock"

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
