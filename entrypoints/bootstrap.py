"""The one place that wires applications to their adapters (the composition root).

Embedders call ``bootstrap()``; tests pass fakes for the clock and identities through the
same door.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import attrs

from adapters.audit.runs import SqlAuditRuns
from adapters.clock import RandomIdentities, SystemClock
from adapters.keys.sealer import AesGcmSealer
from adapters.keys.stores import key_store_for
from adapters.log_ends import joint_log_ends
from adapters.matching.audio import LandmarkAudioEngine
from adapters.matching.products import (
    PHOTO_SIDE,
    SHOP_SAMPLING,
    SUGGESTED_THRESHOLD,
    SiftProductRecognizer,
)
from adapters.matching.snapshots import FileIndexSnapshots
from adapters.matching.text import InvertedTextEngine
from adapters.matching.visual_engine import VisualEngine
from adapters.media.budget import DecodeSlots
from adapters.media.decoding import PyAVDecoder
from adapters.media.pictures import PillowPictureCheck
from adapters.media.store import media_store_for
from adapters.metrics import count_webhook_outcome
from adapters.moderation.keywords import KeywordClassifier
from adapters.notifications.inbox import InAppNotifier
from adapters.oidc import BearerTokens, ExternalTokens
from adapters.passwords import Argon2Passwords
from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.analytics import SqlAnalyticsTables
from adapters.projections.brand_lists import SqlBrandListTables
from adapters.projections.campaign_dashboards import SqlDashboardTables
from adapters.projections.inbox import SqlInboxTables
from adapters.projections.ledger import SqlLedgerTables
from adapters.projections.marketplace import SqlMarketplaceTables, creator_text
from adapters.projections.music import SqlMusicTables
from adapters.projections.protection import persisted_protection
from adapters.projections.pulse_delivery import SqlDeliveryTables
from adapters.projections.pulse_inventory import SqlInventoryTables
from adapters.projections.revenue_lists import SqlRevenueListTables
from adapters.projections.review_queue import SqlReviewTables
from adapters.projections.shop_lists import persisted_shop_lists
from adapters.projections.shop_search import SqlShopTables
from adapters.projections.shop_tags import SqlTagsTables
from adapters.projections.sound_uses import SqlSoundUseTables
from adapters.projections.studio_lists import persisted_studio_lists
from adapters.projections.video_reports import persisted_video_reports
from adapters.storage import Store, StoreConfigurationError, StoreKind, close_application
from adapters.store_versions import StoreVersions
from adapters.throttle import SignInFailures
from adapters.tokens import TokenSigner
from adapters.webhooks.own_address import OwnAddress
from adapters.webhooks.poster import AddressGuard, HttpPoster
from adapters.webhooks.tables import SqlWebhookTables
from application.anchors.anchoring import Anchoring
from application.anchors.audience import Audience
from application.anchors.media_access import AnchorsMedia
from application.anchors.owner_lists import OwnerLists
from application.anchors.review_queue import ReviewQueueProjection
from application.anchors.text_matching import TextEngine
from application.audit.audit_runs import AuditRuns
from application.audit.audited_logs import AuditedLogs
from application.audit.media_collection import MediaCollector
from application.audit.media_holders import HeldMedia
from application.auth import TokenVerifier
from application.background import BackgroundPass, BackgroundWork
from application.business.brand_lists import BrandLists, BrandListsProjection
from application.business.campaign_dashboard import (
    CampaignDashboardProjection,
    CampaignDashboards,
)
from application.business.campaigns import Campaigns
from application.business.marketplace import Marketplace
from application.business.marketplace_projection import MarketplaceProjection
from application.business.studio_bookings import StudioBookings
from application.business.studio_lists import StudioLists
from application.catalogue import Catalogue
from application.identity.accounts import Accounts, PasswordHasher
from application.identity.me import WhoAmI
from application.inbox import Inboxes, InboxProjection, InboxReads
from application.logs import LOG_NAMES, CatalogueLog, InboxLog, MusicLog, RevenueLog
from application.media import MatchingEngine, MediaDecoder
from application.media_store import MediaErasure, MediaKeeping, MediaStore
from application.music.competition import Competition
from application.music.music import Discovery
from application.music.schedule import RoundSchedule
from application.music.sounds import Sounds, SoundUsesProjection
from application.music.usage_detection import UsageDetection
from application.music.verification import ArtistVerification
from application.notifications import Notifier
from application.ports import Clock, IdentityProvider
from application.projections import ProjectionRunner
from application.read_models import ReadModels
from application.revenue.creators import Creators
from application.revenue.ledger_projection import LedgerProjection
from application.revenue.ledgers import Ledger
from application.revenue.payouts import Payouts
from application.revenue.pulse import Pulse
from application.revenue.pulse_delivery import DeliveryProjection
from application.revenue.pulse_inventory import InventoryProjection
from application.revenue.revenue_lists import RevenueLists, RevenueListsProjection
from application.shop.counterfeit_reports import CounterfeitReports
from application.shop.listing_photos import ListingPhotos
from application.shop.order_steps import OrderSteps
from application.shop.payments import PaymentProvider
from application.shop.product_scanning import ProductScanning, VideoProductFrames
from application.shop.product_tagging import ProductTagging
from application.shop.products import ProductRecognizer
from application.shop.shop import Shop
from application.shop.shop_lists import ShopLists
from application.shop.shop_search import ShopSearch, ShopSearchProjection
from application.store_schema import StoreSchema
from application.trust.moderation import ContentClassifier, Moderation
from application.trust.personal_data import KeyStore, PersonalData
from application.trust.protection import Protection
from application.trust.video_reports import VideoReports
from application.webhook_delivery import SenderSettings, WebhookFanout, WebhookSender
from application.webhooks import Webhooks
from entrypoints.metrics import count_recordings
from entrypoints.notices import follow_notices
from entrypoints.payments import payment_provider, refuse_unavailable_provider
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
    _catalogue: CatalogueLog
    cataloguing: Catalogue
    anchoring: Anchoring
    audience: Audience
    #: What studios and creators own, a page at a time.
    owner_lists: OwnerLists
    _music: MusicLog
    discovery: Discovery
    usage: UsageDetection
    #: "Use this sound": videos' declared tracks, checked against their audio; a track's videos.
    sounds: Sounds
    competition: Competition
    #: Artists' requests for the badge, and the admins' queue of them.
    verification: ArtistVerification
    #: Opens and closes rounds at their planned times (a background pass).
    round_schedule: RoundSchedule
    creators: Creators
    _revenue: RevenueLog
    ledger: Ledger
    pulse: Pulse
    payouts: Payouts
    #: A creator's payouts and the Pulse applications queue, a page at a time.
    revenue_lists: RevenueLists
    _inbox: InboxLog
    notifier: Notifier
    #: The inboxes' read model, whichever notifier delivers (the in-app one reads it).
    inbox_reads: InboxReads
    #: A person's own inbox: unread count, marking read.
    inboxes: Inboxes
    shop: Shop
    #: A listing's photos kept in the media store and shown on its page.
    listing_photos: ListingPhotos
    orders: OrderSteps
    tagging: ProductTagging
    recognition: ProductScanning
    reports: CounterfeitReports
    studios: StudioBookings
    shop_search: ShopSearch
    #: What sellers and buyers own in the shop, and the counterfeit-report queue, by page.
    shop_lists: ShopLists
    #: Studios, their free slots, and the bookings of creators and brands, by page.
    studio_lists: StudioLists
    campaigns: Campaigns
    campaign_dashboards: CampaignDashboards
    marketplace: Marketplace
    #: A brand's campaigns, a campaign's branded effects, the effects live today.
    brand_lists: BrandLists
    moderation: Moderation
    #: Viewers' reports of videos, the reviewers' queues and creators' appeals.
    video_reports: VideoReports
    keys: KeyStore
    personal_data: PersonalData
    decode_slots: DecodeSlots
    protection: Protection
    #: The persisted read models' store (tables with their positions) and their runner.
    projection_store: SqlProjectionStore
    projections: ProjectionRunner
    #: Webhooks: subscriptions and their deliveries; the sender is a background pass.
    webhooks: Webhooks
    webhook_sender: WebhookSender
    #: Uploads kept to be played back (content-addressed blobs), and who may play what.
    media_store: MediaStore
    anchors_media: AnchorsMedia
    #: Deletes the blobs no live object holds (``spotlight media gc``).
    media_collector: MediaCollector
    #: The results of ``spotlight audit verify`` and ``replay``, kept in the store's database.
    audit_runs: AuditRuns
    #: The logs an auditor may read: the audit program's only way into the logs.
    audited_logs: AuditedLogs
    #: The versions of the store's own tables: read models, each log's chain, the key store.
    store_schema: StoreSchema
    #: Every read model, in the order the auditor's replay catches them up and compares them.
    read_models: ReadModels = attrs.field(factory=ReadModels)
    #: What the background worker runs at each tick, in order.
    background: BackgroundWork = attrs.field(factory=BackgroundWork)

    def __enter__(self) -> Spotlight:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the store's connections and files; the core answers nothing after this."""
        closing = getattr(self.keys, "close", None)
        if closing is not None:
            closing()
        self.ledger.close()
        self.projection_store.close()
        close_application(self._inbox)
        close_application(self._revenue)
        close_application(self._music)
        close_application(self._catalogue)


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
    payments: PaymentProvider | None = None,
) -> Spotlight:
    settings = settings or Settings.from_environ()
    if payments is None:
        refuse_unavailable_provider(settings)
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
    if payments is None:
        payments = payment_provider(settings, projection_store)
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
    media_store, holdings = media_store_for(store, settings.data_dir, settings.media_store)
    keeping = MediaKeeping(media_store, holdings, limit=settings.max_upload_bytes)
    cataloguing = Catalogue(catalogue, clock=clock, identities=identities)
    review = ReviewQueueProjection(SqlReviewTables(projection_store))
    projections.register(review)
    anchoring = Anchoring(
        cataloguing,
        log=catalogue,
        decoder=decoder,
        text=InvertedTextEngine() if text is None else text,
        engines=(LandmarkAudioEngine(), VisualEngine()) if engines is None else engines,
        clock=clock,
        identities=identities,
        max_upload_bytes=settings.max_upload_bytes,
        protection=protection,
        projections=projections,
        review=review,
        # The shop's description of each video's frames is kept with its fingerprints.
        describers=(VideoProductFrames(recognizer, SHOP_SAMPLING),),
        classifier=KeywordClassifier() if classifier is None else classifier,
        snapshots=_index_snapshots(settings, "anchors"),
        snapshot_every=settings.index_snapshot_events,
        keeping=keeping,
    )
    discovery = Discovery(
        music,
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
        keeping=keeping,
    )
    usage = UsageDetection(
        music, catalogue=catalogue, index=discovery.index, read=discovery.read, clock=clock
    )
    sound_uses = SoundUsesProjection(SqlSoundUseTables(projection_store))
    projections.register(sound_uses)
    sounds = Sounds(
        music,
        catalogue=catalogue,
        index=discovery.index,
        read=discovery.read,
        clock=clock,
        runner=projections,
        projection=sound_uses,
        protection=protection,
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
    delivery = DeliveryProjection(SqlDeliveryTables(projection_store))
    projections.register(delivery)
    shop_search = ShopSearchProjection(SqlShopTables(projection_store))
    projections.register(shop_search)
    marketplace = MarketplaceProjection(
        SqlMarketplaceTables(projection_store), creator_text(projection_store)
    )
    projections.register(marketplace)
    revenue_lists = RevenueListsProjection(SqlRevenueListTables(projection_store))
    projections.register(revenue_lists)
    brand_lists = BrandListsProjection(SqlBrandListTables(projection_store))
    projections.register(brand_lists)
    dashboards = CampaignDashboards(projections, dashboard_projection, protection=protection)
    moderation = Moderation(catalogue, tagging=tagging, clock=clock, protection=protection)
    keys = key_store_for(store)
    audience = Audience(
        catalogue,
        clock=clock,
        projections=projections,
        tables=SqlAnalyticsTables(projection_store),
        click_window=settings.click_window,
    )
    # A title's engagement rule is held to the audience read model's figures.
    anchoring.engagement_of = audience.engagement_of
    webhooks, webhook_sender = _webhooks(
        settings, inbox, projections, projection_store, keys, clock, identities
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
    competition = Competition(
        music, discovery=discovery, usage=usage, clock=clock, identities=identities
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
        sounds=sounds,
        competition=competition,
        verification=ArtistVerification(music, read=discovery.read, clock=clock),
        round_schedule=RoundSchedule(competition, clock=clock),
        creators=Creators(catalogue, clock=clock, identities=identities),
        revenue=revenue,
        ledger=ledger,
        pulse=Pulse(
            revenue,
            catalogue=catalogue,
            ledger=ledger,
            clock=clock,
            identities=identities,
            runner=projections,
            projection=inventory,
            delivery=delivery,
            launched_regions=settings.pulse_regions,
        ),
        payouts=Payouts(revenue, ledger=ledger, clock=clock),
        revenue_lists=RevenueLists(projections, revenue_lists),
        inbox=inbox,
        notifier=notifier,
        inbox_reads=inbox_reads,
        inboxes=Inboxes(inbox, inbox_reads, clock=clock),
        shop=Shop(
            revenue,
            ledger=ledger,
            clock=clock,
            identities=identities,
            recognizer=recognizer,
            payments=payments,
        ),
        listing_photos=ListingPhotos(
            revenue,
            keeping=keeping,
            check=PillowPictureCheck(side=PHOTO_SIDE, max_pixels=settings.max_pixels, slots=slots),
            clock=clock,
            limit=min(settings.max_photo_bytes, settings.max_upload_bytes),
        ),
        orders=OrderSteps(revenue, ledger=ledger, clock=clock, payments=payments),
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
        reports=CounterfeitReports(revenue, tagging=tagging, clock=clock, identities=identities),
        studios=StudioBookings(revenue, clock=clock, identities=identities),
        shop_search=ShopSearch(projections, shop_search),
        shop_lists=persisted_shop_lists(projection_store, projections),
        studio_lists=persisted_studio_lists(projection_store, projections, clock=clock),
        campaigns=Campaigns(
            revenue,
            catalogue=catalogue,
            ledger=ledger,
            dashboards=dashboards,
            clock=clock,
            identities=identities,
        ),
        campaign_dashboards=dashboards,
        marketplace=Marketplace(revenue, runner=projections, projection=marketplace),
        brand_lists=BrandLists(projections, brand_lists, clock=clock),
        moderation=moderation,
        video_reports=persisted_video_reports(
            projection_store,
            projections,
            catalogue,
            tagging=tagging,
            clock=clock,
            identities=identities,
            per_day=settings.video_reports_per_day,
        ),
        keys=keys,
        personal_data=PersonalData(
            catalogue,
            keys=keys,
            sealer=AesGcmSealer(),
            moderation=moderation,
            clock=clock,
            media=MediaErasure(media_store, holdings),
        ),
        decode_slots=slots,
        protection=protection,
        projection_store=projection_store,
        projections=projections,
        webhooks=webhooks,
        webhook_sender=webhook_sender,
        media_store=media_store,
        anchors_media=AnchorsMedia(catalogue, protection=protection),
        media_collector=MediaCollector(
            media_store,
            HeldMedia(catalogue, music, revenue),
            clock=clock,
            grace=timedelta(hours=settings.media_grace_hours),
        ),
        audit_runs=AuditRuns(SqlAuditRuns(projection_store)),
        audited_logs=AuditedLogs((catalogue, music, revenue, inbox)),
        store_schema=StoreSchema(
            StoreVersions(store, projection_store.schema_versions, LOG_NAMES), LOG_NAMES
        ),
    )
    for service in (
        core.anchoring,
        core.audience,
        core.discovery,
        core.ledger,
        core.pulse,
        core.tagging,
        core.shop_search,
        core.shop_lists,
        core.studio_lists,
        core.campaign_dashboards,
        core.marketplace,
        core.revenue_lists,
        core.brand_lists,
        core.sounds,
        core.video_reports,
    ):
        core.read_models.register(*service.read_models())
    core.read_models.register(*protection.read_models(), *inbox_reads.read_models())
    follow_notices(
        projections, inbox_reads, notifier, catalogue=catalogue, music=music, revenue=revenue
    )
    core.background.register(
        core.anchoring.background_pass(),
        core.usage.background_pass(),
        core.round_schedule.background_pass(),
        core.recognition.background_pass(),
        core.tagging.background_pass(),
        core.anchoring.snapshot_pass(),
        core.discovery.index.snapshot_pass(),
        core.recognition.snapshot_pass(),
        BackgroundPass(
            name="webhook deliveries",
            run=webhook_sender.run,
            failure="webhook deliveries could not be sent; the next tick tries again",
        ),
    )
    core.background.register(core.anchoring.rejudging.background_pass())
    return core


def _webhooks(
    settings: Settings,
    inbox: InboxLog,
    projections: ProjectionRunner,
    store: SqlProjectionStore,
    keys: KeyStore,
    clock: Clock,
    identities: IdentityProvider,
) -> tuple[Webhooks, WebhookSender]:
    tables = SqlWebhookTables(store)
    guard = AddressGuard(
        allow_private=settings.webhook_allow_private,
        own=OwnAddress.of(settings.public_url, settings.listen),
    )
    webhooks = Webhooks(
        inbox,
        runner=projections,
        fanout=WebhookFanout(tables),
        keys=keys,
        sealer=AesGcmSealer(),
        guard=guard,
        clock=clock,
        identities=identities,
        allow_http=settings.webhook_allow_private,
    )
    sender = WebhookSender(
        tables,
        inbox,
        keys=keys,
        sealer=AesGcmSealer(),
        poster=HttpPoster(guard),
        clock=clock,
        settings=SenderSettings(
            schedule=settings.webhook_retries,
            timeout=settings.webhook_timeout,
            lease_seconds=settings.webhook_lease_seconds,
        ),
        listener=count_webhook_outcome,
    )
    return webhooks, sender


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
