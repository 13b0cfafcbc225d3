"""Property: any sequence of domain commands, replayed, reproduces every read model exactly.

Hypothesis draws sequences of commands across the catalogue (titles, videos, anchors,
engagement, clicks), the audience of creators and Pulse (follower counts, billed
impressions), the shop (listings, tags, restocks, orders), the competition (ballots, the
close of the round), and business and moderation (campaign invitations accepted, calls to
action, age bands, reviewers' decisions), applied through the services of a core over the
in-memory store. Many are refused on purpose (a ballot twice, an order beyond the stock, an
anchor on an anchored video). Then every log is copied into a scratch store, a fresh core
rebuilds every read model from zero, and the comparison with the live core finds no
difference and no invariant broken.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.storage import parse_store
from application.audit.audit_replay import replay
from entrypoints.bootstrap import bootstrap
from entrypoints.replay_cores import scratch_core
from entrypoints.settings import Settings
from tests import replay_scene as scene_of
from tests.fakes import FixedClock, SequentialIdentities

SECRET = b"a-secret-only-the-replay-property-knows"
small = st.integers(min_value=0, max_value=5)

commands = st.one_of(
    st.tuples(st.just(scene_of.add_title), small),
    st.tuples(st.just(scene_of.publish), small),
    st.tuples(st.just(scene_of.anchor), small, small),
    st.tuples(st.just(scene_of.revoke), small),
    st.tuples(st.just(scene_of.engagement), small, st.integers(0, 200_000)),
    st.tuples(st.just(scene_of.clicks), small),
    st.tuples(st.just(scene_of.followers), small, st.integers(0, 300_000)),
    st.tuples(st.just(scene_of.impressions), small, st.integers(1, 50_000)),
    st.tuples(st.just(scene_of.list_product), small, st.integers(0, 4)),
    st.tuples(st.just(scene_of.restock), small, st.integers(0, 3)),
    st.tuples(st.just(scene_of.tag), small, small),
    st.tuples(st.just(scene_of.order), small, small, st.integers(1, 4)),
    st.tuples(st.just(scene_of.ballot), small, small),
    st.tuples(st.just(scene_of.close_round)),
    st.tuples(st.just(scene_of.age_band), small, small),
    st.tuples(st.just(scene_of.moderate), small, small),
    st.tuples(st.just(scene_of.report_video), small, small),
    st.tuples(st.just(scene_of.decide_report), small, small),
    st.tuples(st.just(scene_of.invite), small, st.integers(1, 200_000)),
    st.tuples(st.just(scene_of.call_to_action), small),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(commands, min_size=3, max_size=30))
def test_any_sequence_of_commands_replays_to_the_same_read_models(
    tmp_path: Path, steps: list[tuple[object, ...]]
) -> None:
    live = bootstrap(
        Settings(store=parse_store("memory://"), data_dir=tmp_path, secret=SECRET),
        clock=FixedClock(),
        identities=SequentialIdentities(),
    )
    scratch = scratch_core(live.settings, None)
    try:
        scene = scene_of.set_scene(live)
        for command, *arguments in steps:
            scene_of.attempt(command, live, scene, *arguments)  # type: ignore[arg-type]

        report = replay(live, scratch)

        differences = [d for comparison in report.comparisons for d in comparison.kept]
        assert differences == []
        assert report.violations == ()
        assert report.events == sum(
            application.recorder.max_notification_id() or 0
            for application in (live._catalogue, live._music, live._revenue, live._inbox)
        )
    finally:
        scratch.close()
        live.close()
