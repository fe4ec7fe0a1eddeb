"""The notifier reads program records from their topic: a program's record names the sender of
its emails and sets its meetings, and a changed record holds for the emails after it."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from icalendar import Calendar

from services.notifier.settings import NotifierSettings
from shared.events import ProgramChanged
from shared.topics import Topics
from tests.builders.notifier import proposed
from tests.builders.programs import program_snapshot
from tests.helpers import eventually
from tests.integration.notifier.conftest import SmtpServer, publish_event, running

pytestmark = pytest.mark.integration


def record(version: int, **fields: Any) -> ProgramChanged:
    base: dict[str, Any] = {
        "starts_on": "2026-03-01",
        "ends_on": "2026-06-30",
        "enrolment_opens": None,
        "enrolment_closes": None,
        "schedule": {"mode": "continuous"},
        "meeting_minutes": 45,
        "meeting_interval_weeks": 3,
    }
    data = program_snapshot("prog-1", version=version, **base | fields)
    return ProgramChanged(producer="profiles", data=data)


async def stored_version(app: FastAPI) -> int:
    found = await app.state.runtime.programs.get("prog-1")
    return found.version if found else 0


def invite(message: Any) -> Any:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return event


async def test_a_programs_record_addresses_its_emails_and_a_change_holds_from_then_on(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    first, second = proposed(), proposed()

    async with running(settings) as app:
        v1 = record(1, name="EMEA 2027", sender="emea@example.org")
        await publish_event(kafka_bootstrap, topics.program_changes, "prog-1", v1)
        await eventually(lambda: stored_version(app), within=30)
        await publish_event(kafka_bootstrap, topics.pairings, first.data.pairing_id, first)
        await eventually(lambda: len(smtp.sink.received) == 2)

        v2 = record(2, name="EMEA 27", sender="emea-27@example.org")
        await publish_event(kafka_bootstrap, topics.program_changes, "prog-1", v2)
        await publish_event(kafka_bootstrap, topics.program_changes, "prog-1", v1)  # a replay
        await eventually(lambda: _version_is(app, 2), within=30)
        await publish_event(kafka_bootstrap, topics.pairings, second.data.pairing_id, second)
        await eventually(lambda: len(smtp.sink.received) == 4)
        kept = await stored_version(app)

    jana = smtp.sink.to("jana@example.org")
    assert [m["From"] for m in jana] == [
        "EMEA 2027 <emea@example.org>",
        "EMEA 27 <emea-27@example.org>",
    ]
    event = invite(jana[0])
    assert event["ORGANIZER"] == "mailto:emea@example.org"
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=45)
    assert (event["RRULE"]["INTERVAL"], event["RRULE"]["COUNT"]) == ([3], [5])
    assert invite(jana[1])["ORGANIZER"] == "mailto:emea-27@example.org"
    assert kept == 2


async def _version_is(app: FastAPI, expected: int) -> bool:
    return await stored_version(app) == expected
