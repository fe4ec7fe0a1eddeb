"""The report's charts, drawn on the server as inline SVG with matplotlib.

Only the object API (`Figure`), never pyplot: no global figure state, so charts may be drawn in
worker threads. Text is drawn as paths (matplotlib's default for SVG), so the page needs no font;
the XML prologue and namespace declarations are dropped (an SVG inline in HTML needs neither), so
the page names no URL at all.
"""

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from services.matcher.report.model import Bar

COLOURS = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#e53e3e")
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_SIZE = re.compile(r'\s+(?:width|height)="[^"]*pt"')
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


@dataclass(frozen=True)
class Series:
    """One set of bars (or points) of a chart, by label."""

    name: str
    bars: Sequence[Bar]


def bars(series: Sequence[Series], *, horizontal: bool = False) -> str:
    """Grouped bars (one group per label, one bar per series); 'no data yet' when all empty."""
    labels = list(dict.fromkeys(_plain(b.label) for s in series for b in s.bars))
    figure, axes = _figure(max(2.4, 0.35 * len(labels) + 1.2) if horizontal else 2.8)
    if not labels:
        return _empty(figure, axes)
    width = 0.8 / len(series)
    for i, one in enumerate(series):
        counts = {_plain(b.label): b.count for b in one.bars}
        at = [n + i * width - 0.4 + width / 2 for n in range(len(labels))]
        values = [counts.get(label, 0) for label in labels]
        draw = axes.barh if horizontal else axes.bar
        draw(at, values, width, label=_plain(one.name), color=COLOURS[i % len(COLOURS)])
    if not any(b.count for s in series for b in s.bars):  # all zero: a scale from 0, not around it
        (axes.set_xlim if horizontal else axes.set_ylim)(0, 1)
    ticks = axes.set_yticks if horizontal else axes.set_xticks
    ticks(range(len(labels)), labels, fontsize=8)
    if horizontal:
        axes.invert_yaxis()
    else:
        axes.tick_params(axis="x", labelrotation=20 if len(labels) > 5 else 0)
    if len(series) > 1:
        figure.legend(fontsize=8, frameon=False, loc="outside lower center", ncols=len(series))
    return _svg(figure)


def line(points: Sequence[tuple[str, float]], *, low: float, high: float) -> str:
    """One line over labelled points (e.g. weeks), on a fixed scale."""
    figure, axes = _figure(2.8)
    if not points:
        return _empty(figure, axes)
    labels = [_plain(label) for label, _ in points]
    axes.plot(range(len(points)), [v for _, v in points], marker="o", color=COLOURS[0])
    axes.set_xticks(range(len(points)), labels, fontsize=8)
    axes.set_ylim(low, high)
    return _svg(figure)


def _plain(text: str) -> str:
    """Text shown as it is: a `$` would start matplotlib's math mode."""
    return text.replace("$", r"\$")


def _figure(height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(5.6, height), layout="constrained")
    axes = figure.add_subplot()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _empty(figure: Figure, axes: Axes) -> str:
    axes.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])
    return _svg(figure)


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata=_NO_METADATA)
    svg = _PROLOGUE.sub("", out.getvalue(), count=1)
    return _SIZE.sub("", _NAMESPACES.sub("", svg, count=2), count=2)
