"""The shop's pages in a real browser against a real `spotlight serve`: a seller registers its
shop, lists a product with a photo (a price it got wrong and a file that is no picture are
refused with the reason beside the field), and sees the order a shopper placed and the
counterfeit report filed against it; a shopper finds the product by a misspelt word and
opens its page, with more like it. What people typed is shown as text."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_web_app import Live, sign_up

SCRIPT = "<script>alert('x')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'


def a_photo(path: Path, colour: tuple[int, int, int]) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def a_listing(live: Live, token: str, title: str, photo: Path) -> str:
    """A listing made through the API (multipart, as a seller's app sends it)."""
    answer = httpx.post(
        f"{live.base}/v1/listings",
        data={
            "title": title,
            "price_minor": "1800",
            "currency": "USD",
            "stock": "5",
            "category": "cooking",
        },
        files={"image": (photo.name, photo.read_bytes(), "image/png")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    listing_id: str = answer.json()["id"]
    return listing_id


def an_order(live: Live, token: str, listing_id: str, quantity: int) -> None:
    answer = httpx.post(
        f"{live.base}/v1/orders",
        json={"listing_id": listing_id, "quantity": quantity},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{listing_id}-1"},
    )
    assert answer.status_code == 201, answer.text


def test_a_seller_lists_a_product_and_sees_its_order_and_report(
    watched: Page, live: Live, tmp_path: Path
) -> None:
    page = watched
    sign_up(page, live, "sandlinen", "seller")
    expect(page.get_by_role("heading", name="My listings")).to_be_visible()
    expect(page.get_by_text("You have listed nothing yet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Shop name").fill(f"Sand {SCRIPT}")
    page.get_by_role("button", name="Register the shop").click()
    expect(page.locator("#done")).to_have_text("Shop registered.")

    page.get_by_role("link", name="List a product").click()
    page.get_by_label("Title").fill(f"Linen apron {SCRIPT}")
    page.get_by_label("Description").fill(f"washed linen {IMAGE}")
    page.get_by_label("Price").fill("24.5.0")
    page.get_by_label("Stock").fill("40")
    page.get_by_label("Category").select_option("cooking")
    not_a_picture = tmp_path / "apron.png"
    not_a_picture.write_bytes(b"not a picture at all")
    page.get_by_label("Photos").set_input_files(not_a_picture)
    page.get_by_role("button", name="List the product").click()
    expect(page.locator("#price-error")).to_contain_text("an amount is digits")
    expect(page.get_by_label("Description")).to_have_value(f"washed linen {IMAGE}")
    assert_accessible(page)

    page.get_by_label("Price").fill("24.50")
    page.get_by_label("Photos").set_input_files(not_a_picture)
    page.get_by_role("button", name="List the product").click()
    expect(page.locator("#form-error")).to_have_text(
        "image 1 is not a readable JPEG, PNG or WebP image"
    )

    page.get_by_label("Photos").set_input_files(a_photo(tmp_path / "apron-1.png", (200, 180, 140)))
    page.get_by_role("button", name="List the product").click()
    expect(page.locator("#done")).to_have_text("Product listed.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Linen apron {SCRIPT}")
    expect(page.locator("#description")).to_have_text(f"washed linen {IMAGE}")
    expect(page.locator("#price")).to_have_text("24.50 USD")
    expect(page.locator("main img")).to_have_count(0)
    listing_id = page.url.split("/shop/listings/")[1].split("?")[0]

    vic = live.token("viewer", "vic")
    an_order(live, vic, listing_id, 2)
    live.api(
        "POST",
        f"/v1/listings/{listing_id}/reports",
        {"reason": f"fake linen {SCRIPT}"},
        vic,
    )
    page.get_by_role("link", name="My listings").first.click()
    row = page.locator(f'#listings tr[data-listing="{listing_id}"]')
    expect(row).to_contain_text("38")  # 40 less the 2 ordered
    expect(row.locator("td").nth(3)).to_have_text("1")  # one open report
    page.get_by_role("link", name="Orders").first.click()
    expect(page.locator("#orders tbody tr")).to_have_count(1)
    expect(page.locator("#orders")).to_contain_text("49.00 USD")
    assert_accessible(page)
    page.get_by_role("link", name="Reports").first.click()
    expect(page.locator("#reports")).to_contain_text(f"fake linen {SCRIPT}")
    expect(page.locator("#reports .state")).to_have_text("open")
    assert_accessible(page)


def test_a_shopper_finds_a_product_by_a_misspelt_word_and_sees_more_like_it(
    watched: Page, live: Live, tmp_path: Path
) -> None:
    page = watched
    seller = live.token("seller", "potter")
    live.api("POST", "/v1/sellers", {"name": "The Potter"}, seller)
    mugs = [
        a_listing(live, seller, title, a_photo(tmp_path / f"{n}.png", (n * 40, 90, 60)))
        for n, title in enumerate(("Stoneware mug", "Speckled stoneware bowl"), start=1)
    ]
    sign_up(page, live, "sami", "viewer")
    page.get_by_role("link", name="Shop").first.click()  # from the home page a viewer lands on
    expect(page.get_by_role("heading", name="Shop")).to_be_visible()
    expect(page.get_by_text("Type what you are looking for.")).to_be_visible()
    page.get_by_label("Look for").fill("stonewear")  # misspelt
    page.get_by_role("button", name="Search").click()
    results = page.locator("#results > li")
    expect(results).to_have_count(2)
    expect(page.locator(f'#results > li[data-listing="{mugs[0]}"]')).to_contain_text(
        "Matched: stoneware"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Stoneware mug").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stoneware mug")
    expect(page.locator(f'#similar > li[data-listing="{mugs[1]}"]')).to_be_visible()
    expect(page.locator(f'#similar > li[data-listing="{mugs[0]}"]')).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Shop").first.click()
    page.get_by_label("Look for").fill(IMAGE)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_label("Look for")).to_have_value(IMAGE)
    expect(page.locator("main img")).to_have_count(0)  # the query stayed text
    page.get_by_label("Look for").fill("teapot")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".empty")).to_have_text("Nothing on sale matches “teapot”.")
