"""Where a pair's latency goes: the hop from one service to the next, from record timestamps.

For each pair of a measured phase, taken from the later of its two people (the one that
completed it): ingress published -> that profile's canonical event -> the matcher's work item
for it (the read model is updated) -> the pairing's proposal (the program was stepped) -> each
email accepted. The canonical and pairing events carry their producer's timestamp (the
relay's publish time), and the bench and the services share one clock, so each hop is the time
one service took, queueing included.
"""

import json
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from deploy import ops
from shared.events import PairingEvent, PairingProposed
from shared.topics import Topics

HOPS = ("profiles", "read model", "step", "notifier")


@dataclass(frozen=True)
class Stamps:
    """Wall-clock seconds, by profile id: published to ingress; canonical event published;
    by email: accepted by the SMTP server."""

    ingress: Mapping[str, float]
    accepted: Mapping[str, float]


async def hops(bootstrap: str, topics: Topics, stamps: Stamps) -> str:
    """A table of each hop's p50 / p95 / p99 over the pairs of `stamps`."""
    canonical: dict[str, float] = {}
    for record in await ops.read_all(bootstrap, topics.profile_changes, limit=None):
        key = (record.key or b"").decode()
        if key in stamps.ingress:
            canonical.setdefault(key, record.timestamp / 1000)
    worked: dict[str, float] = {}
    for record in await ops.read_all(bootstrap, topics.match_work, limit=None):
        person = json.loads(record.value or b"{}").get("data", {}).get("item", {}).get("person_id")
        if person in stamps.ingress:
            worked.setdefault(person, record.timestamp / 1000)
    samples: dict[str, list[float]] = {hop: [] for hop in HOPS}
    adapter: TypeAdapter[PairingEvent] = TypeAdapter(PairingEvent)
    for record in await ops.read_all(bootstrap, topics.pairings, limit=None):
        try:
            event = adapter.validate_json(record.value or b"")
        except ValidationError:
            continue
        if not isinstance(event, PairingProposed):
            continue
        people = [event.data.younger, event.data.older]
        ids = [p.id for p in people]
        if not all(i in stamps.ingress and i in canonical and i in worked for i in ids):
            continue
        last = max(ids, key=lambda i: stamps.ingress[i])
        proposed = record.timestamp / 1000
        samples["profiles"].append(canonical[last] - stamps.ingress[last])
        samples["read model"].append(worked[last] - canonical[last])
        samples["step"].append(proposed - max(worked[i] for i in ids))
        samples["notifier"] += [
            stamps.accepted[p.email.lower()] - proposed
            for p in people
            if p.email.lower() in stamps.accepted
        ]
    return _table(samples)


def _table(samples: dict[str, list[float]]) -> str:
    lines = [f"{'hop (ms)':12}{'pairs':>7}{'p50':>9}{'p95':>9}{'p99':>9}"]
    for hop, values in samples.items():
        if len(values) < 2:
            lines.append(f"{hop:12}{len(values):7}")
            continue
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        p50, p95, p99 = (cuts[i] * 1e3 for i in (49, 94, 98))
        lines.append(f"{hop:12}{len(values):7}{p50:9.0f}{p95:9.0f}{p99:9.0f}")
    return "\n".join(lines)
