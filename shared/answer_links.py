"""One-click answers: the signed token in each email's accept, decline, end, check-in and
re-match links.

The notifier issues the tokens, the matcher reads them; both hold the same keys. A token binds
one pairing, one person, one action and the pairing's sequence when the email went out, with the
email's language (the page speaks it) and an expiry (a proposal's link dies with the proposal);
a check-in link also names its check-in. A check-in link may carry one preselected answer in its
query (`?met=yes`), outside the signature: it only fills in the form the person then sends.
Tokens issued before check-ins existed carry no check-in id and stay valid.
`itsdangerous` signs it (HMAC-SHA256 over a key derived for this one use, compared in constant
time); several keys can be valid at once, newest last: it signs with the newest and
accepts any, so a key is rotated by adding the new one, then dropping the old one once the links
signed with it have expired.
"""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Literal, Self, TypeVar, get_args
from urllib.parse import urlencode

from itsdangerous import BadData, URLSafeSerializer
from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings

Action = Literal["accept", "decline", "end", "checkin", "rematch"]
ACTIONS: tuple[Action, ...] = get_args(Action)
_SALT = "pairing-answer-link"
MIN_KEY_LENGTH = 16
_Shape = TypeVar("_Shape", bound=BaseModel)


PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never pass it on
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
}
"""Headers of every page a signed link opens (answers, check-ins, unsubscribing)."""


class BadLink(ValueError):
    """The token was not issued here: malformed, tampered with, or signed by a key not held."""


class ExpiredLink(ValueError):
    """The token was issued here, but what it answers has expired."""

    def __init__(self, claims: "AnswerClaims") -> None:
        super().__init__("the link has expired")
        self.claims = claims


@dataclass(frozen=True)
class AnswerClaims:
    """What one link lets its holder do, and only that."""

    pairing_id: str
    person_id: str
    action: Action
    sequence: int
    language: str
    expires_at: datetime
    checkin_id: str | None = None  # only for `checkin` links


class _Payload(BaseModel):
    """The signed payload's shape: checked again on reading (a key holder could sign anything)."""

    pairing_id: str = Field(min_length=1, max_length=200)
    person_id: str = Field(min_length=1, max_length=200)
    action: Action
    sequence: int = Field(ge=0)
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    expires_at: datetime
    checkin_id: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _checkin_named(self) -> Self:
        if (self.action == "checkin") != (self.checkin_id is not None):
            raise ValueError("a check-in link, and only one, names its check-in")
        return self


def signer(keys: Sequence[str], *, salt: str) -> URLSafeSerializer:
    """Signs with the newest of `keys` and accepts any; `salt` derives a key of its own for each
    kind of token, so no kind passes for another."""
    if not keys:
        raise ValueError("at least one signing key is needed")
    return URLSafeSerializer(list(keys), salt=salt, signer_kwargs={"digest_method": hashlib.sha256})


def read_signed(serializer: URLSafeSerializer, token: str, shape: type[_Shape]) -> _Shape:
    """The payload of a token signed with one of the keys, in its `shape`; `BadLink` if it was not
    issued here or does not have that shape."""
    try:
        return shape.model_validate(serializer.loads(token))
    except (BadData, ValidationError, ValueError, TypeError) as exc:
        raise BadLink("the link is not valid") from exc


class AnswerLinks:
    """Issues and reads answer tokens, and builds the links that carry them."""

    def __init__(self, keys: Sequence[str], *, base_url: str) -> None:
        self._serializer = signer(keys, salt=_SALT)
        self.base_url = base_url.rstrip("/")

    def token(self, claims: AnswerClaims) -> str:
        payload = asdict(claims) | {"expires_at": int(claims.expires_at.timestamp())}
        if claims.checkin_id is None:
            del payload["checkin_id"]  # the links without one read as they always did
        return str(self._serializer.dumps(payload))

    def url(self, claims: AnswerClaims, preselect: Mapping[str, str] | None = None) -> str:
        """The link; `preselect` (a check-in link's one-click answer, e.g. `{"met": "yes"}`)
        goes into the query, unsigned: the page only shows it chosen in the form."""
        query = f"?{urlencode(dict(preselect))}" if preselect else ""
        return f"{self.base_url}/answers/{self.token(claims)}{query}"

    def read(self, token: str, *, now: datetime) -> AnswerClaims:
        """The claims of a token issued with one of the keys; `BadLink` or `ExpiredLink`."""
        claims = AnswerClaims(**read_signed(self._serializer, token, _Payload).model_dump())
        if now >= claims.expires_at:
            raise ExpiredLink(claims)
        return claims


def expiry(instant: datetime) -> datetime:
    """An expiry as the token keeps it: whole seconds, UTC."""
    return datetime.fromtimestamp(int(instant.timestamp()), UTC)


class AnswerLinkSettings(BaseSettings):
    """The answer links' settings, shared by the notifier (issues) and the matcher (reads), so
    read without a service prefix. No key: no links in the emails, and every answer page says the
    link is not valid."""

    answer_link_keys: list[SecretStr] = Field(
        default_factory=list,
        validation_alias=AliasChoices("ANSWER_LINK_KEYS"),
        description="Signing keys as a JSON list, newest last; two during a rotation.",
    )
    answer_link_base_url: str = Field(
        default="http://127.0.0.1:8002",
        validation_alias=AliasChoices("ANSWER_LINK_BASE_URL"),
        description="The matcher's public address, as people's browsers reach it.",
    )

    @field_validator("answer_link_keys")
    @classmethod
    def _keys_are_long_enough(cls, keys: list[SecretStr]) -> list[SecretStr]:
        if any(len(key.get_secret_value()) < MIN_KEY_LENGTH for key in keys):
            raise ValueError(f"answer link keys need at least {MIN_KEY_LENGTH} characters")
        return keys

    @property
    def signing_keys(self) -> list[str]:
        """The keys as `signer` takes them, newest last."""
        return [key.get_secret_value() for key in self.answer_link_keys]

    def answer_links(self) -> AnswerLinks | None:
        keys = self.signing_keys
        return AnswerLinks(keys, base_url=self.answer_link_base_url) if keys else None
