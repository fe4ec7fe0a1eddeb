"""The bytes the notifier sends are exactly those aiosmtplib's `send_message` would make of the
same message: for servers with and without 8BITMIME, and for non-ASCII addresses."""

import random
import re
from dataclasses import replace
from email.message import EmailMessage

import pytest
from aiosmtplib.email import flatten_message

from services.notifier.compose import plan_schedule
from services.notifier.drafts import address
from services.notifier.letters import cancellation_emails, proposal_emails
from services.notifier.wire import _Generator, wire
from shared.events import PairingProposed
from tests.builders.notifier import BEFORE_EU_DST, berliner, cancelled, proposed
from tests.unit.notifier.test_letters import KEY, PROGRAM
from tests.unit.notifier.test_letters import POLICY as MEETINGS

BOUNDARY = re.compile(rb"={15}\d+==")  # random per message


LONG_NAME = "Jana-Maria Müller-Lüdenscheidt von und zu Großenhain an der Elster " * 2


def messages(event: PairingProposed) -> list[EmailMessage]:
    """A proposal (German and English, with its invite), a reminder (List-Unsubscribe) and a
    cancellation; with non-ASCII names, one too long for a line."""
    schedule = plan_schedule(event.data, MEETINGS, BEFORE_EU_DST, uid_key=KEY)
    drafts = proposal_emails(event, schedule, program=PROGRAM, policy=MEETINGS)
    drafts.append(replace(drafts[0], reminder=True, unsubscribe="https://example.org/u/t"))
    drafts += cancellation_emails(cancelled(event), schedule, program=PROGRAM, policy=MEETINGS)
    built = [address(d, program=PROGRAM, now=BEFORE_EU_DST).message for d in drafts]
    return [m for m in built if m is not None]


@pytest.mark.parametrize("eight_bit", [True, False])
@pytest.mark.parametrize("utf8", [False, True])
def test_a_message_is_sent_as_the_bytes_send_message_makes_of_it(
    eight_bit: bool, utf8: bool
) -> None:
    cte_type = "8bit" if eight_bit else "7bit"
    event = proposed(younger=berliner(name=LONG_NAME))
    for seed, (mine, same) in enumerate(zip(messages(event), messages(event), strict=True)):
        random.seed(seed)  # the boundaries are random: drawn alike on both sides
        theirs = flatten_message(same, utf8=utf8, cte_type=cte_type)
        random.seed(seed)
        ours = wire(mine, eight_bit=eight_bit, utf8=utf8)

        assert ours == theirs
        assert len(set(BOUNDARY.findall(ours))) == 2  # a multipart in a multipart


def test_a_boundary_that_occurs_in_the_text_is_not_used() -> None:
    random.seed(7)
    first = _Generator._make_boundary(b"")
    assert re.fullmatch(r"={15}\d{19}==", first)

    random.seed(7)
    assert _Generator._make_boundary(f"x\r\n--{first}\r\n".encode()) == f"{first}.0"
