"""Slopes of what a soak sampled, and whether memory kept growing after the warm-up. Pure.

A process whose memory settles shows a flat line after the warm-up; a leak shows a slope that
does not fade. "Growing" needs both: a least-squares slope above `limit` MB per minute over the
samples after the warm-up, and the last third of them higher on average than the first third by
more than `margin` MB (so a single late spike, or noise around a flat line, does not count).
"""

import statistics
from dataclasses import dataclass

Sample = tuple[float, float]  # (seconds since start, value)


@dataclass(frozen=True)
class Trend:
    slope_per_minute: float
    first: float
    last: float
    growing: bool


def trend(
    samples: list[Sample], *, warmup: float, limit: float = 0.5, margin: float = 5.0
) -> Trend:
    after = [(t, v) for t, v in samples if t >= warmup]
    if len(after) < 3:
        return Trend(0.0, after[0][1] if after else 0.0, after[-1][1] if after else 0.0, False)
    times, values = [t / 60 for t, _ in after], [v for _, v in after]
    slope = statistics.linear_regression(times, values).slope
    third = max(1, len(values) // 3)
    rise = statistics.fmean(values[-third:]) - statistics.fmean(values[:third])
    return Trend(slope, values[0], values[-1], slope > limit and rise > margin)
