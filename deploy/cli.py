"""`rmp`: the operator's command line.

    rmp stack start|stop|status        the local Kafka + FerretDB
    rmp load FILE [--programs F]       publish profiles (JSON Lines) as upserts on the ingress topic
    rmp pairings [--program P]         pairings with their explanations, as the pairings topic has them
    rmp lag                            consumer lag per group, topic and partition
    rmp dlq list [--topic T]           dead-lettered messages with their reasons
    rmp dlq replay TOPIC PARTITION OFFSET [--value-file F]   send one back, optionally corrected
    rmp match PROGRAM [--preview]      run a round of the program now, or show what it would propose
    rmp answer PAIRING PERSON accept|decline|end [--reason R]  answer for a person (matcher API)
    rmp program put ID --file F | [--name ... flags]   create or replace a program (profiles API)
    rmp program load FILE                              every program of a JSON file ({id: program})
    rmp program show ID / rmp program list             a program's record / every program
    rmp report PROGRAM [--out F] [--json] [--personal]  the program report, as a page or as JSON

The broker comes from `KAFKA_BOOTSTRAP_SERVERS` and topic names from `TOPIC_PREFIX`, as for the
services. Commands that use a service's HTTP API send the key in `RMP_API_KEY` (never an
argument, so it stays out of shell history and process lists); the matcher is at
`RMP_MATCHER_URL`, the profiles service at `RMP_PROFILES_URL`.
"""

import asyncio
import json
import subprocess
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from deploy import api, ops
from deploy.cli_settings import CliSettings, api_client
from deploy.program_cli import load_programs, program_app
from shared.commands import UpdateProfile
from shared.events import PairingProposed

app = typer.Typer(help=__doc__, no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-lettered messages.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(program_app, name="program")
console = Console()
STACK = Path(__file__).resolve().parent / "local" / "stack.sh"


def _settings() -> CliSettings:
    return CliSettings()


@app.command()
def stack(action: Annotated[str, typer.Argument(help="start, stop or status")]) -> None:
    """Start, stop or inspect the local Kafka and FerretDB."""
    raise typer.Exit(subprocess.call([str(STACK), action]))


@app.command()
def load(
    file: Path,
    producer: Annotated[str, typer.Option(help="The envelope's producer field.")] = "operator",
    programs: Annotated[
        Path | None, typer.Option(help="First create or replace these programs (admin key).")
    ] = None,
) -> None:
    """Publish every profile in a JSON Lines file as an upsert on the ingress topic."""
    if programs is not None:
        load_programs(programs)
    lines = [line for line in file.read_text().splitlines() if line.strip()]
    commands = [ops.upsert_command(json.loads(line), producer=producer) for line in lines]
    asyncio.run(_publish_all(commands))
    console.print(f"published {len(commands)} profile updates")


async def _publish_all(commands: list[UpdateProfile]) -> None:
    settings = _settings()
    progress = track(commands, description="publishing", console=console)
    await ops.publish_updates(
        settings.kafka_bootstrap_servers, settings.topics.profile_updates, progress
    )


@app.command()
def pairings(
    program: Annotated[str | None, typer.Option(help="Only this program.")] = None,
) -> None:
    """Every pairing's current state, with the explanation of why it was made."""
    settings = _settings()
    histories = asyncio.run(
        ops.pairing_histories(settings.kafka_bootstrap_servers, settings.topics.pairings)
    )
    table = Table("pairing", "program", "state", "younger ⇄ older", "why", show_lines=True)
    for pairing_id, events in sorted(histories.items()):
        proposed = next((e for e in events if isinstance(e, PairingProposed)), None)
        if proposed is None or program not in (None, proposed.data.program_id):
            continue
        data = proposed.data
        people = f"{data.younger.name} ⇄ {data.older.name}"
        state = events[-1].event_type.removeprefix("pairing.")
        table.add_row(pairing_id, data.program_id, state, people, data.explanation.summary)
    console.print(table)


@app.command()
def lag(group: Annotated[list[str] | None, typer.Option(help="Only these groups.")] = None) -> None:
    """Consumer lag per group, topic and partition."""
    rows = asyncio.run(ops.consumer_lag(_settings().kafka_bootstrap_servers, group))
    table = Table("group", "topic", "partition", "committed", "end", "lag")
    for row in rows:
        table.add_row(
            row.group, row.topic, str(row.partition), str(row.committed), str(row.end), str(row.lag)
        )
    console.print(table)


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str | None, typer.Option(help="One dead-letter topic; default: all.")] = None,
    limit: int = 100,
) -> None:
    """Dead-lettered messages with where they came from and why."""
    settings = _settings()
    topics = [topic] if topic else [t for t in settings.topics.all() if t.endswith(".dlq")]
    table = Table("dead-letter topic", "partition", "offset", "source", "error")
    for name in topics:
        for letter in asyncio.run(
            ops.dead_letters(settings.kafka_bootstrap_servers, name, limit=limit)
        ):
            source = f"{letter.source_topic}[{letter.headers.get('dlq_source_partition')}]@{letter.headers.get('dlq_source_offset')}"
            table.add_row(
                name, str(letter.partition), str(letter.offset), source, letter.error[:120]
            )
    console.print(table)


@dlq_app.command("replay")
def dlq_replay(
    topic: str,
    partition: int,
    offset: int,
    value_file: Annotated[
        Path | None, typer.Option(help="Send this corrected body instead.")
    ] = None,
) -> None:
    """Send one dead letter back to its source topic (after a fix), with its key and headers."""
    bootstrap = _settings().kafka_bootstrap_servers
    letter = asyncio.run(ops.find_dead_letter(bootstrap, topic, partition, offset))
    value = value_file.read_bytes() if value_file else None
    asyncio.run(ops.replay(bootstrap, letter, value=value))
    console.print(f"replayed {topic}[{partition}]@{offset} to {letter.source_topic}")


@app.command()
def answer(
    pairing_id: str,
    person_id: str,
    decision: Annotated[api.Decision, typer.Argument(help="accept, decline, end or rematch")],
    reason: Annotated[str | None, typer.Option(help="Why, in the person's words.")] = None,
) -> None:
    """Answer a pairing for one of its two people, as they asked (a key with `respond`)."""
    with api_client("matcher", "respond", timeout=10) as client:
        try:
            event_id = api.answer_pairing(
                client, pairing_id, person_id=person_id, decision=decision, reason=reason
            )
        except api.Refused as refused:
            console.print(f"[red]refused[/]: {refused}")
            raise typer.Exit(1) from refused
    console.print(f"{decision} for {person_id} sent ({event_id}); the pairing changes shortly")


@app.command()
def match(
    program: str,
    preview: Annotated[
        bool, typer.Option(help="Show what a round would propose; propose nothing.")
    ] = False,
    within: Annotated[float, typer.Option(help="Seconds to wait for the round.")] = 300,
) -> None:
    """Run a round of PROGRAM now (one optimal solve over everyone free), or preview it
    (a key with `admin`)."""
    with api_client("matcher", "admin") as client:
        try:
            if preview:
                _print_preview(api.preview_round(client, program))
                return
            round_id = api.start_round(client, program, command_id=uuid.uuid4().hex)
            console.print(f"round {round_id} started")
            done = api.wait_for_round(client, program, round_id, within=within)
        except (api.Refused, TimeoutError) as failed:
            console.print(f"[red]failed[/]: {failed}")
            raise typer.Exit(1) from failed
    console.print(
        f"round {round_id} done: {done['proposed']} of {done['planned']} planned pairs proposed, "
        f"total score {done['total_score']:.4f}, {done['members']} people"
    )


@app.command()
def report(
    program: str,
    out: Annotated[Path | None, typer.Option(help="Write it here; default: print it.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="The figures as JSON, not a page.")
    ] = False,
    personal: Annotated[
        bool, typer.Option(help="Name the unpaired and the flagged people.")
    ] = False,
) -> None:
    """The report of PROGRAM: one self-contained HTML page with its charts, or its figures as
    JSON (a key with `admin`: the report is for program leads)."""
    with api_client("matcher", "admin", timeout=600) as client:
        try:
            body = api.program_report(client, program, as_json=as_json, personal=personal)
        except api.Refused as refused:
            console.print(f"[red]refused[/]: {refused}")
            raise typer.Exit(1) from refused
    if out is None:
        typer.echo(body, nl=False)
        return
    out.write_text(body, encoding="utf-8")
    console.print(f"report of {program} written to {out}")


def _print_preview(found: dict[str, Any]) -> None:
    table = Table("younger ⇄ older", "score", "why", show_lines=True)
    for pair in found["pairs"]:
        why = pair["explanation"]
        table.add_row(
            f"{pair['younger_id']} ⇄ {pair['older_id']}", f"{pair['score']:.4f}", why["summary"]
        )
    console.print(table)
    console.print(
        f"{len(found['pairs'])} pairs, total score {found['total_score']:.4f}; "
        f"{found['members']} people, {found['live_pairings']} live pairings kept; "
        f"{found['unpaired']} left unpaired"
    )
    for left in found["left_out"]:
        console.print(f"  {left['person_id']}: {left['reason']}")


if __name__ == "__main__":
    app()
