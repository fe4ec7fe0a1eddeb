"""Generates the contract documents under `docs/`: a JSON Schema per message type and an AsyncAPI
document per service. `python -m deploy.docs` writes them; `--check` fails when any is stale
(a test runs the check, so the committed documents always match the code).
"""

import importlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from faststream.specification import AsyncAPI
from pydantic import BaseModel

from shared import commands, events

DOCS = Path(__file__).resolve().parent.parent / "docs"
SERVICES = ("profiles", "matcher", "notifier")
MESSAGES: list[type[BaseModel]] = [
    commands.UpdateProfile,
    commands.RespondToPairing,
    events.ProfileChanged,
    events.ProfileDeleted,
    events.ProgramChanged,
    events.PairingProposed,
    events.PairingCancelled,
    events.PairingActivated,
    events.PairingReminded,
    events.CheckinOpened,
    events.CheckinNudged,
    events.CheckinAnswered,
    events.PairingFlagged,
    events.NotificationSent,
    events.NotificationFailed,
]


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def json_schemas() -> dict[str, str]:
    out = {}
    for model in MESSAGES:
        event_type = model.model_fields["event_type"].default
        version = model.model_fields["schema_version"].default
        out[f"schemas/{event_type}.v{version}.json"] = _dump(model.model_json_schema())
    return out


def asyncapi_documents() -> dict[str, str]:
    """One AsyncAPI document per service that exists, from its own broker's subscribers."""
    out = {}
    for name in SERVICES:
        try:
            app_module = importlib.import_module(f"services.{name}.app")
            settings_module = importlib.import_module(f"services.{name}.settings")
        except ModuleNotFoundError:
            continue
        settings_cls = next(  # the service's own, not a shared one it builds on
            getattr(settings_module, attr)
            for attr in dir(settings_module)
            if attr.endswith("Settings")
            and getattr(settings_module, attr).__module__ == settings_module.__name__
        )
        with _defaults_only():
            app = app_module.create_app(settings_cls())
        spec = AsyncAPI(app.state.broker, title=f"{name} service", version="1.0.0")
        out[f"asyncapi/{name}.json"] = _dump(spec.to_specification().to_jsonable())
    return out


@contextmanager
def _defaults_only() -> Iterator[None]:
    """Documents describe the defaults, not whatever the current environment configures."""
    saved = os.environ.copy()
    prefixes = ("KAFKA_", "MONGODB_", "TOPIC_PREFIX", "LOG_", *(f"{s.upper()}_" for s in SERVICES))
    for name in [n for n in os.environ if n.startswith(prefixes)]:
        del os.environ[name]
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def documents() -> dict[str, str]:
    return json_schemas() | asyncapi_documents()


def stale(root: Path = DOCS) -> list[str]:
    return [
        path
        for path, text in documents().items()
        if not (root / path).is_file() or (root / path).read_text() != text
    ]


def write(root: Path = DOCS) -> None:
    for path, text in documents().items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


if __name__ == "__main__":
    if "--check" in sys.argv:
        if outdated := stale():
            sys.exit(f"stale: {', '.join(outdated)}; run python -m deploy.docs")
    else:
        write()
