"""`spotlight verification ...` and `spotlight rounds ...`: what an operator does, acting as
an admin, with artists' requests for the badge (the queue, grant, decline) and with the
competition's schedule (rounds due, keep the schedule now, open or close a round early with a
reason, live standings), and with a season's field as its partners read it (`spotlight
seasons field`). Everything is printed as JSON (the field also as CSV)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from application.errors import ApplicationError
from domain.errors import DomainError, InvalidValue
from entrypoints.cli_support import EXIT_BAD_INPUT, OPERATOR, add_json_flag
from entrypoints.cli_support import opened_core as _opened
from entrypoints.cli_support import print_json as _print
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from entrypoints.bootstrap import Spotlight


# Verification ---------------------------------------------------------------------------------


def _queue(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.music.music_schemas import VerificationRequestOut

    page = core.verification.queue(OPERATOR, limit=arguments.limit, cursor=arguments.cursor)
    _print(
        {
            "items": [
                VerificationRequestOut.model_validate(r).model_dump(mode="json") for r in page.items
            ],
            "next_cursor": page.next_cursor,
        }
    )


def _grant(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.music.music_schemas import ArtistOut

    view = core.verification.grant(OPERATOR, arguments.artist)
    _print(ArtistOut.model_validate(view).model_dump(mode="json"))


def _decline(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.music.music_schemas import ArtistOut

    view = core.verification.decline(OPERATOR, arguments.artist, reason=arguments.reason)
    _print(ArtistOut.model_validate(view).model_dump(mode="json"))


# Rounds ---------------------------------------------------------------------------------------


def _round(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise InvalidValue(f"{text!r} is not a round id (a UUID)") from None


def _due(core: Spotlight, _arguments: argparse.Namespace) -> None:
    _print(
        [
            {"round_id": str(round_id), "due_to": "close" if closing else "open"}
            for round_id, closing in core.round_schedule.due()
        ]
    )


def _keep(core: Spotlight, _arguments: argparse.Namespace) -> None:
    report = core.round_schedule.run()
    _print(
        {
            "opened": [str(r) for r in report.opened],
            "closed": [str(r) for r in report.closed],
            "refused": [{"round_id": str(r), "reason": why} for r, why in report.refused],
        }
    )


def _open(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.music.music_schemas import RoundOut

    view = core.competition.open_round(OPERATOR, _round(arguments.round), reason=arguments.reason)
    _print(RoundOut.model_validate(view).model_dump(mode="json"))


def _close(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.music.music_schemas import RoundResultOut

    result = core.competition.close_round(
        OPERATOR, _round(arguments.round), reason=arguments.reason
    )
    _print(RoundResultOut.of(result).model_dump(mode="json"))


def _standings(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.music.music_schemas import LiveStandingsOut

    live = core.competition.live_standings(_round(arguments.round))
    _print(LiveStandingsOut.of(live).model_dump(mode="json"))


def _id(text: str, what: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise InvalidValue(f"{text!r} is not a {what} id (a UUID)") from None


def _track_videos(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.music.sound_schemas import TrackVideosOut

    page = core.sounds.track_videos(
        _id(arguments.track, "track"), limit=arguments.limit, cursor=arguments.cursor
    )
    _print(TrackVideosOut.model_validate(page).model_dump(mode="json"))


def _declaration(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.music.sound_schemas import SoundDeclarationOut

    view = core.sounds.declaration(_id(arguments.video, "video"))
    _print(SoundDeclarationOut.model_validate(view).model_dump(mode="json"))


# Seasons --------------------------------------------------------------------------------------


def _season(text: str) -> UUID:
    return _id(text, "season")


def _field(core: Spotlight, arguments: argparse.Namespace) -> None:
    """A season's rising artists as its partners read them: JSON a page at a time, or the
    whole list as CSV."""
    from entrypoints.http.music.music_schemas import RisingArtistOut

    season_id = _season(arguments.season)
    chosen = {"region": arguments.region, "genre": arguments.genre}
    if arguments.csv:
        # Every line is read (and the season's readers checked) before the first is printed.
        sys.stdout.write("".join(core.competition.season_field_csv(OPERATOR, season_id, **chosen)))
        return
    page = core.competition.season_field(
        OPERATOR, season_id, limit=arguments.limit, cursor=arguments.cursor, **chosen
    )
    _print(
        {
            "items": [RisingArtistOut.of(item).model_dump(mode="json") for item in page.items],
            "next_cursor": page.next_cursor,
        }
    )


def _rising(core: Spotlight, arguments: argparse.Namespace) -> None:
    """A label partner's rising artists across its seasons: JSON, or CSV."""
    from entrypoints.http.music.music_schemas import PartnerRisingOut

    chosen = {"partner": arguments.partner, "region": arguments.region, "genre": arguments.genre}
    if arguments.csv:
        sys.stdout.write("".join(core.competition.rising_artists_csv(OPERATOR, **chosen)))
        return
    rising = core.competition.rising_artists(OPERATOR, **chosen)
    _print(PartnerRisingOut.model_validate(rising).model_dump(mode="json"))


Action = Callable[["Spotlight", argparse.Namespace], None]


def _run(action: Action, command: str) -> Callable[[argparse.Namespace, Settings], int]:
    def run(arguments: argparse.Namespace, settings: Settings) -> int:
        with _opened(arguments, settings) as core:
            try:
                action(core, arguments)
            except (ApplicationError, DomainError) as error:
                print(f"spotlight {command}: {error}", file=sys.stderr)
                return EXIT_BAD_INPUT
        return 0

    return run


def _actions(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], command: str, help_text: str
) -> Callable[[str, str, Action], argparse.ArgumentParser]:
    parser = commands.add_parser(command, help=help_text, description=__doc__)
    actions = parser.add_subparsers(dest=f"{command}_action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, run: Action) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text)
        sub.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
        add_json_flag(sub, only=True)
        sub.set_defaults(run=_run(run, command))
        return sub

    return action


def add_music_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verification = _actions(
        commands, "verification", "artists' requests for the badge: the queue, grant, decline"
    )
    queue = verification("queue", "requests awaiting a decision, oldest first", _queue)
    queue.add_argument("--limit", type=int, default=50, help="per page (default 50)")
    queue.add_argument("--cursor", help="the next_cursor of the previous page")
    grant = verification("grant", "grant an artist's request: the badge", _grant)
    grant.add_argument("artist", metavar="ARTIST", help="the artist's account")
    decline = verification("decline", "decline an artist's request, with a reason", _decline)
    decline.add_argument("artist", metavar="ARTIST", help="the artist's account")
    decline.add_argument("--reason", required=True, help="why; the artist is told")

    rounds = _actions(
        commands, "rounds", "the competition's schedule: rounds due, keep it, act early, standings"
    )
    rounds("due", "rounds whose planned opening or closing time has come", _due)
    rounds("keep-schedule", "open and close every round whose time has come, now", _keep)
    for name, run, doing in (("open", _open, "opens"), ("close", _close, "closes")):
        act = rounds(name, f"{name} a round (before its planned time: with --reason)", run)
        act.add_argument("round", metavar="ROUND_ID")
        act.add_argument(
            "--reason", default="", help=f"why it {doing} before its planned time (recorded)"
        )
    standings = rounds("standings", "an open round's live popularity standings", _standings)
    standings.add_argument("round", metavar="ROUND_ID")

    sounds = _actions(
        commands, "sounds", "use this sound: a track's videos (declared, detected), a declaration"
    )
    track_videos = sounds(
        "track-videos",
        "a track's videos with its counts (declared, detected, verified)",
        _track_videos,
    )
    track_videos.add_argument("track", metavar="TRACK_ID")
    track_videos.add_argument("--limit", type=int, default=50, help="per page (default 50)")
    track_videos.add_argument("--cursor", help="the next_cursor of the previous page")
    declaration = sounds(
        "declaration", "the track a video declares and whether its audio carries it", _declaration
    )
    declaration.add_argument("video", metavar="VIDEO_ID")
    seasons = _actions(commands, "seasons", "a season's rising artists, as its partners see them")
    field = seasons("field", "the artists entered: uses, votes, outcome by round", _field)
    field.add_argument("season", metavar="SEASON_ID")
    field.add_argument("--region", help="only artists of this region (e.g. JP)")
    field.add_argument("--genre", help="only tracks filed under this genre")
    field.add_argument("--limit", type=int, default=50, help="per page (default 50)")
    field.add_argument("--cursor", help="the next_cursor of the previous page")
    field.add_argument("--csv", action="store_true", help="the whole list as CSV")
    rising = seasons(
        "rising", "a partner's rising artists across its seasons: seasons, wins, votes", _rising
    )
    rising.add_argument("--partner", help="the partner's seasons only (none: every season)")
    rising.add_argument("--region", help="only artists of this region (e.g. JP)")
    rising.add_argument("--genre", help="only tracks filed under this genre")
    rising.add_argument("--csv", action="store_true", help="the whole list as CSV")
