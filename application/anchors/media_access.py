"""Who may play back the media of a video or of a title's reference clip.

The media follows its object's rules, and a caller who may not play it is told it is not
there (``NotFound``), so that asking never reveals a removed video's media or a studio's
reference material:

- a video and its media: anyone, while the video is clear or unreviewed; a flagged or
  age-restricted video not to a minor (a creator recorded as one) nor to anyone not signed
  in; a removed video only to its creator, reviewers and admins (and those three always).
  The video itself answers why not (``Gone``, ``AgeRestricted``); its media is ``NotFound``;
- a reference clip's media: the title's studio, reviewers and admins (reviewers compare the
  fan video with it); auditors read it too.
"""

from __future__ import annotations

from enum import Enum
from uuid import UUID

from application.anchors.match_index import REFERENCE_OWNER, VIDEO_OWNER
from application.auth import Principal, Role, owns, require_role
from application.errors import AgeRestricted, Gone, NotFound, NotPermitted
from application.logs import CatalogueLog
from application.trust.protection import Protection
from domain.anchors.titles import Title
from domain.anchors.videos import Video
from domain.media import StoredBlob
from domain.trust.moderation import ModerationState

_STAFF = (Role.REVIEWER, Role.ADMIN)


class Sight(Enum):
    """What a caller gets of a video: all of it, or told why not."""

    SEEN = "seen"
    GONE = "gone"  # removed by moderation
    AGE_RESTRICTED = "age-restricted"  # flagged or age-restricted, to a minor or nobody signed in


class AnchorsMedia:
    def __init__(self, catalogue: CatalogueLog, *, protection: Protection) -> None:
        self._catalogue = catalogue
        self.protection = protection

    def sight_of(self, actor: Principal | None, video: Video) -> Sight:
        """Whether ``actor`` (``None``: not signed in) may see ``video`` as it stands: the one
        rule for the video, its page and its media. Its creator, reviewers and admins always
        do; others not a removed video, and no minor and nobody unsigned a flagged or
        age-restricted one."""
        if actor is not None and (
            actor.role in _STAFF or owns(actor, Role.CREATOR, video.creator_id)
        ):
            return Sight.SEEN
        if video.moderation is ModerationState.REMOVED:
            return Sight.GONE
        if video.moderation.restricts and (actor is None or self._is_minor(actor)):
            return Sight.AGE_RESTRICTED
        return Sight.SEEN

    def _is_minor(self, actor: Principal) -> bool:
        # Age bands are recorded for creators' accounts only: other roles are not known minors.
        return actor.role is Role.CREATOR and self.protection.catch_up().is_minor(actor.subject)

    def require_visible(self, actor: Principal | None, video_id: UUID) -> None:
        """Refuses a video ``actor`` may not see: ``Gone`` for a removed one, ``AgeRestricted``
        for a flagged or age-restricted one shown to a minor or to nobody signed in, and
        ``NotFound`` for an unknown video; says nothing of what the video holds."""
        video = self._catalogue.find(Video, video_id)
        if video is None:
            raise NotFound("video", video_id)
        sight = self.sight_of(actor, video)
        if sight is Sight.GONE:
            raise Gone(f"video {video_id} was removed by moderation and is no longer shown")
        if sight is Sight.AGE_RESTRICTED:
            raise AgeRestricted(
                f"video {video_id} is age-restricted: shown only to signed-in adults"
            )

    def video_media(self, actor: Principal, video_id: UUID) -> StoredBlob:
        """The stored media of a video, for a caller who may see the video as it stands;
        ``NotFound`` for anyone else, for an unknown video and for one without stored media."""
        video = self._catalogue.find(Video, video_id)
        hidden = NotFound("stored media of", f"{VIDEO_OWNER}{video_id}")
        # Who may not see it is answered as if it were not there, so nothing leaks.
        if video is None or video.stored_media is None:
            raise hidden
        if self.sight_of(actor, video) is not Sight.SEEN:
            raise hidden
        return video.stored_media

    def reference_media(self, actor: Principal, title_id: UUID, reference_id: UUID) -> StoredBlob:
        """The stored media of a reference clip, for the title's studio, reviewers, admins and
        auditors; another studio is ``NotPermitted``; ``NotFound`` for the rest, for an
        unknown title or reference, and for a reference without stored media. Other roles
        are ``NotPermitted`` before anything is looked up."""
        require_role(
            actor, Role.STUDIO, *_STAFF, Role.AUDITOR, doing="play a title's reference clips"
        )
        title = self._catalogue.find(Title, title_id)
        if title is None:
            raise NotFound("title", title_id)
        if actor.role is Role.STUDIO and not owns(actor, Role.STUDIO, title.studio_id):
            raise NotPermitted("only the title's studio (or a reviewer) plays its reference clips")
        stored = title.reference_media.get(reference_id)
        if stored is None:
            raise NotFound("stored media of", f"{REFERENCE_OWNER}{reference_id}")
        return stored
