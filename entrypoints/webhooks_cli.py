"""`spotlight webhooks ...`: what an operator does with webhooks, acting as an admin —
list subscriptions, a subscription's deliveries, one delivery with its attempts; ask for a
delivery again; delete a subscription; count deliveries by state; and send what is due now
(the fan-out caught up, then the sender until nothing is due), which the worker otherwise
does at every tick. Everything is printed as JSON."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from application.errors import ApplicationError
from application.webhook_delivery import NAME as FANOUT
from application.webhook_model import DeliveryState
from domain.errors import DomainError, InvalidValue
from entrypoints.cli_support import EXIT_BAD_INPUT, OPERATOR, add_json_flag
from entrypoints.cli_support import opened_core as _opened
from entrypoints.cli_support import print_json as _print
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from entrypoints.bootstrap import Spotlight


def _list(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.webhooks import SubscriptionOut

    page = core.webhooks.subscriptions_of(
        arguments.owner, limit=arguments.limit, cursor=arguments.cursor
    )
    _print(
        {
            "items": [SubscriptionOut.of(s).model_dump(mode="json") for s in page.items],
            "next_cursor": page.next_cursor,
        }
    )


def _deliveries(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.webhooks import DeliveryOut

    page = core.webhooks.deliveries(
        OPERATOR,
        _uuid(arguments.subscription),
        limit=arguments.limit,
        cursor=arguments.cursor,
        state=DeliveryState(arguments.state) if arguments.state else None,
    )
    _print(
        {
            "items": [DeliveryOut.of(d).model_dump(mode="json") for d in page.items],
            "next_cursor": page.next_cursor,
        }
    )


def _show(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.webhooks import AttemptOut, DeliveryOut

    found = core.webhooks.delivery(OPERATOR, arguments.delivery)
    _print(
        {
            **DeliveryOut.of(found.delivery).model_dump(mode="json"),
            "body": found.delivery.body,
            "attempt_log": [AttemptOut.of(a).model_dump(mode="json") for a in found.attempts],
        }
    )


def _redeliver(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.webhooks import DeliveryOut

    _print(
        DeliveryOut.of(core.webhooks.redeliver(OPERATOR, arguments.delivery)).model_dump(
            mode="json"
        )
    )


def _delete(core: Spotlight, arguments: argparse.Namespace) -> None:
    from entrypoints.http.webhooks import SubscriptionOut

    ended = core.webhooks.unsubscribe(OPERATOR, _uuid(arguments.subscription))
    _print(SubscriptionOut.of(ended).model_dump(mode="json"))


def _stats(core: Spotlight, _arguments: argparse.Namespace) -> None:
    core.projections.catch_up(FANOUT)
    _print({"deliveries": dict(core.webhooks.counts()), "due_now": core.webhooks.due()})


def _send(core: Spotlight, arguments: argparse.Namespace) -> None:
    fanned = core.projections.catch_up(FANOUT)
    passes: list[str] = []
    for _ in range(arguments.passes):
        done = core.webhook_sender.run()
        if done is None:
            break
        passes.append(done)
    _print({"events_fanned_out": fanned, "passes": passes, "due_now": core.webhooks.due()})


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise InvalidValue(f"{text!r} is not a subscription id (a UUID)") from None


Action = Callable[["Spotlight", argparse.Namespace], None]


def _run(action: Action) -> Callable[[argparse.Namespace, Settings], int]:
    def run(arguments: argparse.Namespace, settings: Settings) -> int:
        with _opened(arguments, settings) as core:
            try:
                action(core, arguments)
            except (ApplicationError, DomainError) as error:
                print(f"spotlight webhooks: {error}", file=sys.stderr)
                return EXIT_BAD_INPUT
        return 0

    return run


def add_webhook_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    webhooks = commands.add_parser(
        "webhooks",
        help="webhook subscriptions and deliveries: list, inspect, redeliver, send what is due",
        description=__doc__,
    )
    actions = webhooks.add_subparsers(dest="webhooks_action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, run: Action) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
        add_json_flag(parser, only=True)
        parser.set_defaults(run=_run(run))
        return parser

    listing = action("list", "the subscriptions in force, oldest first", _list)
    listing.add_argument(
        "--owner", help="only this person's (role:subject; a creator's bare account)"
    )
    listing.add_argument("--limit", type=int, default=50, help="per page (default 50)")
    listing.add_argument("--cursor", help="the next_cursor of the previous page")

    deliveries = action("deliveries", "a subscription's deliveries, oldest first", _deliveries)
    deliveries.add_argument("subscription", metavar="SUBSCRIPTION_ID")
    deliveries.add_argument("--state", choices=[state.value for state in DeliveryState])
    deliveries.add_argument("--limit", type=int, default=50, help="per page (default 50)")
    deliveries.add_argument("--cursor", help="the next_cursor of the previous page")

    show = action("show", "one delivery, its body and every attempt", _show)
    show.add_argument("delivery", metavar="DELIVERY_ID")

    redeliver = action("redeliver", "send a delivery again now (same webhook-id)", _redeliver)
    redeliver.add_argument("delivery", metavar="DELIVERY_ID")

    delete = action("delete", "delete a subscription (its key is destroyed)", _delete)
    delete.add_argument("subscription", metavar="SUBSCRIPTION_ID")

    action("stats", "deliveries by state, and how many are due now", _stats)

    send = action("send", "fan out new notices and send what is due now", _send)
    send.add_argument("--passes", type=int, default=100, help="sender passes at most (default 100)")
