"""The quick-start service keeps its data across a restart (SQLite under the data directory)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.live_service import SPOTLIGHT, call, free_port, running_service


def test_a_title_survives_a_restart_of_the_service(tmp_path: Path) -> None:
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(tmp_path / "data")}
    environment.pop("SPOTLIGHT_STORE", None)
    environment.pop("SPOTLIGHT_SECRET", None)
    token = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "token", "--role", "studio", "--subject", "legendary"],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()

    with running_service(environment, port, tmp_path / "serve.log") as base:
        title = call("POST", f"{base}/v1/titles", {"name": "Dune", "kind": "movie"}, token)
    with running_service(environment, port, tmp_path / "serve.log") as base:
        again = call("GET", f"{base}/v1/titles/{title['id']}")

    assert again == title
    assert (tmp_path / "data" / "spotlight.catalogue.db").exists()


def test_an_unreachable_store_fails_at_start_with_one_line_naming_the_setting(
    tmp_path: Path,
) -> None:
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_STORE": f"postgresql://nobody@127.0.0.1:{free_port()}/nothing",
    }

    result = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "serve"], env=environment, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("spotlight: error: SPOTLIGHT_STORE=")
    assert "not reachable" in lines[0]


def test_bad_cli_arguments_exit_non_zero_with_a_message() -> None:
    result = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "token", "--role", "emperor", "--subject", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    help_text = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "--help"], capture_output=True, text=True, check=True
    ).stdout

    assert result.returncode == 2
    assert "invalid choice: 'emperor'" in result.stderr
    assert "serve" in help_text
    assert "token" in help_text
