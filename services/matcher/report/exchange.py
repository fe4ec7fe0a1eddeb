"""What the pairs say they exchanged: skills in both directions, meetings held, usefulness over
time, and the pairings flagged for the lead. Pure: records in, figures out.

Directions are the learner's inverse: an older person's `learned` was taught by the younger one
(younger -> older), a younger person's by the older one.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from services.matcher.core.features import skill_key
from services.matcher.core.lifecycle import LIVE
from services.matcher.report.figures import most_first
from services.matcher.report.model import Bar, CheckinFigures, Skills, SkillsOneWay, WeekScore
from services.matcher.usecases.ports import PairingRecord
from shared.checkins import CheckinAnswer
from shared.vocabulary import Skill, label

TOP_SKILLS = 10
_VOCABULARY = frozenset(skill.value for skill in Skill)


def skills(pairings: Sequence[PairingRecord], answers: Sequence[CheckinAnswer]) -> Skills:
    """Planned exchange from the explanations of the pairs that are live or were accepted by
    both (a declined or expired proposal exchanged nothing); reported exchange from the check-in
    answers."""
    agreed = [p for p in pairings if p.activated_at is not None or p.state in LIVE]
    return Skills(
        younger_to_older=SkillsOneWay(
            from_proposals=_top(s for p in agreed for s in p.explanation.younger_teaches),
            from_checkins=_top(s for a in answers if a.role == "older" for s in a.learned),
        ),
        older_to_younger=SkillsOneWay(
            from_proposals=_top(s for p in agreed for s in p.explanation.older_teaches),
            from_checkins=_top(s for a in answers if a.role == "younger" for s in a.learned),
        ),
    )


def checkins(answers: Sequence[CheckinAnswer], order: Sequence[str]) -> list[CheckinFigures]:
    """Per check-in point, in `order` (the program's points), then any other answered ones."""
    by_point: dict[str, list[CheckinAnswer]] = defaultdict(list)
    for answer in answers:
        by_point[answer.checkin_id].append(answer)
    points = [*order, *sorted(set(by_point) - set(order))]
    return [_checkin(point, by_point.get(point, [])) for point in points]


def usefulness_by_week(answers: Sequence[CheckinAnswer]) -> list[WeekScore]:
    """Mean usefulness of the answers given in each ISO week (UTC), by week."""
    weeks: dict[date, list[int]] = defaultdict(list)
    for a in answers:
        if a.usefulness is not None:
            day = a.answered_at.date()
            weeks[day - timedelta(days=day.weekday())].append(a.usefulness)
    return [
        WeekScore(week=week, answers=len(scores), usefulness_mean=_mean(scores))
        for week, scores in sorted(weeks.items())
    ]


def _checkin(point: str, answers: Sequence[CheckinAnswer]) -> CheckinFigures:
    met = Counter(a.met for a in answers)
    scores = [a.usefulness for a in answers if a.usefulness is not None]
    return CheckinFigures(
        checkin_id=point,
        answers=len(answers),
        met_yes=met["yes"],
        met_not_yet=met["not_yet"],
        met_stopped=met["stopped"],
        pairs_met=len({a.pairing_id for a in answers if a.met == "yes"}),
        usefulness_answers=len(scores),
        usefulness_mean=_mean(scores) if scores else None,
    )


def _top(skills: Iterable[str]) -> list[Bar]:
    """The most named skills. Explanations carry labels ("ai tools"), answers carry codes
    ("ai_tools"): both are counted by the same key and shown by the same label."""
    return most_first(Counter(shown(skill_key(s)) for s in skills).items())[:TOP_SKILLS]


def shown(key: str) -> str:
    return label(Skill(key)) if key in _VOCABULARY else key.replace("_", " ")


def _mean(values: Sequence[int]) -> float:
    return round(sum(values) / len(values), 2)
