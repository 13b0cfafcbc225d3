"""`spotlight invitation`, `spotlight invitation-counter` and `spotlight counter-decision`: an
auditor reads an invitation as it stands (the terms on the table, the brand's terms offered
last, the counter-offer's note); an operator relays a creator's counter-offer (another fee
and/or other deliverables) or a brand's decision on it (accept, or decline with a reason), as
that party would over HTTP: the same use cases check that only the invited creator counters,
only while the brand's terms await them, one counter-offer at a time, and that only the
inviting brand decides. Each prints the invitation as JSON; a refusal prints why and exits
non-zero, recording nothing."""

from __future__ import annotations

import argparse
import json
from uuid import UUID

from application.auth import Principal, Role
from application.errors import ApplicationError
from domain.errors import DomainError
from domain.money import Money
from entrypoints.cli_support import add_json_flag
from entrypoints.settings import Settings

AUDITOR = Principal(role=Role.AUDITOR, subject="cli-auditor")


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.cli_support import CommandFailed
    from entrypoints.cli_support import opened_core as _opened
    from entrypoints.http.business.campaign_schemas import InvitationOut

    with _opened(arguments, settings) as core:
        campaigns = core.campaigns
        try:
            if arguments.command == "invitation":
                view = campaigns.invitation(AUDITOR, arguments.invitation)
            elif arguments.command == "invitation-counter":
                fee = None if arguments.fee is None else Money(arguments.fee, arguments.currency)
                view = campaigns.counter(
                    Principal(Role.CREATOR, arguments.creator),
                    arguments.invitation,
                    fee=fee,
                    deliverables=arguments.deliverables,
                    note=arguments.note,
                )
            else:
                brand = Principal(Role.BRAND, arguments.brand)
                if arguments.accept:
                    view = campaigns.accept_counter(brand, arguments.invitation)
                elif arguments.decline is not None:
                    view = campaigns.decline_counter(
                        brand, arguments.invitation, reason=arguments.decline
                    )
                else:
                    raise CommandFailed("say --accept, or --decline REASON")
        except (ApplicationError, DomainError) as error:
            raise CommandFailed(f"{type(error).__name__}: {error}") from None
    print(json.dumps(InvitationOut.model_validate(view).model_dump(mode="json"), indent=2))
    return 0


def add_invitation_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The invitation commands: read one, relay a counter-offer or the brand's decision."""
    shown = commands.add_parser(
        "invitation", help="print a brand's invitation to a creator as it stands, as JSON"
    )
    shown.add_argument("invitation", type=UUID, help="the invitation's id")
    shown.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(shown, only=True)
    shown.set_defaults(run=_run)

    counter = commands.add_parser(
        "invitation-counter",
        help="relay the invited creator's counter-offer: another fee and/or other deliverables",
    )
    counter.add_argument("invitation", type=UUID, help="the invitation's id")
    counter.add_argument("--creator", required=True, help="the invited creator's account")
    counter.add_argument("--fee", type=int, help="the fee asked instead, in minor units")
    counter.add_argument("--currency", default="USD", help="the fee's currency (default USD)")
    counter.add_argument("--deliverables", help="the deliverables proposed instead")
    counter.add_argument("--note", default="", help="a note to the brand")
    counter.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(counter, only=True)
    counter.set_defaults(run=_run)

    decision = commands.add_parser(
        "counter-decision",
        help="relay the inviting brand's decision on a counter-offer: accept or decline it",
    )
    decision.add_argument("invitation", type=UUID, help="the invitation's id")
    decision.add_argument("--brand", required=True, help="the inviting brand's account")
    either = decision.add_mutually_exclusive_group(required=True)
    either.add_argument("--accept", action="store_true", help="accept the counter-offer")
    either.add_argument(
        "--decline", metavar="REASON", help="decline it, with a reason: the brand's terms stand"
    )
    decision.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(decision, only=True)
    decision.set_defaults(run=_run)
