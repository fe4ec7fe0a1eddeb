"""`rmp program`: create, change and read program records through the profiles API.

`put` takes the whole program from `--file` (JSON, as `PUT /programs/{id}` takes it), from
flags, or from both (flags win); the service validates it and answers with the reasons when it
is invalid.
"""

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from deploy import api
from deploy.cli_settings import api_client

program_app = typer.Typer(help="Program records (profiles API).", no_args_is_help=True)
console = Console()
Mode = Literal["rounds", "continuous"]


def _schedule(
    base: dict[str, Any],
    mode: Mode | None,
    round_at: list[str] | None,
    rule: str | None,
    settle: int | None,
) -> dict[str, Any] | None:
    """The file's schedule with the flags laid over it; a new mode starts from nothing."""
    schedule = dict(base.get("schedule") or {})
    if mode is not None and mode != schedule.get("mode"):
        schedule = {"mode": mode}
    extra: dict[str, Any] = {"rounds_at": round_at or None}
    extra |= {"rounds_rule": rule, "settle_minutes": settle}
    schedule |= {key: value for key, value in extra.items() if value is not None}
    return schedule or None


@program_app.command("put")
def put(
    program_id: str,
    file: Annotated[Path | None, typer.Option(help="The program as JSON.")] = None,
    name: str | None = None,
    timezone: Annotated[str | None, typer.Option(help="IANA name.")] = None,
    starts_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    ends_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    sender: Annotated[str | None, typer.Option(help="From and ORGANIZER address.")] = None,
    enrolment_opens: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    enrolment_closes: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    mode: Annotated[Mode | None, typer.Option(help="rounds or continuous")] = None,
    round_at: Annotated[
        list[str] | None, typer.Option(help="A round, YYYY-MM-DDTHH:MM local (repeatable).")
    ] = None,
    rounds_rule: Annotated[str | None, typer.Option(help="RRULE, e.g. FREQ=WEEKLY")] = None,
    settle_minutes: int | None = None,
    meeting_minutes: int | None = None,
    meeting_interval_weeks: int | None = None,
    policy: Annotated[str | None, typer.Option(help='JSON, e.g. {"min_common_hours": 2}')] = None,
    if_match: Annotated[
        int | None, typer.Option(help="Only if at this version (0: create).")
    ] = None,
) -> None:
    """Create or replace a program (a key with `admin`)."""
    body: dict[str, Any] = json.loads(file.read_text()) if file else {}
    flags = {
        "name": name,
        "timezone": timezone,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "sender": sender,
        "enrolment_opens": enrolment_opens,
        "enrolment_closes": enrolment_closes,
        "meeting_minutes": meeting_minutes,
        "meeting_interval_weeks": meeting_interval_weeks,
        "policy": json.loads(policy) if policy else None,
        "schedule": _schedule(body, mode, round_at, rounds_rule, settle_minutes),
    }
    body |= {key: value for key, value in flags.items() if value is not None}
    with api_client("profiles", "admin") as client:
        try:
            stored, created = api.put_program(client, program_id, body, if_match=if_match)
        except api.Refused as refused:
            console.print(f"[red]refused[/]: {refused}")
            raise typer.Exit(1) from refused
    verb = "created" if created else "stored"
    console.print(f"program {program_id} {verb} at version {stored['version']}")


@program_app.command("load")
def load_programs(file: Path) -> None:
    """Create or replace every program of a JSON file, `{"<id>": {<program>}, ...}` (admin)."""
    programs: dict[str, dict[str, Any]] = json.loads(file.read_text())
    with api_client("profiles", "admin") as client:
        for program_id, body in programs.items():
            try:
                stored, _ = api.put_program(client, program_id, body)
            except api.Refused as refused:
                console.print(f"[red]{program_id} refused[/]: {refused}")
                raise typer.Exit(1) from refused
            console.print(f"program {program_id} at version {stored['version']}")


@program_app.command("show")
def show(program_id: str) -> None:
    """A program's record, as JSON (a key with `read`)."""
    with api_client("profiles", "read") as client:
        try:
            found = api.get_program(client, program_id)
        except api.Refused as refused:
            console.print(f"[red]refused[/]: {refused}")
            raise typer.Exit(1) from refused
    console.print_json(json.dumps(found))


@program_app.command("list")
def list_all() -> None:
    """Every program (a key with `read`)."""
    with api_client("profiles", "read") as client:
        found = api.list_programs(client)
    table = Table("program", "name", "version", "schedule", "enrolment", "runs", "timezone")
    for p in found:
        enrolment = f"{p['enrolment_opens'] or 'open'} to {p['enrolment_closes'] or 'open'}"
        runs = f"{p['starts_on']} to {p['ends_on']}"
        schedule = p["schedule"]["mode"]
        table.add_row(
            p["id"], p["name"], str(p["version"]), schedule, enrolment, runs, p["timezone"]
        )
    console.print(table)
