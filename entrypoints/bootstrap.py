"""The one place that wires applications to their adapters (the composition root).

Embedders call ``bootstrap()``; tests pass fakes for the clock and identities through the
same door.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import attrs

from adapters.clock import RandomIdentities, SystemClock
from adapters.keys.sealer import AesGcmSealer
from adapters.keys.stores import key_store_for
from adapters.log_ends import joint_log_ends
from adapters.matching.audio import LandmarkAudioEngine
from adapters.matching.products import SUGGESTED_THRESHOLD, SiftProductRecognizer, shop_decoder
from adapters.matching.snapshots import FileIndexSnapshots
from adapters.matching.text import InvertedTextEngine
from adapters.matching.visual import PerceptualVisualEngine
from adapters.media.budget import DecodeSlots
from adapters.media.decoding import PyAVDecoder
from adapters.moderation.keywords import KeywordClassifier
from adapters.notifications.inbox import InAppNotifier
from adapters.oidc import BearerTokens, ExternalTokens
from adapters.passwords import Argon2Passwords
from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.analytics import SqlAnalyticsTables
from adapters.projections.campaign_dashboards import SqlDashboardTables
from adapters.projections.inbox import SqlInboxTables
from adapters.projections.ledger import SqlLedgerTables
from adapters.projections.marketplace import SqlMarketplaceTables, creator_text
from adapters.projections.music import SqlMusicTables
from adapters.projections.protection import persisted_protection
from adapters.projections.pulse_inventory import SqlInventoryTables
from adapters.projections.review_queue import SqlReviewTables
from adapters.projections.shop_search import SqlShopTables
from adapters.projections.shop_tags import SqlTagsTables
from adapters.storage import Store, StoreConfigurationError, StoreKind, close_application
from adapters.throttle import SignInFailures
from adapters.tokens import TokenSigner
from application.anchors.anchoring import Anchoring
from application.anchors.audience import Audience
from application.anchors.owner_lists import OwnerLists
from application.anchors.review_queue import ReviewQueueProjection
from application.anchors.text_matching import TextEngine
from application.auth import TokenVerifier
from application.background import BackgroundWork
from application.business.campaign_dashboard import (
    CampaignDashboardProjection,
    CampaignDashboards,
)
from application.business.campaigns import Campaigns
from application.business.marketplace import Marketplace
from application.business.marketplace_projection import MarketplaceProjection
from application.business.studio_bookings import StudioBookings
from application.catalogue import Catalogue
from application.identity.accounts import Accounts, PasswordHasher
from application.identity.me import WhoAmI
from application.inbox import Inboxes, InboxProjection, InboxReads
from application.logs import CatalogueLog, InboxLog, MusicLog, RevenueLog
from application.media import MatchingEngine, MediaDecoder
from application.music.competition import Competition
from application.music.music import Discovery
from application.music.usage_detection import UsageDetection
from application.notifications import Notifier
from application.ports import Clock, IdentityProvider
from application.projections import ProjectionRunner
from application.read_models import ReadModels
from application.revenue.creators import Creators
from application.revenue.ledger_projection import LedgerProjection
from application.revenue.ledgers import Ledger
from application.revenue.payouts import Payouts
from application.revenue.pulse import Pulse
from application.revenue.pulse_inventory import InventoryProjection
from application.shop.counterfeit_reports import CounterfeitReports
from application.shop.product_scanning import ProductScanning, VideoProductFrames
from application.shop.product_tagging import ProductTagging
from application.shop.products import ProductRecognizer
from application.shop.shop import Shop
from application.shop.shop_search import ShopSearch, ShopSearchProjection
from application.trust.moderation import ContentClassifier, Moderation
from application.trust.personal_data import KeyStore, PersonalData
from application.trust.protection import Protection
from entrypoints.metrics import count_recordings
from entrypoints.settings import NO_LIMIT, SIGN_IN_FAILURES, Settings


@attrs.define
class Spotlight:
    """The running core: every application service, sharing one configuration."""

    settings: Settings
    clock: Clock
    tokens: TokenSigner
    #: Who presents a bearer token: Spotlight's own tokens, then the external issuers'.
    verifier: TokenVerifier
    #: Built-in accounts and their sessions (the embedded default's identity).
    accounts: Accounts
    who: WhoAmI
    catalogue: CatalogueLog
    cataloguing: Catalogue
    anchoring: Anchoring
    audience: Audience
    #: What studios and creators own, a page at a time.
    owner_lists: OwnerLists
    music: MusicLog
    discovery: Discovery
    usage: UsageDetection
    competition: Competition
    creators: Creators
    revenue: RevenueLog
    ledger: Ledger
    pulse: Pulse
    payouts: Payouts
    inbox: InboxLog
    notifier: Notifier
    #: The inboxes' read model, whichever notifier delivers (the in-app one reads it).
    inbox_reads: InboxReads
    #: A person's own inbox: unread count, marking read.
    inboxes: Inboxes
    shop: Shop
    tagging: ProductTagging
    recognition: ProductScanning
    reports: CounterfeitReports
    studios: StudioBookings
    shop_search: ShopSearch
    campaigns: Campaigns
    campaign_dashboards: CampaignDashboards
    marketplace: Marketplace
    moderation: Moderation
    keys: KeyStore
    personal_data: PersonalData
    decode_slots: DecodeSlots
    protection: Protection
    #: The persisted read models' store (tables with their positions) and their runner.
    projection_store: SqlProjectionStore
    projections: ProjectionRunner
    #: Every read model, in the order the auditor's replay catches them up and compares them.
    read_models: ReadModels = attrs.field(factory=ReadModels)
    #: What the background worker runs at each tick, in order.
    background: BackgroundWork = attrs.field(factory=BackgroundWork)

    def close(self) -> None:
        closing = getattr(self.keys, "close", None)
        if closing is not None:
            closing()
        self.ledger.close()
        self.projection_store.close()
        close_application(self.inbox)
        close_application(self.revenue)
        close_application(self.music)
        close_application(self.catalogue)


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    identities: IdentityProvider | None = None,
    decoder: MediaDecoder | None = None,
    text: TextEngine | None = None,
    engines: Sequence[MatchingEngine] | None = None,
    music_audio: MatchingEngine | None = None,
    notifier: Notifier | None = None,
    recognizer: ProductRecognizer | None = None,
    classifier: ContentClassifier | None = None,
    passwords: PasswordHasher | None = None,
) -> Spotlight:
    settings = settings or Settings.from_environ()
    clock = clock or SystemClock()
    identities = identities or RandomIdentities()
    store = settings.store
    store.prepare()
    try:
        catalogue = CatalogueLog(store.env_for(CatalogueLog.name))
        music = MusicLog(store.env_for(MusicLog.name))
        revenue = RevenueLog(store.env_for(RevenueLog.name))
        inbox = InboxLog(store.env_for(InboxLog.name))
    except Exception as error:
        # The library reports a bad store deep inside its factories; name the setting instead.
        raise StoreConfigurationError(
            f"{store.setting}={store.redacted}: the event store could not be opened: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}"
        ) from None
    try:
        projection_store = SqlProjectionStore(
            projection_database_for(
                store, pool_size=settings.projection_pool, overflow=settings.projection_pool
            )
        )
    except Exception as error:
        raise StoreConfigurationError(
            f"{store.setting}={store.redacted}: the read models' database could not be opened: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}"
        ) from None
    count_recordings(catalogue, music, revenue, inbox)
    logs = {log.name: log for log in (catalogue, music, revenue, inbox)}
    projections = ProjectionRunner(
        projection_store,
        logs,
        inline=settings.projections == "inline",
        log_ends=joint_log_ends(logs),
    )
    # One protection for every program that must leave protected videos alone.
    protection = persisted_protection(projection_store, projections)
    inbox_reads = InboxReads(projections, InboxProjection(SqlInboxTables(projection_store)))
    if notifier is None:
        notifier = InAppNotifier(inbox, clock=clock, reads=inbox_reads)
    # 'is None', not 'or': an engine with nothing indexed yet has a length of 0.
    # Every decode of an upload (video, audio, listing photo) takes one of these slots.
    slots = DecodeSlots(settings.decode_slots, wait_seconds=settings.decode_wait_seconds)
    if decoder is None:
        decoder = PyAVDecoder(
            max_duration_seconds=settings.max_media_seconds,
            max_pixels=settings.max_pixels,
            slots=slots,
        )
    if recognizer is None:
        recognizer = SiftProductRecognizer(max_photo_pixels=settings.max_pixels, slots=slots)
    cataloguing = Catalogue(catalogue, clock=clock, identities=identities, notifier=notifier)
    review = ReviewQueueProjection(SqlReviewTables(projection_store))
    projections.register(review)
    anchoring = Anchoring(
        cataloguing,
        decoder=decoder,
        text=InvertedTextEngine() if text is None else text,
        engines=(LandmarkAudioEngine(), PerceptualVisualEngine()) if engines is None else engines,
        clock=clock,
        identities=identities,
        max_upload_bytes=settings.max_upload_bytes,
        protection=protection,
        projections=projections,
        review=review,
        # The shop's description of each video's frames is kept with its fingerprints.
        describers=(
            VideoProductFrames(
                recognizer,
                shop_decoder(
                    max_duration_seconds=settings.max_media_seconds,
                    max_pixels=settings.max_pixels,
                    slots=slots,
                ),
            ),
        ),
        classifier=KeywordClassifier() if classifier is None else classifier,
        snapshots=_index_snapshots(settings, "anchors"),
        snapshot_every=settings.index_snapshot_events,
    )
    discovery = Discovery(
        music,
        notifier=notifier,
        catalogue=catalogue,
        decoder=decoder,
        # Its own engine: the music index holds tracks and reference clips, not what the
        # anchors engines hold, and takes its own turns.
        audio=LandmarkAudioEngine() if music_audio is None else music_audio,
        clock=clock,
        identities=identities,
        max_upload_bytes=settings.max_upload_bytes,
        projections=projections,
        tables=SqlMusicTables(projection_store),
        snapshots=_index_snapshots(settings, "music"),
        snapshot_every=settings.index_snapshot_events,
    )
    usage = UsageDetection(
        music, catalogue=catalogue, index=discovery.index, read=discovery.read, clock=clock
    )
    ledger_projection = LedgerProjection(SqlLedgerTables(projection_store), projection_store)
    projections.register(ledger_projection)
    ledger = Ledger(revenue, clock=clock, projections=projections, projection=ledger_projection)
    tagging = ProductTagging(
        revenue,
        catalogue=catalogue,
        notifier=notifier,
        clock=clock,
        protection=protection,
        projections=projections,
        tables=SqlTagsTables(projection_store),
    )
    dashboard_projection = CampaignDashboardProjection(
        SqlDashboardTables(projection_store), protection, settings.click_window
    )
    projections.register(dashboard_projection)
    inventory = InventoryProjection(SqlInventoryTables(projection_store))
    projections.register(inventory)
    shop_search = ShopSearchProjection(SqlShopTables(projection_store))
    projections.register(shop_search)
    marketplace = MarketplaceProjection(
        SqlMarketplaceTables(projection_store), creator_text(projection_store)
    )
    projections.register(marketplace)
    dashboards = CampaignDashboards(projections, dashboard_projection, protection=protection)
    moderation = Moderation(
        catalogue, tagging=tagging, clock=clock, protection=protection, notifier=notifier
    )
    keys = key_store_for(store)
    audience = Audience(
        catalogue,
        clock=clock,
        projections=projections,
        tables=SqlAnalyticsTables(projection_store),
        click_window=settings.click_window,
    )
    tokens = TokenSigner(settings.signing_secret(), clock)
    external = ExternalTokens(settings.oidc_issuers, clock) if settings.oidc_issuers else None
    accounts = Accounts(
        catalogue,
        hasher=passwords or Argon2Passwords(),
        tokens=tokens,
        throttle=SignInFailures(
            settings.limits_storage(), settings.rate_limits.get(SIGN_IN_FAILURES, NO_LIMIT)
        ),
        clock=clock,
        identities=identities,
    )
    core = Spotlight(
        settings=settings,
        clock=clock,
        tokens=tokens,
        verifier=BearerTokens(tokens, external, accounts),
        accounts=accounts,
        who=WhoAmI(accounts, catalogue=catalogue, music=music, revenue=revenue),
        catalogue=catalogue,
        cataloguing=cataloguing,
        anchoring=anchoring,
        audience=audience,
        owner_lists=OwnerLists(projections, audience.projection, protection, anchoring.review),
        music=music,
        discovery=discovery,
        usage=usage,
        competition=Competition(
            music, discovery=discovery, usage=usage, clock=clock, identities=identities
        ),
        creators=Creators(catalogue, clock=clock, identities=identities),
        revenue=revenue,
        ledger=ledger,
        pulse=Pulse(
            revenue,
            notifier=notifier,
            catalogue=catalogue,
            ledger=ledger,
            clock=clock,
            identities=identities,
            runner=projections,
            projection=inventory,
            launched_regions=settings.pulse_regions,
        ),
        payouts=Payouts(revenue, ledger=ledger, clock=clock, notifier=notifier),
        inbox=inbox,
        notifier=notifier,
        inbox_reads=inbox_reads,
        inboxes=Inboxes(inbox, inbox_reads, clock=clock),
        shop=Shop(
            revenue, ledger=ledger, clock=clock, identities=identities, recognizer=recognizer
        ),
        tagging=tagging,
        recognition=ProductScanning(
            revenue,
            catalogue=catalogue,
            recognizer=recognizer,
            tagging=tagging,
            clock=clock,
            min_confidence=SUGGESTED_THRESHOLD,
            snapshots=_index_snapshots(settings, "products"),
            snapshot_every=settings.index_snapshot_events,
        ),
        reports=CounterfeitReports(
            revenue, tagging=tagging, clock=clock, identities=identities, notifier=notifier
        ),
        studios=StudioBookings(revenue, clock=clock, identities=identities),
        shop_search=ShopSearch(projections, shop_search),
        campaigns=Campaigns(
            revenue,
            catalogue=catalogue,
            ledger=ledger,
            notifier=notifier,
            dashboards=dashboards,
            clock=clock,
            identities=identities,
        ),
        campaign_dashboards=dashboards,
        marketplace=Marketplace(revenue, runner=projections, projection=marketplace),
        moderation=moderation,
        keys=keys,
        personal_data=PersonalData(
            catalogue, keys=keys, sealer=AesGcmSealer(), moderation=moderation, clock=clock
        ),
        decode_slots=slots,
        protection=protection,
        projection_store=projection_store,
        projections=projections,
    )
    for service in (
        core.anchoring,
        core.audience,
        core.discovery,
        core.ledger,
        core.pulse,
        core.tagging,
        core.shop_search,
        core.campaign_dashboards,
        core.marketplace,
    ):
        core.read_models.register(*service.read_models())
    core.read_models.register(*protection.read_models(), *inbox_reads.read_models())
    core.background.register(
        core.anchoring.background_pass(),
        core.usage.background_pass(),
        core.recognition.background_pass(),
        core.tagging.background_pass(),
        core.anchoring.snapshot_pass(),
        core.discovery.index.snapshot_pass(),
        core.recognition.snapshot_pass(),
    )
    return core


def index_directory(settings: Settings, index: str) -> Path:
    """Where one matching index's snapshots of this store go: a directory per store, so
    that stores sharing a data directory never read each other's snapshots."""
    return settings.index_root / _store_key(settings.store) / index


def _index_snapshots(settings: Settings, index: str) -> FileIndexSnapshots | None:
    # The memory store dies with the process: there is nothing to start from next time.
    if settings.store.kind is StoreKind.MEMORY:
        return None
    return FileIndexSnapshots(index_directory(settings, index))


def _store_key(store: Store) -> str:
    if store.kind is StoreKind.SQLITE and store.sqlite_path is not None:
        named = f"sqlite:{store.sqlite_path.resolve()}"
    else:
        named = store.redacted
    return hashlib.sha256(named.encode()).hexdigest()[:16]
