"""`./dev demo`: the whole system on sample data, without Docker.

Starts the local Kafka and FerretDB, a mail sink that writes every message to `.local/mail/`, and
the three services as separate processes. Loads the shipped sample: a record per program (its
settings, through the profiles API), then about 200 people in those 3 programs, the first
program's through the profiles HTTP API, the others as an outside producer on the ingress topic.
The sample's programs match in rounds: once everyone is in, one round runs per program (as
`rmp match PROGRAM` would start it). Then prints the pairings with their explanations and where
the emails and invites are, and writes each program's report to `.local/reports/` (as
`rmp report PROGRAM --out FILE` would). Ctrl-C stops everything.
"""

import argparse
import asyncio
import json
import signal
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from rich.console import Console
from rich.table import Table

from deploy import api, ops
from deploy.processes import System, SystemConfig, start_local_stack, stop_local_stack
from shared.events import PairingProposed
from shared.kafka import ensure_topics
from shared.mongo import mongo_client
from shared.topics import Topics

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "deploy" / "sample" / "profiles.jsonl"
SAMPLE_PROGRAMS = ROOT / "deploy" / "sample" / "programs.json"
console = Console()


def load_sample(system: System, rows: list[dict[str, Any]], topics: Topics) -> None:
    first_program = rows[0]["program_id"]
    via_api = [r for r in rows if r["program_id"] == first_program]
    via_topic = [r for r in rows if r["program_id"] != first_program]
    headers = {"X-API-Key": system.config.api_key}
    with httpx.Client(
        base_url=system.config.url("profiles"), headers=headers, timeout=30
    ) as client:
        for row in via_api:  # the API assigns new ids; sample ids are kept on the topic path
            client.post("/profiles", json=row).raise_for_status()
    commands = [ops.upsert_command(row, producer="demo-hr-sync") for row in via_topic]
    asyncio.run(
        ops.publish_updates(system.config.kafka_bootstrap_servers, topics.profile_updates, commands)
    )
    console.print(
        f"loaded {len(via_api)} people through the HTTP API and {len(via_topic)} through the ingress topic"
    )


def create_programs(system: System) -> list[str]:
    """A record per sample program (`deploy/sample/programs.json`: they match in rounds, nobody
    is proposed until a round runs), before anyone joins."""
    programs: dict[str, dict[str, Any]] = json.loads(SAMPLE_PROGRAMS.read_text())
    headers = {"X-API-Key": system.config.api_key}
    url = system.config.url("profiles")
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for program_id, body in programs.items():
            api.put_program(client, program_id, body)
    console.print(f"programs: {', '.join(programs)} (matching in rounds)")
    return list(programs)


def run_rounds(
    system: System, rows: list[dict[str, Any]], *, within: float = 180.0
) -> dict[str, dict[str, Any]]:
    """Once the matcher holds every person of the sample, one round per program; returns each
    round as recorded."""
    expected = Counter(row["program_id"] for row in rows if row.get("opted_in", True))
    headers = {"X-API-Key": system.config.api_key}
    done = {}
    with httpx.Client(base_url=system.config.url("matcher"), headers=headers, timeout=60) as client:
        for program, people in sorted(expected.items()):
            _wait_for_members(client, program, people, within=within)
            round_id = api.start_round(client, program, command_id=f"demo-{uuid.uuid4().hex}")
            done[program] = api.wait_for_round(client, program, round_id, within=within)
            console.print(
                f"{program}: round done, {done[program]['proposed']} pairs proposed "
                f"(total score {done[program]['total_score']:.3f})"
            )
    return done


def write_reports(system: System, programs: list[str], out_dir: Path) -> list[Path]:
    """The report of each program as one HTML page, as `rmp report PROGRAM --out FILE` writes it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    headers = {"X-API-Key": system.config.api_key}
    written = []
    with httpx.Client(
        base_url=system.config.url("matcher"), headers=headers, timeout=600
    ) as client:
        for program in programs:
            path = out_dir / f"{program}.html"
            path.write_text(api.program_report(client, program, as_json=False), encoding="utf-8")
            written.append(path)
    console.print("program reports: " + ", ".join(str(p.relative_to(ROOT)) for p in written))
    return written


def _wait_for_members(client: httpx.Client, program: str, people: int, *, within: float) -> None:
    deadline = time.monotonic() + within
    while api.preview_round(client, program)["members"] < people:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{program}: the matcher has not seen all {people} people")
        time.sleep(1)


def wait_until_settled(
    system: System, topics: Topics, *, quiet_for: float = 8.0, within: float = 180.0
) -> dict[str, list[Any]]:
    """Poll until no new pairing events or emails arrive for `quiet_for` seconds."""
    deadline, last, last_change = time.monotonic() + within, (-1, -1), time.monotonic()
    histories: dict[str, list[Any]] = {}
    while time.monotonic() < deadline:
        histories = asyncio.run(
            ops.pairing_histories(system.config.kafka_bootstrap_servers, topics.pairings)
        )
        now = (
            sum(len(h) for h in histories.values()),
            len(list(system.config.mail_dir.glob("*.eml"))),
        )
        if now != last:
            last, last_change = now, time.monotonic()
        elif now[0] and time.monotonic() - last_change > quiet_for:
            break
        time.sleep(1)
    return histories


def summarise(histories: dict[str, list[Any]], mail_dir: Path) -> None:
    table = Table(
        "program", "younger ⇄ older", "younger teaches", "older teaches", "common", show_lines=True
    )
    for events in histories.values():
        proposed = next((e for e in events if isinstance(e, PairingProposed)), None)
        if proposed is None or events[-1].event_type == "pairing.cancelled":
            continue
        d, why = proposed.data, proposed.data.explanation
        common = f"{', '.join(why.shared_languages)}; {why.common_hours_per_week:g} h/week"
        table.add_row(
            d.program_id,
            f"{d.younger.name} ({d.younger.birth_year}) ⇄ {d.older.name} ({d.older.birth_year})",
            ", ".join(why.younger_teaches),
            ", ".join(why.older_teaches),
            common,
        )
    console.print(table)
    emails = sorted(mail_dir.glob("*.eml"))
    console.print(
        f"[bold]{len(table.rows)} pairings[/]; {len(emails)} emails with calendar invites in {mail_dir}/"
    )
    if emails:
        console.print(
            f"for example: {emails[0]}  (open it with any mail client; the .ics is attached)"
        )


def explain_keys(config: SystemConfig) -> None:
    """Every API but health and metrics needs a key: say which the demo set, and how to use one."""
    keys = ", ".join(f"{key} ({' '.join(scopes)})" for key, scopes in config.api_keys.items())
    portal = next(key for key, scopes in config.api_keys.items() if scopes == ["respond"])
    console.print(f"API keys (header X-API-Key), the same for every service: {keys}")
    console.print(
        f"pairing ids: TOPIC_PREFIX={config.topic_prefix} rmp pairings; answer for a person: "
        f"RMP_API_KEY={portal} RMP_MATCHER_URL={config.url('matcher')} "
        "rmp answer PAIRING_ID PERSON_ID accept"
    )
    console.print(
        f"preview or run a round: RMP_API_KEY={config.api_key} "
        f"RMP_MATCHER_URL={config.url('matcher')} rmp match emea-2027 --preview"
    )
    console.print(
        f"a program's report: RMP_API_KEY={config.api_key} RMP_MATCHER_URL={config.url('matcher')} "
        "rmp report emea-2027 --out report.html (or --json; --personal names people)"
    )


DEMO_PREFIX = "demo."


async def reset(config: SystemConfig, topics: Topics) -> None:
    """Start from nothing: drop the demo's topics and databases from an earlier run, recreate topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=config.kafka_bootstrap_servers)
    await admin.start()
    try:
        old = [t for t in await admin.list_topics() if t.startswith(config.topic_prefix)]
        if old:
            await admin.delete_topics(old)
            await asyncio.sleep(2)  # deletion completes asynchronously on the broker
    finally:
        await admin.close()
    client = mongo_client(config.mongodb_uri)
    try:
        for name in await client.list_database_names():
            if name.startswith(config.database_prefix):
                await client.drop_database(name)
    finally:
        await client.close()
    for eml in config.mail_dir.glob("*.eml"):
        eml.unlink()
    await ensure_topics(config.kafka_bootstrap_servers, topics, partitions=3)


def main() -> None:
    # A plain `kill` must still stop the child processes: turn SIGTERM into SystemExit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="stop after the summary instead of running on"
    )
    args = parser.parse_args()
    endpoints = start_local_stack()
    state = ROOT / ".local"
    config = SystemConfig(
        kafka_bootstrap_servers=endpoints["KAFKA_BOOTSTRAP_SERVERS"],
        mongodb_uri=endpoints["MONGODB_URI"],
        log_dir=state / "logs",
        mail_dir=state / "mail",
        topic_prefix=DEMO_PREFIX,
        database_prefix="demo_",
    )
    topics = Topics(prefix=config.topic_prefix)
    asyncio.run(reset(config, topics))
    system = System(config)
    try:
        system.start()
        console.print("services up: " + ", ".join(f"{s} {config.url(s)}" for s in config.ports))
        rows = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
        create_programs(system)
        load_sample(system, rows, topics)
        rounds = run_rounds(system, rows)
        summarise(wait_until_settled(system, topics), config.mail_dir)
        write_reports(system, sorted(rounds), state / "reports")
        explain_keys(config)
        if not args.no_wait:
            console.print(
                f"running; API docs at {config.url('profiles')}/docs; Ctrl-C stops everything"
            )
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        system.stop()
        stop_local_stack()


if __name__ == "__main__":
    main()
