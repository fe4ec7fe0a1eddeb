"""The matcher and the notifier agree on availability: any pair the matcher accepts, the notifier
can give a first meeting within its horizon, across timezones and daylight-saving switches."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from services.matcher.core.features import person_of
from services.matcher.core.policy import Policy
from services.matcher.core.scoring import person_violation
from services.notifier.compose import plan_schedule
from services.notifier.settings import NotifierSettings
from shared.availability import coming_monday
from tests.builders.matcher import old, young
from tests.builders.notifier import person, proposed

# Northern and southern daylight saving, none, half-hour and 45-minute offsets, a half-hour switch.
ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Auckland",
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def weeks(draw: st.DrawFn) -> dict[str, list[dict[str, str]]]:
    """One free range on each of one to three weekdays, on a five-minute grid."""
    week: dict[str, list[dict[str, str]]] = {}
    for day in draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True)):
        start = draw(st.integers(0, 287)) * 5
        end = draw(st.integers(start // 5 + 1, 288)) * 5
        week[day] = [{"start": clock(start), "end": clock(end)}]
    return week


people = st.fixed_dictionaries({"timezone": st.sampled_from(ZONES), "availability": weeks()})


# About half of random pairs have too little common time: rejecting them is the matcher's own
# decision, so neither that filtering nor slow generation on a busy machine is a problem here.
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(
    people,
    people,
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    st.integers(0, 24 * 60 - 1),
)
def test_a_pair_the_matcher_accepts_gets_a_first_meeting_within_the_horizon(
    younger: dict[str, Any], older: dict[str, Any], today: date, minute: int
) -> None:
    week = coming_monday(today)  # the week the matcher compares, for a proposal made today
    a, b = young(**younger), old(**older)
    assume(person_violation(person_of(a, week), person_of(b, week), Policy()) is None)
    now = datetime.combine(today, time(), UTC) + timedelta(minutes=minute)
    pairing = proposed(younger=person(**younger), older=person(**older)).data

    schedule = plan_schedule(pairing, NotifierSettings().meetings, now, uid_key=b"key")

    assert schedule.start is not None, "the matcher proposed a pair the notifier cannot place"
