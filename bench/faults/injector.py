"""Carries a fault schedule out: signals to the service processes, the stack script for the
broker and the store, the switch of the mail server. Records when each fault really ran."""

import asyncio
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.faults.schedule import PROCESS_KINDS, Fault
from bench.faults.smtp import SwitchableSmtp
from deploy.processes import System

READY_WITHIN = 180.0


@dataclass(frozen=True)
class Injected:
    fault: Fault
    started: float  # seconds after the run started
    recovered: float


@dataclass
class Injector:
    system: System
    smtp: SwitchableSmtp
    stack: Path  # deploy/local/stack.sh, with the run's LOCAL_* ports in the environment
    started: float
    done: list[Injected] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started

    async def run(self, faults: list[Fault]) -> None:
        """The process faults one after another, the SMTP faults beside them."""
        side = [asyncio.create_task(self._timed(f)) for f in faults if f.kind not in PROCESS_KINDS]
        for fault in (f for f in faults if f.kind in PROCESS_KINDS):
            await self._timed(fault)
        await asyncio.gather(*side)

    async def _timed(self, fault: Fault) -> None:
        await asyncio.sleep(max(0.0, fault.at - self.now()))
        began = self.now()
        print(f"[t+{began:6.1f}s] fault: {fault.kind} {fault.target}", flush=True)
        await self._inject(fault)
        self.done.append(Injected(fault, began, self.now()))

    async def _inject(self, fault: Fault) -> None:
        if fault.kind == "kill":
            await self._kill(fault.target, fault.seconds)
        elif fault.kind == "pause":
            await self._pause(fault.target, fault.seconds)
        elif fault.kind == "broker_restart":
            await self._restart("kafka", fault.seconds)
        elif fault.kind == "store_restart":
            await self._restart("store", fault.seconds)
        elif fault.kind == "smtp_down":
            self.smtp.down()
            await asyncio.sleep(fault.seconds)
            self.smtp.up()
        elif fault.kind == "smtp_tempfail":
            self.smtp.set_tempfail(True)
            await asyncio.sleep(fault.seconds)
            self.smtp.set_tempfail(False)

    async def _kill(self, service: str, down: float) -> None:
        process = self.system.processes[service]
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait)
        await asyncio.sleep(down)
        self.system.start_service(service)
        await self._ready()

    async def _pause(self, service: str, seconds: float) -> None:
        pid = self.system.processes[service].pid
        os.kill(pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)
        await self._ready()

    async def _restart(self, part: str, down: float) -> None:
        await self._stack(f"stop-{part}")
        await asyncio.sleep(down)
        await self._stack(f"start-{part}")
        await self._ready()

    async def _stack(self, verb: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            str(self.stack), verb, stdout=asyncio.subprocess.DEVNULL
        )
        if await proc.wait() != 0:
            raise RuntimeError(f"{self.stack} {verb} failed")

    async def _ready(self) -> None:
        await asyncio.to_thread(self.system.wait_ready, within=READY_WITHIN)

    def kills_of(self, service: str) -> list[float]:
        return [
            i.started for i in self.done if i.fault.kind == "kill" and i.fault.target == service
        ]
