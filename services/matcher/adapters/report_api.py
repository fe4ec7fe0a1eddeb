"""The program report, for program leads (scope `admin`): as JSON, and as one self-contained page.

Without `personal=true` the report holds counts only; with it, it also names the unpaired and the
flagged people. So personal data leaves only for an admin key that asks for it. The page's charts are drawn in a
worker thread: matplotlib is CPU-bound, and the event loop serves the matcher's other routes.
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from services.matcher.adapters.context import RuntimeDep
from services.matcher.report.build import program_report
from services.matcher.report.model import ProgramReport
from services.matcher.report.page import page
from services.matcher.report.source import read_program
from shared.auth import AUTH_RESPONSES, IsAdmin
from shared.profile import Identifier

router = APIRouter(tags=["report"], responses=AUTH_RESPONSES, dependencies=[IsAdmin])
Personal = Annotated[bool, Query(description="Name the unpaired and the flagged people.")]


@router.get("/programs/{program_id}/report")
async def report(
    program_id: Identifier, runtime: RuntimeDep, personal: Personal = False
) -> ProgramReport:
    """How the program is doing: enrolment by birth decade, pairings by outcome, time to accept,
    the generation gap of live pairs, skills exchanged both ways (planned and reported),
    meetings held and usefulness per check-in and by week, flagged pairings, the unpaired."""
    return await _report(program_id, runtime, personal=personal)


@router.get("/programs/{program_id}/report.html", response_class=HTMLResponse)
async def report_page(
    program_id: Identifier, runtime: RuntimeDep, personal: Personal = False
) -> HTMLResponse:
    """The same report as one HTML page with its charts inline (SVG); no script, no URL."""
    found = await _report(program_id, runtime, personal=personal)
    return HTMLResponse(await asyncio.to_thread(page, found))


async def _report(program_id: str, runtime: RuntimeDep, *, personal: bool) -> ProgramReport:
    records = await read_program(
        program_id,
        people=runtime.people,
        pairings=runtime.pairings,
        programs=runtime.programs,
        answers=runtime.checkin_answers,
        settings_for=runtime.directory.settings_for,
        now=runtime.clock(),
    )
    return program_report(records, personal=personal)
