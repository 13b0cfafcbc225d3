"""An operator pages through a seller's listings, sales and reports, a buyer's orders, the
counterfeit-report queue, the studios, a studio's free slots and a creator's bookings from
the command line; a bad cursor or filter stops with one line and a non-zero exit."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.auth import Principal, Role
from domain.money import Money
from entrypoints.bootstrap import bootstrap
from entrypoints.cli import main
from entrypoints.settings import Settings
from tests.photos import plain_photo

ACME = Principal(Role.SELLER, "acme")
VIC = Principal(Role.VIEWER, "vic")
MIA = Principal(Role.CREATOR, "mia")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    monkeypatch.delenv("SPOTLIGHT_STORE", raising=False)
    return tmp_path


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_an_operator_pages_through_the_shops_and_the_studios_lists(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    core = bootstrap(Settings.from_environ())
    core.shop.register_seller(ACME, name="Acme")
    listings = [
        str(
            core.shop.list_product(
                ACME,
                title=f"Apron {n}",
                description="linen",
                price=Money(24_50, "USD"),
                stock=3,
                category="cooking",
                images=[plain_photo(f"apron {n}")],
            ).id
        )
        for n in range(3)
    ]
    order = core.shop.place_order(VIC, listing_id=UUID(listings[0]), quantity=2, order_key="k1")
    report = core.reports.file(VIC, order.listing_id, reason="fake logo")
    studio = core.studios.open_studio(
        Principal(Role.ADMIN, "ops"),
        city="Paris",
        name="Live Loft",
        rooms=["A"],
        opens_hour=0,
        closes_hour=24,
        price=Money(100_00, "EUR"),
    )
    start = (core.clock.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    booking = core.studios.book(MIA, studio.id, room="A", starts_at=start)
    core.close()

    first = printed(capsys, "seller-listings", "--seller", "acme", "--limit", "2")
    rest = printed(capsys, "seller-listings", "--seller", "acme", "--cursor", first["next_cursor"])
    assert [item["listing_id"] for item in first["items"] + rest["items"]] == listings
    assert first["items"][0]["stock"] == 1
    assert first["items"][0]["open_reports"] == 1
    taken = printed(capsys, "seller-listings", "--seller", "acme", "--state", "taken-down")
    assert taken["items"] == []
    sales = printed(capsys, "seller-sales", "--seller", "acme", "--listing", listings[0])
    assert [item["order_id"] for item in sales["items"]] == [str(order.id)]
    orders = printed(capsys, "buyer-orders", "--buyer", "viewer:vic")
    assert [item["order_id"] for item in orders["items"]] == [str(order.id)]
    reports = printed(capsys, "seller-reports", "--seller", "acme", "--state", "open")
    assert [item["report_id"] for item in reports["items"]] == [str(report.id)]
    queue = printed(capsys, "report-queue")
    assert [item["report_id"] for item in queue["items"]] == [str(report.id)]
    studios = printed(capsys, "studios", "--city", "paris")
    assert [item["id"] for item in studios["items"]] == [str(studio.id)]
    free = printed(
        capsys,
        "studio-free-slots",
        "--studio",
        str(studio.id),
        "--start",
        start.isoformat(),
        "--end",
        (start + timedelta(hours=3)).isoformat(),
    )
    assert len(free["items"]) == 2  # the first of the three hours is booked
    bookings = printed(capsys, "bookings", "--creator", "mia")
    assert [item["slot_id"] for item in bookings["items"]] == [str(booking.slot_id)]


def test_a_bad_cursor_or_window_stops_with_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seller-listings", "--seller", "acme", "--cursor", "abc.def"]) == 2
    assert "cursor" in capsys.readouterr().err
    core = bootstrap(Settings.from_environ())
    studio = core.studios.open_studio(
        Principal(Role.ADMIN, "ops"),
        city="Paris",
        name="Live Loft",
        rooms=["A"],
        opens_hour=9,
        closes_hour=21,
        price=Money(100_00, "EUR"),
    )
    core.close()
    too_long = [
        "studio-free-slots",
        "--studio",
        str(studio.id),
        "--start",
        "2030-01-01T00:00:00+00:00",
        "--end",
        "2030-03-01T00:00:00+00:00",
    ]
    assert main(too_long) == 2
    error = capsys.readouterr().err
    assert error.startswith("spotlight: error: ")
    assert "31 days" in error
