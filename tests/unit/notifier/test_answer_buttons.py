"""The answer links in the emails: accept and decline in a proposal, end once active, in both the
plain-text and the HTML part, each signed for its one person, action, sequence and language."""

import email
import re
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

from services.notifier.compose import plan_schedule
from services.notifier.drafts import Draft, address
from services.notifier.letters import activation_emails, proposal_emails
from services.notifier.notify import Notifier
from shared.answer_links import AnswerLinks
from shared.events import PairingActivated, PairingProposed
from tests.builders.notifier import BEFORE_EU_DST, proposed
from tests.fakes.notifier import FakeMailer, FakePublisher, FakeStore
from tests.unit.notifier.test_letters import POLICY, PROGRAM, part, text

LINKS = AnswerLinks(["unit-test-key-0123456789"], base_url="https://mentoring.example.org")
URL = re.compile(r"https://mentoring\.example\.org/answers/[A-Za-z0-9_.\-]+")


def activated(proposal: PairingProposed, *, people: bool = True) -> PairingActivated:
    data = proposal.data
    body: dict[str, Any] = {
        "pairing_id": data.pairing_id,
        "program_id": data.program_id,
        "sequence": data.sequence + 2,
    }
    if people:
        body |= {"younger": data.younger.model_dump(), "older": data.older.model_dump()}
    return PairingActivated.model_validate(
        {"producer": "matcher", "occurred_at": BEFORE_EU_DST + timedelta(days=1), "data": body}
    )


def wire(drafts: list[Draft]) -> list[EmailMessage]:
    messages = []
    for draft in drafts:
        item = address(draft, program=PROGRAM, now=BEFORE_EU_DST)
        assert item.message is not None
        parsed = email.message_from_bytes(item.message.as_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def proposal_mail(event: PairingProposed, links: AnswerLinks | None = LINKS) -> list[EmailMessage]:
    schedule = plan_schedule(event.data, POLICY, BEFORE_EU_DST, uid_key=b"invite-key")
    return wire(proposal_emails(event, schedule, program=PROGRAM, policy=POLICY, links=links))


def html(message: EmailMessage) -> str:
    return str(part(message, "text/html").get_content())


def test_a_proposal_carries_an_accept_and_a_decline_link_in_both_parts() -> None:
    event = proposed()
    jana, robert = proposal_mail(event)

    for message in (jana, robert):
        in_text, in_html = URL.findall(text(message)), URL.findall(html(message))
        assert len(in_text) == 2
        assert in_html == in_text  # the same two links, as buttons
    claims = [
        LINKS.read(url.rsplit("/", 1)[1], now=BEFORE_EU_DST) for url in URL.findall(text(jana))
    ]
    assert [(c.person_id, c.action) for c in claims] == [
        (event.data.younger.id, "accept"),
        (event.data.younger.id, "decline"),
    ]
    assert {(c.pairing_id, c.sequence, c.expires_at) for c in claims} == {
        (event.data.pairing_id, event.data.sequence, event.data.expires_at)
    }


def test_the_links_are_worded_and_signed_in_the_recipients_language() -> None:
    jana, robert = proposal_mail(proposed())

    assert "Tandem annehmen:" in text(jana) and ">Tandem annehmen</a>" in html(jana)
    assert "Decline the pairing (you can give a reason):" in text(robert)
    [jana_accept, _] = URL.findall(text(jana))
    [robert_accept, _] = URL.findall(text(robert))
    assert LINKS.read(jana_accept.rsplit("/", 1)[1], now=BEFORE_EU_DST).language == "de"
    assert LINKS.read(robert_accept.rsplit("/", 1)[1], now=BEFORE_EU_DST).language == "en"


def test_without_keys_the_proposal_has_no_links_and_reads_as_before() -> None:
    jana, _ = proposal_mail(proposed(), links=None)

    assert URL.findall(text(jana)) == [] and "/answers/" not in html(jana)
    assert "Tandem annehmen" not in text(jana)
    assert "\n\n\n" not in text(jana)


def test_once_active_each_person_gets_an_email_with_a_link_to_end_it() -> None:
    proposal = proposed()
    event = activated(proposal)

    jana, robert = wire(activation_emails(event, program=PROGRAM, policy=POLICY, links=LINKS))

    assert robert["Subject"] == "Your reverse-mentoring pairing with Jana Schmidt has started"
    assert "Ihr Reverse-Mentoring-Tandem ist aktiv" in text(jana)
    [end] = URL.findall(text(robert))
    assert URL.findall(html(robert)) == [end]
    claims = LINKS.read(end.rsplit("/", 1)[1], now=BEFORE_EU_DST)
    assert (claims.person_id, claims.action, claims.sequence) == (
        proposal.data.older.id,
        "end",
        event.data.sequence,
    )
    assert claims.expires_at >= event.occurred_at + timedelta(weeks=26)


def test_an_activation_published_without_the_people_sends_nothing() -> None:
    event = activated(proposed(), people=False)

    assert activation_emails(event, program=PROGRAM, policy=POLICY, links=LINKS) == []


async def test_the_notifier_sends_the_activation_once_to_each_person() -> None:
    store, mailer, publisher = FakeStore(), FakeMailer(), FakePublisher()
    service = Notifier(
        store=store,
        mailer=mailer,
        publisher=publisher,
        topic="notifications",
        program=PROGRAM,
        meetings=POLICY,
        lease=timedelta(minutes=3),
        invite_key=b"invite-key",
        clock=lambda: BEFORE_EU_DST,
        links=LINKS,
    )
    event = activated(proposed())

    await service.pairing_activated(event)
    await service.pairing_activated(event)

    assert sorted(mailer.recipients()) == ["jana@example.org", "robert@example.org"]
    assert all(len(URL.findall(text(m))) == 1 for m in mailer.sent)
