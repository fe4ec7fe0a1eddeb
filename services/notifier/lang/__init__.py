"""The languages the emails are written in; English is the fallback."""

from services.notifier.lang.de import GERMAN
from services.notifier.lang.en import ENGLISH
from services.notifier.wording import Wording

WORDINGS = {"en": ENGLISH, "de": GERMAN}


def wording_for(languages: list[str]) -> Wording:
    """The template of the person's first language; English when there is none for it."""
    return WORDINGS.get(languages[0] if languages else "en", ENGLISH)
