"""`MongoNotificationStore` on the real store: claims, leases, outcomes with their outbox."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.notifier.compose import NotificationKey, Schedule
from services.notifier.errors import ClaimHeld
from services.notifier.store import MongoNotificationStore
from shared.events import Notification, NotificationFailed, NotificationSent
from shared.mongo import Document

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=3)


def key(unique: str, recipient: str = "p-1") -> NotificationKey:
    return NotificationKey(f"pair-{unique}", "proposed", recipient)


def sent(k: NotificationKey) -> NotificationSent:
    data = Notification(pairing_id=k.pairing_id, state=k.state, recipient_id=k.recipient_id)
    return NotificationSent(producer="notifier", data=data)


@pytest.fixture
def store(mongo: AsyncDatabase[Document]) -> MongoNotificationStore:
    return MongoNotificationStore(mongo)


async def test_first_claim_wins_and_a_second_is_held_within_the_lease(
    store: MongoNotificationStore, unique: str
) -> None:
    first = await store.claim(key(unique), now=NOW, lease=LEASE)

    assert first is not None
    with pytest.raises(ClaimHeld):
        await store.claim(key(unique), now=NOW + LEASE - timedelta(seconds=1), lease=LEASE)


async def test_a_claim_older_than_the_lease_is_taken_over_and_the_old_token_cannot_finish(
    store: MongoNotificationStore, unique: str
) -> None:
    old = await store.claim(key(unique), now=NOW, lease=LEASE)
    new = await store.claim(key(unique), now=NOW + LEASE + timedelta(seconds=1), lease=LEASE)

    assert old and new and new != old
    assert await store.finish(key(unique), old, sent(key(unique))) is False
    assert await store.finish(key(unique), new, sent(key(unique))) is True


async def test_a_fresh_claims_outcome_is_recorded_once_and_ends_the_notification(
    store: MongoNotificationStore, mongo: AsyncDatabase[Document], unique: str
) -> None:
    token = await store.claim(key(unique), now=NOW, lease=LEASE)
    assert token is not None

    assert await store.finish(key(unique), token, sent(key(unique)), fresh=True) is True
    assert await store.finish(key(unique), token, sent(key(unique)), fresh=True) is True  # a retry
    assert await store.finish(key(unique), "another", sent(key(unique)), fresh=True) is False
    outcome = await mongo["outcomes"].find_one({"_id": key(unique).id})
    assert outcome is not None and outcome["token"] == token
    assert await store.claim(key(unique), now=NOW + 2 * LEASE, lease=LEASE) is None


async def test_of_concurrent_take_overs_exactly_one_wins(
    store: MongoNotificationStore, unique: str
) -> None:
    await store.claim(key(unique), now=NOW, lease=LEASE)
    later = NOW + LEASE + timedelta(seconds=1)

    answers = await asyncio.gather(
        *(store.claim(key(unique), now=later, lease=LEASE) for _ in range(6)),
        return_exceptions=True,
    )

    assert len([answer for answer in answers if isinstance(answer, str)]) == 1
    assert all(isinstance(answer, ClaimHeld | str) for answer in answers)


async def test_a_release_twice_releases_once_and_a_stale_token_releases_nothing(
    store: MongoNotificationStore, unique: str, mongo: AsyncDatabase[Document]
) -> None:
    old = await store.claim(key(unique), now=NOW, lease=LEASE)
    new = await store.claim(key(unique), now=NOW + LEASE + timedelta(seconds=1), lease=LEASE)
    assert old and new

    await store.release(key(unique), old)  # taken over meanwhile: nothing to release
    held = await mongo.notifications.find_one({"_id": key(unique).id})
    await store.release(key(unique), new)
    await store.release(key(unique), new)

    released = await mongo.notifications.find_one({"_id": key(unique).id})
    assert held is not None and held["status"] == "sending" and held["token"] == new
    assert released is not None and released["status"] == "released"
    assert released["version"] == held["version"] + 1


async def test_finished_notification_is_never_claimed_again(
    store: MongoNotificationStore, unique: str, mongo: AsyncDatabase[Document]
) -> None:
    token = await store.claim(key(unique), now=NOW, lease=LEASE)
    assert token
    await store.finish(key(unique), token, sent(key(unique)))

    assert await store.claim(key(unique), now=NOW + 10 * LEASE, lease=LEASE) is None
    claim = await mongo.notifications.find_one({"_id": key(unique).id})
    outcome = await mongo.outcomes.find_one({"_id": key(unique).id})
    assert claim is not None and claim["claims"] == 1
    assert outcome is not None and outcome["status"] == "sent"


async def test_released_claim_is_claimed_again_at_once(
    store: MongoNotificationStore, unique: str
) -> None:
    token = await store.claim(key(unique), now=NOW, lease=LEASE)
    assert token
    await store.release(key(unique), token)

    assert await store.claim(key(unique), now=NOW, lease=LEASE) is not None


async def test_outcome_and_its_event_are_one_write_published_until_marked(
    store: MongoNotificationStore, unique: str
) -> None:
    keys = [key(unique, "p-1"), key(unique, "p-2"), key(unique, "p-3")]
    events = {}
    for k in keys[:2]:
        token = await store.claim(k, now=NOW, lease=LEASE)
        assert token
        data = Notification(pairing_id=k.pairing_id, state=k.state, recipient_id=k.recipient_id)
        events[k] = NotificationFailed(producer="notifier", data=data) if k is keys[1] else sent(k)
        await store.finish(k, token, events[k])

    pending = await store.unpublished(keys)
    await store.mark_published([keys[0]])

    assert pending == [events[keys[0]].model_dump_json(), events[keys[1]].model_dump_json()]
    assert await store.unpublished(keys) == [events[keys[1]].model_dump_json()]


async def test_first_schedule_of_a_pairing_is_kept(
    store: MongoNotificationStore, unique: str
) -> None:
    first = Schedule(f"pair-{unique}", 1, "Europe/Berlin", NOW, NOW + timedelta(hours=1), "u1")
    later = Schedule(f"pair-{unique}", 1, "Europe/Berlin", NOW + timedelta(days=7), None, "u2")

    assert await store.keep_schedule(first) == first
    assert await store.keep_schedule(later) == first
    assert await store.find_schedule(f"pair-{unique}") == first
    assert await store.find_schedule(f"other-{unique}") is None


async def test_store_answers_ping(store: MongoNotificationStore) -> None:
    assert await store.ping() is True
