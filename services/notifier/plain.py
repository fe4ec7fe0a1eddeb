"""The plain-text part: the same blocks as the HTML part, in the same order, as plain lines. Pure.

Values go in as written (a text part needs no escaping); a button is its label and its URL on the
next line, which every mail client can follow.
"""

from collections.abc import Mapping

from services.notifier.blocks import Actions, Block, Card, Content, Panel, Paragraph, fill

SIGNATURE = "-- "  # the conventional separator before a footer (RFC 3676)


def render_text(content: Content) -> str:
    blocks = fill(content.blocks, lambda template: template.substitute(content.values))
    body = [_block(block, content.buttons) for block in blocks]
    footer = content.footer.substitute(content.values)
    parts = [content.header, *body, f"{SIGNATURE}\n{footer}" if footer else ""]
    return "\n\n".join(part for part in parts if part.strip()) + "\n"


def _block(block: Block[str], buttons: Mapping[str, tuple[str, str]]) -> str:
    match block:
        case Paragraph(text):
            return text
        case Card(caption, title, (mine, theirs), notes):
            return "\n".join([f"{caption}: {title}", mine, theirs, *notes])
        case Panel(caption, headline, detail):
            return f"{caption}: {headline}\n{detail}"
        case Actions(names, _):
            shown = (buttons[name] for name in names if name in buttons)
            return "\n\n".join(f"{label}:\n{url}" for label, url in shown)
