"""Logs are JSON lines with correlation ids, and never hold API keys or email addresses."""

import io
import json

import httpx
import pytest

from tests.builders.profiles import profile_fields
from tests.integration.profiles.conftest import ADMIN

pytestmark = pytest.mark.integration


async def test_request_logs_carry_the_correlation_id_and_no_key_or_email(
    json_logs: io.StringIO, client: httpx.AsyncClient, unique: str
) -> None:
    email = f"secret-{unique}@example.org"
    fields = profile_fields(email=email, program_id=unique).model_dump(mode="json")
    headers = {"X-Correlation-ID": f"trace-{unique}"}
    await client.post("/profiles", json=fields, headers=headers)
    await client.post("/profiles", json=fields, headers=headers)  # 409: same email
    await client.post("/profiles", json=fields | {"email": f"broken {email}"}, headers=headers)

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]

    requests = [line for line in lines if line.get("event") == "request"]
    assert [r["status"] for r in requests] == [201, 409, 422]
    assert all(r["correlation_id"] == f"trace-{unique}" for r in requests)
    text = json.dumps(lines)
    assert ADMIN not in text and email not in text and f"{unique}@" not in text
