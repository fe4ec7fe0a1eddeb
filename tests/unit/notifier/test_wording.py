"""Each language names every vocabulary skill and any language code; extras stay as written."""

import pytest

from services.notifier.lang import WORDINGS
from services.notifier.lang.de import GERMAN
from services.notifier.lang.en import ENGLISH
from shared.vocabulary import Skill, label


def test_german_has_its_own_label_for_every_vocabulary_skill() -> None:
    assert set(GERMAN.skills) == set(Skill)
    assert all(GERMAN.skills[skill] != label(skill) for skill in Skill)


@pytest.mark.parametrize("skill", list(Skill))
def test_a_skill_is_recognised_by_its_value_and_by_its_label(skill: Skill) -> None:
    for wording in WORDINGS.values():
        assert wording.skill(skill.value) == wording.skill(label(skill))
    assert ENGLISH.skill(skill.value) == label(skill)


def test_free_text_extras_are_kept_as_written() -> None:
    for extra in ("works council relations", "Public Speaking", "TikTok", "ai-tools"):
        assert GERMAN.skill(extra) == ENGLISH.skill(extra) == extra


def test_languages_are_named_in_the_readers_language() -> None:
    assert [GERMAN.language(code) for code in ("en", "de", "fr", "tr")] == [
        "Englisch",
        "Deutsch",
        "Französisch",
        "Türkisch",
    ]
    assert ENGLISH.language_list(["de", "en", "uk"]) == "German, English and Ukrainian"


def test_a_code_without_a_name_is_shown_as_the_code() -> None:
    assert GERMAN.language("qqq") == "QQQ"
