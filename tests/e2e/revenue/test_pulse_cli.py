"""Operators and auditors at the command line: a payouts run, an account as JSON, and the
ledger check that recomputes every balance from the revenue log alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import attrs
import pytest

from application.audit.ledger_audit import audit_log
from application.auth import Principal, Role
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_BRAND_FUNDS,
    PLATFORM_PAID_OUT,
    PLATFORM_REVENUE,
    JournalEntry,
    LedgerAccount,
    creator_in_transit,
    creator_payable,
    credit,
    debit,
    platform,
)
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.fakes import FixedClock

SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]
ADMIN = Principal(Role.ADMIN, "ops")
AD_SERVER = Principal(Role.ADMIN, "ad-server")
ACME = Principal(Role.BRAND, "acme")
MAYA = Principal(Role.CREATOR, "maya")
KAI = Principal(Role.CREATOR, "kai")
MARCH_10 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
BATCHES = 105  # past the 100 postings after which a ledger account takes a snapshot
MAYA_PAYABLE = creator_payable("maya", "USD")
KAI_PAYABLE = creator_payable("kai", "USD")


def environment_for(data_dir: Path) -> dict[str, str]:
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(data_dir),
        "SPOTLIGHT_SECRET": "s" * 32,
        "SPOTLIGHT_PULSE_REGIONS": "US",
    }
    environment.pop("SPOTLIGHT_STORE", None)
    return environment


def spotlight(environment: Mapping[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, *arguments], env=environment, capture_output=True, text=True, check=False
    )


def opened(environment: Mapping[str, str]) -> Spotlight:
    return bootstrap(Settings.from_environ(environment), clock=FixedClock(MARCH_10))


@attrs.frozen
class Store:
    """A revenue log after a realistic month, and what the flow knows about it."""

    data_dir: Path
    cooking_budget: str
    dance_budget: str
    payable: Mapping[str, int]  # creator -> payable cents at the end of the flow

    def copy(self, to: Path) -> dict[str, str]:
        """A copy to change, leaving the shared store as it is."""
        shutil.copytree(self.data_dir, to)
        return environment_for(to)


def enrol(core: Spotlight, creator: Principal) -> None:
    core.creators.register(creator, region="US")
    core.creators.count_followers(ADMIN, creator.subject, 180_000)
    core.pulse.apply(creator)
    core.pulse.decide(ADMIN, creator.subject, approve=True, reason="meets the criteria")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Two creators earn beside their videos; maya is paid (sent), kai's transfer comes back,
    then both earn a little more. The cooking budget takes more than 100 postings."""
    data_dir = tmp_path_factory.mktemp("pulse-cli") / "data"
    core = opened(environment_for(data_dir))
    try:
        enrol(core, MAYA)
        enrol(core, KAI)
        cake = core.anchoring.publish_video(
            MAYA, caption="lemon cake", hashtags=[], category="cooking"
        ).video.id
        dance = core.anchoring.publish_video(
            KAI, caption="footwork", hashtags=[], category="dance"
        ).video.id
        starts_at, ends_at = MARCH_10 - timedelta(days=9), MARCH_10 + timedelta(days=60)
        cooking = core.pulse.launch_campaign(
            ACME,
            name="Spring bake-off",
            category="cooking",
            budget=Money(100_000, "USD"),
            cpm=Money(1_000, "USD"),
            starts_at=starts_at,
            ends_at=ends_at,
        )
        dancing = core.pulse.launch_campaign(
            ACME,
            name="Moves",
            category="dance",
            budget=Money(5_000, "USD"),
            cpm=Money(333, "USD"),
            starts_at=starts_at,
            ends_at=ends_at,
        )
        for n in range(BATCHES):
            core.pulse.record_impressions(
                AD_SERVER, batch_key=f"cooking-{n}", campaign_id=cooking.id, placements=[(cake, 7)]
            )
        for n in range(3):
            core.pulse.record_impressions(
                AD_SERVER,
                batch_key=f"dance-{n}",
                campaign_id=dancing.id,
                placements=[(dance, 1_000)],
            )
        paid = core.payouts.request(MAYA, period="2025-03", idempotency_key="maya-march")
        core.payouts.settle(ADMIN, paid.id, sent=True, reference="ACH-1")
        bounced = core.payouts.request(KAI, period="2025-03", idempotency_key="kai-march")
        core.payouts.settle(ADMIN, bounced.id, sent=False, reason="account closed")
        # Two ad slots beside the same video: one entry, two postings on maya's account.
        core.pulse.record_impressions(
            AD_SERVER,
            batch_key="cooking-late",
            campaign_id=cooking.id,
            placements=[(cake, 10), (cake, 11)],
        )
        payable = {
            "maya": core.ledger.balance_of(MAYA_PAYABLE).minor,
            "kai": core.ledger.balance_of(KAI_PAYABLE).minor,
        }
    finally:
        core.close()
    # 7 cents a batch: 4 to maya; 333 a batch: 167 to kai; then 10 + 11 cents: 5 + 6 to maya.
    assert payable == {"maya": 11, "kai": 3 * 167}
    return Store(data_dir, cooking.budget_account, dancing.budget_account, payable)


# ledger-check ---------------------------------------------------------------------------


def test_the_ledger_check_holds_after_a_realistic_flow(store: Store) -> None:
    environment = environment_for(store.data_dir)

    checked = spotlight(environment, "ledger-check")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.strip().splitlines()
    # 2 campaigns funded, 109 batches billed, 2 payouts requested and 2 settled.
    assert lines[0].startswith("115 journal entries (USD debits ")
    debits = lines[0].split("debits ")[1].split(",")[0]
    assert f"credits {debits});" in lines[0]
    assert lines[-1].startswith("the ledger holds")
    assert checked.stderr == ""

    # The same audit from Python agrees with what the application holds.
    core = opened(environment)
    try:
        audit = audit_log(core._revenue.recorder, core._revenue.mapper)
        assert audit.holds, audit.problems
        budget = audit.accounts[store.cooking_budget]
        assert budget.balance == core.ledger.balance_of(store.cooking_budget).minor
        assert budget.balance == 100_000 - BATCHES * 7 - 21
        assert budget.aggregate_balance == budget.balance
        assert audit.accounts[MAYA_PAYABLE].balance == store.payable["maya"]
        assert audit.accounts[KAI_PAYABLE].balance == store.payable["kai"]
        assert audit.accounts[creator_in_transit("kai", "USD")].lowest == 0
        assert audit.accounts[platform(PLATFORM_PAID_OUT, "USD")].balance == BATCHES * 4
        # The budget account was snapshotted on the way: the check read past the snapshot.
        snapshots = core._revenue.snapshots
        assert snapshots is not None
        assert list(snapshots.get(LedgerAccount.id_for(store.cooking_budget)))
    finally:
        core.close()


def _unposted_credit(core: Spotlight) -> str:
    """A journal entry crediting maya's payable account, saved without posting it to the
    account's LedgerAccount (its limit never saw it)."""
    entry = JournalEntry.record(
        cause="manual-adjustment:goodwill",
        kind="manual-adjustment",
        postings=[
            debit(platform(PLATFORM_BRAND_FUNDS, "USD"), Money(500, "USD")),
            credit(MAYA_PAYABLE, Money(500, "USD")),
        ],
        at=MARCH_10,
    )
    core._revenue.save(entry)
    return (
        f"account {MAYA_PAYABLE} holds 11 by its LedgerAccount, "
        "but its postings in the journal sum to 511"
    )


def _overdrawn_transit(core: Spotlight) -> str:
    """A transfer out of kai's in-transit account, which holds nothing, saved unchecked."""
    entry = JournalEntry.record(
        cause="manual-transfer:kai",
        kind="payout-sent",
        postings=[
            debit(creator_in_transit("kai", "USD"), Money(300, "USD")),
            credit(platform(PLATFORM_PAID_OUT, "USD"), Money(300, "USD")),
        ],
        at=MARCH_10,
    )
    core._revenue.save(entry)
    transit = creator_in_transit("kai", "USD")
    return f"account {transit} went below zero by the journal: -300 after entry"


def _phantom_posting(core: Spotlight) -> str:
    """kai's payable LedgerAccount records a credit of an entry the journal never held."""
    account = core._revenue.load(LedgerAccount, LedgerAccount.id_for(KAI_PAYABLE))
    phantom = uuid4()
    account.trigger_event(LedgerAccount.Posted, entry_id=phantom, debits=0, credits=10_000)
    core._revenue.save(account)
    return f"account {KAI_PAYABLE} recorded entry {phantom}, which the journal does not hold"


def _overdrawn_account(core: Spotlight) -> str:
    """maya's payable LedgerAccount records a debit past its balance, of an entry that says
    something else."""
    entry = JournalEntry.record(
        cause="manual-adjustment:small",
        kind="manual-adjustment",
        postings=[
            debit(MAYA_PAYABLE, Money(5, "USD")),
            credit(platform(PLATFORM_PAID_OUT, "USD"), Money(5, "USD")),
        ],
        at=MARCH_10,
    )
    account = core._revenue.load(LedgerAccount, LedgerAccount.id_for(MAYA_PAYABLE))
    account.trigger_event(LedgerAccount.Posted, entry_id=entry.id, debits=50, credits=0)
    core._revenue.save(entry, account)
    return f"account {MAYA_PAYABLE} went below zero by its own postings: -39"


def _unbalanced_entry(core: Spotlight) -> str:
    """An entry built past its own rule (its constructor, not ``record``): 100 out, 90 in."""
    entry = JournalEntry(
        id=JournalEntry.id_for("manual-adjustment:typo"),
        currency="USD",
        postings=(
            debit(platform(PLATFORM_BRAND_FUNDS, "USD"), Money(100, "USD")),
            credit(platform(PLATFORM_REVENUE, "USD"), Money(90, "USD")),
        ),
        kind="manual-adjustment",
        cause="manual-adjustment:typo",
        recorded_at=MARCH_10,
    )
    core._revenue.save(entry)
    position = core._revenue.recorder.max_notification_id()
    return (
        f"entry {entry.id} (manual-adjustment:typo) at position {position} is unbalanced: "
        "debits 100, credits 90"
    )


@pytest.mark.parametrize(
    "tamper",
    [_unposted_credit, _overdrawn_transit, _phantom_posting, _overdrawn_account, _unbalanced_entry],
    ids=[
        "unposted-credit",
        "overdrawn-transit",
        "phantom-posting",
        "overdrawn-account",
        "unbalanced-entry",
    ],
)
def test_the_ledger_check_fails_when_a_limited_account_disagrees_with_the_journal(
    store: Store, tmp_path: Path, tamper: Callable[[Spotlight], str]
) -> None:
    environment = store.copy(tmp_path / "data")
    core = opened(environment)
    try:
        expected = tamper(core)
    finally:
        core.close()

    checked = spotlight(environment, "ledger-check")

    assert checked.returncode == 1, checked.stdout + checked.stderr
    out = checked.stdout
    assert "the ledger does not hold (" in out
    assert expected in out, out
    assert "the ledger holds" not in out
    # The untouched store still holds.
    assert spotlight(environment_for(store.data_dir), "ledger-check").returncode == 0


def test_the_ledger_check_names_every_way_an_unposted_entry_departs(
    store: Store, tmp_path: Path
) -> None:
    environment = store.copy(tmp_path / "data")
    core = opened(environment)
    try:
        _unposted_credit(core)
        position = core._revenue.recorder.max_notification_id()
        audit = audit_log(core._revenue.recorder, core._revenue.mapper)
    finally:
        core.close()

    assert not audit.holds
    entry = JournalEntry.id_for("manual-adjustment:goodwill")
    assert audit.problems == (
        f"entry {entry} (manual-adjustment:goodwill) at position {position} posts debits 0, "
        f"credits 500 to {MAYA_PAYABLE}, but the account never recorded it",
        f"account {MAYA_PAYABLE} holds 11 by its LedgerAccount, but its postings in the "
        "journal sum to 511",
    )
    # The journal itself is still balanced: the fault is the account's.
    [(debits, credits)] = audit.totals.values()
    assert debits == credits


def test_the_ledger_check_refuses_a_bad_store_with_one_line(tmp_path: Path) -> None:
    refused = spotlight(environment_for(tmp_path), "ledger-check", "--store", "ftp://ledger")

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stdout == ""
    assert refused.stderr.startswith("spotlight: error: --store=")
    assert len(refused.stderr.strip().splitlines()) == 1


# payouts-run ----------------------------------------------------------------------------


def test_a_payouts_run_pays_every_creator_with_something_payable_once(
    store: Store, tmp_path: Path
) -> None:
    environment = store.copy(tmp_path / "data")

    run = spotlight(environment, "payouts-run", "--period", "2025-04")
    again = spotlight(environment, "payouts-run", "--period", "2025-04", "--currency", "USD")
    in_euros = spotlight(environment, "payouts-run", "--period", "2025-04", "--currency", "EUR")

    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 2
    parsed = [line.split("  ") for line in lines]
    # kai's returned March payout is payable again; maya earned 11 cents after being paid.
    assert [fields[1:] for fields in parsed] == [
        ["kai", "2025-04", "5.01 USD", "in-transit"],
        ["maya", "2025-04", "0.11 USD", "in-transit"],
    ]
    ids = [UUID(fields[0]) for fields in parsed]
    assert run.stderr.strip() == "spotlight: 2 payouts for 2025-04 in USD"
    assert again.returncode == 0
    assert again.stdout == ""
    assert in_euros.returncode == 0
    assert in_euros.stdout == ""

    core = opened(environment)
    try:
        for payout_id, creator in zip(ids, ("kai", "maya"), strict=True):
            payout = core.payouts.payout(ADMIN, payout_id)
            assert (payout.creator, payout.amount.minor) == (creator, store.payable[creator])
            assert payout.requested_at.tzinfo is not None
        assert core.ledger.balance_of(KAI_PAYABLE).minor == 0
        assert core.ledger.balance_of(creator_in_transit("kai", "USD")).minor == 501
    finally:
        core.close()
    assert spotlight(environment, "ledger-check").returncode == 0


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--period", "2025-4"], "a period is a month, YYYY-MM, not '2025-4'"),
        (["--period", "April"], "a period is a month"),
        (["--period", "2025-04", "--currency", "XYZ"], "unknown currency 'XYZ'"),
        (["--period", "2025-04", "--currency", "usd"], "unknown currency 'usd'"),
    ],
)
def test_a_payouts_run_refuses_bad_input_with_one_line(
    store: Store, arguments: list[str], says: str
) -> None:
    refused = spotlight(environment_for(store.data_dir), "payouts-run", *arguments)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stdout == ""
    assert refused.stderr.startswith("spotlight: error: ")
    assert says in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_a_payouts_run_needs_a_period(store: Store) -> None:
    refused = spotlight(environment_for(store.data_dir), "payouts-run")

    assert refused.returncode == 2
    assert "--period" in refused.stderr


# ledger ---------------------------------------------------------------------------------


def test_ledger_prints_an_account_with_every_posting_as_json(store: Store) -> None:
    printed = spotlight(
        environment_for(store.data_dir), "ledger", "--account", store.cooking_budget
    )

    assert printed.returncode == 0, printed.stderr
    account = json.loads(printed.stdout)
    assert account["code"] == store.cooking_budget
    assert account["balance"] == {"minor": 100_000 - BATCHES * 7 - 21, "currency": "USD"}
    # Funding, then every batch: more postings than one page of the HTTP API.
    postings = account["postings"]
    assert len(postings) == 1 + BATCHES + 1
    assert (postings[0]["kind"], postings[0]["side"]) == ("campaign-funded", "credit")
    assert {p["kind"] for p in postings[1:]} == {"impressions-billed"}
    assert sum(p["amount"]["minor"] for p in postings[1:]) == BATCHES * 7 + 21
    assert account["next_cursor"] is None
    positions = [p["position"] for p in postings]
    assert positions == sorted(positions)


def test_ledger_reads_a_creator_account_as_an_auditor(store: Store) -> None:
    printed = spotlight(environment_for(store.data_dir), "ledger", "--account", KAI_PAYABLE)

    assert printed.returncode == 0, printed.stderr
    account = json.loads(printed.stdout)
    assert [(p["kind"], p["side"], p["amount"]["minor"]) for p in account["postings"]] == [
        ("impressions-billed", "credit", 167),
        ("impressions-billed", "credit", 167),
        ("impressions-billed", "credit", 167),
        ("payout-requested", "debit", 501),
        ("payout-returned", "credit", 501),
    ]
    assert account["balance"]["minor"] == 501


def test_ledger_lists_every_posting_of_an_entry_with_several_lines_on_the_account(
    store: Store,
) -> None:
    printed = spotlight(environment_for(store.data_dir), "ledger", "--account", MAYA_PAYABLE)

    assert printed.returncode == 0, printed.stderr
    postings = json.loads(printed.stdout)["postings"]
    assert len(postings) == BATCHES + 1 + 2
    assert postings[BATCHES]["kind"] == "payout-requested"
    late = postings[-2:]
    assert [p["amount"]["minor"] for p in late] == [5, 6]
    assert late[0]["position"] == late[1]["position"]
    assert late[0]["entry_id"] == late[1]["entry_id"]


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("bogus:account", "unknown account 'bogus:account'"),
        ("creator:nobody:payable:USD", "no ledger account with id creator:nobody:payable:USD"),
    ],
)
def test_ledger_refuses_unknown_accounts_with_one_line(store: Store, code: str, says: str) -> None:
    refused = spotlight(environment_for(store.data_dir), "ledger", "--account", code)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stdout == ""
    assert says in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_ledger_prints_one_page_of_an_account_when_asked(store: Store) -> None:
    environment = environment_for(store.data_dir)
    printed = spotlight(environment, "ledger", "--account", MAYA_PAYABLE, "--limit", "100")
    following = spotlight(
        environment, "ledger", "--account", MAYA_PAYABLE, "--cursor", "100", "--limit", "100"
    )

    assert printed.returncode == following.returncode == 0, printed.stderr + following.stderr
    first, second = json.loads(printed.stdout), json.loads(following.stdout)
    assert (len(first["postings"]), first["next_cursor"]) == (100, 100)
    assert (len(second["postings"]), second["next_cursor"]) == (BATCHES + 3 - 100, None)


# statement ------------------------------------------------------------------------------


def test_statement_prints_a_page_or_every_page_with_the_months_totals(store: Store) -> None:
    environment = environment_for(store.data_dir)
    asked = ("statement", "--creator", "maya", "--month", "2025-03", "--limit", "40")
    page = spotlight(environment, *asked)
    every = spotlight(environment, *asked, "--all")

    assert page.returncode == every.returncode == 0, page.stderr + every.stderr
    first, whole = json.loads(page.stdout), json.loads(every.stdout)
    assert len(first["items"]) == 40
    assert first["next_cursor"] is not None
    assert whole["next_cursor"] is None
    assert whole["items"][:40] == first["items"]
    # Every batch, and the late batch's two ad slots beside her video.
    assert len(whole["items"]) == whole["earnings"] == first["earnings"] == BATCHES + 2
    assert whole["earned"] == first["earned"]
    assert whole["earned"]["minor"] == sum(item["amount"]["minor"] for item in whole["items"])
    # Paid out in March: what she earned less what was sent, all of it earned in March.
    assert whole["closing_balance"]["minor"] == whole["earned"]["minor"] - whole["debits"]["minor"]
    assert whole["closing_balance"]["minor"] == store.payable["maya"]


def test_statement_refuses_a_cursor_it_did_not_give_with_one_line(store: Store) -> None:
    refused = spotlight(
        environment_for(store.data_dir),
        *("statement", "--creator", "maya", "--month", "2025-03", "--cursor", "2025-04.3"),
    )

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stdout == ""
    # A cursor of the old readable form: refused, saying what it is and what to do.
    assert "is a statement cursor of the old readable form" in refused.stderr
    assert refused.stderr.count("\n") == 1
