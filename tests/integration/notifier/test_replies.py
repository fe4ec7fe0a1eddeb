"""Calendar replies at the notifier's inbound LMTP endpoint, on the real broker and store: a
REPLY from an attendee becomes their answer on the responses topic; a stranger's, a forged one,
one for an unknown UID and a malformed message change nothing."""

import pytest
from prometheus_client import REGISTRY

from services.notifier.settings import NotifierSettings
from shared.commands import RespondToPairing
from shared.topics import Topics
from tests.builders.notifier import proposed
from tests.builders.replies import reply_email
from tests.helpers import deliver_lmtp, eventually, free_port, read_topic
from tests.integration.notifier.conftest import SmtpServer, publish_event, running
from tests.integration.notifier.test_flow import calendar_of

pytestmark = pytest.mark.integration


def replies(outcome: str) -> float:
    return REGISTRY.get_sample_value("notifier_calendar_replies_total", {"outcome": outcome}) or 0


async def test_a_reply_from_an_attendee_answers_and_nothing_else_does(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    settings = settings.model_copy(update={"inbound_port": free_port()})
    port = settings.inbound_port
    assert port is not None
    event = proposed()
    ignored, counted = replies("ignored"), replies("counted")

    async with running(settings):
        await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, event)
        await eventually(lambda: len(smtp.sink.received) == 2)
        [invite] = calendar_of(smtp.sink.to("jana@example.org")[0]).walk("VEVENT")
        uid = str(invite["UID"])

        await deliver_lmtp(port, reply_email(uid, "eve@example.org"))  # a stranger
        await deliver_lmtp(port, reply_email(uid, "jana@example.org", sender="eve@example.org"))
        await deliver_lmtp(port, reply_email("0" * 32 + "@reverse-mentoring", "jana@example.org"))
        await deliver_lmtp(port, b"From: jana@example.org\r\n\r\nBEGIN:VCALENDAR\r\n\x00\xff")
        await deliver_lmtp(port, reply_email(uid, "robert@example.org", partstat="DECLINED"))

    [record] = await read_topic(kafka_bootstrap, topics.pairing_responses, count=1)
    command = RespondToPairing.model_validate_json(record.value or b"")
    assert record.key == event.data.pairing_id.encode()
    assert (command.data.pairing_id, command.data.decision) == (event.data.pairing_id, "decline")
    assert command.data.person_id == event.data.older.id
    assert replies("ignored") - ignored == 4
    assert replies("counted") - counted == 1
