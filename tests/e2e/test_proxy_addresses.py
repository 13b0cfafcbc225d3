"""Behind a reverse proxy every request comes from the proxy's address: `spotlight serve`
takes the caller's address from X-Forwarded-For, for the rate limits per address, only
when the proxy is one it trusts (`--forwarded-allow-ips`); anyone else's header is ignored."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.live_service import free_port, running_service

#: Two answers 401 from one address lock that address out (429) for a minute.
LIMITS = "bad-tokens=2/minute,address=none,principal=none"
CALLERS = ["203.0.113.7", "198.51.100.23", "192.0.2.144"]


def status_with_a_bad_token(base: str, forwarded_for: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - a loopback URL built by the test
        f"{base}/v1/creators/mia",
        headers={"Authorization": "Bearer not-a-token", "X-Forwarded-For": forwarded_for},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status: int = response.status
    except urllib.error.HTTPError as refused:
        status = refused.code
    return status


@pytest.mark.parametrize(
    ("trusted", "answers"),
    [
        # The proxy (this test, on the loopback) is trusted: three callers, one bad token
        # each, none locked out.
        ("127.0.0.1", [401, 401, 401]),
        ("127.0.0.0/8", [401, 401, 401]),
        # Only another proxy is trusted: the header is ignored, the three share the
        # loopback address, and the third is locked out with the first two.
        ("10.0.0.1", [401, 401, 429]),
    ],
)
def test_a_forwarded_address_counts_only_when_the_proxy_is_trusted(
    tmp_path: Path, trusted: str, answers: list[int]
) -> None:
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_RATE_LIMITS": LIMITS,
        "SPOTLIGHT_SWEEP_INTERVAL": "0",
    }
    for shared in ("SPOTLIGHT_STORE", "SPOTLIGHT_RATE_LIMIT_STORAGE"):
        environment.pop(shared, None)
    options = ["--forwarded-allow-ips", trusted]

    with running_service(environment, free_port(), tmp_path / "serve.log", options) as base:
        statuses = [status_with_a_bad_token(base, caller) for caller in CALLERS]

    assert statuses == answers


def test_without_proxy_headers_a_forwarded_address_is_ignored(tmp_path: Path) -> None:
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(tmp_path),
                   "SPOTLIGHT_RATE_LIMITS": LIMITS, "SPOTLIGHT_SWEEP_INTERVAL": "0"}  # fmt: skip
    for shared in ("SPOTLIGHT_STORE", "SPOTLIGHT_RATE_LIMIT_STORAGE"):
        environment.pop(shared, None)
    options = ["--no-proxy-headers", "--forwarded-allow-ips", "*"]

    with running_service(environment, free_port(), tmp_path / "serve.log", options) as base:
        statuses = [status_with_a_bad_token(base, caller) for caller in CALLERS]

    assert statuses == [401, 401, 429]
