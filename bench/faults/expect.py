"""What the ingress door's people must end as: the profiles service's rules replayed. Pure.

A command is applied unless its `event_id` was applied before (an exact duplicate) or its
`occurred_at` (here its tick) is older than the last applied one for the profile (stale).
"""

from bench.faults.history import Expected
from bench.faults.workload import Op


def ingress_finals(ops: list[Op], command_ids: dict[int, str]) -> dict[str, Expected]:
    """By profile id; `command_ids` is the event id each op's command carried."""
    finals: dict[str, Expected] = {}
    applied: set[str] = set()
    last_tick: dict[str, int] = {}
    for index, op in enumerate(ops):
        if op.person is None or op.door != "ingress" or op.kind == "malformed":
            continue
        event_id = command_ids[index]  # a duplicate carries the id of the op it repeats
        if event_id in applied or op.tick < last_tick.get(op.person, 0):
            continue
        applied.add(event_id)
        last_tick[op.person] = op.tick
        if op.kind == "delete":
            finals[op.person] = Expected(deleted=True, name=None)
        elif op.fields is not None:
            finals[op.person] = Expected(deleted=False, name=str(op.fields["name"]))
    return finals
