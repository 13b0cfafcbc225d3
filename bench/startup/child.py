"""Starts a core on a grown store in a process of its own and times its first answers, so
the start and the resident memory are a service process's, not the seeding's.

    python -m bench.startup.child <store url> <data dir> <creator> <month>

Prints JSON: seconds to ``bootstrap()``, then to each first answer, and peak memory.
"""

from __future__ import annotations

import json
import secrets
import sys
from time import perf_counter

from adapters.clock import RandomIdentities, SystemClock
from application.auth import Principal, Role
from bench.audit.child import peak_rss_kib
from bench.revenue.scene import CURRENCY
from domain.revenue.ledger import creator_payable
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings

AUDITOR = Principal(Role.AUDITOR, "bench-auditor")


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
    try:
        account = core.ledger.account(AUDITOR, creator_payable(creator, CURRENCY), limit=50)
        answers["ledger account page"] = perf_counter() - started
        statement = core.ledger.statement(AUDITOR, creator, month, CURRENCY)
        answers["ledger statement"] = perf_counter() - started
        # The same statement again: what the answer itself costs once the process is warm,
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
                "statement_lines": len(statement.lines),
                "account_postings": account.debits + account.credits > 0,
                "rss_peak_kib": peak_rss_kib(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
