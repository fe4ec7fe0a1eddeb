"""A check-in's one-click answers: the questions as blocks, and one signed link per answer. Pure.

Every answer of one person's check-in shares one token (action `checkin`, bound to the check-in,
valid until it closes); the answer a button gives rides in the URL's query, outside the signature
(`?met=yes`, `?usefulness=4`, `?learned=<skill>`): the page it opens shows the whole form with
that answer chosen, and nothing is recorded until the person sends it. "Something else" opens the
form with nothing chosen. "Ask for a new partner" is a token of its own (action `rematch`), left
out of the final check-in: the pairing has already ended with the program.
"""

from services.notifier.blocks import Actions, Blocks, para
from services.notifier.buttons import Buttons
from services.notifier.followup_wording import FollowUpWording
from shared.answer_links import Action, AnswerClaims, AnswerLinks, expiry
from shared.checkins import Met
from shared.events import OpenedCheckin, Participant

MET: tuple[Met, ...] = ("yes", "not_yet", "stopped")
USEFULNESS = range(1, 6)


def questions(words: FollowUpWording, *, choices: int, final: bool) -> Blocks:
    """The three questions with their buttons, then the request for a new partner."""
    learned = tuple(f"learned-{index}" for index in range(choices))
    blocks: Blocks = (
        para(words.met_question),
        Actions(tuple(f"met-{met}" for met in MET), inline=True),
        para(words.usefulness_question),
        Actions(tuple(f"usefulness-{score}" for score in USEFULNESS), inline=True),
        para(words.learned_question),
        Actions((*learned, "learned-other"), inline=True),
    )
    if not final:
        blocks += (para(words.rematch), Actions(("rematch",)))
    return blocks


def checkin_buttons(
    links: AnswerLinks | None,
    data: OpenedCheckin,
    *,
    me: Participant,
    language: str,
    words: FollowUpWording,
    choices: list[tuple[str, str]],
) -> Buttons:
    """The links for `me` to answer: `choices` are the partner's skills as (code, label)."""
    if links is None:
        return {}

    def link(action: Action, **preselect: str) -> str:
        claims = AnswerClaims(
            pairing_id=data.pairing_id,
            person_id=me.id,
            action=action,
            sequence=data.sequence,
            language=language,
            expires_at=expiry(data.closes_at),
            checkin_id=data.checkin_id if action == "checkin" else None,
        )
        return links.url(claims, preselect)

    buttons: Buttons = {f"met-{m}": (words.met_labels[m], link("checkin", met=m)) for m in MET}
    buttons |= {f"usefulness-{n}": (str(n), link("checkin", usefulness=str(n))) for n in USEFULNESS}
    for index, (code, label) in enumerate(choices):
        buttons[f"learned-{index}"] = (label, link("checkin", learned=code))
    buttons["learned-other"] = (words.learned_other, link("checkin"))
    if not data.final:
        buttons["rematch"] = (words.rematch_label, link("rematch"))
    return buttons
