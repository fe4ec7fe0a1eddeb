"""The follow-up clock on the real broker and store, with a fake clock handed to the matcher:
one reminder halfway to expiry for whoever has not answered (once, across a restart), check-ins
after the second meeting with their nudge, answers by link (revisions, history, flags), a
re-match request, and the program's end."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.matcher.runtime import current
from services.matcher.settings import MatcherSettings
from services.matcher.usecases.work import MatchWork, ProgramDue, Work
from shared.answer_links import Action, AnswerClaims, AnswerLinks
from shared.events import ProgramChanged
from shared.kafka import make_broker
from shared.profile import ProfileSnapshot
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.builders.matcher import old, young
from tests.builders.programs import program_snapshot
from tests.helpers import FakeClock, eventually, publish
from tests.integration.matcher.conftest import PairingEvents, Profiles, http, running

pytestmark = pytest.mark.integration

KEY = "integration-followup-key-0123"
LINKS = AnswerLinks([KEY], base_url="")
START = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)  # a Monday; the program starts that day


@pytest.fixture
def linked(settings: MatcherSettings) -> MatcherSettings:
    return MatcherSettings(**settings.model_dump() | {"answer_link_keys": [KEY]})


@dataclass(frozen=True)
class Program:
    """A program from 1 February to 31 March 2027 (Berlin), matched continuously at once, its
    record published; one younger and one older person to join it; the clock its matcher runs
    on, at the program's first morning."""

    id: str
    clock: FakeClock
    y: ProfileSnapshot
    o: ProfileSnapshot


@pytest.fixture
async def followed(unique: str, kafka_bootstrap: str, topics: Topics) -> Program:
    program_id = f"{unique}-p"
    record = program_snapshot(
        program_id,
        schedule={"mode": "continuous", "settle_minutes": 0},
        policy={},
        enrolment_opens=None,
        enrolment_closes=None,
        starts_on="2027-02-01",
        ends_on="2027-03-31",
    )
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    async with broker:
        await broker.start()
        await publish(
            broker, topics.program_changes, program_id, ProgramChanged(producer="p", data=record)
        )
    y, o = young(f"{unique}-y", program=program_id), old(f"{unique}-o", program=program_id)
    return Program(program_id, FakeClock(START), y, o)


@asynccontextmanager
async def matcher(
    settings: MatcherSettings, clock: FakeClock, program: str
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running(settings, clock=clock) as app, http(app) as client:
        await eventually(lambda: current(app).programs.get(program), within=30)
        yield app, client


def link(event: Any, person_id: str, action: Action, checkin: str | None = None) -> str:
    claims = AnswerClaims(
        pairing_id=event.data.pairing_id,
        person_id=person_id,
        action=action,
        sequence=event.data.sequence,
        language="en",
        expires_at=datetime(2027, 6, 1, tzinfo=UTC),
        checkin_id=checkin,
    )
    return f"/answers/{LINKS.token(claims)}"


async def due(app: FastAPI, program: str) -> None:
    """What the sweeper sends when a follow-up is due, sent now (work is ordered by program, so
    the effect of anything sent after it shows only once this has run)."""
    work = MatchWork(producer="test", data=Work(program_id=program, item=ProgramDue()))
    await current(app).forward(work)


def of(events: PairingEvents, event_type: str, pairing: str) -> list[Any]:
    return [e for e in events.of_type(event_type) if e.data.pairing_id == pairing]


async def respond(client: httpx.AsyncClient, pairing: str, person: str, decision: str) -> None:
    body = {"person_id": person, "decision": decision}
    assert (await client.post(f"/pairings/{pairing}/responses", json=body)).status_code == 202


async def paired(
    profiles: Profiles,
    pairing_events: PairingEvents,
    client: httpx.AsyncClient,
    *people: ProfileSnapshot,
) -> tuple[Any, Any]:
    """The two `people` joined, were proposed to each other and both accepted: the proposal and
    the activation."""
    await profiles.changed(*people)
    [proposal] = await eventually(lambda: pairing_events.of_type("pairing.proposed"), within=60)
    pid = proposal.data.pairing_id
    for person in people:
        await respond(client, pid, person.id, "accept")
    [active] = await eventually(lambda: of(pairing_events, "pairing.activated", pid), within=30)
    return proposal, active


async def test_one_reminder_halfway_to_expiry_for_whoever_has_not_answered_across_a_restart(
    linked: MatcherSettings,
    profiles: Profiles,
    pairing_events: PairingEvents,
    followed: Program,
) -> None:
    program, clock, y, o = followed.id, followed.clock, followed.y, followed.o
    async with matcher(linked, clock, program) as (app, client):
        await profiles.changed(y, o)
        [proposal] = await eventually(lambda: pairing_events.of_type("pairing.proposed"), within=60)
        pid = proposal.data.pairing_id
        await respond(client, pid, o.id, "accept")
        clock.set(START + timedelta(hours=83))  # not yet halfway: the sweeper finds nothing due
        await due(app, program)
        clock.set(START + timedelta(hours=85))  # halfway is 84 h: the sweeper makes it due
        [reminder] = await eventually(
            lambda: of(pairing_events, "pairing.reminded", pid), within=30
        )
        await due(app, program)
    async with matcher(linked, clock, program) as (app, client):  # a restart: taken over afresh
        await due(app, program)
        await respond(client, pid, y.id, "accept")  # after the due work: it ran once this shows
        await eventually(lambda: of(pairing_events, "pairing.activated", pid), within=30)
        await pairing_events.read_to_end()

    assert reminder.data.waiting_on == [y.id]  # the older one had accepted
    assert reminder.data.sequence == proposal.data.sequence  # its links are the proposal's
    assert reminder.occurred_at == START + timedelta(hours=85)
    assert len(of(pairing_events, "pairing.reminded", pid)) == 1


async def test_check_ins_with_answers_by_link_a_nudge_and_flags_each_once(
    linked: MatcherSettings,
    profiles: Profiles,
    pairing_events: PairingEvents,
    followed: Program,
) -> None:
    program, clock, y, o = followed.id, followed.clock, followed.y, followed.o
    async with matcher(linked, clock, program) as (app, client):
        _, active = await paired(profiles, pairing_events, client, y, o)
        pid = active.data.pairing_id
        # First meeting: Tuesday 2 February 17:00 UTC (a day's notice); the second, two weeks on,
        # ends on 16 February at 18:00 UTC: the check-in after it opens then.
        clock.set(datetime(2027, 2, 16, 18, 1, tzinfo=UTC))
        [opened] = await eventually(lambda: of(pairing_events, "checkin.opened", pid), within=30)
        url = link(opened, y.id, "checkin", "after-second-meeting")
        form = await client.get(f"{url}?usefulness=2")
        sent = [
            await client.post(url, data={"met": "yes", "usefulness": "2", "learned": "leadership"}),
            await client.post(url, data={"met": "yes", "usefulness": "2", "learned": "leadership"}),
            await client.post(
                url, data={"met": "yes", "usefulness": "1", "learned_text": "Mentoring"}
            ),
        ]
        await eventually(lambda: len(of(pairing_events, "checkin.answered", pid)) >= 2, within=30)
        clock.set(datetime(2027, 2, 23, 18, 1, tzinfo=UTC))  # halfway to the close, 14 days on
        [nudge] = await eventually(lambda: of(pairing_events, "checkin.nudged", pid), within=30)
        other = link(opened, o.id, "checkin", "after-second-meeting")
        await client.post(other, data={"met": "stopped", "usefulness": "2"})
        await client.post(other, data={"met": "stopped", "usefulness": "1"})
        await eventually(lambda: len(of(pairing_events, "checkin.answered", pid)) >= 4, within=30)
        await due(app, program)
        await respond(client, pid, y.id, "end")  # after the due work: both ran once this shows
        await eventually(lambda: of(pairing_events, "pairing.cancelled", pid), within=30)
        await pairing_events.read_to_end()
        stored = await current(app).checkin_answers.current([f"{pid}#after-second-meeting#{y.id}"])
        flags = await current(app).pairings.get(pid)
        shown = (await client.get(f"/pairings/{pid}")).json()

    assert (opened.data.younger_teaches, opened.data.older_teaches) == (
        ["social_media"],
        ["leadership"],
    )
    assert opened.data.closes_at == datetime(2027, 3, 2, 18, 0, tzinfo=UTC)
    assert form.status_code == 200 and 'value="2" checked' in form.text
    assert [r.status_code for r in sent] == [200, 200, 200]
    answered = of(pairing_events, "checkin.answered", pid)
    mine = [(a.data.revision, a.data.usefulness) for a in answered if a.data.person_id == y.id]
    assert mine == [(1, 2), (2, 1)]  # the identical second answer made no revision
    assert stored[f"{pid}#after-second-meeting#{y.id}"].learned_text == "Mentoring"
    assert nudge.data.waiting_on == [o.id]
    assert len(of(pairing_events, "checkin.nudged", pid)) == 1
    assert len(of(pairing_events, "checkin.opened", pid)) == 1
    flagged = sorted(e.data.flag for e in of(pairing_events, "pairing.flagged", pid))
    assert flagged == ["low_ratings", "stopped"]
    assert flags is not None and sorted(flags.flags) == ["low_ratings", "stopped"]
    assert sorted(shown["flags"]) == ["low_ratings", "stopped"]  # what a program lead sees


async def test_a_rematch_frees_both_the_same_two_are_never_paired_again_and_the_end_ends_all(
    linked: MatcherSettings,
    profiles: Profiles,
    pairing_events: PairingEvents,
    followed: Program,
    unique: str,
) -> None:
    program, clock, y, o = followed.id, followed.clock, followed.y, followed.o
    async with matcher(linked, clock, program) as (_, client):
        first, active = await paired(profiles, pairing_events, client, y, o)
        pid = first.data.pairing_id
        page = await client.get(link(active, o.id, "rematch"))
        asked = await client.post(link(active, o.id, "rematch"))
        [ended] = await eventually(lambda: of(pairing_events, "pairing.cancelled", pid), within=30)
        o2 = old(f"{unique}-o2", program=program, birth_year=1970)
        await profiles.changed(o2)  # y is free again: paired with the newcomer, not with o
        [second] = await eventually(
            lambda: [
                e for e in pairing_events.of_type("pairing.proposed") if e.data.pairing_id != pid
            ],
            within=60,
        )
        again = second.data.pairing_id
        await respond(client, again, y.id, "accept")
        await respond(client, again, o2.id, "accept")
        await eventually(lambda: of(pairing_events, "pairing.activated", again), within=30)
        clock.set(datetime(2027, 3, 31, 22, 1, tzinfo=UTC))  # 1 April 00:01 in Berlin: over
        [end] = await eventually(lambda: of(pairing_events, "pairing.cancelled", again), within=30)
        await pairing_events.read_to_end()

    assert (page.status_code, asked.status_code) == (200, 200)
    assert (ended.data.reason_code, ended.data.reason) == (
        "rematch_requested",
        f"rematch requested by {o.id}",
    )
    assert {second.data.younger.id, second.data.older.id} == {y.id, o2.id}
    assert len(pairing_events.of_type("pairing.proposed")) == 2  # o was free too, but alone
    assert end.data.reason_code == "program_ended"
    [final] = [e for e in of(pairing_events, "checkin.opened", again) if e.data.final]
    assert final.data.checkin_id == "program-end"
    assert of(pairing_events, "checkin.opened", pid) == []  # it ended before any check-in
