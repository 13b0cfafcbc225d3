"""A season of the music competition in one region, with its partners, panel and rounds.

Announcing a season schedules all of its rounds at once (each a ``CompetitionRound`` with a
deterministic id): the cut sizes shrink round by round, the last round names the winners
and carries the prizes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue
from domain.identifiers import checked_account
from domain.music.artists import checked_region, partner_key
from domain.music.rounds import CompetitionRound, Judge, Prize
from domain.music.standings import Weighting
from domain.text import checked_line
from domain.time import checked_instant

MAX_ROUNDS = 10
MAX_PARTNERS = 50
MAX_JUDGES = 100
MAX_NAME = 200


@attrs.frozen
class RoundPlan:
    name: str
    cut_size: int
    opens_at: datetime
    closes_at: datetime


def _plans(values: Iterable[RoundPlan]) -> tuple[RoundPlan, ...]:
    return tuple(values)


def _checked_name(value: str, what: str) -> str:
    stripped = checked_line(value, what).strip()
    if not stripped or len(stripped) > MAX_NAME:
        raise InvalidValue(f"{what} has 1 to {MAX_NAME} characters")
    return stripped


def _checked_plans(plans: Sequence[RoundPlan]) -> tuple[RoundPlan, ...]:
    if not 1 <= len(plans) <= MAX_ROUNDS:
        raise InvalidValue(f"a season has 1 to {MAX_ROUNDS} rounds")
    checked: list[RoundPlan] = []
    for number, plan in enumerate(plans, start=1):
        opens, closes = checked_instant(plan.opens_at), checked_instant(plan.closes_at)
        if plan.cut_size < 1:
            raise InvalidValue(f"round {number} must keep at least one entry")
        if closes <= opens:
            raise InvalidValue(f"round {number} must close after it opens")
        if checked:
            before = checked[-1]
            if plan.cut_size >= before.cut_size:
                raise InvalidValue(
                    f"round {number} keeps {plan.cut_size}, which is not fewer than round "
                    f"{number - 1}'s {before.cut_size}: every round must cut the field"
                )
            if opens < before.closes_at:
                raise InvalidValue(f"round {number} opens before round {number - 1} closes")
        checked.append(attrs.evolve(plan, name=_checked_name(plan.name, f"round {number}'s name")))
    return tuple(checked)


def _checked_partners(partners: Iterable[str]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(_checked_name(p, "a partner's name") for p in partners))
    if not cleaned or len(cleaned) > MAX_PARTNERS:
        raise InvalidValue(f"a season has 1 to {MAX_PARTNERS} industry partners")
    if len({partner_key(p) for p in cleaned}) != len(cleaned):
        raise InvalidValue("a partner is named twice")
    return cleaned


def _checked_judges(judges: Sequence[Judge], partners: tuple[str, ...]) -> tuple[Judge, ...]:
    if not 1 <= len(judges) <= MAX_JUDGES:
        raise InvalidValue(f"a panel has 1 to {MAX_JUDGES} judges")
    known = {partner_key(p): p for p in partners}
    seated = []
    for judge in judges:
        checked_account(judge.judge_id, "a judge's account")
        partner = known.get(partner_key(judge.partner))
        if partner is None:
            raise InvalidValue(
                f"judge {judge.judge_id}'s partner {judge.partner!r} is not a partner"
            )
        seated.append(Judge(judge_id=judge.judge_id, partner=partner))
    if len({j.judge_id for j in seated}) != len(seated):
        raise InvalidValue("a judge sits on the panel once")
    return tuple(seated)


def _checked_prizes(prizes: Sequence[Prize], winners: int) -> tuple[Prize, ...]:
    ranks = [prize.rank for prize in prizes]
    if len(set(ranks)) != len(ranks) or any(not 1 <= rank <= winners for rank in ranks):
        raise InvalidValue(f"prizes go to distinct ranks from 1 to {winners} (the winners)")
    return tuple(
        sorted(
            (Prize(p.rank, _checked_name(p.description, "a prize")) for p in prizes),
            key=lambda p: p.rank,
        )
    )


class Season(DomainAggregate):
    TOPIC = "spotlight.seasons:Season"

    class Announced(Aggregate.Created):
        TOPIC = "spotlight.seasons:SeasonAnnounced"
        name: str
        region: str
        partners: tuple[str, ...]
        judges: tuple[Judge, ...]
        rounds: tuple[RoundPlan, ...]
        prizes: tuple[Prize, ...]
        weighting: Weighting
        announced_by: str
        announced_at: datetime

    @classmethod
    def announce(
        cls,
        season_id: UUID,
        *,
        name: str,
        region: str,
        partners: Iterable[str],
        judges: Sequence[Judge],
        rounds: Sequence[RoundPlan],
        prizes: Sequence[Prize] = (),
        weighting: Weighting | None = None,
        by: str,
        at: datetime,
    ) -> tuple[Season, list[CompetitionRound]]:
        """The season and its scheduled rounds, to be saved together."""
        plans = _checked_plans(rounds)
        checked_partners = _checked_partners(partners)
        panel = _checked_judges(judges, checked_partners)
        weights = weighting or Weighting()
        season = cls(
            id=season_id,
            name=_checked_name(name, "a season's name"),
            region=checked_region(region),
            partners=checked_partners,
            judges=panel,
            rounds=plans,
            prizes=_checked_prizes(prizes, plans[-1].cut_size),
            weighting=weights,
            announced_by=by,
            announced_at=checked_instant(at),
        )
        scheduled = [
            CompetitionRound.schedule(
                season_id=season_id,
                region=season.region,
                number=number,
                name=plan.name,
                cut_size=plan.cut_size,
                final=number == len(plans),
                judges=panel,
                weighting=weights,
                prizes=season.prizes,
                opens_at=plan.opens_at,
                closes_at=plan.closes_at,
            )
            for number, plan in enumerate(plans, start=1)
        ]
        return season, scheduled

    @event(Announced)
    def __init__(
        self,
        id: UUID,
        name: str,
        region: str,
        partners: tuple[str, ...],
        judges: tuple[Judge, ...],
        rounds: tuple[RoundPlan, ...],
        prizes: tuple[Prize, ...],
        weighting: Weighting,
        announced_by: str,
        announced_at: datetime,
    ) -> None:
        self.name = name
        self.region = region
        self.partners = tuple(partners)
        self.judges = tuple(judges)
        self.rounds = _plans(rounds)
        self.prizes = tuple(prizes)
        self.weighting = weighting
        self.announced_at = announced_at

    @property
    def round_ids(self) -> tuple[UUID, ...]:
        return tuple(
            CompetitionRound.id_for(self.id, number) for number in range(1, len(self.rounds) + 1)
        )
