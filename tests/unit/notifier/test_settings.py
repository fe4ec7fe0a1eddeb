"""Settings that would stall the consumer or let a live sender be overtaken are refused."""

import pytest
from pydantic import ValidationError

from services.notifier.settings import NotifierSettings


def test_defaults_fit_twice_in_the_poll_interval_and_inside_the_lease() -> None:
    settings = NotifierSettings()

    # 4 attempts of 10 s each, and back-offs of 0.5, 1 and 2 s between them
    assert settings.send_budget_seconds == 4 * 10 + 0.5 + 1 + 2
    assert settings.send_budget_seconds * 2 < 300
    assert settings.claim_lease_seconds > settings.send_budget_seconds
    assert settings.meetings.count == 13  # 26 weeks, every 2 weeks


def test_retries_longer_than_the_poll_interval_are_refused() -> None:
    with pytest.raises(ValidationError, match="poll interval"):
        NotifierSettings(retry_attempts=10, smtp_timeout_seconds=30, claim_lease_seconds=1000)


def test_two_deliveries_of_exactly_the_poll_interval_are_refused_and_a_little_less_is_not() -> None:
    # 5 attempts of 28.5 s and back-offs of 0.5, 1, 2 and 4 s: 150 s, twice is 300 s
    with pytest.raises(ValidationError, match="poll interval"):
        NotifierSettings(retry_attempts=5, smtp_timeout_seconds=28.5, claim_lease_seconds=1000)

    assert NotifierSettings(
        retry_attempts=5, smtp_timeout_seconds=28.4, claim_lease_seconds=1000
    ).send_budget_seconds == pytest.approx(149.5)


def test_a_lease_shorter_than_one_delivery_is_refused() -> None:
    with pytest.raises(ValidationError, match="claim_lease_seconds"):
        NotifierSettings(claim_lease_seconds=5)


def test_smtp_settings_are_read_from_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFIER_SMTP_HOST", "mail.internal")
    monkeypatch.setenv("NOTIFIER_SMTP_SECURITY", "tls")
    monkeypatch.setenv("NOTIFIER_SMTP_PASSWORD", "s3cret")

    settings = NotifierSettings()

    assert (settings.smtp.host, settings.smtp.security, settings.smtp.password) == (
        "mail.internal",
        "tls",
        "s3cret",
    )
    assert "s3cret" not in repr(settings)
