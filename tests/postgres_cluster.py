"""A throwaway PostgreSQL cluster of a test's own, that the test may stop and start again
as it likes: the shared server other sessions use is never restarted.

``initdb`` into a temporary directory, trust authentication, its own port and socket
directory. PostgreSQL refuses to run as root, so under root the server's commands run as
the ``postgres`` user (``runuser``), who then owns the directory; any other user runs them
itself. Without the server's binaries the test is skipped, or fails where PostgreSQL is
required (CI, SPOTLIGHT_REQUIRE_POSTGRES)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import pytest

from tests.conftest import postgres_is_required
from tests.live_service import free_port

#: Where Debian and Ubuntu put each major version's server binaries.
DEBIAN_BINARIES = "/usr/lib/postgresql"
SERVER_USER = "postgres"


def server_binaries() -> Path | None:
    """The newest installed server's ``bin`` directory (with initdb and pg_ctl)."""
    versions = sorted(
        (
            path
            for path in Path(DEBIAN_BINARIES).glob("*/bin")
            if (path / "initdb").exists() and path.parent.name.isdigit()
        ),
        key=lambda path: int(path.parent.name),
    )
    if versions:
        return versions[-1]
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path and shutil.which("pg_ctl") else None


class Cluster:
    """A running cluster: ``url`` reaches its ``postgres`` database as the superuser."""

    def __init__(self, binaries: Path, directory: Path, port: int, as_user: list[str]) -> None:
        self.binaries = binaries
        self.directory = directory
        self.data = directory / "data"
        self.port = port
        self.as_user = as_user
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *arguments: str) -> None:
        finished = subprocess.run(  # noqa: S603 - the server's own binaries
            [*self.as_user, *arguments], capture_output=True, text=True, timeout=60, check=False
        )
        if finished.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise AssertionError(
                f"{' '.join(arguments)} failed ({finished.returncode}):\n"
                f"{finished.stdout}{finished.stderr}{tail}"
            )

    def initialise(self) -> None:
        self._run(
            str(self.binaries / "initdb"),
            "-D", str(self.data),
            "-U", SERVER_USER,
            "-A", "trust",
            "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        """Start and wait until it accepts connections (after any crash recovery)."""
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.binaries / "pg_ctl"),
            "-D", str(self.data),
            "-o", options,
            "-l", str(self.directory / "server.log"),
            "-w", "-t", "60",
            "start",
        )  # fmt: skip
        with psycopg.connect(self.url, connect_timeout=10) as connection:
            connection.execute("SELECT 1")

    def stop(self) -> None:
        """Stop at once, as a crash would: no checkpoint, every connection cut."""
        self._run(
            str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
        )

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def _unable(message: str) -> None:
    if postgres_is_required():
        pytest.fail(message + " It is required here (CI / SPOTLIGHT_REQUIRE_POSTGRES).")
    pytest.skip(message)


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    binaries = server_binaries()
    if binaries is None:
        _unable(
            "the PostgreSQL server's binaries (initdb, pg_ctl) are not installed: this test "
            "restarts a cluster of its own. Install the postgresql package."
        )
    assert binaries is not None
    # Not under pytest's tmp_path: its parent is private to the user running the tests,
    # which the server's own user could not enter.
    directory = Path(tempfile.mkdtemp(prefix="spotlight-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            server = pwd.getpwnam(SERVER_USER)
        except KeyError:
            shutil.rmtree(directory)
            _unable(f"PostgreSQL will not run as root, and there is no {SERVER_USER} user")
        os.chown(directory, server.pw_uid, server.pw_gid)
        as_user = ["runuser", "-u", SERVER_USER, "--"]
    cluster = Cluster(binaries, directory, free_port(), as_user)
    try:
        cluster.initialise()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            # Perhaps stopped already: the directory goes either way.
            with suppress(AssertionError):
                cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
