"""The answer pages as HTML, rendered by one pure function (`render`) from a `Page`.

Jinja2 with autoescape: every name and skill is escaped, whatever a profile holds. The page has
no script and loads nothing: its style is inline, so it works under a strict content policy.
Vocabulary skills are named in the page's language (`shared.vocabulary`), as in the email the
link came from; free-text extras are shown as written.
"""

from dataclasses import dataclass
from typing import Literal

from jinja2 import DictLoader, Environment, select_autoescape

from services.matcher.adapters.answer_wording import wording_for
from shared.answer_links import Action
from shared.vocabulary import skill_name

Kind = Literal[
    "ask", "sent", "recorded", "closed", "foreign", "invalid", "expired", "missing", "unavailable"
]


@dataclass(frozen=True)
class Page:
    """What one answer page shows. `action` and the people are known once the link was read."""

    kind: Kind
    language: str = "en"
    action: Action | None = None
    partner: str = ""
    you_teach: tuple[str, ...] = ()  # as the explanation has them; `render` names them
    partner_teaches: tuple[str, ...] = ()
    state: str = ""
    form_action: str = ""  # where the button posts to: the page's own path
    partner_accepted: bool = False


_PAGE = """<!DOCTYPE html>
<html lang="{{ w.lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ title }}</title></head>
<body style="margin:0;background:#f4f5f7;color:#1d2330;font:16px/1.5 system-ui,sans-serif">
<main style="max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:12px">
<p style="margin:0;color:#5b6475;font-size:.9rem">{{ w.notice }}</p>
<h1 style="font-size:1.4rem;margin:.3rem 0 1rem">{{ title }}</h1>
{% if page.partner %}
<dl style="margin:0 0 1rem">
<dt style="font-weight:600">{{ w.partner }}</dt><dd style="margin:0 0 .5rem">{{ page.partner }}</dd>
<dt style="font-weight:600">{{ w.you_teach }}</dt>
<dd style="margin:0 0 .5rem">{{ you_teach | join(", ") or "-" }}</dd>
<dt style="font-weight:600">{{ partner_teaches }}</dt>
<dd style="margin:0 0 .5rem">{{ they_teach | join(", ") or "-" }}</dd>
</dl>{% endif %}
<p id="message">{{ message }}</p>
{% if page.kind == "ask" %}
<form method="post" action="{{ page.form_action }}">
{% if page.action == "decline" %}
<label for="reason" style="display:block;font-weight:600">{{ reason }}</label>
<textarea id="reason" name="reason" maxlength="200" rows="3"
 style="width:100%;box-sizing:border-box;margin:.3rem 0 1rem"></textarea>{% endif %}
<button id="answer" type="submit" style="font:inherit;font-weight:600;padding:.7rem 1.4rem;
border:0;border-radius:8px;color:#fff;background:{{ colour }}">{{ button }}</button>
</form>{% endif %}
</main></body></html>
"""

_ENV = Environment(
    loader=DictLoader({"page.html": _PAGE}),
    autoescape=select_autoescape(default=True, default_for_string=True),
    keep_trailing_newline=True,
)
_COLOURS = {
    "accept": "#1f7a4d",
    "decline": "#8a3b12",
    "end": "#2f4f8a",
    "rematch": "#6b3f8a",
    "checkin": "#2f4f8a",
}


def render(page: Page) -> str:
    w = wording_for(page.language)
    partner = page.partner or "-"
    action = page.action or "accept"
    title = w[f"title.{action}"] if page.action else w["notice"]
    message = w[f"{page.kind}.{action}"] if page.kind in ("ask", "sent") else w[page.kind]
    if page.kind == "sent" and action == "accept" and page.partner_accepted:
        message = w["sent.accept.both"]
    state = w.get(f"state.{page.state}", page.state)
    return _ENV.get_template("page.html").render(
        page=page,
        w=w,
        title=title,
        message=message.format(partner=partner, state=state),
        partner_teaches=w["partner_teaches"].format(partner=partner),
        button=w[f"button.{action}"],
        reason=w["reason"].format(partner=partner),
        colour=_COLOURS[action],
        you_teach=[skill_name(skill, w["lang"]) for skill in page.you_teach],
        they_teach=[skill_name(skill, w["lang"]) for skill in page.partner_teaches],
    )
