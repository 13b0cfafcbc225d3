"""Setting the scene, untimed: approved creators with inventory videos and a funded campaign,
and revenue logs grown in bulk through the domain.

The Pulse scene goes through the real services where it is cheap (enrolments are applied and
approved through ``Pulse``, the campaign is launched by ``Pulse.launch_campaign``, which funds
its budget account); creators and videos are built as aggregates and committed to the
catalogue many per save. The category holds 25 times as many videos as there are inventory
videos (the top 4% is 1 in 25): the fillers have no engagement, the inventory videos have
plenty, so they rank first.

Grown logs are built by the same domain code the services call, saved many per transaction:
``seed_billed_batches`` records impression batches (``ImpressionBatch.record``, the entry
``Pulse`` builds for it, ``post_to_accounts`` on the accounts held in memory) and
``seed_account`` gives one campaign budget account any number of postings, each from its own
two-posting journal entry (a top-up of the budget by the brand).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.auth import Principal, Role
from application.logs import RevenueLog
from application.revenue.pulse import CAMPAIGN_FUNDED
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.money import Money
from domain.revenue.creators import Creator
from domain.revenue.ledger import (
    PLATFORM_BRAND_FUNDS,
    JournalEntry,
    LedgerAccount,
    campaign_budget,
    creator_payable,
    credit,
    debit,
    platform,
    post_to_accounts,
)
from domain.revenue.pulse import ImpressionBatch, Placement, PulseCampaign
from entrypoints.bootstrap import Spotlight

AD_SERVER = Principal(Role.ADMIN, "bench-ad-server")
BRAND = Principal(Role.BRAND, "bench-brand")
REGION = "US"
CATEGORY = "gaming"
CURRENCY = "USD"
CPM = Money(500, CURRENCY)  # 5.00 per thousand impressions
BUDGET = Money(10**14, CURRENCY)  # never runs out in a benchmark
# The top 4% of a category: one video in 25.
VIDEOS_PER_INVENTORY_VIDEO = 25
FILLER_CREATOR = "bench-filler"
# Aggregates written per save while setting the scene.
SCENE_BATCH = 250
# Impression batches per save when growing a log (each brings 2 + accounts events).
BILLED_CHUNK = 500
# Journal entries per save when giving one account many postings (2 events each).
POSTING_CHUNK = 5_000


@dataclass(frozen=True)
class PulseScene:
    campaign_id: UUID
    videos: tuple[UUID, ...]  # the inventory videos, one per creator, in placement order
    creators: tuple[str, ...]
    category_size: int

    @property
    def budget_code(self) -> str:
        return campaign_budget(self.campaign_id, CURRENCY)

    def placements(self, index: int) -> list[tuple[UUID, int]]:
        """The placements of batch ``index``: some impressions beside every inventory video."""
        return [(video, 1_000 + (index + offset) % 97) for offset, video in enumerate(self.videos)]


def set_pulse_scene(core: Spotlight, creators: int) -> PulseScene:
    """``creators`` approved creators with one inventory video each, and a funded campaign."""
    now = core.clock.now()
    accounts = tuple(f"bench-creator-{index}" for index in range(creators))
    records: list[Aggregate] = []
    for index, account in enumerate(accounts):
        creator = Creator.register(account=account, region=REGION, at=now)
        creator.count_followers(150_000 + 1_000 * index, at=now, by=AD_SERVER.label)
        records.append(creator)
    commit_in_batches(core, records)
    for account in accounts:
        core.pulse.apply(Principal(Role.CREATOR, account))
        core.pulse.decide(AD_SERVER, account, approve=True, reason="bench: eligible")

    videos: list[Aggregate] = []
    inventory: list[UUID] = []
    for index, account in enumerate(accounts):
        video = new_video(account, f"Bench inventory video {index}", now)
        video.record_engagement(
            Engagement(views=1_000_000 - 1_000 * index, likes=20_000, shares=500, comments=900),
            at=now,
        )
        videos.append(video)
        inventory.append(video.id)
    category_size = VIDEOS_PER_INVENTORY_VIDEO * creators
    for index in range(category_size - creators):
        videos.append(new_video(FILLER_CREATOR, f"Bench filler video {index}", now))
    commit_in_batches(core, videos)

    campaign = core.pulse.launch_campaign(
        BRAND,
        name="Bench campaign",
        category=CATEGORY,
        budget=BUDGET,
        cpm=CPM,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=3_650),
    )
    for video_id in inventory:
        standing = core.pulse.standing(video_id)
        if not standing.is_inventory:
            raise RuntimeError(f"the scene is wrong: {standing.why_not}")
    return PulseScene(
        campaign_id=campaign.id,
        videos=tuple(inventory),
        creators=accounts,
        category_size=category_size,
    )


def new_video(creator: str, caption: str, at: datetime) -> Video:
    return Video.publish(
        uuid4(), creator_id=creator, caption=caption, hashtags=("bench",), category=CATEGORY, at=at
    )


def commit_in_batches(core: Spotlight, aggregates: list[Aggregate]) -> None:
    for first in range(0, len(aggregates), SCENE_BATCH):
        core._catalogue.commit(*aggregates[first : first + SCENE_BATCH])


def seed_billed_batches(
    core: Spotlight, scene: PulseScene, batches: int, *, first_index: int = 0
) -> None:
    """``batches`` impression batches of the scene's campaign, billed and posted as
    ``Pulse.record_impressions`` would, but built in memory and saved ``BILLED_CHUNK`` per
    transaction (the accounts are loaded once and kept, not loaded again for every batch).
    Their keys are numbered from ``first_index``, so a log can be grown again."""
    revenue = core._revenue
    now = core.clock.now()
    campaign = revenue.load(PulseCampaign, scene.campaign_id)
    evidence = [core.pulse.standing(video) for video in scene.videos]
    codes = [scene.budget_code, *(creator_payable(c, CURRENCY) for c in scene.creators)]
    accounts = {
        code: revenue.find(LedgerAccount, LedgerAccount.id_for(code))
        or LedgerAccount.open(code, at=now)
        for code in codes
    }
    last = first_index + batches
    for first in range(first_index, last, BILLED_CHUNK):
        pending: list[Aggregate] = []
        for index in range(first, min(first + BILLED_CHUNK, last)):
            placements = [
                Placement(
                    video_id=video_id,
                    creator=standing.creator,
                    impressions=impressions,
                    rank=standing.rank,
                    category_size=standing.category_size,
                )
                for (video_id, impressions), standing in zip(
                    scene.placements(index), evidence, strict=True
                )
            ]
            batch = ImpressionBatch.record(
                reporter=AD_SERVER.label,
                batch_key=f"seeded-{index}",
                campaign=campaign,
                placements=placements,
                remaining=accounts[scene.budget_code].balance,
                at=now,
            )
            # The very entry the service builds for a batch (Pulse._billing_entry).
            entry = core.pulse._billing_entry(batch, scene.budget_code, now)
            post_to_accounts(entry, accounts)
            pending += [batch, entry]
        revenue.save(*pending, *accounts.values())


def seed_account(revenue: RevenueLog, postings: int, *, at: datetime) -> UUID:
    """A new campaign budget account with ``postings`` postings, each a top-up of the budget
    by its own balanced journal entry; answers the account's id."""
    code = campaign_budget(uuid4(), CURRENCY)
    account = LedgerAccount.open(code, at=at)
    funds = platform(PLATFORM_BRAND_FUNDS, CURRENCY)
    amount = Money(10_000, CURRENCY)
    for first in range(0, postings, POSTING_CHUNK):
        entries: list[Aggregate] = []
        for index in range(first, min(first + POSTING_CHUNK, postings)):
            entry = JournalEntry.record(
                cause=f"bench-top-up:{account.id}:{index}",
                kind=CAMPAIGN_FUNDED,
                postings=[debit(funds, amount), credit(code, amount)],
                at=at,
            )
            account.post(entry)
            entries.append(entry)
        revenue.save(*entries, account)
    if postings == 0:
        revenue.save(account)
    return account.id
