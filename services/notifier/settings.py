"""The notifier's settings, read from `NOTIFIER_*` variables (shared endpoints, the answer links
and the meeting series have no prefix)."""

import secrets
from datetime import timedelta
from typing import Literal, Self

from pydantic import EmailStr, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.notifier.compose import MeetingPolicy, Program
from services.notifier.mailer import SmtpConfig
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.answer_links import AnswerLinkSettings
from shared.meeting_settings import MeetingSettings
from shared.retry import RetryPolicy
from shared.settings import CommonSettings

# aiokafka's default `max_poll_interval_ms`: a handler that runs longer loses its partitions.
MAX_POLL_INTERVAL_SECONDS = 300.0
EMAILS_PER_EVENT = 2


class NotifierSettings(CommonSettings, AnswerLinkSettings, MeetingSettings):
    model_config = CommonSettings.model_config | SettingsConfigDict(env_prefix="NOTIFIER_")

    mongodb_database: str = "notifier"
    http_port: int = 8003
    group_id: str = Field(default="notifier", description="Consumer group on the pairing topic.")
    programs_group_id: str = Field(
        default="notifier-programs", description="Consumer group on the program topic."
    )
    program_mailbox: EmailStr = Field(
        default="mentoring@example.org",
        description="From address and calendar ORGANIZER of programs without a record.",
    )
    program_name: str = Field(default="Reverse Mentoring", min_length=1, max_length=100)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="starttls", description="`starttls` requires STARTTLS; `tls` is implicit TLS."
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_ca_file: str | None = Field(default=None, description="Extra CA bundle to trust.")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, description="Per delivery attempt.")

    retry_attempts: int = Field(default=4, ge=1, description="SMTP attempts per email per event.")
    retry_base_seconds: float = Field(default=0.5, ge=0)
    retry_max_delay_seconds: float = Field(default=4.0, ge=0)
    claim_lease_seconds: float = Field(
        default=180.0, gt=0, description="A claim older than this is taken over (crash recovery)."
    )

    invite_key: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_hex(32)),
        description=(
            "Key of the invite UIDs (a keyed hash of the pairing id). Set it so that every "
            "replica and restart names a pairing's invite alike; the UID is stored with the "
            "pairing's schedule, so a new key changes only the UIDs of new pairings."
        ),
    )
    inbound_host: str = Field(default="127.0.0.1", description="Where calendar replies arrive.")
    inbound_port: int | None = Field(
        default=None,
        gt=0,
        lt=65536,
        description="Port of the inbound LMTP/SMTP endpoint for calendar replies; unset: none.",
    )
    inbound_protocol: Literal["lmtp", "smtp"] = Field(
        default="lmtp", description="LMTP behind a mail server (recommended), or plain SMTP."
    )

    program_weeks: int = Field(default=26, ge=1, le=260, description="Length of the series.")
    alarm_minutes_before: int = Field(
        default=30,
        ge=0,
        le=7 * 24 * 60,
        description="The invite's alarm, minutes before each meeting (0: at its start), for "
        "programs that set none (`alarm_minutes_before` of the program record).",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8003",
        description="The notifier's public address, as mail clients and browsers reach it: "
        "reminders' unsubscribe links point here (https in production; RFC 8058).",
    )

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.retry_attempts,
            base_delay=self.retry_base_seconds,
            max_delay=self.retry_max_delay_seconds,
        )

    @property
    def send_budget_seconds(self) -> float:
        """The longest one email can take, every attempt timing out and every back-off maximal."""
        return self.retry.worst_case(self.smtp_timeout_seconds)

    @model_validator(mode="after")
    def _fits_the_poll_interval(self) -> Self:
        if self.send_budget_seconds * EMAILS_PER_EVENT >= MAX_POLL_INTERVAL_SECONDS:
            raise ValueError("retries would stall the consumer past its poll interval")
        if self.claim_lease_seconds <= self.send_budget_seconds:
            raise ValueError("claim_lease_seconds must exceed the longest delivery")
        return self

    @property
    def claim_lease(self) -> timedelta:
        return timedelta(seconds=self.claim_lease_seconds)

    @property
    def smtp(self) -> SmtpConfig:
        password = self.smtp_password.get_secret_value() if self.smtp_password else None
        return SmtpConfig(
            host=self.smtp_host,
            port=self.smtp_port,
            security=self.smtp_security,
            username=self.smtp_username,
            password=password,
            ca_file=self.smtp_ca_file,
            timeout=self.smtp_timeout_seconds,
        )

    @property
    def program(self) -> Program:
        return Program(mailbox=str(self.program_mailbox), name=self.program_name)

    @property
    def alarm(self) -> timedelta:
        return timedelta(minutes=self.alarm_minutes_before)

    def unsubscribe_links(self) -> UnsubscribeLinks | None:
        """Signed with the answer links' keys (a salt of their own); no keys: no links."""
        keys = self.signing_keys
        return UnsubscribeLinks(keys, base_url=self.public_base_url) if keys else None

    @property
    def meetings(self) -> MeetingPolicy:
        """The series for programs without a record: as many meetings as fit `program_weeks`."""
        return self.meeting_policy(count=-(-self.program_weeks // self.meeting_interval_weeks))
