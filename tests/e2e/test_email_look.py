"""The emails as people see them: the HTML part of a delivered proposal (an `.eml` file from the
SMTP sink), English and German, rendered by headless Chromium at desktop and phone widths. The
partner card, both directions of the exchange in the reader's language and the answer buttons are
visible and fit the screen; the screenshots are kept under `.local/artefacts/`."""

from email.message import EmailMessage

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from deploy.processes import System
from tests.e2e.browser import ARTEFACTS, at_default, screenshot, show_at
from tests.e2e.inbox import LINK, Inbox
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

YOUNG = {"vocabulary": ["social_media", "ai_tools"]}
OLD = {"vocabulary": ["strategy", "leadership"]}
SCREENS = {"desktop": (1024, False), "phone": (390, True)}
# What each reader teaches and learns, in the reader's language.
SKILLS = {
    "de": (("Social Media", "KI-Werkzeuge"), ("Strategie", "Führung")),
    "en": (("strategy", "leadership"), ("social media", "ai tools")),
}


async def test_delivered_emails_show_the_card_the_exchange_and_the_buttons_on_every_screen(
    system: System, browser: WebDriver, unique: str
) -> None:
    inbox = Inbox(system, unique)
    await inbox.add("Lena", 1999, YOUNG, OLD, ["de", "en"])
    await inbox.add("Henry", 1957, OLD, YOUNG, ["en"])
    emails = {
        "de": ("Henry", await eventually(lambda: inbox.emails("Lena"), within=120)),
        "en": ("Lena", await eventually(lambda: inbox.emails("Henry"), within=120)),
    }
    try:
        for language, (partner, [proposal]) in emails.items():
            page = ARTEFACTS / f"email-{language}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(html_part(proposal), encoding="utf-8")
            for screen, (width, phone) in SCREENS.items():
                show_at(browser, page.as_uri(), width=width, phone=phone)
                check_layout(browser, proposal, partner, language, phone=phone)
                screenshot(browser, f"email-{language}-{screen}.png")
    finally:
        at_default(browser)


def html_part(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def check_layout(
    browser: WebDriver, proposal: EmailMessage, partner: str, language: str, *, phone: bool
) -> None:
    width = browser.execute_script("return window.innerWidth")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    card = browser.find_element(By.ID, "partner-card")
    teach, learn = browser.find_element(By.ID, "teach"), browser.find_element(By.ID, "learn")
    for element in (card, teach, learn):
        assert fits(element, width)
    assert browser.find_element(By.ID, "partner").text == partner
    teaches, learns = SKILLS[language]
    assert all(skill in teach.text for skill in teaches), teach.text
    assert all(skill in learn.text for skill in learns), learn.text
    if phone:  # the two directions wrap under each other
        assert learn.rect["y"] >= teach.rect["y"] + teach.rect["height"]
    else:  # side by side
        assert learn.rect["y"] == teach.rect["y"] and learn.rect["x"] > teach.rect["x"]
    buttons = browser.find_elements(By.CSS_SELECTOR, "a.button")
    plain = proposal.get_body(preferencelist=("plain",))
    assert plain is not None
    assert [b.get_attribute("href") for b in buttons] == LINK.findall(plain.get_content())
    assert len(buttons) == 2 and all(fits(button, width) for button in buttons)
    assert all(button.size["height"] >= 40 for button in buttons)  # a finger's size


def fits(element: WebElement, width: int) -> bool:
    """Shown, with a size, and wholly within the screen's width."""
    left, size = element.rect["x"], element.rect["width"]
    return element.is_displayed() and size > 0 and left >= 0 and left + size <= width
