"""`python -m services.profiles.cli import FILE`: bulk import of profiles from CSV or JSON Lines.

Rows go through the same `ProfileService` as API and ingress writes, straight into MongoDB (Kafka
is not needed), in concurrent chunks (`bulk.py`): each row is an upsert by its `id`, and a row
whose profile is already stored as it is changes nothing, so running the same file again writes
nothing and emits nothing. Each change's event waits in the profile's outbox; every chunk leaves
a hint, and the running service's relay publishes the hinted profiles' events within
`PROFILES_RELAY_SWEEP_SECONDS`, or when the service next starts.

Exit status: 0 when every row was imported or unchanged, 1 when any row was rejected, 2 when the
file cannot be read.
"""

import asyncio
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from services.profiles.bulk import Written, apply_rows
from services.profiles.changes import Origin
from services.profiles.hints import MongoHints
from services.profiles.importer import Row, read_rows
from services.profiles.locks import KeyedLocks
from services.profiles.service import ProfileService
from services.profiles.settings import ProfilesSettings
from services.profiles.store import MongoProfileStore
from shared.mongo import mongo_client

app = typer.Typer(help="Operator commands of the profiles service.", no_args_is_help=True)
console = Console()


@app.callback()
def main() -> None:
    """Operator commands of the profiles service (settings from the environment, as for it)."""


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="A .csv file, or JSON Lines (any other suffix).")],
) -> None:
    """Upsert every profile in FILE (CSV, or JSON Lines) through the service layer; re-running
    it changes nothing. Ends with the rejected rows and why. Exit 1 if any row was rejected."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[red]cannot read {file}: {exc}")
        raise typer.Exit(2) from exc
    csv_format = file.suffix.lower() == ".csv"
    rows = read_rows(text, csv_format=csv_format)  # read and validated chunk by chunk
    about = sum(1 for line in text.splitlines() if line.strip()) - csv_format
    counts, rejected = asyncio.run(_import(ProfilesSettings(), rows, about=about, source=file.name))
    _report(counts, rejected)
    raise typer.Exit(1 if rejected else 0)


async def _import(
    settings: ProfilesSettings, rows: Iterable[Row], *, about: int, source: str
) -> tuple[Counter[str], list[Row]]:
    """`about`: the rows expected (the progress bar's length)."""
    client = mongo_client(settings.mongodb_uri)
    try:
        database = client[settings.mongodb_database]
        store = MongoProfileStore(database)
        await store.ensure_indexes()
        written = Written()
        service = ProfileService(store, locks=KeyedLocks(), observer=written)
        origin = Origin(producer=settings.producer, correlation_id=f"import:{source}"[:128])
        counts: Counter[str] = Counter()
        rejected: list[Row] = []
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("importing", total=about)
            async for outcomes in apply_rows(service, written, MongoHints(database), rows, origin):
                for outcome in outcomes:
                    counts[outcome if isinstance(outcome, str) else "rejected"] += 1
                    if isinstance(outcome, Row):
                        rejected.append(outcome)
                progress.advance(task, len(outcomes))
        return counts, rejected
    finally:
        await client.close()


def _report(counts: Counter[str], rejected: list[Row]) -> None:
    names = ("created", "updated", "unchanged", "rejected")
    console.print(", ".join(f"{counts[name]} {name}" for name in names))
    if rejected:
        table = Table("line", "id", "why it was rejected", title="Rejected rows")
        for row in rejected:
            table.add_row(str(row.line), row.profile_id or "-", row.reason or "")
        console.print(table)


if __name__ == "__main__":
    app()
