"""What the numbers were measured on, so that runs on different machines are not confused."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def cpu_model() -> str:
    try:
        lines = CPUINFO.read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return "unknown"


def usable_cpus() -> int:
    # Like nproc: the CPUs this process may run on, not all the host has.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def description(postgres_version: str | None) -> list[str]:
    python = f"{platform.python_implementation()} {platform.python_version()}"
    software = f"eventsourcing {package_version('eventsourcing')}, SQLite {sqlite3.sqlite_version}"
    if postgres_version:
        software += f", PostgreSQL {postgres_version}"
    return [
        f"machine:  nproc {usable_cpus()}, CPU {cpu_model()}, {platform.platform()}",
        f"python:   {python}",
        f"software: {software}",
    ]
