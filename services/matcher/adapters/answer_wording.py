"""What the answer pages say, in English and German (formal "Sie"); English is the fallback.

Keys: `title.<action>` and `button.<action>` for the page that asks; `<standing>` (with
`<standing>.<action>` where the action changes the words) for the page that tells.
"""

from collections.abc import Mapping

ENGLISH: Mapping[str, str] = {
    "lang": "en",
    "title.accept": "Accept your reverse-mentoring pairing",
    "title.decline": "Decline your reverse-mentoring pairing",
    "title.end": "End your reverse-mentoring pairing",
    "title.rematch": "Ask for a new reverse-mentoring partner",
    "title.checkin": "How is your reverse-mentoring pairing going?",
    "partner": "Your partner",
    "you_teach": "You will teach",
    "partner_teaches": "{partner} will teach you",
    "button.accept": "Accept the pairing",
    "button.decline": "Decline the pairing",
    "button.end": "End the pairing",
    "button.rematch": "Ask for a new partner",
    "button.checkin": "Send my answer",
    "reason": "Reason (optional; {partner} will read it)",
    "ask.accept": "Press the button to accept. Nothing happens until you do.",
    "ask.decline": "Press the button to decline. Nothing happens until you do.",
    "ask.end": "Has the pairing run its course? Press the button to end it.",
    "ask.rematch": "Press the button to end this pairing and be matched with someone else in "
    "the next round. You and {partner} will not be paired again.",
    "ask.checkin": "Three short questions. Nothing is recorded until you send the form.",
    "sent.accept": "Thank you: your acceptance is recorded. When {partner} accepts too, the "
    "pairing starts.",
    "sent.accept.both": "Thank you: your acceptance is recorded. {partner} accepted too, so the "
    "pairing starts; you will both receive an email.",
    "sent.decline": "Your answer is recorded: the pairing is declined. We will look for "
    "another partner for you.",
    "sent.end": "Your answer is recorded: the pairing is ended. Thank you for taking part.",
    "sent.rematch": "Your request is recorded: the pairing is ended, and you will be matched "
    "with someone new in the next round.",
    "sent.checkin": "Thank you: your answer is recorded. You can change it with the same link.",
    "recorded": "Your answer was already recorded. Nothing has changed.",
    "closed": "This pairing no longer awaits this answer: it is {state}. Nothing has changed.",
    "foreign": "This link is not valid. Please use the link from your own email.",
    "invalid": "This link is not valid. Please use the link from your email, in full.",
    "expired": "This link has expired. Nothing has changed.",
    "missing": "This pairing does not exist (any more).",
    "unavailable": "The service is busy. Please try again in a minute.",
    "notice": "Reverse mentoring",
    "state.proposed": "proposed",
    "state.accepted": "accepted by one of you",
    "state.active": "active",
    "state.declined": "declined",
    "state.expired": "expired",
    "state.cancelled": "cancelled",
    "state.ended": "ended",
}

GERMAN: Mapping[str, str] = {
    "lang": "de",
    "title.accept": "Ihr Reverse-Mentoring-Tandem annehmen",
    "title.decline": "Ihr Reverse-Mentoring-Tandem ablehnen",
    "title.end": "Ihr Reverse-Mentoring-Tandem beenden",
    "title.rematch": "Ein neues Reverse-Mentoring-Tandem wünschen",
    "title.checkin": "Wie läuft Ihr Reverse-Mentoring-Tandem?",
    "partner": "Ihr Tandem",
    "you_teach": "Das bringen Sie bei",
    "partner_teaches": "Das bringt {partner} Ihnen bei",
    "button.accept": "Tandem annehmen",
    "button.decline": "Tandem ablehnen",
    "button.end": "Tandem beenden",
    "button.rematch": "Neues Tandem wünschen",
    "button.checkin": "Antwort senden",
    "reason": "Grund (freiwillig; {partner} wird ihn lesen)",
    "ask.accept": "Drücken Sie die Schaltfläche, um anzunehmen. Vorher geschieht nichts.",
    "ask.decline": "Drücken Sie die Schaltfläche, um abzulehnen. Vorher geschieht nichts.",
    "ask.end": "Hat das Tandem seinen Zweck erfüllt? Dann beenden Sie es hier.",
    "ask.rematch": "Drücken Sie die Schaltfläche, um dieses Tandem zu beenden und in der "
    "nächsten Runde ein neues zu erhalten. Sie und {partner} werden nicht erneut zusammengebracht.",
    "ask.checkin": "Drei kurze Fragen. Gespeichert wird erst, wenn Sie das Formular senden.",
    "sent.accept": "Vielen Dank: Ihre Zusage ist gespeichert. Sobald {partner} ebenfalls "
    "annimmt, beginnt das Tandem.",
    "sent.accept.both": "Vielen Dank: Ihre Zusage ist gespeichert. {partner} hat bereits "
    "angenommen, also beginnt das Tandem; Sie beide erhalten eine E-Mail.",
    "sent.decline": "Ihre Antwort ist gespeichert: Das Tandem ist abgelehnt. Wir suchen ein "
    "anderes Tandem für Sie.",
    "sent.end": "Ihre Antwort ist gespeichert: Das Tandem ist beendet. Vielen Dank fürs Mitmachen.",
    "sent.rematch": "Ihr Wunsch ist gespeichert: Das Tandem ist beendet, und in der nächsten "
    "Runde erhalten Sie ein neues.",
    "sent.checkin": "Vielen Dank: Ihre Antwort ist gespeichert. Mit demselben Link können Sie sie "
    "ändern.",
    "recorded": "Ihre Antwort war bereits gespeichert. Es hat sich nichts geändert.",
    "closed": "Dieses Tandem erwartet diese Antwort nicht mehr: Es ist {state}. Es hat sich "
    "nichts geändert.",
    "foreign": "Dieser Link ist nicht gültig. Bitte nutzen Sie den Link aus Ihrer eigenen E-Mail.",
    "invalid": "Dieser Link ist nicht gültig. Bitte nutzen Sie den vollständigen Link aus Ihrer "
    "E-Mail.",
    "expired": "Dieser Link ist abgelaufen. Es hat sich nichts geändert.",
    "missing": "Dieses Tandem gibt es nicht (mehr).",
    "unavailable": "Der Dienst ist ausgelastet. Bitte versuchen Sie es in einer Minute erneut.",
    "notice": "Reverse Mentoring",
    "state.proposed": "vorgeschlagen",
    "state.accepted": "von einem von Ihnen angenommen",
    "state.active": "aktiv",
    "state.declined": "abgelehnt",
    "state.expired": "abgelaufen",
    "state.cancelled": "abgesagt",
    "state.ended": "beendet",
}

WORDINGS: Mapping[str, Mapping[str, str]] = {"en": ENGLISH, "de": GERMAN}


def wording_for(language: str) -> Mapping[str, str]:
    return WORDINGS.get(language, ENGLISH)
