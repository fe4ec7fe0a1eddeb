"""The matcher's runtime: everything it runs besides the HTTP app, built once in the app's
lifespan and handed to the subscribers and routes (`adapters.context.Runtime` is their view).

Stores on one Mongo client; the work coordinator with its own aiokafka consumer; the sweeper and
the monitor as background tasks. Publishing goes through the FastStream broker. The broker, the
coordinator and the lag probe start in the background once Kafka answers (`shared.connection`),
so the app serves, and reports the broker down, while Kafka is unreachable.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from services.matcher.adapters.checkin_store import MongoCheckinAnswers
from services.matcher.adapters.coordinator import Coordinator
from services.matcher.adapters.followup_relay import FollowupRelay
from services.matcher.adapters.followup_store import MongoFollowups
from services.matcher.adapters.monitor import monitor
from services.matcher.adapters.pairing_store import MongoPairings
from services.matcher.adapters.people_store import MongoPeople
from services.matcher.adapters.relay import Relay
from services.matcher.adapters.round_clock import RoundClock, Timers
from services.matcher.adapters.round_store import MongoRounds
from services.matcher.adapters.slot_store import MongoSlots
from services.matcher.adapters.sweeper import Sweeper
from services.matcher.settings import MatcherSettings
from services.matcher.usecases.directory import ProgramDirectory
from services.matcher.usecases.followups import FollowupPorts
from services.matcher.usecases.step import ProgramMatcher
from services.matcher.usecases.work import MatchWork
from shared.commands import RespondToPairing
from shared.connection import BrokerConnection
from shared.envelope import utc_now
from shared.health import Check
from shared.kafka import dead_letter
from shared.lag import LagProbe
from shared.mongo import mongo_client, ping
from shared.program_records import MongoProgramRecords
from shared.programs import ContinuousSchedule
from shared.publisher import BrokerPublisher, Message
from shared.runtime import runtime_of


class Runtime:
    def __init__(
        self,
        settings: MatcherSettings,
        broker: KafkaBroker,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings, self._broker, self._topics = settings, broker, settings.topics
        self.clock = clock
        self._client = mongo_client(settings.mongodb_uri)
        self.publisher = BrokerPublisher(broker)
        self.answer_links = settings.answer_links()
        db = self._client[settings.mongodb_database]
        self.people, self.pairings, self.slots = MongoPeople(db), MongoPairings(db), MongoSlots(db)
        self.rounds = MongoRounds(db)
        self.programs = MongoProgramRecords(db)
        self.followups, self.checkin_answers = MongoFollowups(db), MongoCheckinAnswers(db)
        self.directory = ProgramDirectory(
            self.programs,
            defaults=settings.policy,
            deployment=settings.program_policies,
            without_record=ContinuousSchedule(settle_minutes=settings.settle_minutes),
        )
        self._timers = Timers(self.forward)
        self.matcher = ProgramMatcher(
            people=self.people,
            pairings=self.pairings,
            slots=self.slots,
            relay=Relay(self.pairings, self.publisher, topic=self._topics.pairings),
            settings_for=self.directory.settings_for,
            rounds=self.rounds,
            wake=self._timers,
            proposal_ttl=settings.proposal_ttl,
            orphan_slot_after=settings.orphan_slot_after,
            clock=clock,
            followups=FollowupPorts(
                self.followups,
                self.checkin_answers,
                FollowupRelay(self.followups, self.publisher, topic=self._topics.pairings),
                settings.followups,
            ),
        )
        self.coordinator = Coordinator(
            self._work_consumer(),
            self.matcher,
            topic=self._topics.match_work,
            window=settings.batch_window_ms / 1000,
            max_records=settings.max_batch_records,
            retry_seconds=settings.dead_letter_retry_seconds,
            dead_letter=partial(dead_letter, broker),
        )
        self._groups = {
            settings.group(settings.people_group_id): self._topics.profile_changes,
            settings.group(settings.programs_group_id): self._topics.program_changes,
            settings.group(settings.responses_group_id): self._topics.pairing_responses,
            settings.group(settings.work_group_id): self._topics.match_work,
        }
        self._probe = LagProbe(settings.kafka_bootstrap_servers)
        self.connection = BrokerConnection(
            broker,
            clients=[self.coordinator, self._probe],
            retry_seconds=settings.broker_retry_seconds,
        )
        self._sweeper = Sweeper(
            self.pairings,
            self.slots,
            self.forward,
            stuck_after=settings.outbox_stuck_after,
            orphan_after=settings.orphan_slot_after,
            window=3 * timedelta(seconds=settings.sweep_interval_seconds),
            clock=clock,
            followups=self.followups,
        )
        self._clock = RoundClock(
            self.directory.with_records,
            self.rounds,
            self.forward,
            catch_up=timedelta(hours=settings.round_catch_up_hours),
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
        """Indexes first; then Kafka in the background, and the sweeper and the monitor once it
        answers (both publish or read through it)."""
        stores = (self.people, self.pairings, self.slots, self.programs, self.rounds)
        for store in (*stores, self.followups, self.checkin_answers):
            await store.ensure_indexes()
        self.connection.start()
        every = self._settings
        sweep = partial(self._sweeper.run, every=every.sweep_interval_seconds)
        measure = partial(
            monitor,
            self._probe,
            self._groups,
            self.pairings,
            every=every.lag_interval_seconds,
            count_every=every.state_count_interval_seconds,
        )
        rounds = partial(self._clock.run, every=every.round_clock_seconds)
        self._tasks = [
            asyncio.create_task(self._once_connected(run)) for run in (sweep, measure, rounds)
        ]

    async def _once_connected(self, run: Callable[[], Awaitable[None]]) -> None:
        await self.connection.ready.wait()
        await run()

    async def stop(self) -> None:
        """Background tasks first, then the work step in flight, then the broker."""
        self._timers.cancel()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.connection.stop()
        await self._client.close()

    @property
    def checks(self) -> dict[str, Check]:
        """What readiness asks: the store, the broker, and whether the work consumer runs."""

        async def work_consumer() -> bool:
            return self.coordinator.running

        return {
            "store": lambda: ping(self._client),
            "broker": self.connection.alive,
            "work_consumer": work_consumer,
        }

    async def forward(self, work: MatchWork) -> None:
        topic = self._topics.match_work
        await self.publisher.publish(Message.of(topic, work.data.program_id, work))

    async def send_answer(self, command: RespondToPairing) -> None:
        topic = self._topics.pairing_responses
        await self.publisher.publish(Message.of(topic, command.data.pairing_id, command))


def current(app: FastAPI) -> Runtime:
    """The runtime handed over to `app` (for what runs outside a request's dependencies)."""
    runtime: Runtime = runtime_of(app)
    return runtime
