"""The notifier's email policy builds exactly what the standard library's default policy builds."""

import re
from dataclasses import replace
from email import policy
from email.message import EmailMessage

import pytest

import services.notifier.emails as emails
from services.notifier.compose import Outgoing, plan_schedule
from services.notifier.drafts import address
from services.notifier.letters import cancellation_emails, proposal_emails
from services.notifier.mime import POLICY
from shared.events import PairingProposed
from tests.builders.notifier import BEFORE_EU_DST, cancelled, proposed
from tests.unit.notifier.test_letters import KEY, PROGRAM
from tests.unit.notifier.test_letters import POLICY as MEETINGS

BOUNDARY = re.compile(rb"={15}\d+==")  # random per message


def wire(
    monkeypatch: pytest.MonkeyPatch, built_with: object, event: PairingProposed
) -> list[bytes]:
    """A proposal, a reminder (List-Unsubscribe) and a cancellation, as sent, boundaries masked."""
    monkeypatch.setattr(emails, "POLICY", built_with)
    schedule = plan_schedule(event.data, MEETINGS, BEFORE_EU_DST, uid_key=KEY)
    drafts = proposal_emails(event, schedule, program=PROGRAM, policy=MEETINGS)
    drafts.append(replace(drafts[0], reminder=True, unsubscribe="https://example.org/u/t"))
    drafts += cancellation_emails(cancelled(event), schedule, program=PROGRAM, policy=MEETINGS)
    out: list[Outgoing] = [address(d, program=PROGRAM, now=BEFORE_EU_DST) for d in drafts]
    messages = [o.message for o in out if isinstance(o.message, EmailMessage)]
    assert len(messages) == len(drafts)
    return [BOUNDARY.sub(b"BOUNDARY", m.as_bytes(policy=policy.SMTP)) for m in messages]


def test_messages_are_byte_for_byte_those_of_the_default_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event = proposed()
    assert wire(monkeypatch, POLICY, event) == wire(monkeypatch, policy.default, event)


def test_headers_that_name_a_person_are_not_kept_between_messages() -> None:
    message = EmailMessage(policy=POLICY)
    message["Subject"] = "Jana and Robert"
    message["Content-Type"] = "text/plain"

    again = EmailMessage(policy=POLICY)
    again["Subject"] = "Jana and Robert"
    again["Content-Type"] = "text/plain"

    assert message["Subject"] is not again["Subject"]
    assert message["Content-Type"] is again["Content-Type"]
