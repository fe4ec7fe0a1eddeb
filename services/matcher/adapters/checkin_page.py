"""The check-in page as HTML, rendered by one pure function (`render_checkin`): the three
questions (did you meet, what did you learn from your partner, how useful), with the current or
preselected answer chosen, and the outcome once sent.

Like the answer pages (`answer_page`): Jinja2 with autoescape, no script, nothing loaded,
inline style; skills named in the page's language.
"""

from dataclasses import dataclass

from jinja2 import DictLoader, Environment, select_autoescape

from services.matcher.adapters.answer_page import Kind
from services.matcher.adapters.answer_wording import wording_for
from services.matcher.adapters.checkin_wording import checkin_wording_for
from services.matcher.usecases.checkin_links import Said
from shared.vocabulary import skill_name

MET = ("yes", "not_yet", "stopped")


@dataclass(frozen=True)
class CheckinPage:
    kind: Kind
    language: str
    partner: str
    choices: tuple[str, ...]  # skill codes the partner teaches
    chosen: Said
    form_action: str
    had_answer: bool = False
    empty: bool = False  # the form was sent without any answer
    rematch_url: str | None = None
    state: str = ""  # the pairing's, for a link that no longer takes answers


_PAGE = """<!DOCTYPE html>
<html lang="{{ w.lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ w["title.checkin"] }}</title></head>
<body style="margin:0;background:#f4f5f7;color:#1d2330;font:16px/1.5 system-ui,sans-serif">
<main style="max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:12px">
<p style="margin:0;color:#5b6475;font-size:.9rem">{{ w.notice }}</p>
<h1 style="font-size:1.4rem;margin:.3rem 0 1rem">{{ w["title.checkin"] }}</h1>
<p id="message">{{ message }}</p>
{% if page.kind == "ask" %}
<form method="post" action="{{ page.form_action }}">
<fieldset style="border:0;padding:0;margin:0 0 1rem"><legend style="font-weight:600">{{ c.met }}</legend>
{% for value in met %}<label style="display:block"><input type="radio" name="met"
 value="{{ value }}"{% if page.chosen.met == value %} checked{% endif %}> {{ c["met." + value] }}</label>
{% endfor %}
</fieldset>
<fieldset style="border:0;padding:0;margin:0 0 1rem"><legend style="font-weight:600">{{ learned }}</legend>
{% for code, name in choices %}<label style="display:block"><input type="checkbox" name="learned"
 value="{{ code }}"{% if code in page.chosen.learned %} checked{% endif %}> {{ name }}</label>{% endfor %}
<label for="learned_text" style="display:block;margin-top:.5rem">{{ c.learned_text }}</label>
<textarea id="learned_text" name="learned_text" maxlength="200" rows="2"
 style="width:100%;box-sizing:border-box">{{ page.chosen.learned_text or "" }}</textarea>
</fieldset>
<fieldset style="border:0;padding:0;margin:0 0 1rem"><legend style="font-weight:600">{{ c.usefulness }}</legend>
{% for n in range(1, 6) %}<label style="margin-right:1rem"><input type="radio" name="usefulness"
 value="{{ n }}"{% if page.chosen.usefulness == n %} checked{% endif %}> {{ n }}</label>{% endfor %}
</fieldset>
<button id="answer" type="submit" style="font:inherit;font-weight:600;padding:.7rem 1.4rem;
border:0;border-radius:8px;color:#fff;background:#2f4f8a">{{ w["button.checkin"] }}</button>
</form>{% endif %}
{% if page.rematch_url %}<p style="margin-top:1.5rem">{{ c.rematch }}
<a id="rematch" href="{{ page.rematch_url }}">{{ c["rematch.link"] }}</a></p>{% endif %}
</main></body></html>
"""

_ENV = Environment(
    loader=DictLoader({"checkin.html": _PAGE}),
    autoescape=select_autoescape(default=True, default_for_string=True),
    keep_trailing_newline=True,
)


def render_checkin(page: CheckinPage) -> str:
    w, c = wording_for(page.language), checkin_wording_for(page.language)
    if page.kind == "ask":
        message = (
            c["empty"] if page.empty else (c["current"] if page.had_answer else w["ask.checkin"])
        )
    elif page.kind == "sent":
        message = w["sent.checkin"]
    else:
        state = w.get(f"state.{page.state}", page.state)
        message = w[page.kind].format(state=state, partner=page.partner)
    return _ENV.get_template("checkin.html").render(
        page=page,
        w=w,
        c=c,
        met=MET,
        message=message,
        learned=c["learned"].format(partner=page.partner or "-"),
        choices=[(code, skill_name(code, w["lang"])) for code in page.choices],
    )
