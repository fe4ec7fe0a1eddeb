"""In-process locks per profile id.

FerretDB v1 applies a conditional update by reading the matching documents and then writing them
back, so two concurrent writes to one document can overwrite each other. Within one process every
write to a profile (the API, ingress, and the relay marking events sent) therefore holds that
profile's lock; across processes the design relies on one writer per key, as the README says.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from weakref import WeakValueDictionary


class KeyedLocks:
    def __init__(self) -> None:
        # Weak values: a lock disappears once nobody holds or waits for it.
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    @asynccontextmanager
    async def hold(self, *keys: str) -> AsyncIterator[None]:
        """Hold the locks of all `keys`, taken in sorted order so two holders never deadlock."""
        locks = [self._lock(key) for key in sorted(set(keys))]
        async with AsyncExitStack() as stack:
            for lock in locks:
                await stack.enter_async_context(lock)
            yield
