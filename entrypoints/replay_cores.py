"""The two cores the auditor's replay compares, built by the service's own ``bootstrap``:
the live one over the audited store, and a fresh one over a scratch store.

Neither core is handed a request: nothing is decoded, matched or delivered. The scratch
core still gets a notifier that delivers nothing, so that no code path of a replay could
ever tell a person something.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import attrs

from adapters.audit.logs import open_log
from adapters.storage import parse_store
from application.logs import LOG_NAMES
from application.notifications import Notice
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings

#: Every application log the replay copies (the inbox too: its messages are events).
REPLAYED_LOGS = LOG_NAMES
MEMORY = "memory"
SCRATCH_FILES = "replay.*.db*"  # with SQLite's -wal and -shm files


def _remove_scratch_files(directory: Path) -> None:
    for path in directory.glob(SCRATCH_FILES):
        path.unlink(missing_ok=True)


class NoDelivery:
    """A notifier for the replayed core: it tells no one anything."""

    def notify(self, recipient: str, *, subject: str, body: str, key: str, **typed: Any) -> str:
        raise RuntimeError("a replayed core delivers no notices")

    def inbox(
        self, recipient: str, *, after: int = 0, limit: int = 50, **filters: Any
    ) -> list[Notice]:
        return []


def require_logs(settings: Settings) -> None:
    """Refuse (``StoreConfigurationError``) a store that lacks one of the logs, before
    ``bootstrap`` would create it: an audit creates nothing in the audited store."""
    for name in REPLAYED_LOGS:
        open_log(settings.store, name).close()


def live_core(settings: Settings) -> Spotlight:
    """The core as the service starts it over the audited store. A throw-away token secret:
    the replay issues no tokens, and must not make a secret file in the data directory."""
    return bootstrap(attrs.evolve(settings, secret=secrets.token_bytes(32)))


def scratch_core(settings: Settings, directory: Path | None) -> Spotlight:
    """A fresh core over an empty scratch store: a SQLite file in ``directory``, or the
    in-memory store when ``directory`` is None."""
    url = "memory://" if directory is None else f"sqlite:///{directory / 'replay.db'}"
    scratch = Settings(
        store=parse_store(url, setting="--scratch"),
        data_dir=directory or Path(tempfile.gettempdir()),
        secret=secrets.token_bytes(32),
        pulse_regions=settings.pulse_regions,
        max_upload_bytes=settings.max_upload_bytes,
        # The replay counts clicks by the live service's rule.
        click_window_seconds=settings.click_window_seconds,
    )
    return bootstrap(scratch, notifier=NoDelivery())


@contextmanager
def replay_cores(
    settings: Settings, scratch: str | None = None
) -> Iterator[tuple[Spotlight, Spotlight]]:
    """(live core, scratch core), closed (and the scratch store removed) afterwards.

    ``scratch``: ``"memory"`` for the in-memory store, a directory to hold the scratch SQLite
    files (it must not hold a replay already), or None for a temporary directory."""
    # The memory store lives inside one process: refused here, like every missing log.
    require_logs(settings)
    with ExitStack() as stack:
        directory: Path | None
        if scratch == MEMORY:
            directory = None
        elif scratch is None:
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="replay-")))
        else:
            directory = Path(scratch)
            directory.mkdir(parents=True, exist_ok=True)
            leftovers = sorted(directory.glob(SCRATCH_FILES))
            if leftovers:
                raise FileExistsError(
                    f"--scratch {scratch}: holds a replay already: {leftovers[0]}"
                )
            stack.callback(_remove_scratch_files, directory)
        live = live_core(settings)
        stack.callback(live.close)
        replayed = scratch_core(settings, directory)
        stack.callback(replayed.close)
        yield live, replayed
