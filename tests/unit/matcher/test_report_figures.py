"""The program report's figures from a known history, every number worked out by hand below.

People (birth year): y1 1998, y2 1995, y3 2001, y4 1990, o1 1965, o2 1970, o3 1962, o4 1975,
u1 1985, z 1958 (opted out). Pairings, proposed at T0 (hours to both acceptances):
A y1-o1 active (3 h), B y2-o2 active (30 h), C y3-o3 ended (0.5 h), D y4-o4 declined,
E y4-o1 expired, F y2-o3 proposed, G y3-o4 cancelled by a re-match request (100 h),
H y4-o2 accepted by one. Check-in answers as in `ANSWERS`; flags on B and G.
"""

from services.matcher.report.build import program_report
from services.matcher.report.model import Bar
from services.matcher.report.people import WOULD_PAIR
from services.matcher.report.records import ProgramRecords, Unpaired
from tests.builders.report import BY_ID, PEOPLE, PROGRAM, RECORDS, T0


def bars(*pairs: tuple[str, int]) -> list[Bar]:
    return [Bar(label=label, count=n) for label, n in pairs]


def test_enrolment_counts_people_by_birth_decade() -> None:
    found = program_report(RECORDS, personal=False).enrolment

    assert (found.people, found.opted_in) == (10, 9)
    assert found.by_decade == bars(
        ("1950s", 1), ("1960s", 2), ("1970s", 2), ("1980s", 1), ("1990s", 3), ("2000s", 1)
    )


def test_pairs_are_counted_by_outcome_and_closed_ones_by_reason() -> None:
    found = program_report(RECORDS, personal=False).pairs

    assert (found.proposed, found.accepted, found.awaiting, found.active) == (8, 4, 2, 2)
    assert (found.declined, found.expired, found.ended, found.cancelled) == (1, 1, 1, 1)
    assert found.closed_by_reason == bars(
        ("declined", 1), ("ended", 1), ("expired", 1), ("rematch_requested", 1)
    )


def test_time_to_accept_has_its_median_p90_and_histogram() -> None:
    found = program_report(RECORDS, personal=False).time_to_accept

    # 0.5, 3, 30, 100 hours: median (3 + 30) / 2; p90 is the 4th of 4 (nearest rank).
    assert (found.pairs, found.median_hours, found.p90_hours) == (4, 16.5, 100.0)
    assert found.histogram == bars(
        ("< 1 h", 1),
        ("1-6 h", 1),
        ("6-24 h", 0),
        ("1-3 days", 1),
        ("3-7 days", 1),
        (">= 7 days", 0),
    )


def test_the_gap_of_live_pairs_is_binned_by_five_years() -> None:
    found = program_report(RECORDS, personal=False).gap_of_live_pairs

    # live: A 33, B 25, F 33, H 20
    assert found == bars(("20-24 years", 1), ("25-29 years", 1), ("30-34 years", 2))


def test_skills_are_counted_both_ways_from_proposals_that_happened_and_from_answers() -> None:
    found = program_report(RECORDS, personal=False).skills

    # Live or accepted by both: A, B, C, G, and F, H (spreadsheets and sales); not D or E.
    assert found.younger_to_older.from_proposals == bars(
        ("social media", 3), ("ai tools", 2), ("spreadsheets", 2), ("video", 1)
    )
    assert found.older_to_younger.from_proposals == bars(
        ("leadership", 2), ("sales", 2), ("strategy", 2), ("negotiation", 1)
    )
    # What the older learned was taught by the younger, and the other way round.
    # Answers name skills by code, explanations by label: both are shown by the label.
    assert found.younger_to_older.from_checkins == bars(("social media", 2), ("video", 1))
    assert found.older_to_younger.from_checkins == bars(("leadership", 2), ("strategy", 1))


def test_each_check_in_counts_meetings_held_and_its_usefulness() -> None:
    found = program_report(RECORDS, personal=False).checkins

    rows = [
        (c.checkin_id, c.answers, c.met_yes, c.met_not_yet, c.met_stopped, c.pairs_met)
        for c in found
    ]
    assert rows == [
        ("after-second-meeting", 4, 3, 1, 0, 2),
        ("mid-program", 2, 1, 0, 1, 1),
        ("program-end", 0, 0, 0, 0, 0),
    ]
    # (4 + 5 + 2) / 3 and (3 + 1) / 2
    assert [(c.usefulness_answers, c.usefulness_mean) for c in found] == [
        (3, 3.67),
        (2, 2.0),
        (0, None),
    ]


def test_usefulness_is_averaged_by_the_week_it_was_given_in() -> None:
    found = program_report(RECORDS, personal=False).usefulness_by_week

    assert [(w.week.isoformat(), w.answers, w.usefulness_mean) for w in found] == [
        ("2026-03-09", 2, 4.5),
        ("2026-03-16", 1, 2.0),
        ("2026-03-30", 2, 2.0),
    ]


def test_flags_and_the_unpaired_are_counted_without_naming_anyone() -> None:
    found = program_report(RECORDS, personal=False)

    assert (found.flagged.pairings, found.flagged.by_flag) == (
        2,
        bars(("low_ratings", 2), ("stopped", 1)),
    )
    assert (found.unpaired.people, found.unpaired.by_reason) == (
        2,
        bars((WOULD_PAIR, 1), ("no feasible partner: no shared language", 1)),
    )
    assert found.flagged.listed is None and found.unpaired.listed is None
    dumped = found.model_dump_json()
    for person in BY_ID.values():
        assert person.id not in dumped.replace(PROGRAM, "")
        assert person.email not in dumped and person.name not in dumped
    assert '"A"' not in dumped and '"B"' not in dumped  # no pairing ids either


def test_a_personal_report_names_the_flagged_and_the_unpaired() -> None:
    found = program_report(RECORDS, personal=True)

    assert found.flagged.listed is not None and found.unpaired.listed is not None
    assert [
        (f.pairing_id, f.flags, f.younger.email, f.older.name) for f in found.flagged.listed
    ] == [
        ("B", ["low_ratings", "stopped"], "y2@example.org", "Name o2"),
        ("G", ["low_ratings"], "y3@example.org", "Name o4"),
    ]
    assert [(u.person_id, u.email, u.reason) for u in found.unpaired.listed] == [
        ("u1", "u1@example.org", "no feasible partner: no shared language (with 8 of 9 others)"),
        ("y3", "y3@example.org", WOULD_PAIR),
    ]


def test_reasons_that_name_a_person_or_department_are_counted_by_kind() -> None:
    records = ProgramRecords(
        program_id=PROGRAM,
        now=T0,
        program=None,
        people=PEOPLE,
        pairings=[],
        unpaired=[
            Unpaired("u1", "no feasible partner: same department (Finance) (with 3 of 4 others)"),
            Unpaired("y1", "no feasible partner: o9 opted out (with 1 of 1 others)"),
        ],
    )

    found = program_report(records, personal=False).unpaired.by_reason

    assert found == bars(("no feasible partner: same department", 1), ("other", 1))
