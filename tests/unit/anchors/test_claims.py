"""A studio claims a fan video for its title by hand: the claim is recorded naming the studio,
then carried out as the title's policy decided (attached, or sent to review); a restricted
video, one anchored already and a title declined or proposed before are refused."""

from __future__ import annotations

import pytest

from domain.anchors.matching import Decision, MatchPolicy, Signal, SignalEvidence
from domain.anchors.videos import AlreadyAnchored, AlreadyProposed, Video, VideoRestricted
from tests.unit.anchors.test_videos import BARBIE_ID, DUNE_ID, LATER, publish_clip

STUDIO = "studio:legendary"
CLAIM = SignalEvidence(signal=Signal.CLAIM, score=1.0, details={"claimed_by": STUDIO})


def claimed(video: Video, decision: Decision) -> Decision:
    return video.claim_anchor(DUNE_ID, decision, [CLAIM], by=STUDIO, note="our trailer", at=LATER)


def test_a_claim_the_policy_attaches_names_the_studio_on_the_anchor() -> None:
    clip = publish_clip()

    assert claimed(clip, Decision.ATTACH) is Decision.ATTACH

    assert clip.anchor is not None
    assert (clip.anchor.title_id, clip.anchor.attached_by) == (DUNE_ID, STUDIO)
    claim, attached = clip.collect_events()[1:]
    assert isinstance(claim, Video.AnchorClaimed)
    assert (claim.claimed_by, claim.note) == (STUDIO, "our trailer")
    assert isinstance(attached, Video.AnchorAttached)
    assert attached.evidence == (CLAIM,)


def test_a_claim_the_policy_does_not_attach_waits_for_a_reviewer() -> None:
    clip = publish_clip()

    assert claimed(clip, Decision.REVIEW) is Decision.REVIEW

    assert clip.anchor is None
    assert clip.proposals[DUNE_ID].evidence == (CLAIM,)
    # Claimed again, it keeps waiting, with both claims on record.
    assert claimed(clip, Decision.REVIEW) is Decision.REVIEW
    assert [type(e) for e in clip.collect_events()[1:]] == [
        Video.AnchorClaimed,
        Video.AnchorProposed,
        Video.AnchorClaimed,
    ]
    clip.reject_anchor(DUNE_ID, by="reviewer:rosa", reason="not Dune", at=LATER)
    with pytest.raises(AlreadyProposed, match="declined"):
        claimed(clip, Decision.ATTACH)


def test_a_video_anchored_elsewhere_or_removed_is_refused_with_the_reason() -> None:
    elsewhere = publish_clip()
    elsewhere.attach_anchor(BARBIE_ID, by="reviewer:rosa", at=LATER)
    removed = publish_clip()
    removed.moderate("removed", reason="spam", policy="p1", by="reviewer:rosa", at=LATER)

    with pytest.raises(AlreadyAnchored, match="another title"):
        claimed(elsewhere, Decision.ATTACH)
    with pytest.raises(VideoRestricted, match="removed"):
        claimed(removed, Decision.ATTACH)
    assert removed.proposals == {}


def test_the_policy_scores_the_engines_evidence_and_only_shows_the_claim() -> None:
    policy = MatchPolicy()

    assert policy.decide([CLAIM]) is Decision.IGNORE
    strong_audio = SignalEvidence(signal=Signal.AUDIO, score=0.9, matched_seconds=10.0)
    assert policy.decide([CLAIM, strong_audio]) is Decision.ATTACH
