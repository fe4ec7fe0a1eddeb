"""The HTML part: the blocks laid out as a small product page that mail clients render. Pure.

Mail clients are not browsers, so the layout keeps to what survives them: nested tables, every
style inline (many clients drop a `<style>` element; the one here only refines dark mode and
phones), no script, no image, no web font: a system font stack. The sheet is fluid up to 600 px
(Outlook on Windows, which ignores `max-width`, gets a fixed 600 px table in a conditional
comment); the two directions of the exchange sit side by side and wrap under each other on a
phone. Colours keep their contrast when a client inverts them for dark mode, and clients that
honour `prefers-color-scheme` get a dark palette. Buttons are padded links with a border of
their own colour ("bulletproof"): the whole button is clickable and stays visible where
backgrounds are stripped.

Jinja2 with autoescape renders it; the blocks arrive already filled with escaped values
(`Markup`), so a name from a profile can never become markup.
"""

import html
from collections.abc import Callable
from string import Template

from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

from services.notifier.blocks import Content, fill

_FONT = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
_BUTTONS = {  # name -> (background, text, border): the answer page's colours
    "accept": ("#1f7a4d", "#ffffff", "#1f7a4d"),
    "decline": ("#ffffff", "#8a3b12", "#8a3b12"),
    "end": ("#2f4f8a", "#ffffff", "#2f4f8a"),
    "rematch": ("#ffffff", "#8a3b12", "#8a3b12"),
}
_ANSWER = ("#ffffff", "#1f4f8a", "#1f4f8a")  # a check-in's answers, the unsubscribe link
_PAGE = """<!DOCTYPE html>
<html lang="{{ c.language }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>{{ c.subject }}</title>
<style>
:root{color-scheme:light dark;supported-color-schemes:light dark}
a{color:#1f4f8a}
@media (prefers-color-scheme:dark){
.page{background:#0f141b!important}.sheet{background:#1a212b!important}
.ink{color:#e6e9ee!important}.muted{color:#a9b1bd!important}a{color:#9cc3ff!important}
.card{border-color:#3a4452!important}.teach{background:#163024!important}
.learn{background:#172338!important}.when{background:#33290f!important}
.button-decline{background:#1a212b!important;color:#f3b08a!important;border-color:#f3b08a!important}
}
@media (max-width:520px){.col{max-width:100%!important}.pad{padding:20px 16px!important}.pad-x{padding-left:16px!important;padding-right:16px!important}}
</style></head>
<body class="page" style="margin:0;padding:0;background:#eef1f5">
<table role="presentation" class="page" width="100%" cellpadding="0" cellspacing="0" border="0"
 style="background:#eef1f5"><tr><td align="center" style="padding:24px 8px">
<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
<table role="presentation" class="sheet" width="100%" cellpadding="0" cellspacing="0" border="0"
 style="max-width:600px;background:#ffffff;border-radius:12px;font-family:{{ font }}">
<tr><td id="header" class="pad-x" style="background:#1f4f8a;color:#ffffff;border-radius:12px 12px 0 0;
padding:18px 32px;font-size:18px;font-weight:600;line-height:1.3">{{ c.header }}</td></tr>
<tr><td class="pad ink" style="padding:28px 32px;color:#1c2433;font-size:16px;line-height:1.5">
{%- for b in blocks %}{% if b.kind == "paragraph" %}{% if b.text|trim %}
<p style="margin:0 0 16px">{{ b.text }}</p>{% endif %}
{%- elif b.kind == "card" %}
<table role="presentation" id="partner-card" class="card" width="100%" cellpadding="0"
 cellspacing="0" border="0" style="margin:0 0 16px;border:1px solid #d9dee7;border-radius:10px">
<tr><td style="padding:16px 12px 14px">
<div class="muted" style="margin:0 4px;color:#5a6475;font-size:14px;letter-spacing:.06em;text-transform:uppercase">{{ b.caption }}</div>
<div id="partner" style="font-size:22px;font-weight:700;margin:2px 4px 12px">{{ b.title }}</div>
{%- for side, text in (("teach", b.exchange[0]), ("learn", b.exchange[1])) -%}
<div class="col" style="display:inline-block;width:100%;max-width:250px;vertical-align:top">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
<td style="padding:0 4px 8px"><div class="{{ side }}" id="{{ side }}" style="background:{{ tints[side][0] }};
border-left:4px solid {{ tints[side][1] }};border-radius:6px;padding:10px 12px;font-size:15px">{{ text }}</div>
</td></tr></table></div>
{%- endfor %}
{%- for note in b.notes %}
<p class="muted" style="margin:4px 4px 0;color:#5a6475;font-size:15px">{{ note }}</p>{% endfor %}
</td></tr></table>
{%- elif b.kind == "panel" %}
<div class="when" id="meeting" style="margin:0 0 16px;background:#fff4dc;border-left:4px solid #b7791f;
border-radius:6px;padding:12px 16px">
<div class="muted" style="color:#5a6475;font-size:14px;letter-spacing:.06em;text-transform:uppercase">{{ b.caption }}</div>
<div style="font-size:17px;font-weight:700;margin:2px 0 4px">{{ b.headline }}</div>
<div style="font-size:15px">{{ b.detail }}</div></div>
{%- elif b.kind == "actions" and b.inline %}
<p style="margin:0 0 12px">{% for name in b.names if name in c.buttons %}
{%- set label, url = c.buttons[name] %}{% set bg, ink, edge = colours.get(name, answer) %}
<a class="button button-{{ name }}" href="{{ url }}" style="display:inline-block;margin:0 8px 8px 0;
padding:10px 16px;border:2px solid {{ edge }};border-radius:8px;background:{{ bg }};color:{{ ink }};
font-size:16px;font-weight:600;line-height:1.3;text-decoration:none">{{ label }}</a>{% endfor %}</p>
{%- elif b.kind == "actions" %}{% for name in b.names if name in c.buttons %}
{%- set label, url = c.buttons[name] %}{% set bg, ink, edge = colours.get(name, answer) %}
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 12px">
<tr><td class="button-{{ name }}" bgcolor="{{ bg }}" style="border-radius:8px;background:{{ bg }}"><a class="button button-{{ name }}"
 href="{{ url }}" style="display:inline-block;padding:12px 22px;border:2px solid {{ edge }};
border-radius:8px;background:{{ bg }};color:{{ ink }};font-size:16px;font-weight:600;line-height:1.3;
text-decoration:none">{{ label }}</a></td></tr></table>
{%- endfor %}{% endif %}{% endfor %}
</td></tr></table>
<!--[if mso]></td></tr></table><![endif]-->
<p id="footer" class="muted" style="max-width:600px;margin:16px auto 0;padding:0 16px;color:#5a6475;
font-family:{{ font }};font-size:14px;line-height:1.5">{{ footer }}</p>
</td></tr></table>
</body></html>
"""
_TINTS = {"teach": ("#e6f3ec", "#1f7a4d"), "learn": ("#e8eef9", "#2f4f8a")}
_ENV = Environment(
    loader=DictLoader({"email.html": _PAGE}),
    autoescape=select_autoescape(default=True, default_for_string=True),
    keep_trailing_newline=True,
)


def render_html(content: Content) -> str:
    each = _filler(content)
    return _ENV.get_template("email.html").render(
        c=content,
        blocks=fill(content.blocks, each),
        footer=each(content.footer),
        font=Markup(_FONT),
        colours=_BUTTONS,
        answer=_ANSWER,
        tints=_TINTS,
    )


def _filler(content: Content) -> Callable[[Template], Markup]:
    """Fills a template as HTML: its own words and every value escaped, the partner's address as
    a mailto link, a line break as `<br>`."""
    values = {key: html.escape(value) for key, value in content.values.items()}
    for key, address in content.links.items():
        values[key] = f'<a href="{html.escape(f"mailto:{address}")}">{values[key]}</a>'

    def each(template: Template) -> Markup:
        filled = Template(html.escape(template.template)).substitute(values)
        return Markup(filled.replace("\n", "<br>\n"))

    return each
