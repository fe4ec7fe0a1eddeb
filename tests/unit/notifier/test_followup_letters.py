"""The follow-up emails as they leave the notifier: the invite's alarm, the reminder, the
check-in with its one-click answers, the nudge, and the thank-you at the program's end; in both
languages, in both parts, with the unsubscribe headers only where they belong."""

import re
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar

from services.notifier.checkin_letters import checkin_emails, nudge_emails
from services.notifier.compose import plan_schedule
from services.notifier.letters import cancellation_emails, proposal_emails
from services.notifier.reminders import reminder_emails
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.answer_links import AnswerClaims
from shared.events import CheckinNudged, CheckinOpened, PairingProposed
from tests.builders.notifier import BEFORE_EU_DST, cancelled, checkin, proposed, reminded
from tests.unit.notifier.test_answer_buttons import LINKS, html, wire
from tests.unit.notifier.test_letters import POLICY, PROGRAM, part, text

UNSUBSCRIBE = UnsubscribeLinks(["unit-test-key-0123456789"], base_url="https://mail.example.org")
ANSWER = re.compile(r"https://mentoring\.example\.org/answers/([A-Za-z0-9_.\-]+)(\?[^\s\"<]*)?")


def invite_of(message: EmailMessage) -> Calendar:
    return Calendar.from_ical(part(message, "text/calendar").get_content())


def proposal_with_alarm(alarm: timedelta | None) -> list[EmailMessage]:
    event = proposed()
    schedule = plan_schedule(event.data, POLICY, BEFORE_EU_DST, uid_key=b"invite-key")
    drafts = proposal_emails(event, schedule, program=PROGRAM, policy=POLICY, alarm=alarm)
    return wire(drafts)


def links_in(message: EmailMessage) -> list[tuple[AnswerClaims, dict[str, list[str]]]]:
    """Every answer link of the text part: its claims and its query."""
    found = []
    for token, query in ANSWER.findall(text(message)):
        found.append((LINKS.read(token, now=BEFORE_EU_DST), parse_qs(query.lstrip("?"))))
    return found


@pytest.mark.parametrize(("minutes", "trigger"), [(30, "-PT30M"), (90, "-PT1H30M"), (0, "P0D")])
def test_the_invite_reminds_at_the_lead_time_before_each_meeting(
    minutes: int, trigger: str
) -> None:
    for message in proposal_with_alarm(timedelta(minutes=minutes)):
        [vevent] = invite_of(message).walk("VEVENT")
        [alarm] = vevent.walk("VALARM")

        assert alarm["ACTION"] == "DISPLAY"
        assert alarm["TRIGGER"].to_ical().decode() == trigger
        assert alarm["TRIGGER"].dt == -timedelta(minutes=minutes)


def test_a_cancellation_carries_no_alarm() -> None:
    event = proposed()
    schedule = plan_schedule(event.data, POLICY, BEFORE_EU_DST, uid_key=b"invite-key")
    drafts = cancellation_emails(cancelled(event), schedule, program=PROGRAM, policy=POLICY)

    for message in wire(drafts):
        assert not invite_of(message).walk("VALARM")


def test_a_reminder_goes_only_to_the_person_waited_on_with_both_buttons_and_one_click_unsubscribe() -> (
    None
):
    event = proposed()
    robert = event.data.older
    drafts = reminder_emails(
        reminded(event, waiting_on=[robert.id]),
        None,
        program=PROGRAM,
        policy=POLICY,
        links=LINKS,
        unsubscribe=UNSUBSCRIBE,
    )

    [message] = wire(drafts)
    assert message["To"].addresses[0].addr_spec == "robert@example.org"
    assert message["Subject"] == "Reminder: Jana Schmidt is waiting for your answer"
    assert [claims.action for claims, _ in links_in(message)] == ["accept", "decline"]
    assert "Accept the pairing" in html(message) and "Decline the pairing" in html(message)
    [url] = re.findall(r"<(https://[^>]+)>", message["List-Unsubscribe"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url.startswith("https://mail.example.org/unsubscribe/")
    assert UNSUBSCRIBE.read(url.rsplit("/", 1)[1]).person_id == robert.id
    assert url in text(message) and "Unsubscribe from reminders" in html(message)
    assert drafts[0].reminder


def test_a_reminders_links_answer_the_proposal_whatever_was_accepted_since() -> None:
    event = proposed(sequence=4)
    accepted = reminded(event, waiting_on=[event.data.older.id])  # Jana accepted
    assert accepted.data.sequence == 4  # the proposal's, as the matcher sends it

    [robert] = wire(reminder_emails(accepted, None, program=PROGRAM, policy=POLICY, links=LINKS))

    assert {claims.sequence for claims, _ in links_in(robert)} == {4}


def test_a_reminder_in_german_shows_the_partner_and_the_first_meeting() -> None:
    event = proposed()
    schedule = plan_schedule(event.data, POLICY, BEFORE_EU_DST, uid_key=b"invite-key")
    drafts = reminder_emails(
        reminded(event, waiting_on=[event.data.younger.id, event.data.older.id]),
        schedule,
        program=PROGRAM,
        policy=POLICY,
        links=LINKS,
        unsubscribe=UNSUBSCRIBE,
    )

    jana, robert = wire(drafts)
    assert jana["Subject"] == "Erinnerung: Robert Miller wartet auf Ihre Antwort"
    for body in (text(jana), html(jana)):
        assert "Montag, 30. März 2026, 18:00\u201319:00 Uhr" in body
        assert "Erinnerungen abbestellen" in body
    assert "Das bringen Sie Robert Miller bei: KI-Werkzeuge und Social Media." in text(jana)
    assert "Please accept or decline the pairing by" in text(robert)


def opened(event: PairingProposed, **kwargs: object) -> CheckinOpened:
    found = checkin(event, **kwargs)  # type: ignore[arg-type]
    assert isinstance(found, CheckinOpened)
    return found


def test_a_checkin_asks_both_people_with_one_click_answers_in_their_language() -> None:
    event = proposed()
    drafts = checkin_emails(opened(event), program=PROGRAM, links=LINKS)

    jana, robert = wire(drafts)
    assert jana["Subject"] == "Wie läuft es mit Robert Miller?"
    assert robert["Subject"] == "How is it going with Jana Schmidt?"
    answers = {
        message["To"].addresses[0].addr_spec: links_in(message) for message in (jana, robert)
    }
    for links in answers.values():
        checkins = [(c, q) for c, q in links if c.action == "checkin"]
        assert {c.checkin_id for c, _ in checkins} == {"mid-program"}
        assert [q["met"] for _, q in checkins if "met" in q] == [["yes"], ["not_yet"], ["stopped"]]
        assert [q["usefulness"] for _, q in checkins if "usefulness" in q] == [
            [str(n)] for n in range(1, 6)
        ]
        assert [q for _, q in checkins if not q] == [{}]  # "something else": the form
        [rematch] = [c for c, _ in links if c.action == "rematch"]
        assert rematch.checkin_id is None and rematch.expires_at == opened(event).data.closes_at
    jana_learned = [q["learned"] for _, q in answers["jana@example.org"] if "learned" in q]
    robert_learned = [q["learned"] for _, q in answers["robert@example.org"] if "learned" in q]
    assert jana_learned == [["strategy"], ["works council relations"]]  # what Robert offered
    assert robert_learned == [["ai_tools"], ["social_media"]]
    for body in (text(jana), html(jana)):
        assert "Was haben Sie von Robert Miller gelernt?" in body
        assert "Strategie" in body and "works council relations" in body
        assert "Noch nicht" in body and "Um ein neues Tandem bitten" in body
    assert "ai tools" in text(robert) and "Ask for a new partner" in html(robert)
    assert all(message["List-Unsubscribe"] is None for message in (jana, robert))


def test_the_final_checkin_thanks_and_offers_no_new_partner() -> None:
    event = proposed()
    drafts = checkin_emails(
        opened(event, checkin_id="program-end", final=True), program=PROGRAM, links=LINKS
    )

    jana, robert = wire(drafts)
    assert robert["Subject"] == "The program has ended: how did it go with Jana Schmidt?"
    assert "Thank you for taking part!" in text(robert)
    assert "Vielen Dank, dass Sie mitgemacht haben!" in text(jana)
    assert all(c.action == "checkin" for m in (jana, robert) for c, _ in links_in(m))


def test_a_nudge_goes_only_to_the_people_waited_on_and_can_be_unsubscribed_from() -> None:
    event = proposed()
    nudge = checkin(event, waiting_on=[event.data.younger.id])
    assert isinstance(nudge, CheckinNudged)

    drafts = nudge_emails(nudge, program=PROGRAM, links=LINKS, unsubscribe=UNSUBSCRIBE)

    [jana] = wire(drafts)
    assert jana["To"].addresses[0].addr_spec == "jana@example.org"
    assert jana["Subject"] == "Nur ein Klick: Wie läuft es mit Robert Miller?"
    assert jana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {c.checkin_id for c, _ in links_in(jana) if c.action == "checkin"} == {"mid-program"}
    assert drafts[0].key.state == "nudged.mid-program" and drafts[0].reminder


def test_without_keys_the_followups_carry_no_links_and_no_unsubscribe_header() -> None:
    event = proposed()
    drafts = [
        *reminder_emails(
            reminded(event, waiting_on=[event.data.older.id]), None, program=PROGRAM, policy=POLICY
        ),
        *checkin_emails(opened(event), program=PROGRAM),
    ]

    for message in wire(drafts):
        assert "/answers/" not in text(message) and message["List-Unsubscribe"] is None


@pytest.mark.parametrize(
    ("reason", "english", "german"),
    [
        (
            "program_ended",
            "has ended: the program has come to its end.\n\nThank you both",
            "ist beendet: das Programm ist zu Ende.",
        ),
        (
            "rematch_requested",
            "was cancelled: one of you asked for a new partner; you are both free for the next "
            "round.",
            "wurde abgesagt: einer von Ihnen hat um ein neues Tandem gebeten",
        ),
    ],
)
def test_a_pairing_that_ends_with_the_program_or_for_a_new_partner_says_so(
    reason: str, english: str, german: str
) -> None:
    event = proposed()
    schedule = plan_schedule(event.data, POLICY, BEFORE_EU_DST, uid_key=b"invite-key")
    ended = cancelled(event, reason_code=reason)

    jana, robert = wire(cancellation_emails(ended, schedule, program=PROGRAM, policy=POLICY))

    assert english in text(robert) and german in text(jana)
    assert invite_of(robert)["METHOD"] == "CANCEL"


def test_a_checkin_link_keeps_its_answer_outside_the_signature() -> None:
    event = proposed()
    [jana, _] = wire(checkin_emails(opened(event), program=PROGRAM, links=LINKS))
    token, query = ANSWER.findall(text(jana))[0]

    claims = LINKS.read(token, now=BEFORE_EU_DST)
    assert (claims.action, parse_qs(urlsplit(query).query or query.lstrip("?"))) == (
        "checkin",
        {"met": ["yes"]},
    )
