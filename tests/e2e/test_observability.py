"""What an operator sees: request ids, JSON log lines that carry them, one access line per
request, and Prometheus metrics at /metrics whose numbers follow what the service did."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.matching.text import InvertedTextEngine
from application.auth import Principal, Role
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings
from tests.prometheus_text import metric_value

LOOPBACK = ("127.0.0.1", 50000)
ELSEWHERE = ("203.0.113.9", 50000)
SECRET = "observability-secret-" + "x" * 20


def _core(tmp_path: Path, **environ: str) -> Spotlight:
    return bootstrap(
        Settings.from_environ(
            {"SPOTLIGHT_DATA_DIR": str(tmp_path), "SPOTLIGHT_SECRET": SECRET, **environ}
        )
    )


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Spotlight]:
    running = _core(tmp_path)
    yield running
    running.close()


@pytest.fixture
def client(core: Spotlight) -> TestClient:
    return TestClient(create_app(core), client=LOOPBACK)


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Everything logged meanwhile, as the service's JSON lines."""
    written = io.StringIO()
    handler = configure_logging("json", "info", written)
    yield written
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


def _records(written: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


def _bearer(core: Spotlight, role: Role, subject: str) -> dict[str, str]:
    token = core.tokens.issue(Principal(role, subject), lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def _sample(client: TestClient, name: str, **labels: str) -> float:
    """One sample of /metrics (0 when it has not been counted yet)."""
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.text
    return metric_value(answer.text, name, **labels)


def test_a_request_id_sent_comes_back_and_a_missing_or_unsafe_one_is_made(
    client: TestClient,
) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-Id": "edge-7f3a:1"}).headers["X-Request-Id"]
        == "edge-7f3a:1"
    )
    made = client.get("/healthz").headers["X-Request-Id"]
    another = client.get("/healthz").headers["X-Request-Id"]
    assert len(made) == 32
    assert made != another
    for unsafe in ("a b", "x" * 129, "id\x7f", "-leading-dash"):
        replaced = client.get("/healthz", headers={"X-Request-Id": unsafe}).headers["X-Request-Id"]
        assert replaced != unsafe
        assert len(replaced) == 32
    # Refusals carry it too.
    assert client.get("/nowhere", headers={"X-Request-Id": "r-404"}).headers["X-Request-Id"] == (
        "r-404"
    )


def test_each_request_logs_one_json_access_line_with_its_id_and_no_token(
    client: TestClient, core: Spotlight, lines: io.StringIO
) -> None:
    studio = _bearer(core, Role.STUDIO, "wb")
    client.post(
        "/v1/titles",
        json={"name": "Dune", "kind": "movie"},
        headers={**studio, "X-Request-Id": "register-dune"},
    )
    title = client.get("/v1/titles/not-an-id", headers={"X-Request-Id": "read-bad-id"})

    access = [r for r in _records(lines) if r["logger"] == "spotlight.access"]
    assert [(r["request_id"], r["method"], r["route"], r["status"]) for r in access] == [
        ("register-dune", "POST", "/v1/titles", 201),
        ("read-bad-id", "GET", "/v1/titles/{title_id}", title.status_code),
    ]
    assert all(r["level"] == "INFO" and r["duration_ms"] >= 0 for r in access)
    # The test's HTTP client logs its own requests; the service's lines are the others.
    written = json.dumps([r for r in _records(lines) if not r["logger"].startswith("httpx")])
    assert studio["Authorization"].split()[1] not in written
    assert "Dune" not in written
    assert "not-an-id" not in written


def test_a_line_logged_while_serving_carries_the_request_id(
    core: Spotlight, lines: io.StringIO
) -> None:
    app = create_app(core)

    @app.get("/v1/logs-something")
    def logs_something() -> dict[str, str]:
        logging.getLogger("spotlight.example").warning("something happened")
        return {}

    TestClient(app).get("/v1/logs-something", headers={"X-Request-Id": "traced-1"})
    [line] = [r for r in _records(lines) if r["logger"] == "spotlight.example"]
    assert (line["message"], line["level"], line["request_id"]) == (
        "something happened",
        "WARNING",
        "traced-1",
    )


def test_readable_lines_are_written_when_asked(core: Spotlight) -> None:
    written = io.StringIO()
    handler = configure_logging("text", "info", written)
    try:
        TestClient(create_app(core)).get("/healthz", headers={"X-Request-Id": "plain-1"})
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    [line] = [line for line in written.getvalue().splitlines() if "spotlight.access" in line]
    assert " INFO spotlight.access [plain-1] GET /healthz 200 " in line


def test_metrics_count_requests_by_route_template_and_status(client: TestClient) -> None:
    route = {"method": "GET", "route": "/v1/titles/{title_id}"}
    before = _sample(client, "spotlight_http_requests_total", status="422", **route)
    timed = _sample(client, "spotlight_http_request_duration_seconds_count", **route)
    for _ in range(3):
        client.get("/v1/titles/not-an-id")
    assert _sample(client, "spotlight_http_requests_total", status="422", **route) == before + 3
    assert _sample(client, "spotlight_http_request_duration_seconds_count", **route) == timed + 3


def test_metrics_count_commands_and_events_per_log_and_the_projections_lag(
    client: TestClient, core: Spotlight
) -> None:
    commands = _sample(client, "spotlight_commands_recorded_total", log="catalogue")
    events = _sample(client, "spotlight_events_recorded_total", log="catalogue")
    client.post(
        "/v1/titles",
        json={"name": "Dune", "kind": "movie"},
        headers=_bearer(core, Role.STUDIO, "wb"),
    )
    assert _sample(client, "spotlight_commands_recorded_total", log="catalogue") == commands + 1
    assert _sample(client, "spotlight_events_recorded_total", log="catalogue") >= events + 1
    position = core.projections.ends()["catalogue"]
    assert _sample(client, "spotlight_log_position", log="catalogue") == position
    [analytics] = [s for s in core.projections.status() if s.name.startswith("studio analytics")]
    assert (
        _sample(client, "spotlight_projection_lag_events", projection=analytics.name)
        == analytics.lag
    )
    assert _sample(client, "spotlight_projection_failed", projection=analytics.name) == 0


def test_metrics_count_rate_limit_refusals_per_flow(tmp_path: Path) -> None:
    core = _core(tmp_path, SPOTLIGHT_RATE_LIMITS="address=3/minute")
    scraper = _core(tmp_path / "scraper")
    try:
        client = TestClient(create_app(core), client=LOOPBACK)
        before = _sample(client, "spotlight_rate_limit_refusals_total", flow="address")
        refused = [client.get("/healthz").status_code for _ in range(4)]
        # The scrape above was the address's first request; two more answered, two refused.
        assert refused == [200, 200, 429, 429]
        metrics = TestClient(create_app(scraper), client=LOOPBACK)
        assert _sample(metrics, "spotlight_rate_limit_refusals_total", flow="address") == (
            before + 2
        )
        # Refused before routing: no route template is looked for.
        refusals = _sample(
            metrics, "spotlight_http_requests_total", method="GET", route="unrouted", status="429"
        )
        assert refusals >= 2
    finally:
        core.close()
        scraper.close()


def test_static_files_are_counted_under_their_mount_not_as_unrouted(client: TestClient) -> None:
    before = _sample(
        client, "spotlight_http_requests_total", method="GET", route="/static/{path}", status="200"
    )
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert (
        _sample(
            client,
            "spotlight_http_requests_total",
            method="GET",
            route="/static/{path}",
            status="200",
        )
        == before + 1
    )
    assert (
        _sample(
            client,
            "spotlight_http_requests_total",
            method="GET",
            route="/docs/assets/{path}",
            status="200",
        )
        >= 1
    )


def test_metrics_time_each_matching_lookup(client: TestClient) -> None:
    before = _sample(client, "spotlight_matching_lookup_seconds_count", lookup="text")
    engine = InvertedTextEngine()
    engine.query("spice harvest #arrakis", ["arrakis"])
    engine.query("sandworms", [])
    assert _sample(client, "spotlight_matching_lookup_seconds_count", lookup="text") == before + 2


def test_metrics_answer_loopback_only_unless_a_token_is_set(tmp_path: Path) -> None:
    open_core = _core(tmp_path / "open")
    guarded = _core(tmp_path / "guarded", SPOTLIGHT_METRICS_TOKEN="scrape-" + "t" * 20)
    try:
        refused = TestClient(create_app(open_core), client=ELSEWHERE).get("/metrics")
        assert refused.status_code == 403
        assert refused.json()["type"] == "urn:spotlight:problem:metrics-loopback-only"

        remote = TestClient(create_app(guarded), client=ELSEWHERE)
        assert remote.get("/metrics").status_code == 401
        wrong = remote.get("/metrics", headers={"Authorization": "Bearer scrape-" + "u" * 20})
        assert wrong.status_code == 401
        allowed = remote.get("/metrics", headers={"Authorization": "Bearer scrape-" + "t" * 20})
        assert allowed.status_code == 200
        assert allowed.headers["content-type"].startswith("text/plain")
        # With a token set, loopback needs it as well.
        assert TestClient(create_app(guarded), client=LOOPBACK).get("/metrics").status_code == 401
    finally:
        open_core.close()
        guarded.close()
