"""Operator actions through the services' HTTP APIs, each with an API key.

Kept apart from `ops` (which talks to the broker) so the CLI stays thin and these are tested
with an `httpx.MockTransport` or against a running service.
"""

import json
import time
from typing import Any, Literal

import httpx

Decision = Literal["accept", "decline", "end", "rematch"]


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


def start_round(client: httpx.Client, program_id: str, *, command_id: str) -> str:
    """Ask the matcher to run a round of the program (a key with `admin`); returns the round's
    id. Sending the same `command_id` again runs the round once."""
    response = client.post(f"/programs/{program_id}/rounds", json={"command_id": command_id})
    if response.status_code != httpx.codes.ACCEPTED:
        raise Refused(f"{response.status_code}: {_reason(response)}")
    return str(response.json()["round_id"])


def round_status(client: httpx.Client, program_id: str, round_id: str) -> dict[str, Any] | None:
    """The round as recorded, or None while it is not planned yet."""
    response = client.get(f"/programs/{program_id}/rounds/{round_id}")
    if response.status_code == httpx.codes.NOT_FOUND:
        return None
    if response.status_code != httpx.codes.OK:
        raise Refused(f"{response.status_code}: {_reason(response)}")
    found: dict[str, Any] = response.json()
    return found


def wait_for_round(
    client: httpx.Client, program_id: str, round_id: str, *, within: float, every: float = 0.5
) -> dict[str, Any]:
    """Poll until the round is done; TimeoutError after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = round_status(client, program_id, round_id)
        if found is not None and found["state"] == "done":
            return found
        time.sleep(every)
    raise TimeoutError(f"round {round_id} not done within {within:g} s")


def preview_round(client: httpx.Client, program_id: str) -> dict[str, Any]:
    """What a round of the program would propose now (a key with `admin`)."""
    response = client.get(f"/programs/{program_id}/preview", timeout=600)
    if response.status_code != httpx.codes.OK:
        raise Refused(f"{response.status_code}: {_reason(response)}")
    found: dict[str, Any] = response.json()
    return found


def put_program(
    client: httpx.Client, program_id: str, body: dict[str, Any], *, if_match: int | None = None
) -> tuple[dict[str, Any], bool]:
    """Create or replace a program (a key with `admin`); returns the stored record and whether
    it was created. `if_match`: only if this is the current version (0: only create)."""
    headers = {} if if_match is None else {"If-Match": f'"{if_match}"'}
    response = client.put(f"/programs/{program_id}", json=body, headers=headers)
    if response.status_code not in (httpx.codes.OK, httpx.codes.CREATED):
        raise Refused(f"{response.status_code}: {_reason(response)}")
    return response.json(), response.status_code == httpx.codes.CREATED


def get_program(client: httpx.Client, program_id: str) -> dict[str, Any]:
    """A program's record (a key with `read`)."""
    response = client.get(f"/programs/{program_id}")
    if response.status_code != httpx.codes.OK:
        raise Refused(f"{response.status_code}: {_reason(response)}")
    found: dict[str, Any] = response.json()
    return found


def list_programs(client: httpx.Client) -> list[dict[str, Any]]:
    """Every program's record, in id order, page after page (a key with `read`)."""
    found: list[dict[str, Any]] = []
    params: dict[str, str] = {}
    while True:
        response = client.get("/programs", params=params)
        if response.status_code != httpx.codes.OK:
            raise Refused(f"{response.status_code}: {_reason(response)}")
        page = response.json()
        found.extend(page["items"])
        if page["next_cursor"] is None:
            return found
        params = {"after": page["next_cursor"]}


def program_report(
    client: httpx.Client, program_id: str, *, as_json: bool, personal: bool = False
) -> str:
    """The program's report (a key with `read`; `personal` needs `admin`): the HTML page, or
    with `as_json` its figures as indented JSON."""
    path = f"/programs/{program_id}/report" + ("" if as_json else ".html")
    response = client.get(path, params={"personal": "true"} if personal else {})
    if response.status_code != httpx.codes.OK:
        raise Refused(f"{response.status_code}: {_reason(response)}")
    return json.dumps(response.json(), indent=2) + "\n" if as_json else response.text


def _reason(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return response.text[:200]
    if isinstance(detail, list):  # validation: one reason per field
        return "; ".join(_field_reason(item) for item in detail)
    return str(detail)


def _field_reason(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    where = ".".join(str(part) for part in item.get("loc", []) if part != "body")
    return f"{where}: {item.get('msg')}" if where else str(item.get("msg"))
