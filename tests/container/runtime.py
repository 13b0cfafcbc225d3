"""Podman, as the container tests drive it: a daemonless runtime from Debian's packages that
builds and runs the project's Dockerfile where no Docker engine runs (as on CI's machines).

Its images live in their own store, ``SPOTLIGHT_CONTAINER_STORAGE`` (default
/var/lib/spotlight-containers, overlay), kept between runs so that the layers are cached.
The image is built from ``SPOTLIGHT_CONTAINER_BASE`` when it names a Python 3.11 image; else
from python:3.11-slim when a registry answers; else from a Debian bookworm base (its Python
is 3.11) that ``debootstrap`` makes once from Debian's packages and that is kept in the store.

This machine's sandbox grants no CAP_SYS_RESOURCE and mixes cgroup v1 and v2, so every
container gets limits no higher than the session's own and runs under runc (crun refuses
the hybrid cgroups)."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.container.files import ROOT

STORAGE = Path(os.environ.get("SPOTLIGHT_CONTAINER_STORAGE", "/var/lib/spotlight-containers"))
UPSTREAM_BASE = "docker.io/library/python:3.11-slim"
LOCAL_BASE = "localhost/spotlight-base:bookworm"
IMAGE = "localhost/spotlight-core:test"
#: Seconds a build may take: the first, with the base and every wheel, is the long one.
BUILD_SECONDS = 1500


class RuntimeMissing(Exception):
    """Podman (or what it needs) is not installed; the message says what to install."""


def container_is_required(environ: os._Environ[str] | dict[str, str] = os.environ) -> bool:
    """On CI (or when asked to) a missing runtime fails the tests rather than skipping them."""
    return environ.get("CI", "").lower() == "true" or environ.get(
        "SPOTLIGHT_REQUIRE_CONTAINER", ""
    ) in ("1", "true", "yes")


def _limits() -> list[str]:
    """--ulimit options no higher than this process's own hard limits (podman's defaults,
    1048576 open files, need CAP_SYS_RESOURCE)."""
    files = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    processes = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    files = min(files, 65536) if files != resource.RLIM_INFINITY else 65536
    processes = min(processes, 4096) if processes != resource.RLIM_INFINITY else 4096
    return ["--ulimit", f"nofile={files}:{files}", "--ulimit", f"nproc={processes}:{processes}"]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeMissing(f"{name} is not installed")
    return found


class Podman:
    """Runs podman commands on the tests' own image store."""

    def __init__(self) -> None:
        missing = [tool for tool in ("podman", "runc") if shutil.which(tool) is None]
        if missing:
            raise RuntimeMissing(
                f"{' and '.join(missing)} not installed (apt-get install podman runc "
                "debootstrap; .ci/run does)"
            )
        self.limits = _limits()
        self.command = [
            _tool("podman"),
            "--root",
            str(STORAGE / "storage"),
            "--runroot",
            str(STORAGE / "run"),
            "--storage-driver",
            "overlay",
            "--runtime",
            "runc",
            "--cgroup-manager",
            "cgroupfs",
        ]

    def run(
        self, *arguments: str, timeout: float = 120, check: bool = True, stdin: bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(  # noqa: S603 - podman with the tests' own arguments
            [*self.command, *arguments],
            input=stdin.decode() if stdin is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"podman {' '.join(arguments[:3])} ... exited {done.returncode}:\n"
                f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            )
        return done

    def exists(self, image: str) -> bool:
        return self.run("image", "exists", image, check=False).returncode == 0

    def base(self) -> str:
        """The Python 3.11 image the project's image is built from (see the module's doc)."""
        chosen = os.environ.get("SPOTLIGHT_CONTAINER_BASE", "").strip()
        if chosen:
            return chosen
        for image in (UPSTREAM_BASE, LOCAL_BASE):
            if self.exists(image):
                return image
        if self.run("pull", "--quiet", UPSTREAM_BASE, check=False, timeout=300).returncode == 0:
            return UPSTREAM_BASE
        self._debootstrap_base()
        return LOCAL_BASE

    def _debootstrap_base(self) -> None:
        if shutil.which("debootstrap") is None:  # the message says what to install
            raise RuntimeMissing(
                f"no registry gave {UPSTREAM_BASE} and debootstrap is not installed to make "
                "a local base (apt-get install debootstrap)"
            )
        with tempfile.TemporaryDirectory(prefix="spotlight-base-") as made:
            rootfs = Path(made) / "rootfs"
            subprocess.run(  # noqa: S603 - Debian's bootstrapper into a directory of ours
                [
                    _tool("debootstrap"),
                    "--variant=minbase",
                    "--include=python3,python3-venv,ca-certificates",
                    "bookworm",
                    str(rootfs),
                    "http://deb.debian.org/debian",
                ],
                capture_output=True,
                check=True,
                timeout=1200,
            )
            # The machine's own certificate authorities, so that pip in the build trusts the
            # package index as the machine does.
            shutil.copy("/etc/ssl/certs/ca-certificates.crt", rootfs / "etc/ssl/certs/")
            for cached in (rootfs / "var/cache/apt/archives").glob("*.deb"):
                cached.unlink()
            archive = Path(made) / "rootfs.tar"
            subprocess.run(  # noqa: S603
                [_tool("tar"), "-C", str(rootfs), "-cf", str(archive), "."],
                check=True,
                timeout=600,
            )
            self.run("import", str(archive), LOCAL_BASE, timeout=600)

    def build(self, base: str) -> None:
        """The project's image from its Dockerfile, as ``IMAGE`` (docker format, so that the
        HEALTHCHECK is kept; OCI images have none)."""
        self.run(
            "build",
            "--format",
            "docker",
            "--network",
            "host",
            *self.limits,
            "--build-arg",
            f"PYTHON_IMAGE={base}",
            "--tag",
            IMAGE,
            str(ROOT),
            timeout=BUILD_SECONDS,
        )

    def start(self, name: str, options: Sequence[str], command: Sequence[str] = ()) -> None:
        self.run("run", "--detach", "--name", name, *self.limits, *options, IMAGE, *command)

    def remove(self, *names: str) -> None:
        for name in names:
            self.run("rm", "--force", "--time", "10", name, check=False, timeout=60)

    def logs(self, name: str) -> str:
        done = self.run("logs", name, check=False)
        return (done.stdout + done.stderr)[-6000:]
