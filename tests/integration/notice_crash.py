"""A service process that dies (SIGKILL) while its notice follower sends a notice: before
the notice reached the inbox, or after it did but before the follower's position moved.

Run by ``test_notice_follower.py``: ``python -m tests.integration.notice_crash STORE DIR
before|after``. It publishes a video, removes it by a moderation decision (saved), and
catches up the notice follower, whose notifier kills the process."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from adapters.notifications.inbox import InAppNotifier
from adapters.storage import parse_store
from application.auth import Principal, Role
from application.notifications import InboxFilter, Notice
from domain.inbox import NoticeKind
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.fakes import FixedClock

CREATOR = Principal(Role.CREATOR, "ana")
REVIEWER = Principal(Role.REVIEWER, "rita")


class DyingNotifier:
    """Kills its process at the first notice, before or after delivering it."""

    def __init__(self, after_delivery: bool) -> None:
        self.after_delivery = after_delivery
        self.inner: InAppNotifier | None = None

    def notify(
        self,
        recipient: str,
        *,
        subject: str,
        body: str,
        key: str,
        kind: NoticeKind = NoticeKind.MESSAGE,
        about: Mapping[str, object] | None = None,
        reason: str = "",
    ) -> str:
        assert self.inner is not None
        if self.after_delivery:
            self.inner.notify(
                recipient,
                subject=subject,
                body=body,
                key=key,
                kind=kind,
                about=about,
                reason=reason,
            )
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("not reached")

    def inbox(
        self, recipient: str, *, after: int = 0, limit: int = 50, only: InboxFilter | None = None
    ) -> list[Notice]:
        return []


def main(store: str, data_dir: str, mode: str) -> None:
    clock = FixedClock()
    notifier = DyingNotifier(after_delivery=mode == "after")
    settings = Settings(store=parse_store(store), data_dir=Path(data_dir), secret=TEST_SECRET)
    core = bootstrap(settings, clock=clock, engines=(), notifier=notifier)
    notifier.inner = InAppNotifier(core._inbox, clock=clock, reads=core.inbox_reads)
    video = CatalogueDriver(core).publish_video(
        CREATOR, caption="a fan edit", hashtags=[], category="film-and-tv"
    )
    core.moderation.decide(
        REVIEWER, video.id, "removed", reason="stolen footage", policy="guidelines/4.2"
    )
    print(video.id, flush=True)  # the decision is saved; now the follower sends its notice
    core.projections.catch_up("notices")
    raise AssertionError("the notifier should have killed this process")


if __name__ == "__main__":
    main(*sys.argv[1:4])
