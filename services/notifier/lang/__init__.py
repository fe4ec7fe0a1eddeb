"""The languages the emails are written in; English is the fallback."""

from ..wording import Wording
from .de import GERMAN
from .en import ENGLISH

WORDINGS = {"en": ENGLISH, "de": GERMAN}


def wording_for(languages: list[str]) -> Wording:
    """The template of the person's first language; English when there is none for it."""
    return WORDINGS.get(languages[0] if languages else "en", ENGLISH)
