"""The use cases with fakes: one email per person and state, whatever is redelivered or fails."""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from structlog.testing import capture_logs

from services.notifier.compose import MeetingPolicy, NotificationKey, Program
from services.notifier.delivery import IN_FLIGHT
from services.notifier.errors import ClaimHeld, PermanentDeliveryError, TransientDeliveryError
from services.notifier.invites import invite_uid
from services.notifier.notify import Notifier
from shared.events import NotificationFailed, NotificationSent
from tests.builders.notifier import BEFORE_EU_DST, cancelled, new_yorker, proposed
from tests.fakes.notifier import FakeMailer, FakePublisher, FakeStore

LEASE = timedelta(minutes=3)
POLICY = MeetingPolicy(
    length=timedelta(hours=1),
    horizon=timedelta(days=21),
    notice=timedelta(hours=24),
    interval_weeks=2,
    count=13,
)


class Clock:
    def __init__(self, now: datetime = BEFORE_EU_DST) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


KEY = b"invite-key"


def notifier(
    store: FakeStore,
    mailer: FakeMailer,
    publisher: FakePublisher,
    clock: Clock | None = None,
    *,
    in_flight: int = IN_FLIGHT,
    invite_key: bytes = KEY,
) -> Notifier:
    return Notifier(
        store=store,
        mailer=mailer,
        publisher=publisher,
        topic="notifications",
        program=Program(mailbox="mentoring@example.org", name="Reverse Mentoring"),
        meetings=POLICY,
        lease=LEASE,
        invite_key=invite_key,
        clock=clock or Clock(),
        in_flight=in_flight,
    )


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


async def test_proposal_sends_one_email_to_each_person_and_publishes_sent(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    event = proposed()

    await notifier(store, mailer, publisher).pairing_proposed(event)

    assert mailer.recipients() == ["jana@example.org", "robert@example.org"]
    assert publisher.types() == ["notification.sent", "notification.sent"]
    assert {key for key, _ in publisher.published} == {event.data.pairing_id}
    assert [e.data.recipient_id for _, e in publisher.published] == [
        event.data.younger.id,
        event.data.older.id,
    ]
    assert all(e.correlation_id == str(event.event_id) for _, e in publisher.published)


async def test_redelivered_proposal_sends_nothing_more(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    event = proposed()
    service = notifier(store, mailer, publisher)

    await service.pairing_proposed(event)
    await service.pairing_proposed(event)
    await service.pairing_proposed(event.model_copy(update={"event_id": proposed().event_id}))

    assert len(mailer.sent) == 2
    assert len(publisher.published) == 2


async def test_permanent_failure_is_recorded_and_published_and_not_retried(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    mailer.failures = [PermanentDeliveryError("SMTP 550")]
    event = proposed()
    service = notifier(store, mailer, publisher)

    await service.pairing_proposed(event)
    await service.pairing_proposed(event)

    assert mailer.recipients() == ["robert@example.org"]
    assert publisher.types() == ["notification.failed", "notification.sent"]
    assert publisher.published[0][1].data.detail == "SMTP 550"


async def test_invalid_address_fails_without_contacting_the_server(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    event = proposed(older=new_yorker(email="not an address"))

    await notifier(store, mailer, publisher).pairing_proposed(event)

    assert mailer.calls == 1 and mailer.recipients() == ["jana@example.org"]
    failed = publisher.published[1][1]
    assert failed.event_type == "notification.failed"
    assert failed.data.detail == "invalid recipient address"


async def test_transient_failure_raises_for_redelivery_and_the_retry_sends_once(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    mailer.failures = [TransientDeliveryError("ConnectionRefusedError")]
    event = proposed()
    service = notifier(store, mailer, publisher)

    with pytest.raises(TransientDeliveryError):
        await service.pairing_proposed(event)
    await service.pairing_proposed(event)

    assert mailer.recipients() == ["jana@example.org", "robert@example.org"]
    assert publisher.types() == ["notification.sent", "notification.sent"]


async def test_claim_of_a_crashed_attempt_is_held_until_its_lease_expires_then_resent(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    store.crash_on = "finish"  # the server accepted the email, then the process died
    clock = Clock()
    service = notifier(store, mailer, publisher, clock)
    event = proposed()

    with pytest.raises(RuntimeError):
        await service.pairing_proposed(event)
    with pytest.raises(ClaimHeld):
        await service.pairing_proposed(event)
    clock.now += LEASE + timedelta(seconds=1)
    await service.pairing_proposed(event)

    # The documented crash window: Jana gets the same email twice, recognisably.
    assert mailer.recipients() == ["jana@example.org", "jana@example.org", "robert@example.org"]
    assert mailer.sent[0]["Message-ID"] == mailer.sent[1]["Message-ID"]
    assert publisher.types() == ["notification.sent", "notification.sent"]


async def test_crash_before_marking_published_republishes_the_same_event_without_resending(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    store.crash_on = "mark_published"
    event = proposed()
    service = notifier(store, mailer, publisher)

    with pytest.raises(RuntimeError):
        await service.pairing_proposed(event)
    await service.pairing_proposed(event)

    assert len(mailer.sent) == 2
    ids = [e.event_id for _, e in publisher.published]
    assert len(ids) == 4 and ids[:2] == ids[2:]  # both events again, with the same ids


async def test_broker_down_while_publishing_keeps_the_event_for_the_redelivery(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    publisher.failures = 1
    event = proposed()
    service = notifier(store, mailer, publisher)

    with pytest.raises(ConnectionError):
        await service.pairing_proposed(event)
    await service.pairing_proposed(event)

    assert len(mailer.sent) == 2
    assert publisher.types() == ["notification.sent", "notification.sent"]


async def test_both_people_see_the_first_planned_meeting_even_if_planned_again_later(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    mailer.failures = [TransientDeliveryError("timeout")]
    clock = Clock()
    service = notifier(store, mailer, publisher, clock)
    event = proposed()

    with pytest.raises(TransientDeliveryError):
        await service.pairing_proposed(event)
    clock.now += timedelta(days=10)  # a later plan would pick another Monday
    await service.pairing_proposed(event)

    texts = [m.get_body(("plain",)).get_content() for m in mailer.sent]  # type: ignore[union-attr]
    assert "30. März 2026" in texts[0] and "30 March 2026" in texts[1]


async def test_cancel_after_a_proposal_cancels_its_invite_with_a_higher_sequence(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    proposal = proposed(sequence=3)
    service = notifier(store, mailer, publisher)

    await service.pairing_proposed(proposal)
    await service.pairing_cancelled(cancelled(proposal, sequence=4))
    await service.pairing_cancelled(cancelled(proposal, sequence=4))

    assert len(mailer.sent) == 4
    cancels = mailer.sent[2:]
    for message in cancels:
        calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        ics = calendar.get_content()
        assert "METHOD:CANCEL" in ics
        assert f"UID:{invite_uid(proposal.data.pairing_id, KEY)}" in ics and "SEQUENCE:4" in ics
    states = [e.data.state for _, e in publisher.published]
    assert states == ["proposed", "proposed", "cancelled", "cancelled"]


async def test_logs_name_notifications_by_id_never_by_address_or_content(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    mailer.failures = [PermanentDeliveryError("SMTP 550")]
    event = proposed()

    with capture_logs() as logs:
        service = notifier(store, mailer, publisher)
        await service.pairing_proposed(event)
        await service.pairing_proposed(event)

    assert {entry["event"] for entry in logs} >= {
        "notification_finished",
        "notification_already_done",
    }
    assert all("@" not in str(entry) for entry in logs)
    assert all("Robert" not in str(entry) and "Jana" not in str(entry) for entry in logs)


async def test_at_most_in_flight_emails_are_between_claim_and_outcome_at_once(
    publisher: FakePublisher,
) -> None:
    """A crash can send only the emails claimed and not yet recorded twice: that many at most,
    however many pairing events are handled at once."""

    @dataclass
    class CountingStore(FakeStore):
        open: int = 0
        peak: int = 0

        async def claim(
            self, key: NotificationKey, *, now: datetime, lease: timedelta
        ) -> str | None:
            token = await super().claim(key, now=now, lease=lease)
            self.open += 1
            self.peak = max(self.peak, self.open)
            return token

        async def finish(
            self,
            key: NotificationKey,
            token: str,
            event: NotificationSent | NotificationFailed,
            *,
            fresh: bool = False,
        ) -> bool:
            self.open -= 1
            return await super().finish(key, token, event, fresh=fresh)

    class SlowMailer(FakeMailer):
        async def send(self, message: EmailMessage) -> None:
            for _ in range(5):  # as the server's answers would, other handlers run meanwhile
                await asyncio.sleep(0)
            await super().send(message)

    store, mailer = CountingStore(), SlowMailer()
    service = notifier(store, mailer, publisher, in_flight=3)

    await asyncio.gather(*(service.pairing_proposed(proposed()) for _ in range(6)))

    assert store.peak == 3
    assert len(mailer.sent) == 12 and len(publisher.published) == 12


async def test_the_invitation_of_the_uid_sent_is_stored_before_the_email_whatever_was_planned(
    store: FakeStore, mailer: FakeMailer, publisher: FakePublisher
) -> None:
    """The invitation is stored beside the schedule, for the planned UID; a redelivery that finds
    an earlier schedule with another UID (planned under another key) stores that one's too."""
    event = proposed()
    store.crash_on = "keep_invitation"
    with pytest.raises(RuntimeError):
        await notifier(store, mailer, publisher).pairing_proposed(event)
    assert store.invitations == {} and not mailer.sent

    await notifier(store, mailer, publisher, invite_key=b"a new key").pairing_proposed(event)

    stored = invite_uid(event.data.pairing_id, KEY)
    assert stored in store.invitations
    invite = mailer.sent[0].get_body(("calendar",))
    assert invite is not None and f"UID:{stored}" in invite.get_content()
