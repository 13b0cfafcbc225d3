"""The music read model's rows come out the same whether the music log's artist and track
events are applied one at a time or a page at a time, the pages cut anywhere: the writes a
page keeps back (registrations that replace a line, profile changes, badges, submissions
that replace a track, checks and decisions) leave what writing each in turn left."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.music import SqlMusicTables
from adapters.storage import parse_store
from application.logs import MusicLog
from application.music.music_read_model import MUSIC_READ_MODEL, MusicReadModel
from domain.errors import DomainError
from domain.music.artists import Artist
from domain.music.tracks import Resemblance, Track
from tests.fakes import OPENING_NIGHT

ARTISTS = 3
TRACKS = 4
artist = st.integers(0, ARTISTS - 1)
track = st.integers(0, TRACKS - 1)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("register"), artist, st.sampled_from(["JP", "BR"])),
        st.tuples(st.just("update"), artist, st.sampled_from(["JP", "BR", "US"])),
        st.tuples(st.just("verify"), artist),
        st.tuples(st.just("withdraw"), artist),
        st.tuples(st.just("submit"), track, artist),
        st.tuples(st.just("check"), track, st.booleans()),
        st.tuples(st.just("clear"), track),
        st.tuples(st.just("reject"), track),
    ),
    min_size=1,
    max_size=40,
)


def story(steps: list[tuple[Any, ...]]) -> list[Any]:
    """The music events the steps record, in log order (a registration or submission again
    starts the aggregate anew: its line is replaced; steps the domain refuses record
    nothing)."""
    events: list[Any] = []
    artists: dict[int, Artist] = {}
    tracks: dict[int, Track] = {}

    def record(aggregate: Aggregate) -> None:
        events.extend(aggregate.collect_events())

    for number, (kind, which, *args) in enumerate(steps):
        at = OPENING_NIGHT + timedelta(minutes=number)
        try:
            if kind == "register":
                artists[which] = Artist.register(
                    account=f"artist-{which}", name=f"Artist {number}", region=args[0], at=at
                )
                record(artists[which])
            elif kind == "submit":
                tracks[which] = Track.submit(
                    UUID(int=which + 1),
                    artist_account=f"artist-{args[0]}",
                    title=f"Song {number}",
                    digest=f"{number:064x}",
                    duration_seconds=180.0,
                    at=at,
                )
                record(tracks[which])
            elif kind in ("update", "verify", "withdraw") and which in artists:
                someone = artists[which]
                if kind == "update":
                    someone.update_profile(
                        name=f"Renamed {number}",
                        region=args[0],
                        affiliations=(),
                        bio="",
                        by="admin",
                        at=at,
                    )
                elif kind == "verify":
                    someone.verify(by="admin", at=at)
                else:
                    someone.withdraw_badge(by="admin", reason="lapsed", at=at)
                record(someone)
            elif which in tracks:
                song = tracks[which]
                if kind == "check":
                    likeness = Resemblance(
                        source="reference:1",
                        score=0.9,
                        matched_seconds=10.0,
                        submission_start=0.0,
                        source_start=0.0,
                    )
                    song.record_originality(
                        [likeness] if args[0] else [], engine_version="test", at=at
                    )
                elif kind == "clear":
                    song.clear(by="reviewer", reason="fine", override=True, at=at)
                elif kind == "reject":
                    song.reject(by="reviewer", reason="a copy", at=at)
                record(song)
        except DomainError:
            for aggregate in (*artists.values(), *tracks.values()):
                aggregate.collect_events()
    return events


class Rows:
    def __init__(self) -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        self.projection = MusicReadModel(SqlMusicTables(self.store))
        self.generation = self.store.new_generation(
            MUSIC_READ_MODEL, self.projection.version, tuple(self.projection.follows), active=True
        )
        self.projection.create(self.generation)
        self.position = 0

    def apply(self, page: Sequence[tuple[Any, int]]) -> None:
        start, end = self.position, page[-1][1]
        with self.store.batch(
            MUSIC_READ_MODEL, self.generation, MusicLog.name, start, end
        ) as batch:
            if len(page) == 1:
                self.projection.apply(batch, MusicLog.name, *page[0])
            else:
                self.projection.apply_page(batch, MusicLog.name, page)
        self.position = end

    def export(self) -> dict[str, object]:
        return dict(self.projection.export(self.generation, {}))

    def close(self) -> None:
        self.store.close()


@settings(max_examples=60, deadline=None)
@given(steps=steps, data=st.data())
def test_events_applied_one_by_one_or_by_pages_leave_the_same_rows(
    steps: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    one_by_one, by_pages = Rows(), Rows()
    events = [(event, position) for position, event in enumerate(story(steps), start=1)]
    for event in events:
        one_by_one.apply([event])
    while events:
        size = data.draw(st.integers(1, len(events)))
        by_pages.apply(events[:size])
        events = events[size:]

    assert by_pages.export() == one_by_one.export()
    one_by_one.close()
    by_pages.close()


def test_a_page_that_submits_checks_and_clears_tracks_keeps_every_line() -> None:
    steps: list[tuple[Any, ...]] = [("register", 0, "JP"), ("register", 1, "BR")]
    for which in range(TRACKS):
        steps += [("submit", which, which % 2), ("check", which, False), ("clear", which)]
    steps += [("verify", 0), ("register", 0, "BR"), ("update", 1, "US")]
    rows = Rows()
    rows.apply([(event, position) for position, event in enumerate(story(steps), start=1)])

    view = rows.export()

    cleared = [key for key, line in view.items() if key.startswith("track:")]
    assert len(cleared) == TRACKS
    assert all(getattr(view[key], "status", None) == "cleared" for key in cleared)
    # Registered again: its line replaced, its badge gone; the other renamed in place.
    assert getattr(view["artist:artist-0"], "verified", None) is False
    assert getattr(view["artist:artist-0"], "region", None) == "BR"
    assert getattr(view["artist:artist-1"], "region", None) == "US"
    rows.close()
