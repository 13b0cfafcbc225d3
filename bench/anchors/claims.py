"""From a studio's manual claim to the creator's notice, over HTTP.

A studio's title and ``videos`` fan videos (of ``creators`` creators, published through the
API) are in a fresh store of each database. The studio then claims ``claims`` of the videos
one after the other, half on a title whose policy attaches on a claim and half on one whose
policy sends it to review (where a reviewer then decides it at once). Each claim is timed
from the studio's ``POST /v1/titles/{id}/claims`` to the first answer of the creator's
``GET /v1/me/inbox`` that holds the notice about that video (anchor attached, or proposed and
then attached by the reviewer's decision), the requests sent straight to the ASGI app in this
process (the server's own time, as ``bench.service.asgi``). The embedded default's inbox read
brings the notice follower up to date itself, so the first read finds the notice; a read that
does not counts as a failure.

    python -m bench.anchors.claims [--quick] [--store sqlite|postgres|all] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from time import perf_counter
from typing import Any

from application.auth import Principal, Role
from bench.machine import cpu_model, usable_cpus
from bench.sandboxes import DEFAULT_POSTGRES_URL, Sandbox, each_sandbox
from bench.service.asgi import send_request
from bench.tables import Table, print_checked
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import DEFAULT_RATE_LIMITS, NO_LIMIT, Settings

STUDIO = Principal(Role.STUDIO, "bench-studio")
REVIEWER = Principal(Role.REVIEWER, "bench-reviewer")


@dataclass(frozen=True)
class ClaimsPlan:
    videos: int
    creators: int
    claims: int

    def describe(self) -> str:
        return (
            f"{self.videos:,} fan videos of {self.creators:,} creators, {self.claims} claims "
            "(half attached by the policy, half decided by a reviewer)"
        )


FULL = ClaimsPlan(videos=2_000, creators=200, claims=60)
QUICK = ClaimsPlan(videos=200, creators=20, claims=10)


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


class Client:
    """Requests to the app in this process, as ``role:subject`` with a bearer token."""

    def __init__(self, core: Spotlight) -> None:
        self.core = core
        self.app = create_app(core)
        self._tokens: dict[Principal, str] = {}

    def call(
        self, method: str, path: str, who: Principal, body: Mapping[str, Any] | None = None
    ) -> tuple[int, Any]:
        token = self._tokens.get(who)
        if token is None:
            token = self._tokens[who] = self.core.tokens.issue(who, lifetime=timedelta(hours=2))
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        payload = b"" if body is None else json.dumps(body).encode()
        answer = asyncio.run(send_request(self.app, (method, path, headers, payload)))
        return answer.status, json.loads(answer.body) if answer.body else None


def _expect(status: int, body: Any, wanted: int, what: str) -> Any:
    if status != wanted:
        raise RuntimeError(f"{what}: {status} {body}")
    return body


def _title(client: Client, name: str) -> str:
    status, body = client.call("POST", "/v1/titles", STUDIO, {"name": name, "kind": "movie"})
    title_id: str = _expect(status, body, 201, "register a title")["id"]
    return title_id


def _policy(client: Client, title_id: str, policy: Mapping[str, Any]) -> None:
    status, body = client.call("PUT", f"/v1/titles/{title_id}/match-policy", STUDIO, policy)
    _expect(status, body, 200, "set the policy")


def _noticed(client: Client, creator: Principal, video_id: str, kind: str) -> bool:
    status, body = client.call("GET", f"/v1/me/inbox?kind={kind}&unread=true&limit=200", creator)
    _expect(status, body, 200, "read the inbox")
    return any(video_id in json.dumps(notice.get("about", {})) for notice in body["items"])


def run(sandbox: Sandbox, plan: ClaimsPlan) -> tuple[list[tuple[str, ...]], list[str]]:
    settings = Settings(
        store=sandbox.fresh(),
        data_dir=sandbox.scratch,
        secret=b"bench-claims-0123456789",
        # One client publishes every video: the per-address limit would stop the seeding.
        rate_limits=dict.fromkeys(DEFAULT_RATE_LIMITS, NO_LIMIT),
    )
    core = bootstrap(settings)
    failures: list[str] = []
    try:
        client = Client(core)
        attaching, reviewing = _title(client, "Benchdune"), _title(client, "Bench Arrival")
        videos: list[tuple[Principal, str]] = []
        for number in range(plan.videos):
            creator = Principal(Role.CREATOR, f"bench-fan-{number % plan.creators}")
            # Every other video carries the first title's name: matching proposes it, and
            # the claim adds its weight to that evidence.
            hashtags = ["benchdune"] if number % 2 == 0 else []
            caption = {"caption": f"my edit {number}", "hashtags": hashtags}
            status, body = client.call(
                "POST", "/v1/videos", creator, {**caption, "category": "film-and-tv"}
            )
            videos.append((creator, _expect(status, body, 201, "publish a video")["id"]))
        # Set after publishing (the policies would have attached at publication otherwise):
        # the first title's attaches on its name, the second's sends a bare claim to review.
        engines = {"audio": {"review_at": 0.5, "attach_at": 0.9}}
        engines |= {"visual": {"review_at": 0.5, "attach_at": 0.9}}
        _policy(client, attaching, {"text": {"review_at": 0.3, "attach_at": 0.3}, **engines})
        _policy(client, reviewing, {"text": {"review_at": 0.3, "attach_at": 0.99}, **engines})
        core.projections.catch_up_all()
        times: dict[str, list[float]] = {"attached by the policy": [], "decided by a reviewer": []}
        claim_only: list[float] = []
        step = max(2, plan.videos // plan.claims // 2 * 2)
        for number in range(plan.claims):
            by_review = number % 2 == 1
            # Even places carry the first title's name; odd ones nothing.
            creator, video_id = videos[(number // 2) * step + (1 if by_review else 0)]
            title_id = reviewing if by_review else attaching
            started = perf_counter()
            status, body = client.call(
                "POST", f"/v1/titles/{title_id}/claims", STUDIO, {"video_id": video_id}
            )
            _expect(status, body, 200, "claim")
            claim_only.append(perf_counter() - started)
            if by_review:
                status, body = client.call(
                    "POST",
                    f"/v1/review/anchors/{video_id}/{title_id}",
                    REVIEWER,
                    {"decision": "attach", "reason": "the studio's trailer"},
                )
                _expect(status, body, 200, "decide the proposal")
            if not _noticed(client, creator, video_id, "anchor_attached"):
                failures.append(f"{sandbox.name}: no notice at the first read for {video_id}")
                continue
            times["decided by a reviewer" if by_review else "attached by the policy"].append(
                perf_counter() - started
            )
        rows: list[tuple[str, ...]] = []
        for name, found in (("the claim alone", claim_only), *times.items()):
            ordered = sorted(found)
            if not ordered:
                continue
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            rows.append(
                (
                    sandbox.name,
                    name,
                    str(len(ordered)),
                    f"{statistics.median(ordered) * 1000:.1f}",
                    f"{p95 * 1000:.1f}",
                    _load(),
                )
            )
        return rows, failures
    finally:
        core.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.anchors.claims")
    parser.add_argument("--quick", action="store_true", help=QUICK.describe())
    parser.add_argument("--store", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    options = parser.parse_args(argv)
    plan = QUICK if options.quick else FULL
    print(f"claim to notice: {plan.describe()} ({cpu_model()}, {usable_cpus()} CPUs)")
    stores = ("sqlite", "postgres") if options.store == "all" else (options.store,)
    rows: list[tuple[str, ...]] = []
    failures: list[str] = []
    for sandbox in each_sandbox(stores, options.postgres_url, skipped=print):
        found, failed = run(sandbox, plan)
        rows += found
        failures += failed
    headings = ("store", "from the claim to", "claims", "p50 ms", "p95 ms", "load 1/5 min")
    return print_checked(Table("", headings, "llrrrr", rows), failures)


if __name__ == "__main__":
    sys.exit(main())
