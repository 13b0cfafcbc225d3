"""A studio supplies reference clips and words; the policy proposes anchors; people decide."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Notification

from application.auth import Principal, Role
from domain.anchors.matching import Decision, Signal, SignalEvidence, TimeRange
from domain.anchors.portal import Portal
from domain.anchors.titles import (
    MAX_EXCLUSIONS,
    DuplicateReference,
    Title,
    TitleKind,
    UnknownReference,
)
from domain.anchors.videos import (
    POLICY,
    AlreadyProposed,
    MediaAlreadyAttached,
    NoSuchProposal,
    Video,
)
from domain.errors import InvalidValue
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver

DUNE_ID = UUID("00000000-0000-0000-0000-00000000d00e")
BARBIE_ID = UUID("00000000-0000-0000-0000-0000000ba4b1")
CLIP_ID = UUID("00000000-0000-0000-0000-0000000c11f0")
TRAILER_ID = UUID("00000000-0000-0000-0000-00000000f001")
TEASER_ID = UUID("00000000-0000-0000-0000-00000000f002")
PREMIERE = datetime(2024, 2, 28, 19, 30, tzinfo=UTC)
POSTED = PREMIERE + timedelta(days=2)
LATER = POSTED + timedelta(hours=6)
STUDIO = "studio:legendary"
REVIEWER = "reviewer:rosa"

SPICE_HEARD = SignalEvidence(
    signal=Signal.AUDIO, score=0.62, matched_seconds=8.0, reference_id=str(TRAILER_ID)
)
DUNE_READ = SignalEvidence(signal=Signal.TEXT, score=0.9, details={"hashtags": ["dune"]})


def register_dune() -> Title:
    return Title.register(
        DUNE_ID,
        studio_id="legendary",
        name="Dune: Part Two",
        kind=TitleKind.MOVIE,
        portal=Portal(),
        at=PREMIERE,
    )


def dune_with_trailer() -> Title:
    dune = register_dune()
    dune.add_reference(
        TRAILER_ID,
        label="Official trailer",
        digest="sha256:trailer",
        duration_seconds=150.0,
        excluded=[TimeRange(start=0.0, end=5.0)],
        by=STUDIO,
        at=PREMIERE,
    )
    return dune


def publish_clip() -> Video:
    return Video.publish(
        CLIP_ID,
        creator_id="mia",
        caption="Sandworm riding tutorial",
        hashtags=["#Dune"],
        category="film-and-tv",
        at=POSTED,
    )


# Reference clips ------------------------------------------------------------------------------


def test_a_studio_adds_a_reference_clip_with_its_exclusions() -> None:
    dune = dune_with_trailer()

    trailer = dune.references[TRAILER_ID]
    assert trailer.label == "Official trailer"
    assert trailer.duration_seconds == 150.0
    assert trailer.excluded == (TimeRange(start=0.0, end=5.0),)
    assert type(dune.collect_events()[-1]) is Title.ReferenceAdded


def test_exclusions_are_kept_in_order_of_time() -> None:
    dune = register_dune()

    reference = dune.add_reference(
        TRAILER_ID,
        label="Trailer",
        digest="sha256:trailer",
        duration_seconds=150.0,
        excluded=[TimeRange(start=140.0, end=150.0), TimeRange(start=0.0, end=5.0)],
        by=STUDIO,
        at=PREMIERE,
    )

    assert reference.excluded == (TimeRange(start=0.0, end=5.0), TimeRange(start=140.0, end=150.0))


def test_the_same_reference_id_cannot_be_added_twice() -> None:
    dune = dune_with_trailer()

    with pytest.raises(DuplicateReference, match="already on this title"):
        dune.add_reference(
            TRAILER_ID,
            label="Trailer again",
            digest="sha256:other",
            duration_seconds=90.0,
            by=STUDIO,
            at=PREMIERE,
        )


def test_the_same_media_cannot_be_a_reference_twice_under_another_id() -> None:
    dune = dune_with_trailer()

    with pytest.raises(DuplicateReference, match="exact media"):
        dune.add_reference(
            TEASER_ID,
            label="Teaser",
            digest="sha256:trailer",
            duration_seconds=150.0,
            by=STUDIO,
            at=PREMIERE,
        )
    assert set(dune.references) == {TRAILER_ID}


@pytest.mark.parametrize("duration", [0.0, -3.0])
def test_a_reference_clip_must_last_longer_than_zero_seconds(duration: float) -> None:
    with pytest.raises(InvalidValue, match="longer than zero seconds"):
        register_dune().add_reference(
            TEASER_ID,
            label="Teaser",
            digest="sha256:teaser",
            duration_seconds=duration,
            by=STUDIO,
            at=PREMIERE,
        )


@pytest.mark.parametrize("start", [30.0, 45.0])
def test_an_exclusion_cannot_start_at_or_after_the_end_of_the_clip(start: float) -> None:
    with pytest.raises(InvalidValue, match="starts after the reference ends"):
        register_dune().add_reference(
            TEASER_ID,
            label="Teaser",
            digest="sha256:teaser",
            duration_seconds=30.0,
            excluded=[TimeRange(start=start, end=start + 5.0)],
            by=STUDIO,
            at=PREMIERE,
        )


def test_an_exclusion_may_run_past_the_end_of_the_clip() -> None:
    reference = register_dune().add_reference(
        TEASER_ID,
        label="Teaser",
        digest="sha256:teaser",
        duration_seconds=30.0,
        excluded=[TimeRange(start=25.0, end=40.0)],
        by=STUDIO,
        at=PREMIERE,
    )

    assert reference.excluded == (TimeRange(start=25.0, end=40.0),)


def one_second_exclusions(count: int) -> list[TimeRange]:
    return [TimeRange(start=float(n), end=n + 0.5) for n in range(count)]


def test_a_reference_holds_at_most_the_maximum_number_of_exclusions() -> None:
    dune = register_dune()
    most = dune.add_reference(
        TEASER_ID,
        label="Teaser",
        digest="sha256:teaser",
        duration_seconds=1_000.0,
        excluded=one_second_exclusions(MAX_EXCLUSIONS),
        by=STUDIO,
        at=PREMIERE,
    )
    assert len(most.excluded) == MAX_EXCLUSIONS

    with pytest.raises(InvalidValue, match=f"at most {MAX_EXCLUSIONS} exclusions"):
        dune.add_reference(
            TRAILER_ID,
            label="Trailer",
            digest="sha256:trailer",
            duration_seconds=1_000.0,
            excluded=one_second_exclusions(MAX_EXCLUSIONS + 1),
            by=STUDIO,
            at=PREMIERE,
        )


def test_a_studio_replaces_the_exclusions_of_a_reference() -> None:
    dune = dune_with_trailer()

    dune.set_exclusions(TRAILER_ID, [TimeRange(start=120.0, end=150.0)], by=STUDIO, at=LATER)

    assert dune.references[TRAILER_ID].excluded == (TimeRange(start=120.0, end=150.0),)
    assert dune.references[TRAILER_ID].digest == "sha256:trailer"


def test_exclusions_of_an_unknown_reference_are_refused() -> None:
    dune = dune_with_trailer()

    with pytest.raises(UnknownReference):
        dune.set_exclusions(TEASER_ID, [TimeRange(start=0.0, end=1.0)], by=STUDIO, at=LATER)


def test_new_exclusions_follow_the_same_rules_as_the_first_ones() -> None:
    dune = dune_with_trailer()

    with pytest.raises(InvalidValue, match="starts after the reference ends"):
        dune.set_exclusions(TRAILER_ID, [TimeRange(start=150.0, end=160.0)], by=STUDIO, at=LATER)
    assert dune.references[TRAILER_ID].excluded == (TimeRange(start=0.0, end=5.0),)


# Words ----------------------------------------------------------------------------------------


def test_match_words_keep_hashtags_in_their_canonical_spelling_once_each() -> None:
    dune = register_dune()

    dune.set_match_words(
        hashtags=["#Dune_Part-Two", "duneparttwo", "#Arrakis", "#ARRAKIS"],
        keywords=["  sandworm ", "spice", "sandworm", ""],
        by=STUDIO,
        at=LATER,
    )

    assert dune.hashtags == ("duneparttwo", "arrakis")
    assert dune.keywords == ("sandworm", "spice")


def test_malformed_match_hashtags_are_refused() -> None:
    with pytest.raises(InvalidValue, match="not a hashtag"):
        register_dune().set_match_words(hashtags=["#spice!"], keywords=[], by=STUDIO, at=LATER)


# The policy's decisions on a video ------------------------------------------------------------


def test_an_attach_decision_anchors_an_unanchored_video_for_the_policy() -> None:
    clip = publish_clip()

    done = clip.apply_decision(DUNE_ID, Decision.ATTACH, [SPICE_HEARD, DUNE_READ], at=LATER)

    assert done is Decision.ATTACH
    assert clip.anchor is not None
    assert clip.anchor.title_id == DUNE_ID
    assert clip.anchor.attached_by == POLICY == "policy:auto"
    assert clip.anchor.evidence == (SPICE_HEARD, DUNE_READ)
    assert clip.proposals == {}


def test_an_attach_decision_on_a_video_anchored_elsewhere_becomes_a_proposal() -> None:
    clip = publish_clip()
    clip.attach_anchor(BARBIE_ID, by=REVIEWER, at=POSTED)

    done = clip.apply_decision(DUNE_ID, Decision.ATTACH, [SPICE_HEARD], at=LATER)

    assert done is Decision.REVIEW
    assert clip.anchor is not None
    assert clip.anchor.title_id == BARBIE_ID
    assert clip.proposals[DUNE_ID].evidence == (SPICE_HEARD,)


def test_a_review_decision_proposes_the_anchor() -> None:
    clip = publish_clip()

    done = clip.apply_decision(DUNE_ID, Decision.REVIEW, [DUNE_READ], at=LATER)

    assert done is Decision.REVIEW
    assert clip.anchor is None
    proposal = clip.proposals[DUNE_ID]
    assert (proposal.title_id, proposal.evidence, proposal.proposed_at) == (
        DUNE_ID,
        (DUNE_READ,),
        LATER,
    )


def test_an_ignore_decision_changes_nothing() -> None:
    clip = publish_clip()

    done = clip.apply_decision(DUNE_ID, Decision.IGNORE, [DUNE_READ], at=LATER)

    assert done is Decision.IGNORE
    assert clip.anchor is None
    assert clip.proposals == {}
    assert clip.version == 1


def test_a_title_already_proposed_is_not_proposed_again() -> None:
    clip = publish_clip()
    clip.apply_decision(DUNE_ID, Decision.REVIEW, [DUNE_READ], at=POSTED)

    assert not clip.may_be_proposed(DUNE_ID)
    assert clip.apply_decision(DUNE_ID, Decision.ATTACH, [SPICE_HEARD], at=LATER) is Decision.IGNORE
    assert clip.anchor is None
    with pytest.raises(AlreadyProposed):
        clip.propose_anchor(DUNE_ID, [SPICE_HEARD], at=LATER)


def test_a_proposal_rests_on_evidence() -> None:
    with pytest.raises(InvalidValue, match="rests on evidence"):
        publish_clip().propose_anchor(DUNE_ID, [], at=LATER)


def test_a_rejected_title_is_never_proposed_again() -> None:
    clip = publish_clip()
    clip.propose_anchor(DUNE_ID, [DUNE_READ], at=POSTED)

    clip.reject_anchor(DUNE_ID, by=REVIEWER, reason="a Barbie review, not Dune", at=LATER)

    assert clip.proposals == {}
    assert not clip.may_be_proposed(DUNE_ID)
    assert clip.may_be_proposed(BARBIE_ID)
    for decision in (Decision.REVIEW, Decision.ATTACH):
        assert clip.apply_decision(DUNE_ID, decision, [SPICE_HEARD], at=LATER) is Decision.IGNORE
    assert clip.anchor is None
    assert clip.proposals == {}


def test_a_revoked_title_is_never_proposed_again() -> None:
    clip = publish_clip()
    clip.apply_decision(DUNE_ID, Decision.ATTACH, [SPICE_HEARD], at=POSTED)

    clip.revoke_anchor(by=REVIEWER, reason="wrong movie", at=LATER)

    assert clip.anchor is None
    assert not clip.may_be_proposed(DUNE_ID)
    assert clip.apply_decision(DUNE_ID, Decision.ATTACH, [SPICE_HEARD], at=LATER) is Decision.IGNORE
    assert clip.anchor is None
    assert clip.proposals == {}


def test_the_anchored_title_is_not_proposed_again() -> None:
    clip = publish_clip()
    clip.attach_anchor(DUNE_ID, by=REVIEWER, at=POSTED)

    assert not clip.may_be_proposed(DUNE_ID)
    assert clip.apply_decision(DUNE_ID, Decision.REVIEW, [DUNE_READ], at=LATER) is Decision.IGNORE


def test_attaching_a_proposed_title_keeps_the_evidence_of_the_proposal() -> None:
    clip = publish_clip()
    clip.propose_anchor(DUNE_ID, [SPICE_HEARD, DUNE_READ], at=POSTED)
    clip.propose_anchor(BARBIE_ID, [DUNE_READ], at=POSTED)

    clip.attach_anchor(DUNE_ID, by=REVIEWER, at=LATER, note="the trailer's soundtrack")

    assert clip.anchor is not None
    assert clip.anchor.attached_by == REVIEWER
    assert clip.anchor.note == "the trailer's soundtrack"
    assert clip.anchor.evidence == (SPICE_HEARD, DUNE_READ)
    assert clip.proposals == {}


def test_evidence_given_when_attaching_prevails_over_the_proposal() -> None:
    clip = publish_clip()
    clip.propose_anchor(DUNE_ID, [DUNE_READ], at=POSTED)

    clip.attach_anchor(DUNE_ID, by=REVIEWER, at=LATER, evidence=[SPICE_HEARD])

    assert clip.anchor is not None
    assert clip.anchor.evidence == (SPICE_HEARD,)


def test_a_manual_anchor_without_a_proposal_has_no_evidence() -> None:
    clip = publish_clip()

    clip.attach_anchor(DUNE_ID, by=REVIEWER, at=LATER)

    assert clip.anchor is not None
    assert clip.anchor.evidence == ()


def test_rejecting_without_a_proposal_is_refused() -> None:
    clip = publish_clip()

    with pytest.raises(NoSuchProposal):
        clip.reject_anchor(DUNE_ID, by=REVIEWER, reason="not Dune", at=LATER)
    assert clip.may_be_proposed(DUNE_ID)


def test_a_rejection_needs_a_reason() -> None:
    clip = publish_clip()
    clip.propose_anchor(DUNE_ID, [DUNE_READ], at=POSTED)

    with pytest.raises(InvalidValue, match="needs a reason"):
        clip.reject_anchor(DUNE_ID, by=REVIEWER, reason="   ", at=LATER)
    assert DUNE_ID in clip.proposals


# Media ----------------------------------------------------------------------------------------


def test_a_video_records_its_media_once() -> None:
    clip = publish_clip()
    clip.attach_media(digest="sha256:clip", duration_seconds=42.0, at=POSTED)

    with pytest.raises(MediaAlreadyAttached):
        clip.attach_media(digest="sha256:other", duration_seconds=12.0, at=LATER)
    assert (clip.media_digest, clip.duration_seconds) == ("sha256:clip", 42.0)


def test_a_video_must_last_longer_than_zero_seconds() -> None:
    with pytest.raises(InvalidValue, match="longer than zero seconds"):
        publish_clip().attach_media(digest="sha256:clip", duration_seconds=0.0, at=POSTED)


# Anchors stored before evidence was recorded --------------------------------------------------

OPS = Principal(Role.ADMIN, "ops")
MIA = Principal(Role.CREATOR, "mia")
ROSA = Principal(Role.REVIEWER, "rosa")


def as_version_one(notification: Notification) -> Notification:
    """The same stored event as version 1 of AnchorAttached wrote it: no evidence field."""
    state: dict[str, Any] = json.loads(notification.state)
    del state["evidence"]
    del state["class_version"]
    return dataclasses.replace(notification, state=json.dumps(state).encode())


def test_a_version_one_anchor_is_read_as_an_anchor_without_evidence(core: Spotlight) -> None:
    catalogue = CatalogueDriver(core)
    title = catalogue.register_title(OPS, name="Dune", kind=TitleKind.MOVIE, studio_id="legendary")
    # Nothing in it names the title, so matching proposes nothing: the anchor is a reviewer's.
    video = catalogue.publish_video(
        MIA, caption="Sandworm riding", hashtags=[], category="film-and-tv"
    )
    catalogue.attach_anchor(ROSA, video.id, title.id, note="reviewed before evidence existed")
    stored = [
        notification
        for notification in catalogue.recorder.select_notifications(start=1, limit=100)
        if notification.originator_id == video.id
    ]
    assert [n.topic for n in stored] == [Video.Published.TOPIC, Video.AnchorAttached.TOPIC]
    published, attached = stored
    assert json.loads(attached.state)["class_version"] == 2

    old_event = catalogue.mapper.to_domain_event(as_version_one(attached))

    assert isinstance(old_event, Video.AnchorAttached)
    assert old_event.title_id == title.id
    assert old_event.attached_by == "reviewer:rosa"
    assert old_event.note == "reviewed before evidence existed"
    assert list(old_event.evidence) == []
    assert old_event.originator_version == 2

    replayed: Video | None = None
    for event in (catalogue.mapper.to_domain_event(published), old_event):
        assert isinstance(event, (Video.Published, Video.AnchorAttached))
        replayed = event.mutate(replayed)
    assert isinstance(replayed, Video)
    assert replayed.anchor is not None
    assert replayed.anchor.title_id == title.id
    assert replayed.anchor.evidence == ()
    assert replayed.version == 2
