"""The explanation a pairing carries: what each will teach the other, shared languages, common
hours, the birth-year gap, each score term's contribution, and one readable sentence.

It takes the numbers `scoring` computed as plain values, so it depends on the people alone."""

from services.matcher.core.features import Person
from shared.events import Explanation


def explain(
    younger: Person,
    older: Person,
    *,
    common_minutes: int,
    birth_year_gap: int,
    contributions: dict[str, float],
    score: float,
) -> Explanation:
    younger_teaches = _teaches(younger, older)
    older_teaches = _teaches(older, younger)
    languages = sorted(younger.languages & older.languages)
    hours = round(common_minutes / 60, 2)
    summary = (
        f"{younger.name} teaches {older.name} {_listed(younger_teaches)}; "
        f"{older.name} teaches {younger.name} {_listed(older_teaches)}; "
        f"they share {_listed(languages)}, have {hours:g} hours a week in common "
        f"and were born {birth_year_gap} years apart."
    )
    # Built for every proposal of a full solve: valid by construction, so not validated again.
    return Explanation.model_construct(
        younger_teaches=younger_teaches,
        older_teaches=older_teaches,
        shared_languages=languages,
        common_hours_per_week=hours,
        birth_year_gap=birth_year_gap,
        score=round(score, 4),
        contributions={name: round(value, 4) for name, value in contributions.items()},
        summary=summary,
    )


def _teaches(teacher: Person, learner: Person) -> list[str]:
    return sorted(teacher.offers[key] for key in teacher.offers.keys() & learner.wants.keys())


def _listed(items: list[str]) -> str:
    if not items:
        return "nothing asked for"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
