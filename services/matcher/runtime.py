"""Everything the matcher runs besides the HTTP app, built and started in the app's lifespan.

Stores on one Mongo client; the work coordinator with its own aiokafka consumer; the sweeper and
the monitor as background tasks. Publishing goes through the FastStream broker.
"""

import asyncio
import contextlib
from datetime import timedelta

from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker

from services.matcher.adapters.coordinator import Coordinator
from services.matcher.adapters.handlers import Services
from services.matcher.adapters.monitor import LagProbe, monitor
from services.matcher.adapters.pairing_store import MongoPairings
from services.matcher.adapters.people_store import MongoPeople
from services.matcher.adapters.relay import Relay
from services.matcher.adapters.slot_store import MongoSlots
from services.matcher.adapters.sweeper import Sweeper
from services.matcher.settings import MatcherSettings
from services.matcher.usecases.step import ProgramMatcher
from services.matcher.usecases.work import MatchWork
from shared.commands import RespondToPairing
from shared.kafka import publish
from shared.mongo import mongo_client, ping
from shared.publisher import BrokerPublisher


class Runtime:
    def __init__(self, settings: MatcherSettings, broker: KafkaBroker, services: Services) -> None:
        self._settings, self._broker, self._topics = settings, broker, settings.topics
        self._client = mongo_client(settings.mongodb_uri)
        self.publisher = BrokerPublisher(broker)
        db = self._client[settings.mongodb_database]
        self.people, self.pairings, self.slots = MongoPeople(db), MongoPairings(db), MongoSlots(db)
        services.people, services.pairings, services.forward = (
            self.people,
            self.pairings,
            self.forward,
        )
        self.matcher = ProgramMatcher(
            people=self.people,
            pairings=self.pairings,
            slots=self.slots,
            relay=Relay(self.pairings, self.publisher, topic=self._topics.pairings),
            policy_for=settings.policy_for,
            proposal_ttl=settings.proposal_ttl,
            orphan_slot_after=settings.orphan_slot_after,
        )
        self.coordinator = Coordinator(
            self._work_consumer(),
            self.matcher,
            topic=self._topics.match_work,
            window=settings.batch_window_ms / 1000,
            max_records=settings.max_batch_records,
            retry_seconds=settings.dead_letter_retry_seconds,
            dead_letter=self.publisher,
        )
        groups = {
            settings.group(settings.people_group_id): self._topics.profile_changes,
            settings.group(settings.responses_group_id): self._topics.pairing_responses,
            settings.group(settings.work_group_id): self._topics.match_work,
        }
        self._probe = LagProbe(settings.kafka_bootstrap_servers, groups=groups)
        self._sweeper = Sweeper(
            self.pairings,
            self.slots,
            self.forward,
            stuck_after=settings.outbox_stuck_after,
            orphan_after=settings.orphan_slot_after,
            window=3 * timedelta(seconds=settings.sweep_interval_seconds),
        )
        self._tasks: list[asyncio.Task[None]] = []

    def _work_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=self._settings.group(self._settings.work_group_id),
            client_id="matcher-work",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=30_000,
            heartbeat_interval_ms=3_000,
        )

    async def start(self) -> None:
        for store in (self.people, self.pairings, self.slots):
            await store.ensure_indexes()
        await self._broker.start()
        await self.coordinator.start()
        await self._probe.start()
        every = self._settings
        self._tasks = [
            asyncio.create_task(self._sweeper.run(every=every.sweep_interval_seconds)),
            asyncio.create_task(
                monitor(self._probe, self.pairings, every=every.lag_interval_seconds)
            ),
        ]

    async def stop(self) -> None:
        """Background tasks first, then the work step in flight, then the broker."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.coordinator.stop()
        await self._broker.stop()
        await self._probe.stop()
        await self._client.close()

    async def ready(self) -> dict[str, bool]:
        return {
            "store": await ping(self._client),
            "broker": await self._broker.ping(timeout=3.0),
            "work_consumer": self.coordinator.running,
        }

    async def forward(self, work: MatchWork) -> None:
        await publish(self._broker, self._topics.match_work, work.data.program_id, work)

    async def send_answer(self, command: RespondToPairing) -> None:
        await publish(
            self._broker, self._topics.pairing_responses, command.data.pairing_id, command
        )
