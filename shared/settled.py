"""Running steps together and failing only once all of them have finished."""

import asyncio
from collections.abc import Awaitable
from typing import Any


async def settled(*steps: Awaitable[Any]) -> list[Any]:
    """Run `steps` at once and wait for every one of them, then raise the first error, if any:
    a failed step neither cancels another midway nor leaves it running past a redelivery."""
    results = await asyncio.gather(*steps, return_exceptions=True)
    if failed := next((r for r in results if isinstance(r, BaseException)), None):
        raise failed
    return results
