"""Build the follow-up events from what is stored (pure): reminders, check-ins, nudges, answers
and flags. Each carries what its email needs, so the notifier reads no store of the matcher's."""

from datetime import datetime

from services.matcher.core.followups import Occasion
from services.matcher.core.lifecycle import phase_sequence
from services.matcher.usecases.checkin_links import skill_codes
from services.matcher.usecases.messages import PRODUCER
from services.matcher.usecases.ports import PairingRecord
from shared.checkins import CheckinAnswer, FlagCode
from shared.events import (
    AnsweredCheckin,
    CheckinAnswered,
    CheckinNudged,
    CheckinOpened,
    FlaggedPairing,
    NudgedCheckin,
    OpenedCheckin,
    PairingFlagged,
    PairingReminded,
    RemindedPairing,
)


def _body(record: PairingRecord) -> dict[str, object]:
    return {"pairing_id": record.id, "program_id": record.program_id, "sequence": record.sequence}


def waiting_for_acceptance(record: PairingRecord) -> list[str]:
    return [p.id for p in (record.younger, record.older) if p.id not in record.accepted_by]


def reminded(
    record: PairingRecord, *, now: datetime, correlation_id: str | None
) -> PairingReminded:
    """Its `sequence` is the proposal's (`lifecycle.phase_sequence`), which its accept and
    decline links carry: an acceptance since moved the pairing's own on."""
    body = _body(record) | {"sequence": phase_sequence(record.status)}
    data = RemindedPairing(
        **body,
        younger=record.younger,
        older=record.older,
        explanation=record.explanation,
        expires_at=record.expires_at,
        waiting_on=waiting_for_acceptance(record),
    )
    return PairingReminded(
        producer=PRODUCER, occurred_at=now, correlation_id=correlation_id, data=data
    )


def _opened(record: PairingRecord, occasion: Occasion, *, final: bool) -> dict[str, object]:
    assert occasion.checkin is not None and occasion.closes_at is not None
    return _body(record) | {
        "checkin_id": occasion.checkin.id,
        "younger": record.younger,
        "older": record.older,
        "younger_teaches": skill_codes(record.explanation.younger_teaches),
        "older_teaches": skill_codes(record.explanation.older_teaches),
        "final": final,
        "closes_at": occasion.closes_at,
    }


def opened(
    record: PairingRecord,
    occasion: Occasion,
    *,
    final: bool,
    now: datetime,
    correlation_id: str | None,
) -> CheckinOpened:
    data = OpenedCheckin.model_validate(_opened(record, occasion, final=final))
    return CheckinOpened(
        producer=PRODUCER, occurred_at=now, correlation_id=correlation_id, data=data
    )


def nudged(
    record: PairingRecord,
    occasion: Occasion,
    *,
    final: bool,
    waiting_on: list[str],
    now: datetime,
    correlation_id: str | None,
) -> CheckinNudged:
    fields = _opened(record, occasion, final=final) | {"waiting_on": waiting_on}
    data = NudgedCheckin.model_validate(fields)
    return CheckinNudged(
        producer=PRODUCER, occurred_at=now, correlation_id=correlation_id, data=data
    )


def answered(
    answer: CheckinAnswer, *, sequence: int, correlation_id: str | None
) -> CheckinAnswered:
    data = AnsweredCheckin(**answer.model_dump(), sequence=sequence)
    return CheckinAnswered(
        producer=PRODUCER, occurred_at=answer.answered_at, correlation_id=correlation_id, data=data
    )


def flagged(
    record: PairingRecord,
    flag: FlagCode,
    *,
    checkin_id: str,
    reason: str,
    now: datetime,
    correlation_id: str | None,
) -> PairingFlagged:
    data = FlaggedPairing.model_validate(
        _body(record) | {"flag": flag, "checkin_id": checkin_id, "reason": reason}
    )
    return PairingFlagged(
        producer=PRODUCER, occurred_at=now, correlation_id=correlation_id, data=data
    )
