"""Unsubscribing from reminders: the signed token in a reminder's List-Unsubscribe link. Pure.

A token names one person and the language of the email it came in (the confirmation page speaks
it); whoever holds it may stop that person's reminders and nudges, and nothing else: the
pairing's own notices and the check-ins still come. It never expires (RFC 8058 asks that the
link keep working) and is signed like the answer links, with the same keys (`ANSWER_LINK_KEYS`,
newest last, any accepted) but a salt of its own, so neither kind of token passes for the other.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from shared.answer_links import read_signed, signer

_SALT = "reminder-unsubscribe"


@dataclass(frozen=True)
class Unsubscriber:
    """Who a link unsubscribes, and the language their page speaks."""

    person_id: str
    language: str


class _Payload(BaseModel):
    person_id: str = Field(min_length=1, max_length=200)
    language: str = Field(pattern=r"^[a-z]{2,3}$")


class UnsubscribeLinks:
    """Issues and reads unsubscribe tokens, and builds the links (`<base>/unsubscribe/<token>`)."""

    def __init__(self, keys: Sequence[str], *, base_url: str) -> None:
        self._serializer = signer(keys, salt=_SALT)
        self.base_url = base_url.rstrip("/")

    def url(self, person_id: str, language: str) -> str:
        token = self._serializer.dumps({"person_id": person_id, "language": language})
        return f"{self.base_url}/unsubscribe/{token}"

    def read(self, token: str) -> Unsubscriber:
        """Who the token names; `BadLink` if it was not issued with one of the keys."""
        payload = read_signed(self._serializer, token, _Payload)
        return Unsubscriber(payload.person_id, payload.language)
