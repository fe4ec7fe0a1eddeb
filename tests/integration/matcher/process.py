"""The matcher as a separate OS process, configured from a `MatcherSettings`, for crash tests."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from pydantic import AliasChoices

from services.matcher.settings import MatcherSettings
from tests.helpers import free_port


def environment(settings: MatcherSettings, *, http_port: int) -> dict[str, str]:
    """Every setting as the variable `MatcherSettings()` reads it back from in the child."""
    env: dict[str, str] = {}
    values = settings.model_dump(mode="json") | {"http_port": http_port}
    for name, field in MatcherSettings.model_fields.items():
        alias = field.validation_alias
        variable = (
            str(alias.choices[0]) if isinstance(alias, AliasChoices) else f"MATCHER_{name.upper()}"
        )
        value = values[name]
        env[variable] = json.dumps(value) if isinstance(value, dict | bool) else str(value)
    return env


class MatcherProcess:
    """`python -m services.matcher` with its output in `log`; start, wait until ready, kill."""

    def __init__(self, settings: MatcherSettings, log: Path) -> None:
        self._settings, self._log = settings, log
        self._port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, *, within: float = 60.0) -> None:
        env = dict(os.environ) | environment(self._settings, http_port=self._port)
        with self._log.open("ab") as out:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "services.matcher"], env=env, stdout=out, stderr=out
            )
        deadline = time.monotonic() + within
        while not self._ready():
            if self._process.poll() is not None:
                raise RuntimeError(f"matcher exited with {self._process.returncode}; {self._log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"matcher not ready within {within} s; see {self._log}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no lifespan shutdown, no commit, no flush; the crash under test."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()
        self._process = None

    def _ready(self) -> bool:
        url = f"http://127.0.0.1:{self._port}/health/ready"
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False
