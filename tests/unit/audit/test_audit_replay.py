"""The auditor's replay on hand-made stores: an untouched store replays to the same read models
and keeps every invariant; an event forged into the log past the application breaks an
invariant at its very position; a snapshot that says otherwise than the events is a
difference; and the comparison names the read model, the key and both values."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import cast
from uuid import UUID, uuid4

import attrs
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Notification, StoredEvent

from adapters.storage import parse_store
from application.audit.audit_replay import (
    ReplayReport,
    canonical,
    catch_up,
    compare_views,
    copy_log,
    read_model_views,
    replay,
)
from application.audit.invariants import (
    FORMULA,
    LEDGER,
    ONE_BALLOT,
    READABLE,
    STOCK,
    check_invariants,
    invariants_for,
    readability_violations,
)
from application.auth import Principal, Role
from application.errors import NotPermitted
from domain.music.ballots import Ballot
from domain.music.rounds import CompetitionRound
from domain.music.standings import Tally
from domain.revenue.ledger import JournalEntry, LedgerAccount, campaign_budget
from domain.shop.listings import Listing
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.replay_cores import scratch_core
from entrypoints.settings import Settings
from tests.fakes import FixedClock, SequentialIdentities
from tests.replay_scene import Scene, close_round, set_scene

SECRET = b"a-secret-only-the-replay-tests-know"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Spotlight]:
    settings = Settings(store=parse_store("memory://"), data_dir=tmp_path, secret=SECRET)
    core = bootstrap(settings, clock=FixedClock(), identities=SequentialIdentities())
    yield core
    core.close()


@pytest.fixture
def scene(live: Spotlight) -> Scene:
    return set_scene(live)


def replayed(live: Spotlight) -> ReplayReport:
    scratch = scratch_core(live.settings, None)
    try:
        return replay(live, scratch)
    finally:
        scratch.close()


def forge(application: Application[UUID], event: object) -> int:
    """Write an event straight into the log, past the application; answer its position."""
    application.recorder.insert_events([application.mapper.to_stored_event(event)])  # type: ignore[arg-type]
    position = application.recorder.max_notification_id()
    assert position is not None
    return position


def first_event(application: Application[UUID], topic: str) -> object:
    notification = application.recorder.select_notifications(start=1, limit=1, topics=[topic])[0]
    return application.mapper.to_domain_event(notification)


def test_an_untouched_store_replays_to_the_same_read_models_and_keeps_every_invariant(
    live: Spotlight, scene: Scene
) -> None:
    close_round(live, scene)

    report = replayed(live)

    assert report.holds, [d for c in report.comparisons for d in c.kept] + list(report.violations)
    names = {comparison.read_model for comparison in report.comparisons}
    assert {
        "anchors index (titles, references, videos)",
        "anchors review queue",
        "studio analytics (anchors per title)",
        "music (artists, tracks, uses, tallies)",
        "ledger balances and statements",
        "Pulse inventory",
        "shop tags",
        "shop search",
        "aggregates: LedgerAccount",
        "aggregates: CompetitionRound",
        "aggregates: Listing",
    } <= names
    empty = [c.read_model for c in report.comparisons if c.keys == 0]
    assert empty == [] or empty == ["anchors review queue"], empty
    by_log = {log.log: log.events for log in report.logs}
    assert by_log["catalogue"] == live._catalogue.recorder.max_notification_id()
    assert by_log["revenue"] == live._revenue.recorder.max_notification_id()


def test_an_unbalanced_journal_entry_forged_into_the_log_is_reported_at_its_position(
    live: Spotlight, scene: Scene
) -> None:
    genuine = first_event(live._revenue, JournalEntry.Recorded.TOPIC)
    postings = list(genuine.postings)  # type: ignore[attr-defined]
    postings[0] = attrs.evolve(postings[0], debit=postings[0].debit + 1)
    forged = dataclasses.replace(
        genuine,  # type: ignore[type-var]
        originator_id=uuid4(),
        postings=tuple(postings),
        cause="forged-cause",
    )
    position = forge(live._revenue, forged)

    violations = check_invariants({"revenue": live._revenue})

    unbalanced = [v for v in violations if "unbalanced" in v.detail and v.position == position]
    assert unbalanced, violations
    assert unbalanced[0].log == "revenue"
    assert unbalanced[0].rule == LEDGER
    assert f"revenue log at position {position}: ledger: entry" in str(unbalanced[0])
    # The replay reports it too, and its read models still agree (both read the same log).
    report = replayed(live)
    assert not report.holds
    assert report.differences == 0
    assert any(v.position == position for v in report.violations)


def test_a_second_ballot_forged_into_the_log_is_reported_at_its_position(
    live: Spotlight, scene: Scene
) -> None:
    genuine = first_event(live._music, Ballot.Cast.TOPIC)
    forged = dataclasses.replace(
        genuine,  # type: ignore[type-var]
        originator_id=uuid4(),
        track_id=scene.tracks[1],
    )
    position = forge(live._music, forged)

    violations = check_invariants({"music": live._music})

    assert {(v.rule, v.position) for v in violations} == {(ONE_BALLOT, position)}
    assert any("voted again" in v.detail for v in violations)


def test_a_result_that_is_not_the_formula_s_is_reported_at_the_result(
    live: Spotlight, scene: Scene
) -> None:
    assert scene.round_id is not None
    competition_round = live._music.load(CompetitionRound, scene.round_id)
    competition_round.close(by="admin:ops", at=live.clock.now(), reason="ahead of the plan")
    live._music.commit(competition_round)
    # A result ranked on tallies that are not the ones the log froze at the close.
    inflated = {track_id: Tally(votes=0) for track_id in scene.tracks}
    inflated[scene.tracks[2]] = Tally(votes=50)
    competition_round.record_result(inflated, at=live.clock.now())
    live._music.commit(competition_round)
    position = live._music.recorder.max_notification_id()

    violations = [v for v in check_invariants({"music": live._music}) if v.rule == FORMULA]

    assert violations
    assert {(v.log, v.position) for v in violations} == {("music", position)}
    assert any("advancing" in v.detail for v in violations)


def test_stock_forged_below_zero_is_reported_at_the_sale(live: Spotlight, scene: Scene) -> None:
    listing: object = live._revenue.repository.get(scene.listings[0])
    assert isinstance(listing, Listing)
    sold = first_event(live._revenue, Listing.Sold.TOPIC)
    forged = dataclasses.replace(
        sold,  # type: ignore[type-var]
        originator_version=listing.version + 1,
        quantity=listing.stock + 1,
    )
    position = forge(live._revenue, forged)

    violations = check_invariants({"revenue": live._revenue})

    stock = [v for v in violations if v.rule == STOCK]
    assert [(v.log, v.position) for v in stock] == [("revenue", position)]
    assert "went to -1" in stock[0].detail


def test_an_altered_snapshot_is_a_difference_between_live_and_replayed_aggregates(
    live: Spotlight, scene: Scene
) -> None:
    assert scene.campaign_id is not None
    code = campaign_budget(scene.campaign_id, "USD")
    account: object = live._revenue.repository.get(LedgerAccount.id_for(code))
    assert isinstance(account, LedgerAccount)
    account.credits_posted += 999  # what a tampered snapshot would claim
    live._revenue.snapshots.put([Snapshot.take(account)])  # type: ignore[union-attr]
    # A core that starts now loads the account through that snapshot, as the service would.
    restarted = bootstrap(
        live.settings, clock=FixedClock(), identities=SequentialIdentities(start=10_000)
    )
    restarted_over_same_store(live, restarted)
    try:
        report = replayed(restarted)
    finally:
        restarted.close()

    accounts = next(c for c in report.comparisons if c.read_model == "aggregates: LedgerAccount")
    assert accounts.differences == 1
    difference = accounts.kept[0]
    assert difference.key == str(account.id)
    assert "credits_posted" in difference.live
    assert "credits_posted" in difference.replayed
    assert difference.live != difference.replayed
    assert not report.holds


def restarted_over_same_store(live: Spotlight, restarted: Spotlight) -> None:
    """The in-memory store lives in its applications: give the restarted core the live
    core's recorders and snapshot stores (a second process on one database)."""
    for name in ("catalogue", "music", "revenue", "inbox"):
        source: Application[UUID] = getattr(live, f"_{name}")
        target: Application[UUID] = getattr(restarted, f"_{name}")
        target.recorder = source.recorder
        target.events.recorder = source.recorder
        if source.snapshots is not None and target.snapshots is not None:
            target.snapshots.recorder = source.snapshots.recorder
    catch_up(restarted)


def test_the_comparison_names_the_read_model_the_key_and_both_values() -> None:
    comparison = compare_views(
        "shop tags",
        {"listing:1": canonical({"stock": 3}), "suspended": canonical(set())},
        {"listing:1": canonical({"stock": 2}), "listing:2": canonical(None)},
    )

    assert comparison.keys == 3
    assert comparison.differences == 3
    assert [str(d) for d in comparison.kept] == [
        "shop tags [listing:1]: live (('stock', 3),); replayed (('stock', 2),)",
        "shop tags [listing:2]: live absent; replayed None",
        "shop tags [suspended]: live (); replayed absent",
    ]


def test_canonical_values_ignore_what_a_snapshot_s_json_changes() -> None:
    assert canonical((1, [2, 3])) == canonical([1, (2, 3)])
    assert canonical({"b": 1, "a": {2, 1}}) == canonical({"a": frozenset({1, 2}), "b": 1})
    assert canonical(Role.ADMIN) == canonical("admin")


def test_read_models_that_keep_positions_report_the_audited_log_s(
    live: Spotlight, scene: Scene
) -> None:
    # PostgreSQL leaves gaps in positions that a fresh scratch store does not: the replayed
    # views translate their positions back to the audited log's.
    scratch = scratch_core(live.settings, None)
    try:
        copied = copy_log(live._catalogue, scratch._catalogue)
        assert copied.events == live._catalogue.recorder.max_notification_id()
        assert copied.positions is None  # a store without gaps is numbered alike
        catch_up(scratch)
        as_stored = read_model_views(scratch)
        translated = read_model_views(scratch, {"catalogue": lambda position: position * 10})
        key = f"video:{scene.videos[0]}"
        anchors = "anchors index (titles, references, videos)"
        assert translated[anchors][key] == 10 * as_stored[anchors][key]
    finally:
        scratch.close()


class GappedRecorder:
    """A log's notifications renumbered as a PostgreSQL sequence may leave them: a gap after
    the first, then runs of three apart."""

    def __init__(self, source: Application[UUID]) -> None:
        notifications = source.recorder.select_notifications(start=1, limit=10_000)
        self.notifications = [
            dataclasses.replace(n, id=1 if number == 0 else 5 + number * 3)
            for number, n in enumerate(notifications)
        ]

    def max_notification_id(self) -> int:
        return self.notifications[-1].id

    def select_notifications(
        self, start: int, limit: int, stop: int, *, inclusive_of_start: bool
    ) -> list[Notification]:
        return [n for n in self.notifications if start < n.id <= stop][:limit]


@attrs.frozen
class GappedLog:
    name: str
    recorder: GappedRecorder


def test_a_log_with_gaps_in_its_positions_is_mapped_back_position_for_position(
    live: Spotlight, scene: Scene
) -> None:
    gapped = GappedRecorder(live._catalogue)
    source = GappedLog(live._catalogue.name, gapped)
    scratch = scratch_core(live.settings, None)
    try:
        copied = copy_log(cast(Application[UUID], source), scratch._catalogue, page=4)

        assert copied.events == len(gapped.notifications) > 4
        assert copied.positions is not None
        assert [copied.positions(scratch_id) for scratch_id in range(1, copied.events + 1)] == [
            n.id for n in gapped.notifications
        ]
    finally:
        scratch.close()


def test_only_auditors_and_admins_check_the_invariants(live: Spotlight, scene: Scene) -> None:
    logs = {"music": live._music, "revenue": live._revenue}

    assert invariants_for(Principal(Role.AUDITOR, "kpmg"), logs) == ()
    with pytest.raises(NotPermitted):
        invariants_for(Principal(Role.VIEWER, "sol"), logs)


def test_the_copy_holds_the_event_records_as_stored_and_no_snapshot(
    live: Spotlight, scene: Scene
) -> None:
    assert scene.campaign_id is not None
    account = LedgerAccount.id_for(campaign_budget(scene.campaign_id, "USD"))
    assert live._revenue.snapshots is not None
    live._revenue.take_snapshot(account)  # the audited store has one; the copy must not
    scratch = scratch_core(live.settings, None)
    try:
        copy_log(live._revenue, scratch._revenue, page=7)  # small pages: crosses page ends

        def records(application: Application[UUID]) -> list[tuple[object, ...]]:
            return [
                (n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in application.recorder.select_notifications(start=1, limit=10**6)
            ]

        assert records(scratch._revenue) == records(live._revenue)
        assert scratch._revenue.snapshots is not None
        assert list(scratch._revenue.snapshots.get(account)) == []
    finally:
        scratch.close()


def test_a_record_that_does_not_decode_is_a_violation_at_its_position(
    live: Spotlight, scene: Scene
) -> None:
    # A topic no read model follows: only the readability check reads it.
    live._catalogue.recorder.insert_events(
        [StoredEvent(uuid4(), 1, "domain.nowhere:Gone", b"{not json")]
    )
    position = live._catalogue.recorder.max_notification_id()

    violations = readability_violations({"catalogue": live._catalogue, "music": live._music})

    assert [(v.log, v.position, v.rule) for v in violations] == [("catalogue", position, READABLE)]
    report = replayed(live)
    assert report.differences == 0
    assert [(v.log, v.position, v.rule) for v in report.violations] == [
        ("catalogue", position, READABLE)
    ]
