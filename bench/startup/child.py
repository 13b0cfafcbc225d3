"""Starts a core on a grown store in a process of its own and times its first answers, so
the start and the resident memory are a service process's, not the seeding's.

    python -m bench.startup.child <store url> <data dir> <creator> <month>

Asks each program's heaviest read the scene can answer, once each, in the order of
``READS``, and checks each answer against the scene where the scene gives something to
check (else the answer is only recorded as given). Prints JSON: seconds to ``bootstrap()``,
each read's first answer alone, how each was checked, and peak memory.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable
from time import perf_counter

from adapters.clock import RandomIdentities, SystemClock
from application.auth import Principal, Role
from application.business.marketplace import CreatorQuery
from bench.audit.child import peak_rss_kib
from bench.revenue.scene import CATEGORY, CURRENCY
from domain.revenue.ledger import creator_payable
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings

AUDITOR = Principal(Role.AUDITOR, "bench-auditor")
REVIEWER = Principal(Role.REVIEWER, "bench-reviewer")
BRAND = Principal(Role.BRAND, "bench-brand")
#: No studio is in the scene: its analytics are asked for all the same (an empty answer
#: still has to come from the caught-up projection, not from the log).
STUDIO = "bench-studio"

CHECKED = "checked"
ANSWERED = "answered"


class WrongAnswer(Exception):
    """An answer the scene says is wrong."""


def expect(condition: bool, why: str) -> str:
    if not condition:
        raise WrongAnswer(why)
    return CHECKED


def reads(core: Spotlight, creator: str, month: str) -> dict[str, Callable[[], str]]:
    """Each program's heaviest read, by its column in the suite's table; each answers how
    its answer was checked."""

    def account_page() -> str:
        account = core.ledger.account(AUDITOR, creator_payable(creator, CURRENCY), limit=50)
        return expect(account.debits + account.credits > 0, "the creator's account is empty")

    def statement() -> str:
        found = core.ledger.statement(AUDITOR, creator, month, CURRENCY)
        return expect(
            bool(found.items)
            and found.earned.minor >= sum(line.amount.minor for line in found.items)
            and found.closing_balance.minor > 0,
            "the creator's statement has no lines, or totals short of its first page",
        )

    def inventory() -> str:
        leaders = core.pulse.inventory(CATEGORY, limit=100)
        return expect(
            any(s.creator == creator and s.is_inventory for s in leaders),
            f"the creator's video is not among the {len(leaders)} leaders of {CATEGORY}",
        )

    def marketplace() -> str:
        found = core.marketplace.find_creators(
            BRAND, CreatorQuery(categories=(CATEGORY,)), limit=100
        ).items
        names = {match.creator for match in found}
        return expect(creator in names, f"the creator is not among {sorted(names)}")

    def shop_search() -> str:
        core.shop_search.search("shoes", limit=20)
        return ANSWERED  # no shop in the scene: the answer is empty

    def anchor_queue() -> str:
        page = core.anchoring.review_queue(REVIEWER, limit=50)
        # No titles in the scene, so nothing proposed: the queue must be empty.
        return expect(not page.items, f"the queue holds {len(page.items)} proposals")

    def music() -> str:
        core.discovery.featured_playlist(limit=50)
        core.discovery.review_queue(REVIEWER, limit=50)
        return ANSWERED  # no tracks in the scene

    def analytics() -> str:
        found = core.audience.studio_analytics(AUDITOR, STUDIO)
        return expect(not found.titles, "a studio the scene lacks has titles")

    def inbox() -> str:
        core.inbox_reads.page(creator, limit=50)
        return ANSWERED  # nothing in the scene notifies a creator

    return {
        "account page": account_page,
        "statement": statement,
        "inventory": inventory,
        "marketplace": marketplace,
        "shop search": shop_search,
        "anchor queue": anchor_queue,
        "music": music,
        "analytics": analytics,
        "inbox": inbox,
    }


def main(argv: list[str]) -> int:
    url, data_dir, creator, month = argv
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_STORE": url,
            "SPOTLIGHT_DATA_DIR": data_dir,
            "SPOTLIGHT_SECRET": secrets.token_urlsafe(32),
        }
    )
    started = perf_counter()
    core = bootstrap(settings, clock=SystemClock(), identities=RandomIdentities())
    booted = perf_counter() - started
    answers: dict[str, float] = {}
    checks: dict[str, str] = {}
    try:
        for name, read in reads(core, creator, month).items():
            asked = perf_counter()
            try:
                checks[name] = read()
            except WrongAnswer as error:
                checks[name] = f"wrong: {error}"
            answers[name] = perf_counter() - asked
        total = perf_counter() - started
        # The statement again: what the answer itself costs once the process is warm,
        # which grows with the creator's lines in the month, not with the start.
        again = perf_counter()
        core.ledger.statement(AUDITOR, creator, month, CURRENCY)
        answers["statement again"] = perf_counter() - again
    finally:
        core.close()
    print(
        json.dumps(
            {
                "bootstrap_seconds": booted,
                "answers": answers,
                "checks": checks,
                "all_answered_seconds": total,
                "rss_peak_kib": peak_rss_kib(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
