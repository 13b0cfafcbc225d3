"""The music read model's rows in the projection store (``application.music.music_read_model``).

One set of tables per generation. Ids are ``Uuid`` columns (native on PostgreSQL, 32 hex
characters on SQLite): both order them as their strings order, so an ``ORDER BY`` on them is
the old ``str(track_id)`` tie-break. Times are kept twice: their ISO text, which gives back
the very datetime the event carried, and microseconds since the epoch, which orders them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.projections.keyset import rows_after_key
from adapters.projections.rows import add_amounts, chunks, update_rows
from adapters.projections.store import ByGeneration, SqlBatch, SqlProjectionStore
from application.music.music_read_model import (
    BALLOT,
    ArtistLine,
    FieldLine,
    Lines,
    OwnTrackLine,
    PlaylistLine,
    RoundCount,
    TrackLine,
    VerificationRequestLine,
)
from application.music.music_views import Byline
from application.projections import Batch
from domain.music.standings import Tally
from domain.music.tracks import TrackStatus

T = TypeVar("T")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"music_artists{suffix}",
        metadata,
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("artist_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False),
    )
    tracks = sa.Table(
        f"music_tracks{suffix}",
        metadata,
        sa.Column("track_id", sa.Uuid, primary_key=True),
        sa.Column("artist_account", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_at", sa.String(40), nullable=False),
        sa.Column("submitted_key", sa.BigInteger, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("decided_at", sa.String(40), nullable=True),
        # 0 when undecided: the playlist orders an undecided time as the epoch.
        sa.Column("decided_key", sa.BigInteger, nullable=False),
        # Denormalised from the uses table, for the playlist's order.
        sa.Column("uses", sa.BigInteger, nullable=False),
        sa.Column("genre", sa.String(32), nullable=True),
    )
    sa.Index(
        f"music_tracks_review{suffix}", tracks.c.status, tracks.c.submitted_key, tracks.c.track_id
    )
    sa.Index(
        f"music_tracks_playlist{suffix}",
        tracks.c.status,
        tracks.c.uses.desc(),
        tracks.c.decided_key.desc(),
        tracks.c.track_id,
    )
    # The playlist of one genre, read in the same order without walking the others.
    sa.Index(
        f"music_tracks_genre_playlist{suffix}",
        tracks.c.status,
        tracks.c.genre,
        tracks.c.uses.desc(),
        tracks.c.decided_key.desc(),
        tracks.c.track_id,
    )
    sa.Index(
        f"music_tracks_artist{suffix}",
        tracks.c.artist_account,
        tracks.c.submitted_key,
        tracks.c.track_id,
    )
    sa.Table(
        f"music_track_uses{suffix}",
        metadata,
        sa.Column("track_id", sa.Uuid, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
    )
    scans = sa.Table(
        f"music_scans{suffix}",
        metadata,
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("scan_id", sa.Uuid, nullable=False, unique=True),
        # The track a backfill covers; none for the live scan.
        sa.Column("track_id", sa.Uuid, nullable=True),
        sa.Column("finished", sa.Boolean, nullable=False),
    )
    sa.Index(f"music_scans_track{suffix}", scans.c.track_id)
    sa.Index(f"music_scans_finished{suffix}", scans.c.finished)
    seasons = sa.Table(
        f"music_seasons{suffix}",
        metadata,
        sa.Column("season_id", sa.Uuid, primary_key=True),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("announced_key", sa.BigInteger, nullable=False),
    )
    sa.Index(f"music_seasons_order{suffix}", seasons.c.announced_key, seasons.c.season_id)
    sa.Index(
        f"music_seasons_region{suffix}",
        seasons.c.region,
        seasons.c.announced_key,
        seasons.c.season_id,
    )
    sa.Table(
        f"music_rounds{suffix}",
        metadata,
        sa.Column("round_id", sa.Uuid, primary_key=True),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("season_id", sa.Uuid, nullable=False),  # since version 3
        # Since version 4: the planned times (microseconds since the epoch) and whether the
        # round opened, for the schedule pass.
        sa.Column("opens_key", sa.BigInteger, nullable=True),
        sa.Column("closes_key", sa.BigInteger, nullable=True),
        sa.Column("opened", sa.Boolean, nullable=False, default=False),
    )
    requests = sa.Table(
        f"music_verification_requests{suffix}",
        metadata,
        sa.Column("artist_id", sa.Uuid, primary_key=True),
        sa.Column("requested_at", sa.String(40), nullable=False),
        sa.Column("requested_key", sa.BigInteger, nullable=False),
    )
    sa.Index(
        f"music_verification_requests_order{suffix}",
        requests.c.requested_key,
        requests.c.artist_id,
    )
    entries = sa.Table(
        f"music_season_entries{suffix}",
        metadata,
        sa.Column("artist_account", sa.String(200), primary_key=True),
        sa.Column("season_id", sa.Uuid, primary_key=True),
        sa.Column("track_id", sa.Uuid, nullable=False),
        sa.Column("entered_key", sa.BigInteger, nullable=False),
    )
    sa.Index(
        f"music_season_entries_artist{suffix}",
        entries.c.artist_account,
        entries.c.entered_key,
        entries.c.season_id,
    )
    # Since version 5: each season's panel, by judge (a judge's list of seasons).
    judges = sa.Table(
        f"music_season_judges{suffix}",
        metadata,
        sa.Column("judge_id", sa.String(200), primary_key=True),
        sa.Column("season_id", sa.Uuid, primary_key=True),
        sa.Column("announced_key", sa.BigInteger, nullable=False),
    )
    sa.Index(
        f"music_season_judges_order{suffix}",
        judges.c.judge_id,
        judges.c.announced_key,
        judges.c.season_id,
    )
    sa.Table(
        f"music_round_entrants{suffix}",
        metadata,
        sa.Column("round_id", sa.Uuid, primary_key=True),
        sa.Column("place", sa.Integer, primary_key=True),
        sa.Column("track_id", sa.Uuid, nullable=False),
    )
    sa.Table(
        f"music_round_counts{suffix}",
        metadata,
        sa.Column("round_id", sa.Uuid, primary_key=True),
        sa.Column("track_id", sa.Uuid, primary_key=True),
        sa.Column("votes", sa.BigInteger, nullable=False),
        sa.Column("score_sum", sa.BigInteger, nullable=False),
        sa.Column("scores", sa.BigInteger, nullable=False),
    )
    sa.Table(
        f"music_round_late{suffix}",
        metadata,
        sa.Column("round_id", sa.Uuid, primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("record_id", sa.Uuid, primary_key=True),
    )
    sa.Table(
        f"music_round_frozen{suffix}",
        metadata,
        sa.Column("round_id", sa.Uuid, primary_key=True),
        sa.Column("track_id", sa.Uuid, primary_key=True),
        sa.Column("place", sa.Integer, nullable=False),
        sa.Column("votes", sa.BigInteger, nullable=False),
        sa.Column("uses", sa.BigInteger, nullable=False),
        sa.Column("score_sum", sa.BigInteger, nullable=False),
        sa.Column("scores", sa.BigInteger, nullable=False),
    )


def _track_columns(t: sa.Table) -> tuple[sa.ColumnElement[object], ...]:
    return (
        t.c.track_id,
        t.c.artist_account,
        t.c.title,
        t.c.status,
        t.c.submitted_at,
        t.c.flagged,
        t.c.decided_at,
        t.c.genre,
    )


#: The place of the first column a query selects after ``_track_columns``.
_AFTER_TRACK = 8


class _Tables:
    """One generation's tables, by their names without the prefix and the suffix."""

    def __init__(
        self,
        *,
        artists: sa.Table,
        tracks: sa.Table,
        track_uses: sa.Table,
        scans: sa.Table,
        rounds: sa.Table,
        seasons: sa.Table,
        season_entries: sa.Table,
        season_judges: sa.Table,
        round_entrants: sa.Table,
        round_counts: sa.Table,
        round_late: sa.Table,
        round_frozen: sa.Table,
        verification_requests: sa.Table,
    ) -> None:
        self.artists = artists
        self.tracks = tracks
        self.uses = track_uses
        self.scans = scans
        self.rounds = rounds
        self.seasons = seasons
        self.season_entries = season_entries
        self.season_judges = season_judges
        self.entrants = round_entrants
        self.counts = round_counts
        self.late = round_late
        self.frozen = round_frozen
        self.requests = verification_requests
        # Every ballot and score runs these: built once, their SQL compiled once.
        rounds, counts = self.rounds, self.counts
        self.closed_of = sa.select(rounds.c.closed).where(rounds.c.round_id == sa.bindparam("r"))
        self.add_to_count = (
            counts.update()
            .where(counts.c.round_id == sa.bindparam("r"), counts.c.track_id == sa.bindparam("t"))
            .values(
                votes=counts.c.votes + sa.bindparam("add_votes"),
                score_sum=counts.c.score_sum + sa.bindparam("add_score_sum"),
                scores=counts.c.scores + sa.bindparam("add_scores"),
            )
        )
        self.new_count = counts.insert()
        # And every view of a round, a result or a track these.
        tracks, artists, uses = self.tracks, self.artists, self.uses
        self.tracks_among = sa.select(*_track_columns(tracks)).where(
            tracks.c.track_id.in_(sa.bindparam("ids", expanding=True))
        )
        self.artists_among = sa.select(
            artists.c.account, artists.c.name, artists.c.region, artists.c.verified
        ).where(artists.c.account.in_(sa.bindparam("ids", expanding=True)))
        self.uses_among = (
            sa.select(uses.c.track_id, sa.func.count())
            .where(uses.c.track_id.in_(sa.bindparam("ids", expanding=True)))
            .group_by(uses.c.track_id)
        )


def _key(at: datetime) -> int:
    """Microseconds since the epoch: exact, and ordered as the times are."""
    aware = at if at.tzinfo is not None else at.astimezone()
    return (aware - EPOCH) // timedelta(microseconds=1)


def _text(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def _change(
    added: dict[UUID, dict[str, Any]],
    changes: dict[UUID, dict[str, Any]],
    row_id: UUID,
    values: Mapping[str, Any],
) -> None:
    """Change the row the batch adds, if it adds one; else keep the change for the stored
    row."""
    row = added.get(row_id)
    if row is None:
        changes.setdefault(row_id, {}).update(values)
    else:
        row.update(values)


def _update_by_columns(
    connection: Connection, table: sa.Table, key: str, changes: Mapping[UUID, Mapping[str, Any]]
) -> None:
    """Set each row's changed columns: one executemany for the rows changed in the same
    columns."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row_id, values in changes.items():
        by_columns[tuple(sorted(values))].append({key: row_id, **values})
    for columns, rows in by_columns.items():
        update_rows(connection, table, (key,), columns, rows)


def _unique_chunks(ids: Iterable[T]) -> Iterator[list[T]]:
    return chunks(dict.fromkeys(ids))


@attrs.define
class _Pending:
    """The writes of artists, tracks, entrants and season entries a batch keeps back, so a page's
    registrations, submissions, checks, decisions and admissions are a few statements
    rather than one or two each (a round trip each on PostgreSQL). They are written, in an
    order that leaves the rows as writing each in turn would, before any other read or
    write of the batch and at the page's end (``flush``)."""

    batch: Batch
    #: Artist id -> the row a registration of the batch inserts; the accounts and ids whose
    #: stored rows registrations replace; changes to stored rows, by artist id.
    artists: dict[UUID, dict[str, Any]] = attrs.Factory(dict)
    artists_gone: set[str] = attrs.Factory(set)
    artist_ids_gone: set[UUID] = attrs.Factory(set)
    artist_changes: dict[UUID, dict[str, Any]] = attrs.Factory(dict)
    #: Track id -> the row a submission of the batch inserts (its uses counted at the
    #: flush); changes to stored rows, by track id.
    tracks: dict[UUID, dict[str, Any]] = attrs.Factory(dict)
    track_changes: dict[UUID, dict[str, Any]] = attrs.Factory(dict)
    #: Entrants admitted, and each round's next place.
    entrants: list[dict[str, Any]] = attrs.Factory(list)
    places: dict[UUID, int] = attrs.Factory(dict)
    #: Seasons entered, in order: (round, artist's account, track, entered key); each
    #: round's season is looked up at the flush, all of the page's rounds at once.
    season_entries: list[tuple[UUID, str, UUID, int]] = attrs.Factory(list)

    def __bool__(self) -> bool:
        return bool(
            self.artists
            or self.artists_gone
            or self.artist_changes
            or self.tracks
            or self.track_changes
            or self.entrants
            or self.season_entries
        )


class SqlMusicTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._generations = ByGeneration(store, _define, "music_", _Tables)
        self._kept: _Pending | None = None

    def _at(self, generation: int) -> _Tables:
        return self._generations[generation]

    @staticmethod
    def _open(batch: Batch) -> Connection:
        assert isinstance(batch, SqlBatch), "music rows are written through a SQL batch"
        return batch.connection

    def create(self, generation: int) -> None:
        self._generations.create(generation)

    def drop(self, generation: int) -> None:
        self._generations.drop(generation)

    # Writes -----------------------------------------------------------------------------

    def _pending(self, batch: Batch) -> _Pending:
        kept = self._kept
        if kept is None or kept.batch is not batch:
            # A new transaction: what an earlier one kept back was written or rolled back.
            kept = self._kept = _Pending(batch)
        return kept

    def add_artist(
        self, batch: Batch, artist_id: UUID, account: str, name: str, region: str
    ) -> None:
        kept = self._pending(batch)
        # A registration replaces the account's line, as a second one did in memory.
        for other, row in list(kept.artists.items()):
            if other == artist_id or row["account"] == account:
                del kept.artists[other]
        kept.artist_changes.pop(artist_id, None)
        kept.artists_gone.add(account)
        kept.artist_ids_gone.add(artist_id)
        kept.artists[artist_id] = {
            "account": account,
            "artist_id": artist_id,
            "name": name,
            "region": region,
            "verified": False,
        }

    def _change_artist(self, batch: Batch, artist_id: UUID, **values: Any) -> None:
        # A stored artist's, written at the flush after the replaced rows are gone (so an
        # artist with no row, or one a registration replaced, changes nothing).
        kept = self._pending(batch)
        _change(kept.artists, kept.artist_changes, artist_id, values)

    def rename_artist(self, batch: Batch, artist_id: UUID, name: str, region: str) -> None:
        self._change_artist(batch, artist_id, name=name, region=region)

    def badge_artist(self, batch: Batch, artist_id: UUID, verified: bool) -> None:
        self._change_artist(batch, artist_id, verified=verified)

    def add_track(self, batch: Batch, line: TrackLine) -> None:
        kept = self._pending(batch)
        kept.track_changes.pop(line.track_id, None)
        kept.tracks[line.track_id] = {
            "track_id": line.track_id,
            "artist_account": line.artist_account,
            "title": line.title,
            "status": str(line.status),
            "submitted_at": _text(line.submitted_at),
            "submitted_key": _key(line.submitted_at),
            "flagged": line.flagged,
            "decided_at": None if line.decided_at is None else _text(line.decided_at),
            "decided_key": 0 if line.decided_at is None else _key(line.decided_at),
            "genre": line.genre,
        }

    def _change_track(self, batch: Batch, track_id: UUID, **values: Any) -> None:
        # A stored track's is checked at the flush: a track never submitted stops the page.
        kept = self._pending(batch)
        _change(kept.tracks, kept.track_changes, track_id, values)

    def flag_track(self, batch: Batch, track_id: UUID, flagged: bool) -> None:
        self._change_track(batch, track_id, flagged=flagged)

    def decide_track(self, batch: Batch, track_id: UUID, status: TrackStatus, at: datetime) -> None:
        self._change_track(
            batch, track_id, status=str(status), decided_at=_text(at), decided_key=_key(at)
        )

    def flush(self, batch: Batch) -> None:
        kept = self._kept
        if kept is None or kept.batch is not batch or not kept:
            return
        self._kept = None
        tables = self._at(batch.generation)
        connection = self._open(batch)
        self._write_artists(connection, tables.artists, kept)
        self._write_tracks(connection, tables, kept)
        if kept.entrants:
            connection.execute(tables.entrants.insert(), kept.entrants)
        if kept.season_entries:
            self._write_season_entries(connection, tables, kept.season_entries)

    @staticmethod
    def _write_artists(connection: Connection, t: sa.Table, kept: _Pending) -> None:
        # Replaced rows go first, then changes to the rows that remain (none of a row the
        # batch inserts: those changed it in memory), then the batch's own rows.
        for accounts in chunks(sorted(kept.artists_gone)):
            connection.execute(t.delete().where(t.c.account.in_(accounts)))
        for ids in chunks(sorted(kept.artist_ids_gone)):
            connection.execute(t.delete().where(t.c.artist_id.in_(ids)))
        _update_by_columns(connection, t, "artist_id", kept.artist_changes)
        if kept.artists:
            connection.execute(t.insert(), list(kept.artists.values()))

    @staticmethod
    def _write_tracks(connection: Connection, tables: _Tables, kept: _Pending) -> None:
        t, u = tables.tracks, tables.uses
        changed = set(kept.track_changes)
        found: set[UUID] = set()
        for ids in chunks(sorted(changed)):
            found.update(
                row[0]
                for row in connection.execute(sa.select(t.c.track_id).where(t.c.track_id.in_(ids)))
            )
        if changed - found:
            # As the in-memory model did (a KeyError): an event of a track never submitted
            # is a log the projection cannot apply, and stops it there.
            raise KeyError(f"no track {min(changed - found)} in the music read model")
        _update_by_columns(connection, t, "track_id", kept.track_changes)
        if not kept.tracks:
            return
        uses: dict[UUID, int] = {}
        for ids in chunks(sorted(kept.tracks)):
            connection.execute(t.delete().where(t.c.track_id.in_(ids)))
            uses.update(
                (row[0], int(row[1]))
                for row in connection.execute(
                    sa.select(u.c.track_id, sa.func.count())
                    .where(u.c.track_id.in_(ids))
                    .group_by(u.c.track_id)
                )
            )
        connection.execute(
            t.insert(),
            [row | {"uses": uses.get(track_id, 0)} for track_id, row in kept.tracks.items()],
        )

    @staticmethod
    def _write_season_entries(
        connection: Connection, tables: _Tables, entries: Sequence[tuple[UUID, str, UUID, int]]
    ) -> None:
        # An entry replaces the artist's entry of the same season: the last of the page's
        # wins, as entering each in turn (a delete and an insert) left it.
        r, t = tables.rounds, tables.season_entries
        season_of: dict[UUID, UUID] = {}
        for ids in _unique_chunks(round_id for round_id, *_ in entries):
            rows_found = connection.execute(
                sa.select(r.c.round_id, r.c.season_id).where(r.c.round_id.in_(ids))
            ).all()
            season_of.update((row[0], row[1]) for row in rows_found)
        rows: dict[tuple[str, UUID], dict[str, Any]] = {}
        for round_id, artist_account, track_id, entered_key in entries:
            season_id = season_of.get(round_id)
            if season_id is None:
                # As a lookup of the round did: an entry of a round never scheduled is a
                # log the projection cannot apply, and stops it there.
                raise KeyError(f"no round {round_id} in the music read model")
            rows[(artist_account, season_id)] = {
                "artist_account": artist_account,
                "season_id": season_id,
                "track_id": track_id,
                "entered_key": entered_key,
            }
        connection.execute(
            t.delete().where(
                t.c.artist_account == sa.bindparam("gone_account"),
                t.c.season_id == sa.bindparam("gone_season"),
            ),
            [{"gone_account": account, "gone_season": season} for account, season in rows],
        )
        connection.execute(t.insert(), list(rows.values()))

    def record_use(self, batch: Batch, track_id: UUID, video_id: UUID) -> None:
        self.flush(batch)
        tables = self._at(batch.generation)
        connection = self._open(batch)
        seen = connection.execute(
            sa.select(tables.uses.c.track_id).where(
                tables.uses.c.track_id == track_id, tables.uses.c.video_id == video_id
            )
        ).first()
        if seen is not None:
            return
        connection.execute(tables.uses.insert().values(track_id=track_id, video_id=video_id))
        t = tables.tracks
        connection.execute(t.update().where(t.c.track_id == track_id).values(uses=t.c.uses + 1))

    def start_scan(self, batch: Batch, scan_id: UUID, scope: str) -> None:
        self.flush(batch)
        t = self._at(batch.generation).scans
        connection = self._open(batch)
        connection.execute(t.delete().where(sa.or_(t.c.scope == scope, t.c.scan_id == scan_id)))
        connection.execute(
            t.insert().values(
                scope=scope,
                scan_id=scan_id,
                track_id=UUID(scope.removeprefix("track:")) if scope.startswith("track:") else None,
                finished=False,
            )
        )

    def finish_scan(self, batch: Batch, scan_id: UUID) -> None:
        self.flush(batch)
        t = self._at(batch.generation).scans
        finished = self._open(batch).execute(
            t.update().where(t.c.scan_id == scan_id).values(finished=True)
        )
        if finished.rowcount != 1:
            raise KeyError(f"no scan {scan_id} in the music read model")

    def announce_season(
        self,
        batch: Batch,
        season_id: UUID,
        region: str,
        announced_at: datetime,
        judges: Sequence[str],
    ) -> None:
        self.flush(batch)
        tables = self._at(batch.generation)
        t, panel = tables.seasons, tables.season_judges
        connection = self._open(batch)
        key = _key(announced_at)
        connection.execute(t.delete().where(t.c.season_id == season_id))
        connection.execute(t.insert().values(season_id=season_id, region=region, announced_key=key))
        connection.execute(panel.delete().where(panel.c.season_id == season_id))
        if judges:
            connection.execute(
                panel.insert(),
                [
                    {"judge_id": judge, "season_id": season_id, "announced_key": key}
                    for judge in dict.fromkeys(judges)
                ],
            )

    def seasons_page(
        self, generation: int, *, region: str | None, after: tuple[int, UUID] | None, limit: int
    ) -> list[tuple[int, UUID]]:
        t = self._at(generation).seasons
        query = sa.select(t.c.announced_key, t.c.season_id)
        if region is not None:
            query = query.where(t.c.region == region)
        order = (t.c.announced_key, t.c.season_id)
        rows = rows_after_key(self.store, query, order, after=after, limit=limit)
        return [(int(row[0]), row[1]) for row in rows]

    def schedule_round(
        self,
        batch: Batch,
        round_id: UUID,
        season_id: UUID,
        opens_at: datetime,
        closes_at: datetime,
    ) -> None:
        self.flush(batch)
        tables = self._at(batch.generation)
        connection = self._open(batch)
        for table in (tables.rounds, tables.entrants, tables.counts, tables.late, tables.frozen):
            connection.execute(table.delete().where(table.c.round_id == round_id))
        connection.execute(
            tables.rounds.insert().values(
                round_id=round_id,
                closed=False,
                season_id=season_id,
                opens_key=_key(opens_at),
                closes_key=_key(closes_at),
                opened=False,
            )
        )

    def open_round(self, batch: Batch, round_id: UUID) -> None:
        self.flush(batch)
        t = self._at(batch.generation).rounds
        self._open(batch).execute(t.update().where(t.c.round_id == round_id).values(opened=True))

    def rounds_due(self, generation: int, now: datetime, *, limit: int) -> list[tuple[UUID, bool]]:
        t = self._at(generation).rounds
        due = _key(now)
        to_open = sa.select(t.c.round_id, sa.literal(False), t.c.opens_key.label("at")).where(
            t.c.opened.is_(False), t.c.closed.is_(False), t.c.opens_key <= due
        )
        to_close = sa.select(t.c.round_id, sa.literal(True), t.c.closes_key.label("at")).where(
            t.c.opened.is_(True), t.c.closed.is_(False), t.c.closes_key <= due
        )
        both = sa.union_all(to_open, to_close).subquery()
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(both.c[0], both.c[1]).order_by(both.c.at, both.c[0]).limit(limit)
            ).all()
        return [(row[0], bool(row[1])) for row in rows]

    def request_verification(self, batch: Batch, artist_id: UUID, requested_at: datetime) -> None:
        self.flush(batch)
        t = self._at(batch.generation).requests
        connection = self._open(batch)
        connection.execute(t.delete().where(t.c.artist_id == artist_id))
        connection.execute(
            t.insert().values(
                artist_id=artist_id,
                requested_at=_text(requested_at),
                requested_key=_key(requested_at),
            )
        )

    def settle_verification(self, batch: Batch, artist_id: UUID) -> None:
        self.flush(batch)
        t = self._at(batch.generation).requests
        self._open(batch).execute(t.delete().where(t.c.artist_id == artist_id))

    def verification_queue(
        self, generation: int, *, after: tuple[int, UUID] | None, limit: int | None
    ) -> list[VerificationRequestLine]:
        tables = self._at(generation)
        r, a = tables.requests, tables.artists
        query = sa.select(r.c.requested_key, r.c.artist_id, a.c.account, r.c.requested_at).join(
            a, a.c.artist_id == r.c.artist_id
        )
        order = (r.c.requested_key, r.c.artist_id)
        rows = rows_after_key(self.store, query, order, after=after, limit=limit)
        return [
            VerificationRequestLine(
                key=int(row[0]),
                artist_id=row[1],
                account=row[2],
                requested_at=datetime.fromisoformat(row[3]),
            )
            for row in rows
        ]

    def enter_season(
        self,
        batch: Batch,
        round_id: UUID,
        artist_account: str,
        track_id: UUID,
        entered_at: datetime,
    ) -> None:
        # Kept back with the page's entrants: flushing here wrote them and forgot the
        # rounds' next places at every entry, a few round trips each.
        self._pending(batch).season_entries.append(
            (round_id, artist_account, track_id, _key(entered_at))
        )

    def seasons_judged(
        self, generation: int, judge: str, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[tuple[int, UUID]]:
        t = self._at(generation).season_judges
        query = sa.select(t.c.announced_key, t.c.season_id).where(t.c.judge_id == judge)
        order = (t.c.announced_key, t.c.season_id)
        rows = rows_after_key(self.store, query, order, after=after, limit=limit)
        return [(int(row[0]), row[1]) for row in rows]

    def seasons_entered(
        self, generation: int, account: str, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[tuple[int, UUID, UUID]]:
        t = self._at(generation).season_entries
        query = sa.select(t.c.entered_key, t.c.season_id, t.c.track_id).where(
            t.c.artist_account == account
        )
        order = (t.c.entered_key, t.c.season_id)
        rows = rows_after_key(self.store, query, order, after=after, limit=limit)
        return [(int(row[0]), row[1], row[2]) for row in rows]

    def season_field(
        self,
        generation: int,
        season_id: UUID,
        *,
        region: str | None,
        genre: str | None,
        after: tuple[int, UUID] | None,
        limit: int,
    ) -> list[FieldLine]:
        tables = self._at(generation)
        e, t, a = tables.season_entries, tables.tracks, tables.artists
        rounds, counts = tables.rounds, tables.counts
        votes = (
            sa.select(sa.func.coalesce(sa.func.sum(counts.c.votes), 0))
            .where(
                counts.c.track_id == e.c.track_id,
                counts.c.round_id.in_(
                    sa.select(rounds.c.round_id).where(rounds.c.season_id == season_id)
                ),
            )
            .scalar_subquery()
        )
        query = (
            sa.select(
                *_track_columns(t),
                e.c.entered_key,
                t.c.uses,
                votes,
                a.c.account,
                a.c.name,
                a.c.region,
                a.c.verified,
            )
            .join(t, t.c.track_id == e.c.track_id)
            .join(a, a.c.account == e.c.artist_account)
            .where(e.c.season_id == season_id)
        )
        if region is not None:
            query = query.where(a.c.region == region)
        if genre is not None:
            query = query.where(t.c.genre == genre)
        order = (e.c.entered_key, e.c.track_id)
        rows = rows_after_key(self.store, query, order, after=after, limit=limit)
        return [
            FieldLine(
                key=int(row[_AFTER_TRACK]),
                track=self._track_line(row),
                uses=int(row[_AFTER_TRACK + 1]),
                votes=int(row[_AFTER_TRACK + 2]),
                artist=ArtistLine(
                    account=str(row[_AFTER_TRACK + 3]),
                    name=str(row[_AFTER_TRACK + 4]),
                    region=str(row[_AFTER_TRACK + 5]),
                    verified=bool(row[_AFTER_TRACK + 6]),
                ),
            )
            for row in rows
        ]

    def admit_entrant(self, batch: Batch, round_id: UUID, track_id: UUID) -> None:
        kept = self._pending(batch)
        place = kept.places.get(round_id)
        if place is None:
            t = self._at(batch.generation).entrants
            place = (
                self._open(batch)
                .execute(
                    sa.select(sa.func.coalesce(sa.func.max(t.c.place) + 1, 0)).where(
                        t.c.round_id == round_id
                    )
                )
                .scalar_one()
            )
        kept.entrants.append({"round_id": round_id, "place": place, "track_id": track_id})
        kept.places[round_id] = place + 1

    def seed_entrants(self, batch: Batch, round_id: UUID, track_ids: Sequence[UUID]) -> None:
        self.flush(batch)
        t = self._at(batch.generation).entrants
        connection = self._open(batch)
        connection.execute(t.delete().where(t.c.round_id == round_id))
        if track_ids:
            connection.execute(
                t.insert(),
                [
                    {"round_id": round_id, "place": place, "track_id": track_id}
                    for place, track_id in enumerate(track_ids)
                ],
            )

    def closed_in(self, batch: Batch, round_id: UUID) -> bool:
        self.flush(batch)
        closed_of = self._at(batch.generation).closed_of
        return bool(self._open(batch).execute(closed_of, {"r": round_id}).scalar())

    def counted_in(self, batch: Batch, round_id: UUID) -> RoundCount:
        self.flush(batch)
        return self._count(self._open(batch), self._at(batch.generation), round_id)

    def uses_in(self, batch: Batch, track_ids: Iterable[UUID]) -> dict[UUID, int]:
        self.flush(batch)
        return self._uses(self._open(batch), self._at(batch.generation), track_ids)

    def freeze_round(self, batch: Batch, round_id: UUID, frozen: Mapping[UUID, Tally]) -> None:
        self.flush(batch)
        tables = self._at(batch.generation)
        connection = self._open(batch)
        self._ensure_round(connection, tables, round_id)
        connection.execute(
            tables.rounds.update().where(tables.rounds.c.round_id == round_id).values(closed=True)
        )
        connection.execute(tables.frozen.delete().where(tables.frozen.c.round_id == round_id))
        if frozen:
            connection.execute(
                tables.frozen.insert(),
                [
                    {
                        "round_id": round_id,
                        "track_id": track_id,
                        "place": place,
                        "votes": tally.votes,
                        "uses": tally.uses,
                        "score_sum": tally.score_sum,
                        "scores": tally.scores,
                    }
                    for place, (track_id, tally) in enumerate(frozen.items())
                ],
            )

    def count(
        self,
        batch: Batch,
        round_id: UUID,
        track_id: UUID,
        *,
        votes: int,
        score_sum: int,
        scores: int,
    ) -> None:
        self.flush(batch)
        tables = self._at(batch.generation)
        connection = self._open(batch)
        # Update, else insert: a projection's batches are serialised by its position's
        # compare and set, so nobody inserts the same row between the two.
        added = connection.execute(
            tables.add_to_count,
            {
                "r": round_id,
                "t": track_id,
                "add_votes": votes,
                "add_score_sum": score_sum,
                "add_scores": scores,
            },
        )
        if added.rowcount == 0:
            connection.execute(
                tables.new_count,
                {
                    "round_id": round_id,
                    "track_id": track_id,
                    "votes": votes,
                    "score_sum": score_sum,
                    "scores": scores,
                },
            )

    def count_all(self, batch: Batch, counts: Mapping[tuple[UUID, UUID], Tally]) -> None:
        self.flush(batch)
        add_amounts(
            self._open(batch),
            self._at(batch.generation).counts,
            ("round_id", "track_id"),
            ("votes", "score_sum", "scores"),
            [
                {"round_id": round_id, "track_id": track_id}
                | {"votes": tally.votes, "score_sum": tally.score_sum, "scores": tally.scores}
                for (round_id, track_id), tally in counts.items()
            ],
        )

    def add_late(self, batch: Batch, round_id: UUID, kind: str, record_id: UUID) -> None:
        self.flush(batch)
        t = self._at(batch.generation).late
        connection = self._open(batch)
        seen = connection.execute(
            sa.select(t.c.record_id).where(
                t.c.round_id == round_id, t.c.kind == kind, t.c.record_id == record_id
            )
        ).first()
        if seen is None:
            connection.execute(t.insert().values(round_id=round_id, kind=kind, record_id=record_id))

    @staticmethod
    def _ensure_round(connection: Connection, tables: _Tables, round_id: UUID) -> None:
        t = tables.rounds
        if connection.execute(sa.select(t.c.round_id).where(t.c.round_id == round_id)).first():
            return
        connection.execute(t.insert().values(round_id=round_id, closed=False))

    # Reads ------------------------------------------------------------------------------

    def artist(self, generation: int, account: str) -> ArtistLine | None:
        t = self._at(generation).artists
        with self.store.reading() as connection:
            row = connection.execute(
                sa.select(t.c.account, t.c.name, t.c.region, t.c.verified).where(
                    t.c.account == account
                )
            ).first()
        return None if row is None else ArtistLine(row[0], row[1], row[2], bool(row[3]))

    def artists(self, generation: int) -> dict[str, ArtistLine]:
        t = self._at(generation).artists
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(t.c.account, t.c.name, t.c.region, t.c.verified).order_by(t.c.account)
            ).all()
        return {row[0]: ArtistLine(row[0], row[1], row[2], bool(row[3])) for row in rows}

    @staticmethod
    def _track_line(row: sa.Row[Any]) -> TrackLine:
        values = tuple(row)
        return TrackLine(
            track_id=values[0],
            artist_account=str(values[1]),
            title=str(values[2]),
            status=TrackStatus(values[3]),
            submitted_at=datetime.fromisoformat(str(values[4])),
            flagged=bool(values[5]),
            decided_at=None if values[6] is None else datetime.fromisoformat(str(values[6])),
            genre=None if values[7] is None else str(values[7]),
        )

    def track_lines(self, generation: int, track_ids: Iterable[UUID]) -> dict[UUID, TrackLine]:
        return dict(self.lines(generation, track_ids=track_ids).tracks)

    def lines(
        self,
        generation: int,
        *,
        track_ids: Iterable[UUID] = (),
        accounts: Iterable[str] = (),
        uses_of: Iterable[UUID] = (),
    ) -> Lines:
        tables = self._at(generation)
        tracks: dict[UUID, TrackLine] = {}
        artists: dict[str, ArtistLine] = {}
        with self.store.reading() as connection:
            for chunk in _unique_chunks(track_ids):
                for row in connection.execute(tables.tracks_among, {"ids": chunk}):
                    line = self._track_line(row)
                    tracks[line.track_id] = line
            for names in _unique_chunks(accounts):
                for row in connection.execute(tables.artists_among, {"ids": names}):
                    artists[row[0]] = ArtistLine(row[0], row[1], row[2], bool(row[3]))
            uses = self._uses(connection, tables, uses_of)
        return Lines(tracks=tracks, artists=artists, uses=uses)

    def tracks(self, generation: int) -> dict[UUID, TrackLine]:
        t = self._at(generation).tracks
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(*_track_columns(t)).order_by(t.c.submitted_key, t.c.track_id)
            ).all()
        return {line.track_id: line for line in map(self._track_line, rows)}

    def uses(self, generation: int, track_ids: Iterable[UUID] | None = None) -> dict[UUID, int]:
        tables = self._at(generation)
        with self.store.reading() as connection:
            if track_ids is not None:
                return self._uses(connection, tables, track_ids)
            u = tables.uses
            rows = connection.execute(
                sa.select(u.c.track_id, sa.func.count()).group_by(u.c.track_id)
            ).all()
        return {row[0]: int(row[1]) for row in rows}

    @staticmethod
    def _uses(
        connection: Connection, tables: _Tables, track_ids: Iterable[UUID]
    ) -> dict[UUID, int]:
        found: dict[UUID, int] = {}
        for chunk in _unique_chunks(track_ids):
            rows = connection.execute(tables.uses_among, {"ids": chunk}).all()
            found.update({row[0]: int(row[1]) for row in rows})
        return found

    def recorded_uses(
        self, generation: int, pairs: Iterable[tuple[UUID, UUID]]
    ) -> set[tuple[UUID, UUID]]:
        u = self._at(generation).uses
        wanted = set(pairs)
        found: set[tuple[UUID, UUID]] = set()
        with self.store.reading() as connection:
            for chunk in _unique_chunks(track for track, _video in wanted):
                videos = {video for track, video in wanted if track in set(chunk)}
                rows = connection.execute(
                    sa.select(u.c.track_id, u.c.video_id).where(
                        u.c.track_id.in_(chunk), u.c.video_id.in_(videos)
                    )
                ).all()
                found.update((row[0], row[1]) for row in rows)
        return found & wanted

    def awaiting_review(
        self, generation: int, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[OwnTrackLine]:
        t = self._at(generation).tracks
        return self._submitted(t, t.c.status == str(TrackStatus.SUBMITTED), after, limit)

    def tracks_of(
        self, generation: int, account: str, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[OwnTrackLine]:
        t = self._at(generation).tracks
        return self._submitted(t, t.c.artist_account == account, after, limit)

    def _submitted(
        self,
        t: sa.Table,
        which: sa.ColumnElement[bool],
        after: tuple[int, UUID] | None,
        limit: int,
    ) -> list[OwnTrackLine]:
        """The tracks ``which`` chooses, in the order submitted, after the key (submitted,
        id)."""
        query = sa.select(*_track_columns(t), t.c.submitted_key, t.c.uses).where(which)
        order = (t.c.submitted_key, t.c.track_id)
        rows = rows_after_key(self.store, query, order, after=after, limit=limit)
        return [self._own_line(row) for row in rows]

    @classmethod
    def _own_line(cls, row: sa.Row[Any]) -> OwnTrackLine:
        key, uses = row[_AFTER_TRACK], row[_AFTER_TRACK + 1]
        return OwnTrackLine(key=int(key), track=cls._track_line(row), uses=int(uses))

    def playlist(
        self,
        generation: int,
        *,
        region: str | None,
        after: tuple[int, int, UUID] | None,
        limit: int,
        genre: str | None = None,
    ) -> list[PlaylistLine]:
        tables = self._at(generation)
        t, a = tables.tracks, tables.artists
        query = (
            sa.select(*_track_columns(t), t.c.uses, a.c.name, a.c.verified, t.c.decided_key)
            .select_from(t.outerjoin(a, a.c.account == t.c.artist_account))
            .where(t.c.status == str(TrackStatus.CLEARED))
        )
        if region is not None:
            query = query.where(a.c.region == region)
        if genre is not None:
            query = query.where(t.c.genre == genre)
        if after is not None:
            uses, decided, track_id = after
            # The order is (uses descending, decided descending, id): the rows after the key.
            query = query.where(
                sa.or_(
                    t.c.uses < uses,
                    sa.and_(
                        t.c.uses == uses,
                        sa.or_(
                            t.c.decided_key < decided,
                            sa.and_(t.c.decided_key == decided, t.c.track_id > track_id),
                        ),
                    ),
                )
            )
        with self.store.reading() as connection:
            rows = connection.execute(
                query.order_by(t.c.uses.desc(), t.c.decided_key.desc(), t.c.track_id).limit(limit)
            ).all()
        lines = []
        for row in rows:
            track = self._track_line(row)
            account = track.artist_account
            uses, name, verified, decided_key = tuple(row)[_AFTER_TRACK:]
            lines.append(
                PlaylistLine(
                    track=track,
                    uses=int(uses),
                    artist=Byline(account=account, name=account, verified=False)
                    if name is None
                    else Byline(account=account, name=name, verified=bool(verified)),
                    decided_key=int(decided_key),
                )
            )
        return lines

    def cleared_without_scan(self, generation: int) -> list[UUID]:
        tables = self._at(generation)
        t, s = tables.tracks, tables.scans
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(t.c.track_id)
                .where(
                    t.c.status == str(TrackStatus.CLEARED),
                    ~sa.exists().where(s.c.track_id == t.c.track_id),
                )
                .order_by(t.c.submitted_key, t.c.track_id)
            ).all()
        return [row[0] for row in rows]

    def scans(self, generation: int) -> tuple[set[str], set[str]]:
        s = self._at(generation).scans
        with self.store.reading() as connection:
            rows = connection.execute(sa.select(s.c.scope, s.c.finished)).all()
        return {row[0] for row in rows}, {row[0] for row in rows if row[1]}

    def unfinished_scans(self, generation: int) -> set[str]:
        s = self._at(generation).scans
        with self.store.reading() as connection:
            rows = connection.execute(sa.select(s.c.scope).where(s.c.finished.is_(False))).all()
        return {row[0] for row in rows}

    def count_of(self, generation: int, round_id: UUID) -> RoundCount:
        with self.store.reading() as connection:
            return self._count(connection, self._at(generation), round_id)

    @staticmethod
    def _count(connection: Connection, tables: _Tables, round_id: UUID) -> RoundCount:
        closed = bool(
            connection.execute(
                sa.select(tables.rounds.c.closed).where(tables.rounds.c.round_id == round_id)
            ).scalar()
        )
        e, c, late, f = tables.entrants, tables.counts, tables.late, tables.frozen
        count = RoundCount(closed=closed)
        count.entrants = [
            row[0]
            for row in connection.execute(
                sa.select(e.c.track_id).where(e.c.round_id == round_id).order_by(e.c.place)
            )
        ]
        for track_id, votes, score_sum, scores in connection.execute(
            sa.select(c.c.track_id, c.c.votes, c.c.score_sum, c.c.scores).where(
                c.c.round_id == round_id
            )
        ):
            _count_into(count, track_id, int(votes), int(score_sum), int(scores))
        for kind, record_id in connection.execute(
            sa.select(late.c.kind, late.c.record_id).where(late.c.round_id == round_id)
        ):
            (count.late_ballot_ids if kind == BALLOT else count.late_score_ids).add(record_id)
        if closed:
            count.frozen = {
                row[0]: Tally(
                    votes=int(row[1]), uses=int(row[2]), score_sum=int(row[3]), scores=int(row[4])
                )
                for row in connection.execute(
                    sa.select(f.c.track_id, f.c.votes, f.c.uses, f.c.score_sum, f.c.scores)
                    .where(f.c.round_id == round_id)
                    .order_by(f.c.place)
                )
            }
        return count

    def rounds(self, generation: int) -> dict[UUID, RoundCount]:
        tables = self._at(generation)
        e, c, late, f = tables.entrants, tables.counts, tables.late, tables.frozen
        counts: defaultdict[UUID, RoundCount] = defaultdict(RoundCount)
        frozen: defaultdict[UUID, dict[UUID, Tally]] = defaultdict(dict)
        with self.store.reading() as connection:
            for round_id, closed in connection.execute(
                sa.select(tables.rounds.c.round_id, tables.rounds.c.closed)
            ):
                counts[round_id].closed = bool(closed)
            for round_id, track_id in connection.execute(
                sa.select(e.c.round_id, e.c.track_id).order_by(e.c.round_id, e.c.place)
            ):
                counts[round_id].entrants.append(track_id)
            for round_id, track_id, votes, score_sum, scores in connection.execute(
                sa.select(c.c.round_id, c.c.track_id, c.c.votes, c.c.score_sum, c.c.scores)
            ):
                _count_into(counts[round_id], track_id, int(votes), int(score_sum), int(scores))
            for round_id, kind, record_id in connection.execute(
                sa.select(late.c.round_id, late.c.kind, late.c.record_id)
            ):
                count = counts[round_id]
                (count.late_ballot_ids if kind == BALLOT else count.late_score_ids).add(record_id)
            for round_id, track_id, votes, uses, score_sum, scores in connection.execute(
                sa.select(
                    f.c.round_id, f.c.track_id, f.c.votes, f.c.uses, f.c.score_sum, f.c.scores
                ).order_by(f.c.round_id, f.c.place)
            ):
                frozen[round_id][track_id] = Tally(
                    votes=int(votes), uses=int(uses), score_sum=int(score_sum), scores=int(scores)
                )
        for round_id, count in counts.items():
            if count.closed:
                count.frozen = frozen.get(round_id, {})
        return dict(counts)

    def is_late(self, generation: int, round_id: UUID, kind: str, record_id: UUID) -> bool:
        t = self._at(generation).late
        with self.store.reading() as connection:
            return (
                connection.execute(
                    sa.select(t.c.record_id).where(
                        t.c.round_id == round_id, t.c.kind == kind, t.c.record_id == record_id
                    )
                ).first()
                is not None
            )

    def late_counts(self, generation: int, round_id: UUID) -> dict[str, int]:
        t = self._at(generation).late
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(t.c.kind, sa.func.count())
                .where(t.c.round_id == round_id)
                .group_by(t.c.kind)
            ).all()
        return {row[0]: int(row[1]) for row in rows}


def _count_into(count: RoundCount, track_id: UUID, votes: int, score_sum: int, scores: int) -> None:
    # Only what was counted: the in-memory counters never held a track nobody voted for.
    if votes:
        count.votes[track_id] = votes
    if scores:
        count.score_sum[track_id] = score_sum
        count.scores[track_id] = scores
