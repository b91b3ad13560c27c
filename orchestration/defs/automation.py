"""What starts a run: files landing, the nightly schedule (the CLI and the UI launch the same
job); and the record of a run that died before it could conclude itself."""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from orchestration.defs.agency_rules import AGENCY_RETURN_KEY
from orchestration.defs.census import CENSUS_KEY
from orchestration.defs.partitions import AUTHORITY, PARTITIONS, authorities
from orchestration.defs.run_guard import OUTCOME_TAG, launched_by, started_at_of
from orchestration.ingest.landing import (
    LA_CODE,
    Listing,
    landed_files,
    landed_files_of,
    landed_name,
    read_listing,
    sha256_of,
)
from orchestration.settings import Settings
from orchestration.warehouse import WarehouseBusy, connect, warehouse_lock

HOME_TAG = "workforce/home"

# Everything but the returns: the census return (partitioned by authority and census year) and
# the agency rules return (by authority and quarter) hold real identifiers and are built only
# on demand (defs/census.py, defs/agency_rules.py).
workforce_job = dg.define_asset_job(
    "workforce",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(CENSUS_KEY, AGENCY_RETURN_KEY),
    description="Ingest every new or corrected extract, build, validate, publish.",
    # a council's home has one warehouse: its runs queue one at a time on this tag
    # (dagster.yaml); a hub's runs queue one per authority on their partition instead
    tags={} if PARTITIONS is not None else {HOME_TAG: "single"},
)


@dg.schedule(
    job=workforce_job,
    cron_schedule="30 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly(
    context: dg.ScheduleEvaluationContext,
) -> dg.RunRequest | list[dg.RunRequest] | dg.SkipReason:
    """For systems that deliver once a day: one full pass every night, unless nothing is new.

    A run with nothing to load or build would leave every check of the marts and the published
    file planned and not evaluated ("skipped" in the UI, masking the checks of the publication
    in place): then no run is started. Looks only at files, as the sensor does."""
    settings = Settings.from_env()
    if settings.hub:  # each authority with something new: a run of its partition
        authorities = context.instance.get_dynamic_partitions(AUTHORITY)
        stale = [la for la in authorities if not nothing_new(settings.for_authority(la))]
        if not stale:
            return dg.SkipReason("nothing new for any authority of the hub")
        return [dg.RunRequest(partition_key=la) for la in stale]
    if since := nothing_new(settings):
        return dg.SkipReason(
            f"nothing new since run {since}: every landed file is loaded, the project is "
            "unchanged and that run's publication stays in place"
        )
    return dg.RunRequest()


def nothing_new(settings: Settings) -> str | None:
    """The run whose publication reflects every file in landing/ and the project as it is,
    by the ledger's listing (ingest/ledger.py), without opening the warehouse."""
    from orchestration.publish.publication import project_fingerprint

    listing = read_listing(settings)
    if not (listing and listing.up_to_date_since and settings.published.exists()):
        return None
    if listing.project != project_fingerprint(settings):
        return None
    landing = settings.landing
    for path in landed_files_of(settings):
        name, stat = landed_name(path, landing), path.lstat()
        if listing.knows(name, stat.st_size, stat.st_mtime_ns):
            continue  # recorded as it stands: not hashed again, as ingestion does
        if not listing.knows(name, -1, -1, sha256_of(path)):
            return None
    return listing.up_to_date_since


@dg.sensor(
    job=workforce_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING
)
def landing_folder(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Start a run when files land. Only looks at files (never opens the warehouse): a file
    the ledger already holds as it stands, or with this content (its listing beside the
    warehouse, ingest/ledger.py), is not new, so files a `workforce run` loaded start nothing.

    What it has seen (each file's size, modification time and hash, so a file is hashed again
    only when those change) is kept in a file under $WORKFORCE_HOME/dagster/landing-seen/,
    named by its digest. The cursor is that digest: 64 characters however many files have
    landed, and a tick whose cursor was never committed finds its predecessor's file still
    there."""
    settings = Settings.from_env()
    store = settings.dagster_home / "landing-seen"
    seen = read_seen(store, context.cursor)
    landing = settings.landing
    ledgers = Ledgers(settings, context.instance)
    current: dict[str, list] = {}
    new: dict[str | None, list[tuple[str, str]]] = {}  # by authority in a hub (None: the home)
    for path in landed_files(landing) if landing.exists() else []:
        name = landed_name(path, landing)
        stat = path.stat()
        before = seen.get(name)
        if before and before[:2] == [stat.st_size, stat.st_mtime_ns]:
            current[name] = before  # unchanged since last look: no need to hash again
            continue
        listings = ledgers.of(name)
        recorded = [
            listing.knows(name, stat.st_size, stat.st_mtime_ns) for listing in listings.values()
        ]
        if recorded and all(recorded):
            # recorded by a run as it stands (one from the command line, say): loaded already
            current[name] = [stat.st_size, stat.st_mtime_ns, recorded[0]]
            continue
        sha = sha256_of(path)
        current[name] = [stat.st_size, stat.st_mtime_ns, sha]
        if not before or before[2] != sha:
            for who, listing in listings.items():
                if not listing.knows(name, -1, -1, sha):
                    new.setdefault(who, []).append((name, sha))
    requests = []
    for who, files in sorted(new.items(), key=lambda item: item[0] or ""):
        # Same files with the same content -> same run key -> Dagster starts no second run.
        run_key = hashlib.sha256(json.dumps([who, sorted(files)]).encode()).hexdigest()
        requests.append(
            dg.RunRequest(
                run_key=run_key, partition_key=who, tags={"landed_files": str(len(files))}
            )
        )
    added = sorted(set(new) - set(ledgers.authorities) - {None})
    return dg.SensorResult(
        run_requests=requests,
        cursor=write_seen(store, current, context.cursor),
        # a new authority's first file: its partition, then its run
        dynamic_partitions_requests=[authorities.build_add_request(added)] if added else None,
    )


class Ledgers:
    """What each ledger holds (the listing beside its warehouse), read when first needed: the
    home's, or in a hub each authority's (a DfE file in landing/ itself is every authority's)."""

    def __init__(self, settings: Settings, instance: dg.DagsterInstance):
        self.settings = settings
        self.listings: dict[str | None, Listing] = {}
        self.authorities: list[str] = (
            instance.get_dynamic_partitions(AUTHORITY) if settings.hub else []
        )

    def listing(self, la_code: str | None) -> Listing:
        if la_code not in self.listings:
            tenant = self.settings.for_authority(la_code) if la_code else self.settings
            self.listings[la_code] = read_listing(tenant) or Listing({}, None, None)
        return self.listings[la_code]

    def of(self, name: str) -> dict[str | None, Listing]:
        """The ledgers a landed file is for."""
        if not self.settings.hub:
            return {None: self.listing(None)}
        folder, _, rest = name.partition("/")
        if rest:  # an authority's file (one in a folder that is not an authority's: no one's)
            return {folder: self.listing(folder)} if LA_CODE.match(folder) else {}
        return {la: self.listing(la) for la in self.authorities}


def read_seen(store: Path, cursor: str | None) -> dict[str, list]:
    if not cursor:
        return {}
    if cursor.startswith("{"):  # a cursor from before the store: the listing itself
        return json.loads(cursor)
    try:
        return json.loads((store / f"{cursor}.json").read_text())
    except FileNotFoundError:  # lost: every file is hashed again, runs find them loaded
        return {}


def write_seen(store: Path, seen: dict[str, list], cursor: str | None) -> str:
    """Keep `seen` under its digest (and the cursor's file, until a tick commits the new one)."""
    text = json.dumps(seen, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest != cursor:
        store.mkdir(parents=True, exist_ok=True)
        tmp = store / f".{digest}.tmp"
        tmp.write_text(text)
        os.replace(tmp, store / f"{digest}.json")
        for old in store.glob("*.json"):
            if old.stem not in (digest, cursor):
                old.unlink(missing_ok=True)
    return digest


@dg.run_failure_sensor(
    monitored_jobs=[workforce_job],
    name="record_failed_publication",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def record_failed_publication(context: dg.RunFailureSensorContext) -> dg.SkipReason | None:
    """A run concludes itself (see run_guard.py). One that died first (killed, out of memory)
    did not publish: say so in the publications log and its audit trail."""
    from orchestration.publish.audit_trail import write_run_audit
    from orchestration.publish.outcome import RunOutcome
    from orchestration.publish.publication import record_attempt

    run = context.dagster_run
    if OUTCOME_TAG in run.tags:
        return dg.SkipReason(f"run {run.run_id} recorded its own outcome")
    try:
        settings = Settings.for_run(run.tags)
    except ValueError as unpartitioned:
        return dg.SkipReason(str(unpartitioned))
    outcome = RunOutcome(
        run.run_id,
        "failed",
        launched_by=launched_by(run),
        error="the run stopped before it could record its outcome (killed or crashed)",
    )
    try:
        with warehouse_lock(settings.lock_file, {"run_id": None, "launched_by": "sensor"}):
            with connect(settings.warehouse) as conn:
                started = started_at_of(context.instance, run.run_id)
                record_attempt(conn, run.run_id, started, "failed")
                write_run_audit(settings, outcome, conn)
    except WarehouseBusy as busy:
        return dg.SkipReason(f"not recorded: {busy}")
    context.instance.add_run_tags(run.run_id, {OUTCOME_TAG: "failed"})
    return None
