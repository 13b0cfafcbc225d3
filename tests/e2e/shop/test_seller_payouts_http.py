"""Sellers are paid out by the creators' payout machinery and see it where creators do: a
seller asks for their proceeds (no longer a 403), an admin settles it, and the payout is in
the seller's own list and history (``/v1/me/payouts``, ``/v1/me/earnings``, their CSV
files, the web earnings page, ``spotlight seller-payouts``), kept apart from a creator of the
same account name; the ledger audit holds over it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.audit.ledger_audit import audit_log
from application.auth import Principal, Role
from application.errors import NotPermitted
from domain.money import Money
from domain.revenue.payouts import Payee, PayoutStatus
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.cli import main
from entrypoints.settings import Settings
from tests.e2e.shop.test_shop_http import listed
from tests.e2e.shop.test_shop_lists_http import order
from tests.e2e.web.test_web_authorisation import signed_in_as
from tests.photos import plain_photo

Auth = Any
OPS = Principal(Role.ADMIN, "ops")
AUDITOR = Principal(Role.AUDITOR, "ivy")
ACME = Principal(Role.SELLER, "acme")
BOLT = Principal(Role.SELLER, "bolt")
VIC = Principal(Role.VIEWER, "vic")
PRICE = 24_50  # cooking: 8 % commission, so 22_54 to the seller a piece


def sold(client: TestClient, auth: Auth, pieces: int = 2) -> int:
    """Acme sells ``pieces`` aprons; answers its proceeds."""
    answer = client.post("/v1/sellers", json={"name": "Acme"}, headers=auth("seller", "acme"))
    assert answer.status_code == 201, answer.text
    apron = listed(client, auth, "acme", "Linen apron", price_minor=PRICE)
    for number in range(pieces):
        order(client, auth, ("viewer", "vic"), apron, f"k{number}")
    return pieces * (PRICE - PRICE * 800 // 10_000)


def sold_by_service(core: Spotlight) -> None:
    """Acme sells an apron, through the use cases."""
    core.shop.register_seller(ACME, name="Acme")
    apron = core.shop.list_product(
        ACME,
        title="Apron",
        description="linen",
        price=Money(PRICE, "USD"),
        stock=3,
        category="cooking",
        images=[plain_photo("apron")],
    )
    core.shop.place_order(VIC, listing_id=apron.id, quantity=1, order_key="k1")


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_a_seller_is_paid_out_and_reads_it_where_creators_read_theirs(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    proceeds = sold(client, auth)
    acme = auth("seller", "acme")

    requested = client.post("/v1/payouts", json={"period": "2025-03"}, headers=acme)
    assert requested.status_code == 201, requested.text
    payout = requested.json()
    assert (payout["payee"], payout["creator"], payout["amount"]["minor"]) == (
        "seller",
        "acme",
        proceeds,
    )
    settled = client.post(
        f"/v1/payouts/{payout['id']}/settlement",
        json={"outcome": "sent", "reference": "rail-7"},
        headers=auth("admin", "treasury"),
    )
    assert settled.status_code == 200, settled.text

    listed_payouts = client.get("/v1/me/payouts", headers=acme).json()
    assert [
        (p["id"], p["payee"], p["status"], p["reference"]) for p in listed_payouts["items"]
    ] == [(payout["id"], "seller", "sent", "rail-7")]
    # A creator of the same account name has no payouts: the lists are apart.
    assert client.get("/v1/me/payouts", headers=auth("creator", "acme")).json()["items"] == []
    months = client.get("/v1/me/earnings", headers=acme).json()["items"]
    assert [
        (m["sales"]["minor"], m["earned"]["minor"], m["affiliate"]["minor"]) for m in months
    ] == [(proceeds, proceeds, 0)]
    assert (months[0]["debits"]["minor"], months[0]["closing_balance"]["minor"]) == (proceeds, 0)

    history = csv_rows(client.get("/v1/me/payouts.csv", headers=acme))
    assert [(r["payout_id"], r["payee"], r["status"], r["amount_minor"]) for r in history] == [
        (payout["id"], "seller", "sent", str(proceeds))
    ]
    statements = csv_rows(client.get("/v1/me/earnings.csv", headers=acme))
    assert [(r["month"], r["sales"], r["closing_balance"]) for r in statements] == [
        (months[0]["month"], f"{proceeds // 100}.{proceeds % 100:02d}", "0.00")
    ]
    for path in ("/v1/me/payouts", "/v1/me/earnings", "/v1/me/payouts.csv", "/v1/me/earnings.csv"):
        refused = client.get(path, headers=auth("brand", "acme"))
        assert refused.status_code == 403, refused.text

    # The money went payable -> in transit -> paid out, and the audit of the log holds.
    audit = audit_log(core._revenue.recorder, core._revenue.mapper)
    assert audit.holds, audit.problems
    assert audit.accounts["seller:acme:in-transit:USD"].balance == 0
    assert audit.accounts["seller:acme:payable:USD"].balance == 0
    assert audit.accounts["platform:paid-out:USD"].balance == proceeds


def test_the_service_lists_a_sellers_payouts_for_them_admins_and_auditors_only(
    core: Spotlight,
) -> None:
    sold_by_service(core)
    made = core.payouts.run(OPS, period="2025-03")
    assert [(p.payee, p.creator) for p in made] == [(Payee.SELLER, "acme")]
    returned = core.payouts.settle(OPS, made[0].id, sent=False, reason="closed account")

    for reader, named in ((ACME, None), (OPS, "acme"), (AUDITOR, "acme")):
        page = core.revenue_lists.payouts(reader, seller=named)
        assert [(p.id, p.status, p.return_reason) for p in page.items] == [
            (returned.id, PayoutStatus.RETURNED, "closed account")
        ]
    with pytest.raises(NotPermitted):
        core.revenue_lists.payouts(BOLT, seller="acme")
    with pytest.raises(NotPermitted):
        core.ledger.earnings(BOLT, seller="acme")
    # Returned: payable again, and the month says so.
    month = core.ledger.earnings(ACME).items[0]
    assert month.closing_balance == Money(PRICE - PRICE * 800 // 10_000, "USD")
    assert audit_log(core._revenue.recorder, core._revenue.mapper).holds


def test_an_operator_prints_a_sellers_payouts_and_months(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    monkeypatch.delenv("SPOTLIGHT_STORE", raising=False)
    core = bootstrap(Settings.from_environ())
    try:
        sold_by_service(core)
        payout = core.payouts.request(ACME, period="2025-03")
    finally:
        core.close()

    assert main(["seller-payouts", "--seller", "acme", "--status", "in-transit"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [(UUID(p["id"]), p["payee"]) for p in printed["items"]] == [(payout.id, "seller")]
    assert main(["seller-earnings", "--seller", "acme"]) == 0
    months = json.loads(capsys.readouterr().out)["items"]
    assert [m["sales"]["minor"] for m in months] == [payout.amount.minor]
    assert main(["seller-payouts", "--seller", "acme", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["payout_id"], r["status"]) for r in rows] == [(str(payout.id), "in-transit")]
    assert main(["creator-payouts", "--creator", "acme"]) == 0  # a creator "acme" has none
    assert json.loads(capsys.readouterr().out)["items"] == []


def test_a_seller_sees_their_payouts_on_the_earnings_page(
    core: Spotlight, client: TestClient, auth: Auth
) -> None:
    web, _csrf = signed_in_as(core, auth, Role.SELLER)
    seller = "someone-seller"
    answer = client.post("/v1/sellers", json={"name": "Shop"}, headers=auth("seller", seller))
    assert answer.status_code == 201, answer.text
    apron = listed(client, auth, seller, "Linen apron", price_minor=PRICE)
    order(client, auth, ("viewer", "vic"), apron, "k1")
    payout = client.post(
        "/v1/payouts", json={"period": "2025-03"}, headers=auth("seller", seller)
    ).json()

    page = web.get("/earnings")
    assert page.status_code == 200, page.text
    assert f'data-payout="{payout["id"]}"' in page.text
    assert "in-transit" in page.text
    assert "Sales" in page.text
    history = csv_rows(web.get("/earnings/payouts.csv"))
    assert [(r["payout_id"], r["payee"]) for r in history] == [(payout["id"], "seller")]
    assert [r["sales"] for r in csv_rows(web.get("/earnings/months.csv"))] == ["22.54"]
