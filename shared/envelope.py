"""The envelope every message on every topic shares.

Each concrete event or command fixes `event_type` and `schema_version` as literals, so a reader can
tell versions apart and a discriminated union parses a topic that carries several types.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """Fields common to every message. Unknown fields are ignored, required ones enforced."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: UUID = Field(default_factory=uuid4, description="Unique per message; used to dedupe.")
    event_type: str
    schema_version: int
    occurred_at: AwareDatetime = Field(
        default_factory=utc_now, description="When it happened, UTC."
    )
    producer: str = Field(description="The service or team that produced it.", examples=["hr-sync"])
    correlation_id: str | None = Field(
        default=None, max_length=128, description="Carried through every message this one causes."
    )

    def headers(self) -> dict[str, str]:
        """Kafka headers that let routers and dead-letter tooling read a message without parsing it."""
        headers = {
            "event_type": self.event_type,
            "schema_version": str(self.schema_version),
            "event_id": str(self.event_id),
            "producer": self.producer,
            "content-type": "application/json",
        }
        if self.correlation_id:
            headers["correlation_id"] = self.correlation_id
        return headers

    def caused(self, **fields: Any) -> dict[str, Any]:
        """Envelope fields for a message caused by this one: same correlation id."""
        return {"correlation_id": self.correlation_id or str(self.event_id), **fields}
