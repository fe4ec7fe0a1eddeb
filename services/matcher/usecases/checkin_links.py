"""A person answers a check-in from their email: the link's claims, judged against the stored
pairing, and the answer handed to the program's owner.

Opening the link only looks (`open_checkin`): it shows the form with the current answer, if
any. Sending the form (`answer_checkin`) forwards a `CheckinGiven` work item to the program's
owner, which records it (`usecases.checkin_answers`): the same person may answer again, which
changes the answer and keeps the history.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from services.matcher.usecases.answers import find_pairing
from services.matcher.usecases.followup_ports import CheckinAnswers, answer_id
from services.matcher.usecases.links import Standing, judge
from services.matcher.usecases.ports import PairingRecord, PairingStore
from services.matcher.usecases.work import CheckinGiven, CheckinReply, MatchWork, Work
from shared.answer_links import AnswerClaims
from shared.checkins import CheckinAnswer, Met
from shared.vocabulary import named_skill

PRODUCER = "matcher-api"
Forward = Callable[[MatchWork], Awaitable[None]]


@dataclass(frozen=True)
class Said:
    """What the form sent (checked: only the partner's skills, a known `met`, 1 to 5)."""

    met: Met | None = None
    learned: tuple[str, ...] = ()
    learned_text: str | None = None
    usefulness: int | None = None

    @property
    def empty(self) -> bool:
        return self == Said()


@dataclass(frozen=True)
class CheckinView:
    claims: AnswerClaims
    record: PairingRecord
    standing: Standing
    current: CheckinAnswer | None = None


def skill_codes(skills: list[str]) -> list[str]:
    """Skills as codes: a vocabulary skill by its value (an explanation names it by its label),
    a free-text extra as written."""
    return [skill.value if (skill := named_skill(s)) else s for s in skills]


def partner_teaches(record: PairingRecord, person_id: str) -> list[str]:
    """What the person may have learned: the skills their partner teaches them, as codes."""
    explanation = record.explanation
    if person_id == record.younger.id:
        return skill_codes(explanation.older_teaches)
    return skill_codes(explanation.younger_teaches)


async def open_checkin(
    pairings: PairingStore, answers: CheckinAnswers, claims: AnswerClaims
) -> CheckinView:
    record = await find_pairing(pairings, claims.pairing_id)
    standing = judge(record, claims)
    if standing is Standing.FOREIGN or claims.checkin_id is None:
        return CheckinView(claims, record, Standing.FOREIGN)
    key = answer_id(record.id, claims.checkin_id, claims.person_id)
    current = (await answers.current([key])).get(key)
    return CheckinView(claims, record, standing, current)


async def answer_checkin(
    pairings: PairingStore,
    answers: CheckinAnswers,
    forward: Forward,
    claims: AnswerClaims,
    said: Said,
    *,
    now: datetime,
) -> CheckinView:
    """Hand the answer to the program's owner if the check-in still takes answers."""
    view = await open_checkin(pairings, answers, claims)
    if view.standing is not Standing.OPEN or claims.checkin_id is None or said.empty:
        return view
    reply = CheckinReply(
        pairing_id=claims.pairing_id,
        checkin_id=claims.checkin_id,
        person_id=claims.person_id,
        met=said.met,
        learned=list(said.learned),
        learned_text=said.learned_text,
        usefulness=said.usefulness,
        answered_at=now,
    )
    work = Work(program_id=view.record.program_id, item=CheckinGiven(reply=reply))
    await forward(MatchWork(producer=PRODUCER, correlation_id=claims.pairing_id, data=work))
    return CheckinView(claims, view.record, Standing.SENT, view.current)
