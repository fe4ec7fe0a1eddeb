"""What the check-in page says, in English and German (formal "Sie"); English is the fallback.
The page's frame (title, the outcomes of a link) comes from `answer_wording`."""

from collections.abc import Mapping

ENGLISH: Mapping[str, str] = {
    "met": "Did you meet?",
    "met.yes": "Yes",
    "met.not_yet": "Not yet",
    "met.stopped": "We stopped",
    "learned": "What did you learn from {partner}?",
    "learned_text": "Something else (optional)",
    "usefulness": "How useful was it? (1 = not at all, 5 = very)",
    "empty": "Please answer at least one question.",
    "current": "Your answer so far is filled in; change it and send again.",
    "rematch": "Would you rather have a new partner?",
    "rematch.link": "Ask for a new partner",
}

GERMAN: Mapping[str, str] = {
    "met": "Haben Sie sich getroffen?",
    "met.yes": "Ja",
    "met.not_yet": "Noch nicht",
    "met.stopped": "Wir haben aufgehört",
    "learned": "Was haben Sie von {partner} gelernt?",
    "learned_text": "Etwas anderes (freiwillig)",
    "usefulness": "Wie nützlich war es? (1 = gar nicht, 5 = sehr)",
    "empty": "Bitte beantworten Sie mindestens eine Frage.",
    "current": "Ihre bisherige Antwort ist eingetragen; ändern Sie sie und senden Sie erneut.",
    "rematch": "Möchten Sie lieber ein neues Tandem?",
    "rematch.link": "Neues Tandem wünschen",
}

WORDINGS: Mapping[str, Mapping[str, str]] = {"en": ENGLISH, "de": GERMAN}


def checkin_wording_for(language: str) -> Mapping[str, str]:
    return WORDINGS.get(language, ENGLISH)
