"""`spotlight order-refund` and `spotlight order-cancel`: an operator refunds a returned
order (whole or in part) or cancels a paid one, as an admin would over HTTP. Each prints the
order as it now stands, as JSON; a refusal (more than was paid, a second refund, a step out
of order, a balance paid out already) prints why and exits non-zero, recording nothing."""

from __future__ import annotations

import argparse
import json
from uuid import UUID

from application.errors import ApplicationError
from domain.errors import DomainError
from domain.money import Money
from entrypoints.cli_support import OPERATOR, add_json_flag
from entrypoints.settings import Settings


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.cli_support import CommandFailed
    from entrypoints.cli_support import opened_core as _opened
    from entrypoints.http.shop.shop_schemas import OrderOut

    with _opened(arguments, settings) as core:
        try:
            if arguments.command == "order-refund":
                amount = (
                    None
                    if arguments.amount is None
                    else Money(arguments.amount, arguments.currency)
                )
                view = core.orders.refund(OPERATOR, arguments.order, amount=amount)
            else:
                view = core.orders.cancel(OPERATOR, arguments.order, reason=arguments.reason)
        except (ApplicationError, DomainError) as error:
            raise CommandFailed(f"{type(error).__name__}: {error}") from None
    print(json.dumps(OrderOut.model_validate(view).model_dump(mode="json"), indent=2))
    return 0


def add_order_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The operator's order commands."""
    refund = commands.add_parser(
        "order-refund", help="refund a returned order, whole or in part (once)"
    )
    refund.add_argument("order", type=UUID, help="the order's id")
    refund.add_argument(
        "--amount", type=int, help="minor units to give back (default: all that was paid)"
    )
    refund.add_argument("--currency", default="USD", help="the amount's currency (default USD)")
    refund.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(refund, only=True)
    refund.set_defaults(run=_run)

    cancel = commands.add_parser("order-cancel", help="cancel a paid order before it ships")
    cancel.add_argument("order", type=UUID, help="the order's id")
    cancel.add_argument("--reason", required=True, help="why it is cancelled")
    cancel.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(cancel, only=True)
    cancel.set_defaults(run=_run)
