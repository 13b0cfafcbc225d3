"""What the music program's decisions tell artists, read from the music log by the notice
follower (``application.notice_follower``): a track cleared or rejected (keyed
``track:<track>:<kind>:<version>``); to each entry's artist, a competition round opened and
closed (voting begins, voting has ended), and their entry's standing when its result is
recorded: it advances, is eliminated, or (in the final) wins its prize (keyed
``round:<round>:<kind>:<track>``: a round opens, closes and has its result once); and the
decision on an artist's request for verification, granted or declined with the reason (keyed
``verification:<artist>:<kind>:<version>``).

An entry admitted to a round already open hears nothing of the opening: entering it was
their own act."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.auth import Principal, Role, person_key
from application.logs import MusicLog
from application.notice_follower import NoticeDraft, RulesOver, as_of
from domain.inbox import NoticeKind
from domain.music.artists import Artist
from domain.music.rounds import CompetitionRound, Entrant
from domain.music.standings import Standing
from domain.music.tracks import Track


def _artist(account: str) -> str:
    return person_key(Principal(Role.ARTIST, account))


class MusicNotices(RulesOver[MusicLog]):
    @property
    def topics(self) -> Sequence[str]:
        return (
            Track.Cleared.TOPIC,
            Track.Rejected.TOPIC,
            CompetitionRound.Opened.TOPIC,
            CompetitionRound.Closed.TOPIC,
            CompetitionRound.ResultRecorded.TOPIC,
            Artist.VerificationGranted.TOPIC,
            Artist.VerificationDeclined.TOPIC,
        )

    def drafts(self, event: Any) -> Sequence[NoticeDraft]:
        if isinstance(event, Track.Cleared):
            return (self._reviewed(event, NoticeKind.TRACK_CLEARED, "is cleared for videos"),)
        if isinstance(event, Track.Rejected):
            return (self._reviewed(event, NoticeKind.TRACK_REJECTED, "was not cleared"),)
        if isinstance(event, CompetitionRound.Opened):
            return self._to_entrants(event, NoticeKind.ROUND_OPENED, "is open: voting begins")
        if isinstance(event, CompetitionRound.Closed):
            return self._to_entrants(event, NoticeKind.ROUND_CLOSED, "is closed: voting ended")
        if isinstance(event, CompetitionRound.ResultRecorded):
            return self._standings(event)
        if isinstance(event, Artist.VerificationGranted):
            return (
                self._verification(
                    event, NoticeKind.VERIFICATION_GRANTED, "was granted: you carry the badge", ""
                ),
            )
        if isinstance(event, Artist.VerificationDeclined):
            return (
                self._verification(
                    event, NoticeKind.VERIFICATION_DECLINED, "was declined", event.reason
                ),
            )
        return ()

    def _to_entrants(self, event: Any, kind: NoticeKind, news: str) -> Sequence[NoticeDraft]:
        round_ = as_of(self.source, CompetitionRound, event.originator_id, event.originator_version)
        return tuple(
            _to_entry(
                round_,
                entrant,
                kind,
                subject=f"{round_.name} {news.split(':')[0]}",
                body=f"{round_.name!r}, where your track competes, {news}.",
            )
            for entrant in round_.entrants.values()  # in the order admitted or seeded
        )

    def _verification(self, event: Any, kind: NoticeKind, outcome: str, reason: str) -> NoticeDraft:
        artist = as_of(self.source, Artist, event.originator_id, event.originator_version)
        because = f" Reason: {reason}" if reason else ""
        return NoticeDraft(
            recipient=_artist(artist.account),
            kind=kind,
            subject="A decision on your request for verification",
            body=f"Your request for verification {outcome}.{because}",
            key=f"verification:{artist.id}:{kind.value}:{event.originator_version}",
            reason=reason,
        )

    def _reviewed(self, event: Any, kind: NoticeKind, outcome: str) -> NoticeDraft:
        track = as_of(self.source, Track, event.originator_id, event.originator_version)
        return NoticeDraft(
            recipient=_artist(track.artist_account),
            kind=kind,
            subject="A decision on your track",
            body=f"Your track {track.title!r} {outcome}.",
            key=f"track:{track.id}:{kind.value}:{event.originator_version}",
            about={"track": track.id},
            reason=event.reason,
        )

    def _standings(self, event: CompetitionRound.ResultRecorded) -> Sequence[NoticeDraft]:
        round_ = as_of(self.source, CompetitionRound, event.originator_id, event.originator_version)
        prizes = {winner.track_id: winner for winner in event.winners}
        entries = len(event.standings)
        drafts = []
        for standing in event.standings:
            place = f"rank {standing.rank} of {entries}, total {standing.total}"
            winner = prizes.get(standing.track_id)
            if round_.final and winner is not None:
                kind = NoticeKind.ROUND_WON
                body = f"Your entry won {round_.name!r} at rank {winner.rank}: {winner.prize}."
            elif standing.advances:
                kind = NoticeKind.ROUND_ADVANCED
                body = f"Your entry advances from {round_.name!r} to the next round."
            else:
                kind = NoticeKind.ROUND_ELIMINATED
                body = f"Your entry did not advance from {round_.name!r}."
            drafts.append(
                _to_entry(
                    round_,
                    standing,
                    kind,
                    subject=f"The result of {round_.name}",
                    body=f"{body} ({place})",
                    reason=place,
                )
            )
        return drafts


def _to_entry(
    round_: CompetitionRound,
    entry: Entrant | Standing,
    kind: NoticeKind,
    *,
    subject: str,
    body: str,
    reason: str = "",
) -> NoticeDraft:
    """A notice to the artist of one entry of the round: a round's event happens once, so
    its kind and the entry key it."""
    return NoticeDraft(
        recipient=_artist(entry.artist_account),
        kind=kind,
        subject=subject[:200],
        body=body,
        key=f"round:{round_.id}:{kind.value}:{entry.track_id}",
        about={"round": round_.id, "season": round_.season_id, "track": entry.track_id},
        reason=reason,
    )
