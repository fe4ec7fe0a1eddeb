"""An in-memory copy of program records, as the matcher and the notifier keep them."""

from shared.programs import ProgramSnapshot


class FakePrograms:
    """The latest record per program; an older one never replaces a newer one."""

    def __init__(self, *records: ProgramSnapshot) -> None:
        self.records: dict[str, ProgramSnapshot] = {r.id: r for r in records}

    async def apply(self, snapshot: ProgramSnapshot) -> bool:
        current = self.records.get(snapshot.id)
        if current is not None and current.version >= snapshot.version:
            return current.version == snapshot.version
        self.records[snapshot.id] = snapshot
        return True

    async def get(self, program_id: str) -> ProgramSnapshot | None:
        return self.records.get(program_id)

    async def every(self) -> list[ProgramSnapshot]:
        return list(self.records.values())
