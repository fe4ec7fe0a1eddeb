"""The shipped sample has a valid program record for every program its people belong to, and
those programs match in rounds."""

import json
from pathlib import Path

from shared.programs import ProgramFields, RoundsSchedule

SAMPLE = Path(__file__).parents[3] / "deploy" / "sample"


def test_every_sample_program_has_a_valid_record_that_matches_in_rounds() -> None:
    records = json.loads((SAMPLE / "programs.json").read_text())
    people = [json.loads(line) for line in (SAMPLE / "profiles.jsonl").read_text().splitlines()]

    programs = {program: ProgramFields.model_validate(body) for program, body in records.items()}

    assert set(programs) == {person["program_id"] for person in people}
    assert all(isinstance(p.schedule, RoundsSchedule) for p in programs.values())
    assert len({p.sender for p in programs.values()}) == len(programs)
