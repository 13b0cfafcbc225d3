"""Integers of any size as the page parameters of every list read (cursor, after, limit and
the marketplace's numeric filters): outside the bounds its OpenAPI gives them the answer is
a 422 naming the parameter, inside them a valid page; never a server error. No bound is
past what SQL binds (a signed 64-bit integer), and a cursor past every row answers an empty
page.

On a SQLite file and on PostgreSQL (a schema of its own), whose binds differ: SQLite's
driver refuses an integer past 64 bits, PostgreSQL's casts it to numeric and then refuses
it as a bigint, an OFFSET or a LIMIT."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import attrs
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.storage import parse_store
from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from domain.business.campaigns import Kpi, KpiTarget
from domain.money import Money
from domain.music.rounds import Judge
from domain.music.seasons import RoundPlan
from domain.revenue.ledger import PLATFORM_REVENUE, platform
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import DEFAULT_RATE_LIMITS, NO_LIMIT, Settings
from tests.conftest import TEST_SECRET
from tests.deployments import store_under_test
from tests.e2e.music.test_verification_and_rounds_cli import cleared_track_by
from tests.fakes import FixedClock, SequentialIdentities
from tests.integration.test_projection_kill import record_fees

#: The rows of the story below are far fewer: a cursor from here is past every one.
PAST_EVERY_ROW = 10**9
#: Where binds break: 32 and 64 bits, signed and not, and far past.
EDGES = [0, 1, 2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 2**70, -1, -(2**63)]
HUGE = st.one_of(st.sampled_from(EDGES), st.integers(min_value=-(2**70), max_value=2**70))
CURSORS = frozenset({"cursor", "after"})


@attrs.frozen
class ListRead:
    template: str  # as the OpenAPI names it
    fixed: str = ""  # the query it needs besides its page
    role: Role = Role.ADMIN  # who reads it (a list of one's own needs its owner's role)


LIST_READS = [
    ListRead("/v1/ledgers/{account_id}"),
    ListRead("/v1/statements/{creator}/{month}"),
    ListRead("/v1/audit/events", "log=revenue"),
    ListRead("/v1/review/anchors"),
    ListRead("/v1/review/tracks"),
    ListRead("/v1/review/verification-requests"),
    ListRead("/v1/playlists/featured"),
    ListRead("/v1/shop/search", "q=shoe&currency=USD"),  # a price bound needs one
    ListRead("/v1/videos/{video_id}/similar-items"),
    ListRead("/v1/me/inbox"),
    ListRead("/v1/marketplace/creators"),
    ListRead("/v1/review/moderation"),
    ListRead("/v1/review/video-reports"),
    ListRead("/v1/review/appeals"),
    ListRead("/v1/me/titles", role=Role.STUDIO),
    ListRead("/v1/me/anchors", role=Role.STUDIO),
    ListRead("/v1/me/disputes", role=Role.STUDIO),
    ListRead("/v1/me/videos", role=Role.CREATOR),
    ListRead("/v1/me/invitations", role=Role.CREATOR),
    ListRead("/v1/me/tracks", role=Role.ARTIST),
    ListRead("/v1/me/listings", role=Role.SELLER),
    ListRead("/v1/me/sales", role=Role.SELLER),
    ListRead("/v1/me/listing-reports", role=Role.SELLER),
    ListRead("/v1/me/orders", role=Role.VIEWER),
    ListRead("/v1/review/reports"),
    ListRead("/v1/studios"),
    ListRead("/v1/studios/{studio_id}/free-slots"),
    ListRead("/v1/me/bookings", role=Role.CREATOR),
    ListRead("/v1/me/seasons", role=Role.ARTIST),
    ListRead("/v1/seasons"),
    ListRead("/v1/me/earnings", role=Role.CREATOR),
    ListRead("/v1/me/payouts", role=Role.CREATOR),
    ListRead("/v1/pulse/applications"),
    ListRead("/v1/me/campaigns", role=Role.BRAND),
    ListRead("/v1/campaigns/{campaign_id}/invitations"),
    ListRead("/v1/campaigns/{campaign_id}/effects"),
    ListRead("/v1/effects"),
    ListRead("/v1/categories"),
    ListRead("/v1/studios/{studio_id}/analytics"),
    ListRead("/v1/studios/{studio_id}/analytics/titles/{title_id}/videos"),
    ListRead("/v1/me/webhooks", role=Role.CREATOR),
    ListRead("/v1/me/webhooks/{subscription_id}/deliveries", role=Role.CREATOR),
    ListRead("/v1/tracks/{track_id}/videos"),
    ListRead("/v1/audit/runs"),
    ListRead("/v1/me/judging", role=Role.JUDGE),
    ListRead("/v1/seasons/{season_id}/field"),
]


@attrs.frozen
class Served:
    core: Spotlight
    client: TestClient
    headers: dict[str, str]
    paths: dict[str, str]  # template -> a path whose resource exists
    #: template -> its integer query parameters and the bounds the OpenAPI gives them
    integers: dict[str, dict[str, tuple[int, int]]]


@pytest.fixture(
    scope="module",
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A service over a small story: ledger postings, a published video."""
    directory = tmp_path_factory.mktemp("pages")
    store = store_under_test(request, directory, "pages")
    core = bootstrap(
        Settings(
            store=parse_store(store.url),
            data_dir=directory,
            secret=TEST_SECRET,
            # Every read's examples come from one principal, past its limit of a minute.
            rate_limits=dict.fromkeys(DEFAULT_RATE_LIMITS, NO_LIMIT),
        ),
        clock=FixedClock(),
        identities=SequentialIdentities(),
    )
    record_fees(core, 3)
    creator = Principal(Role.CREATOR, "mia")
    video = core.anchoring.publish_video(
        creator, caption="new shoes", hashtags=["shoes"], category="fashion"
    ).video
    campaign = core.campaigns.launch(
        Principal(Role.BRAND, "glowco"),
        name="Glow",
        objective="engagement",
        budget=Money(1_000_00, "USD"),
        starts_on=core.clock.now().date(),
        ends_on=core.clock.now().date() + timedelta(days=30),
        categories=["beauty"],
        regions=["US"],
        kpis=[KpiTarget(Kpi.VIEWS, 1_000)],
        hashtag="#GlowPages",
    ).id
    studio = core.studios.open_studio(
        Principal(Role.ADMIN, "ops"),
        city="Paris",
        name="Live Loft",
        rooms=["A"],
        opens_hour=9,
        closes_hour=21,
        price=Money(100_00, "USD"),
    )
    dune = core.anchoring.register_title(
        Principal(Role.STUDIO, "legendary"), name="Dune", kind=TitleKind.MOVIE
    ).id
    season = core.competition.announce_season(
        Principal(Role.ADMIN, "ops"),
        name="Pages season",
        region="JP",
        partners=["Aozora Records"],
        judges=[Judge(judge_id="ren", partner="Aozora Records")],
        rounds=[
            RoundPlan(
                name="Open round",
                cut_size=1,
                opens_at=core.clock.now() + timedelta(days=1),
                closes_at=core.clock.now() + timedelta(days=2),
            )
        ],
    ).id
    # An address on the public internet: a subscription needs one, and nothing is sent here.
    hook = core.webhooks.subscribe(creator, "https://93.184.216.34/hook")
    track = cleared_track_by(core, "aiko", 1)
    token = core.tokens.issue(Principal(Role.ADMIN, "ops"), lifetime=timedelta(hours=1))
    app = create_app(core)
    integers = {
        template: {
            parameter["name"]: bounds
            for parameter in operations["get"].get("parameters", [])
            if parameter["in"] == "query" and (bounds := integer_bounds(parameter["schema"]))
        }
        for template, operations in app.openapi()["paths"].items()
        if "get" in operations
    }
    yield Served(
        core=core,
        client=TestClient(app, raise_server_exceptions=False),
        headers={"Authorization": f"Bearer {token}"},
        paths={
            "/v1/ledgers/{account_id}": f"/v1/ledgers/{platform(PLATFORM_REVENUE, 'USD')}",
            "/v1/statements/{creator}/{month}": "/v1/statements/mia/2025-03",
            "/v1/videos/{video_id}/similar-items": f"/v1/videos/{video.id}/similar-items",
            "/v1/campaigns/{campaign_id}/invitations": f"/v1/campaigns/{campaign}/invitations",
            "/v1/campaigns/{campaign_id}/effects": f"/v1/campaigns/{campaign}/effects",
            "/v1/studios/{studio_id}/free-slots": f"/v1/studios/{studio.id}/free-slots",
            "/v1/studios/{studio_id}/analytics": "/v1/studios/legendary/analytics",
            "/v1/studios/{studio_id}/analytics/titles/{title_id}/videos": (
                f"/v1/studios/legendary/analytics/titles/{dune}/videos"
            ),
            "/v1/studios/{studio_id}/analytics/titles/{title_id}/videos.csv": (
                f"/v1/studios/legendary/analytics/titles/{dune}/videos.csv"
            ),
            "/v1/seasons/{season_id}/field": f"/v1/seasons/{season}/field",
            "/v1/me/webhooks/{subscription_id}/deliveries": (
                f"/v1/me/webhooks/{hook.subscription.subscription_id}/deliveries"
            ),
            "/v1/tracks/{track_id}/videos": f"/v1/tracks/{track}/videos",
        },
        integers={template: names for template, names in integers.items() if names},
    )
    core.close()


def integer_bounds(schema: dict[str, Any]) -> tuple[int, int] | None:
    """An integer parameter's documented (minimum, maximum); a missing maximum is 2**70, and
    fails the test below. An enumeration of integers (a range's days) is no range."""
    [integer] = [
        option for option in schema.get("anyOf", [schema]) if option.get("type") == "integer"
    ] or [None]
    if integer is None or "enum" in integer:
        return None
    return integer.get("minimum", -(2**70)), integer.get("maximum", 2**70)


def test_every_list_read_is_here_and_bounds_its_integers(served: Served) -> None:
    """A new read with integer query parameters is added to LIST_READS, and so tested."""
    assert set(served.integers) == {read.template for read in LIST_READS}
    for template, parameters in served.integers.items():
        for name, (least, most) in parameters.items():
            assert least >= 0, (template, name)
            assert most <= 2**63 - 1, (template, name)


@pytest.mark.parametrize("read", LIST_READS, ids=lambda read: read.template)
def test_integers_of_any_size_are_refused_or_answer_a_valid_page(
    served: Served, read: ListRead
) -> None:
    bounds = served.integers[read.template]
    path = served.paths.get(read.template, read.template)
    # A reader of its own for each list: the examples of all lists together would use up
    # one principal's rate limit.
    subject = f"ops-{LIST_READS.index(read)}" if read.role is Role.ADMIN else "mia"
    token = served.core.tokens.issue(Principal(read.role, subject), lifetime=timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}

    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(bounds, HUGE)))
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    def answered(sent: dict[str, int]) -> None:
        query = "&".join([read.fixed, *(f"{name}={value}" for name, value in sent.items())])
        answer = served.client.get(f"{path}?{query.strip('&')}", headers=headers)
        outside = [
            name for name, value in sent.items() if not bounds[name][0] <= value <= bounds[name][1]
        ]
        if outside:
            # Refused at the edge, as its OpenAPI says, naming a parameter out of its bounds.
            assert answer.status_code == 422, (query, answer.status_code, answer.text)
            body = answer.json()
            assert body["type"] == "urn:spotlight:problem:validation-error"
            assert any(f"query.{name}" in body["detail"] for name in outside), body
            return
        assert answer.status_code == 200, (query, answer.status_code, answer.text)
        if answer.headers["content-type"].startswith("text/csv"):
            return  # an export, whole: no page to check
        assert_a_page(answer.json(), sent)

    answered()


def assert_a_page(page: dict[str, Any], sent: dict[str, int]) -> None:
    # An integer cursor goes forward; an opaque one (a string: the shared cursors', or a
    # statement's place of its page's last line) is not comparable.
    for name in CURSORS:
        following = page.get(f"next_{name}")
        if isinstance(following, int):
            assert following >= sent.get(name, 0), page
    if any(sent.get(name, 0) >= PAST_EVERY_ROW for name in CURSORS):
        assert all(value == [] for value in page.values() if isinstance(value, list)), page
