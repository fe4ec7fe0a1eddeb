"""A program's people as the browser tests see them: added through the profiles API, their
delivered emails (`.eml` files from the SMTP sink) and the answer links in them."""

import email
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from deploy import ops
from deploy.processes import System
from shared.answer_links import AnswerLinks
from shared.envelope import utc_now
from shared.events import PairingEvent
from shared.topics import Topics
from tests.builders.profiles import profile_fields
from tests.helpers import eventually

LINK = re.compile(r"http://127\.0\.0\.1:\d+/answers/[A-Za-z0-9_.\-]+")


class Inbox:
    """One program's people, their delivered emails, and the links in them."""

    def __init__(self, system: System, unique: str) -> None:
        self.system, self.program = system, f"prog-{unique}"
        self.links = AnswerLinks([system.config.answer_link_key], base_url="")

    def client(self, service: str) -> httpx.AsyncClient:
        headers = {"X-API-Key": self.system.config.api_key}
        return httpx.AsyncClient(base_url=self.system.config.url(service), headers=headers)

    async def add(self, name: str, year: int, offers: Any, wants: Any, languages: list[str]) -> str:
        fields = profile_fields(
            program_id=self.program,
            name=name,
            email=f"{name.lower()}.{self.program}@example.org",
            birth_year=year,
            languages=languages,
            skills_offered=offers,
            skills_wanted=wants,
            department=f"dept-{name}",
        )
        async with self.client("profiles") as client:
            response = await client.post("/profiles", json=fields.model_dump(mode="json"))
        response.raise_for_status()
        return str(response.json()["id"])

    def emails(self, name: str) -> list[EmailMessage]:
        address = f"{name.lower()}.{self.program}@example.org"
        found = []
        for path in sorted(Path(self.system.config.mail_dir).glob(f"*-{address}.eml")):
            parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found

    async def link(self, name: str, action: str) -> str:
        """The `action` link in the newest email to `name` that has one (waits for it)."""

        def find() -> str | None:
            for mail in reversed(self.emails(name)):
                body = mail.get_body(preferencelist=("plain",))
                assert body is not None
                for url in LINK.findall(body.get_content()):
                    if self.links.read(url.rsplit("/", 1)[1], now=utc_now()).action == action:
                        return str(url)
            return None

        found: str = await eventually(find, within=60)
        return found

    async def history(self) -> list[PairingEvent]:
        topics = Topics(prefix=self.system.config.topic_prefix)
        everything = await ops.pairing_histories(
            self.system.config.kafka_bootstrap_servers, topics.pairings
        )
        ours = [e for e in everything.values() if e[0].data.program_id == self.program]
        assert len(ours) <= 1
        return ours[0] if ours else []

    async def state(self, pairing_id: str) -> str:
        async with self.client("matcher") as client:
            response = await client.get(f"/pairings/{pairing_id}")
        return str(response.json()["state"])
