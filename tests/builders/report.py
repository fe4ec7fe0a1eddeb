"""A known history of one program for the report tests: ten people, eight pairings in every
state, six check-in answers and two flags (see tests/unit/matcher/test_report_figures.py for
the figures worked out by hand from it)."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI

from services.matcher.adapters import api
from services.matcher.core.lifecycle import PairingState
from services.matcher.report.people import WOULD_PAIR
from services.matcher.report.records import ProgramRecords, Unpaired
from services.matcher.usecases.directory import ProgramDirectory
from services.matcher.usecases.messages import participant
from services.matcher.usecases.ports import PairingRecord
from shared.auth import Scope, protect
from shared.checkins import CheckinAnswer
from shared.events import CancelReason
from tests.builders.matcher import NOW, answer, explanation, profile
from tests.fakes.matcher import (
    FakeAnswerStore,
    FakePairings,
    FakePeople,
    FakePrograms,
)

T0 = NOW
H = timedelta(hours=1)
PROGRAM = "prog-report"
BORN = {"y1": 1998, "y2": 1995, "y3": 2001, "y4": 1990, "o1": 1965, "o2": 1970, "o3": 1962}
BORN |= {"o4": 1975, "u1": 1985, "z": 1958}
PEOPLE = [
    profile(pid, program_id=PROGRAM, birth_year=year, name=f"Name {pid}", opted_in=pid != "z")
    for pid, year in BORN.items()
]
BY_ID = {p.id: p for p in PEOPLE}


def made(
    pid: str,
    younger: str,
    older: str,
    state: PairingState,
    *,
    teaches: tuple[list[str], list[str]] = (["spreadsheets"], ["sales"]),
    activated: timedelta | None = None,
    reason: CancelReason | None = None,
    flags: tuple[str, ...] = (),
) -> PairingRecord:
    why = explanation().model_copy(
        update={"younger_teaches": teaches[0], "older_teaches": teaches[1]}
    )
    return PairingRecord(
        id=pid,
        program_id=PROGRAM,
        younger=participant(BY_ID[younger]),
        older=participant(BY_ID[older]),
        explanation=why,
        state=state,
        proposed_at=T0,
        expires_at=T0 + 168 * H,
        updated_at=T0 + 200 * H,
        activated_at=T0 + activated if activated is not None else None,
        reason_code=reason,
        flags=list(flags),
    )


S = PairingState
PAIRINGS = [
    made("A", "y1", "o1", S.ACTIVE, teaches=(["social media", "video"], ["leadership"]), activated=3 * H),
    made("B", "y2", "o2", S.ACTIVE, teaches=(["social media"], ["strategy", "leadership"]), activated=30 * H, flags=("stopped", "low_ratings")),
    made("C", "y3", "o3", S.ENDED, teaches=(["ai tools"], ["negotiation"]), activated=H / 2, reason="ended"),
    made("D", "y4", "o4", S.DECLINED, reason="declined"),
    made("E", "y4", "o1", S.EXPIRED, reason="expired"),
    made("F", "y2", "o3", S.PROPOSED),
    made("G", "y3", "o4", S.CANCELLED, teaches=(["social media", "ai tools"], ["strategy"]), activated=100 * H, reason="rematch_requested", flags=("low_ratings",)),
    made("H", "y4", "o2", S.ACCEPTED),
]  # fmt: skip


def said(
    n: int, pairing: str, point: str, person: str, day: str, **answer: object
) -> CheckinAnswer:
    role = "younger" if person.startswith("y") else "older"
    return CheckinAnswer.model_validate(
        {
            "pairing_id": pairing,
            "program_id": PROGRAM,
            "checkin_id": point,
            "person_id": person,
            "role": role,
            "answered_at": datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=UTC),
            "revision": n,
        }
        | answer
    )


ANSWERS = [
    said(1, "A", "after-second-meeting", "o1", "2026-03-10", met="yes", learned=["social_media"], usefulness=4),
    said(1, "A", "after-second-meeting", "y1", "2026-03-11", met="yes", learned=["leadership"], usefulness=5),
    said(1, "B", "after-second-meeting", "o2", "2026-03-12", met="not_yet"),
    said(2, "B", "after-second-meeting", "y2", "2026-03-16", met="yes", learned=["strategy", "leadership"], usefulness=2),
    said(1, "A", "mid-program", "o1", "2026-04-01", met="yes", learned=["social_media", "video"], usefulness=3),
    said(1, "B", "mid-program", "y2", "2026-04-02", met="stopped", usefulness=1),
]  # fmt: skip
RECORDS = ProgramRecords(
    program_id=PROGRAM,
    now=T0 + 800 * H,
    program=None,
    people=PEOPLE,
    pairings=PAIRINGS,
    answers=ANSWERS,
    unpaired=[
        Unpaired("u1", "no feasible partner: no shared language (with 8 of 9 others)"),
        Unpaired("y3", WOULD_PAIR),
    ],
)


READER, ADMIN = "reader-key-0001", "admin-key-0001"


async def report_app(**overrides: Any) -> FastAPI:
    """The matcher's routes over fakes holding the known history (`tests.builders.report`)."""
    pairings = FakePairings()
    for record in PAIRINGS:
        await pairings.create(record, answer(record.id, "x"))
    programs = FakePrograms()
    runtime = {
        "people": FakePeople(*PEOPLE),
        "pairings": pairings,
        "programs": programs,
        "directory": ProgramDirectory(programs, defaults={}, deployment={}),
        "checkin_answers": await answered(*ANSWERS),
        "clock": lambda: RECORDS.now,
    }
    app = FastAPI()
    app.state.runtime = SimpleNamespace(**runtime | overrides)
    protect(app, {READER: frozenset({Scope.READ}), ADMIN: frozenset({Scope.ADMIN})})
    api.install(app)
    return app


async def answered(*answers: CheckinAnswer) -> FakeAnswerStore:
    """The check-in answer store after these answers, in order (a later one by the same person to
    the same check-in is a new revision)."""
    store = FakeAnswerStore()
    for one in answers:
        await store.record(one)
    return store
