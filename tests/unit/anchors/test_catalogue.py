"""The catalogue's use cases: who may do what, on which titles and videos.

Runs on the in-memory store with a fixed clock and sequential ids, through the same
composition root an entrypoint uses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.errors import NotFound, NotPermitted, StaleVersion
from application.views import TitleView, VideoView
from domain.anchors.engagement import Engagement
from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import AlreadyAnchored, NotAnchored, Video
from domain.errors import InvalidValue
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import FixedClock, SequentialIdentities

LEGENDARY = Principal(Role.STUDIO, "legendary")
WARNER = Principal(Role.STUDIO, "warner")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
ROSA = Principal(Role.REVIEWER, "rosa")
OPS = Principal(Role.ADMIN, "ops")
AUDIT = Principal(Role.AUDITOR, "kpmg")
SOMEONE = Principal(Role.VIEWER, "someone")

TICKETS = Portal(tickets=[Link(label="Cinema City", url="https://cinemacity.example/dune")])
STREAMING = Portal(
    streaming=[Link(label="Max", url="https://max.example/dune-part-two")],
    cast=[CastMember(name="Zendaya", role="Chani")],
)
UNKNOWN = UUID("0000dead-0000-0000-0000-000000000000")

Command = Callable[[CatalogueDriver, Principal], object]


def dune(catalogue: CatalogueDriver) -> TitleView:
    return catalogue.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)


def barbie(catalogue: CatalogueDriver) -> TitleView:
    return catalogue.register_title(WARNER, name="Barbie", kind=TitleKind.MOVIE)


def sandworm_clip(catalogue: CatalogueDriver) -> VideoView:
    return catalogue.publish_video(
        MIA, caption="Sandworm riding tutorial", hashtags=["#Dune"], category="film-and-tv"
    )


def stored_events(catalogue: CatalogueDriver) -> int:
    return catalogue.recorder.max_notification_id() or 0


# Titles ---------------------------------------------------------------------------------------


def test_a_studio_registers_a_title_for_itself(
    catalogue: CatalogueDriver, clock: FixedClock, identities: SequentialIdentities
) -> None:
    expected_id = identities.peek()

    title = catalogue.register_title(
        LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE, portal=TICKETS
    )

    assert title == TitleView(
        id=expected_id,
        version=1,
        studio_id="legendary",
        name="Dune: Part Two",
        kind=TitleKind.MOVIE,
        portal=TICKETS,
        registered_at=clock.now(),
    )
    assert catalogue.title(expected_id) == title


def test_a_title_registered_without_a_portal_gets_an_empty_one(catalogue: CatalogueDriver) -> None:
    assert dune(catalogue).portal == Portal()


def test_a_studio_may_name_itself_as_the_owner(catalogue: CatalogueDriver) -> None:
    title = catalogue.register_title(
        LEGENDARY, name="Dune", kind=TitleKind.MOVIE, studio_id="legendary"
    )

    assert title.studio_id == "legendary"


def test_a_studio_cannot_register_a_title_for_another_studio(catalogue: CatalogueDriver) -> None:
    with pytest.raises(NotPermitted, match="only register a title as itself"):
        catalogue.register_title(LEGENDARY, name="Barbie", kind=TitleKind.MOVIE, studio_id="warner")

    assert stored_events(catalogue) == 0


def test_an_admin_registers_a_title_for_the_studio_it_names(catalogue: CatalogueDriver) -> None:
    title = catalogue.register_title(OPS, name="Barbie", kind=TitleKind.MOVIE, studio_id="warner")

    assert title.studio_id == "warner"


def test_an_admin_must_name_the_studio_a_title_is_registered_for(
    catalogue: CatalogueDriver,
) -> None:
    with pytest.raises(InvalidValue, match="must name the studio"):
        catalogue.register_title(OPS, name="Barbie", kind=TitleKind.MOVIE)


@pytest.mark.parametrize("actor", [MIA, ROSA, AUDIT, SOMEONE], ids=lambda p: p.role.value)
def test_only_studios_and_admins_register_titles(
    catalogue: CatalogueDriver, actor: Principal
) -> None:
    with pytest.raises(NotPermitted, match="register a title needs one of the roles studio"):
        catalogue.register_title(actor, name="Dune", kind=TitleKind.MOVIE)


def test_a_title_with_an_empty_name_is_not_registered(catalogue: CatalogueDriver) -> None:
    with pytest.raises(InvalidValue):
        catalogue.register_title(LEGENDARY, name="  ", kind=TitleKind.MOVIE)

    assert stored_events(catalogue) == 0


def test_a_studio_updates_the_portal_of_its_own_title(
    catalogue: CatalogueDriver, clock: FixedClock
) -> None:
    title = dune(catalogue)
    clock.advance(timedelta(days=30))

    updated = catalogue.update_portal(LEGENDARY, title.id, STREAMING)

    assert updated.portal == STREAMING
    assert updated.version == 2
    assert catalogue.title(title.id) == updated


def test_the_portal_update_records_who_made_it_and_when(
    catalogue: CatalogueDriver, clock: FixedClock
) -> None:
    title = dune(catalogue)
    when = clock.advance(timedelta(days=30))

    catalogue.update_portal(LEGENDARY, title.id, STREAMING)

    recorded = list(catalogue.events.get(title.id))[-1]
    assert isinstance(recorded, Title.PortalUpdated)
    assert (recorded.updated_by, recorded.updated_at) == ("studio:legendary", when)


def test_a_studio_cannot_touch_the_portal_of_another_studios_title(
    catalogue: CatalogueDriver,
) -> None:
    title = barbie(catalogue)

    with pytest.raises(NotPermitted, match="only edit the portal of its own titles"):
        catalogue.update_portal(LEGENDARY, title.id, STREAMING)

    assert catalogue.title(title.id) == title


def test_an_admin_updates_the_portal_of_any_title(catalogue: CatalogueDriver) -> None:
    title = barbie(catalogue)

    assert catalogue.update_portal(OPS, title.id, TICKETS).portal == TICKETS


@pytest.mark.parametrize("actor", [MIA, ROSA, AUDIT, SOMEONE], ids=lambda p: p.role.value)
def test_only_studios_and_admins_edit_portals(catalogue: CatalogueDriver, actor: Principal) -> None:
    title = dune(catalogue)

    with pytest.raises(NotPermitted, match="edit a title's portal needs one of the roles studio"):
        catalogue.update_portal(actor, title.id, STREAMING)

    assert catalogue.title(title.id).portal == Portal()


def test_offering_the_current_portal_again_records_nothing_and_answers_the_title(
    catalogue: CatalogueDriver,
) -> None:
    title = dune(catalogue)

    again = catalogue.update_portal(LEGENDARY, title.id, Portal())

    assert again.version == 1
    assert again.portal == Portal()
    assert catalogue.title(title.id).version == 1


def test_a_portal_update_based_on_the_current_version_is_applied(
    catalogue: CatalogueDriver,
) -> None:
    title = dune(catalogue)

    updated = catalogue.update_portal(LEGENDARY, title.id, STREAMING, expected_version=1)

    assert updated.version == 2


def test_a_portal_update_based_on_an_outdated_version_is_refused(
    catalogue: CatalogueDriver,
) -> None:
    title = dune(catalogue)
    catalogue.update_portal(LEGENDARY, title.id, TICKETS)

    with pytest.raises(StaleVersion, match="at version 2, not 1") as refused:
        catalogue.update_portal(LEGENDARY, title.id, STREAMING, expected_version=title.version)

    assert (refused.value.expected, refused.value.actual) == (1, 2)
    assert catalogue.title(title.id).portal == TICKETS


def test_an_unknown_title_is_not_found(catalogue: CatalogueDriver) -> None:
    with pytest.raises(NotFound, match=f"no title with id {UNKNOWN}") as missing:
        catalogue.title(UNKNOWN)

    assert (missing.value.kind, missing.value.ident) == ("title", UNKNOWN)


def test_the_id_of_a_video_does_not_name_a_title(catalogue: CatalogueDriver) -> None:
    clip = sandworm_clip(catalogue)

    with pytest.raises(NotFound, match="no title"):
        catalogue.title(clip.id)
    with pytest.raises(NotFound, match="no title"):
        catalogue.update_portal(OPS, clip.id, TICKETS)


def test_editing_the_portal_of_an_unknown_title_is_not_found(catalogue: CatalogueDriver) -> None:
    with pytest.raises(NotFound):
        catalogue.update_portal(LEGENDARY, UNKNOWN, STREAMING)


# Videos ---------------------------------------------------------------------------------------


def test_a_creator_publishes_a_video_as_itself(
    catalogue: CatalogueDriver, clock: FixedClock, identities: SequentialIdentities
) -> None:
    expected_id = identities.peek()

    clip = catalogue.publish_video(
        MIA, caption="Sandworm riding", hashtags=["#Dune", "#Sand_Worm"], category="Film-and-TV"
    )

    assert clip == VideoView(
        id=expected_id,
        version=1,
        creator_id="mia",
        caption="Sandworm riding",
        hashtags=("dune", "sandworm"),
        category="film-and-tv",
        published_at=clock.now(),
        engagement=Engagement(),
        anchor=None,
    )
    assert catalogue.video(expected_id) == clip


def test_a_creator_cannot_publish_in_the_name_of_another_creator(
    catalogue: CatalogueDriver,
) -> None:
    with pytest.raises(NotPermitted, match="only publish a video as itself"):
        catalogue.publish_video(
            MIA, caption="Not mine", hashtags=[], category="comedy", creator_id="leo"
        )

    assert stored_events(catalogue) == 0


def test_an_admin_publishes_for_the_creator_it_names(catalogue: CatalogueDriver) -> None:
    clip = catalogue.publish_video(
        OPS, caption="Imported", hashtags=[], category="comedy", creator_id="leo"
    )

    assert clip.creator_id == "leo"


def test_an_admin_must_name_the_creator_it_publishes_for(catalogue: CatalogueDriver) -> None:
    with pytest.raises(InvalidValue, match="must name the creator"):
        catalogue.publish_video(OPS, caption="Imported", hashtags=[], category="comedy")


@pytest.mark.parametrize("actor", [LEGENDARY, ROSA, AUDIT, SOMEONE], ids=lambda p: p.role.value)
def test_only_creators_and_admins_publish_videos(
    catalogue: CatalogueDriver, actor: Principal
) -> None:
    with pytest.raises(NotPermitted, match="publish a video needs one of the roles creator"):
        catalogue.publish_video(actor, caption="Hi", hashtags=[], category="comedy")


def test_a_video_in_an_unknown_category_is_not_published(catalogue: CatalogueDriver) -> None:
    with pytest.raises(InvalidValue, match="unknown category"):
        catalogue.publish_video(MIA, caption="Hi", hashtags=[], category="documentaries")

    assert stored_events(catalogue) == 0


def test_an_admin_records_engagement_which_adds_up(catalogue: CatalogueDriver) -> None:
    clip = sandworm_clip(catalogue)

    catalogue.record_engagement(OPS, clip.id, Engagement(views=1_000, likes=50))
    counted = catalogue.record_engagement(OPS, clip.id, Engagement(views=200, shares=3))

    assert counted.engagement == Engagement(views=1_200, likes=50, shares=3)
    assert counted.version == 3
    assert catalogue.video(clip.id) == counted


@pytest.mark.parametrize(
    "actor", [MIA, LEGENDARY, ROSA, AUDIT, SOMEONE], ids=lambda p: p.role.value
)
def test_only_admins_record_engagement(catalogue: CatalogueDriver, actor: Principal) -> None:
    clip = sandworm_clip(catalogue)

    with pytest.raises(NotPermitted, match="record engagement needs one of the roles admin"):
        catalogue.record_engagement(actor, clip.id, Engagement(views=1_000_000))

    assert catalogue.video(clip.id).engagement == Engagement()


def test_engagement_of_an_unknown_video_is_not_found(catalogue: CatalogueDriver) -> None:
    with pytest.raises(NotFound, match="no video"):
        catalogue.record_engagement(OPS, UNKNOWN, Engagement(views=1))


def test_the_id_of_a_title_does_not_name_a_video(catalogue: CatalogueDriver) -> None:
    title = dune(catalogue)

    with pytest.raises(NotFound, match="no video"):
        catalogue.video(title.id)
    with pytest.raises(NotFound, match="no video"):
        catalogue.record_engagement(OPS, title.id, Engagement(views=1))


# Anchors --------------------------------------------------------------------------------------


def test_a_reviewer_anchors_a_video_to_a_title(
    catalogue: CatalogueDriver, clock: FixedClock
) -> None:
    title, clip = dune(catalogue), sandworm_clip(catalogue)
    when = clock.advance(timedelta(hours=2))

    anchored = catalogue.attach_anchor(ROSA, clip.id, title.id, note="trailer reaction")

    assert anchored.anchor is not None
    assert anchored.anchor.title_id == title.id
    assert anchored.anchor.attached_by == "reviewer:rosa"
    assert anchored.anchor.attached_at == when
    assert anchored.anchor.note == "trailer reaction"
    assert catalogue.video(clip.id) == anchored


def test_an_admin_anchors_a_video_as_well(catalogue: CatalogueDriver) -> None:
    title, clip = dune(catalogue), sandworm_clip(catalogue)

    anchored = catalogue.attach_anchor(OPS, clip.id, title.id)

    assert anchored.anchor is not None
    assert anchored.anchor.attached_by == "admin:ops"


@pytest.mark.parametrize("actor", [LEGENDARY, MIA, AUDIT, SOMEONE], ids=lambda p: p.role.value)
def test_only_reviewers_and_admins_attach_anchors(
    catalogue: CatalogueDriver, actor: Principal
) -> None:
    title, clip = dune(catalogue), sandworm_clip(catalogue)

    with pytest.raises(NotPermitted, match="attach an anchor needs one of the roles reviewer"):
        catalogue.attach_anchor(actor, clip.id, title.id)

    assert catalogue.video(clip.id).anchor is None


def test_a_video_holds_one_anchor_at_a_time(catalogue: CatalogueDriver) -> None:
    clip = sandworm_clip(catalogue)
    catalogue.attach_anchor(ROSA, clip.id, dune(catalogue).id)

    with pytest.raises(AlreadyAnchored):
        catalogue.attach_anchor(ROSA, clip.id, barbie(catalogue).id)

    assert catalogue.video(clip.id).version == 2


def test_anchoring_to_an_unknown_title_is_not_found(catalogue: CatalogueDriver) -> None:
    clip = sandworm_clip(catalogue)

    with pytest.raises(NotFound, match=f"no title with id {UNKNOWN}"):
        catalogue.attach_anchor(ROSA, clip.id, UNKNOWN)

    assert catalogue.video(clip.id).anchor is None


def test_a_video_cannot_be_anchored_to_another_video(catalogue: CatalogueDriver) -> None:
    clip, other_clip = sandworm_clip(catalogue), sandworm_clip(catalogue)

    with pytest.raises(NotFound, match="no title"):
        catalogue.attach_anchor(ROSA, clip.id, other_clip.id)


def test_anchoring_an_unknown_video_is_not_found(catalogue: CatalogueDriver) -> None:
    title = dune(catalogue)

    with pytest.raises(NotFound, match="no video"):
        catalogue.attach_anchor(ROSA, UNKNOWN, title.id)


def test_anchoring_an_outdated_version_of_a_video_is_refused(catalogue: CatalogueDriver) -> None:
    clip, title = sandworm_clip(catalogue), dune(catalogue)
    catalogue.record_engagement(OPS, clip.id, Engagement(views=10))

    with pytest.raises(StaleVersion):
        catalogue.attach_anchor(ROSA, clip.id, title.id, expected_version=clip.version)

    assert catalogue.attach_anchor(ROSA, clip.id, title.id, expected_version=2).version == 3


def test_a_studio_revokes_an_anchor_to_its_own_title(
    catalogue: CatalogueDriver, clock: FixedClock
) -> None:
    clip = sandworm_clip(catalogue)
    catalogue.attach_anchor(ROSA, clip.id, dune(catalogue).id)
    when = clock.advance(timedelta(days=1))

    revoked = catalogue.revoke_anchor(LEGENDARY, clip.id, reason="spoils the ending")

    assert revoked.anchor is None
    assert revoked.version == 3
    recorded = list(catalogue.events.get(clip.id))[-1]
    assert isinstance(recorded, Video.AnchorRevoked)
    assert (recorded.revoked_by, recorded.revoked_at) == ("studio:legendary", when)
    assert recorded.reason == "spoils the ending"


def test_a_studio_cannot_revoke_an_anchor_to_another_studios_title(
    catalogue: CatalogueDriver,
) -> None:
    clip = sandworm_clip(catalogue)
    catalogue.attach_anchor(ROSA, clip.id, barbie(catalogue).id)

    with pytest.raises(NotPermitted, match="only revoke anchors to its own titles"):
        catalogue.revoke_anchor(LEGENDARY, clip.id, reason="competition")

    assert catalogue.video(clip.id).anchor is not None


def test_a_studio_has_no_anchor_of_its_own_to_revoke_on_an_unanchored_video(
    catalogue: CatalogueDriver,
) -> None:
    clip = sandworm_clip(catalogue)

    with pytest.raises(NotPermitted, match="only revoke anchors to its own titles"):
        catalogue.revoke_anchor(LEGENDARY, clip.id, reason="just because")


@pytest.mark.parametrize("actor", [ROSA, OPS], ids=lambda p: p.role.value)
def test_reviewers_and_admins_revoke_any_anchor(
    catalogue: CatalogueDriver, actor: Principal
) -> None:
    clip = sandworm_clip(catalogue)
    catalogue.attach_anchor(ROSA, clip.id, barbie(catalogue).id)

    assert catalogue.revoke_anchor(actor, clip.id, reason="wrong title").anchor is None


@pytest.mark.parametrize("actor", [MIA, LEO, AUDIT, SOMEONE], ids=lambda p: p.subject)
def test_creators_auditors_and_viewers_cannot_revoke_anchors(
    catalogue: CatalogueDriver, actor: Principal
) -> None:
    clip = sandworm_clip(catalogue)
    catalogue.attach_anchor(ROSA, clip.id, dune(catalogue).id)

    with pytest.raises(NotPermitted, match="revoke an anchor needs one of the roles"):
        catalogue.revoke_anchor(actor, clip.id, reason="I do not like it")

    assert catalogue.video(clip.id).anchor is not None


def test_revoking_without_an_anchor_is_refused(catalogue: CatalogueDriver) -> None:
    clip = sandworm_clip(catalogue)

    with pytest.raises(NotAnchored):
        catalogue.revoke_anchor(ROSA, clip.id, reason="wrong title")


def test_revoking_needs_a_reason(catalogue: CatalogueDriver) -> None:
    clip = sandworm_clip(catalogue)
    catalogue.attach_anchor(ROSA, clip.id, dune(catalogue).id)

    with pytest.raises(InvalidValue, match="needs a reason"):
        catalogue.revoke_anchor(LEGENDARY, clip.id, reason=" ")

    assert catalogue.video(clip.id).anchor is not None


def test_revoking_on_an_outdated_version_is_refused(catalogue: CatalogueDriver) -> None:
    clip = sandworm_clip(catalogue)
    anchored = catalogue.attach_anchor(ROSA, clip.id, dune(catalogue).id)
    catalogue.record_engagement(OPS, clip.id, Engagement(likes=1))

    with pytest.raises(StaleVersion, match="at version 3, not 2"):
        catalogue.revoke_anchor(ROSA, clip.id, reason="wrong", expected_version=anchored.version)

    assert catalogue.video(clip.id).anchor is not None


def test_revoking_on_an_unknown_video_is_not_found(catalogue: CatalogueDriver) -> None:
    with pytest.raises(NotFound, match="no video"):
        catalogue.revoke_anchor(ROSA, UNKNOWN, reason="wrong title")


# Read-only roles ------------------------------------------------------------------------------


def every_write(title_id: UUID, video_id: UUID) -> dict[str, Command]:
    return {
        "register a title": lambda c, p: c.register_title(
            p, name="Tenet", kind=TitleKind.MOVIE, studio_id="warner"
        ),
        "update a portal": lambda c, p: c.update_portal(p, title_id, STREAMING),
        "publish a video": lambda c, p: c.publish_video(
            p, caption="Hi", hashtags=[], category="comedy", creator_id="mia"
        ),
        "record engagement": lambda c, p: c.record_engagement(p, video_id, Engagement(views=1)),
        "attach an anchor": lambda c, p: c.attach_anchor(p, video_id, title_id),
        "revoke an anchor": lambda c, p: c.revoke_anchor(p, video_id, reason="because"),
    }


@pytest.mark.parametrize("actor", [AUDIT, SOMEONE], ids=lambda p: p.role.value)
def test_auditors_and_viewers_read_but_never_write(
    catalogue: CatalogueDriver, actor: Principal
) -> None:
    title, clip = dune(catalogue), sandworm_clip(catalogue)
    before = stored_events(catalogue)

    for doing, command in every_write(title.id, clip.id).items():
        with pytest.raises(NotPermitted):
            command(catalogue, actor)
        assert stored_events(catalogue) == before, f"an {actor.role.value} could {doing}"

    assert catalogue.title(title.id) == title
    assert catalogue.video(clip.id) == clip
