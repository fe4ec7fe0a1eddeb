"""Reading calendar replies: which count as answers, and that nothing crashes the reader."""

from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.compose import Invitation
from services.notifier.replies import Refusal, Reply, answer_of, read_reply
from shared.commands import PairingAnswer
from tests.builders.replies import reply_calendar, reply_email

UID = "0123456789abcdef0123456789abcdef@reverse-mentoring"
INVITATION = Invitation(
    uid=UID,
    pairing_id="pair-42",
    attendees=(("p-jana", "jana@example.org"), ("p-robert", "robert@example.org")),
)


def read(uid: str = UID, attendee: str = "jana@example.org", **kwargs: str) -> Reply | Refusal:
    return read_reply(reply_email(uid, attendee, **kwargs).as_bytes())


def test_an_accepting_reply_from_an_attendee_is_their_answer() -> None:
    reply = read()

    assert reply == Reply(
        uid=UID, attendee="jana@example.org", decision="accept", sender="jana@example.org"
    )
    assert answer_of(reply, INVITATION) == PairingAnswer(
        pairing_id="pair-42", person_id="p-jana", decision="accept"
    )


def test_a_declining_reply_declines_and_addresses_compare_without_case() -> None:
    reply = read(attendee="Robert@Example.org", partstat="DECLINED")

    assert isinstance(reply, Reply)
    assert answer_of(reply, INVITATION) == PairingAnswer(
        pairing_id="pair-42", person_id="p-robert", decision="decline"
    )


def test_a_tentative_reply_is_no_answer() -> None:
    assert read(partstat="TENTATIVE") == Refusal("no reply")


def test_a_reply_for_an_unknown_uid_from_a_stranger_or_sent_by_another_does_not_count() -> None:
    stranger, forged = read(attendee="eve@example.org"), read(sender="eve@example.org")
    assert isinstance(stranger, Reply) and isinstance(forged, Reply)

    assert answer_of(read(), None) == Refusal("unknown uid")
    assert answer_of(stranger, INVITATION) == Refusal("not an attendee")
    assert answer_of(forged, INVITATION) == Refusal("sender is not the attendee")


def test_a_request_is_not_a_reply() -> None:
    text = reply_calendar(UID, "jana@example.org").replace("METHOD:REPLY", "METHOD:REQUEST")
    message = reply_email(UID, "jana@example.org")
    message.get_payload()[1].set_content(text, subtype="calendar")  # type: ignore[index]

    assert read_reply(message.as_bytes()) == Refusal("no reply")


def test_garbage_and_broken_calendars_are_refused() -> None:
    text = reply_calendar(UID, "jana@example.org")
    broken = reply_email(UID, "jana@example.org")
    broken.get_payload()[1].set_content(text[: len(text) // 2], subtype="calendar")  # type: ignore[index]

    assert isinstance(read_reply(b"\x00\xff not an email"), Refusal)
    assert isinstance(read_reply(broken.as_bytes()), Refusal)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_without_an_exception(raw: bytes) -> None:
    assert isinstance(read_reply(raw), Reply | Refusal)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_mangled_reply_is_read_without_an_exception(data: st.DataObject) -> None:
    raw = bytearray(reply_email(UID, "jana@example.org").as_bytes())
    for _ in range(data.draw(st.integers(1, 20))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))

    assert isinstance(read_reply(bytes(raw)), Reply | Refusal)
