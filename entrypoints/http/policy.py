"""Who may call each HTTP operation: the authorisation policy as data.

The application's use cases enforce it (``application.auth`` and each use case: roles, and
ownership as role *and* subject); this table is the contract they are held to. It names HTTP
operations (method and path), which only this entrypoint knows, so it lives here rather than
in ``application``. ``tests/e2e/test_authorisation_matrix.py`` calls every operation of the
app's OpenAPI as every role (an owner, another subject of the same role, the owner's subject
under every other role) and without a token, and fails when an operation has no row here or
an outcome differs from its row; ARCHITECTURE.md prints the table (``python -m
entrypoints.http.policy`` writes it, and a test checks the two agree).

Reading a row: ``roles`` may call the operation; of those, ``owners`` only on what they own
(the title's studio, the video's creator, the campaign's brand, the listing's seller, the
booking's creator or sponsor, an order's buyer or seller, the person whose data it is...).
An allowed call may still be refused after authorisation (404, 409, 422); a refused role gets
403 problem+json (never 404: ids here are not secrets worth hiding, and the 403 says why), a
call without a valid token 401, except on ``public`` operations.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from application.auth import Role

ALL = frozenset(Role)
#: Roles that buy in the shop (a seller never buys, auditors never write).
BUYERS = "viewer creator artist brand"
#: Roles whose own data is theirs alone (admins and auditors act on anyone's where allowed).
PEOPLE = "studio creator artist reviewer judge seller brand viewer"


@attrs.frozen
class Access:
    roles: frozenset[Role]
    owners: frozenset[Role]
    public: bool
    who: str


def _roles(names: str) -> frozenset[Role]:
    return ALL if names == "*" else frozenset(Role(name) for name in names.split())


def rule(roles: str, who: str, *, owners: str = "") -> Access:
    """``roles`` and ``owners`` as role names separated by spaces, ``*`` for every role."""
    allowed, owning = _roles(roles), _roles(owners) if owners else frozenset()
    if not owning <= allowed:
        raise ValueError(f"owners {owners!r} are not among the roles {roles!r}")
    return Access(roles=allowed, owners=owning, public=False, who=who)


def public(who: str = "anyone, without a token") -> Access:
    return Access(roles=ALL, owners=frozenset(), public=True, who=who)


SIGNED_IN = rule("*", "anyone signed in")
REVIEWERS = rule("reviewer admin", "a reviewer; an admin")
REVIEW_READERS = rule("reviewer admin auditor", "reviewers, admins, auditors")
ADMINS = rule("admin", "an admin")
AUDIT_READERS = rule("admin auditor", "admins, auditors")
WEBHOOK_OWNERS = rule("*", "the subscriber (role and subject); an admin; others get 404")

POLICY: Mapping[str, Access] = {
    # Titles, videos, anchors -------------------------------------------------------------
    "POST /v1/titles": rule("studio admin", "a studio as itself; an admin for a named studio"),
    "GET /v1/titles/{title_id}": public(),
    "PUT /v1/titles/{title_id}/portal": rule(
        "studio admin", "the owning studio; an admin", owners="studio"
    ),
    "POST /v1/videos": rule("creator admin", "a creator as itself; an admin for a named creator"),
    "GET /v1/videos/{video_id}": public(
        "anyone, without a token; a removed one only its creator, reviewers and admins (410 "
        "for others); a flagged or age-restricted one no minor and not without a token (403)"
    ),
    "GET /v1/videos/{video_id}/media": rule(
        "*",
        "anyone signed in who may see the video: a removed one's only its creator, reviewers "
        "and admins; a flagged or age-restricted one no minor; others get 404",
    ),
    "POST /v1/videos/{video_id}/anchor": REVIEWERS,
    "POST /v1/titles/{title_id}/claims": rule(
        "studio admin", "the title's studio; an admin", owners="studio"
    ),
    "DELETE /v1/videos/{video_id}/anchor": rule(
        "reviewer admin studio",
        "a reviewer; an admin; the studio owning the anchored title",
        owners="studio",
    ),
    "POST /v1/titles/{title_id}/references": rule(
        "studio admin", "the owning studio; an admin", owners="studio"
    ),
    "GET /v1/titles/{title_id}/references/{reference_id}/media": rule(
        "studio reviewer admin auditor",
        "the owning studio; reviewers, admins, auditors",
        owners="studio",
    ),
    "GET /v1/titles/{title_id}/matching": rule(
        "studio admin auditor", "the owning studio; admins; auditors", owners="studio"
    ),
    "PUT /v1/titles/{title_id}/references/{reference_id}/exclusions": rule(
        "studio admin", "the owning studio; an admin", owners="studio"
    ),
    "PUT /v1/titles/{title_id}/match-words": rule(
        "studio admin", "the owning studio; an admin", owners="studio"
    ),
    "PUT /v1/titles/{title_id}/match-policy": rule(
        "studio admin", "the owning studio; an admin", owners="studio"
    ),
    "GET /v1/review/anchors": REVIEW_READERS,
    "POST /v1/review/anchors/{video_id}/{title_id}": REVIEWERS,
    "POST /v1/videos/{video_id}/anchor/dispute": rule(
        "creator admin", "the video's creator; an admin", owners="creator"
    ),
    "POST /v1/review/disputes/{video_id}": REVIEWERS,
    "POST /v1/sweeps/run": ADMINS,
    "POST /v1/rejudging/run": ADMINS,
    # Audience ----------------------------------------------------------------------------
    "POST /v1/engagement": rule("admin", "an admin (a platform service's token)"),
    "POST /v1/clicks": SIGNED_IN,
    "GET /v1/batches/{batch_id}": rule("*", "the batch's sender; admins, auditors; others 404"),
    "POST /v1/call-to-action-clicks": SIGNED_IN,
    "POST /v1/views": SIGNED_IN,
    "GET /v1/studios/{studio_id}/analytics": rule(
        "studio admin auditor", "that studio; admins; auditors", owners="studio"
    ),
    "GET /v1/studios/{studio_id}/analytics/titles/{title_id}/videos": rule(
        "studio admin auditor", "the title's studio; admins; auditors", owners="studio"
    ),
    "GET /v1/studios/{studio_id}/analytics/titles/{title_id}/videos.csv": rule(
        "studio admin auditor", "the title's studio; admins; auditors", owners="studio"
    ),
    # Music and competition ---------------------------------------------------------------
    "POST /v1/artists": rule("artist admin", "an artist as itself; an admin for a named artist"),
    "GET /v1/artists/{account}": public(),
    "PUT /v1/artists/{account}": rule("artist admin", "the artist; an admin", owners="artist"),
    "POST /v1/artists/{account}/verification": ADMINS,
    "DELETE /v1/artists/{account}/verification": ADMINS,
    "POST /v1/artists/{account}/tracks": rule(
        "artist admin", "the artist; an admin", owners="artist"
    ),
    "GET /v1/tracks/{track_id}": public(),
    "GET /v1/tracks/{track_id}/media": rule(
        "*",
        "anyone signed in for a cleared track; one under review or rejected only its artist, "
        "reviewers, admins, auditors; others get 404",
    ),
    "GET /v1/review/tracks": REVIEW_READERS,
    "POST /v1/review/tracks/{track_id}": REVIEWERS,
    "GET /v1/playlists/featured": public(),
    "POST /v1/music/usage/scan": ADMINS,
    "PUT /v1/videos/{video_id}/sound": rule(
        "creator admin", "the video's creator; an admin", owners="creator"
    ),
    "GET /v1/videos/{video_id}/sound": public(),
    "GET /v1/tracks/{track_id}/videos": public(),
    "POST /v1/seasons": ADMINS,
    "GET /v1/seasons": public(),
    "GET /v1/seasons/{season_id}": public(),
    "POST /v1/seasons/{season_id}/entries": rule(
        "artist admin", "an artist with its own track; an admin for a named artist"
    ),
    "GET /v1/rounds/{round_id}": public(),
    "POST /v1/rounds/{round_id}/open": ADMINS,
    "POST /v1/rounds/{round_id}/ballots": rule(
        "viewer creator artist", "viewers, creators, artists (never judges, auditors, admins)"
    ),
    "POST /v1/rounds/{round_id}/scores": rule(
        "judge", "a judge on the season's panel, not affiliated with the entry", owners="judge"
    ),
    "POST /v1/rounds/{round_id}/close": ADMINS,
    "GET /v1/rounds/{round_id}/results": public(),
    "GET /v1/rounds/{round_id}/standings": public(),
    "GET /v1/me/judging": rule("judge", "a judge, for itself"),
    "GET /v1/seasons/{season_id}/field": rule(
        "judge admin auditor",
        "the season's partners (a judge of its panel represents one); admins, auditors",
        owners="judge",
    ),
    "GET /v1/seasons/{season_id}/field.csv": rule(
        "judge admin auditor",
        "the season's partners (a judge of its panel represents one); admins, auditors",
        owners="judge",
    ),
    "GET /v1/rising-artists": rule(
        "judge admin auditor", "a judge, for the partners it represents; admins, auditors"
    ),
    "GET /v1/rising-artists.csv": rule(
        "judge admin auditor", "a judge, for the partners it represents; admins, auditors"
    ),
    "GET /v1/rounds/{round_id}/score-sheet": rule(
        "judge", "a judge on the season's panel, its own scores only", owners="judge"
    ),
    "POST /v1/me/verification-request": rule("artist", "an artist, for itself"),
    "GET /v1/me/verification-request": rule("artist", "an artist, for itself"),
    "GET /v1/review/verification-requests": AUDIT_READERS,
    "POST /v1/review/verification-requests/{account}": ADMINS,
    # Creators ----------------------------------------------------------------------------
    "POST /v1/creators": rule("creator admin", "a creator as itself; an admin for a named one"),
    "GET /v1/creators/{account}": rule(
        "creator admin auditor reviewer brand",
        "the creator; admins, auditors, reviewers, brands",
        owners="creator",
    ),
    "POST /v1/creators/{account}/followers": rule("admin", "an admin (the counting service)"),
    "POST /v1/creators/{account}/strikes": REVIEWERS,
    "DELETE /v1/creators/{account}/strikes/{strike_id}": REVIEWERS,
    # Pulse, ledger, payouts ---------------------------------------------------------------
    "POST /v1/pulse/enrolments": rule("creator admin", "a creator as itself; an admin"),
    "GET /v1/pulse/enrolments/{creator}": rule(
        "creator admin auditor", "the creator; admins; auditors", owners="creator"
    ),
    "POST /v1/pulse/enrolments/{creator}/decision": ADMINS,
    "GET /v1/pulse/videos/{video_id}/standing": SIGNED_IN,
    "POST /v1/pulse/campaigns": rule("brand admin", "a brand as itself; an admin for a named one"),
    "GET /v1/pulse/campaigns/{campaign_id}": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "GET /v1/pulse/campaigns/{campaign_id}/inventory": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "GET /v1/pulse/campaigns/{campaign_id}/report": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "GET /v1/pulse/campaigns/{campaign_id}/report.csv": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "GET /v1/pulse/brands/{brand}/exclusions": rule(
        "brand admin auditor", "the brand; admins; auditors", owners="brand"
    ),
    "PUT /v1/pulse/brands/{brand}/exclusions": rule(
        "brand admin", "the brand as itself; an admin for it", owners="brand"
    ),
    "POST /v1/pulse/impressions": rule("admin", "an admin (the ad server's token)"),
    "GET /v1/ledgers/{account_id}": rule(
        "creator seller brand admin auditor",
        "the account's creator or seller; a campaign's brand for its budget; admins; auditors",
        owners="creator seller brand",
    ),
    "GET /v1/statements/{creator}/{month}": rule(
        "creator admin auditor", "the creator; admins; auditors", owners="creator"
    ),
    "POST /v1/payouts": rule(
        "creator seller admin", "a creator or seller as itself; an admin for a named one"
    ),
    "POST /v1/payouts/runs": ADMINS,
    "POST /v1/payouts/{payout_id}/settlement": ADMINS,
    "GET /v1/payouts/{payout_id}": rule(
        "creator seller admin auditor",
        "the payout's creator or seller; admins; auditors",
        owners="creator seller",
    ),
    # Money lists: a creator's months and payouts, the Pulse applications queue
    "GET /v1/me/earnings": rule("creator seller", "a creator or a seller, for themselves"),
    "GET /v1/me/payouts": rule("creator seller", "a creator or a seller, for themselves"),
    "GET /v1/me/earnings.csv": rule("creator seller", "a creator or a seller, for themselves"),
    "GET /v1/me/payouts.csv": rule("creator seller", "a creator or a seller, for themselves"),
    "GET /v1/pulse/applications": AUDIT_READERS,
    "GET /v1/categories": public(),
    # Brand lists: a brand's campaigns, a campaign's effects, the effects live today
    "GET /v1/me/campaigns": rule("brand", "a brand, for itself"),
    "GET /v1/campaigns/{campaign_id}/effects": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "GET /v1/effects": public(),
    "GET /v1/audit/events": AUDIT_READERS,
    "GET /v1/audit/heads": AUDIT_READERS,
    "GET /v1/audit/runs": AUDIT_READERS,
    "POST /v1/media/collections": ADMINS,
    "GET /v1/store/schema": AUDIT_READERS,
    # The shop ----------------------------------------------------------------------------
    "POST /v1/sellers": rule("seller admin", "a seller as itself; an admin for a named one"),
    "GET /v1/sellers/{account}": SIGNED_IN,
    "POST /v1/listings": rule("seller admin", "a seller as itself; an admin for a named one"),
    "GET /v1/listings/{listing_id}": public(),
    "POST /v1/listings/{listing_id}/photos": rule(
        "seller admin", "the listing's seller; an admin", owners="seller"
    ),
    "GET /v1/listings/{listing_id}/photos/{address}": public(),
    "DELETE /v1/listings/{listing_id}/photos/{address}": rule(
        "seller admin", "the listing's seller; an admin", owners="seller"
    ),
    "PUT /v1/listings/{listing_id}": rule(
        "seller admin", "the listing's seller; an admin", owners="seller"
    ),
    "POST /v1/listings/{listing_id}/restock": rule(
        "seller admin", "the listing's seller; an admin", owners="seller"
    ),
    "POST /v1/listings/{listing_id}/delisting": rule(
        "seller admin", "the listing's seller; an admin", owners="seller"
    ),
    "GET /v1/shop/search": public(),
    "PUT /v1/shop/commission/{category}": ADMINS,
    "GET /v1/shop/commission": SIGNED_IN,
    "POST /v1/orders": rule(BUYERS, "viewers, creators, artists, brands"),
    "GET /v1/orders/{order_id}": rule(
        f"{BUYERS} seller admin auditor",
        "its buyer; its seller; admins; auditors",
        owners=f"{BUYERS} seller",
    ),
    "POST /v1/orders/{order_id}/shipment": rule("seller", "its seller", owners="seller"),
    "POST /v1/orders/{order_id}/delivery": rule(
        f"{BUYERS} seller admin", "its buyer; its seller; an admin", owners=f"{BUYERS} seller"
    ),
    "POST /v1/orders/{order_id}/return-request": rule(BUYERS, "its buyer", owners=BUYERS),
    "POST /v1/orders/{order_id}/return-receipt": rule(
        "seller admin", "its seller; an admin", owners="seller"
    ),
    "POST /v1/orders/{order_id}/refund": rule(
        "seller admin", "its seller; an admin", owners="seller"
    ),
    "POST /v1/orders/{order_id}/cancellation": rule(
        f"{BUYERS} seller admin", "its buyer; its seller; an admin", owners=f"{BUYERS} seller"
    ),
    "POST /v1/listings/{listing_id}/reports": rule(
        "admin studio creator artist reviewer judge seller brand viewer",
        "anyone signed in except auditors (10 a day)",
    ),
    "POST /v1/review/reports/{report_id}": REVIEWERS,
    "GET /v1/reports/{report_id}": rule(
        f"{BUYERS} studio judge seller reviewer admin auditor",
        "its reporter; reviewers; admins; auditors",
        owners=f"{BUYERS} studio judge seller",
    ),
    "GET /v1/videos/{video_id}/similar-items": public(),
    "GET /v1/videos/{video_id}/tags": rule(
        "creator reviewer admin auditor",
        "the video's creator; reviewers; admins; auditors",
        owners="creator",
    ),
    "POST /v1/videos/{video_id}/tags": REVIEWERS,
    "DELETE /v1/videos/{video_id}/tags/{listing_id}": rule(
        "creator admin", "the video's creator; an admin", owners="creator"
    ),
    "PUT /v1/videos/{video_id}/auto-tags": rule(
        "creator admin", "the video's creator; an admin", owners="creator"
    ),
    "PUT /v1/me/shop-preferences": rule("creator", "a creator, for themselves"),
    "GET /v1/me/inbox": SIGNED_IN,
    "POST /v1/me/inbox/read": SIGNED_IN,
    "GET /v1/me/titles": rule("studio", "a studio, for itself"),
    "GET /v1/me/anchors": rule("studio", "a studio, for itself"),
    "GET /v1/me/disputes": rule("studio", "a studio, for itself"),
    "GET /v1/me/videos": rule("creator", "a creator, for themselves"),
    "GET /v1/me/invitations": rule("creator", "a creator, for themselves"),
    "GET /v1/me/tracks": rule("artist", "an artist, for itself"),
    "GET /v1/me/listings": rule("seller", "a seller, for itself"),
    "GET /v1/me/sales": rule("seller", "a seller, for itself"),
    "GET /v1/me/listing-reports": rule("seller", "a seller, for itself"),
    "GET /v1/me/orders": rule(BUYERS, "a buyer, for the role it buys in"),
    "GET /v1/review/reports": REVIEW_READERS,
    "GET /v1/me/seasons": rule("artist", "an artist, for itself"),
    "GET /v1/me": SIGNED_IN,
    # Identity ------------------------------------------------------------------------------
    "POST /v1/accounts": public("anyone, signing up"),
    "POST /v1/sessions": public("anyone with an account's name and password"),
    "POST /v1/sessions/refresh": public("the holder of a live refresh token"),
    "POST /v1/sessions/switch": public("the holder of a live refresh token"),
    "POST /v1/sessions/sign-out": SIGNED_IN,
    "GET /v1/accounts/{account_name}": rule(
        "*",
        "the account's owner, acting in a role it holds; admins; auditors",
        owners=PEOPLE,
    ),
    "POST /v1/me/roles": SIGNED_IN,
    "POST /v1/accounts/{account_name}/roles": ADMINS,
    "POST /v1/accounts/{account_name}/revoked-roles": ADMINS,
    "POST /v1/accounts/{account_name}/verifications": ADMINS,
    "POST /v1/shop/recognition/run": ADMINS,
    "GET /v1/shop/recognition": AUDIT_READERS,
    # Studios -----------------------------------------------------------------------------
    "POST /v1/studios": ADMINS,
    "GET /v1/studios/{studio_id}": public(),
    "GET /v1/studios": public(),
    "GET /v1/studios/{studio_id}/free-slots": public(),
    "GET /v1/me/bookings": rule("creator brand", "a creator, or a sponsoring brand, for itself"),
    "POST /v1/studios/{studio_id}/bookings": rule(
        "creator admin", "a creator as itself; an admin for a named one"
    ),
    "GET /v1/bookings/{slot_id}": rule(
        "creator brand admin auditor",
        "the booking's creator; its sponsoring brand; admins; auditors",
        owners="creator brand",
    ),
    "DELETE /v1/bookings/{slot_id}": rule(
        "creator admin", "the booking's creator; an admin", owners="creator"
    ),
    "POST /v1/bookings/{slot_id}/sponsorship": rule(
        "brand admin", "a brand as itself; an admin for a named brand"
    ),
    "POST /v1/bookings/{slot_id}/samples": rule(
        "seller admin", "the listing's seller; an admin", owners="seller"
    ),
    # Business campaigns ------------------------------------------------------------------
    "POST /v1/campaigns": rule("brand admin", "a brand as itself; an admin for a named one"),
    "GET /v1/campaigns/{campaign_id}": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "POST /v1/campaigns/{campaign_id}/end": rule(
        "brand admin", "the campaign's brand; an admin", owners="brand"
    ),
    "GET /v1/campaigns/{campaign_id}/dashboard": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "POST /v1/campaigns/{campaign_id}/videos": rule(
        "creator", "a participant, with their own video", owners="creator"
    ),
    "POST /v1/campaigns/{campaign_id}/effects": rule(
        "brand admin", "the campaign's brand; an admin", owners="brand"
    ),
    "GET /v1/effects/{effect_id}": SIGNED_IN,
    "POST /v1/videos/{video_id}/effects": rule("creator", "the video's creator", owners="creator"),
    "POST /v1/campaigns/{campaign_id}/invitations": rule(
        "brand admin", "the campaign's brand; an admin", owners="brand"
    ),
    "GET /v1/campaigns/{campaign_id}/invitations": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "GET /v1/invitations/{invitation_id}": rule(
        "brand creator admin auditor",
        "its brand; its creator; admins; auditors",
        owners="brand creator",
    ),
    "POST /v1/invitations/{invitation_id}/acceptance": rule(
        "creator brand",
        "the invited creator (the terms); the inviting brand (a counter-offer)",
        owners="creator brand",
    ),
    "POST /v1/invitations/{invitation_id}/counter-offer": rule(
        "creator", "the invited creator", owners="creator"
    ),
    "POST /v1/invitations/{invitation_id}/counter-offer/acceptance": rule(
        "brand", "the inviting brand", owners="brand"
    ),
    "POST /v1/invitations/{invitation_id}/counter-offer/decline": rule(
        "brand", "the inviting brand", owners="brand"
    ),
    "POST /v1/invitations/{invitation_id}/revision": rule(
        "brand", "the inviting brand", owners="brand"
    ),
    "POST /v1/invitations/{invitation_id}/decline": rule(
        "brand creator", "its brand; its creator", owners="brand creator"
    ),
    "POST /v1/invitations/{invitation_id}/withdrawal": rule(
        "brand", "the inviting brand", owners="brand"
    ),
    "POST /v1/invitations/{invitation_id}/delivery": rule(
        "creator", "the invited creator, with their own video", owners="creator"
    ),
    "POST /v1/invitations/{invitation_id}/delivery/approval": rule(
        "brand", "the inviting brand", owners="brand"
    ),
    "POST /v1/invitations/{invitation_id}/delivery/rejection": rule(
        "brand", "the inviting brand", owners="brand"
    ),
    "GET /v1/campaigns/{campaign_id}/report": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "GET /v1/campaigns/{campaign_id}/report.csv": rule(
        "brand admin auditor", "the campaign's brand; admins; auditors", owners="brand"
    ),
    "POST /v1/campaigns/{campaign_id}/drafts": rule(
        "creator", "a creator invited to the campaign, with their own video", owners="creator"
    ),
    "POST /v1/invitations/{invitation_id}/draft/approval": rule(
        "brand", "the inviting brand", owners="brand"
    ),
    "POST /v1/invitations/{invitation_id}/draft/changes": rule(
        "brand", "the inviting brand", owners="brand"
    ),
    "GET /v1/marketplace/creators": rule("brand admin", "brands (own campaigns only); admins"),
    # Moderation and people ---------------------------------------------------------------
    "POST /v1/videos/{video_id}/moderation": REVIEWERS,
    "GET /v1/videos/{video_id}/moderation": rule(
        "creator reviewer admin auditor",
        "the video's creator; reviewers; admins; auditors",
        owners="creator",
    ),
    "GET /v1/review/moderation": REVIEW_READERS,
    "POST /v1/videos/{video_id}/reports": rule(
        "admin studio creator artist reviewer judge seller brand viewer",
        "anyone signed in except auditors (a few a UTC day)",
    ),
    "GET /v1/video-reports/{video_report_id}": rule(
        "*",
        "its reporter; the video's creator; reviewers; admins; auditors",
        owners="studio creator artist judge seller brand viewer",
    ),
    "GET /v1/review/video-reports": REVIEW_READERS,
    "POST /v1/review/video-reports/{video_report_id}": REVIEWERS,
    "POST /v1/video-reports/{video_report_id}/appeal": rule(
        "creator", "the video's creator", owners="creator"
    ),
    "GET /v1/review/appeals": REVIEW_READERS,
    "POST /v1/review/appeals/{video_report_id}": REVIEWERS,
    "PUT /v1/creators/{account}/age-band": rule(
        "creator admin",
        "the creator (only a younger band); an admin (a verified band, with its reason)",
        owners="creator",
    ),
    "PUT /v1/people/{role}/{subject}/personal-data": rule(
        f"{PEOPLE} admin", "the person (role and subject); an admin", owners=PEOPLE
    ),
    "GET /v1/people/{role}/{subject}/personal-data": rule(
        "*", "the person (role and subject); admins; auditors", owners=PEOPLE
    ),
    "DELETE /v1/people/{role}/{subject}/personal-data": rule(
        f"{PEOPLE} admin", "the person (role and subject); an admin", owners=PEOPLE
    ),
    "PUT /v1/people/{subject}/personal-data": rule(
        "creator admin", "the creator; an admin (the first version's path)", owners="creator"
    ),
    "GET /v1/people/{subject}/personal-data": rule(
        "creator admin auditor",
        "the creator; admins; auditors (the first version's path)",
        owners="creator",
    ),
    "DELETE /v1/people/{subject}/personal-data": rule(
        "creator admin", "the creator; an admin (the first version's path)", owners="creator"
    ),
    # Webhooks: a person's own subscriptions (an admin: anyone's; someone else's id is 404)
    "POST /v1/me/webhooks": SIGNED_IN,
    "GET /v1/me/webhooks": SIGNED_IN,
    "GET /v1/me/webhooks/{subscription_id}": WEBHOOK_OWNERS,
    "DELETE /v1/me/webhooks/{subscription_id}": WEBHOOK_OWNERS,
    "POST /v1/me/webhooks/{subscription_id}/secret": WEBHOOK_OWNERS,
    "GET /v1/me/webhooks/{subscription_id}/deliveries": WEBHOOK_OWNERS,
    "GET /v1/me/webhook-deliveries/{delivery_id}": WEBHOOK_OWNERS,
    "POST /v1/me/webhook-deliveries/{delivery_id}/redelivery": WEBHOOK_OWNERS,
    "GET /healthz": public(),
    "GET /readyz": public(),
}


def _role_list(roles: frozenset[Role]) -> str:
    return "all" if roles == ALL else ", ".join(r.value for r in Role if r in roles)


def markdown() -> str:
    """The policy as the table ARCHITECTURE.md prints."""
    lines = [
        "| operation | roles | owner only | who |",
        "|---|---|---|---|",
    ]
    for operation, access in POLICY.items():
        roles = "public" if access.public else _role_list(access.roles)
        owners = _role_list(access.owners) if access.owners else "—"
        lines.append(f"| `{operation}` | {roles} | {owners} | {access.who} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
