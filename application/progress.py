"""How a long job (a rebuild, an audit, a payout run) tells its caller how far it has gone,
so that a command line can draw a progress bar with a total and an ETA."""

from __future__ import annotations

from collections.abc import Callable

#: Called with ``(done, total)`` in the job's own unit (log positions, accounts, videos) as
#: the job goes on; the total may grow while it runs.
JobProgress = Callable[[int, int], None]
