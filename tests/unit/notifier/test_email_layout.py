"""The HTML part as mail clients get it: parsed back from the wire, its layout is self-contained
(inline style, no script, nothing fetched), readable in dark mode and on a phone, every value from
a profile escaped, and it says what the plain-text part says, in the same order."""

import re
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from services.notifier.compose import Program, plan_schedule
from services.notifier.drafts import address
from services.notifier.letters import activation_emails, proposal_emails
from shared.events import PairingProposed
from tests.builders.notifier import BEFORE_EU_DST, berliner, new_yorker, proposed
from tests.unit.notifier.test_answer_buttons import LINKS, URL, activated, proposal_mail, wire
from tests.unit.notifier.test_letters import POLICY, PROGRAM, part, text

HOSTILE = '"><script>alert(1)</script><img src=x onerror=steal()>'


class Reading(HTMLParser):
    """What a reader sees (text outside `<head>`), and the tags, attributes and styles used."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.tags: list[str] = []
        self.styles: list[str] = []
        self.anchors: list[dict[str, str]] = []
        self.ids: set[str] = set()
        self._head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        self.styles.append(found.get("style", ""))
        self.ids.add(found.get("id", ""))
        self._head = self._head or tag == "head"
        if tag == "a":
            self.anchors.append(found)

    def handle_endtag(self, tag: str) -> None:
        self._head = self._head and tag != "head"

    def handle_data(self, data: str) -> None:
        if not self._head:
            self.words += data.split()


def read(message: EmailMessage) -> Reading:
    reading = Reading()
    reading.feed(str(part(message, "text/html").get_content()))
    return reading


def html(message: EmailMessage) -> str:
    return str(part(message, "text/html").get_content())


def words(plain: str) -> list[str]:
    """The text part's words without the URLs (the HTML has them as button targets) and the
    signature separator."""
    return bare([word for word in plain.split() if not URL.fullmatch(word) and word != "--"])


def bare(found: list[str]) -> list[str]:
    """A colon after a caption or a button label is layout, not content."""
    return [word.removesuffix(":") for word in found]


@pytest.fixture
def event() -> PairingProposed:
    event = proposed()
    why = event.data.explanation
    why.younger_teaches[:] = ["content creation", "ai tools"]
    why.older_teaches[:] = ["strategy", "Works Council Relations"]
    why.shared_languages[:] = ["de", "en"]
    return event


def test_the_html_part_is_self_contained_with_no_script_nothing_fetched_and_inline_style(
    event: PairingProposed,
) -> None:
    for message in proposal_mail(event):
        reading, source = read(message), html(message)
        assert not {"script", "link", "img", "iframe", "form", "object"} & set(reading.tags)
        assert "@import" not in source and "url(" not in source and "@font-face" not in source
        assert re.findall(r"""\bsrc\s*=""", source) == []
        targets = [a["href"] for a in reading.anchors]
        assert all(t.startswith(("mailto:", "https://mentoring.example.org/")) for t in targets)
        shown = zip(reading.tags, reading.styles, strict=True)
        assert all(style for tag, style in shown if tag in ("p", "div"))
        assert reading.tags.count("table") >= 3  # the layout is tables, as mail clients need


def test_the_html_part_reads_in_dark_mode_and_on_a_phone(event: PairingProposed) -> None:
    for message in proposal_mail(event):
        source, reading = html(message), read(message)
        assert '<meta name="color-scheme" content="light dark">' in source
        assert '<meta name="supported-color-schemes" content="light dark">' in source
        assert "@media (prefers-color-scheme:dark)" in source
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in source
        assert any("max-width:600px" in style for style in reading.styles)
        sizes = [int(size) for size in re.findall(r"font-size:(\d+)px", source)]
        assert sizes and min(sizes) >= 14
        assert not re.search(r"font-size:\s*\d*\.?\d+(em|rem|pt|%)", source)


def test_the_partner_card_shows_the_exchange_in_the_readers_language(
    event: PairingProposed,
) -> None:
    jana, robert = proposal_mail(event)

    assert {"partner-card", "partner", "teach", "learn", "meeting"} <= read(jana).ids
    german, english = " ".join(read(jana).words), " ".join(read(robert).words)
    assert "Ihr Tandem Robert Miller" in german
    assert "Das bringen Sie Robert Miller bei: Content-Erstellung und KI-Werkzeuge." in german
    assert "Das bringt Robert Miller Ihnen bei: Strategie und Works Council Relations." in german
    assert "Ihr erstes Treffen Montag, 30. März 2026" in german
    assert "Your partner Jana Schmidt" in english
    assert "You will teach Jana Schmidt: strategy and Works Council Relations." in english
    assert "Jana Schmidt will teach you: content creation and ai tools." in english
    assert "Your first meeting Monday, 30 March 2026" in english


def test_the_answer_links_are_buttons(event: PairingProposed) -> None:
    jana, robert = proposal_mail(event)

    for message, labels in ((jana, ["Tandem annehmen"]), (robert, ["Accept the pairing"])):
        buttons = [a for a in read(message).anchors if "button" in a.get("class", "")]
        assert [a["href"] for a in buttons] == URL.findall(text(message))
        assert all("padding:" in a["style"] and "border:" in a["style"] for a in buttons)
        assert all("display:inline-block" in a["style"] for a in buttons)
        assert f">{labels[0]}</a>" in html(message)


def test_the_text_part_says_what_the_html_part_says_in_the_same_order(
    event: PairingProposed,
) -> None:
    activation = activation_emails(activated(event), program=PROGRAM, policy=POLICY, links=LINKS)
    for message in [*proposal_mail(event), *wire(activation)]:
        assert bare(read(message).words) == words(text(message))


def test_without_a_common_time_the_meeting_panel_says_so() -> None:
    event = proposed(older=new_yorker(availability={"sun": [{"start": "03:00", "end": "04:00"}]}))

    jana, robert = proposal_mail(event)

    assert "Ihr erstes Treffen noch offen" in " ".join(read(jana).words)
    assert "Your first meeting not set yet We found no common free time" in " ".join(
        read(robert).words
    )
    assert "Your first meeting: not set yet\nWe found no common free time" in text(robert)


def test_hostile_names_and_skills_are_escaped_in_every_part_of_the_layout() -> None:
    event = proposed(younger=berliner(name=f"Jana{HOSTILE}"), older=new_yorker(name=HOSTILE))
    event.data.explanation.older_teaches.append(f"</td></tr></table>{HOSTILE}")

    for message in proposal_mail(event):
        reading, source = read(message), html(message)
        assert "script" not in reading.tags and "img" not in reading.tags
        assert "<script>" not in source and "<img" not in source
        assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&quot;&gt;&lt;script&gt;" in source
        assert HOSTILE.split()[0] in " ".join(reading.words)  # shown as written, as text
        assert bare(reading.words) == words(text(message))


def test_the_programs_name_in_the_header_and_footer_is_escaped() -> None:
    program = Program(mailbox="mentoring@example.org", name='<b>Mentoring</b> & "Friends"')
    event = proposed()
    schedule = plan_schedule(event.data, POLICY, BEFORE_EU_DST, uid_key=b"invite-key")
    drafts = proposal_emails(event, schedule, program=program, policy=POLICY, links=LINKS)
    jana = address(drafts[0], program=program, now=BEFORE_EU_DST).message
    assert jana is not None

    source = html(jana)
    assert "<b>" not in source
    assert source.count("&lt;b&gt;Mentoring&lt;/b&gt; &amp; ") == 3  # header, sign-off, footer
    assert read(jana).words[:2] == ["<b>Mentoring</b>", "&"]
