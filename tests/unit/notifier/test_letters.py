"""The emails as the standard `email` package reads them: structure, language, content, safety."""

import email
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from services.notifier.compose import MeetingPolicy, Outgoing, Program, Schedule, plan_schedule
from services.notifier.drafts import address
from services.notifier.invites import invite_uid
from services.notifier.letters import cancellation_emails, proposal_emails
from shared.events import PairingCancelled, PairingProposed
from tests.builders.notifier import BEFORE_EU_DST, berliner, cancelled, new_yorker, proposed

KEY = b"invite-key"
PROGRAM = Program(mailbox="mentoring@example.org", name="Reverse Mentoring")
POLICY = MeetingPolicy(
    length=timedelta(hours=1),
    horizon=timedelta(days=21),
    notice=timedelta(hours=24),
    interval_weeks=2,
    count=13,
)


def outgoing(
    event: PairingProposed | PairingCancelled, schedule: Schedule | None
) -> list[Outgoing]:
    if isinstance(event, PairingProposed):
        assert schedule is not None
        drafts = proposal_emails(event, schedule, program=PROGRAM, policy=POLICY)
    else:
        drafts = cancellation_emails(event, schedule, program=PROGRAM, policy=POLICY)
    return [address(d, program=PROGRAM, now=BEFORE_EU_DST) for d in drafts]


def received(
    event: PairingProposed | PairingCancelled, schedule: Schedule | None = None
) -> list[EmailMessage]:
    """The messages as bytes on the wire, parsed back."""
    if schedule is None and isinstance(event, PairingProposed):
        schedule = plan_schedule(event.data, POLICY, BEFORE_EU_DST, uid_key=KEY)
    messages = []
    for item in outgoing(event, schedule):
        assert item.message is not None, item.problem
        parsed = email.message_from_bytes(item.message.as_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def part(message: EmailMessage, content_type: str) -> EmailMessage:
    [found] = [p for p in message.walk() if p.get_content_type() == content_type]
    assert isinstance(found, EmailMessage)
    return found


def text(message: EmailMessage) -> str:
    return str(part(message, "text/plain").get_content())


def test_proposal_is_text_and_html_with_a_calendar_request_and_the_same_invite_attached() -> None:
    jana, _ = received(proposed())

    assert jana.get_content_type() == "multipart/mixed"
    alternative, attachment = jana.iter_parts()
    kinds = [p.get_content_type() for p in alternative.iter_parts()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    calendar_part = part(jana, "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    inline = Calendar.from_ical(calendar_part.get_content())
    attached = Calendar.from_ical(attachment.get_content())
    assert inline.to_ical() == attached.to_ical()


def test_each_person_gets_one_email_addressed_to_them_alone() -> None:
    jana, robert = received(proposed())

    assert [a.addr_spec for a in jana["To"].addresses] == ["jana@example.org"]
    assert [a.addr_spec for a in robert["To"].addresses] == ["robert@example.org"]
    assert jana["From"].addresses[0].addr_spec == "mentoring@example.org"


def test_first_meeting_is_shown_in_each_recipients_own_timezone_across_the_dst_change() -> None:
    jana, robert = received(proposed())

    assert "Montag, 30. März 2026, 18:00\u201319:00 Uhr (Europe/Berlin, CEST)" in text(jana)
    assert "Monday, 30 March 2026, 12:00\u201313:00 (America/New_York, EDT)" in text(robert)


def test_text_introduces_the_partner_and_what_each_teaches_the_other() -> None:
    jana, robert = received(proposed())

    assert "vorzustellen: Robert Miller." in text(jana)
    assert "Das bringen Sie Robert Miller bei: KI-Werkzeuge und Social Media." in text(jana)
    assert (
        "Das bringt Robert Miller Ihnen bei: Verhandlungsführung und works council relations."
        in text(jana)
    )
    assert "So erreichen Sie Robert Miller: robert@example.org" in text(jana)
    assert "You will teach Jana Schmidt: negotiation and works council relations." in text(robert)
    assert "Jana Schmidt will teach you: ai tools and social media." in text(robert)
    assert "How to reach Jana Schmidt: jana@example.org" in text(robert)


def test_shared_languages_are_named_in_the_readers_language() -> None:
    event = proposed()
    event.data.explanation.shared_languages[:] = ["de", "en"]

    jana, robert = received(event)

    assert "Gemeinsame Sprachen: Deutsch und Englisch." in text(jana)
    assert "Languages you share: German and English." in text(robert)
    html = str(part(jana, "text/html").get_content())
    assert "Gemeinsame Sprachen: Deutsch und Englisch." in html


def test_vocabulary_skills_are_in_the_emails_language_and_extras_as_written() -> None:
    event = proposed()
    why = event.data.explanation
    why.younger_teaches[:] = ["content creation", "digital tools"]  # as the matcher labels them
    why.older_teaches[:] = ["strategy", "Works Council Relations", "Public Speaking"]

    jana, robert = received(event)

    assert "Das bringen Sie Robert Miller bei: Content-Erstellung und digitale Werkzeuge." in text(
        jana
    )
    assert (
        "Das bringt Robert Miller Ihnen bei: Strategie, Works Council Relations und "
        "Public Speaking." in text(jana)
    )
    assert "Content-Erstellung und digitale Werkzeuge" in str(part(jana, "text/html").get_content())
    assert "Jana Schmidt will teach you: content creation and digital tools." in text(robert)


def test_language_is_the_first_one_with_english_as_the_fallback() -> None:
    event = proposed(younger=berliner(languages=["fr", "de"]), older=new_yorker(languages=["de"]))

    younger, older = received(event)

    assert younger["Subject"] == "Meet Robert Miller, your reverse-mentoring partner"
    assert older["Subject"] == "Ihr Reverse-Mentoring-Tandem: Jana Schmidt"


def test_html_part_escapes_names_and_skills() -> None:
    event = proposed(older=new_yorker(name="<script>alert(1)</script> & Co"))
    event.data.explanation.older_teaches.append('<img src=x onerror="steal()">')

    jana, _ = received(event)

    html = str(part(jana, "text/html").get_content())
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "&lt;img src=x onerror=&quot;steal()&quot;&gt;" in html
    assert '<a href="mailto:robert@example.org">robert@example.org</a>' in html


@pytest.mark.parametrize(
    "name",
    [
        "Eve\r\nBcc: victim@evil.example",
        "Eve\nBcc: victim@evil.example\n\nbody",
        'Mallory" <mallory@evil.example>, Bcc: victim@evil.example',
        "Eve\u2028Bcc: victim@evil.example\x85X-Injected: yes",
    ],
)
def test_malicious_names_do_not_add_or_alter_headers(name: str) -> None:
    honest = received(proposed())[0]
    # Bypasses the contract's own validation, as a buggy producer might.
    event = proposed()
    younger = event.data.younger.model_copy(update={"name": name})
    older = event.data.older.model_copy(update={"name": name})
    event = event.model_copy(
        update={"data": event.data.model_copy(update={"younger": younger, "older": older})}
    )

    for message in received(event):
        assert sorted(message.keys()) == sorted(honest.keys())
        assert message["Bcc"] is None and message["X-Injected"] is None
        assert len(message["To"].addresses) == 1
        assert message["To"].addresses[0].addr_spec in {"jana@example.org", "robert@example.org"}
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]


def test_skills_and_reasons_with_line_breaks_stay_in_the_body() -> None:
    honest = received(proposed())[0]
    proposal = proposed()
    injected = "ai tools\r\nBcc: victim@evil.example\r\n\r\n--boundary"
    proposal.data.explanation.younger_teaches.append(injected)
    proposal.data.explanation.summary = "fine\r\nX-Injected: yes"
    cancel = cancelled(proposal)
    cancel.data.reason = "declined\r\nBcc: victim@evil.example"
    schedule = plan_schedule(proposal.data, POLICY, BEFORE_EU_DST, uid_key=KEY)

    for message in received(proposal, schedule) + received(cancel, schedule):
        assert message["Bcc"] is None and message["X-Injected"] is None
        assert set(message.keys()) <= set(honest.keys()) | {"In-Reply-To", "References"}
        assert len(message["To"].addresses) == 1
        calendar = Calendar.from_ical(part(message, "text/calendar").get_content())
        assert len(calendar.walk("VEVENT")) == 1


def test_invalid_recipient_address_is_reported_instead_of_sent() -> None:
    event = proposed(older=new_yorker(email="robert(at)example.org"))
    schedule = plan_schedule(event.data, POLICY, BEFORE_EU_DST, uid_key=KEY)

    jana, robert = outgoing(event, schedule)

    assert jana.message is not None
    assert robert.message is None and robert.problem == "invalid recipient address"


def test_message_ids_are_deterministic_and_differ_per_recipient() -> None:
    event = proposed()

    first = [m["Message-ID"] for m in received(event)]
    again = [m["Message-ID"] for m in received(event)]

    assert first == again
    assert len(set(first)) == 2


def test_cancel_says_why_and_cancels_the_same_calendar_entry_with_a_higher_sequence() -> None:
    proposal = proposed(sequence=1)
    schedule = plan_schedule(proposal.data, POLICY, BEFORE_EU_DST, uid_key=KEY)
    request = Calendar.from_ical(
        part(received(proposal, schedule)[0], "text/calendar").get_content()
    )

    jana, robert = received(cancelled(proposal, sequence=2), schedule)

    cancel = Calendar.from_ical(part(jana, "text/calendar").get_content())
    assert cancel["METHOD"] == "CANCEL"
    [old], [new] = request.walk("VEVENT"), cancel.walk("VEVENT")
    assert new["UID"] == old["UID"] == invite_uid(proposal.data.pairing_id, KEY)
    assert new["SEQUENCE"] > old["SEQUENCE"]
    assert "einer von Ihnen hat abgelehnt" in text(jana)
    assert "one of you declined it" in text(robert)
    assert "Robert declined: no time this quarter." in text(robert)


def test_an_ended_pairing_thanks_both_in_their_language_and_cancels_the_meetings() -> None:
    proposal = proposed(sequence=1)
    schedule = plan_schedule(proposal.data, POLICY, BEFORE_EU_DST, uid_key=KEY)
    ended = cancelled(proposal, sequence=3, reason_code="ended")

    jana, robert = received(ended, schedule)

    for message in (jana, robert):
        calendar = Calendar.from_ical(part(message, "text/calendar").get_content())
        assert calendar["METHOD"] == "CANCEL"
    assert robert["Subject"] == "Your reverse-mentoring pairing with Jana Schmidt has ended"
    assert "has ended: one of you marked it as complete." in text(robert)
    assert "Thank you both for taking part." in text(robert)
    assert "ist beendet: einer von Ihnen hat es als abgeschlossen markiert." in text(jana)
    assert "cancelled" not in text(robert) and "abgesagt" not in text(jana)


def test_cancel_sequence_exceeds_the_request_even_if_the_event_does_not() -> None:
    proposal = proposed(sequence=5)
    schedule = plan_schedule(proposal.data, POLICY, BEFORE_EU_DST, uid_key=KEY)

    jana, _ = received(cancelled(proposal, sequence=5), schedule)

    [event] = Calendar.from_ical(part(jana, "text/calendar").get_content()).walk("VEVENT")
    assert event["SEQUENCE"] == 6


def test_cancel_threads_under_the_proposal_email() -> None:
    proposal = proposed()
    schedule = plan_schedule(proposal.data, POLICY, BEFORE_EU_DST, uid_key=KEY)
    jana_proposal, _ = received(proposal, schedule)

    jana_cancel, _ = received(cancelled(proposal), schedule)

    assert jana_cancel["In-Reply-To"] == jana_proposal["Message-ID"]


def test_cancel_of_a_pairing_without_an_invite_has_no_calendar_part() -> None:
    jana, _ = received(cancelled(proposed()), None)

    kinds = {p.get_content_type() for p in jana.walk()}
    assert "text/calendar" not in kinds and "application/ics" not in kinds
    assert "Kalender" not in text(jana)


def test_without_a_common_time_the_email_asks_the_pair_to_agree_directly() -> None:
    event = proposed(older=new_yorker(availability={"sun": [{"start": "03:00", "end": "04:00"}]}))

    jana, robert = received(event)

    assert "keine gemeinsame freie Zeit" in text(jana)
    assert "Please agree on a first meeting with Jana Schmidt directly." in text(robert)
    assert "text/calendar" not in {p.get_content_type() for p in robert.walk()}
