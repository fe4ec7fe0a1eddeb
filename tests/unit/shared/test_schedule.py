"""Round times: the next round is the earliest listed or ruled local time after a given instant."""

from datetime import UTC, date, datetime, timedelta

from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.schedule import local_round_times, local_to_utc, next_round

ZONES = ["Europe/Berlin", "America/Sao_Paulo", "Australia/Sydney", "Asia/Kolkata", "UTC"]
RULES = [
    None,
    "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9",
    "FREQ=DAILY;BYHOUR=2;BYMINUTE=30",  # inside the spring-forward gap in Berlin once a year
    "FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=8",
    "FREQ=HOURLY;INTERVAL=7",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10",
]
ANCHOR = datetime(2027, 1, 1)
LAST_DAY = date(2027, 12, 31)

local_times = st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2028, 1, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)
instants = st.datetimes(
    min_value=datetime(2026, 12, 1), max_value=datetime(2028, 1, 31), timezones=st.just(UTC)
)


def _every_round(rounds_at: list[datetime], rule: str | None, zone: str) -> list[datetime]:
    """The brute-force answer: every round of the year, as UTC instants."""
    end = datetime(2028, 1, 1)
    ruled = list(rrulestr(rule, dtstart=ANCHOR).between(ANCHOR, end, inc=True)) if rule else []
    local = [at for at in [*rounds_at, *ruled] if at.date() <= LAST_DAY]
    return sorted({local_to_utc(at, zone) for at in local})


@settings(max_examples=150, deadline=None)
@given(
    rounds_at=st.lists(local_times, max_size=6),
    rule=st.sampled_from(RULES),
    zone=st.sampled_from(ZONES),
    after=instants,
)
def test_next_round_is_the_earliest_round_strictly_after(
    rounds_at: list[datetime], rule: str | None, zone: str, after: datetime
) -> None:
    found = next_round(
        rounds_at, rule, timezone=zone, anchor=ANCHOR, last_day=LAST_DAY, after=after
    )
    expected = next((at for at in _every_round(rounds_at, rule, zone) if at > after), None)
    assert found == expected


@given(rounds_at=st.lists(local_times, max_size=6), rule=st.sampled_from(RULES))
def test_local_round_times_are_ordered_and_unique(
    rounds_at: list[datetime], rule: str | None
) -> None:
    times = local_round_times(rounds_at + rounds_at, rule, anchor=ANCHOR, start=ANCHOR)
    first = [next(times, None) for _ in range(40)]
    present = [at for at in first if at is not None]
    assert present == sorted(set(present))


def test_a_round_in_the_spring_forward_gap_runs_an_hour_later_by_the_clock() -> None:
    gap = datetime(2027, 3, 28, 2, 30)  # Berlin skips 02:00-03:00 that night
    found = next_round(
        [gap],
        None,
        timezone="Europe/Berlin",
        anchor=ANCHOR,
        last_day=LAST_DAY,
        after=datetime(2027, 3, 28, tzinfo=UTC),
    )
    assert found == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert found - datetime(2027, 3, 28, tzinfo=UTC) == timedelta(hours=1, minutes=30)
