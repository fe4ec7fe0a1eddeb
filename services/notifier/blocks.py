"""What an email says, as blocks in reading order: paragraphs, the partner card, the first meeting
and the answer buttons. Pure.

A wording holds blocks of `string.Template`s. The text part and the HTML part fill the same blocks
(`fill`), once with raw values and once with escaped ones, and render them in the same order, so
the two parts cannot drift apart; only the look differs.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from string import Template
from typing import ClassVar, Generic, TypeAlias, TypeVar

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Paragraph(Generic[T]):
    """A paragraph; a line break in it stays a line break."""

    text: T
    kind: ClassVar[str] = "paragraph"

    def fill(self, each: Callable[[T], U]) -> "Paragraph[U]":
        return Paragraph(each(self.text))


@dataclass(frozen=True)
class Card(Generic[T]):
    """The partner: a caption ("Your partner"), their name, what each teaches the other (both
    directions, so it reads as an exchange) and notes (shared languages, contact)."""

    caption: T
    title: T
    exchange: tuple[T, T]
    notes: tuple[T, ...]
    kind: ClassVar[str] = "card"

    def fill(self, each: Callable[[T], U]) -> "Card[U]":
        mine, theirs = self.exchange
        notes = tuple(each(note) for note in self.notes)
        return Card(each(self.caption), each(self.title), (each(mine), each(theirs)), notes)


@dataclass(frozen=True)
class Panel(Generic[T]):
    """One highlighted fact: a caption, the fact itself, and a detail (the first meeting)."""

    caption: T
    headline: T
    detail: T
    kind: ClassVar[str] = "panel"

    def fill(self, each: Callable[[T], U]) -> "Panel[U]":
        return Panel(each(self.caption), each(self.headline), each(self.detail))


@dataclass(frozen=True)
class Actions(Generic[T]):
    """The answer buttons, by name (`accept`, `decline`, `end`, a check-in's answers); the
    email's links fill them. `inline`: short answers side by side (wrapping on a phone)."""

    names: tuple[str, ...]
    inline: bool = False
    kind: ClassVar[str] = "actions"

    def fill(self, each: Callable[[T], U]) -> "Actions[U]":
        return Actions(self.names, self.inline)


Block: TypeAlias = Paragraph[T] | Card[T] | Panel[T] | Actions[T]
Blocks: TypeAlias = tuple[Block[Template], ...]


def para(text: str) -> Paragraph[Template]:
    return Paragraph(Template(text))


def card(
    caption: str, title: str, exchange: tuple[str, str], notes: tuple[str, ...]
) -> Card[Template]:
    mine, theirs = exchange
    return Card(
        Template(caption),
        Template(title),
        (Template(mine), Template(theirs)),
        tuple(Template(note) for note in notes),
    )


def panel(caption: str, headline: str, detail: str) -> Panel[Template]:
    return Panel(Template(caption), Template(headline), Template(detail))


def fill(blocks: Blocks, each: Callable[[Template], U]) -> list[Block[U]]:
    """Every block with each of its templates filled by `each`."""
    return [block.fill(each) for block in blocks]


@dataclass(frozen=True)
class Content:
    """What one email says: its blocks with their raw values, the partner's address to link
    (value name -> address), the buttons (name -> (label, URL)), and the frame around them."""

    subject: str
    blocks: Blocks
    values: Mapping[str, str]
    links: Mapping[str, str] = field(default_factory=dict)
    buttons: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    header: str = ""  # the program's name, at the top
    footer: Template = field(default_factory=lambda: Template(""))  # why the reader gets it
    language: str = "en"
