"""dbt's manifest (dbt_project/target/manifest.json), which dagster-dbt reads when the
Dagster definitions load: made or refreshed before they are imported. No Dagster here.

The same parse also leaves dbt's partial-parse state (target/partial_parse.msgpack), which
each home's first build starts from (`seed_partial_parse`) instead of parsing the whole
project again."""

import json
import os
import pprint
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
PARTIAL_PARSE = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
PARSE_ENV = {"WORKFORCE_WAREHOUSE": None}  # the parse renders the profile with its defaults

# The vars a pipeline build passes when workforce.yaml sets none (orchestration/defs/dbt.py:
# dbt_vars). dbt reparses everything when a build's vars differ from the parse's, so the
# project is parsed with these.
DEFAULT_VARS = {"suppression_threshold": None}


def manifest_is_stale() -> bool:
    manifest = MANIFEST
    if not manifest.exists() or not PARTIAL_PARSE.exists():
        return True
    sources = [p for pattern in ("*.sql", "*.yml", "*.md") for p in DBT_PROJECT_DIR.rglob(pattern)]
    sources += [*(DBT_PROJECT_DIR.parent / "seeds").glob("*")]
    built = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built for p in sources if "target" not in p.parts)


def prepare_manifest(log: Callable[[str], None] = print) -> None:
    """dagster-dbt reads target/manifest.json when the definitions load: keep it current."""
    if not manifest_is_stale():
        return
    log("Parsing the dbt project...")
    env = {k: v for k, v in os.environ.items() if k not in PARSE_ENV}
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--vars",
            json.dumps(DEFAULT_VARS),
        ],
        check=True,
        env=env,
    )
    MANIFEST.touch()


def profile_hash(environ: dict[str, str]) -> str:
    """dbt's hash of the profile's connection details as `environ` renders them (dbt-core's
    ManifestLoader.build_manifest_state_check). It differs between homes only by the
    warehouse's path, which no model reads while parsing."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.contracts.files import FileHash
    from jinja2 import Environment

    profiles = (DBT_PROJECT_DIR / "profiles.yml").read_text()
    rendered = (
        Environment()
        .from_string(profiles)
        .render(env_var=lambda name, default=None: environ.get(name, default))
    )
    profile = yaml.safe_load(rendered)["csc_workforce"]
    output = profile["outputs"][profile["target"]]
    data = {k: v for k, v in output.items() if k not in ("type", "threads")}
    credentials = DuckDBCredentials.from_dict(DuckDBCredentials.translate_aliases(data))
    return FileHash.from_contents(pprint.pformat(sorted(credentials.connection_info()))).checksum


def seed_partial_parse(target: Path, environ: Mapping[str, str] = os.environ) -> bool:
    """Give a home's dbt folder (`target`) the project's partial-parse state, marked as parsed
    with the profile as `environ` renders it (dbt's environment), so its first build parses only what changed rather than the
    whole project (about 3 s). dbt would otherwise refuse the state because the profile names
    another warehouse file. Nothing is written when the home has its own state already, or
    when the stored state was not made with the profile as this module renders it (say, by
    another dbt version): dbt then parses in full, as it would anyway."""
    import msgpack

    seeded = target / PARTIAL_PARSE.name
    if seeded.exists() or not PARTIAL_PARSE.exists():
        return False
    state = msgpack.unpackb(PARTIAL_PARSE.read_bytes(), raw=False, strict_map_key=False)
    stored = state["state_check"]["profile_hash"]
    parse_environ = {k: v for k, v in os.environ.items() if k not in PARSE_ENV}
    if stored.get("checksum") != profile_hash(parse_environ):
        return False
    stored["checksum"] = profile_hash(dict(environ))
    target.mkdir(parents=True, exist_ok=True)
    partial = seeded.with_suffix(".partial")
    partial.write_bytes(msgpack.packb(state, use_bin_type=True))
    partial.replace(seeded)
    return True


if __name__ == "__main__":
    prepare_manifest()
