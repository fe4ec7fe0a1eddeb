"""The soak's verdict on memory: a leak after the warm-up fails, a warm-up that settles does not."""

from bench.faults.trend import trend


def test_memory_that_settles_after_the_warm_up_is_not_growing() -> None:
    samples = [(t * 30.0, 80.0 + min(t, 10) * 4 + (t % 2)) for t in range(40)]

    found = trend(samples, warmup=300)

    assert not found.growing
    assert abs(found.slope_per_minute) < 0.5


def test_memory_that_keeps_rising_after_the_warm_up_is_growing() -> None:
    samples = [(t * 30.0, 80 + t * 1.0) for t in range(40)]  # 2 MB a minute

    found = trend(samples, warmup=300)

    assert found.growing
    assert round(found.slope_per_minute, 3) == 2.0


def test_one_late_spike_is_not_a_leak() -> None:
    samples = [(t * 30.0, 100.0) for t in range(39)] + [(39 * 30.0, 140.0)]

    assert not trend(samples, warmup=300).growing
