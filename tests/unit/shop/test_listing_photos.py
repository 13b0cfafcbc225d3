"""A listing's photos: the type their magic bytes name, and the listing's rules for them."""

from __future__ import annotations

import pytest

from application.shop.listing_photos import photo_type
from domain.errors import RuleViolated
from domain.media import StoredBlob
from domain.shop.listings import MAX_PHOTOS
from tests.unit.shop.test_listings_and_sellers import NOW, handbag


def blob(n: int, content_type: str = "image/png") -> StoredBlob:
    return StoredBlob(address=f"{n:064x}", size=100 + n, content_type=content_type)


def test_the_magic_bytes_name_the_type_and_nothing_else_is_a_photo() -> None:
    assert photo_type(b"\xff\xd8\xff\xe0rest") == ("image/jpeg", "JPEG")
    assert photo_type(b"\x89PNG\r\n\x1a\nrest") == ("image/png", "PNG")
    assert photo_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image/webp", "WEBP")
    assert photo_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert photo_type(b"GIF89a") is None
    assert photo_type(b"RIFF\x00\x00\x00\x00WAVE") is None
    assert photo_type(b"") is None


def test_a_listing_shows_its_photos_in_order_each_once_up_to_the_most() -> None:
    listing = handbag()
    for n in range(MAX_PHOTOS):
        listing.add_photo(blob(n), by="seller:acme", at=NOW)

    with pytest.raises(RuleViolated, match="at most"):
        listing.add_photo(blob(99), by="seller:acme", at=NOW)
    listing.remove_photo(blob(3).address, by="seller:acme", at=NOW)
    with pytest.raises(RuleViolated, match="already"):
        listing.add_photo(blob(4), by="seller:acme", at=NOW)
    with pytest.raises(RuleViolated, match="no such photo"):
        listing.remove_photo(blob(3).address, by="seller:acme", at=NOW)

    assert [photo.address for photo in listing.photos] == [
        blob(n).address for n in range(MAX_PHOTOS) if n != 3
    ]


def test_a_listing_off_sale_takes_no_photo() -> None:
    listing = handbag()
    listing.delist(by="seller:acme", reason="sold out for good", at=NOW)

    with pytest.raises(RuleViolated):
        listing.add_photo(blob(1), by="seller:acme", at=NOW)
