"""Spotlight anchors: media in, evidence out; the title's policy decides; people review.

Every change is saved in one transaction with the decisions it causes: a video is published
with its media, its fingerprints and its matches together, so a failure leaves nothing half
written. Retroactive sweeps advance their cursor in the same transaction as the decisions they
take, so every video is considered exactly once per piece of new material.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from application.anchors.engagement_rejudging import EngagementRejudging
from application.anchors.match_index import REFERENCE_OWNER, VIDEO_OWNER, MatchIndex
from application.anchors.review_queue import QueuePlace, ReviewItem, ReviewQueueProjection
from application.anchors.text_matching import TextEngine
from application.auth import Principal, Role, owns, person_key, require_role
from application.background import BackgroundPass
from application.catalogue import Catalogue
from application.errors import NotFound, NotPermitted
from application.index_snapshots import (
    IndexSnapshot,
    IndexSnapshots,
    IndexSnapshotting,
    snapshot_parts,
)
from application.log_follower import LogFollower
from application.logs import CatalogueLog
from application.media import (
    Candidate,
    DecodedMedia,
    MatchingEngine,
    MediaDecoder,
    MediaDescriber,
    MediaTooLarge,
    PictureSampling,
    SampledEngine,
    SavedIndex,
    UnreadableMedia,
)
from application.media_store import MediaKeeping
from application.ports import Clock, IdentityProvider
from application.projections import Persisted, ProjectionRunner
from application.read_models import Followed, ReadModel
from application.trust.moderation import ContentClassifier
from application.trust.protection import MINOR, Protection
from application.views import MatchingView, TitleView, VideoView
from domain.anchors.engagement import Engagement
from domain.anchors.matching import Decision, MatchPolicy, Signal, SignalEvidence, TimeRange
from domain.anchors.portal import Portal
from domain.anchors.sweeps import MatchSweep
from domain.anchors.titles import Reference, Title, TitleKind
from domain.anchors.videos import NoDispute, Video, VideoRestricted
from domain.media import MediaFingerprints

CANDIDATES_PER_ENGINE = 10
EVIDENCE_DETAIL_ITEMS = 12
#: Index events applied since the last snapshot before the background work writes another.
SNAPSHOT_EVERY = 1000
INDEX_READ_MODEL = "anchors index (titles, references, videos)"

log = logging.getLogger("spotlight.anchors")


@attrs.frozen
class PublishedVideo:
    video: VideoView
    decisions: Mapping[UUID, Decision]


@attrs.frozen
class SweepReport:
    sweeps_run: int
    videos_considered: int
    videos_changed: int
    pending: int


@attrs.frozen
class SnapshotReport:
    position: int
    where: str
    references: int
    videos: int


@attrs.frozen
class ReviewPage:
    items: tuple[ReviewItem, ...]
    next_cursor: str | None  # the place of the page's last item, to read on from


class Anchoring:
    def __init__(
        self,
        catalogue: Catalogue,
        *,
        log: CatalogueLog,
        decoder: MediaDecoder,
        text: TextEngine,
        engines: Sequence[MatchingEngine],
        clock: Clock,
        identities: IdentityProvider,
        max_upload_bytes: int,
        protection: Protection,
        projections: ProjectionRunner,
        review: ReviewQueueProjection,
        describers: Sequence[MediaDescriber] = (),
        classifier: ContentClassifier | None = None,
        snapshots: IndexSnapshots | None = None,
        snapshot_every: int = SNAPSHOT_EVERY,
        keeping: MediaKeeping | None = None,
    ) -> None:
        #: Where uploads are kept to be played back (None: fingerprinted and dropped).
        self.keeping = keeping
        #: A video's engagement as the audience read model counts it, the figure a title's
        #: engagement rule is held to (bootstrap sets the audience's; none: the counters the
        #: video itself carries).
        self.engagement_of: Callable[[UUID], Engagement] | None = None
        self.cataloguing = catalogue
        self._catalogue = log
        self.decoder = decoder
        self.engines = tuple(engines)
        self.describers = tuple(describers)
        clashing = {d.signal for d in self.describers} & {e.signal for e in self.engines}
        if clashing:
            raise ValueError(f"signals described twice: {sorted(clashing)}")
        self.clock = clock
        self.identities = identities
        self.max_upload_bytes = max_upload_bytes
        self.classifier = classifier
        self.index = MatchIndex(text, engines, self._reference_fingerprints)
        self._protection = protection
        self.protection = protection.model
        # The index follows the log itself (it may start from a snapshot's position); the
        # review queue and the open sweeps are rows of a projection its runner keeps.
        self.index_follower = LogFollower(log, self.index.handlers)
        self.projections = projections
        self.review = review
        # The engines' indexes are not thread-safe; HTTP workers and the background sweeper
        # share them, so updates and queries take turns.
        self._engines_lock = threading.RLock()
        self.snapshots = snapshots
        self.snapshotting = (
            None
            if snapshots is None
            else IndexSnapshotting(
                "anchors index", snapshots, {"catalogue": log}, every=snapshot_every
            )
        )
        with self._engines_lock:
            self._restore_index()
        self._catch_up()
        #: Waiting matches judged again as their videos' engagement grows.
        self.rejudging = EngagementRejudging(
            log, judging=self, review=review, projections=projections, clock=clock
        )

    def catch_up(self) -> None:
        """Bring the read models and the engines' indexes up to the end of the log (the
        review queue's rows too, as a running service's sweeper does between requests)."""
        self._catch_up()
        self.projections.catch_up(self.review.name)

    def _catch_up(self) -> None:
        """Bring the read models and the engines' indexes up to the end of the log."""
        with self._engines_lock:
            self._follow()

    def _follow(self) -> None:
        self._protection.catch_up()
        self._follow_index()

    def _follow_index(self) -> None:
        applied = self.index_follower.catch_up()
        if self.snapshotting is not None:
            self.snapshotting.applied += applied

    def read_models(self) -> tuple[ReadModel, ...]:
        """The index, followed here, and the review queue with the open sweeps, persisted."""
        catalogue = self._catalogue.name
        return (
            Followed(
                INDEX_READ_MODEL,
                self._catch_up,
                lambda positions: self.index.export(positions.get(catalogue)),
            ),
            Persisted(self.projections, self.review),
        )

    # Index snapshots --------------------------------------------------------------------

    def _snapshot_engines(self) -> list[SavedIndex] | None:
        """The engines, if every one of them can save its index."""
        return snapshot_parts(self.engines)

    def _engine_versions(self) -> dict[str, str]:
        return {engine.signal: engine.version for engine in self.engines}

    def _restore_index(self) -> None:
        """Start the index from the newest snapshot that fits this log and these engines;
        without one, the follower starts at the log's beginning as it always did."""
        engines = self._snapshot_engines()
        if self.snapshotting is None or engines is None:
            return

        def restore(snapshot: IndexSnapshot) -> None:
            self.index.restore(snapshot.state)
            self.index_follower.position = snapshot.marks["catalogue"].position

        self.snapshotting.load(self._engine_versions(), engines, restore)

    def snapshot_index(self, *, min_events: int = 0) -> SnapshotReport | None:
        """Save the index as it stands at the end of the log, if snapshots are configured,
        every engine can save its index, and at least ``min_events`` index events were
        applied since the last snapshot (this process's or the one it loaded)."""
        engines = self._snapshot_engines()
        if self.snapshotting is None or engines is None:
            return None
        with self._engines_lock:
            self._follow()
            positions = {"catalogue": self.index_follower.position}
            if not self.snapshotting.due(positions, min_events=min_events):
                return None
            state = self.index.state()
            where = self.snapshotting.save(self._engine_versions(), engines, positions, state)
            if where is None:
                return None
        return SnapshotReport(
            position=positions["catalogue"],
            where=where,
            references=len(self.index.reference_titles),
            videos=len(state.arrays["video_positions"]),
        )

    def snapshot_pass(self) -> BackgroundPass:
        """The background pass that snapshots the anchors index once enough catalogue events
        have passed since the last snapshot (never, when snapshotting is off)."""

        def run() -> str | None:
            every = 0 if self.snapshotting is None else self.snapshotting.every
            report = self.snapshot_index(min_events=every)
            if report is None:
                return None
            return (
                f"snapshot at catalogue position {report.position} ({report.references} "
                f"references, {report.videos} videos) in {report.where}"
            )

        return BackgroundPass("anchors index snapshot", run, "anchors index snapshot failed")

    def _reference_fingerprints(self, reference_id: str) -> dict[str, bytes]:
        """A reference's fingerprints, as the log holds them (one set per owner)."""
        try:
            taken: MediaFingerprints = self._catalogue.repository.get(
                MediaFingerprints.id_for(f"{REFERENCE_OWNER}{reference_id}")
            )
        except AggregateNotFoundError:
            return {}
        return dict(taken.fingerprints)

    # Publishing -------------------------------------------------------------------------

    def publish_video(
        self,
        actor: Principal,
        *,
        caption: str,
        hashtags: Sequence[str],
        category: str,
        media: bytes | None = None,
        creator_id: str | None = None,
        media_type: str | None = None,
    ) -> PublishedVideo:
        """A creator publishes a video (an admin names the creator), optionally with its media;
        it is classified, fingerprinted and matched, and proposed or attached anchors come back.
        Refuses media that is too large or unreadable (``MediaTooLarge``, ``UnreadableMedia``)."""
        video = self.cataloguing.new_video(
            actor, caption=caption, hashtags=hashtags, category=category, creator_id=creator_id
        )
        now = self.clock.now()
        if self.classifier is not None:
            video.flag(
                self.classifier.classify(video.caption, video.hashtags),
                classifier=self.classifier.version,
                at=now,
            )
        to_save: list[Aggregate] = [video]
        fingerprints: dict[str, bytes] = {}
        if media is not None:
            decoded, digest = self._decode(
                media, also=tuple(describer.sampling for describer in self.describers)
            )
            fingerprints = self._fingerprint(decoded)
            descriptions = self._describe(decoded)
            video.attach_media(digest=digest, duration_seconds=decoded.duration_seconds, at=now)
            if self.keeping is not None:
                stored = self.keeping.keep(
                    media,
                    content_type=media_type,
                    holder=f"{VIDEO_OWNER}{video.id}",
                    person=person_key(Principal(Role.CREATOR, video.creator_id)),
                )
                video.store_media(stored, at=now)
            to_save.append(
                self._fingerprints_of(
                    f"{VIDEO_OWNER}{video.id}", digest, decoded, {**fingerprints, **descriptions}
                )
            )
        with self._engines_lock:
            self._follow()
            evidence = self._evidence(video.caption, video.hashtags, fingerprints)
        decisions = self._decide(video, evidence)
        self._catalogue.commit(*to_save)
        self._catch_up()
        return PublishedVideo(video=VideoView.of(video), decisions=decisions)

    # A title's matching material ----------------------------------------------------------

    def add_reference(
        self,
        actor: Principal,
        title_id: UUID,
        *,
        label: str,
        media: bytes,
        excluded: Sequence[TimeRange] = (),
        media_type: str | None = None,
    ) -> Reference:
        """A studio adds a reference clip to one of its own titles (an admin to any title) and
        starts a retroactive sweep. Refuses a clip with neither usable audio nor usable pictures
        (``UnreadableMedia``), and a studio's other titles (``NotPermitted``)."""
        title = self._owned_title(actor, title_id, doing="add a reference clip")
        decoded, digest = self._decode(media)
        fingerprints = self._fingerprint(decoded)
        if not fingerprints:
            raise UnreadableMedia("the clip has neither usable audio nor usable pictures")
        reference = title.add_reference(
            self.identities.new_id(),
            label=label,
            digest=digest,
            duration_seconds=decoded.duration_seconds,
            excluded=list(excluded),
            by=actor.label,
            at=self.clock.now(),
        )
        if self.keeping is not None:
            stored = self.keeping.keep(
                media,
                content_type=media_type,
                holder=f"{REFERENCE_OWNER}{reference.reference_id}",
                person=person_key(Principal(Role.STUDIO, title.studio_id)),
            )
            title.store_reference_media(reference.reference_id, stored, at=self.clock.now())
        taken = self._fingerprints_of(
            f"{REFERENCE_OWNER}{reference.reference_id}", digest, decoded, fingerprints
        )
        sweep = self._start_sweep(title.id, f"reference:{reference.reference_id}")
        self._catalogue.commit(title, taken, sweep)
        self._catch_up()
        return reference

    def set_exclusions(
        self, actor: Principal, title_id: UUID, reference_id: UUID, excluded: Sequence[TimeRange]
    ) -> MatchingView:
        """A studio sets the time ranges of a reference clip of its own title that are never
        matched (an admin on any title); another studio's title is ``NotPermitted``."""
        title = self._owned_title(actor, title_id, doing="set exclusions")
        title.set_exclusions(reference_id, list(excluded), by=actor.label, at=self.clock.now())
        self._catalogue.commit(title)
        self._catch_up()
        return MatchingView.of(title)

    def set_match_words(
        self,
        actor: Principal,
        title_id: UUID,
        *,
        hashtags: Sequence[str],
        keywords: Sequence[str],
    ) -> MatchingView:
        """A studio sets the hashtags and keywords its own title matches on (an admin on any title)
        and starts a retroactive sweep; another studio's title is ``NotPermitted``."""
        title = self._owned_title(actor, title_id, doing="set a title's hashtags and keywords")
        title.set_match_words(
            hashtags=list(hashtags), keywords=list(keywords), by=actor.label, at=self.clock.now()
        )
        sweep = self._start_sweep(title.id, f"words:{title.version}")
        self._catalogue.commit(title, sweep)
        self._catch_up()
        return MatchingView.of(title)

    def set_policy(
        self,
        actor: Principal,
        title_id: UUID,
        policy: MatchPolicy,
        *,
        expected_version: int | None = None,
    ) -> MatchingView:
        """A studio sets how matches on its own title are decided (an admin on any title);
        another studio's title is ``NotPermitted``. With ``expected_version``, a title
        changed since it was read is ``StaleVersion`` rather than overwritten."""
        title = self._owned_title(
            actor, title_id, doing="set a match policy", expected_version=expected_version
        )
        title.set_policy(policy, by=actor.label, at=self.clock.now())
        self._catalogue.commit(title)
        return MatchingView.of(title)

    def policy_to_set(self, actor: Principal, title_id: UUID) -> MatchingView:
        """The matching material of a title whose policy the actor may set (as ``set_policy``
        would allow it): a form's check before it reads what was typed."""
        return MatchingView.of(self._owned_title(actor, title_id, doing="set a match policy"))

    def matching(self, actor: Principal, title_id: UUID) -> MatchingView:
        """A title's matching material (references, exclusions, words, policy): for its own
        studio, an admin, or an auditor; another studio's title is ``NotPermitted``."""
        if actor.role is Role.AUDITOR:
            return MatchingView.of(self._catalogue.load(Title, title_id))
        return MatchingView.of(self._owned_title(actor, title_id, doing="read matching material"))

    def register_title(
        self,
        actor: Principal,
        *,
        name: str,
        kind: TitleKind,
        portal: Portal | None = None,
        studio_id: str | None = None,
    ) -> TitleView:
        """Register a title and start matching its name against the videos already out."""
        title = self.cataloguing.new_title(
            actor, name=name, kind=kind, portal=portal, studio_id=studio_id
        )
        # The sweep's start catches the index and protection up to the log's end first.
        self._catalogue.commit(title, self._start_sweep(title.id, "registered"))
        # The index learns the title; protection has nothing to learn from it.
        with self._engines_lock:
            self._follow_index()
        return TitleView.of(title)

    # Review ----------------------------------------------------------------------------

    def review_queue(
        self, actor: Principal, *, limit: int = 50, cursor: str | None = None
    ) -> ReviewPage:
        """A page of the queue, from just after the item ``cursor`` names (the previous
        page's ``next_cursor``; none: from the start)."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, Role.AUDITOR, doing="read the review queue")
        after = QueuePlace.after(cursor)
        self._catch_up()
        generation = self.projections.fresh(self.review.name)
        # A flagged, restricted or removed video, or a minor's, is nobody's to anchor.
        items, more = self.review.page(
            generation,
            after=after,
            limit=limit,
            excluded=self.protection.excluded_among,
        )
        return ReviewPage(
            items=tuple(items), next_cursor=QueuePlace.of(items[-1]).cursor if more else None
        )

    def decide(
        self,
        actor: Principal,
        video_id: UUID,
        title_id: UUID,
        *,
        attach: bool,
        reason: str,
        expected_version: int | None = None,
    ) -> VideoView:
        """A reviewer or admin attaches or rejects a proposed anchor of a video to a title, telling
        the creator when attached. Refuses to attach to a minor's video (``VideoRestricted``)."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="decide on a proposed anchor")
        video = self._catalogue.load(Video, video_id, expected_version)
        now = self.clock.now()
        if attach:
            if title_id not in video.proposals:
                self._catalogue.load(Title, title_id)
            self._catch_up()
            if self.protection.is_minor(video.creator_id):
                raise VideoRestricted(f"video {video_id}: {MINOR}; it gets no anchor")
            video.attach_anchor(title_id, by=actor.label, at=now, note=reason)
        else:
            video.reject_anchor(title_id, by=actor.label, reason=reason, at=now)
        self._catalogue.commit(video)
        self._catch_up()
        return VideoView.of(video)

    def claim(
        self, actor: Principal, title_id: UUID, video_id: UUID, *, note: str = ""
    ) -> VideoView:
        """The title's studio (or an admin) claims a fan video by hand: the title's policy
        decides on the video's evidence for the title (a waiting proposal's, or its text's)
        whether it attaches (naming the studio) or goes to review; a claim with too little
        evidence to attach always reaches a reviewer. Refused for another studio's title
        (``NotPermitted``), a removed, restricted, excluded or minor's video
        (``VideoRestricted``) and a video anchored already (``AlreadyAnchored``)."""
        title = self._owned_title(actor, title_id, doing="claim a video")
        video = self._catalogue.load(Video, video_id)
        self._catch_up()
        if self.protection.is_minor(video.creator_id):
            raise VideoRestricted(f"video {video_id}: {MINOR}; it gets no anchor")
        excluded = self.protection.why_excluded(video.id)
        if excluded is not None:
            raise VideoRestricted(f"video {video_id} takes part in no program: {excluded}")
        waiting = video.proposals.get(title_id)
        if waiting is not None:
            found = list(waiting.evidence)
        else:
            text = self._text_evidence(video.caption, video.hashtags).get(title_id)
            found = [] if text is None else [text]
        evidence = [
            *found,
            SignalEvidence(signal=Signal.CLAIM, score=1.0, details={"claimed_by": actor.label}),
        ]
        decision, evidence = title.policy.judged(evidence, self.engagement_now(video))
        video.claim_anchor(
            title_id,
            Decision.ATTACH if decision is Decision.ATTACH else Decision.REVIEW,
            evidence,
            by=actor.label,
            note=note,
            at=self.clock.now(),
        )
        self._catalogue.commit(video)
        self._catch_up()
        return VideoView.of(video)

    def dispute(self, actor: Principal, video_id: UUID, *, reason: str) -> VideoView:
        """The video's creator objects to its anchor; a reviewer will decide."""
        video = self._catalogue.load(Video, video_id)
        if actor.role is not Role.ADMIN:
            require_role(actor, Role.CREATOR, doing="dispute an anchor")
            if not owns(actor, Role.CREATOR, video.creator_id):
                raise NotPermitted("a creator may only dispute anchors on their own videos")
        video.dispute_anchor(by=actor.label, reason=reason, at=self.clock.now())
        self._catalogue.commit(video)
        self._catch_up()
        return VideoView.of(video)

    def settle_dispute(
        self, actor: Principal, video_id: UUID, *, uphold: bool, reason: str
    ) -> VideoView:
        """A reviewer upholds the dispute (the anchor is revoked) or dismisses it."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="settle a dispute")
        video = self._catalogue.load(Video, video_id)
        if video.dispute is None:
            raise NoDispute(f"no dispute of video {video_id}'s anchor is open")
        if uphold:
            video.revoke_anchor(by=actor.label, reason=reason, at=self.clock.now())
        else:
            video.dismiss_dispute(by=actor.label, reason=reason, at=self.clock.now())
        self._catalogue.commit(video)
        self._catch_up()
        return VideoView.of(video)

    # Retroactive sweeps ------------------------------------------------------------------

    def background_pass(self) -> BackgroundPass:
        """The background pass that runs the open retroactive sweeps (new references and words
        matched against videos already published)."""

        def run() -> str | None:
            report = self.run_sweeps()
            if not report.videos_considered:
                return None
            return (
                f"{report.videos_considered} videos considered, {report.videos_changed} changed, "
                f"{report.pending} sweeps open"
            )

        return BackgroundPass("retroactive matching", run, "retroactive matching pass failed")

    def run_sweeps(self, *, max_videos: int = 500, batch: int = 50) -> SweepReport:
        """Advance open sweeps by up to ``max_videos`` videos; safe to call from any worker."""
        self._catch_up()
        considered = changed = runs = 0
        # Every sweep started so far, whether reads catch up or workers do; one finished
        # meanwhile says so itself when it is loaded.
        for sweep_id in self._open_sweeps():
            if considered >= max_videos:
                break
            runs += 1
            done, did = self._advance_sweep(sweep_id, max_videos - considered, batch)
            considered += done
            changed += did
        self._catch_up()
        return SweepReport(runs, considered, changed, pending=len(self._open_sweeps()))

    def sweep_backlog(self) -> int:
        """Catalogue positions the open sweeps have still to pass (0: none is open), the
        total a progress bar of ``run_sweeps`` counts down."""
        left = 0
        for sweep_id in self._open_sweeps():
            sweep: MatchSweep = self._catalogue.repository.get(sweep_id)
            if not sweep.finished:
                left += max(0, sweep.until_position - sweep.position)
        return left

    def _open_sweeps(self) -> list[UUID]:
        self.projections.catch_up(self.review.name)
        return self.review.open_sweeps(self.projections.active(self.review.name))

    def _advance_sweep(self, sweep_id: UUID, budget: int, batch: int) -> tuple[int, int]:
        considered = changed = 0
        while considered < budget:
            sweep: MatchSweep = self._catalogue.repository.get(sweep_id)
            if sweep.finished:
                return considered, changed
            videos = self.index.videos_published_between(
                sweep.position, sweep.until_position, min(batch, budget - considered)
            )
            if not videos:
                sweep.finish(at=self.clock.now())
                self._catalogue.commit(sweep)
                self._catch_up()
                return considered, changed
            engines, text_title = self._sweep_material(sweep)
            touched: list[Aggregate] = []
            for _position, video_id in videos:
                video: Video = self._catalogue.repository.get(video_id)
                with self._engines_lock:
                    evidence = self._sweep_evidence(video, engines, text_title)
                decisions = self._decide(video, {sweep.title_id: evidence.get(sweep.title_id, [])})
                if any(d is not Decision.IGNORE for d in decisions.values()):
                    touched.append(video)
            sweep.advance(videos[-1][0], considered=len(videos), changed=len(touched))
            self._catalogue.commit(*touched, sweep)
            considered += len(videos)
            changed += len(touched)
        return considered, changed

    def _sweep_material(self, sweep: MatchSweep) -> tuple[list[tuple[MatchingEngine, str]], bool]:
        kind, _, ident = sweep.material.partition(":")
        if kind == "reference":
            return [(engine, ident) for engine in self.engines], False
        return [], True

    def _sweep_evidence(
        self, video: Video, engines: list[tuple[MatchingEngine, str]], text_title: bool
    ) -> dict[UUID, list[SignalEvidence]]:
        fingerprints: dict[str, bytes] = {}
        if engines and video.media_digest is not None:
            try:
                taken: MediaFingerprints = self._catalogue.repository.get(
                    MediaFingerprints.id_for(f"{VIDEO_OWNER}{video.id}")
                )
                fingerprints = taken.fingerprints
            except AggregateNotFoundError:
                fingerprints = {}
        found: dict[UUID, list[SignalEvidence]] = defaultdict(list)
        if text_title:
            for title_id, finding in self._text_evidence(video.caption, video.hashtags).items():
                found[title_id].append(finding)
        for engine, reference_id in engines:
            fingerprint = fingerprints.get(engine.signal)
            if not fingerprint:
                continue
            for candidate in engine.query(fingerprint, limit=CANDIDATES_PER_ENGINE):
                if candidate.reference_id == reference_id:
                    owner = self.index.reference_titles[reference_id]
                    found[owner].append(_media_evidence(engine.signal, candidate))
                    break
        return found

    def _start_sweep(self, title_id: UUID, material: str) -> MatchSweep:
        # The sweep must reach every video published so far, by any process sharing the log.
        self._catch_up()
        return MatchSweep.start(
            title_id=title_id,
            material=material,
            until_position=self.index.last_video_position,
            at=self.clock.now(),
        )

    # Evidence and decisions --------------------------------------------------------------

    def _evidence(
        self, caption: str, hashtags: Sequence[str], fingerprints: Mapping[str, bytes]
    ) -> dict[UUID, list[SignalEvidence]]:
        found: dict[UUID, list[SignalEvidence]] = defaultdict(list)
        for title_id, finding in self._text_evidence(caption, hashtags).items():
            found[title_id].append(finding)
        for engine in self.engines:
            fingerprint = fingerprints.get(engine.signal)
            if not fingerprint:
                continue
            best: dict[UUID, Candidate] = {}
            for candidate in engine.query(fingerprint, limit=CANDIDATES_PER_ENGINE):
                owner = self.index.reference_titles.get(candidate.reference_id)
                if owner is not None and (owner not in best or candidate.score > best[owner].score):
                    best[owner] = candidate
            for title_id, candidate in best.items():
                found[title_id].append(_media_evidence(engine.signal, candidate))
        return found

    def _text_evidence(self, caption: str, hashtags: Sequence[str]) -> dict[UUID, SignalEvidence]:
        return {
            UUID(candidate.title_id): SignalEvidence(
                signal=Signal.TEXT,
                score=min(1.0, candidate.score),
                details=_plain(candidate.evidence),
            )
            for candidate in self.index.text.query(caption, hashtags, limit=CANDIDATES_PER_ENGINE)
        }

    def _decide(
        self, video: Video, evidence: Mapping[UUID, list[SignalEvidence]]
    ) -> dict[UUID, Decision]:
        decisions: dict[UUID, Decision] = {}
        if self.protected(video):
            return decisions  # protected: no program takes it up
        # Strongest first, so that an automatic attach goes to the best-supported title.
        ranked = sorted(
            ((title_id, findings) for title_id, findings in evidence.items() if findings),
            key=lambda item: -max(f.score for f in item[1]),
        )
        for title_id, findings in ranked:
            try:
                title: Title = self._catalogue.repository.get(title_id)
            except AggregateNotFoundError:
                continue
            decision, shown = title.policy.judged(findings, self.engagement_now(video))
            decisions[title_id] = video.apply_decision(
                title_id, decision, shown, at=self.clock.now()
            )
        return decisions

    def engagement_now(self, video: Video) -> Engagement:
        """The figure a title's engagement terms are held to: the audience read model's
        counts (``engagement_of``), or without it the counters the video carries."""
        if self.engagement_of is None:
            return video.engagement
        return self.engagement_of(video.id)

    def protected(self, video: Video) -> bool:
        """Whether the video is out of every program's reach: flagged, restricted or
        removed, a minor's, or excluded by protection."""
        return (
            video.restricted
            or self.protection.is_minor(video.creator_id)
            or self.protection.why_excluded(video.id) is not None
        )

    # Media ------------------------------------------------------------------------------

    def _decode(
        self, media: bytes, *, also: Sequence[PictureSampling] = ()
    ) -> tuple[DecodedMedia, str]:
        if len(media) > self.max_upload_bytes:
            raise MediaTooLarge(len(media), self.max_upload_bytes)
        if not media:
            raise UnreadableMedia("the upload is empty")
        # Engines that look at pictures sampled their own way (``SampledEngine``) get them
        # from the same decoding.
        wanted = [*also, *(e.sampling for e in self.engines if isinstance(e, SampledEngine))]
        decoded = self.decoder.decode(media, also=tuple(dict.fromkeys(wanted)))
        return decoded, hashlib.sha256(media).hexdigest()

    def _fingerprint(self, decoded: DecodedMedia) -> dict[str, bytes]:
        taken: dict[str, bytes] = {}
        for engine in self.engines:
            try:
                fingerprint = engine.fingerprint(decoded)
            except UnreadableMedia:
                continue  # e.g. no audio track: the other signals still count
            if fingerprint:
                taken[engine.signal] = fingerprint
        return taken

    def _describe(self, media: DecodedMedia) -> dict[str, bytes]:
        described: dict[str, bytes] = {}
        for describer in self.describers:
            description = describer.describe(media.view(describer.sampling))
            if description:
                described[describer.signal] = description
        return described

    def _fingerprints_of(
        self, owner: str, digest: str, decoded: DecodedMedia, fingerprints: Mapping[str, bytes]
    ) -> MediaFingerprints:
        versions = {engine.signal: engine.version for engine in self.engines}
        versions.update({describer.signal: describer.version for describer in self.describers})
        return MediaFingerprints.take(
            owner=owner,
            digest=digest,
            duration_seconds=decoded.duration_seconds,
            fingerprints=fingerprints,
            engine_versions={signal: versions[signal] for signal in fingerprints},
        )

    def _owned_title(
        self,
        actor: Principal,
        title_id: UUID,
        *,
        doing: str,
        expected_version: int | None = None,
    ) -> Title:
        require_role(actor, Role.STUDIO, Role.ADMIN, doing=doing)
        title = self._catalogue.load(Title, title_id, expected_version)
        if actor.role is Role.ADMIN:
            return title
        require_role(actor, Role.STUDIO, doing=doing)
        if not owns(actor, Role.STUDIO, title.studio_id):
            raise NotPermitted(f"a studio may only {doing} on its own titles")
        return title

    def title_exists(self, title_id: UUID) -> bool:
        """Whether a title with this id is in the catalogue."""
        try:
            self._catalogue.load(Title, title_id)
        except NotFound:
            return False
        return True


def _media_evidence(signal: str, candidate: Candidate) -> SignalEvidence:
    details = {
        "reference_id": candidate.reference_id,
        "query_start": round(candidate.query_start, 2),
        "reference_start": round(candidate.reference_start, 2),
        **_plain(candidate.evidence),
    }
    return SignalEvidence(
        signal=Signal(signal),
        score=min(1.0, max(0.0, float(candidate.score))),
        matched_seconds=max(0.0, float(candidate.matched_seconds)),
        reference_id=candidate.reference_id,
        details=details,
    )


def _plain(value: Any) -> Any:
    """Evidence goes into stored events: plain JSON values only, and not too many of them."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in list(value)[:EVIDENCE_DETAIL_ITEMS]]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int) or hasattr(value, "__index__"):
        return int(value)
    if isinstance(value, float) or hasattr(value, "__float__"):
        number = float(value)
        return round(number, 4) if math.isfinite(number) else None
    return str(value)
