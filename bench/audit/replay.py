"""The replay part of the audit suite: a store of the core's own logs grown to a given number
of events through the domain (impression batches billed to a campaign with their journal
entries and ledger postings, ballots in a competition round that is then closed, and the
videos and creators of the Pulse scene), then ``spotlight audit replay``'s work (copy every
log into a scratch SQLite store, rebuild every read model from zero, compare with the live
core, recompute the invariants) run in a process of its own for its peak memory.

The verify benchmark's log (``Tick`` aggregates) has no read model to rebuild, so replay is
measured on a domain log of the same length.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from adapters.storage import Store
from bench.music.scene import ADMIN as MUSIC_ADMIN
from bench.music.scene import seed_ballots
from bench.music.scene import set_scene as set_music_scene
from bench.revenue.scene import seed_billed_batches, set_pulse_scene
from bench.workloads import open_spotlight
from entrypoints.bootstrap import Spotlight

#: Events in the revenue log per billed impression batch: the batch, its journal entry,
#: and one posting to the campaign's budget and to each creator's payable account.
CREATORS = 20
EVENTS_PER_BATCH = 3 + CREATORS
#: The share of the log that is ballots.
BALLOT_SHARE = 0.1
ENTRIES = 100


def seed_domain_store(store: Store, scratch: Path, events: int) -> int:
    """Grow a store of the core's logs to about ``events`` events; answer how many it holds."""
    with open_spotlight(store, scratch) as core:
        music = set_music_scene(core, ENTRIES)
        seed_ballots(core, music, int(events * BALLOT_SHARE))
        core.competition.close_round(MUSIC_ADMIN, music.round_id, reason="ahead of the plan")
        pulse = set_pulse_scene(core, CREATORS)
        held = _events_in(core)
        batches = max(0, (events - held) // EVENTS_PER_BATCH)
        seed_billed_batches(core, pulse, batches)
        return _events_in(core)


def _events_in(core: Spotlight) -> int:
    return sum(
        application.recorder.max_notification_id() or 0
        for application in (core._catalogue, core._music, core._revenue, core._inbox)
    )


@dataclass(frozen=True)
class Replayed:
    events: int
    differences: int
    violations: int
    copy_seconds: float
    rebuild_seconds: float
    total_seconds: float
    rss_before_kib: int
    rss_peak_kib: int

    @property
    def rate(self) -> float:
        """Copy and rebuild: the replay with projection rebuild, in events per second."""
        seconds = self.copy_seconds + self.rebuild_seconds
        return self.events / seconds if seconds else 0.0

    @property
    def overall_rate(self) -> float:
        """Everything the command does: both cores, comparison and invariants too."""
        return self.events / self.total_seconds if self.total_seconds else 0.0


def replay_in_child(store: Store) -> Replayed:
    result = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.audit.replay_child", store.url],
        capture_output=True,
        text=True,
        check=True,
    )
    return Replayed(**json.loads(result.stdout))
