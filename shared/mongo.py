"""MongoDB access through PyMongo's async API, limited to what real MongoDB and FerretDB share."""

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

Document = dict[str, Any]


class StoreUnavailable(RuntimeError):
    """The store could not be reached; the operation may be retried."""


def mongo_client(uri: str, *, timeout_ms: int = 5000) -> AsyncMongoClient[Document]:
    """A client that does not connect until first used (so nothing connects at import)."""
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
    )


async def ping(client: AsyncMongoClient[Document]) -> bool:
    """True when the store answers; used by readiness checks."""
    try:
        await client.admin.command("ping")
    except PyMongoError:
        return False
    return True
