"""Whatever the catalogue was told, accepted or refused, its stored events tell the same story.

A hypothesis state machine drives a catalogue over a SQLite file with random commands from
a small cast of studios, creators, a reviewer, an admin and an auditor; many commands are
refused on purpose. The live catalogue keeps every aggregate it saved in memory (an
aggregate cache without fast-forwarding, so it never re-reads the store). At the end a
second catalogue is opened on the same file, and each aggregate it rebuilds by replaying
the stored events must equal the live one, attribute for attribute.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, multiple, rule

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.catalogue import Catalogue
from application.errors import ApplicationError
from application.logs import CatalogueLog
from application.views import TitleView, VideoView
from domain.anchors.engagement import Engagement
from domain.anchors.matching import Decision, Signal, SignalEvidence, TimeRange
from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import Video
from domain.errors import DomainError
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.fakes import FixedClock, SequentialIdentities


class NothingToRecord(Exception):
    """The policy ignored the evidence: nothing happens, nothing is stored."""


Refused = (ApplicationError, DomainError, NothingToRecord)
AggregateT = TypeVar("AggregateT", Title, Video)

decisions = st.sampled_from(list(Decision))
evidence = st.lists(
    st.builds(
        SignalEvidence,
        signal=st.sampled_from(list(Signal)),
        score=st.floats(min_value=0, max_value=1),
        matched_seconds=st.floats(min_value=0, max_value=120),
        reference_id=st.sampled_from(["", "ref-1"]),
        details=st.fixed_dictionaries({"hashtags": st.lists(st.sampled_from(["dune", "fyp"]))}),
    ),
    max_size=3,
)

STUDIOS = ("legendary", "warner")
CREATORS = ("mia", "leo")
LEGENDARY = Principal(Role.STUDIO, "legendary")
WARNER = Principal(Role.STUDIO, "warner")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
ROSA = Principal(Role.REVIEWER, "rosa")
OPS = Principal(Role.ADMIN, "ops")
AUDIT = Principal(Role.AUDITOR, "kpmg")
EVERYONE = (LEGENDARY, WARNER, MIA, LEO, ROSA, OPS, AUDIT)


def actors(*usual: Principal) -> st.SearchStrategy[Principal]:
    """Mostly those who usually give this command, often anyone at all."""
    return st.one_of(st.sampled_from(usual), st.sampled_from(EVERYONE))


links = st.sampled_from(
    [
        Link(label="Cinema City", url="https://cinemacity.example/dune"),
        Link(label="Max", url="https://max.example/dune"),
        Link(label="Official site", url="http://dune.example"),
    ]
)
cast_members = st.sampled_from(
    [CastMember(name="Zendaya", role="Chani"), CastMember(name="Margot Robbie", role="Barbie")]
)
portals = st.builds(
    Portal,
    tickets=st.lists(links, max_size=2),
    streaming=st.lists(links, max_size=1),
    cast=st.lists(cast_members, max_size=2),
)
title_names = st.sampled_from(["Dune: Part Two", " Barbie ", "Shōgun", "", "   "])
captions = st.sampled_from(["Sandworm riding", "  Pink everything  ", "", "s" * 2_201])
hashtag_lists = st.lists(
    st.sampled_from(["#Dune", "dune", "#Sand_Worm", "Café", "#Barbenheimer", "not/a/tag"]),
    max_size=4,
)
categories = st.sampled_from(["film-and-tv", " Gaming ", "comedy", "documentaries"])
engagement_updates = st.builds(
    Engagement,
    views=st.integers(0, 1_000),
    likes=st.integers(0, 3),
    shares=st.integers(0, 1),
    comments=st.integers(0, 1),
)
reasons = st.sampled_from(["spoils the ending", "wrong title", "  wrong title ", "", "  "])
notes = st.sampled_from(["", "trailer reaction", "  behind the scenes "])
#: What the caller believes the version is (If-Match): nothing, the latest, or an old one.
beliefs = st.sampled_from(["no version", "latest version", "latest version", "older version"])
subjects_named = st.none() | st.sampled_from(STUDIOS + CREATORS)


class CatalogueReplay(RuleBasedStateMachine):
    titles = Bundle("titles")
    videos = Bundle("videos")

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="spotlight-replay-"))
        self.store = parse_store(f"sqlite:///{self.directory}/spotlight.db")
        self.store.prepare()
        self.clock = FixedClock()
        remembering = {"AGGREGATE_CACHE_MAXSIZE": "0", "AGGREGATE_CACHE_FASTFORWARD": "n"}
        self.log = CatalogueLog({**self.store.env_for(CatalogueLog.name), **remembering})
        self.live = Catalogue(self.log, clock=self.clock, identities=SequentialIdentities())
        self.last_seen: dict[UUID, TitleView | VideoView] = {}

    # The service's way in (``Anchoring``) also starts a sweep and may anchor what it matches:
    # events of aggregates this machine does not follow. It makes titles and videos as that
    # way does (authorised, checked by the domain) and saves them alone.

    def register(self, actor: Principal, **given: Any) -> TitleView:
        title = self.live.new_title(actor, **given)
        self.log.commit(title)
        return TitleView.of(title)

    def publish(self, actor: Principal, **given: Any) -> VideoView:
        video = self.live.new_video(actor, **given)
        self.log.commit(video)
        return VideoView.of(video)

    # Commands -----------------------------------------------------------------------------

    @initialize(target=titles)
    def two_studios_register_a_title_each(self) -> object:
        registered = [
            self.register(studio, name=name, kind=TitleKind.MOVIE)
            for studio, name in ((LEGENDARY, "Dune: Part Two"), (WARNER, "Barbie"))
        ]
        self.last_seen.update({title.id: title for title in registered})
        return multiple(*(title.id for title in registered))

    @initialize(target=videos)
    def two_creators_publish_a_video_each(self) -> object:
        published = [
            self.publish(creator, caption=caption, hashtags=[], category="comedy")
            for creator, caption in ((MIA, "Sandworm riding"), (LEO, "Pink everything"))
        ]
        self.last_seen.update({video.id: video for video in published})
        return multiple(*(video.id for video in published))

    @rule(
        target=titles,
        actor=actors(LEGENDARY, WARNER, OPS),
        name=title_names,
        kind=st.sampled_from(TitleKind),
        portal=portals,
        studio_id=subjects_named,
    )
    def register_title(
        self,
        actor: Principal,
        name: str,
        kind: TitleKind,
        portal: Portal,
        studio_id: str | None,
    ) -> object:
        before = self.stored_events()
        try:
            title = self.register(actor, name=name, kind=kind, portal=portal, studio_id=studio_id)
        except Refused as refusal:
            event(f"register_title refused: {type(refusal).__name__}")
            assert self.stored_events() == before
            return multiple()
        event("register_title applied")
        assert title.version == 1
        self.last_seen[title.id] = title
        return title.id

    @rule(
        actor=actors(LEGENDARY, WARNER, OPS),
        title_id=titles,
        portal=portals,
        belief=beliefs,
    )
    def update_portal(self, actor: Principal, title_id: UUID, portal: Portal, belief: str) -> None:
        self.attempt(
            "update_portal",
            title_id,
            lambda: self.live.update_portal(
                actor, title_id, portal, expected_version=self.expected_version(title_id, belief)
            ),
        )

    @rule(
        target=videos,
        actor=actors(MIA, LEO, OPS),
        caption=captions,
        hashtags=hashtag_lists,
        category=categories,
        creator_id=subjects_named,
    )
    def publish_video(
        self,
        actor: Principal,
        caption: str,
        hashtags: list[str],
        category: str,
        creator_id: str | None,
    ) -> object:
        before = self.stored_events()
        try:
            video = self.publish(
                actor, caption=caption, hashtags=hashtags, category=category, creator_id=creator_id
            )
        except Refused as refusal:
            event(f"publish_video refused: {type(refusal).__name__}")
            assert self.stored_events() == before
            return multiple()
        event("publish_video applied")
        assert video.version == 1
        self.last_seen[video.id] = video
        return video.id

    @rule(actor=actors(OPS), video_id=videos, added=engagement_updates)
    def record_engagement(self, actor: Principal, video_id: UUID, added: Engagement) -> None:
        self.attempt(
            "record_engagement",
            video_id,
            lambda: self.live.record_engagement(actor, video_id, added),
        )

    @rule(
        actor=actors(ROSA, OPS),
        video_id=videos,
        anchored_to=st.one_of(titles, videos),
        note=notes,
        belief=beliefs,
    )
    def attach_anchor(
        self,
        actor: Principal,
        video_id: UUID,
        anchored_to: UUID,
        note: str,
        belief: str,
    ) -> None:
        self.attempt(
            "attach_anchor",
            video_id,
            lambda: self.live.attach_anchor(
                actor,
                video_id,
                anchored_to,
                note=note,
                expected_version=self.expected_version(video_id, belief),
            ),
        )

    @rule(
        actor=actors(ROSA, OPS, LEGENDARY, WARNER),
        video_id=videos,
        reason=reasons,
        belief=beliefs,
    )
    def revoke_anchor(self, actor: Principal, video_id: UUID, reason: str, belief: str) -> None:
        self.attempt(
            "revoke_anchor",
            video_id,
            lambda: self.live.revoke_anchor(
                actor,
                video_id,
                reason=reason,
                expected_version=self.expected_version(video_id, belief),
            ),
        )

    @rule(video_id=videos, title_id=titles, decision=decisions, findings=evidence)
    def the_match_policy_decides(
        self, video_id: UUID, title_id: UUID, decision: Decision, findings: list[SignalEvidence]
    ) -> None:
        def decide(video: Video) -> None:
            if video.apply_decision(title_id, decision, findings, at=self.clock.now()) is (
                Decision.IGNORE
            ):
                raise NothingToRecord

        self.attempt("apply_decision", video_id, lambda: self.change(Video, video_id, decide))

    @rule(video_id=videos, title_id=titles, reason=reasons)
    def a_reviewer_rejects_a_proposal(self, video_id: UUID, title_id: UUID, reason: str) -> None:
        def reject(video: Video) -> None:
            video.reject_anchor(title_id, by=ROSA.label, reason=reason, at=self.clock.now())

        self.attempt("reject_anchor", video_id, lambda: self.change(Video, video_id, reject))

    @rule(title_id=titles, hashtags=st.lists(st.sampled_from(["dune", "#Dune_2", "barbie"])))
    def a_studio_sets_match_words(self, title_id: UUID, hashtags: list[str]) -> None:
        def set_words(title: Title) -> None:
            title.set_match_words(
                hashtags=hashtags, keywords=["Arrakis"], by=OPS.label, at=self.clock.now()
            )

        self.attempt("set_match_words", title_id, lambda: self.change(Title, title_id, set_words))

    @rule(title_id=titles, seconds=st.floats(min_value=1, max_value=600), cut=st.booleans())
    def a_studio_adds_a_reference(self, title_id: UUID, seconds: float, cut: bool) -> None:
        def add(title: Title) -> None:
            title.add_reference(
                self.live.identities.new_id(),
                label="trailer",
                digest=f"sha256-{seconds:.3f}",
                duration_seconds=seconds,
                excluded=[TimeRange(0.0, seconds / 2)] if cut else [],
                by=OPS.label,
                at=self.clock.now(),
            )

        self.attempt("add_reference", title_id, lambda: self.change(Title, title_id, add))

    def change(
        self, kind: type[AggregateT], ident: UUID, command: Callable[[AggregateT], None]
    ) -> TitleView | VideoView:
        """A domain command straight on the aggregate, saved as a use case would."""
        aggregate = self.log.load(kind, ident)
        command(aggregate)
        self.log.commit(aggregate)
        return self.view_of(ident)

    @rule(minutes=st.integers(min_value=1, max_value=60 * 24 * 30))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    # Checks -------------------------------------------------------------------------------

    def attempt(
        self, doing: str, ident: UUID, command: Callable[[], TitleView | VideoView]
    ) -> None:
        """Run a command on an existing aggregate: applied it moves one version on, refused
        or already done it leaves no trace in the store."""
        before, events_before = self.last_seen[ident], self.stored_events()
        try:
            after = command()
        except Refused as refusal:
            event(f"{doing} refused: {type(refusal).__name__}")
            assert self.stored_events() == events_before
            assert self.view_of(ident) == before
            return
        if after == before:
            # Asked for what it already is (a portal replaced by itself): done, nothing recorded.
            event(f"{doing} already done")
            assert self.stored_events() == events_before
            return
        event(f"{doing} applied")
        assert after.version == before.version + 1
        assert self.stored_events() == events_before + 1
        self.last_seen[ident] = after

    def expected_version(self, ident: UUID, belief: str) -> int | None:
        latest = self.last_seen[ident].version
        return {"no version": None, "latest version": latest, "older version": latest - 1}[belief]

    def view_of(self, ident: UUID) -> TitleView | VideoView:
        if isinstance(self.last_seen[ident], TitleView):
            return self.live.title(ident)
        return self.live.video(ident)

    def stored_events(self) -> int:
        return self.log.recorder.max_notification_id() or 0

    def teardown(self) -> None:
        try:
            self.assert_replay_matches_live_state()
        finally:
            self.log.close()
            shutil.rmtree(self.directory, ignore_errors=True)

    def assert_replay_matches_live_state(self) -> None:
        settings_of_restart = Settings(
            store=self.store, data_dir=self.directory, secret=b"replay-secret-0123456789"
        )
        restarted = bootstrap(
            settings_of_restart, clock=FixedClock(), identities=SequentialIdentities(start=999)
        )
        try:
            replayed = restarted._catalogue
            reading = restarted.cataloguing
            every_version_seen = sum(seen.version for seen in self.last_seen.values())
            assert replayed.recorder.max_notification_id() == every_version_seen
            for ident, seen in self.last_seen.items():
                live_aggregate: Aggregate = self.log.repository.get(ident)
                replayed_aggregate: Aggregate = replayed.repository.get(ident)
                assert replayed_aggregate.__dict__ == live_aggregate.__dict__
                if isinstance(seen, TitleView):
                    assert reading.title(ident) == seen
                else:
                    assert reading.video(ident) == seen
        finally:
            restarted.close()


CatalogueReplay.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestTheStoredEventsTellTheSameStoryAsTheLiveCatalogue = CatalogueReplay.TestCase
