"""The answer links an email carries: one signed link per action, worded in the email's language.

Pure: the token is signed here (no I/O), the matcher reads it. Without keys configured there are
no links, and the emails read as before.
"""

from datetime import datetime

from services.notifier.lang import language_for, wording_for
from shared.answer_links import Action, AnswerClaims, AnswerLinks, expiry
from shared.events import Participant

Buttons = dict[str, tuple[str, str]]  # value name in the wording -> (label, URL)


def answer_buttons(
    links: AnswerLinks | None,
    *,
    pairing_id: str,
    me: Participant,
    actions: tuple[Action, ...],
    sequence: int,
    expires_at: datetime,
) -> Buttons:
    """The links for `me` to answer with `actions`, valid until `expires_at`."""
    if links is None:
        return {}
    language = language_for(me.languages)
    labels = wording_for(me.languages).answer_labels
    buttons: Buttons = {}
    for action in actions:
        claims = AnswerClaims(
            pairing_id=pairing_id,
            person_id=me.id,
            action=action,
            sequence=sequence,
            language=language,
            expires_at=expiry(expires_at),
        )
        buttons[action] = (labels[action], links.url(claims))
    return buttons
