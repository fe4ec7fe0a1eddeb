"""The program API's bodies take policy knobs only as their types say."""

import pytest
from pydantic import ValidationError

from services.profiles.programs.schemas import ProgramChange


@pytest.mark.parametrize(
    "knob", [{"weight_gap": True}, {"require_two_way": 1}, {"max_candidates": "5"}]
)
def test_a_knob_of_the_wrong_type_is_refused_not_coerced(knob: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ProgramChange.model_validate({"policy": knob})


def test_a_whole_number_is_still_a_weight() -> None:
    change = ProgramChange.model_validate({"policy": {"weight_gap": 2, "require_two_way": False}})

    assert change.policy is not None
    assert (change.policy.weight_gap, change.policy.require_two_way) == (2.0, False)
