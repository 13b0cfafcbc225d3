"""Judging waiting matches again when their video's engagement grows.

A title's policy may require engagement (``EngagementRule``: below its minimums a match that
would attach waits for a reviewer) or favour it (``EngagementBonus``: from its threshold the
signals' scores are raised). Either way, a match judged while the video was quiet may be
decided otherwise once it is seen and liked. The watch (``EngagementWatch``) reads the
catalogue's engagement events in log order; for the videos they count that have a proposal
waiting (the review queue's rows), the proposal's evidence is judged again by its title's
policy on the video's engagement now (the audience read model's, the figure every judgement
uses). A proposal the policy now attaches is recorded as ``AnchorRejudged`` with the reason
and attached by the policy; one still for review keeps waiting, with nothing recorded. The
watch's position is saved in the same transaction as the decisions, so each engagement event
is considered once; judging a video again changes nothing the second time.

What is not covered: a match ignored outright (below every review score) was never recorded,
so there is no evidence to judge again; the next sweep of its title's material finds it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Notification

from application.anchors.engagement_reading import added_by_video, read_engagement_batch
from application.anchors.review_queue import ReviewQueueProjection
from application.background import BackgroundPass
from application.errors import StaleVersion
from application.logs import CatalogueLog
from application.ports import Clock
from application.projections import ProjectionRunner
from domain.anchors.audience import EngagementBatch
from domain.anchors.engagement import Engagement
from domain.anchors.engagement_watch import WATCH_ID, EngagementWatch
from domain.anchors.matching import Decision, MatchPolicy
from domain.anchors.titles import Title
from domain.anchors.videos import Video

#: The engagement events the watch reads.
TOPICS = (EngagementBatch.Recorded.TOPIC, Video.EngagementRecorded.TOPIC)
#: Engagement events read at most in one run (a batch counts up to thousands of videos).
EVENTS_PER_RUN = 200


@attrs.frozen
class RejudgeReport:
    events: int  # engagement events read
    videos: int  # videos whose engagement grew in them
    rejudged: int  # waiting matches the policy now attached
    position: int  # the watch's position after the run


class Judging(Protocol):
    """What the re-judging needs of the anchors' use cases."""

    def catch_up(self) -> None: ...

    def engagement_now(self, video: Video) -> Engagement: ...

    def protected(self, video: Video) -> bool: ...


def rejudge_reason(engagement: Engagement, policy: MatchPolicy) -> str:
    """Why a waiting match was judged again and attached: the figure and the policy's terms."""
    terms = [
        part.describe() for part in (policy.engagement, policy.engagement_bonus) if part is not None
    ]
    return (
        f"judged again as the video's engagement grew to {engagement.views} views and "
        f"{engagement.likes} likes; the title's policy {'; '.join(terms)}"
    )


class EngagementRejudging:
    def __init__(
        self,
        catalogue: CatalogueLog,
        *,
        judging: Judging,
        review: ReviewQueueProjection,
        projections: ProjectionRunner,
        clock: Clock,
    ) -> None:
        self._catalogue = catalogue
        self.judging = judging
        self.review = review
        self.projections = projections
        self.clock = clock

    def background_pass(self) -> BackgroundPass:
        """The background pass that judges waiting matches again as their videos' engagement
        grows (titles whose policy requires or favours engagement)."""

        def run() -> str | None:
            report = self.run()
            if not report.events:
                return None
            return (
                f"{report.events} engagement events, {report.videos} videos, "
                f"{report.rejudged} matches attached"
            )

        return BackgroundPass("engagement re-judging", run, "engagement re-judging pass failed")

    def run(self, *, max_events: int = EVENTS_PER_RUN) -> RejudgeReport:
        """Read up to ``max_events`` engagement events after the watch's position and judge
        again the waiting matches on the videos they count; safe to call from any worker
        (a worker that lost the race saves nothing and reports nothing)."""
        watch = self._catalogue.find(EngagementWatch, WATCH_ID)
        if watch is None:
            watch = EngagementWatch.start(at=self.clock.now())
        end = self._catalogue.recorder.max_notification_id() or 0
        notifications = self._catalogue.recorder.select_notifications(
            start=watch.position,
            limit=max_events,
            stop=end,
            topics=TOPICS,
            inclusive_of_start=False,
        )
        if not notifications:
            return RejudgeReport(0, 0, 0, watch.position)
        grown = self._grown(self._decoded(n) for n in notifications)
        self.judging.catch_up()
        attached = self._rejudge(grown)
        watch.advance(notifications[-1].id, videos=len(grown), rejudged=len(attached))
        try:
            self._catalogue.commit(*attached, watch)
        except StaleVersion:
            return RejudgeReport(0, 0, 0, watch.position)
        self.judging.catch_up()
        return RejudgeReport(len(notifications), len(grown), len(attached), watch.position)

    def run_to_end(self) -> RejudgeReport:
        """Run until the watch has read every engagement event recorded before the call."""
        target = self._catalogue.recorder.max_notification_id() or 0
        events = videos = rejudged = 0
        while True:
            report = self.run()
            events += report.events
            videos += report.videos
            rejudged += report.rejudged
            if not report.events or report.position >= target:
                return RejudgeReport(events, videos, rejudged, report.position)

    def _decoded(self, notification: Notification) -> Any:
        """The event, an engagement batch as its sums (``read_engagement_batch``) where the
        stored state can be read so, without building its thousand counts."""
        mapper = self._catalogue.mapper
        if (
            notification.topic == EngagementBatch.Recorded.TOPIC
            and mapper.cipher is None
            and mapper.compressor is None
        ):
            sums = read_engagement_batch(
                notification.state, notification.originator_id, mapper.transcoder
            )
            if sums is not None:
                return sums
        return mapper.to_domain_event(notification)

    @staticmethod
    def _grown(events: Iterable[Any]) -> dict[UUID, None]:
        """The videos whose engagement the events add to, in the order first named."""
        grown: dict[UUID, None] = {}
        for domain_event in events:
            if isinstance(domain_event, Video.EngagementRecorded):
                grown[domain_event.originator_id] = None
            else:
                grown.update(dict.fromkeys(added_by_video(domain_event)))
        return grown

    def _rejudge(self, grown: dict[UUID, None]) -> list[Video]:
        """The videos whose waiting match the policy now attaches, attached."""
        self.projections.catch_up(self.review.name)
        generation = self.projections.active(self.review.name)
        waiting: dict[UUID, list[UUID]] = defaultdict(list)
        for video_id, title_id in self.review.proposals_of(generation, grown):
            waiting[video_id].append(title_id)
        policies = _Policies(self._catalogue)
        attached: list[Video] = []
        for video_id, title_ids in waiting.items():
            favouring = [t for t in title_ids if policies.favours_engagement(t)]
            if not favouring:
                continue
            video: Video = self._catalogue.repository.get(video_id)
            if video.anchor is not None or self.judging.protected(video):
                continue
            engagement = self.judging.engagement_now(video)
            # Strongest evidence first, as a match is decided at publication.
            for title_id in sorted(favouring, key=_strongest(video)):
                proposal = video.proposals.get(title_id)
                if proposal is None:
                    continue
                policy = policies.of(title_id)
                decision, shown = policy.judged(proposal.evidence, engagement)
                done = video.rejudge_proposal(
                    title_id,
                    decision,
                    shown,
                    reason=rejudge_reason(engagement, policy),
                    at=self.clock.now(),
                )
                if done is Decision.ATTACH:
                    attached.append(video)
                    break
        return attached


def _strongest(video: Video) -> Callable[[UUID], float]:
    def key(title_id: UUID) -> float:
        proposal = video.proposals.get(title_id)
        scores = [f.score for f in proposal.evidence] if proposal is not None else []
        return -max(scores, default=0.0)

    return key


class _Policies:
    """The titles' policies, each loaded once in a run."""

    def __init__(self, catalogue: CatalogueLog) -> None:
        self._catalogue = catalogue
        self._known: dict[UUID, MatchPolicy | None] = {}

    def _load(self, title_id: UUID) -> MatchPolicy | None:
        if title_id not in self._known:
            try:
                title: Title = self._catalogue.repository.get(title_id)
                self._known[title_id] = title.policy
            except AggregateNotFoundError:
                self._known[title_id] = None
        return self._known[title_id]

    def favours_engagement(self, title_id: UUID) -> bool:
        policy = self._load(title_id)
        return policy is not None and policy.favours_engagement()

    def of(self, title_id: UUID) -> MatchPolicy:
        policy = self._load(title_id)
        if policy is None:
            raise AggregateNotFoundError(title_id)
        return policy
