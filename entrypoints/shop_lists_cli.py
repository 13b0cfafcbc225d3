"""`spotlight seller-listings ...` and the other lists of the shop and the studios, read as
an auditor a page at a time: a seller's listings, sales and the reports against them, a
buyer's orders, the counterfeit-report queue, the studios, a studio's free slots and the
bookings of a creator or a brand. Each prints a page as JSON (``items`` and
``next_cursor``, which ``--cursor`` takes back)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel

from application.auth import Principal, Role
from application.paging import MAX_LIMIT
from domain.errors import DomainError
from domain.shop.counterfeit import ReportStatus
from domain.shop.listings import ListingStatus
from domain.shop.orders import OrderState
from entrypoints.cli_support import add_json_flag, print_read
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from entrypoints.bootstrap import Spotlight

AUDITOR = Principal(role=Role.AUDITOR, subject="cli-auditor")


def _page(core: Spotlight, arguments: argparse.Namespace) -> BaseModel:
    """The page the command asks for, as the HTTP operation answers it."""
    from entrypoints.http.business.studio_lists import (
        FreeSlotOut,
        ListedStudioOut,
        OwnBookingOut,
    )
    from entrypoints.http.paging import PageOut
    from entrypoints.http.shop.shop_lists import ListingReportOut, OwnListingOut, ShopOrderOut

    page: dict[str, Any] = {"limit": arguments.limit, "cursor": arguments.cursor}
    shop, studios = core.shop_lists, core.studio_lists
    command = arguments.command
    if command == "seller-listings":
        return PageOut[OwnListingOut].model_validate(
            shop.seller_listings(AUDITOR, arguments.seller, state=arguments.state, **page)
        )
    if command == "seller-sales":
        return PageOut[ShopOrderOut].model_validate(
            shop.seller_sales(
                AUDITOR,
                arguments.seller,
                listing_id=arguments.listing,
                state=arguments.state,
                **page,
            )
        )
    if command == "seller-reports":
        return PageOut[ListingReportOut].model_validate(
            shop.seller_reports(AUDITOR, arguments.seller, state=arguments.state, **page)
        )
    if command == "buyer-orders":
        return PageOut[ShopOrderOut].model_validate(
            shop.buyer_orders(AUDITOR, arguments.buyer, state=arguments.state, **page)
        )
    if command == "report-queue":
        return PageOut[ListingReportOut].model_validate(
            shop.report_queue(AUDITOR, state=arguments.state, **page)
        )
    if command == "studios":
        return PageOut[ListedStudioOut].model_validate(studios.studios(city=arguments.city, **page))
    if command == "studio-free-slots":
        return PageOut[FreeSlotOut].model_validate(
            studios.free_slots(
                arguments.studio,
                start=arguments.start,
                end=arguments.end,
                room=arguments.room,
                **page,
            )
        )
    return PageOut[OwnBookingOut].model_validate(
        studios.bookings(
            AUDITOR,
            creator=arguments.creator,
            brand=arguments.brand,
            starting_from=arguments.starting_from,
            **page,
        )
    )


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    return print_read(
        arguments, settings, lambda core: _page(core, arguments), refused=(DomainError,)
    )


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date and time (e.g. 2026-03-01T10:00:00+00:00)"
        ) from None


def add_shop_list_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The shop's and the studios' list commands."""

    def command(name: str, listed: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=f"print a page of {listed} as JSON")
        parser.add_argument(
            "--limit", type=int, default=50, help=f"items per page (1 to {MAX_LIMIT}; default 50)"
        )
        parser.add_argument("--cursor", help="the next_cursor the previous page printed")
        parser.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
        add_json_flag(parser, only=True)
        parser.set_defaults(run=_run)
        return parser

    listing_states = [state.value for state in ListingStatus]
    report_states = [state.value for state in ReportStatus]
    order_states = [state.value for state in OrderState]

    listings = command("seller-listings", "a seller's listings, with state and stock")
    listings.add_argument("--seller", required=True, help="the seller's account")
    listings.add_argument("--state", type=ListingStatus, choices=listing_states, default=None)

    sales = command("seller-sales", "the orders placed on a seller's listings")
    sales.add_argument("--seller", required=True, help="the seller's account")
    sales.add_argument("--listing", type=UUID, help="only the orders of this listing")
    sales.add_argument("--state", type=OrderState, choices=order_states, default=None)

    reports = command("seller-reports", "the counterfeit reports on a seller's listings")
    reports.add_argument("--seller", required=True, help="the seller's account")
    reports.add_argument("--state", type=ReportStatus, choices=report_states, default=None)

    orders = command("buyer-orders", "the orders a buyer placed")
    orders.add_argument("--buyer", required=True, help="the buyer as role:account, e.g. viewer:vic")
    orders.add_argument("--state", type=OrderState, choices=order_states, default=None)

    queue = command("report-queue", "the counterfeit reports in a state (default open)")
    queue.add_argument(
        "--state", type=ReportStatus, choices=report_states, default=ReportStatus.OPEN
    )

    studios = command("studios", "the live-stream studios, in the order opened")
    studios.add_argument("--city", help="only the studios in this city (any case)")

    free = command("studio-free-slots", "a studio's slots nobody has booked")
    free.add_argument("--studio", type=UUID, required=True, help="the studio's id")
    free.add_argument("--start", type=_instant, help="from this time, with its offset (now)")
    free.add_argument("--end", type=_instant, help="up to this time (a week after --start)")
    free.add_argument("--room", help="only this room's slots")

    bookings = command("bookings", "a creator's bookings, or those a brand sponsors")
    whose = bookings.add_mutually_exclusive_group(required=True)
    whose.add_argument("--creator", help="the creator's account")
    whose.add_argument("--brand", help="the sponsoring brand's account")
    bookings.add_argument(
        "--from", dest="starting_from", type=_instant, help="only those starting then or later"
    )
