"""The program report on the real stack: a known history played through the topics and the
store with a fake clock, and every figure checked against numbers worked out by hand.

People (birth year, what they teach): yN teaches cN and wants lore-cN, oN the other way round,
so yN and oN are each other's only partner. u1 speaks only Finnish; z opted out.
  T0      y1..y5, y8 with o1..o5, o8, u1, z: A=y1-o1, B=y2-o2, C=y3-o3, D=y4-o4, E=y5-o5, H=y8-o8
  +0.5 h  C accepted by both          +3 h   A accepted by both     +5 h  H accepted by both
  +30 h   B accepted by both          +31 h  o4 declines D          +50 h o8 deleted: H cancelled
  +100 h  y6, o6, y7, o7 join: F=y6-o6, G=y7-o7; y7 accepts G
  +170 h  E expired (the sweeper)     +200 h o3 ends C
Then six check-in answers on A and B go to the program's owner (y2 changes one), and B is
flagged by them.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.matcher.runtime import current
from services.matcher.settings import MatcherSettings
from services.matcher.usecases.ports import pairing_id
from services.matcher.usecases.work import CheckinGiven, CheckinReply, MatchWork, Work
from tests.builders.matcher import NOW, old, young
from tests.helpers import eventually
from tests.integration.matcher.conftest import PairingEvents, Profiles, http, running

pytestmark = pytest.mark.integration
H = timedelta(hours=1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def people(unique: str) -> dict[str, Any]:
    program = f"{unique}-p"
    born = {1: (1998, 1965), 2: (1995, 1970), 3: (2001, 1962), 4: (1990, 1975)}
    born |= {5: (1999, 1968), 6: (1992, 1972), 7: (1996, 1966), 8: (1997, 1960)}
    found: dict[str, Any] = {}
    for n, (y, o) in born.items():
        found[f"y{n}"] = young(f"{unique}-y{n}", f"c{n}", program=program, birth_year=y)
        found[f"o{n}"] = old(f"{unique}-o{n}", f"c{n}", program=program, birth_year=o)
    found["u1"] = young(f"{unique}-u1", "c9", program=program, birth_year=1985, languages=["fi"])
    found["z"] = old(f"{unique}-z", "c1", program=program, birth_year=1958, opted_in=False)
    return found


class History:
    """Plays the history: sets the clock, acts, and waits until the matcher has acted on it."""

    def __init__(
        self, client: httpx.AsyncClient, events: PairingEvents, clock: Clock, program: str
    ) -> None:
        self.client, self.events, self.clock, self.program = client, events, clock, program

    async def answer(self, at: timedelta, pairing: str, *answers: tuple[str, str]) -> None:
        self.clock.now = NOW + at
        for person, decision in answers:
            body = {"person_id": person, "decision": decision}
            response = await self.client.post(f"/pairings/{pairing}/responses", json=body)
            assert response.status_code == 202, response.text
        state = {"accept": "accepted", "decline": "declined", "end": "ended"}[decision]
        if decision == "accept" and len(answers) == 2:
            state = "active"
        await self.state(pairing, state)

    async def state(self, pairing: str, state: str) -> None:
        async def reached() -> bool:
            found = (await self.client.get(f"/pairings/{pairing}")).json()
            return bool(found["state"] == state)

        await eventually(reached, within=60)

    async def proposed(self, *pairings: str) -> None:
        await eventually(
            lambda: (
                set(pairings)
                <= {e.data.pairing_id for e in self.events.of_type("pairing.proposed")}
            ),
            within=60,
        )


async def test_every_figure_of_a_known_history(
    settings: MatcherSettings,
    profiles: Profiles,
    pairing_events: PairingEvents,
    unique: str,
) -> None:
    program, p, clock = f"{unique}-p", people(unique), Clock(NOW)
    pid = {n: pairing_id(program, p[f"y{n}"].id, p[f"o{n}"].id) for n in range(1, 9)}
    a, b, c, d, e, _f, g, h = (pid[n] for n in range(1, 9))
    first = [p[f"{side}{n}"] for n in (1, 2, 3, 4, 5, 8) for side in "yo"]
    await profiles.changed(*first, p["u1"], p["z"])

    async with running(settings, clock=clock) as app, http(app) as client:
        history = History(client, pairing_events, clock, program)
        await history.proposed(a, b, c, d, e, h)
        await history.answer(H / 2, c, (p["y3"].id, "accept"), (p["o3"].id, "accept"))
        await history.answer(3 * H, a, (p["y1"].id, "accept"), (p["o1"].id, "accept"))
        await history.answer(5 * H, h, (p["y8"].id, "accept"), (p["o8"].id, "accept"))
        await history.answer(30 * H, b, (p["y2"].id, "accept"), (p["o2"].id, "accept"))
        await history.answer(31 * H, d, (p["o4"].id, "decline"))
        clock.now = NOW + 50 * H
        await profiles.deleted(p["o8"])
        await history.state(h, "cancelled")
        clock.now = NOW + 100 * H
        await profiles.changed(p["y6"], p["o6"], p["y7"], p["o7"])
        await history.proposed(pid[6], g)
        await history.answer(100 * H, g, (p["y7"].id, "accept"))
        clock.now = NOW + 170 * H  # the sweeper finds E past its expiry
        await history.state(e, "expired")
        await history.answer(200 * H, c, (p["o3"].id, "end"))
        await answer_checkins(app, program, p, a, b)
        report = (await client.get(f"/programs/{program}/report")).json()
        personal = (
            await client.get(f"/programs/{program}/report", params={"personal": "true"})
        ).json()
        page = await client.get(f"/programs/{program}/report.html")

    assert report["generated_at"].startswith("2026-03-10T20:00")  # T0 + 200 h
    assert report["enrolment"] == {
        "people": 17,  # o8 was deleted
        "opted_in": 16,
        "by_decade": bars(
            ("1950s", 1), ("1960s", 4), ("1970s", 3), ("1980s", 1), ("1990s", 7), ("2000s", 1)
        ),
    }
    assert report["pairs"] == {
        "proposed": 8,
        "accepted": 4,  # A, B, C, H
        "awaiting": 2,  # F proposed, G accepted by y7 only
        "active": 2,
        "declined": 1,
        "expired": 1,
        "ended": 1,
        "cancelled": 1,
        "closed_by_reason": bars(
            ("declined", 1), ("ended", 1), ("expired", 1), ("profile_deleted", 1)
        ),
    }
    # C 0.5 h, A 3 h, H 5 h, B 30 h: median (3 + 5) / 2, p90 the 4th of 4
    assert report["time_to_accept"] == {
        "pairs": 4,
        "median_hours": 4.0,
        "p90_hours": 30.0,
        "histogram": bars(
            ("< 1 h", 1),
            ("1-6 h", 2),
            ("6-24 h", 0),
            ("1-3 days", 1),
            ("3-7 days", 0),
            (">= 7 days", 0),
        ),
    }
    # live: A 33, B 25, F 20, G 30
    assert report["gap_of_live_pairs"] == bars(
        ("20-24 years", 1), ("25-29 years", 1), ("30-34 years", 2)
    )
    assert report["skills"] == {
        "younger_to_older": {
            # live or accepted by both: A, B, C, F, G, H (not D, E)
            "from_proposals": bars(*((f"c{n}", 1) for n in (1, 2, 3, 6, 7, 8))),
            "from_checkins": bars(("c1", 2), ("video", 1)),
        },
        "older_to_younger": {
            "from_proposals": bars(*((f"lore c{n}", 1) for n in (1, 2, 3, 6, 7, 8))),
            "from_checkins": bars(("lore c1", 2), ("lore c2", 1)),
        },
    }
    assert report["checkins"] == [
        checkin("after-second-meeting", 4, (3, 1, 0), 2, (3, 3.67)),  # (4 + 5 + 2) / 3
        checkin("mid-program", 2, (1, 0, 1), 1, (2, 2.0)),  # (3 + 1) / 2
        checkin("program-end", 0, (0, 0, 0), 0, (0, None)),
    ]
    assert report["usefulness_by_week"] == [
        {"week": "2026-03-09", "answers": 2, "usefulness_mean": 4.5},
        {"week": "2026-03-16", "answers": 1, "usefulness_mean": 2.0},
        {"week": "2026-03-30", "answers": 2, "usefulness_mean": 2.0},
    ]
    assert report["flagged"] == {
        "pairings": 1,
        "by_flag": bars(("low_ratings", 1), ("stopped", 1)),
        "listed": None,
    }
    # y3, o3, y4, o4, y5, o5, y8: their only partner is behind them; u1 shares no language.
    assert report["unpaired"] == {
        "people": 8,
        "by_reason": bars(
            ("no feasible partner: no skill wanted both ways", 7),
            ("no feasible partner: no shared language", 1),
        ),
        "listed": None,
    }
    for person in p.values():
        assert person.email not in page.text and person.email not in str(report)
    assert [f["younger"]["email"] for f in personal["flagged"]["listed"]] == [p["y2"].email]
    listed = {u["person_id"] for u in personal["unpaired"]["listed"]}
    assert listed == {p[k].id for k in ("y3", "o3", "y4", "o4", "y5", "o5", "y8", "u1")}
    assert page.status_code == 200 and page.text.count("<svg") == 11


async def answer_checkins(app: FastAPI, program: str, p: dict[str, Any], a: str, b: str) -> None:
    """Six check-in answers, sent to the program's owner as the answer pages send them (y2
    changes an earlier answer), and waited for in the store. y2's "we stopped" and two low
    ratings flag B."""

    def reply(pairing: str, point: str, who: str, day: str, **said: Any) -> CheckinGiven:
        at = datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=UTC)
        data = {"pairing_id": pairing, "checkin_id": point, "person_id": p[who].id}
        return CheckinGiven(reply=CheckinReply.model_validate(data | said | {"answered_at": at}))

    replies = [
        reply(a, "after-second-meeting", "o1", "2026-03-10", met="yes", learned=["c1"], usefulness=4),
        reply(a, "after-second-meeting", "y1", "2026-03-11", met="yes", learned=["lore-c1"], usefulness=5),
        reply(b, "after-second-meeting", "o2", "2026-03-12", met="not_yet"),
        reply(b, "after-second-meeting", "y2", "2026-03-14", met="not_yet", usefulness=3),
        reply(b, "after-second-meeting", "y2", "2026-03-16", met="yes", learned=["lore_c2", "lore-c1"], usefulness=2),
        reply(a, "mid-program", "o1", "2026-04-01", met="yes", learned=["c1", "video"], usefulness=3),
        reply(b, "mid-program", "y2", "2026-04-02", met="stopped", usefulness=1),
    ]  # fmt: skip
    runtime = current(app)
    for item in replies:
        await runtime.forward(MatchWork(producer="test", data=Work(program_id=program, item=item)))

    async def recorded() -> bool:
        answers = await runtime.checkin_answers.for_program(program)
        flagged = await runtime.pairings.get(b)
        return (
            len(answers) == 6
            and sum(x.revision for x in answers) == 7
            and (flagged is not None and len(flagged.flags) == 2)
        )

    await eventually(recorded, within=60)


def bars(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"label": label, "count": n} for label, n in pairs]


def checkin(
    point: str,
    answers: int,
    met: tuple[int, int, int],
    pairs_met: int,
    useful: tuple[int, float | None],
) -> dict[str, Any]:
    return {
        "checkin_id": point,
        "answers": answers,
        "met_yes": met[0],
        "met_not_yet": met[1],
        "met_stopped": met[2],
        "pairs_met": pairs_met,
        "usefulness_answers": useful[0],
        "usefulness_mean": useful[1],
    }
