"""A PostgreSQL server of the tests' own, for a Dagster instance on PostgreSQL (a hub's): a
cluster made by initdb in a temporary folder, started by pg_ctl on 127.0.0.1 at a free port
(its unix socket in the folder too), stopped and removed at the end of the session. Each
pytest-xdist worker starts its own (a few seconds). PostgreSQL refuses to run as root: as root
the server's programs run as the `postgres` user, who owns the folder.

Needs the PostgreSQL server programs: Debian's `postgresql` package (`make postgres`) keeps them
off PATH, under /usr/lib/postgresql/<version>/bin; without them the tests that use the server
are skipped, saying so."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SUPERUSER = "workforce"  # the cluster's superuser (trust authentication, 127.0.0.1 only)
DATABASE = "dagster"
# durability is no concern of a test's server: no fsync, no waiting for the WAL
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def server_programs() -> Path | None:
    """The folder holding initdb and pg_ctl: Debian's newest version, or else PATH's."""
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda initdb: int(initdb.parts[-3]) if initdb.parts[-3].isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One running cluster; `url(name)` creates a database in it and names it."""

    def __init__(self, programs: Path, folder: Path, as_user: list[str]):
        self.programs, self.folder, self.as_user = programs, folder, as_user
        self.data, self.log = folder / "data", folder / "server.log"
        self.port = 0

    def server(self, program: str, *args: str) -> None:
        """A server program, as the cluster's owner (`postgres` when the tests run as root)."""
        subprocess.run(
            [*self.as_user, str(self.programs / program), *args],
            cwd=self.folder,  # root's home is no place the postgres user may enter
            env={**os.environ, "LC_ALL": "C"},
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def start(self) -> None:
        initdb = (
            f"-U {SUPERUSER} --auth=trust --encoding=UTF8 --locale=C --no-sync --no-instructions"
        )
        self.server("initdb", "-D", str(self.data), *initdb.split())
        for attempt in range(3):  # another process may take the free port first
            self.port = free_port()
            options = (
                f"{SERVER_OPTIONS} -c listen_addresses=127.0.0.1 -c port={self.port}"
                f" -c unix_socket_directories={self.folder}"
            )
            start = ["-l", str(self.log), "-o", options, "-w", "-t", "30", "start"]
            try:
                self.server("pg_ctl", "-D", str(self.data), *start)
                return
            except subprocess.CalledProcessError as error:
                if attempt == 2:
                    log = self.log.read_text() if self.log.exists() else ""
                    raise RuntimeError(f"PostgreSQL did not start: {error.stderr}\n{log}") from None

    def stop(self) -> None:
        self.server("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        """A new database (the client runs as whoever runs the tests) and its URL as SQLAlchemy
        and WORKFORCE_DAGSTER_POSTGRES_URL take it, naming the driver (psycopg2's connect takes
        it without `+psycopg2`)."""
        address = ["-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER]
        createdb = [str(self.programs / "createdb"), *address, database]
        subprocess.run(createdb, check=True, capture_output=True, text=True, timeout=30)
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    programs = server_programs()
    if programs is None:
        pytest.skip(
            "PostgreSQL's server programs (initdb, pg_ctl) were not found: install Debian's"
            " `postgresql` package (`make postgres`, or `apt-get install postgresql`)"
        )
    root = os.geteuid() == 0
    # as root: a folder the postgres user can reach (pytest's own temp folders are root's only)
    folder = Path(tempfile.mkdtemp(prefix="workforce-pg-", dir="/tmp" if root else None))
    as_user: list[str] = []
    if root:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            pytest.skip("PostgreSQL refuses to run as root and there is no `postgres` user")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(programs, folder, as_user)
    started = time.monotonic()
    try:
        server.start()
        server.started_in = time.monotonic() - started
        yield server
    finally:
        if server.port and (server.data / "postmaster.pid").exists():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """`postgresql+psycopg2://workforce@127.0.0.1:<port>/dagster`: one database for the worker's
    session (tests sharing it tell their runs apart by run id; a test that needs a database of
    its own takes `postgres_server.url(name)`)."""
    return postgres_server.url(DATABASE)
