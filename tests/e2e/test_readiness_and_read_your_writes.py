"""Operating the persisted read models over HTTP: `/readyz` reports each one's generation and
lag, and 503 names the ones that failed; a command's answer carries the logs' positions,
and a read that sends them back waits for the read models to pass them."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from fastapi.testclient import TestClient

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.projections import ProjectionRunner
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from entrypoints.worker import ProjectionWorker
from tests.conftest import TEST_SECRET
from tests.integration.test_projections import TitlesByKind

Headers = dict[str, str]


def started(tmp_path: Path, **settings: object) -> Spotlight:
    configured = Settings(
        store=parse_store(f"sqlite:///{tmp_path}/spotlight.db"),
        data_dir=tmp_path,
        secret=TEST_SECRET,
        **settings,  # type: ignore[arg-type]
    )
    core = bootstrap(configured)
    # A runner of the core's logs holding only what the tests register: the core's own read
    # models are projections too, and would add their lines to every answer here.
    core.projections = ProjectionRunner(
        core.projection_store, core.projections._logs, inline=core.projections.inline
    )
    return core


@pytest.fixture
def inline(tmp_path: Path) -> Iterator[tuple[Spotlight, TitlesByKind]]:
    core = started(tmp_path)
    kinds = TitlesByKind(core.projection_store)
    core.projections.register(kinds)
    yield core, kinds
    core.close()


def under_workers(tmp_path: Path, wait: float) -> Iterator[tuple[Spotlight, TitlesByKind]]:
    """A service process under SPOTLIGHT_PROJECTIONS=worker: its reads never catch up."""
    core = started(tmp_path, projections="worker", read_wait_seconds=wait)
    kinds = TitlesByKind(core.projection_store)
    core.projections.register(kinds)
    yield core, kinds
    core.close()


@pytest.fixture
def with_workers(tmp_path: Path) -> Iterator[tuple[Spotlight, TitlesByKind]]:
    yield from under_workers(tmp_path, 0.5)


@pytest.fixture
def with_patient_workers(tmp_path: Path) -> Iterator[tuple[Spotlight, TitlesByKind]]:
    """Reads wait long enough for a worker's tick on a loaded machine."""
    yield from under_workers(tmp_path, 30.0)


def studio(core: Spotlight) -> Headers:
    token = core.tokens.issue(Principal(Role.STUDIO, "legendary"), lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def register(client: TestClient, core: Spotlight, name: str) -> dict[str, int]:
    answer = client.post("/v1/titles", json={"name": name, "kind": "movie"}, headers=studio(core))
    assert answer.status_code == 201, answer.text
    return {
        log: int(position)
        for log, _, position in (
            entry.partition("=") for entry in answer.headers["Spotlight-Positions"].split(",")
        )
    }


# Readiness --------------------------------------------------------------------------------


def test_readyz_reports_each_projections_generation_and_lag(
    inline: tuple[Spotlight, TitlesByKind],
) -> None:
    core, kinds = inline
    client = TestClient(create_app(core))
    register(client, core, "Dune")

    before = client.get("/readyz")
    assert before.status_code == 200
    [projection] = before.json()["projections"]
    assert projection["name"] == kinds.name
    assert projection["generation"] == 1
    assert projection["lag"] == projection["ends"]["catalogue"] > 0
    assert before.json()["status"] == "ready"

    core.projections.catch_up(kinds.name)
    [projection] = client.get("/readyz").json()["projections"]
    assert projection["lag"] == 0
    assert projection["positions"] == projection["ends"]


def test_readyz_answers_503_naming_a_failed_projection(
    inline: tuple[Spotlight, TitlesByKind],
) -> None:
    core, kinds = inline
    kinds.poison = "Poison"
    client = TestClient(create_app(core))
    register(client, core, "Poison")
    core.projections.catch_up_all()

    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "failing"
    assert answer.json()["failed"] == [kinds.name]
    [projection] = answer.json()["projections"]
    assert projection["failure"]["error"] == "ValueError: cannot apply Poison"
    assert projection["failure"]["log"] == "catalogue"
    # Liveness is another question: the process still answers.
    assert client.get("/healthz").status_code == 200


# Reading one's writes --------------------------------------------------------------------


def test_a_command_answers_with_every_logs_position_once_recorded(
    inline: tuple[Spotlight, TitlesByKind],
) -> None:
    core, _kinds = inline
    client = TestClient(create_app(core))
    positions = register(client, core, "Dune")
    assert list(positions) == ["catalogue", "music", "revenue", "inbox"]
    assert positions["catalogue"] == core._catalogue.recorder.max_notification_id()
    # A refused command recorded nothing: it carries no positions.
    refused = client.post("/v1/titles", json={"name": "X", "kind": "opera"}, headers=studio(core))
    assert refused.status_code == 422
    assert "Spotlight-Positions" not in refused.headers
    assert "Spotlight-Positions" not in client.get("/healthz").headers


def test_inline_a_read_after_a_write_catches_the_read_models_up_first(
    inline: tuple[Spotlight, TitlesByKind],
) -> None:
    core, kinds = inline
    client = TestClient(create_app(core))
    positions = register(client, core, "Dune")

    answer = client.get(
        "/healthz", headers={"Spotlight-After": f"catalogue={positions['catalogue']}"}
    )
    assert answer.status_code == 200
    assert "Spotlight-Lag" not in answer.headers
    assert kinds.counts(core.projections.active(kinds.name)) == {"movie": 1}


def test_with_workers_a_read_after_a_write_waits_for_the_worker(
    with_patient_workers: tuple[Spotlight, TitlesByKind],
) -> None:
    core, kinds = with_patient_workers
    client = TestClient(create_app(core))
    positions = register(client, core, "Dune")
    # The service did not catch the projection up: nothing of Dune in its rows yet.
    assert kinds.counts(core.projections.active(kinds.name)) == {}

    worker = ProjectionWorker(core.projections, core.projection_store)
    later = threading.Timer(0.2, worker.tick)
    started_at = time.monotonic()
    later.start()
    answer = client.get(
        "/readyz", headers={"Spotlight-After": f"catalogue={positions['catalogue']}"}
    )
    waited = time.monotonic() - started_at
    later.join()
    worker.release()

    assert answer.status_code == 200
    # It waited for the worker's tick (not for its bound: it had no lag to report).
    assert "Spotlight-Lag" not in answer.headers
    assert waited >= 0.2
    [projection] = answer.json()["projections"]
    assert projection["positions"]["catalogue"] >= positions["catalogue"]


def test_with_workers_a_read_gives_up_after_its_bound_and_says_how_far_behind(
    with_workers: tuple[Spotlight, TitlesByKind],
) -> None:
    core, kinds = with_workers
    client = TestClient(create_app(core))
    positions = register(client, core, "Dune")

    started_at = time.monotonic()
    answer = client.get(
        "/healthz",
        headers={"Spotlight-After": f"catalogue={positions['catalogue']}, revenue=0"},
    )
    waited = time.monotonic() - started_at

    assert answer.status_code == 200  # it still answers, from the rows as they stand
    assert int(answer.headers["Spotlight-Lag"]) == positions["catalogue"]
    assert kinds.counts(core.projections.active(kinds.name)) == {}
    assert waited >= 0.5
    # Logs no projection follows are passed by every one of them: nothing to wait for.
    music_only = client.get("/healthz", headers={"Spotlight-After": "music=1000"})
    assert "Spotlight-Lag" not in music_only.headers


@attrs.frozen
class Malformed:
    header: str
    reason: str


@pytest.mark.parametrize(
    "malformed",
    [
        Malformed("revenue", "is not log=position"),
        Malformed("revenue=-1", "is not log=position"),
        Malformed("revenue=forty", "is not log=position"),
        Malformed("catalogue=1,,music=2", "is not log=position"),
        Malformed("ledger=3", "no log named 'ledger'"),
        Malformed("music=1,music=2", "music is named twice"),
    ],
    ids=lambda m: m.header,
)
def test_a_malformed_spotlight_after_is_refused_with_its_reason(
    inline: tuple[Spotlight, TitlesByKind], malformed: Malformed
) -> None:
    core, _kinds = inline
    answer = TestClient(create_app(core)).get(
        "/healthz", headers={"Spotlight-After": malformed.header}
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert malformed.reason in answer.json()["detail"]


def test_the_openapi_declares_the_headers_of_reading_ones_writes_on_each_operation(
    inline: tuple[Spotlight, TitlesByKind],
) -> None:
    core, _kinds = inline
    app = create_app(core)
    client = TestClient(app)
    sent = client.post("/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=studio(core))
    positions = sent.headers["Spotlight-Positions"]
    app.openapi()  # asked twice: documented once
    spec = client.get("/openapi.json").json()

    reads = commands = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            succeeding = [
                response for status, response in operation["responses"].items()
                if status.startswith("2")
            ]  # fmt: skip
            assert succeeding, where
            if method == "get":
                reads += 1
                [after] = [p for p in operation["parameters"] if p["name"] == "Spotlight-After"]
                assert after["in"] == "header", where
                assert not after["required"], where
                pattern = after["schema"]["pattern"]
                assert re.search(pattern, positions), where
                assert re.search(pattern, "revenue=40"), where
                for malformed in ("revenue", "revenue=-1", "ledger=3", "catalogue=1,,music=2"):
                    assert not re.search(pattern, malformed), (where, malformed)
                refused = operation["responses"]["400"]["content"]["application/problem+json"]
                assert refused["schema"] == {"$ref": "#/components/schemas/Problem"}, where
                assert all("Spotlight-Lag" in r["headers"] for r in succeeding), where
                assert all("Spotlight-Positions" not in r["headers"] for r in succeeding), where
            else:
                commands += 1
                assert all("Spotlight-Positions" in r["headers"] for r in succeeding), where
                assert "Spotlight-After" not in {
                    p["name"] for p in operation.get("parameters", [])
                }, where
    assert reads > 20
    assert commands > 20


def test_the_wait_is_bounded_by_spotlight_read_wait_ms() -> None:
    read: Callable[[dict[str, str]], Settings] = Settings.from_environ
    assert read({}).read_wait_seconds == 2.0
    assert read({"SPOTLIGHT_READ_WAIT_MS": "250"}).read_wait_seconds == 0.25


# Who catches up ----------------------------------------------------------------------------


def test_the_embedded_service_keeps_its_projections_warm_between_requests(
    tmp_path: Path,
) -> None:
    core = started(tmp_path, sweep_interval_seconds=0.05)
    kinds = TitlesByKind(core.projection_store)
    core.projections.register(kinds)
    with TestClient(create_app(core, background_sweeps=True)) as client:
        register(client, core, "Dune")
        deadline = time.monotonic() + 20
        # No read asks for it: the service's sweeper thread catches it up.
        while kinds.counts(core.projections.active(kinds.name)) == {}:
            assert time.monotonic() < deadline, "the sweeper never caught the projection up"
            time.sleep(0.05)
    assert kinds.counts(core.projections.active(kinds.name)) == {"movie": 1}
    core.close()


def test_with_workers_the_service_leaves_its_projections_to_them(tmp_path: Path) -> None:
    core = started(tmp_path, projections="worker", sweep_interval_seconds=0.05)
    kinds = TitlesByKind(core.projection_store)
    core.projections.register(kinds)
    with TestClient(create_app(core, background_sweeps=True)) as client:
        register(client, core, "Dune")
        time.sleep(0.5)  # ten ticks of a sweeper, had the service started one
        [projection] = client.get("/readyz").json()["projections"]
    assert projection["positions"] == {"catalogue": 0}
    assert kinds.counts(core.projections.active(kinds.name)) == {}
    core.close()


def test_a_read_of_a_failed_projection_is_refused_with_503(
    inline: tuple[Spotlight, TitlesByKind],
) -> None:
    core, kinds = inline
    kinds.poison = "Poison"
    app = create_app(core)

    @app.get("/test/titles-by-kind")
    def titles_by_kind() -> dict[str, int]:
        return kinds.counts(core.projections.fresh(kinds.name))

    client = TestClient(app)
    register(client, core, "Poison")
    answer = client.get("/test/titles-by-kind")
    assert answer.status_code == 503
    assert answer.json()["type"] == "urn:spotlight:problem:read-model-failed"
    assert "cannot apply Poison" in answer.json()["detail"]
