"""The report routes: for `admin` keys only; without `personal=true` the figures hold no
personal data, names and emails only when asked for; the page is one self-contained document."""

import re
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI

from tests.builders.report import (
    ADMIN,
    ANSWERS,
    BY_ID,
    PEOPLE,
    PROGRAM,
    READER,
    answered,
    report_app,
)
from tests.fakes.matcher import (
    FakePeople,
)
from tests.helpers import asgi_client

NAMED = [p for p in PEOPLE if p.id in {"y2", "y3", "o2", "o4", "u1"}]  # flagged or unpaired


async def get(path: str, key: str, app: FastAPI | None = None, **params: str) -> httpx.Response:
    async with asgi_client(app or await report_app(), base_url="http://matcher") as client:
        return await client.get(path, params=params, headers={"X-API-Key": key})


class Page(HTMLParser):
    """What the page is made of: its tags, the ids of its figures, the svg inside each."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.figures: dict[str, int] = {}  # figure id -> drawn elements inside its svg
        self._figure: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        if tag == "figure":
            self._figure = dict(attrs)["id"]
            self.figures[self._figure or ""] = 0
        elif tag in {"path", "use", "rect"} and self._figure is not None:
            self.figures[self._figure] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._figure = None


async def test_an_admin_key_gets_the_figures_without_any_personal_data_unless_asked() -> None:
    response = await get(f"/programs/{PROGRAM}/report", ADMIN)

    assert response.status_code == 200
    found = response.json()
    assert found["personal"] is False
    assert (found["pairs"]["proposed"], found["time_to_accept"]["median_hours"]) == (8, 16.5)
    assert found["flagged"]["listed"] is None and found["unpaired"]["listed"] is None
    for person in PEOPLE:
        assert person.email not in response.text and person.name not in response.text


@pytest.mark.parametrize("path", ["report", "report.html"])
async def test_the_report_needs_an_admin_key_and_personal_data_an_admin_who_asks(path: str) -> None:
    refused = await get(f"/programs/{PROGRAM}/{path}", READER)
    refused_personal = await get(f"/programs/{PROGRAM}/{path}", READER, personal="true")
    admin_without = await get(f"/programs/{PROGRAM}/{path}", ADMIN)
    admin_with = await get(f"/programs/{PROGRAM}/{path}", ADMIN, personal="true")

    assert refused.status_code == refused_personal.status_code == 403
    assert "admin" in refused.json()["detail"]
    assert all(p.email not in refused_personal.text for p in PEOPLE)
    assert admin_without.status_code == admin_with.status_code == 200
    for person in PEOPLE:
        assert person.email not in admin_without.text
    for person in NAMED:
        assert person.email in admin_with.text


async def test_the_page_is_self_contained_with_every_chart_drawn_inline() -> None:
    response = await get(f"/programs/{PROGRAM}/report.html", ADMIN)
    page = Page()
    page.feed(response.text)

    assert response.headers["content-type"].startswith("text/html")
    assert list(page.figures) == [
        "enrolment",
        "pairs",
        "time-to-accept",
        "gaps",
        "skills-younger-to-older",
        "skills-older-to-younger",
        "meetings",
        "usefulness-checkin",
        "usefulness-week",
        "flags",
        "unpaired",
    ]
    assert all(drawn > 10 for drawn in page.figures.values()), page.figures
    assert page.tags.count("svg") == len(page.figures)
    assert {"script", "iframe", "img", "link", "object", "embed"}.isdisjoint(page.tags)
    assert not re.search(r"https?:|//[a-z]", response.text, re.IGNORECASE)
    hrefs = [v for k, v in page.attributes if k in {"href", "xlink:href", "src"}]
    assert hrefs and all((v or "").startswith("#") for v in hrefs)
    assert not any(k.startswith("on") for k, _ in page.attributes)


async def test_everything_on_the_page_is_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    people = FakePeople(*PEOPLE)
    await people.apply(BY_ID["u1"].model_copy(update={"name": hostile, "version": 2}))
    answers = await answered(*ANSWERS, ANSWERS[0].model_copy(update={"learned": [hostile, "$x"]}))
    app = await report_app(people=people, checkin_answers=answers)

    response = await get(f"/programs/{PROGRAM}/report.html", ADMIN, app, personal="true")

    assert response.status_code == 200
    assert "<script" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
