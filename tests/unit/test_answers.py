"""Response bodies are the application's views, read as they stand.

A body names each field once, in the view; pydantic reads the view's attributes: money as
``{minor, currency}``, ids as text, a retried order still says it was replayed, and a
title's matching policy comes back as the body it was set with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from application.music.music_views import ScoreReceipt
from application.shop.shop import OrderView
from domain.anchors.matching import MatchPolicy, SignalRule
from domain.money import Money
from entrypoints.http.anchors.anchor_schemas import PolicyBody
from entrypoints.http.music.music_schemas import ScoreOut
from entrypoints.http.shop.shop_schemas import OrderOut

PLACED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORDER = UUID("00000000-0000-4000-8000-000000000001")
LISTING = UUID("00000000-0000-4000-8000-000000000002")
VIDEO = UUID("00000000-0000-4000-8000-000000000003")


def test_a_replayed_order_is_answered_as_its_view_with_money_in_minor_units() -> None:
    view = OrderView(
        id=ORDER,
        listing_id=LISTING,
        buyer="viewer:ana",
        seller="seller:sand",
        quantity=2,
        total=Money(2500, "USD"),
        video_id=VIDEO,
        proceeds=Money(2250, "USD"),
        platform_commission=Money(125, "USD"),
        affiliate_share=Money(125, "USD"),
        affiliate_creator="creator:bo",
        rate_bp=1_000,
        placed_at=PLACED,
        replayed=True,
    )

    assert OrderOut.model_validate(view).model_dump(mode="json") == {
        "id": str(ORDER),
        "listing_id": str(LISTING),
        "buyer": "viewer:ana",
        "seller": "seller:sand",
        "quantity": 2,
        "total": {"minor": 2500, "currency": "USD"},
        "video_id": str(VIDEO),
        "proceeds": {"minor": 2250, "currency": "USD"},
        "platform_commission": {"minor": 125, "currency": "USD"},
        "affiliate_share": {"minor": 125, "currency": "USD"},
        "affiliate_creator": "creator:bo",
        "rate_bp": 1_000,
        "placed_at": "2026-03-01T12:00:00Z",
        "replayed": True,
        # An order just placed: paid, nothing shipped, returned or refunded yet.
        "state": "paid",
        "carrier": "",
        "tracking": "",
        "return_reason": "",
        "refunded": None,
        "refund_reference": "",
        "payment_intent": "",
        "payment_provider": "",
    }


def test_a_judges_score_is_answered_under_the_name_the_api_gives_it() -> None:
    receipt = ScoreReceipt(
        score_id=ORDER, round_id=LISTING, track_id=VIDEO, value=8, given_at=PLACED
    )

    assert ScoreOut.model_validate(receipt).score == 8


def test_a_titles_matching_policy_comes_back_as_the_body_it_was_set_with() -> None:
    policy = MatchPolicy(
        text=SignalRule(review_at=0.6),
        audio=SignalRule(review_at=0.5, attach_at=0.8, min_seconds=5.0),
        visual=SignalRule(review_at=0.55, attach_at=0.9),
        corroboration_attaches=False,
    )

    assert PolicyBody.model_validate(policy).to_domain() == policy
