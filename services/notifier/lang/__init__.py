"""The languages the emails are written in; English is the fallback."""

from services.notifier.lang.de import GERMAN
from services.notifier.lang.en import ENGLISH
from services.notifier.wording import Wording

WORDINGS = {"en": ENGLISH, "de": GERMAN}


def language_for(languages: list[str]) -> str:
    """The language a person's emails are written in: their first, if there is a wording for it."""
    first = languages[0] if languages else "en"
    return first if first in WORDINGS else "en"


def wording_for(languages: list[str]) -> Wording:
    """The template of the person's first language; English when there is none for it."""
    return WORDINGS[language_for(languages)]
