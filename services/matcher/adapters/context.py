"""What the matcher's edges (subscribers and HTTP routes) get of its runtime, and how.

The root builds one runtime in the app's lifespan and hands it over once (`shared.runtime`):
subscribers take it from FastStream's context (`runtime: Runtime = Context()`), routes through
`RuntimeDep`. The edges see it through this protocol, so they never import the root.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Protocol

from fastapi import Depends, Request

from services.matcher.usecases.directory import ProgramDirectory, ProgramRecords
from services.matcher.usecases.followup_ports import CheckinAnswers
from services.matcher.usecases.ports import PairingStore, PeopleStore
from services.matcher.usecases.round_log import RoundStore
from services.matcher.usecases.work import MatchWork
from shared.answer_links import AnswerLinks
from shared.commands import RespondToPairing
from shared.runtime import runtime_of


class Runtime(Protocol):
    @property
    def people(self) -> PeopleStore: ...
    @property
    def pairings(self) -> PairingStore: ...
    @property
    def rounds(self) -> RoundStore: ...
    @property
    def programs(self) -> ProgramRecords: ...
    @property
    def directory(self) -> ProgramDirectory: ...
    @property
    def checkin_answers(self) -> CheckinAnswers: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    async def forward(self, work: MatchWork) -> None: ...
    async def send_answer(self, command: RespondToPairing) -> None: ...
    @property
    def answer_links(self) -> AnswerLinks | None: ...


async def current_runtime(request: Request) -> Runtime:
    runtime: Runtime = runtime_of(request.app)
    return runtime


RuntimeDep = Annotated[Runtime, Depends(current_runtime)]
