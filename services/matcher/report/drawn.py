"""Which charts the report page shows, each drawn from the report's figures (`charts`)."""

from dataclasses import dataclass

from services.matcher.report import charts
from services.matcher.report.charts import Series
from services.matcher.report.model import Bar, CheckinFigures, Pairs, ProgramReport, SkillsOneWay

OUTCOMES = (
    "proposed",
    "accepted",
    "awaiting",
    "active",
    "declined",
    "expired",
    "ended",
    "cancelled",
)
MET = (("met", "met_yes"), ("not yet", "met_not_yet"), ("stopped", "met_stopped"))


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: str


def drawn(report: ProgramReport) -> list[Chart]:
    """Every chart of the page, in its order; each is drawn even without data ('no data yet')."""
    r = report
    useful = [
        (c.checkin_id, c.usefulness_mean) for c in r.checkins if c.usefulness_mean is not None
    ]
    weekly = [(w.week.isoformat(), w.usefulness_mean) for w in r.usefulness_by_week]
    return [
        _bars("enrolment", "People by birth decade", r.enrolment.by_decade),
        _bars("pairs", "Pairings by outcome", _outcomes(r.pairs), horizontal=True),
        _bars("time-to-accept", "Time from proposal to both acceptances", r.time_to_accept.histogram),
        _bars("gaps", "Birth-year gap of live pairs", r.gap_of_live_pairs),
        _skills("skills-younger-to-older", "Skills younger people taught older ones", r.skills.younger_to_older),
        _skills("skills-older-to-younger", "Skills older people taught younger ones", r.skills.older_to_younger),
        Chart("meetings", "Meetings reported held, per check-in", charts.bars(_met(r.checkins))),
        Chart("usefulness-checkin", "Usefulness per check-in (1-5)", charts.line(useful, low=1, high=5)),
        Chart("usefulness-week", "Usefulness by week (1-5)", charts.line(weekly, low=1, high=5)),
        _bars("flags", "Pairings flagged for the lead", r.flagged.by_flag, horizontal=True),
        _bars("unpaired", "People left unpaired, and why", r.unpaired.by_reason, horizontal=True),
    ]  # fmt: skip


def _outcomes(pairs: Pairs) -> list[Bar]:
    return [Bar(label=outcome, count=getattr(pairs, outcome)) for outcome in OUTCOMES]


def _met(checkins: list[CheckinFigures]) -> list[Series]:
    """One series per answer to "did you meet?", a bar per check-in point."""
    return [
        Series(name, [Bar(label=c.checkin_id, count=getattr(c, field)) for c in checkins])
        for name, field in MET
    ]


def _bars(key: str, title: str, bars: list[Bar], *, horizontal: bool = False) -> Chart:
    return Chart(key, title, charts.bars([Series(title, bars)], horizontal=horizontal))


def _skills(key: str, title: str, one_way: SkillsOneWay) -> Chart:
    series = [
        Series("planned (proposals)", one_way.from_proposals),
        Series("reported (check-ins)", one_way.from_checkins),
    ]
    return Chart(key, title, charts.bars(series, horizontal=True))
