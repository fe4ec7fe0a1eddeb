"""The pages of an unsubscribe link, in the link's language: one that asks (with the button), one
that confirms, one for a link that is not valid, one for a store that is down. Pure."""

from typing import Literal

from jinja2 import DictLoader, Environment, select_autoescape

Kind = Literal["ask", "done", "invalid", "unavailable"]
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Reminders",
        "ask": "Stop the reminders about unanswered pairings and check-ins? The news about your "
        "pairing and the check-ins themselves still reach you.",
        "button": "Unsubscribe from reminders",
        "done": "Done: you will get no more reminders. The news about your pairing and the "
        "check-ins still reach you.",
        "invalid": "This link is not valid. Please use the link from the email as it is.",
        "unavailable": "This did not work just now. Please try again in a few minutes.",
    },
    "de": {
        "title": "Erinnerungen",
        "ask": "Keine Erinnerungen mehr an offene Tandems und Check-ins? Nachrichten zu Ihrem "
        "Tandem und die Check-ins selbst erhalten Sie weiterhin.",
        "button": "Erinnerungen abbestellen",
        "done": "Erledigt: Sie erhalten keine Erinnerungen mehr. Nachrichten zu Ihrem Tandem "
        "und die Check-ins erhalten Sie weiterhin.",
        "invalid": "Dieser Link ist ungültig. Bitte verwenden Sie den Link aus der E-Mail "
        "unverändert.",
        "unavailable": "Das hat gerade nicht geklappt. Bitte versuchen Sie es in ein paar "
        "Minuten noch einmal.",
    },
}
_PAGE = """<!DOCTYPE html>
<html lang="{{ language }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{ w.title }}</title></head>
<body style="margin:0;background:#eef1f5;font-family:-apple-system,'Segoe UI',Roboto,Arial,sans-serif">
<main style="max-width:560px;margin:32px auto;background:#fff;border-radius:12px;padding:28px 32px;
color:#1c2433;font-size:16px;line-height:1.5">
<h1 style="font-size:22px;margin:0 0 16px">{{ w.title }}</h1>
<p id="message">{{ w[kind] }}</p>
{%- if kind == "ask" %}
<form method="post" action="{{ form_action }}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit" style="padding:12px 22px;border:2px solid #1f4f8a;border-radius:8px;
background:#1f4f8a;color:#fff;font-size:16px;font-weight:600">{{ w.button }}</button>
</form>{% endif %}
</main></body></html>
"""
_ENV = Environment(
    loader=DictLoader({"page.html": _PAGE}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def render(kind: Kind, *, language: str, form_action: str = "") -> str:
    words = _WORDS.get(language, _WORDS["en"])
    return _ENV.get_template("page.html").render(
        w=words,
        kind=kind,
        language=language if language in _WORDS else "en",
        form_action=form_action,
    )
