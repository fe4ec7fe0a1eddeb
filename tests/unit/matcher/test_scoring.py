"""Hard constraints, the two-way score and the explanation a pairing carries."""

import pytest

from services.matcher.core.policy import Policy
from shared.profile import ProfileSnapshot
from tests.builders.matcher import WEEK, old, young
from tests.unit.matcher.reference import score_pair, violation

POLICY = Policy()
NOBODY: dict[str, str | None] = {}


def why_not(a: ProfileSnapshot, b: ProfileSnapshot, **kwargs: object) -> str | None:
    options: dict[str, object] = {"manager_of": NOBODY, "blocked": set(), "week_of": WEEK}
    return violation(a, b, kwargs.pop("policy", POLICY), **(options | kwargs))  # type: ignore[arg-type]


def test_a_complementary_pair_breaks_no_constraint() -> None:
    assert why_not(young(), old()) is None


def test_no_shared_language_is_refused() -> None:
    assert why_not(young(languages=["en"]), old(languages=["de", "fr"])) == "no shared language"


def test_a_small_birth_year_gap_is_refused() -> None:
    reason = why_not(young(birth_year=1990), old(birth_year=1983))

    assert reason is not None and "7 apart" in reason


def test_the_gap_threshold_is_configurable() -> None:
    assert (
        why_not(young(birth_year=1990), old(birth_year=1983), policy=Policy(min_birth_year_gap=5))
        is None
    )


def test_the_same_department_is_refused_whatever_its_case() -> None:
    reason = why_not(young(department="Sales"), old(department=" sales"))

    assert reason == "same department (Sales)"


def test_people_without_a_department_are_not_in_the_same_one() -> None:
    assert why_not(young(department=None), old(department=None)) is None


def test_a_direct_report_and_their_manager_are_refused() -> None:
    boss = old("boss-1")
    report = young("report-1", manager_id="boss-1")

    assert why_not(report, boss) == "in each other's management line"
    assert why_not(boss, report) == "in each other's management line"


def test_the_management_line_is_followed_up_several_levels_and_through_cycles() -> None:
    chain = {"mid-1": "top-1", "top-1": "loop-1", "loop-1": "mid-1"}
    report = young("low-1", manager_id="mid-1")
    far = old("loop-1", manager_id="mid-1")
    stranger = old("other-1", manager_id="elsewhere")

    assert why_not(report, far, manager_of=chain) == "in each other's management line"
    assert why_not(report, stranger, manager_of=chain) is None


def test_a_pair_declined_or_ended_before_is_refused() -> None:
    a, b = young(), old()

    assert why_not(a, b, blocked={frozenset((a.id, b.id))}) == "declined, cancelled or ended before"


def test_too_little_common_time_is_refused_after_timezone_conversion() -> None:
    berlin = young(
        timezone="Europe/Berlin", availability={"tue": [{"start": "17:00", "end": "19:00"}]}
    )
    london_late = old(
        timezone="Europe/London", availability={"tue": [{"start": "17:30", "end": "20:00"}]}
    )
    london_early = old(
        timezone="Europe/London", availability={"tue": [{"start": "16:00", "end": "17:00"}]}
    )

    assert why_not(berlin, london_early) is None  # 17:00-18:00 Berlin is 16:00-17:00 London
    reason = why_not(berlin, london_late)
    assert reason is not None and "0.5 hours" in reason


def test_someone_who_opted_out_is_refused() -> None:
    gone = old(opted_in=False)

    assert why_not(young(), gone) == f"{gone.id} opted out"


def test_a_two_way_pair_scores_higher_than_a_one_sided_one() -> None:
    two_way = score_pair(young(), old(), Policy(require_two_way=False), week_of=WEEK)
    one_sided = score_pair(
        young(), old(skills_offered=["strategy"]), Policy(require_two_way=False), week_of=WEEK
    )

    assert two_way is not None and one_sided is not None
    assert one_sided.explanation.contributions["complementarity"] == 0
    assert one_sided.score < two_way.score


def test_a_one_sided_pair_is_not_scored_under_the_two_way_rule() -> None:
    assert score_pair(young(), old(skills_offered=["strategy"]), POLICY, week_of=WEEK) is None


def test_complementarity_is_the_harmonic_mean_of_both_directions() -> None:
    learner = young(skills_wanted=["leadership", "strategy"])  # the older teaches half of it
    scored = score_pair(learner, old(), POLICY, week_of=WEEK)

    assert scored is not None
    harmonic = 2 * 1.0 * 0.5 / 1.5
    assert scored.explanation.contributions["complementarity"] == pytest.approx(
        0.6 * harmonic, abs=1e-4
    )


def test_free_text_skills_match_the_vocabulary_and_each_other_case_insensitively() -> None:
    a = young(skills_offered={"extras": ["TikTok"]}, skills_wanted={"extras": ["Public  speaking"]})
    b = old(
        skills_offered={"vocabulary": ["public_speaking"]}, skills_wanted={"extras": ["tiktok"]}
    )
    scored = score_pair(a, b, POLICY, week_of=WEEK)

    assert scored is not None
    assert scored.explanation.younger_teaches == ["TikTok"]
    assert scored.explanation.older_teaches == ["public speaking"]


def test_younger_and_older_follow_birth_years_whatever_the_argument_order() -> None:
    a, b = young(), old()
    scored = score_pair(b, a, POLICY, week_of=WEEK)

    assert scored is not None
    assert (scored.younger_id, scored.older_id) == (a.id, b.id)


def test_more_common_hours_and_a_bigger_gap_score_higher_until_they_saturate() -> None:
    def score(**fields: object) -> float:
        scored = score_pair(young(**fields), old(availability=WIDE), POLICY, week_of=WEEK)
        assert scored is not None
        return scored.score

    one_hour = score(availability={"tue": [{"start": "17:00", "end": "18:00"}]})
    three_hours = score(availability={"tue": [{"start": "17:00", "end": "20:00"}]})
    six_hours = score(availability={"tue": [{"start": "14:00", "end": "20:00"}]})
    eight_hours = score(availability={"tue": [{"start": "12:00", "end": "20:00"}]})

    assert one_hour < three_hours < six_hours == eight_hours
    assert score(birth_year=1980) < score(birth_year=1990) < score(birth_year=2000)


WIDE = {"tue": [{"start": "08:00", "end": "22:00"}]}


def test_the_explanation_names_what_each_teaches_and_why_they_fit() -> None:
    a = young(name="Ada", languages=["en", "de"], skills_offered=["social_media", "ai_tools"])
    b = old(name="Bernd", languages=["de", "fr"], skills_wanted=["ai_tools", "social_media"])
    scored = score_pair(a, b, POLICY, week_of=WEEK)

    assert scored is not None
    e = scored.explanation
    assert e.younger_teaches == ["ai tools", "social media"]
    assert e.older_teaches == ["leadership"]
    assert e.shared_languages == ["de"]
    assert e.common_hours_per_week == 3
    assert e.birth_year_gap == 33
    assert sum(e.contributions.values()) == pytest.approx(e.score, abs=1e-3)
    assert e.score == pytest.approx(scored.score, abs=1e-4)
    assert "Ada teaches Bernd ai tools and social media" in e.summary
    assert "Bernd teaches Ada leadership" in e.summary
