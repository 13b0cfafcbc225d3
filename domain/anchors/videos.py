"""A creator's published video, its engagement, and its anchor to a title.

The anchor's life: proposed (by the match policy, awaiting a reviewer) -> attached (by a
reviewer, or automatically by the policy) or rejected; an attached anchor can be revoked, and
its creator can dispute it once (a reviewer then revokes it or dismisses the dispute).
A video carries at most one attached anchor. A title that was rejected or revoked for a
video is never proposed for it again by automation: people's decisions stick.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.anchors.engagement import Engagement
from domain.anchors.matching import Decision, SignalEvidence
from domain.categories import checked_category
from domain.errors import InvalidValue, RuleViolated, one_of
from domain.hashtags import normalise_hashtags
from domain.media import StoredBlob
from domain.text import checked_free_text
from domain.time import checked_instant
from domain.trust.moderation import (
    DECISIONS,
    Flag,
    ModerationState,
    checked_policy,
    state_after_flags,
)

MAX_CAPTION = 2_200
MAX_REASON = 1_000
POLICY = "policy:auto"


class AlreadyAnchored(RuleViolated):
    """A video carries at most one anchor; the current one must be revoked first."""


class NotAnchored(RuleViolated):
    """There is no anchor to revoke."""


class NoSuchProposal(RuleViolated):
    """No anchor to that title awaits review on this video."""


class AlreadyProposed(RuleViolated):
    """An anchor to that title already awaits review, or was already decided."""


class NoDispute(RuleViolated):
    """There is no open dispute of this video's anchor."""


class DisputeNotAllowed(RuleViolated):
    """Only an attached anchor can be disputed, once, and not while a dispute is open."""


class VideoRestricted(RuleViolated):
    """The video is flagged, age-restricted or removed: it takes part in no program."""


class MediaAlreadyAttached(RuleViolated):
    """A video's media is recorded once; a new upload is a new video."""


def _evidence(values: Iterable[SignalEvidence]) -> tuple[SignalEvidence, ...]:
    return tuple(values)


@attrs.frozen
class Anchor:
    """The link from a video to a title's portal, who put it there, and on what evidence."""

    title_id: UUID
    attached_by: str
    attached_at: datetime
    note: str
    evidence: tuple[SignalEvidence, ...] = attrs.field(default=(), converter=_evidence)


@attrs.frozen
class Proposal:
    """An anchor the match policy suggests, waiting for a reviewer."""

    title_id: UUID
    evidence: tuple[SignalEvidence, ...] = attrs.field(converter=_evidence)
    proposed_at: datetime


@attrs.frozen
class Dispute:
    """The creator's objection to the anchor on their video, waiting for a reviewer."""

    title_id: UUID
    disputed_by: str
    reason: str
    disputed_at: datetime


def _checked_reason(reason: str, what: str) -> str:
    stripped = checked_free_text(reason, f"the reason for {what}").strip()
    if not stripped:
        raise InvalidValue(f"{what} needs a reason")
    if len(stripped) > MAX_REASON:
        raise InvalidValue(f"{what} reason is longer than {MAX_REASON} characters")
    return stripped


class Video(DomainAggregate):
    TOPIC = "spotlight.videos:Video"

    class Published(Aggregate.Created):
        TOPIC = "spotlight.videos:VideoPublished"
        creator_id: str
        caption: str
        hashtags: tuple[str, ...]
        category: str
        published_at: datetime

    class MediaAttached(Aggregate.Event):
        TOPIC = "spotlight.videos:MediaAttached"
        digest: str
        duration_seconds: float
        attached_at: datetime

    class MediaStored(Aggregate.Event):
        """The upload's bytes were kept in the media store (to be played back)."""

        TOPIC = "spotlight.videos:MediaStored"
        address: str
        size: int
        content_type: str
        stored_at: datetime

    class EngagementRecorded(Aggregate.Event):
        TOPIC = "spotlight.videos:EngagementRecorded"
        added: Engagement
        recorded_at: datetime

    class AnchorProposed(Aggregate.Event):
        TOPIC = "spotlight.videos:AnchorProposed"
        title_id: UUID
        evidence: tuple[SignalEvidence, ...]
        proposed_at: datetime

    class AnchorAttached(Aggregate.Event):
        TOPIC = "spotlight.videos:AnchorAttached"
        # v2 added the evidence the decision rested on (none for v1's manual anchors).
        class_version = 2
        title_id: UUID
        attached_by: str
        attached_at: datetime
        note: str
        evidence: tuple[SignalEvidence, ...]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["evidence"] = []

    class AnchorRejected(Aggregate.Event):
        TOPIC = "spotlight.videos:AnchorRejected"
        title_id: UUID
        rejected_by: str
        rejected_at: datetime
        reason: str

    class AnchorRevoked(Aggregate.Event):
        TOPIC = "spotlight.videos:AnchorRevoked"
        title_id: UUID
        revoked_by: str
        revoked_at: datetime
        reason: str

    class AnchorDisputed(Aggregate.Event):
        TOPIC = "spotlight.videos:AnchorDisputed"
        title_id: UUID
        disputed_by: str
        disputed_at: datetime
        reason: str

    class ModerationFlagged(Aggregate.Event):
        TOPIC = "spotlight.videos:ModerationFlagged"
        flags: tuple[Flag, ...]
        classifier: str  # the classifier's version
        flagged_at: datetime

    class ModerationDecided(Aggregate.Event):
        TOPIC = "spotlight.videos:ModerationDecided"
        state: str  # clear, age-restricted or removed
        reason: str
        policy: str
        decided_by: str
        decided_at: datetime

    class AnchorClaimed(Aggregate.Event):
        """A studio asked by hand for the video to carry its title's anchor; the title's
        policy then attached it or sent it to review (the events that follow)."""

        TOPIC = "spotlight.videos:AnchorClaimed"
        title_id: UUID
        claimed_by: str
        claimed_at: datetime
        note: str

    class AnchorRejudged(Aggregate.Event):
        """A waiting proposal was judged again because the video's engagement grew, and the
        title's policy now decides otherwise (the attach that follows carries it out)."""

        TOPIC = "spotlight.videos:AnchorRejudged"
        title_id: UUID
        decision: str
        reason: str
        evidence: tuple[SignalEvidence, ...]
        rejudged_at: datetime

    class AnchorDisputeDismissed(Aggregate.Event):
        TOPIC = "spotlight.videos:AnchorDisputeDismissed"
        title_id: UUID
        dismissed_by: str
        dismissed_at: datetime
        reason: str

    @classmethod
    def publish(
        cls,
        video_id: UUID,
        *,
        creator_id: str,
        caption: str,
        hashtags: tuple[str, ...] | list[str],
        category: str,
        at: datetime,
    ) -> Video:
        if not creator_id:
            raise InvalidValue("a video has a creator")
        if len(caption) > MAX_CAPTION:
            raise InvalidValue(f"a caption holds at most {MAX_CAPTION} characters")
        return cls(
            id=video_id,
            creator_id=creator_id,
            caption=checked_free_text(caption, "a caption").strip(),
            hashtags=normalise_hashtags(hashtags),
            category=checked_category(category),
            published_at=checked_instant(at),
        )

    @event(Published)
    def __init__(
        self,
        id: UUID,
        creator_id: str,
        caption: str,
        hashtags: tuple[str, ...],
        category: str,
        published_at: datetime,
    ) -> None:
        self.creator_id = creator_id
        self.caption = caption
        self.hashtags = tuple(hashtags)
        self.category = category
        self.published_at = published_at
        self.engagement = Engagement()
        self.media_digest: str | None = None
        self.duration_seconds: float | None = None
        self.stored_media: StoredBlob | None = None
        self.anchor: Anchor | None = None
        self.proposals: dict[UUID, Proposal] = {}
        self.declined_titles: set[UUID] = set()
        self.dispute: Dispute | None = None
        self.dispute_settled = False  # the current anchor's dispute was dismissed
        self.moderation = ModerationState.UNREVIEWED
        self.flags: tuple[Flag, ...] = ()

    def is_created_by(self, creator_id: str) -> bool:
        return self.creator_id == creator_id

    # Media and engagement ---------------------------------------------------------------

    def attach_media(self, *, digest: str, duration_seconds: float, at: datetime) -> None:
        if self.media_digest is not None:
            raise MediaAlreadyAttached(f"video {self.id} already has its media")
        if duration_seconds <= 0:
            raise InvalidValue("a video must last longer than zero seconds")
        self._media_attached(
            digest=digest, duration_seconds=duration_seconds, attached_at=checked_instant(at)
        )

    @event(MediaAttached)
    def _media_attached(self, digest: str, duration_seconds: float, attached_at: datetime) -> None:
        self.media_digest = digest
        self.duration_seconds = duration_seconds

    def store_media(self, blob: StoredBlob, *, at: datetime) -> None:
        """Record where the media's bytes are kept (once: the upload does not change)."""
        if self.stored_media is not None:
            raise MediaAlreadyAttached(f"video {self.id} already has its media stored")
        self._media_stored(**blob.recorded(self.media_digest, at))

    @event(MediaStored)
    def _media_stored(
        self, address: str, size: int, content_type: str, stored_at: datetime
    ) -> None:
        self.stored_media = StoredBlob(address=address, size=size, content_type=content_type)

    def record_engagement(self, added: Engagement, *, at: datetime) -> None:
        if added.is_empty:
            raise InvalidValue("an engagement update must add something")
        self._engagement_recorded(added=added, recorded_at=checked_instant(at))

    @event(EngagementRecorded)
    def _engagement_recorded(self, added: Engagement, recorded_at: datetime) -> None:
        self.engagement = self.engagement + added

    # Anchors ----------------------------------------------------------------------------

    @property
    def restricted(self) -> bool:
        """Flagged, age-restricted or removed: kept out of anchors, tags, Pulse, campaigns."""
        return ModerationState(self.moderation).restricts

    def may_be_proposed(self, title_id: UUID) -> bool:
        """Whether automation may still suggest this title for this video."""
        return (
            not self.restricted
            and title_id not in self.declined_titles
            and title_id not in self.proposals
            and (self.anchor is None or self.anchor.title_id != title_id)
        )

    def apply_decision(
        self,
        title_id: UUID,
        decision: Decision,
        evidence: tuple[SignalEvidence, ...] | list[SignalEvidence],
        *,
        at: datetime,
    ) -> Decision:
        """Carry out the match policy's decision; answer what actually happened.

        An automatic attach on a video already anchored elsewhere goes to review instead:
        only a person replaces one title by another.
        """
        if decision is Decision.IGNORE or not self.may_be_proposed(title_id):
            return Decision.IGNORE
        if decision is Decision.ATTACH and self.anchor is None:
            self.attach_anchor(title_id, by=POLICY, at=at, evidence=evidence)
            return Decision.ATTACH
        self.propose_anchor(title_id, evidence, at=at)
        return Decision.REVIEW

    def rejudge_proposal(
        self,
        title_id: UUID,
        decision: Decision,
        evidence: tuple[SignalEvidence, ...] | list[SignalEvidence],
        *,
        reason: str,
        at: datetime,
    ) -> Decision:
        """Carry out the policy's new decision on a waiting proposal, judged again on the
        video's engagement now; answer what changed. Only a proposal that may now attach
        changes (recorded with the reason, then attached by the policy); a proposal still
        for review keeps waiting, and a video anchored, restricted or without the proposal
        is left as it is: judging again twice changes nothing the second time."""
        if (
            decision is not Decision.ATTACH
            or title_id not in self.proposals
            or self.anchor is not None
            or self.restricted
        ):
            return Decision.IGNORE
        at = checked_instant(at)
        self._anchor_rejudged(
            title_id=title_id,
            decision=str(decision.value),
            reason=_checked_reason(reason, "judging an anchor again"),
            evidence=tuple(evidence),
            rejudged_at=at,
        )
        self.attach_anchor(title_id, by=POLICY, at=at, note=reason, evidence=evidence)
        return Decision.ATTACH

    @event(AnchorRejudged)
    def _anchor_rejudged(
        self,
        title_id: UUID,
        decision: str,
        reason: str,
        evidence: tuple[SignalEvidence, ...],
        rejudged_at: datetime,
    ) -> None:
        # The judgement itself changes nothing: the attach that follows does.
        pass

    def propose_anchor(
        self,
        title_id: UUID,
        evidence: tuple[SignalEvidence, ...] | list[SignalEvidence],
        *,
        at: datetime,
    ) -> None:
        if self.restricted:
            raise VideoRestricted(f"video {self.id} is restricted: it gets no anchor")
        if not self.may_be_proposed(title_id):
            raise AlreadyProposed(f"title {title_id} was already proposed or decided for video")
        if not evidence:
            raise InvalidValue("a proposal rests on evidence")
        self._anchor_proposed(
            title_id=title_id, evidence=tuple(evidence), proposed_at=checked_instant(at)
        )

    @event(AnchorProposed)
    def _anchor_proposed(
        self, title_id: UUID, evidence: tuple[SignalEvidence, ...], proposed_at: datetime
    ) -> None:
        self.proposals[title_id] = Proposal(
            title_id=title_id, evidence=evidence, proposed_at=proposed_at
        )

    def claim_anchor(
        self,
        title_id: UUID,
        decision: Decision,
        evidence: tuple[SignalEvidence, ...] | list[SignalEvidence],
        *,
        by: str,
        note: str,
        at: datetime,
    ) -> Decision:
        """A studio's claim for its title, carried out as the title's policy decided on the
        evidence: attached (naming the studio) or sent to review (a proposal waiting already
        keeps waiting); never onto a restricted video, over an anchor, whichever title it is
        to, or for a title declined for the video."""
        if self.restricted:
            raise VideoRestricted(
                f"video {self.id} is {ModerationState(self.moderation).value}: it gets no anchor"
            )
        if self.anchor is not None:
            where = "this title" if self.anchor.title_id == title_id else "another title"
            raise AlreadyAnchored(
                f"video {self.id} is already anchored to {where} ({self.anchor.title_id}); "
                "only a reviewer moves an anchor"
            )
        if title_id in self.declined_titles:
            raise AlreadyProposed(f"an anchor to title {title_id} was already declined")
        if len(note) > MAX_REASON:
            raise InvalidValue(f"a claim's note holds at most {MAX_REASON} characters")
        at = checked_instant(at)
        self._anchor_claimed(
            title_id=title_id,
            claimed_by=by,
            claimed_at=at,
            note=checked_free_text(note, "a claim's note").strip(),
        )
        if decision is Decision.ATTACH:
            self.attach_anchor(title_id, by=by, at=at, note=note, evidence=evidence)
            return Decision.ATTACH
        if title_id not in self.proposals:
            self.propose_anchor(title_id, evidence, at=at)
        # A proposal waiting already keeps waiting: the claim is on record for the reviewer.
        return Decision.REVIEW

    @event(AnchorClaimed)
    def _anchor_claimed(
        self, title_id: UUID, claimed_by: str, claimed_at: datetime, note: str
    ) -> None:
        # The claim itself changes nothing: the attach or proposal that follows does.
        pass

    def attach_anchor(
        self,
        title_id: UUID,
        *,
        by: str,
        at: datetime,
        note: str = "",
        evidence: tuple[SignalEvidence, ...] | list[SignalEvidence] = (),
    ) -> None:
        if self.restricted:
            raise VideoRestricted(
                f"video {self.id} is {ModerationState(self.moderation).value}: it gets no anchor"
            )
        if self.anchor is not None:
            raise AlreadyAnchored(
                f"video {self.id} is already anchored to title {self.anchor.title_id}"
            )
        if len(note) > MAX_REASON:
            raise InvalidValue(f"an anchor note holds at most {MAX_REASON} characters")
        proposal = self.proposals.get(title_id)
        self._anchor_attached(
            title_id=title_id,
            attached_by=by,
            attached_at=checked_instant(at),
            note=checked_free_text(note, "an anchor note").strip(),
            evidence=tuple(evidence) or (proposal.evidence if proposal else ()),
        )

    @event(AnchorAttached)
    def _anchor_attached(
        self,
        title_id: UUID,
        attached_by: str,
        attached_at: datetime,
        note: str,
        evidence: tuple[SignalEvidence, ...],
    ) -> None:
        self.anchor = Anchor(
            title_id=title_id,
            attached_by=attached_by,
            attached_at=attached_at,
            note=note,
            evidence=evidence,
        )
        # An attached anchor settles the video: other suggestions are moot.
        self.proposals.clear()
        self.dispute = None
        self.dispute_settled = False

    def reject_anchor(self, title_id: UUID, *, by: str, reason: str, at: datetime) -> None:
        if title_id not in self.proposals:
            raise NoSuchProposal(f"no anchor to title {title_id} awaits review on {self.id}")
        self._anchor_rejected(
            title_id=title_id,
            rejected_by=by,
            rejected_at=checked_instant(at),
            reason=_checked_reason(reason, "rejecting an anchor"),
        )

    @event(AnchorRejected)
    def _anchor_rejected(
        self, title_id: UUID, rejected_by: str, rejected_at: datetime, reason: str
    ) -> None:
        del self.proposals[title_id]
        self.declined_titles.add(title_id)

    def revoke_anchor(self, *, by: str, reason: str, at: datetime) -> None:
        if self.anchor is None:
            raise NotAnchored(f"video {self.id} has no anchor to revoke")
        self._anchor_revoked(
            title_id=self.anchor.title_id,
            revoked_by=by,
            revoked_at=checked_instant(at),
            reason=_checked_reason(reason, "revoking an anchor"),
        )

    @event(AnchorRevoked)
    def _anchor_revoked(
        self, title_id: UUID, revoked_by: str, revoked_at: datetime, reason: str
    ) -> None:
        self.anchor = None
        self.dispute = None
        self.declined_titles.add(title_id)

    # Moderation ---------------------------------------------------------------------------

    def flag(self, flags: Iterable[Flag], *, classifier: str, at: datetime) -> bool:
        """A classifier's findings; a flag asking for restriction restricts the video until
        a reviewer decides (its anchor, if any, is withdrawn). False when nothing was found."""
        found = tuple(flags)
        if not found:
            return False
        becomes = state_after_flags(self.moderation, found)
        if becomes is not ModerationState(self.moderation) and self.anchor is not None:
            self._withdraw_anchor(f"flagged for review: {_labels(found)}", at)
        self._moderation_flagged(flags=found, classifier=classifier, flagged_at=checked_instant(at))
        return True

    def moderate(
        self, state: ModerationState | str, *, reason: str, policy: str, by: str, at: datetime
    ) -> None:
        """A reviewer's decision: clear, age-restricted or removed, with the reason and the
        policy applied. Restricting or removing withdraws the anchor in the same breath."""
        decided = one_of(ModerationState, state, "moderation state")
        if decided not in DECISIONS:
            raise InvalidValue(f"a reviewer decides one of {', '.join(d.value for d in DECISIONS)}")
        if ModerationState(self.moderation) is ModerationState.REMOVED:
            raise RuleViolated(
                f"video {self.id} was removed; only an appeal overturned restores it"
            )
        why = _checked_reason(reason, "a moderation decision")
        if decided.restricts and self.anchor is not None:
            self._withdraw_anchor(f"{decided.value}: {why}", at)
        self._moderation_decided(
            state=decided.value,
            reason=why,
            policy=checked_policy(policy),
            decided_by=by,
            decided_at=checked_instant(at),
        )

    def restore(self, *, reason: str, policy: str, by: str, at: datetime) -> None:
        """A removal overturned on appeal: the one way back from a removal. Recorded as the
        moderation decision it is (clear, with the appeal's reason and policy), so everything
        that follows moderation serves the video again; the anchor and the product tags the
        removal withdrew stay withdrawn (the creator asks again)."""
        if ModerationState(self.moderation) is not ModerationState.REMOVED:
            raise RuleViolated(f"video {self.id} is not removed: there is nothing to restore")
        self._moderation_decided(
            state=ModerationState.CLEAR.value,
            reason=_checked_reason(reason, "restoring a removed video"),
            policy=checked_policy(policy),
            decided_by=by,
            decided_at=checked_instant(at),
        )

    def _withdraw_anchor(self, reason: str, at: datetime) -> None:
        assert self.anchor is not None
        self._anchor_revoked(
            title_id=self.anchor.title_id,
            revoked_by="moderation",
            revoked_at=checked_instant(at),
            reason=reason[:MAX_REASON],
        )

    @event(ModerationFlagged)
    def _moderation_flagged(
        self, flags: tuple[Flag, ...], classifier: str, flagged_at: datetime
    ) -> None:
        self.flags = tuple(flags)
        self.moderation = state_after_flags(self.moderation, self.flags)

    @event(ModerationDecided)
    def _moderation_decided(
        self, state: str, reason: str, policy: str, decided_by: str, decided_at: datetime
    ) -> None:
        self.moderation = ModerationState(state)
        if self.moderation.restricts:
            self.proposals.clear()

    # Disputes: the creator objects, a reviewer revokes the anchor or dismisses the dispute.

    def dispute_anchor(self, *, by: str, reason: str, at: datetime) -> None:
        if self.anchor is None:
            raise DisputeNotAllowed(f"video {self.id} has no anchor to dispute")
        if self.dispute is not None:
            raise DisputeNotAllowed("this anchor's dispute is already waiting for a reviewer")
        if self.dispute_settled:
            raise DisputeNotAllowed("this anchor was disputed before and the dispute dismissed")
        self._anchor_disputed(
            title_id=self.anchor.title_id,
            disputed_by=by,
            disputed_at=checked_instant(at),
            reason=_checked_reason(reason, "disputing an anchor"),
        )

    @event(AnchorDisputed)
    def _anchor_disputed(
        self, title_id: UUID, disputed_by: str, disputed_at: datetime, reason: str
    ) -> None:
        self.dispute = Dispute(
            title_id=title_id, disputed_by=disputed_by, reason=reason, disputed_at=disputed_at
        )

    def dismiss_dispute(self, *, by: str, reason: str, at: datetime) -> None:
        if self.dispute is None:
            raise NoDispute(f"no dispute of video {self.id}'s anchor is open")
        self._anchor_dispute_dismissed(
            title_id=self.dispute.title_id,
            dismissed_by=by,
            dismissed_at=checked_instant(at),
            reason=_checked_reason(reason, "dismissing a dispute"),
        )

    @event(AnchorDisputeDismissed)
    def _anchor_dispute_dismissed(
        self, title_id: UUID, dismissed_by: str, dismissed_at: datetime, reason: str
    ) -> None:
        self.dispute = None
        self.dispute_settled = True


def _labels(flags: Iterable[Flag]) -> str:
    return ", ".join(sorted({f.label for f in flags}))
