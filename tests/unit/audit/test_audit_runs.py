"""What a run keeps of a verify or a replay: its outcome, how far it read each log, and its
first failure (a difference before a violated invariant, a finding before a forgery)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.audit.audit import Finding, FindingKind, LogVerification, StoreVerification
from application.audit.audit_replay import Comparison, CopiedLog, Difference, ReplayReport
from application.audit.audit_runs import (
    MAX_FAILURE,
    LogPosition,
    RunKind,
    RunOutcome,
    replay_run,
    verification_run,
)
from application.audit.invariants import Violation

STARTED = datetime(2026, 12, 7, 3, tzinfo=UTC)
FINISHED = STARTED + timedelta(minutes=4)


def a_log(name: str, last: int, *findings: Finding) -> LogVerification:
    return LogVerification(
        log=name,
        records=last,
        last_position=last,
        head=bytes(32),
        findings=findings,
        checkpoints_matched=0,
    )


def verified(*logs: LogVerification, forged: tuple[Finding, ...] = ()) -> StoreVerification:
    return StoreVerification(logs=logs, forged=forged)


def test_an_intact_store_is_kept_with_the_last_position_of_each_log() -> None:
    run = verification_run(
        verified(a_log("catalogue", 40), a_log("music", 0)),
        started_at=STARTED,
        finished_at=FINISHED,
        ran_by="nightly",
        checkpoints=2,
    )

    assert run.kind is RunKind.VERIFY
    assert run.outcome is RunOutcome.INTACT
    assert run.passed
    assert run.positions == (LogPosition("catalogue", 40), LogPosition("music", 0))
    assert run.first_failure is None
    assert "2 checkpoints given" in run.summary


def test_tampering_wins_over_a_forged_checkpoint_and_its_first_finding_is_kept() -> None:
    altered = Finding("music", 7, FindingKind.ALTERED, "the stored bytes changed")
    forged = Finding("catalogue", 40, FindingKind.FORGED_CHECKPOINT, "not signed")

    tampered = verification_run(
        verified(a_log("catalogue", 40), a_log("music", 9, altered), forged=(forged,)),
        started_at=STARTED,
        finished_at=FINISHED,
        ran_by="x" * 500,
        checkpoints=1,
    )
    only_forged = verification_run(
        verified(a_log("catalogue", 40), forged=(forged,)),
        started_at=STARTED,
        finished_at=FINISHED,
        ran_by="ann",
        checkpoints=1,
    )

    assert tampered.outcome is RunOutcome.TAMPERED
    assert tampered.first_failure == "music position 7: altered: the stored bytes changed"
    assert len(tampered.ran_by) == 200
    assert only_forged.outcome is RunOutcome.FORGED_CHECKPOINT
    assert not only_forged.passed
    assert only_forged.first_failure == "catalogue position 40: forged-checkpoint: not signed"


def a_report(
    differences: tuple[Difference, ...] = (), violations: tuple[Violation, ...] = ()
) -> ReplayReport:
    return ReplayReport(
        logs=(CopiedLog("catalogue", 12, 12, 0.1, None), CopiedLog("revenue", 3, 5, 0.1, None)),
        comparisons=(Comparison("shop search", 4, len(differences), differences),),
        violations=violations,
        copy_seconds=0.2,
        rebuild_seconds=0.3,
        live_seconds=0.1,
        compare_seconds=0.1,
        invariant_seconds=0.1,
    )


def test_a_replay_keeps_its_first_difference_before_any_violated_invariant() -> None:
    difference = Difference("shop search", "listing 1", "3 in stock", "2 in stock")
    violation = Violation("revenue", 4, "balanced", "the entry does not balance " + "x" * 3000)

    matches = replay_run(a_report(), started_at=STARTED, finished_at=FINISHED, ran_by="ann")
    differs = replay_run(
        a_report((difference,), (violation,)),
        started_at=STARTED,
        finished_at=FINISHED,
        ran_by="ann",
    )
    violated = replay_run(
        a_report(violations=(violation,)), started_at=STARTED, finished_at=FINISHED, ran_by="ann"
    )

    assert matches.outcome is RunOutcome.MATCHES
    assert matches.first_failure is None
    assert matches.positions == (LogPosition("catalogue", 12), LogPosition("revenue", 5))
    assert differs.outcome is RunOutcome.DIFFERS
    assert differs.first_failure == "shop search [listing 1]: live 3 in stock; replayed 2 in stock"
    assert violated.outcome is RunOutcome.DIFFERS
    assert violated.first_failure is not None
    assert violated.first_failure.startswith("revenue log at position 4: balanced: ")
    assert len(violated.first_failure) == MAX_FAILURE
