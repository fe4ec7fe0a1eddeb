"""The vocabulary's labels in the languages people read: every skill named, by its value or its
English label; anything else (a free-text extra) exactly as written."""

import pytest

from shared.vocabulary import GERMAN, LABELS, Skill, label, labels_in, skill_name


def test_german_names_every_skill_once_and_in_its_own_words() -> None:
    assert set(GERMAN) == set(Skill)
    assert len(set(GERMAN.values())) == len(Skill)
    assert all(GERMAN[skill] != label(skill) for skill in Skill)
    assert labels_in("de") is GERMAN and LABELS["de"] is GERMAN


@pytest.mark.parametrize("skill", list(Skill))
def test_a_skill_is_named_alike_from_its_value_and_from_its_label(skill: Skill) -> None:
    assert skill_name(skill.value, "de") == skill_name(label(skill), "de") == GERMAN[skill]
    assert skill_name(skill.value, "en") == skill_name(label(skill), "en") == label(skill)


def test_a_language_without_labels_names_skills_in_english() -> None:
    assert labels_in("fr") == {}
    assert skill_name("ai_tools", "fr") == "ai tools"


@pytest.mark.parametrize("extra", ["works council relations", "Public Speaking", "ai-tools", "<b>"])
def test_free_text_extras_are_kept_as_written(extra: str) -> None:
    assert skill_name(extra, "de") == skill_name(extra, "en") == extra
