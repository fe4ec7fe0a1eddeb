"""One set of meeting settings for the two services that count the series: read without a
prefix, the notifier's earlier names still read."""

from dataclasses import replace
from datetime import timedelta

import pytest

from services.matcher.settings import MatcherSettings
from services.notifier.settings import NotifierSettings
from shared.meetings import MeetingPolicy


def test_the_unprefixed_settings_are_read_by_the_matcher_and_the_notifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEETING_INTERVAL_WEEKS", "3")
    monkeypatch.setenv("MEETING_HORIZON_DAYS", "28")
    monkeypatch.setenv("MEETING_NOTICE_HOURS", "48")
    monkeypatch.setenv("MEETING_MINUTES", "45")

    matcher, notifier = MatcherSettings().followups.meetings, NotifierSettings().meetings

    expected = MeetingPolicy(
        length=timedelta(minutes=45),
        horizon=timedelta(days=28),
        notice=timedelta(hours=48),
        interval_weeks=3,
        count=9,  # 26 weeks, every 3 weeks
    )
    assert notifier == expected
    assert matcher == replace(expected, count=1)


def test_the_notifiers_earlier_names_are_still_read_and_the_unprefixed_one_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFIER_MEETING_HORIZON_DAYS", "30")
    monkeypatch.setenv("NOTIFIER_MEETING_INTERVAL_WEEKS", "4")
    monkeypatch.setenv("MEETING_INTERVAL_WEEKS", "3")

    matcher, notifier = MatcherSettings().followups.meetings, NotifierSettings().meetings

    assert notifier.horizon == matcher.horizon == timedelta(days=30)
    assert notifier.interval_weeks == matcher.interval_weeks == 3
