"""One program's records as its report (`ProgramReport`). Pure."""

from services.matcher.report import exchange, figures, people
from services.matcher.report.model import ProgramReport
from services.matcher.report.records import ProgramRecords
from shared.checkins import DEFAULT_CHECKINS


def program_report(records: ProgramRecords, *, personal: bool) -> ProgramReport:
    """The report; names and emails only when `personal` (the caller checked the scope)."""
    program, pairings, answers = records.program, records.pairings, records.answers
    points = program.checkins if program is not None else list(DEFAULT_CHECKINS)
    return ProgramReport(
        program_id=records.program_id,
        program_name=program.name if program is not None else None,
        generated_at=records.now,
        personal=personal,
        enrolment=figures.enrolment(records.people),
        pairs=figures.pairs(pairings),
        time_to_accept=figures.time_to_accept(pairings),
        gap_of_live_pairs=figures.gap_of_live_pairs(pairings),
        skills=exchange.skills(pairings, answers),
        checkins=exchange.checkins(answers, [point.id for point in points]),
        usefulness_by_week=exchange.usefulness_by_week(answers),
        flagged=people.flagged(pairings, personal=personal),
        unpaired=people.unpaired(records.unpaired, records.people, personal=personal),
    )
