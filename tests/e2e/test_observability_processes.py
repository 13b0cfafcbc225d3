"""What operators see of the processes themselves: the worker's lines, the commands'
logging configured once (JSON on a pipe), and metrics added up across `serve --workers 2`."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.clock import SystemClock
from adapters.tokens import TokenSigner
from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import bootstrap
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings
from entrypoints.worker import ProjectionWorker
from tests.conftest import TEST_SECRET
from tests.live_service import SPOTLIGHT, call, free_port, running_service
from tests.prometheus_text import metric_value

STUDIO = Principal(Role.STUDIO, "legendary")


def _environment(tmp_path: Path) -> dict[str, str]:
    return {
        "SPOTLIGHT_DATA_DIR": str(tmp_path / "data"),
        "SPOTLIGHT_SECRET": TEST_SECRET.decode(),
        "SPOTLIGHT_PROJECTIONS": "worker",
    }


def _register_titles(environment: dict[str, str], count: int) -> None:
    core = bootstrap(Settings.from_environ(environment))
    try:
        for n in range(count):
            core.anchoring.register_title(STUDIO, name=f"Title {n}", kind=TitleKind.MOVIE)
    finally:
        core.close()


def test_a_worker_tick_logs_each_projection_it_caught_up_and_each_pass(tmp_path: Path) -> None:
    environment = _environment(tmp_path)
    _register_titles(environment, 2)
    core = bootstrap(Settings.from_environ(environment))
    written = io.StringIO()
    handler = configure_logging("json", "debug", written)
    try:
        ProjectionWorker(core.projections, core.projection_store, core.background).tick()
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
        core.close()
    lines = [json.loads(line) for line in written.getvalue().splitlines()]
    caught_up = {
        line["projection"]: line["events"]
        for line in lines
        if line["logger"] == "spotlight.worker" and "projection" in line
    }
    assert caught_up["studio analytics (anchors per title)"] >= 2
    passes = [line["background_pass"] for line in lines if "background_pass" in line]
    assert passes == list(core.background.names())


def test_the_worker_command_writes_json_lines_when_stderr_is_not_a_terminal(
    tmp_path: Path,
) -> None:
    environment = _environment(tmp_path)
    _register_titles(environment, 1)
    worker = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "worker", "--once"],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr
    lines = [json.loads(line) for line in worker.stderr.splitlines()]
    applied = [line for line in lines if line["logger"] == "spotlight.worker"]
    assert {"level": "INFO", "request_id": None}.items() <= applied[0].items()
    assert any(line.get("projection") == "studio analytics (anchors per title)" for line in applied)


def _scrape(base: str) -> str:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as answer:  # noqa: S310
        text: str = answer.read().decode()
        return text


def test_two_serve_workers_report_the_requests_of_both(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"an earlier run's counts")
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path / "data"),
        "SPOTLIGHT_SECRET": TEST_SECRET.decode(),
        "SPOTLIGHT_STORE": f"sqlite:///{tmp_path / 'data' / 'spotlight.db'}",
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
    }
    token = TokenSigner(TEST_SECRET, SystemClock()).issue(STUDIO, lifetime=timedelta(hours=1))
    # Each worker imports the media libraries before it answers: slow on a busy machine.
    with running_service(
        environment, free_port(), tmp_path / "serve.log", ["--workers", "2"], start_seconds=120
    ) as base:
        titles: list[dict[str, Any]] = [
            call("POST", f"{base}/v1/titles", {"name": f"Title {n}", "kind": "movie"}, token)
            for n in range(6)
        ]
        for title in titles:
            call("GET", f"{base}/v1/titles/{title['id']}")
        # Whichever worker answers the scrape, it adds up both workers' counts.
        scrapes = [_scrape(base) for _ in range(4)]
        pids = {path.stem.rsplit("_", 1)[1] for path in directory.glob("counter_*.db")}
    for text in scrapes:
        assert (
            metric_value(
                text,
                "spotlight_http_requests_total",
                method="POST",
                route="/v1/titles",
                status="201",
            )
            == 6
        )
        assert (
            metric_value(
                text,
                "spotlight_http_requests_total",
                method="GET",
                route="/v1/titles/{title_id}",
                status="200",
            )
            == 6
        )
        assert metric_value(text, "spotlight_commands_recorded_total", log="catalogue") >= 6
    assert len(pids) >= 2
    assert "1" not in pids
