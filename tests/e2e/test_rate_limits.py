"""Rate limits per caller, per client address and per abusable flow, with a lockout for an
address that keeps sending bad tokens: 429 problem+json with Retry-After, nothing stored.
The counts are kept in memory by default and in Redis when the service runs as several
processes; the Redis tests use the server on 127.0.0.1:6379 under a prefix of their own."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
import redis
from fastapi.testclient import TestClient

from application.auth import Principal, Role
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.http.rate_limits import FLOWS
from entrypoints.settings import DEFAULT_RATE_LIMITS, Settings, SettingsError
from tests.conftest import postgres_is_required

SECRET = "e2e-secret-" + "x" * 20
PROBLEM = "application/problem+json"
DEFAULT_TEST_REDIS = "redis://127.0.0.1:6379/15"

Auth = Callable[[str, str], dict[str, str]]


def settings_for(data_dir: Path, **environ: str) -> Settings:
    return Settings.from_environ(
        {"SPOTLIGHT_DATA_DIR": str(data_dir), "SPOTLIGHT_SECRET": SECRET, **environ}
    )


@pytest.fixture
def make_core(tmp_path: Path) -> Iterator[Callable[..., Spotlight]]:
    made: list[Spotlight] = []

    def make(**environ: str) -> Spotlight:
        directory = tmp_path / str(len(made))
        prefix = environ.pop("prefix", "")
        settings = settings_for(directory, **environ)
        if prefix:
            settings = attrs.evolve(settings, rate_limit_prefix=prefix)
        core = bootstrap(settings)
        made.append(core)
        return core

    yield make
    for core in made:
        core.close()


def token_for(core: Spotlight, role: str, subject: str) -> dict[str, str]:
    token = core.tokens.issue(Principal(Role(role), subject), lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def log_heads(core: Spotlight) -> tuple[int, ...]:
    return tuple(
        app.recorder.max_notification_id() or 0
        for app in (core._catalogue, core._music, core._revenue)
    )


def assert_rate_limited(response: Any, flow: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["type"] == "urn:spotlight:problem:rate-limited"
    assert body["flow"] == flow


def publish(client: TestClient, headers: dict[str, str]) -> str:
    published = client.post(
        "/v1/videos",
        json={"caption": "glow", "hashtags": [], "category": "beauty"},
        headers=headers,
    )
    assert published.status_code == 201, published.text
    video_id: str = published.json()["id"]
    return video_id


def cta_click(client: TestClient, headers: dict[str, str], video_id: str, key: str) -> Any:
    return client.post(
        "/v1/call-to-action-clicks",
        json={"batch_key": key, "video_ids": [video_id]},
        headers=headers,
    )


def test_a_viewer_past_the_click_limit_is_refused_and_nothing_is_stored(
    make_core: Callable[..., Spotlight],
) -> None:
    core = make_core(SPOTLIGHT_RATE_LIMITS="call-to-action-clicks=3/minute")
    client = TestClient(create_app(core))
    video = publish(client, token_for(core, "creator", "mia"))
    zoe, max_ = token_for(core, "viewer", "zoe"), token_for(core, "viewer", "max")

    within = [cta_click(client, zoe, video, f"z{n}").status_code for n in range(3)]
    heads = log_heads(core)
    past = cta_click(client, zoe, video, "z3")

    assert within == [201, 201, 201]
    assert_rate_limited(past, "call-to-action-clicks")
    assert log_heads(core) == heads
    assert cta_click(client, max_, video, "m0").status_code == 201  # another viewer's own limit


def test_every_request_of_a_caller_counts_against_its_limit(
    make_core: Callable[..., Spotlight],
) -> None:
    core = make_core(SPOTLIGHT_RATE_LIMITS="principal=5/minute")
    client = TestClient(create_app(core))
    mia = token_for(core, "creator", "mia")

    answers = [client.get("/v1/creators/mia", headers=mia).status_code for _ in range(5)]

    assert 429 not in answers
    assert_rate_limited(client.get("/v1/creators/mia", headers=mia), "principal")
    other = client.get("/v1/creators/mia", headers=token_for(core, "creator", "ana"))
    assert other.status_code != 429  # another caller has a limit of its own


def test_an_address_that_keeps_sending_bad_tokens_is_locked_out_even_with_a_good_one(
    make_core: Callable[..., Spotlight],
) -> None:
    core = make_core(SPOTLIGHT_RATE_LIMITS="bad-tokens=3/10 minutes")
    client = TestClient(create_app(core))
    forged = {"Authorization": "Bearer v1.e30.forged"}

    refused = [client.get("/v1/review/anchors", headers=forged).status_code for _ in range(3)]
    locked = client.get("/v1/review/anchors", headers=token_for(core, "reviewer", "rosa"))

    assert refused == [401, 401, 401]
    assert_rate_limited(locked, "bad-tokens")


def test_a_flow_set_to_none_is_not_limited(make_core: Callable[..., Spotlight]) -> None:
    core = make_core(SPOTLIGHT_RATE_LIMITS="call-to-action-clicks=none,principal=none")
    client = TestClient(create_app(core))
    video = publish(client, token_for(core, "creator", "mia"))
    zoe = token_for(core, "viewer", "zoe")

    answers = {cta_click(client, zoe, video, f"z{n}").status_code for n in range(70)}

    assert answers == {201}


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SPOTLIGHT_RATE_LIMITS": "clickz=3/minute"}, "unknown flow 'clickz'"),
        ({"SPOTLIGHT_RATE_LIMITS": "clicks=lots"}, "clicks='lots'"),
        ({"SPOTLIGHT_RATE_LIMIT_STORAGE": "mongodb://db"}, "SPOTLIGHT_RATE_LIMIT_STORAGE"),
        ({"SPOTLIGHT_CLICK_WINDOW": "0"}, "SPOTLIGHT_CLICK_WINDOW"),
    ],
)
def test_a_malformed_limit_stops_the_service_naming_the_setting(
    tmp_path: Path, environ: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        settings_for(tmp_path, **environ)


def test_every_flow_has_a_default_limit() -> None:
    assert set(DEFAULT_RATE_LIMITS) >= {
        "principal",
        "address",
        "bad-tokens",
        "clicks",
        "call-to-action-clicks",
        "engagement",
        "votes",
        "counterfeit-reports",
    }


# Shared across processes: Redis -------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis named by SPOTLIGHT_TEST_REDIS, proven reachable; like PostgreSQL, a Redis
    that is down fails the test on CI and skips it elsewhere."""
    url = os.environ.get("SPOTLIGHT_TEST_REDIS") or DEFAULT_TEST_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        message = (
            f"Redis at {url} is not reachable ({error}). Start it or set SPOTLIGHT_TEST_REDIS."
        )
        if postgres_is_required():
            pytest.fail(message + " It is required here (CI).", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    name = f"spotlight-test-{secrets.token_hex(6)}"
    yield name
    connection = redis.Redis.from_url(redis_url)
    for key in connection.scan_iter(f"{name}*"):
        connection.delete(key)


@pytest.mark.redis
def test_two_processes_sharing_redis_share_one_limit(
    make_core: Callable[..., Spotlight], redis_url: str, prefix: str
) -> None:
    environ = {
        "SPOTLIGHT_RATE_LIMIT_STORAGE": redis_url,
        "SPOTLIGHT_RATE_LIMITS": "call-to-action-clicks=3/minute",
        "prefix": prefix,
    }
    first = make_core(**environ)
    second = make_core(**environ)
    one, other = TestClient(create_app(first)), TestClient(create_app(second))
    video_one = publish(one, token_for(first, "creator", "mia"))
    video_other = publish(other, token_for(second, "creator", "mia"))

    within = [
        cta_click(one, token_for(first, "viewer", "zoe"), video_one, "z0").status_code,
        cta_click(other, token_for(second, "viewer", "zoe"), video_other, "z1").status_code,
        cta_click(one, token_for(first, "viewer", "zoe"), video_one, "z2").status_code,
    ]
    past = cta_click(other, token_for(second, "viewer", "zoe"), video_other, "z3")

    assert within == [201, 201, 201]
    assert_rate_limited(past, "call-to-action-clicks")
    assert any(redis.Redis.from_url(redis_url).scan_iter(f"{prefix}*"))


def test_every_limited_flow_names_an_operation_of_the_api(
    make_core: Callable[..., Spotlight],
) -> None:
    # The flows are matched on the raw path before routing: a renamed route would silently
    # leave its flow unlimited.
    operations = {
        (method.upper(), path)
        for path, methods in create_app(make_core()).openapi()["paths"].items()
        for method in methods
    }
    assert set(FLOWS) <= operations, set(FLOWS) - operations
    assert set(FLOWS.values()) <= set(DEFAULT_RATE_LIMITS)
