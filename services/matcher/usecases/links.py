"""A person answers from their email: the link's claims, judged against the stored pairing.

Opening a link only looks (`open_link`): mail gateways fetch links to scan them, so a visit must
change nothing. Pressing the page's button (`answer_link`) sends the answer through the same use
case as the API, and only when the link is current: for this person, for the pairing's current
phase, and for a decision that still fits its state.
"""

from dataclasses import dataclass
from enum import StrEnum

from services.matcher.core.lifecycle import ANSWERABLE, decided, phase_sequence
from services.matcher.usecases.answers import SendAnswer, answer_pairing, find_pairing
from services.matcher.usecases.ports import PairingRecord, PairingStore
from shared.answer_links import AnswerClaims
from shared.commands import PairingAnswer


class Standing(StrEnum):
    """Where a link stands against its pairing."""

    OPEN = "open"  # the answer can be given
    SENT = "sent"  # it was just given
    RECORDED = "recorded"  # this person's answer is already what the pairing records
    CLOSED = "closed"  # the pairing moved on (answered by the partner, expired, cancelled)
    FOREIGN = "foreign"  # not a link this pairing issued: another person, a later sequence


@dataclass(frozen=True)
class LinkView:
    claims: AnswerClaims
    record: PairingRecord
    standing: Standing


def judge(record: PairingRecord, claims: AnswerClaims) -> Standing:
    status = record.status
    if claims.person_id not in (record.younger.id, record.older.id):
        return Standing.FOREIGN
    action = claims.action
    if claims.sequence > status.sequence or action == "checkin":
        return Standing.FOREIGN  # a check-in link answers no decision here
    if decided(status, claims.person_id, action):
        return Standing.RECORDED
    if status.state not in ANSWERABLE[action] or claims.sequence != phase_sequence(status):
        return Standing.CLOSED
    return Standing.OPEN


async def open_link(pairings: PairingStore, claims: AnswerClaims) -> LinkView:
    record = await find_pairing(pairings, claims.pairing_id)
    return LinkView(claims, record, judge(record, claims))


async def answer_link(
    pairings: PairingStore, send: SendAnswer, claims: AnswerClaims, *, reason: str | None
) -> LinkView:
    """Send the link's answer if it is open; otherwise change nothing and say why."""
    view = await open_link(pairings, claims)
    if view.standing is not Standing.OPEN:
        return view
    answer = PairingAnswer(
        pairing_id=claims.pairing_id,
        person_id=claims.person_id,
        decision=claims.action,
        reason=reason if claims.action == "decline" else None,
    )
    await answer_pairing(pairings, send, answer)
    return LinkView(claims, view.record, Standing.SENT)
