"""Read models persisted in the store's database, with the log positions they have applied.

A *projection* turns the events of one or more logs into rows. Its rows and the positions it
has reached are written in one transaction of the projection store (``ProjectionStore``), so
each event is applied exactly once, across crashes and across processes: a batch moves a
log's position from the one it read to the one it applied only if nobody moved it meanwhile
(compare and set), else it is rolled back whole and the runner reads the position again.

A projection's rows live in *generations* of its tables: the active generation answers
reads; a rebuild fills a new generation from zero beside it and swaps it in once caught up,
so a changed read model is rebuilt without stopping the service. A projection whose code
``version`` differs from its active generation's starts a new generation on its own.

A projection that meets an event it cannot apply stops at that event's position and records
why (``status()``); the runner retries it at every catch-up, and the other projections go on.

The eventsourcing library's ``ProjectionRunner`` follows one application per projection from
a subscription thread; ours follow several logs (dashboards read the catalogue and the
revenue log), are caught up on demand as well as by a worker, and keep generations, so the
runner is the core's own (ARCHITECTURE.md, "Durable read models").
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import attrs
from eventsourcing.application import Application

from application.progress import JobProgress
from application.read_models import LogPositions

log = logging.getLogger("spotlight.projections")

#: Events read from a log, and applied in one transaction, at a time.
PAGE = 1000


class Batch(Protocol):
    """One open transaction of the projection store, for one generation of one projection:
    the rows a projection writes through it commit with the positions it applied."""

    @property
    def generation(self) -> int: ...


class Projection(Protocol):
    """A read model whose rows are kept by the projection store."""

    @property
    def name(self) -> str:
        """Stable and unique: it keys the projection's positions and generations."""
        ...

    @property
    def version(self) -> int:
        """Changed whenever the rows' shape or meaning changes: a new version is rebuilt."""
        ...

    @property
    def follows(self) -> Mapping[str, Sequence[str]]:
        """Log name -> the topics of the events it applies from that log."""
        ...

    # Optional: ``configuration``, a string (default "") naming the settings its rows depend
    # on (the analytics' click window); a generation made under another is rebuilt, as for
    # another version. Read with ``configuration_of``.

    def create(self, generation: int) -> None:
        """Create the tables of a generation (nothing if they exist)."""
        ...

    def drop(self, generation: int) -> None:
        """Drop the tables of a retired generation."""
        ...

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        """Write what one event changes, through ``batch``."""
        ...

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view of a generation's rows for the auditor's replay."""
        ...


@runtime_checkable
class PageProjection(Protocol):
    """A projection that applies a page of events at once (grouping its writes: one
    statement for many rows), with the same effect as applying each in turn."""

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        """Write what the events (each with its position, in log order) change."""
        ...


class _CollectionPause:
    """The cyclic garbage collector held off while pages are decoded and applied.

    A page of a thousand engagement batches is millions of objects alive at once, and the
    collector would walk them again and again as they are made (about 40% of decoding such
    a page); they are freed by reference counting when the page is done, and nothing in a
    page makes cycles that must be collected meanwhile. Nested and concurrent pauses count:
    the collector comes back when the last ends, and only if it was on before the first.

    The pause is process-wide (``gc.disable``), so a runner takes it only when told its
    process does nothing else meanwhile (``ProjectionRunner.pause_collector``: the
    ``spotlight worker`` and ``spotlight projections rebuild`` processes). In the embedded
    default the service's request threads run while a request catches a projection up, and
    their garbage is not to wait for a page of someone else's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pauses = 0
        self._was_enabled = False

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._pauses == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._pauses += 1
        try:
            yield
        finally:
            with self._lock:
                self._pauses -= 1
                if self._pauses == 0 and self._was_enabled:
                    gc.enable()


collection_paused = _CollectionPause()


#: Reads what a projection needs of one stored event's state (the transcoder's bytes, the
#: mapper's cipher and compressor undone) and its originator's id, given the log's
#: transcoder: the event the projection applies in its place, or None to have the mapper
#: decode it whole (any state the reader does not recognise exactly, which the mapper then
#: decodes or refuses as always).
StoredReader = Callable[[bytes, Any, Any], Any | None]


def readers_of(projection: Projection) -> Mapping[str, StoredReader]:
    """A projection's own readers of some topics' stored states (optional attribute
    ``readers``: topic -> ``StoredReader``), for events it needs only part of: an engagement
    batch's thousand counts summed by video rather than built as value objects."""
    readers: Mapping[str, StoredReader] = getattr(projection, "readers", {})
    return readers


def configuration_of(projection: Projection) -> str:
    """The settings a projection's rows depend on ("" when it names none)."""
    return str(getattr(projection, "configuration", ""))


class PositionMoved(RuntimeError):
    """Another runner applied the same events first: the batch was rolled back."""


@attrs.frozen
class Generation:
    number: int
    version: int
    state: str  # building, active or retired
    configuration: str = ""


@attrs.frozen
class Progress:
    """A projection's active generation with the positions it has applied and whether a
    failure is recorded against it, read together (one question to the store)."""

    generation: Generation
    positions: Mapping[str, int]
    failed: bool


@attrs.frozen
class Failure:
    log: str
    position: int
    error: str
    failed_at: float


class ProjectionStore(Protocol):
    """Where projections keep their generations, positions, leases and failures (a port:
    ``adapters.projections`` holds it in SQLite, PostgreSQL or any SQLAlchemy database)."""

    def generations(self, name: str) -> list[Generation]: ...

    def active_generation(self, name: str) -> Generation | None: ...

    def progress(self, name: str) -> Progress | None:
        """The active generation, its positions and whether it has a failure recorded, read
        at once (None: no active generation)."""
        ...

    def new_generation(
        self,
        name: str,
        version: int,
        logs: Sequence[str],
        *,
        active: bool,
        configuration: str = "",
    ) -> int:
        """Add a generation at position 0 of every log; the first of a name is active."""
        ...

    def activate(self, name: str, generation: int) -> Generation | None:
        """Make a generation the active one; answer the one it retires."""
        ...

    def making(self, name: str, generation: int) -> AbstractContextManager[None]:
        """While open, the tables this thread creates are the generation's own: those
        ``settle`` brings up to date."""
        ...

    def settle(self, name: str, generation: int) -> None:
        """Bring the database's planner statistics of a generation's tables (those made under
        ``making``) up to date once they are filled in bulk, before the generation answers
        reads: without them a fresh generation's rows are taken for a few and its queries
        planned as if so."""
        ...

    def forget(self, name: str, generation: int) -> None:
        """Remove a retired generation's positions and failures."""
        ...

    def positions(self, name: str, generation: int) -> dict[str, int]: ...

    def batch(
        self, name: str, generation: int, log: str, start: int, end: int
    ) -> AbstractContextManager[Batch]:
        """A transaction that moves ``log``'s position from ``start`` to ``end`` at its commit,
        raising ``PositionMoved`` (and keeping nothing) if it is no longer at ``start``."""
        ...

    def record_failure(self, name: str, generation: int, failure: Failure) -> None: ...

    def clear_failure(self, name: str, generation: int) -> None: ...

    def failure(self, name: str, generation: int) -> Failure | None: ...

    def try_lease(self, name: str, holder: str, now: float, seconds: float) -> bool:
        """Hold the right to run a projection until ``now + seconds``, unless another holder
        does: the worker's way of running each projection in one process at a time."""
        ...

    def release(self, name: str, holder: str) -> None: ...

    def unavailable(self, error: BaseException) -> bool:
        """Whether ``error`` says the database could not be reached or was busy (a restart,
        a dropped connection, a lock held too long) rather than that an event cannot be
        applied: such a page is tried again at the next catch-up, and nobody is blamed."""
        ...


@attrs.frozen
class ProjectionStatus:
    name: str
    version: int
    generation: int | None
    generation_version: int | None
    positions: Mapping[str, int]
    ends: Mapping[str, int]
    failure: Failure | None
    building: tuple[int, ...]

    @property
    def lag(self) -> int:
        """Events of its logs' ends not yet passed (of every topic: an upper bound)."""
        return sum(max(0, end - self.positions.get(log, 0)) for log, end in self.ends.items())


class ProjectionFailed(RuntimeError):
    def __init__(self, name: str, failure: Failure) -> None:
        super().__init__(
            f"the projection {name!r} stopped at {failure.log} position {failure.position}: "
            f"{failure.error}"
        )
        self.failure = failure


class ProjectionRunner:
    """Brings projections to the end of their logs, a page per transaction."""

    def __init__(
        self,
        store: ProjectionStore,
        logs: Mapping[str, Application[UUID]],
        *,
        page: int = PAGE,
        inline: bool = True,
        log_ends: Callable[[], dict[str, int]] | None = None,
        pause_collector: bool = False,
    ) -> None:
        self.store = store
        #: Whether the cyclic garbage collector is held off while a page is decoded and
        #: applied (``collection_paused``): only in a process that runs nothing else
        #: meanwhile, since the pause holds for every thread of the process.
        self.pause_collector = pause_collector
        self._logs = dict(logs)
        #: Every log's end read at once, where the store can (one statement on PostgreSQL).
        self._log_ends = log_ends
        self.page = page
        #: Whether a read brings its projection up to date first (``fresh``): the embedded
        #: default; with workers (SPOTLIGHT_PROJECTIONS=worker) requests only read.
        self.inline = inline
        self._projections: dict[str, Projection] = {}
        self._locks: dict[str, threading.Lock] = {}
        #: Per projection, the generation its last catch-up in this process brought.
        self._brought: dict[str, int] = {}
        #: (projection, generation, log) -> (position, end): this process found no event of
        #: the projection's topics after that persisted position up to that end, so a check
        #: (``up_to_date``) need not write the position on, nor read that stretch again.
        self._clear: dict[tuple[str, int, str], tuple[int, int]] = {}
        self._clear_lock = threading.Lock()

    def log_names(self) -> tuple[str, ...]:
        """The names of the logs the projections follow (the logs themselves stay private:
        a write through them would skip every use case's checks)."""
        return tuple(self._logs)

    def register(self, projection: Projection) -> None:
        """Adds a projection (with a new generation if its version or configuration is not the
        active one's). A name already registered, or a log the runner does not follow, is a
        ``ValueError``."""
        if projection.name in self._projections:
            raise ValueError(f"a projection named {projection.name!r} is already registered")
        unknown = set(projection.follows) - set(self._logs)
        if unknown:
            raise ValueError(f"{projection.name!r} follows unknown logs: {sorted(unknown)}")
        self._projections[projection.name] = projection
        self._locks[projection.name] = threading.Lock()
        self._current(projection)

    def __iter__(self) -> Iterator[Projection]:
        return iter(tuple(self._projections.values()))

    def __getitem__(self, name: str) -> Projection:
        return self._projections[name]

    def names(self) -> tuple[str, ...]:
        """The registered projections' names, in the order registered."""
        return tuple(self._projections)

    def _current(self, projection: Projection) -> int:
        """The generation reads use: the active one, or a new one when the code's version
        or the configuration is not the active generation's (its tables hold rows of another
        shape or meaning)."""
        active = self.store.active_generation(projection.name)
        configuration = configuration_of(projection)
        if (
            active is not None
            and active.version == projection.version
            and active.configuration == configuration
        ):
            return active.number
        number = self.store.new_generation(
            projection.name,
            projection.version,
            tuple(projection.follows),
            active=True,
            configuration=configuration,
        )
        projection.create(number)
        if active is not None:
            log.warning(
                "%s: version %d (%r) replaces version %d (%r); rebuilding from zero",
                projection.name,
                projection.version,
                configuration,
                active.version,
                active.configuration,
            )
            retired = self.store.activate(projection.name, number)
            if retired is not None:
                self._retire(projection, retired.number)
        return number

    def active(self, name: str) -> int:
        """The generation of a projection that reads use, without catching it up."""
        return self._current(self._projections[name])

    def fresh(self, name: str) -> int:
        """The generation a read should query, brought to the end of its logs first when
        reads catch up (``inline``). Raises ``ProjectionFailed`` if it cannot be."""
        if not self.inline:
            return self.active(name)
        return self.up_to_date(name)

    def up_to_date(self, name: str) -> int:
        """The generation a read should query, brought to the end of its logs first whoever
        catches up (what a command decides on must be the log's, even with workers). The
        logs' ends and the projection's progress are read first, without waiting for the
        projection's lock: when every position has reached its log's end, nothing was
        recorded that it could lack, and the catch-up is skipped. Raises
        ``ProjectionFailed`` if it cannot be brought up to date."""
        projection = self._projections[name]
        ends = self._ends_of(projection)
        progress = self._progress_of(projection)
        if (
            progress is not None
            and not progress.failed
            and self._nothing_to_apply(projection, progress, ends)
        ):
            return progress.generation.number
        self.catch_up(name)
        return self._brought[name]

    def _nothing_to_apply(
        self, projection: Projection, progress: Progress, ends: Mapping[str, int]
    ) -> bool:
        """Whether no event of the projection's topics lies between each log's position and
        its end. A stretch found empty is remembered, not written: the position is moved on
        by the next catch-up that applies something, or by ``catch_up`` (a worker, the
        sweeper, a read waiting for positions), so a command whose own events the
        projection does not follow costs one read, not a transaction."""
        generation = progress.generation.number
        for log_name, topics in projection.follows.items():
            position, end = progress.positions.get(log_name, 0), ends[log_name]
            if position >= end:
                continue
            key = (projection.name, generation, log_name)
            base, scanned = self._clear.get(key, (position, position))
            start = scanned if base == position else position
            if start >= end:
                continue
            found = self._logs[log_name].recorder.select_notifications(
                start=start, limit=1, stop=end, topics=tuple(topics), inclusive_of_start=False
            )
            if found:
                return False
            with self._clear_lock:
                kept = self._clear.get(key)
                if kept is None or kept[0] != position or kept[1] < end:
                    self._clear[key] = (position, end)
        return True

    def _ends_of(self, projection: Projection) -> dict[str, int]:
        return {
            log_name: self._logs[log_name].recorder.max_notification_id() or 0
            for log_name in projection.follows
        }

    def _progress_of(self, projection: Projection) -> Progress | None:
        """The active generation's progress, if it is the one this code reads (its version
        and configuration)."""
        progress = self.store.progress(projection.name)
        if progress is None:
            return None
        active = progress.generation
        if (active.version, active.configuration) != (
            projection.version,
            configuration_of(projection),
        ):
            return None
        return progress

    def catch_up(self, name: str, *, generation: int | None = None) -> int:
        """Apply every event of its logs not yet applied; answer how many were applied.

        Raises ``ProjectionFailed`` if an event cannot be applied (the position stays before
        it, and the failure is recorded for ``status()``)."""
        with self._locks[name]:
            return self._bring(self._projections[name], generation)

    def _bring(
        self,
        projection: Projection,
        generation: int | None,
        told: JobProgress | None = None,
    ) -> int:
        """Under the projection's lock: follow each log to the end it had when this began;
        answer the events applied. The active generation brought is noted for
        ``up_to_date``; ``told`` is told the log positions passed of all there are."""
        name = projection.name
        # Read before following: each log is then followed to at least these ends.
        ends = self._ends_of(projection)
        progress = self._progress_of(projection) if generation is None else None
        if progress is not None:
            number = progress.generation.number
            positions, failed = progress.positions, progress.failed
        else:
            number = self._current(projection) if generation is None else generation
            positions = self.store.positions(name, number)
            failed = self.store.failure(name, number) is not None
        applied = 0
        total = sum(max(0, ends[log] - positions.get(log, 0)) for log in projection.follows)
        passed = 0

        def page_done(positions_passed: int) -> None:
            nonlocal passed
            passed += positions_passed
            if told is not None:
                told(passed, total)

        for log_name, topics in projection.follows.items():
            applied += self._follow(
                projection,
                number,
                log_name,
                tuple(topics),
                start=positions.get(log_name, 0),
                end=ends[log_name],
                page_done=page_done,
            )
        if failed:
            self.store.clear_failure(name, number)
        if generation is None:
            self._brought[name] = number
        return applied

    def catch_up_all(self) -> dict[str, int | ProjectionFailed]:
        """Every projection, each on its own: one that fails leaves the others to go on."""
        done: dict[str, int | ProjectionFailed] = {}
        for name in self._projections:
            try:
                done[name] = self.catch_up(name)
            except ProjectionFailed as failed:
                done[name] = failed
        return done

    def _follow(
        self,
        projection: Projection,
        generation: int,
        log_name: str,
        topics: tuple[str, ...],
        *,
        start: int | None = None,
        end: int | None = None,
        page_done: Callable[[int], None] | None = None,
    ) -> int:
        """Apply the log's events of ``topics`` from ``start`` to ``end`` (by default the
        generation's position and the log's end, read now); ``page_done`` is told the
        positions each page applied passed."""
        application = self._logs[log_name]
        applied = 0
        position = (
            self.store.positions(projection.name, generation).get(log_name, 0)
            if start is None
            else start
        )
        if end is None:
            end = application.recorder.max_notification_id() or 0
        while position < end:
            with self._collection_paused():
                events, reached = self.read_page(
                    log_name, topics, position, end, readers=readers_of(projection)
                )
                try:
                    self._apply(projection, generation, log_name, position, reached, events)
                except Exception as error:
                    if self.store.unavailable(error):
                        raise  # the database went away: this page is nobody's fault
                    now = self.store.positions(projection.name, generation).get(log_name, 0)
                    if isinstance(error, PositionMoved) or now != position:
                        # Another runner applied the page first (its rows may also have made
                        # ours collide): read on from where it left the log.
                        position = now
                        continue
                    try:
                        self._find_failure(projection, generation, log_name, position, events)
                    except PositionMoved:
                        position = self.store.positions(projection.name, generation).get(
                            log_name, 0
                        )
                        continue
                    raise  # not reached: _find_failure raises
            applied += len(events)
            if page_done is not None:
                page_done(reached - position)
            position = reached
        return applied

    def read_page(
        self,
        log_name: str,
        topics: Sequence[str],
        position: int,
        end: int,
        *,
        readers: Mapping[str, StoredReader] | None = None,
    ) -> tuple[list[tuple[Any, int]], int]:
        """The next page of a log's events of ``topics`` after ``position`` up to ``end``,
        decoded, each with its position; and the position the page reaches (past its last
        event when it is the page that ends the log: the rest are other topics). The
        events of a topic ``readers`` names are what its reader answers (see
        ``StoredReader``), or the mapper's events where it answers None."""
        application = self._logs[log_name]
        notifications = application.recorder.select_notifications(
            start=position,
            limit=self.page,
            stop=end,
            topics=topics,
            inclusive_of_start=False,
        )
        reached = end if len(notifications) < self.page else notifications[-1].id
        mapper = application.mapper
        to_domain_event = mapper.to_domain_event
        with self._collection_paused():
            if not readers or mapper.cipher is not None or mapper.compressor is not None:
                events = [(to_domain_event(record), record.id) for record in notifications]
            else:
                transcoder = mapper.transcoder
                events = []
                for record in notifications:
                    reader = readers.get(record.topic)
                    event = (
                        None
                        if reader is None
                        else reader(record.state, record.originator_id, transcoder)
                    )
                    events.append((to_domain_event(record) if event is None else event, record.id))
        return events, reached

    def _collection_paused(self) -> contextlib.AbstractContextManager[None]:
        return collection_paused() if self.pause_collector else contextlib.nullcontext()

    def _apply(
        self,
        projection: Projection,
        generation: int,
        log_name: str,
        start: int,
        end: int,
        events: Sequence[tuple[Any, int]],
    ) -> None:
        with self.store.batch(projection.name, generation, log_name, start, end) as batch:
            if isinstance(projection, PageProjection):
                projection.apply_page(batch, log_name, events)
            else:
                for event, position in events:
                    projection.apply(batch, log_name, event, position)

    def _find_failure(
        self,
        projection: Projection,
        generation: int,
        log_name: str,
        start: int,
        events: Sequence[tuple[Any, int]],
    ) -> None:
        """Apply the page one event per transaction up to the one that fails, so the
        projection stops exactly before it and names it."""
        position = start
        for event, event_position in events:
            try:
                self._apply(
                    projection,
                    generation,
                    log_name,
                    position,
                    event_position,
                    [(event, event_position)],
                )
            except PositionMoved:
                raise
            except Exception as error:
                failure = Failure(
                    log=log_name,
                    position=event_position,
                    error=f"{type(error).__name__}: {error}",
                    failed_at=_now(),
                )
                self.store.record_failure(projection.name, generation, failure)
                log.error(
                    "%s stopped at %s position %d: %s",
                    projection.name,
                    log_name,
                    event_position,
                    failure.error,
                )
                raise ProjectionFailed(projection.name, failure) from error
            position = event_position
        # The page failed as a whole but every event applies alone: a fault of the store's
        # (a lost connection); report it at the page's first event.
        failure = Failure(
            log=log_name,
            position=events[0][1] if events else start,
            error="the batch could not be written",
            failed_at=_now(),
        )
        self.store.record_failure(projection.name, generation, failure)
        raise ProjectionFailed(projection.name, failure)

    # Rebuilds ------------------------------------------------------------------------------

    def rebuild(self, name: str, *, progress: JobProgress | None = None) -> int:
        """Fill a new generation from zero beside the active one, then swap it in; answer its
        number. Reads go on from the active generation until the swap. ``progress`` is told
        the log positions the new generation has passed, of all it must."""
        projection = self._projections[name]
        number = self.store.new_generation(
            name,
            projection.version,
            tuple(projection.follows),
            active=False,
            configuration=configuration_of(projection),
        )
        with self.store.making(name, number):
            projection.create(number)
        try:
            with self._locks[name]:
                self._bring(projection, number, progress)
            # Its statistics, before the swap and outside the lock the readers take.
            self.store.settle(name, number)
            with self._locks[name]:
                # Whatever arrived during the rebuild, under the lock the readers take.
                for log_name, topics in projection.follows.items():
                    self._follow(projection, number, log_name, tuple(topics))
                retired = self.store.activate(name, number)
        except BaseException:
            projection.drop(number)
            self.store.forget(name, number)
            raise
        if retired is not None:
            self._retire(projection, retired.number)
        return number

    def _retire(self, projection: Projection, generation: int) -> None:
        projection.drop(generation)
        self.store.forget(projection.name, generation)

    # Reading one's writes ------------------------------------------------------------------

    def behind(self, after: Mapping[str, int]) -> int:
        """Events up to ``after``'s positions that the slowest projection following those
        logs has not passed (0: every one has passed them). A projection not yet started
        counts from position 0."""
        unknown = set(after) - set(self._logs)
        if unknown:
            raise ValueError(f"no log named {', '.join(sorted(unknown))}")
        worst = 0
        for projection in self:
            logs = [log_name for log_name in after if log_name in projection.follows]
            if not logs:
                continue
            active = self.store.active_generation(projection.name)
            reached = {} if active is None else self.store.positions(projection.name, active.number)
            short = sum(max(0, after[log_name] - reached.get(log_name, 0)) for log_name in logs)
            worst = max(worst, short)
        return worst

    def wait_for(
        self,
        after: Mapping[str, int],
        *,
        seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> int:
        """Wait, at most ``seconds``, until every projection following ``after``'s logs has
        passed its positions (a command's own, read from its answer); answer the events still
        missing when it gave up, 0 when none is.

        With ``inline`` reads the wait catches those projections up itself; with workers it
        watches their positions move. A projection that has failed does not move: the wait
        lasts its bound and answers its lag rather than refusing the read."""
        deadline = monotonic() + seconds
        following = tuple(
            projection.name for projection in self if set(projection.follows) & set(after)
        )
        pause = 0.005
        while True:
            if self.inline:
                for name in following:
                    # A failure is recorded for status(); its lag is the answer.
                    with contextlib.suppress(ProjectionFailed):
                        self.catch_up(name)
            lag = self.behind(after)
            left = deadline - monotonic()
            if lag == 0 or left <= 0:
                return lag
            sleep(min(pause, left))
            # Polling the store: quick at first (a worker is usually a batch away), then
            # gentler on the database.
            pause = min(pause * 2, 0.2)

    # Status --------------------------------------------------------------------------------

    def ends(self) -> dict[str, int]:
        """The last position of each followed log."""
        if self._log_ends is not None:
            return self._log_ends()
        return {
            name: application.recorder.max_notification_id() or 0
            for name, application in self._logs.items()
        }

    def status(self, ends: Mapping[str, int] | None = None) -> list[ProjectionStatus]:
        """Each projection's version, active generation, positions against the logs' ends,
        recorded failure, and generations being built (for operators and the auditor)."""
        ends = self.ends() if ends is None else ends
        statuses = []
        for projection in self:
            generations = self.store.generations(projection.name)
            active = next((g for g in generations if g.state == "active"), None)
            statuses.append(
                ProjectionStatus(
                    name=projection.name,
                    version=projection.version,
                    generation=None if active is None else active.number,
                    generation_version=None if active is None else active.version,
                    positions={}
                    if active is None
                    else self.store.positions(projection.name, active.number),
                    ends={log_name: ends[log_name] for log_name in projection.follows},
                    failure=None
                    if active is None
                    else self.store.failure(projection.name, active.number),
                    building=tuple(g.number for g in generations if g.state == "building"),
                )
            )
        return statuses


def _reached(progress: Progress, ends: Mapping[str, int]) -> bool:
    """Every log's position at or past its end, and no failure left to clear."""
    return not progress.failed and all(
        progress.positions.get(log_name, 0) >= end for log_name, end in ends.items()
    )


def _now() -> float:
    # A failure's wall-clock time is for the operator's eyes only, never for a decision.
    return time.time()


@attrs.frozen
class Persisted:
    """A projection in the registry of read models: caught up by its runner, compared by
    the auditor's replay from its active generation's rows."""

    runner: ProjectionRunner
    projection: Projection

    @property
    def name(self) -> str:
        return self.projection.name

    def catch_up(self) -> object:
        return self.runner.catch_up(self.projection.name)

    def export(self, positions: LogPositions) -> Mapping[str, object]:
        return self.projection.export(self.runner.active(self.projection.name), positions)
