"""Operator actions through the services' HTTP APIs, each with an API key.

Kept apart from `ops` (which talks to the broker) so the CLI stays thin and these are tested
with an `httpx.MockTransport` or against a running service.
"""

from typing import Literal

import httpx

Decision = Literal["accept", "decline", "end"]


class Refused(Exception):
    """The service refused the request; the message is its status and reason."""


def answer_pairing(
    client: httpx.Client,
    pairing_id: str,
    *,
    person_id: str,
    decision: Decision,
    reason: str | None = None,
) -> str:
    """Answer for one of the pairing's two people (a key with `respond` or `admin`); returns the
    id of the command the matcher published."""
    body = {"person_id": person_id, "decision": decision, "reason": reason}
    response = client.post(f"/pairings/{pairing_id}/responses", json=body)
    if response.status_code != httpx.codes.ACCEPTED:
        raise Refused(f"{response.status_code}: {_reason(response)}")
    return str(response.json()["event_id"])


def _reason(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return response.text[:200]
    return str(detail)
