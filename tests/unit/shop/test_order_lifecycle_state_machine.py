"""Orders driven through their whole life by random commands, against a model of what must be.

A hypothesis state machine places orders on two sellers' listings (some through a video whose
creator takes the affiliate share, some with a card the sandbox declines), and takes every
step of their lives — shipment, delivery, return request, return receipt, refund of a random
amount, cancellation — by whom it belongs to or by someone it does not, in any order; the
sellers and the creator ask for payouts now and then, so a later refund may find the money
gone. Many commands are refused on purpose; a refusal records nothing and moves no money.
After every step:

- each order is in the model's state and has given back what the model says;
- each seller's and the creator's payable balance is what they earned, less what refunds took
  back, less what was paid out, and never below zero;
- the buyers' payments account holds what was paid less what was refunded;
- the auditor's ledger audit of the revenue log holds (every entry balanced, every limited
  account's postings those of the journal, no limit passed).
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import attrs
import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from adapters.storage import parse_store
from application.audit.ledger_audit import audit_log
from application.auth import Principal, Role
from application.errors import NotPermitted
from application.shop.payments import PaymentDeclined
from application.shop.shop import OrderView
from domain.errors import DomainError
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_BUYER_PAYMENTS,
    LimitExceeded,
    creator_payable,
    platform,
    seller_payable,
)
from domain.shop.orders import (
    OrderState,
    RefundExceedsPayment,
    ReturnRefunded,
    StepOutOfOrder,
    refund_shares,
)
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import FixedClock, SequentialIdentities
from tests.photos import plain_photo

SECRET = b"order-lifecycle-state-machine-secret"
SELLERS = ("acme", "bolt")
MIA = Principal(Role.CREATOR, "mia")
OPS = Principal(Role.ADMIN, "ops")
BUYERS = (Principal(Role.VIEWER, "vic"), Principal(Role.BRAND, "bo"))
PRICES = (1, 3, 99, 12_345)
NEXT = {
    "ship": OrderState.PAID,
    "deliver": OrderState.SHIPPED,
    "request_return": OrderState.DELIVERED,
    "receive_return": OrderState.RETURN_REQUESTED,
}


@attrs.define
class ModelOrder:
    id: UUID
    seller: str
    buyer: Principal
    total: int
    proceeds: int
    platform: int
    affiliate: int
    state: OrderState = OrderState.PAID
    refunded: int = 0


class OrderLifecycleMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.core = bootstrap(
            Settings(
                store=parse_store("memory://"), data_dir=Path(self.directory.name), secret=SECRET
            ),
            clock=FixedClock(),
            identities=SequentialIdentities(),
            engines=(),
        )
        self.listings: dict[str, list[UUID]] = {}
        for seller in SELLERS:
            who = Principal(Role.SELLER, seller)
            self.core.shop.register_seller(who, name=f"{seller} shop")
            self.listings[seller] = [
                self.core.shop.list_product(
                    who,
                    title=f"{seller} item {n}",
                    description="",
                    price=Money(price, "USD"),
                    stock=10_000,
                    category="fashion",
                    images=[plain_photo(f"{seller} {n}")],
                ).id
                for n, price in enumerate(PRICES)
            ]
        self.video = (
            CatalogueDriver(self.core)
            .publish_video(MIA, caption="haul", hashtags=[], category="fashion")
            .id
        )
        for listing_id in self.listings["acme"]:
            self.core.tagging.tag(
                self.video, listing_id, confidence=0.9, evidence={"frame": 1}, by="recognition:1"
            )
        self.core.tagging.set_preferences(MIA, auto_tags=True, affiliate=True)
        self.models: dict[UUID, ModelOrder] = {}
        self.earned: dict[str, int] = defaultdict(int)  # payable account -> balance expected
        self.paid_in = 0  # what buyers paid, less what was refunded
        self.keys = 0
        self.periods = 0

    def teardown(self) -> None:
        self.core.close()
        self.directory.cleanup()

    def logged(self) -> int:
        return self.core._revenue.recorder.max_notification_id() or 0

    def refused(self, expected: type[Exception], doing: Callable[[], object]) -> None:
        before = self.logged()
        with pytest.raises(expected):
            doing()
        event(f"refused: {expected.__name__}")
        assert self.logged() == before, "a refusal recorded something"

    # Placing -----------------------------------------------------------------------------

    @rule(
        target=orders,
        seller=st.sampled_from(SELLERS),
        item=st.integers(0, len(PRICES) - 1),
        quantity=st.integers(1, 3),
        buyer=st.sampled_from(BUYERS),
        through_video=st.booleans(),
    )
    def place(
        self, seller: str, item: int, quantity: int, buyer: Principal, through_video: bool
    ) -> UUID:
        return self.placed(seller, item, quantity, buyer, through_video)

    def placed(
        self, seller: str, item: int, quantity: int, buyer: Principal, through_video: bool
    ) -> UUID:
        self.keys += 1
        video = self.video if through_video and seller == "acme" else None
        view = self.core.shop.place_order(
            buyer,
            listing_id=self.listings[seller][item],
            quantity=quantity,
            order_key=f"k{self.keys}",
            video_id=video,
        )
        total = PRICES[item] * quantity
        commission = total * 800 // 10_000
        affiliate = (commission + 1) // 2 if video is not None and commission else 0
        model = ModelOrder(
            view.id, seller, buyer, total, total - commission, commission - affiliate, affiliate
        )
        assert (view.total.minor, view.proceeds.minor, view.affiliate_share.minor) == (
            total,
            model.proceeds,
            affiliate,
        )
        self.models[view.id] = model
        self.earned[seller_payable(seller, "USD")] += model.proceeds
        self.earned[creator_payable("mia", "USD")] += affiliate
        self.paid_in += total
        return view.id

    @initialize(target=orders)
    def a_first_order(self) -> UUID:
        return self.placed("acme", 2, 1, BUYERS[0], True)

    @rule(seller=st.sampled_from(SELLERS))
    def a_declined_card_records_nothing(self, seller: str) -> None:
        self.keys += 1
        self.refused(
            PaymentDeclined,
            lambda: self.core.shop.place_order(
                BUYERS[0],
                listing_id=self.listings[seller][0],
                quantity=1,
                order_key=f"k{self.keys}",
                payment_method="pm_card_chargeDeclined",
            ),
        )

    # Steps ---------------------------------------------------------------------------------

    def seller_of(self, model: ModelOrder) -> Principal:
        return Principal(Role.SELLER, model.seller)

    @rule(order=orders, step=st.sampled_from(sorted(NEXT)))
    def take_a_step(self, order: UUID, step: str) -> None:
        model = self.models[order]
        who = model.buyer if step == "request_return" else self.seller_of(model)
        arguments: dict[str, str] = {
            "ship": {"carrier": "UPS", "tracking": "1Z9"},
            "request_return": {"reason": "too small"},
        }.get(step, {})
        take = getattr(self.core.orders, step)
        if model.state is not NEXT[step]:
            self.refused(StepOutOfOrder, lambda: take(who, order, **arguments))
            return
        view = take(who, order, **arguments)
        model.state = {
            "ship": OrderState.SHIPPED,
            "deliver": OrderState.DELIVERED,
            "request_return": OrderState.RETURN_REQUESTED,
            "receive_return": OrderState.RETURNED,
        }[step]
        assert view.state is model.state

    @rule(order=orders)
    def advance(self, order: UUID) -> None:
        """The step the order is waiting for (the random steps above rarely line up)."""
        model = self.models[order]
        waiting = [step for step, state in NEXT.items() if state is model.state]
        if waiting:
            self.take_a_step(order, waiting[0])

    @rule(order=orders, step=st.sampled_from(["ship", "receive_return", "refund"]))
    def someone_else_is_refused(self, order: UUID, step: str) -> None:
        model = self.models[order]
        other = Principal(Role.SELLER, next(s for s in SELLERS if s != model.seller))
        arguments = {"carrier": "UPS", "tracking": "1"} if step == "ship" else {}
        take = getattr(self.core.orders, step)
        self.refused(NotPermitted, lambda: take(other, order, **arguments))

    @rule(order=orders, share=st.integers(1, 1_100), by_admin=st.booleans())
    def refund(self, order: UUID, share: int, by_admin: bool) -> None:
        """A refund of ``share`` thousandths of the total (more than 1,000: more than paid)."""
        model = self.models[order]
        amount = max(1, model.total * share // 1_000)
        who = OPS if by_admin else self.seller_of(model)
        refund = lambda: self.core.orders.refund(who, order, amount=Money(amount, "USD"))  # noqa: E731
        if model.state is OrderState.REFUNDED:
            self.refused(ReturnRefunded, refund)
        elif model.state is not OrderState.RETURNED:
            self.refused(StepOutOfOrder, refund)
        elif amount > model.total:
            self.refused(RefundExceedsPayment, refund)
        elif not self.take_back(model, amount, refund):
            return
        else:
            model.state = OrderState.REFUNDED

    @rule(order=orders, by=st.sampled_from(["buyer", "seller", "admin"]))
    def cancel(self, order: UUID, by: str) -> None:
        model = self.models[order]
        who = {"buyer": model.buyer, "seller": self.seller_of(model), "admin": OPS}[by]
        cancel = lambda: self.core.orders.cancel(who, order, reason="changed my mind")  # noqa: E731
        if model.state is not OrderState.PAID:
            self.refused(StepOutOfOrder, cancel)
        elif self.take_back(model, model.total, cancel):
            model.state = OrderState.CANCELLED

    def take_back(self, model: ModelOrder, amount: int, give_back: Callable[[], OrderView]) -> bool:
        """Give ``amount`` back if every balance it takes from holds enough (else refused)."""
        parts = refund_shares(
            Money(model.total, "USD"),
            Money(model.platform, "USD"),
            Money(model.affiliate, "USD"),
            Money(amount, "USD"),
        )
        seller_code = seller_payable(model.seller, "USD")
        creator_code = creator_payable("mia", "USD")
        if (
            parts["seller"].minor > self.earned[seller_code]
            or parts["affiliate"].minor > self.earned[creator_code]
        ):
            self.refused(LimitExceeded, give_back)
            return False
        view = give_back()
        assert view.refunded == Money(amount, "USD")
        self.earned[seller_code] -= parts["seller"].minor
        self.earned[creator_code] -= parts["affiliate"].minor
        self.paid_in -= amount
        model.refunded = amount
        event("money given back")
        return True

    # Payouts -------------------------------------------------------------------------------

    @rule(who=st.sampled_from([Principal(Role.SELLER, s) for s in SELLERS] + [MIA]))
    def pay_out(self, who: Principal) -> None:
        code = (
            creator_payable(who.subject, "USD")
            if who.role is Role.CREATOR
            else seller_payable(who.subject, "USD")
        )
        self.periods += 1
        period = f"{2000 + self.periods // 12:04d}-{self.periods % 12 + 1:02d}"
        if self.earned[code] == 0:
            self.refused(DomainError, lambda: self.core.payouts.request(who, period=period))
            return
        payout = self.core.payouts.request(who, period=period, idempotency_key=period)
        assert payout.amount.minor == self.earned[code]
        self.earned[code] = 0

    # What must hold ------------------------------------------------------------------------

    @invariant()
    def balances_are_the_models(self) -> None:
        for code, expected in self.earned.items():
            assert expected >= 0
            assert self.core.ledger.balance_of(code).minor == expected, code

    @invariant()
    def orders_are_the_models(self) -> None:
        for order_id, model in self.models.items():
            view = self.core.shop.order(OPS, order_id)
            assert (view.state, view.refunded) == (model.state, Money(model.refunded, "USD"))

    @invariant()
    def the_ledger_audit_holds(self) -> None:
        audit = audit_log(self.core._revenue.recorder, self.core._revenue.mapper)
        assert audit.holds, audit.problems
        totals, _ = self.core.ledger.reading().account(
            platform(PLATFORM_BUYER_PAYMENTS, "USD"), 0, 0
        )
        received = 0 if totals is None else totals.debits - totals.credits
        assert received == self.paid_in


OrderLifecycleMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
TestEveryOrderStepBalancesAndTheLedgerAuditHolds = OrderLifecycleMachine.TestCase
